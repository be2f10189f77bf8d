"""Issue 12's audit corpus: each hostile file exits 2 with one line naming file, line and field.

The files are in tests/corpus/. Every case runs through the CLI's ``main()`` in-process, in an
empty working folder, and must leave that folder empty (nothing written).
"""

import os
import pathlib
import shutil

import pytest

from alliance_sim.cli import main

CORPUS = pathlib.Path(__file__).parent / "corpus"

#: file -> (file the error must name, line, field) for files `validate` must refuse.
REFUSED = {
    "alias_bomb.yaml": ("alias_bomb.yaml", 1, ""),
    "duplicate_keys.yaml": ("duplicate_keys.yaml", 4, ""),
    "nul_byte.yaml": ("nul_byte.yaml", 4, ""),
    "uzbekistan_external.yaml": (
        "uzbekistan_external.yaml",
        5,
        "parameters.uzbekistan.threat_kind",
    ),
    "threat_kind_bogus.yaml": ("threat_kind_bogus.yaml", 5, "parameters.armenia.threat_kind"),
    "initial_state_bogus.yaml": ("initial_state_bogus.yaml", 5, "parameters.armenia.initial_state"),
    "threat_source_mars.yaml": ("threat_source_mars.yaml", 5, "parameters.armenia.threat_source"),
    "member_empty.yaml": ("member_empty.yaml", 6, "events[0].member"),
    "start_year_zero.yaml": ("start_year_zero.yaml", 3, "start"),
    "start_far_future.yaml": ("start_far_future.yaml", 3, "start"),
    "set_parameter_nan.yaml": ("set_parameter_nan.yaml", 7, "events[0].value"),
    "set_parameter_out_of_range.yaml": ("set_parameter_out_of_range.yaml", 7, "events[0].value"),
    "set_parameter_categorical.yaml": ("set_parameter_categorical.yaml", 6, "events[0].key"),
    "months_true.yaml": ("months_true.yaml", 3, "months"),
    "clash_with_itself.yaml": ("clash_with_itself.yaml", 6, "events[0].members"),
    # A bad field in a parent file is reported in the parent file, not the child.
    "child_of_bad.yaml": ("parent_bad.yaml", 6, "parameters.armenia.access_west"),
}


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, file, line, field=""):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert f"{file}:{line}: " in lines[0], lines[0]
    if field:
        assert f": {field}: " in lines[0], lines[0]


@pytest.fixture
def empty_cwd(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("ALLIANCE_SIM_SCENARIOS", str(CORPUS))
    return work


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_validate_and_run_refuse_hostile_file(name, capsys, empty_cwd):
    file, line, field = REFUSED[name]
    code, out, err = cli(capsys, "validate", CORPUS / name)
    assert code == 2 and not out.strip()
    assert_one_line_error(err, file, line, field)
    code, out, err = cli(capsys, "run", CORPUS / name, "--quiet")
    assert code == 2
    assert_one_line_error(err, file, line, field)
    assert not any(empty_cwd.iterdir()), "a refused run wrote files"


def test_list_survives_an_alias_bomb_in_the_scenarios_folder(capsys, empty_cwd):
    code, out, err = cli(capsys, "list")
    assert code == 0, err
    row = next(r for r in out.splitlines() if r.startswith("alias_bomb"))
    assert "INVALID" in row and "aliases are expanded" in row


def test_deep_nesting_is_refused_with_a_line(capsys, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("description: deep\nevents: " + "[" * 20_000 + "]" * 20_000 + "\n")
    code, _, err = cli(capsys, "validate", path)
    assert code == 2
    assert_one_line_error(err, "deep.yaml", 2)
    assert "nested deeper than" in err


def test_aliases_cannot_nest_deeper_than_the_limit(capsys, tmp_path):
    lines = ["description: x", "a0: &a0 " + "[" * 40 + "1" + "]" * 40]
    lines += [f"a{i}: &a{i} " + "[" * 40 + f"*a{i - 1}" + "]" * 40 for i in range(1, 90)]
    path = tmp_path / "deep_aliases.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, _, err = cli(capsys, "validate", path)
    assert code == 2
    assert_one_line_error(err, "deep_aliases.yaml", 1)
    assert "once aliases are expanded" in err


def test_long_extends_chain_is_refused_without_recursion_error(capsys, tmp_path):
    for i in range(1500):
        (tmp_path / f"s{i}.yaml").write_text(f"description: link {i}\nextends: s{i + 1}\n")
    (tmp_path / "s1500.yaml").write_text("description: root\n")
    code, _, err = cli(capsys, "validate", tmp_path / "s0.yaml")
    assert code == 2
    assert "levels of extends" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_too_many_replicates_for_memory_exits_2_before_running(capsys, empty_cwd):
    code, out, err = cli(capsys, "validate", CORPUS / "replicates_huge.yaml")
    assert code == 0, err  # the schema allows it; the machine does not
    code, out, err = cli(capsys, "run", CORPUS / "replicates_huge.yaml", "--quiet")
    assert code == 2
    line = err.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "needs about" in line and "GB" in line and "--replicates" in line
    assert not any(empty_cwd.iterdir())


@pytest.mark.parametrize("name", ["name_escape.yaml", "name_absolute.yaml"])
def test_name_cannot_send_output_outside_runs(name, capsys, tmp_path, monkeypatch):
    work = tmp_path / "deep" / "er" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    code, out, err = cli(capsys, "run", CORPUS / name, "--quiet")
    assert code == 0, err
    made = [p for p in (tmp_path).rglob("*") if p.is_dir() and p.name.endswith(("escaped",))]
    assert not made
    runs = list((work / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "metadata.json").is_file()
    assert not pathlib.Path("/tmp/alliance-sim-absolute").exists()
    assert set(os.listdir(work)) == {"runs"}


def test_sweep_refuses_duplicate_keys_in_experiment(capsys, empty_cwd):
    code, _, err = cli(capsys, "sweep", CORPUS / "exp_duplicate_keys.yaml")
    assert code == 2
    assert_one_line_error(err, "exp_duplicate_keys.yaml", 8)
    assert not any(empty_cwd.iterdir())


@pytest.mark.parametrize(
    "pair, field, words",
    [
        ("armenia.threat_kind=bogus", "armenia.threat_kind", "valid: external"),
        ("armenia.affinity=[0.1,0.2]", "armenia.affinity", "one value"),
        ("global.contagion=true", "global.contagion", "must be a number"),
        ("global.contagion=.nan", "global.contagion", "outside its range"),
    ],
)
def test_set_values_are_refused_naming_the_option(pair, field, words, capsys, empty_cwd):
    code, _, err = cli(capsys, "run", "baseline", "--quiet", "--set", pair)
    assert code == 2
    line = err.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert line.startswith(f"alliance-sim: error: --set: {field}: "), line
    assert words in line
    assert not any(empty_cwd.iterdir())


def test_compatible_threat_overrides_together_are_accepted(capsys, tmp_path):
    path = tmp_path / "uz.yaml"
    path.write_text(
        "description: q\nparameters:\n  uzbekistan:\n    threat_kind: external\n"
        "    threat_source: azerbaijan\n"
    )
    code, out, err = cli(capsys, "validate", path)
    assert code == 0, err


@pytest.fixture
def unwritable(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    yield ro
    ro.chmod(0o700)
    shutil.rmtree(ro, ignore_errors=True)


def test_filesystem_problems_exit_2_before_running(capsys, tmp_path, monkeypatch, unwritable):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("mine")
    cases = [("afile/sub", "is a file"), (".", "current folder")]
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((str(unwritable / "x"), "cannot write"))
    for out, words in cases:
        code, _, err = cli(
            capsys, "run", "baseline", "--quiet", "--replicates", "2", "--months", "2",
            "--out", out, "--overwrite",
        )  # fmt: skip
        assert code == 2, (out, err)
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "afile").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_sweep_name_cannot_send_output_outside_results(capsys, tmp_path, monkeypatch):
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    path = work / "exp.yaml"
    path.write_text(
        "name: ../../../escaped\nreplicates: 1\nmonths: 1\n"
        "design:\n  method: grid\n  grid:\n    china.pull: [0.2, 0.4]\n"
    )
    code, _, err = cli(capsys, "sweep", path)
    assert code == 0, err
    assert (work / "results" / "escaped" / "results.parquet").is_file()
    assert sorted(p.name for p in tmp_path.rglob("escaped")) == ["escaped"]
