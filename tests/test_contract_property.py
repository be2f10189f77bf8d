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


def mostly(valid, invalid):
    """Valid values three times in four, so that many examples get to run."""
    return st.one_of(valid, valid, valid, invalid)


names = mostly(
    st.sampled_from([*MEMBERS, *ACTORS]), st.sampled_from(["global", "", "mars", "Armenia", "x "])
)
numbers = st.one_of(
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from([0, 1, 0.5, -1, 1000, math.nan, math.inf, True, False]),
)
anything = st.one_of(
    numbers, names, st.none(), st.text(max_size=6), st.lists(st.integers(0, 2), max_size=2)
)


months = mostly(st.integers(1, 3), st.sampled_from([0, -1, 601, 2.5, True, "x", None]))
replicates = mostly(st.integers(1, 2), st.sampled_from([0, -3, 2.7, "2", True, 10**8]))
dates = mostly(
    st.sampled_from(["2022-10", "2022-11", "2022-12", "2023-01"]),
    st.sampled_from(["2022-13", "0000-01", "9999-12", "2030-01", 2023, "", None, "2023-1"]),
)
starts = st.one_of(
    st.just("2022-10"),
    st.sampled_from(["2022-11", "2021-06", "0000-01", "9999-12", "1991-01", 2023, "22-10"]),
)


VALID_DATES = st.sampled_from(["2022-10", "2022-11", "2022-12"])
NON_HEGEMON = [m for m in MEMBERS if m != PARAMS.hegemon]
PATRONS = [a for a, kind in PARAMS.actor_kinds.items() if kind != "threat"]
NUMERIC_KEYS = [k for k in KEYS if not isinstance(PARAMS.lookup(k).value, str)]


@st.composite
def valid_event(draw):
    kind = draw(
        st.sampled_from(
            [
                "exit", "freeze", "rejoin", "border_clash", "article4_request", "hegemon_shock",
                "patron_offer", "set_parameter", "hegemon_reward", "threat_shift",
            ]
        )
    )  # fmt: skip
    out = {"type": kind, "date": draw(VALID_DATES)}
    if kind in ("exit", "freeze"):
        out["member"] = draw(st.sampled_from(NON_HEGEMON))
    if kind in ("rejoin", "article4_request", "hegemon_reward", "threat_shift"):
        out["member"] = draw(st.sampled_from(MEMBERS))
    if kind == "border_clash":
        out["members"] = draw(st.lists(st.sampled_from(MEMBERS), min_size=2, max_size=2,
                                       unique=True))  # fmt: skip
        if draw(st.booleans()):
            out["victim"] = out["members"][0]
    if kind == "patron_offer":
        out["patron"] = draw(st.sampled_from(PATRONS))
        out["member"] = draw(st.sampled_from(MEMBERS))
        out["access"] = draw(st.floats(0, 1))
    if kind in ("hegemon_shock", "threat_shift"):
        out["delta"] = draw(st.floats(-1, 1))
    if kind == "set_parameter":
        out["key"] = key = draw(st.sampled_from(NUMERIC_KEYS))
        p = PARAMS.lookup(key)
        out["value"] = draw(st.floats(p.low, p.high))
    if kind in ("border_clash", "article4_request"):
        out["severity"] = draw(st.floats(0, 1))
    return out


BAD_SCENARIO_FIELDS = {
    "months": st.sampled_from([0, -1, 601, 2.5, True, "x", None]),
    "replicates": st.sampled_from([0, -3, 2.7, True, 10**8, "many"]),
    "start": st.sampled_from(["2022-13", "0000-01", "9999-12", "1991-01", 2023, "22-10", None]),
    "seed": st.sampled_from([-1, 1.5, "s", True]),
    "history": st.sampled_from(["maybe", 2, None]),
    "name": st.sampled_from(["../../../x", "/abs", ""]),
    "extends": st.sampled_from(["nowhere", 5, "candidate"]),
    "description": st.sampled_from([None, 5, ["a"]]),
    "unknown_field": anything,
    "parameters": st.one_of(
        st.dictionaries(
            names,
            st.dictionaries(
                st.sampled_from(["pull", "nope", "threat_kind", "initial_state", "affinity"]),
                anything,
                max_size=2,
            ),
            max_size=2,
        ),
        anything,
    ),  # fmt: skip
}
BAD_EVENT_FIELDS = {
    "type": st.sampled_from(["bogus", None, 3]),
    "date": st.sampled_from(["2022-13", "0000-01", "2030-01", 2023, "", None, "2023-1"]),
    "member": names,
    "members": st.lists(names, max_size=3),
    "victim": names,
    "patron": names,
    "access": numbers,
    "delta": numbers,
    "severity": numbers,
    "key": st.one_of(st.sampled_from(KEYS), st.text(max_size=8)),
    "value": numbers,
    "extra": anything,
}


@st.composite
def scenario(draw):
    """A valid tiny scenario, half the time with one field (or one event field) broken."""
    data = {
        "description": "property test",
        "months": draw(st.integers(1, 3)),
        "replicates": draw(st.integers(1, 2)),
    }
    for field, strategy in [
        ("start", st.sampled_from(["2022-10", "2022-11", "2021-06"])),
        ("seed", st.integers(0, 9)),
        ("history", st.booleans()),
        ("name", st.sampled_from(["ok", "ümlaut name"])),
        ("evidence", st.one_of(st.text(max_size=5), st.lists(st.text(max_size=3)))),
        ("extends", st.just("tiny_parent")),
    ]:
        if draw(st.booleans()):
            data[field] = draw(strategy)
    if draw(st.booleans()):
        key = draw(st.sampled_from(NUMERIC_KEYS))
        p = PARAMS.lookup(key)
        entity, name = key.split(".", 1)
        data["parameters"] = {entity: {name: draw(st.floats(p.low, p.high))}}
    if draw(st.booleans()):
        choice = draw(st.sampled_from(["external", "intra", "none", "hegemon"]))
        source = {"external": "azerbaijan", "intra": "kyrgyzstan", "hegemon": PARAMS.hegemon}
        data.setdefault("parameters", {})["tajikistan"] = {"threat_kind": choice}
        if choice in source and draw(st.booleans()):
            data["parameters"]["tajikistan"]["threat_source"] = source[choice]
    start = data.get("start", "2022-10")
    data["events"] = [
        e for e in draw(st.lists(valid_event(), max_size=2)) if e["date"] >= start
    ]  # fmt: skip
    mutation = draw(st.integers(0, 3))
    if mutation == 1:
        field = draw(st.sampled_from(sorted(BAD_SCENARIO_FIELDS)))
        data[field] = draw(BAD_SCENARIO_FIELDS[field])
    elif mutation == 2:
        data["events"].append(draw(valid_event()))
        field = draw(st.sampled_from(sorted(BAD_EVENT_FIELDS)))
        data["events"][-1][field] = draw(BAD_EVENT_FIELDS[field])
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if mutation == 3 and draw(st.booleans()):  # a textual accident
        i = draw(st.integers(0, len(text)))
        accident = draw(st.sampled_from(["\x00", "\t", ": [", "&a", "*a", "\n  - ", "'"]))
        text = text[:i] + accident + text[i:]
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


RAN: list[str] = []


@settings(max_examples=500, **SETTINGS)
@given(text=scenario())
def test_a_scenario_file_runs_or_exits_2_naming_file_line_and_field(text, workdir, capsys):
    path = workdir / "candidate.yaml"
    path.write_text(text, encoding="utf-8")
    before = listing(workdir)
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    if code == 0:
        RAN.append(text)
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


def test_the_scenario_property_test_ran_many_valid_files():
    # Runs after the property test (file order): the contract's "runs" side is exercised too.
    assert len(RAN) >= 60, len(RAN)


@settings(max_examples=12, **SETTINGS)
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


BAD_EXPERIMENT_FIELDS = {
    "name": st.sampled_from(["../../../escape", "/abs/x", "", None]),
    "scenario": st.sampled_from(["nowhere", 3, "", "../tiny_parent"]),
    "months": st.sampled_from([0, -1, 601, 2.5, True, "x"]),
    "replicates": st.sampled_from([0, -3, 2.7, True, 10**8]),
    "seed": st.sampled_from([-1, 1.5, True, "s"]),
    "chunk_size": st.sampled_from([0, 10**7, 1.5]),
    "timeseries": st.sampled_from(["yes", 3]),
    "analyze": st.sampled_from([["nope"], "p_any_exit", [1]]),
    "plot": st.sampled_from([{"z": 1}, {"outcome": "nope"}, {"x": "global.contagion"}, "p"]),
    "design": st.sampled_from(
        [
            {"method": "bogus", "grid": {"china.pull": [0.1]}},
            {"method": "grid", "grid": {}},
            {"method": "grid", "grid": {"x.y": [0.1]}},
            {"method": "grid", "grid": {"china.pull": [2.0, "a"]}},
            {"method": "grid", "grid": {"china.pull": {"start": 0}}},
            {"method": "lhs", "space": {"china.pull": [0.9, 0.1]}, "n": 2},
            {"method": "sobol", "space": {"china.pull": [0.1, 0.9]}, "n": 3},
            {"method": "sobol", "space": {"china.pull": [0.1, 0.9]}, "n": 2**23},
            {"method": "morris", "space": {"china.pull": "x"}, "n": 2},
            {"method": "lhs", "space": {"": [0, 1]}, "n": 0},
            {"method": "grid", "grid": {"global.contagion": [0.1, True]}},
        ]
    ),
    "unknown": anything,
}


@st.composite
def experiment(draw):
    """A valid tiny experiment, half the time with one field broken."""
    method = draw(st.sampled_from(["grid", "grid", "lhs", "sobol", "morris"]))
    key = draw(st.sampled_from(["china.pull", "armenia.access_west", "global.contagion"]))
    if method == "grid":
        values = draw(st.sampled_from([[0.1, 0.5], 0.3, {"start": 0.1, "stop": 0.9, "num": 2}]))
        grid = {key: values, "west.pull": draw(st.sampled_from([[0.2, 0.8], 0.5]))}
        design = {"method": method, "grid": grid}
    else:
        n = 2 if method != "lhs" else draw(st.integers(1, 4))
        design = {"method": method, "space": {key: [0.1, 0.9]}, "n": n}
    data = {
        "name": "exp",
        "scenario": "tiny_parent",
        "months": draw(st.integers(1, 2)),
        "replicates": draw(st.integers(1, 2)),
        "design": design,
    }
    if draw(st.booleans()):
        data["chunk_size"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        data["timeseries"] = draw(st.booleans())
    if method in ("sobol", "morris") and draw(st.booleans()):
        data["analyze"] = ["p_any_exit"]
    if draw(st.booleans()):
        field = draw(st.sampled_from(sorted(BAD_EXPERIMENT_FIELDS)))
        data[field] = draw(BAD_EXPERIMENT_FIELDS[field])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


SWEPT: list[str] = []


@settings(max_examples=60, **SETTINGS)
@given(text=experiment())
def test_an_experiment_file_sweeps_or_exits_2_naming_file_line_and_field(text, workdir, capsys):
    path = workdir / "experiment.yaml"
    path.write_text(text, encoding="utf-8")
    out = workdir / "sweep-out"
    before = listing(workdir)
    os.chdir(workdir)
    code = main(["sweep", str(path), "--out", str(out)])
    _, err = capsys.readouterr()
    if code == 0:
        SWEPT.append(path.read_text())
        assert {"manifest.json", "results.parquet", "metadata.json"} <= set(listing(out))
        import shutil

        shutil.rmtree(out)
        return
    assert code == 2, err
    check_refusal(err, path)
    assert listing(workdir) == before, "a refused sweep wrote files"


def test_the_experiment_property_test_ran_real_sweeps():
    # Runs after the property test (file order): some generated experiments must be valid.
    assert len(SWEPT) >= 15, len(SWEPT)
