"""The input contract, property-tested over the whole scenario and experiment schema.

A file either runs or exits 2 with one line naming the file, the line and the field, without a
traceback and without writing anything; ``--set`` values either run or are refused naming the
option and key; the API's keyword arguments either run or raise ``TypeError``/``ValueError``
naming the argument. Hypothesis runs derandomized with no example database, so the examples are
the same on every machine (about 1,000 in all). Valid examples simulate in-process; a smaller
sample also writes the whole run folder through the CLI, since plotting dominates their cost.
"""

import math
import os
import pathlib
import re

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_sim import AllianceModel, run
from alliance_sim.cli import main
from alliance_sim.core.parameters import load_parameters

PARAMS = load_parameters()
MEMBERS = PARAMS.member_names
ACTORS = PARAMS.actor_names
KEYS = PARAMS.keys()
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
ONE_LINE = re.compile(r"^alliance-sim: error: (?P<file>[^:\n]+\.ya?ml):(?P<line>\d+): ")

names = st.sampled_from([*MEMBERS, *ACTORS, "global", "", "mars", "Armenia", "russia "])
numbers = st.one_of(
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from([0, 1, 0.5, -1, 1000, math.nan, math.inf, True, False]),
)
anything = st.one_of(
    numbers, names, st.none(), st.text(max_size=6), st.lists(st.integers(0, 2), max_size=2)
)
months = st.one_of(st.integers(1, 3), st.sampled_from([0, -1, 601, 2.5, True, "x", None]))
replicates = st.one_of(st.integers(1, 2), st.sampled_from([0, -3, 2.7, "2", True, 10**8]))
dates = st.one_of(
    st.sampled_from(["2022-10", "2022-11", "2022-12", "2023-01"]),
    st.sampled_from(["2022-13", "0000-01", "9999-12", "2030-01", 2023, "", None, "2023-1"]),
)
starts = st.one_of(
    st.just("2022-10"),
    st.sampled_from(["2022-11", "2021-06", "0000-01", "9999-12", "1991-01", 2023, "22-10"]),
)


@st.composite
def event(draw):
    kind = draw(
        st.sampled_from(
            [
                "exit", "freeze", "rejoin", "border_clash", "article4_request", "hegemon_shock",
                "patron_offer", "set_parameter", "hegemon_reward", "threat_shift", "bogus",
            ]
        )
    )  # fmt: skip
    out = {"type": kind, "date": draw(dates)}
    if kind in ("exit", "freeze", "rejoin", "article4_request", "hegemon_reward", "threat_shift"):
        out["member"] = draw(names)
    if kind == "border_clash":
        out["members"] = draw(st.lists(names, min_size=1, max_size=3))
        if draw(st.booleans()):
            out["victim"] = draw(names)
    if kind == "patron_offer":
        out["patron"], out["member"] = draw(names), draw(names)
        out["access"] = draw(numbers)
    if kind in ("hegemon_shock", "threat_shift"):
        out["delta"] = draw(numbers)
    if kind == "set_parameter":
        out["key"] = draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)))
        out["value"] = draw(numbers)
    if kind in ("border_clash", "article4_request"):
        out["severity"] = draw(numbers)
    if draw(st.integers(0, 9)) == 0:
        out[draw(st.sampled_from(["extra", "note", "date"]))] = draw(anything)
    return out


@st.composite
def scenario(draw):
    data = {"description": "property test", "months": draw(months)}
    data["replicates"] = draw(replicates)
    for field, strategy in [
        ("start", starts),
        ("seed", st.one_of(st.integers(0, 9), st.sampled_from([-1, 1.5, "s", True]))),
        ("history", st.one_of(st.booleans(), st.sampled_from(["no", 0, "maybe"]))),
        ("name", st.sampled_from(["ok", "../../../x", "/abs", "", "ümlaut name"])),
        ("evidence", st.one_of(st.text(max_size=5), st.lists(st.text(max_size=3)))),
        ("extends", st.sampled_from(["tiny_parent", "nowhere", 5])),
        ("unknown_field", anything),
    ]:
        if draw(st.integers(0, 3)) == 0:
            data[field] = draw(strategy)
    if draw(st.booleans()):
        entity = draw(names)
        key = draw(st.sampled_from([k.split(".", 1)[1] for k in KEYS] + ["nope"]))
        value = draw(
            st.one_of(
                numbers,
                st.sampled_from(["external", "intra", "bogus", "azerbaijan", "active", "mars"]),
            )
        )
        data["parameters"] = {entity: {key: value}}
    data["events"] = draw(st.lists(event(), max_size=2))
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 5)) == 0:  # a textual accident
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["\x00", "\t", ": [", "&a", "*a", "\n  - ", "'"]))
        text += data.get("description", "")
    return text


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contract")
    (folder / "tiny_parent.yaml").write_text(
        "description: parent\nreplicates: 2\nmonths: 2\nparameters:\n  china:\n    pull: 0.4\n"
    )
    return folder


def check_refusal(err, path):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    match = ONE_LINE.match(lines[0])
    assert match, lines[0]
    assert pathlib.Path(match["file"]).name in (path.name, "tiny_parent.yaml"), lines[0]


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


@settings(max_examples=500, **SETTINGS)
@given(text=scenario())
def test_a_scenario_file_runs_or_exits_2_naming_file_line_and_field(text, workdir, capsys):
    path = workdir / "candidate.yaml"
    path.write_text(text, encoding="utf-8")
    before = listing(workdir)
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    if code == 0:
        result = run(path)  # what `alliance-sim run` simulates, without writing the folder
        final = result.final()
        assert len(final) == result.scenario.replicates
        assert np.isfinite(final[["integrity", "cohesion", "capacity"]].to_numpy()).all()
        return
    assert code == 2 and not out.strip()
    check_refusal(err, path)
    os.chdir(workdir)
    code = main(["run", str(path), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2
    check_refusal(err, path)
    assert listing(workdir) == before, "a refused run wrote files"


@settings(max_examples=25, **SETTINGS)
@given(text=scenario())
def test_a_valid_scenario_file_writes_a_complete_run_folder(text, workdir, capsys):
    path = workdir / "candidate.yaml"
    path.write_text(text, encoding="utf-8")
    out = workdir / "out"
    code = main(["run", str(path), "--quiet", "--out", str(out), "--overwrite"])
    _, err = capsys.readouterr()
    if code == 2:
        check_refusal(err, path)
        return
    assert code == 0, err
    assert {"metadata.json", "scenario.yaml", "bloc.parquet", "summary.txt"} <= set(listing(out))
    assert not [p for p in workdir.iterdir() if ".partial-" in p.name]


set_values = st.one_of(
    numbers.map(str),
    st.sampled_from(["true", "no", "[0.1,0.2]", "{a: 1}", "", "bogus", "external", ".nan", "1e9"]),
    st.text(max_size=6),
)


@settings(max_examples=200, **SETTINGS)
@given(key=st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), value=set_values)
def test_set_values_run_or_are_refused_naming_the_key(key, value, workdir, capsys):
    from alliance_sim.commands.scenario import parse_sets
    from alliance_sim.errors import BadInput
    from alliance_sim.scenarios import ScenarioError, load_scenario

    pair = f"{key}={value}"
    try:
        overrides = parse_sets([pair])
        scenario = load_scenario(workdir / "tiny_parent.yaml", overrides)
    except BadInput as err:
        assert "--set" in str(err) and "\n" not in str(err)
        return
    except ScenarioError as err:
        assert str(err).startswith("--set: "), err
        assert "\n" not in str(err)
        return
    final = run(scenario).final()
    assert np.isfinite(final[["integrity", "cohesion", "capacity"]].to_numpy()).all()


KWARGS = {
    "replicates": st.one_of(st.integers(1, 3), st.sampled_from([0, 2.7, "3", True, None, -1])),
    "months": st.one_of(st.integers(1, 3), st.sampled_from([0, 1.5, "2", 100_000, None])),
    "start": st.sampled_from(["2022-10", "2023-02", 2023, "2023", "0000-01", "9999-12", None]),
    "seed": st.sampled_from([1, 0, [1, 2], -1, 1.5, "x", None, [], True]),
    "history": st.sampled_from([True, False, "no", 1, None]),
    "events": st.sampled_from([(), [], "abc", [{"type": "exit", "date": "2023-01"}], 5]),
    "overrides": st.sampled_from([None, {}, {"china.pull": 0.5}, [("china.pull", 0.5)], "x"]),
    "china_pull": st.sampled_from([None, 0.5, 5, math.nan, "0.5", True]),
    "russia_capacity": st.sampled_from([None, 0.7, -1, math.inf]),
    "contagion": st.sampled_from([None, 0.3, 2.0]),
}


@settings(max_examples=200, **SETTINGS)
@given(kwargs=st.fixed_dictionaries({}, optional=KWARGS))
def test_model_keyword_arguments_run_or_raise_naming_the_argument(kwargs):
    given_kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        model = AllianceModel(**given_kwargs)
    except (TypeError, ValueError, KeyError) as err:
        assert not isinstance(err, KeyError) or "unknown" in str(err), err
        message = str(err)
        named = [k for k in given_kwargs if k in message] + ["events[", "china.pull", "member"]
        assert any(n in message for n in named), (given_kwargs, message)
        return
    for _ in range(model.months):
        model.step()
    assert np.isfinite(model.final()["cohesion"].to_numpy()).all()
