"""The alliance-sim CLI end to end, through a subprocess, on temporary folders."""

import json
import pathlib
import subprocess
import sys

import pandas as pd
import pytest
from PIL import Image

REPO = pathlib.Path(__file__).resolve().parents[1]
EXE = pathlib.Path(sys.executable).with_name("alliance-sim")
PLOTS = {
    "bloc_metrics.png",
    "member_loyalty.png",
    "engagement_states.png",
    "freeze_exit_probability.png",
}


def cli(*args, cwd=REPO, shell=None):
    command = shell if shell else [str(EXE), *map(str, args)]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, shell=bool(shell)
    )


def assert_png(path):
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 800 and image.size[1] > 400


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "armenia"
    done = cli(
        "run",
        "armenia_exit",
        "--replicates",
        40,
        "--months",
        12,
        "--seed",
        7,
        "--set",
        "china.pull=0.7",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    return out, done


def test_run_writes_a_complete_folder(run_folder):
    out, done = run_folder
    names = {p.name for p in out.iterdir()}
    expected = {
        "scenario.yaml",
        "metadata.json",
        "bloc.parquet",
        "members.parquet",
        "outcomes.parquet",
        "bloc.csv",
        "members.csv",
        "outcomes.csv",
        "summary.txt",
        "summary_members.csv",
        "summary_bloc.csv",
        "events_replicate_0.csv",
    } | PLOTS
    assert expected <= names
    assert not [p for p in out.parent.iterdir() if ".partial-" in p.name]
    for name in PLOTS:
        assert_png(out / name)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == 7 and meta["replicates"] == 40 and meta["months"] == 12
    assert {"mesa", "numpy", "pandas", "python"} <= set(meta["versions"])
    assert "armenia_exit" in meta["command"] and meta["started"] <= meta["finished"]
    bloc = pd.read_parquet(out / "bloc.parquet")
    assert len(bloc) == 40 * 13
    # The first row is the state the run starts from: the end of the month before `start`.
    assert str(bloc["date"].min())[:7] == "2022-09"
    assert str(bloc["date"].max())[:7] == "2023-09"
    members = pd.read_parquet(out / "members.parquet")
    last = members[members["date"] == members["date"].max()]
    assert (last[last["member"] == "armenia"]["state"] == "exited").all()
    resolved = (out / "scenario.yaml").read_text()
    assert "extends" not in resolved and "pull: 0.7" in resolved and "seed: 7" in resolved


def test_run_prints_member_and_bloc_summary(run_folder):
    out, done = run_folder
    text = done.stdout
    for header in ("P(reduced)", "P(frozen)", "P(exited)", "median exit month", "90% band"):
        assert header in text
    armenia = next(line for line in text.splitlines() if line.strip().startswith("Armenia "))
    # forced out in every replicate: shown as ">1 - 1/R", never as a certain 100%
    assert ">9" in armenia and "100%" not in armenia and "2023-01" in armenia
    for metric in ("integrity", "cohesion", "credibility"):
        assert metric in text
    # the line under the bloc table says what the band covers, here and in the folder
    band = "90% band: the central 90% of replicates (posterior parameter and stochastic spread"
    lines = text.splitlines()
    credibility = next(i for i, line in enumerate(lines) if line.startswith("credibility "))
    assert lines[credibility + 1].startswith(band)
    assert band in (out / "summary.txt").read_text()
    assert band in (out / "report.html").read_text()


def test_compare_writes_overlay_and_paired_differences(tmp_path):
    out = tmp_path / "cmp"
    done = cli(
        "compare",
        "baseline",
        "armenia_exit",
        "kyrgyzstan_exit",
        "--replicates",
        30,
        "--months",
        8,
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert_png(out / "compare.png")
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs["scenario"]) == {"armenia_exit", "kyrgyzstan_exit"}
    integrity = diffs[diffs["metric"] == "integrity"]
    assert (integrity["diff_median"] < 0).all()
    assert "Differences from the reference" in done.stdout
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == [
        "armenia_exit.yaml",
        "baseline.yaml",
        "kyrgyzstan_exit.yaml",
    ]


BAD_CASES = {
    "unknown_field": ("description: q\nbogus: 1\n", "unknown_field.yaml:2: bogus: unknown field"),
    "wrong_type": ("description: q\nmonths: twelve\n", "wrong_type.yaml:2: months:"),
    "unknown_member": (
        'description: q\nevents:\n  - type: freeze\n    date: "2023-01"\n    member: narnia\n',
        "unknown_member.yaml:5: events[0].member: unknown member 'narnia'; valid: russia",
    ),
    "after_horizon": (
        'description: q\nmonths: 3\nevents:\n  - type: rejoin\n    date: "2030-01"\n'
        "    member: uzbekistan\n",
        "after_horizon.yaml:5: events[0].date: 2030-01 lies outside the run",
    ),
    "malformed": ("description: q\n  months: : 3\n", "malformed.yaml:2: malformed YAML"),
}


def test_bad_scenarios_exit_2_with_file_line_and_field(tmp_path):
    for name, (text, _) in BAD_CASES.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    done = cli("validate", *sorted(tmp_path.iterdir()))
    assert done.returncode == 2
    for _, expected in BAD_CASES.values():
        assert expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_bad_run_writes_nothing(tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD_CASES["unknown_member"][0])
    out = tmp_path / "out"
    done = cli("run", tmp_path / "bad.yaml", "--replicates", 5, "--out", out)
    assert done.returncode == 2 and "bad.yaml:5: events[0].member" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.yaml"]


def test_bad_set_cycle_and_existing_folder_exit_2(tmp_path):
    done = cli("run", "baseline", "--set", "armenia.acces_west=1", "--out", tmp_path / "o")
    assert done.returncode == 2 and "--set: armenia.acces_west: unknown parameter" in done.stderr
    assert "valid: access_china" in done.stderr
    done = cli("run", "baseline", "--set", "nonsense", "--out", tmp_path / "o")
    assert done.returncode == 2 and "expected key=value" in done.stderr
    (tmp_path / "a.yaml").write_text("description: q\nextends: b\n")
    (tmp_path / "b.yaml").write_text("description: q\nextends: a\n")
    done = cli("validate", tmp_path / "a.yaml")
    assert done.returncode == 2 and "extends: cycle: a -> b -> a" in done.stderr
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    done = cli("run", "baseline", "--replicates", 5, "--out", full)
    assert done.returncode == 2 and "not empty" in done.stderr
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("run", "baseline", "--replicates", "abc"),
            "alliance-sim run: error: argument --replicates: invalid int value: 'abc'",
        ),
        (
            ("run", "baseline", "--seed", "1.5"),
            "alliance-sim run: error: argument --seed: invalid int value: '1.5'",
        ),
        (
            ("compare", "baseline", "--figures", "gif"),
            "alliance-sim compare: error: argument --figures: unknown figure format 'gif'",
        ),
        (
            ("params", "--format", "xml"),
            "alliance-sim params: error: argument --format: invalid choice: 'xml'",
        ),
        ((), "alliance-sim: error: the following arguments are required: COMMAND"),
    ],
)
def test_bad_option_values_are_one_line_without_the_usage_block(tmp_path, args, line):
    done = cli(*args, "--out", tmp_path / "o") if args[:1] == ("run",) else cli(*args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(line) and "usage:" not in done.stderr
    assert done.stdout == "" and not (tmp_path / "o").exists()


def test_help_still_prints_the_usage():
    done = cli("run", "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: alliance-sim run")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["validate", "scenarios/baseline.yaml"], ["params", "armenia"], ["list"],
     ["run", "baseline", "--replicates", "abc"], ["calibrate", "--help"]],
)  # fmt: skip
def test_commands_that_simulate_nothing_do_not_import_mesa_or_matplotlib(args):
    # Answering at once: the package's public names are imported on first use.
    probe = (
        "import sys\nfrom alliance_sim.cli import main\ntry:\n    main(sys.argv[1:])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('mesa', 'matplotlib', 'alliance_sim.api') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", (done.stdout, done.stderr)


def test_list_show_validate_params():
    listed = cli("list")
    assert listed.returncode == 0
    assert "armenia_exit" in listed.stdout and "china_guarantees_kazakhstan" in listed.stdout
    shown = cli("show", "armenia_exit")
    assert shown.returncode == 0 and "extends" not in shown.stdout
    assert "member: armenia" in shown.stdout and "months: 36" in shown.stdout
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    valid = cli("validate", *files)
    assert valid.returncode == 0 and valid.stdout.count("ok ") == len(files)
    params = cli("params", "armenia")
    assert params.returncode == 0 and "access_west" in params.stdout
    assert "doc 000" in params.stdout and "Pashinian" in params.stdout  # whole quotes when piped
    unknown = cli("params", "atlantis")
    assert unknown.returncode == 2 and "valid:" in unknown.stderr


def test_broken_pipe_is_quiet():
    done = cli(shell=f"'{EXE}' params | head -n 2")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


def test_atomic_folder_leaves_nothing_on_error_and_overwrites_whole(tmp_path):
    from alliance_sim.runs import RunFolderError, atomic_folder

    target = tmp_path / "run"
    with pytest.raises(RuntimeError), atomic_folder(target) as tmp:
        (tmp / "half.parquet").write_text("partial")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_folder(target) as tmp:
        (tmp / "old.txt").write_text("old")
    with pytest.raises(RunFolderError, match="not empty"), atomic_folder(target):
        pass
    with atomic_folder(target, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
