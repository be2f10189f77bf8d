"""The Python API refuses wrong arguments with TypeError/ValueError naming the argument."""

import math

import pytest

from alliance_sim import AllianceModel, compare, run
from alliance_sim.sweeps import evaluate, grid, sweep


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"china_pull": 5}, ValueError, "china_pull"),
        ({"russia_capacity": math.nan}, ValueError, "russia_capacity"),
        ({"start": 2023}, TypeError, "start"),
        ({"start": "0000-01"}, ValueError, "start"),
        ({"start": "9999-12"}, ValueError, "start"),
        ({"replicates": 2.7}, TypeError, "replicates"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"history": "no"}, TypeError, "history"),
        ({"events": "abc"}, TypeError, "events"),
        ({"overrides": [("china.pull", 0.5)]}, TypeError, "overrides"),
        ({"months": 100_000}, ValueError, "months"),
        ({"overrides": {"armenia.threat_kind": "bogus"}}, ValueError, "armenia.threat_kind"),
    ],
)
def test_model_arguments_are_checked(kwargs, error, name):
    with pytest.raises(error, match=name):
        AllianceModel(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"replicates": 2.7}, "replicates"),
        ({"seed": 1.5}, "seed"),
        ({"start": 2023}, "start"),
        ({"events": "abc"}, "events"),
        ({"months": True}, "months"),
    ],
)
def test_run_arguments_are_checked(kwargs, name):
    with pytest.raises(ValueError, match=name):
        run("baseline", **kwargs)


def test_run_and_compare_refuse_wrong_containers():
    with pytest.raises(TypeError, match="overrides"):
        run("baseline", overrides=[("china.pull", 0.5)])
    with pytest.raises(TypeError, match=r"compare\(\['baseline'\]\)"):
        compare("baseline")
    with pytest.raises(TypeError, match="scenario"):
        run(5)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"months": 100_000}, ValueError, "months"),
        ({"replicates": 2.5}, TypeError, "replicates"),
        ({"executor": "x"}, TypeError, "executor"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
        ({"seed": "s"}, TypeError, "seed"),
    ],
)
def test_sweep_arguments_are_checked(kwargs, error, name):
    with pytest.raises(error, match=name):
        sweep("baseline", grid={"china.pull": [0.2, 0.4]}, **kwargs)


def test_evaluate_refuses_a_design_that_is_not_a_frame():
    with pytest.raises(TypeError, match="design"):
        evaluate({"china.pull": [0.2]}, "baseline")
    assert len(evaluate(grid({"china.pull": [0.2]}), "baseline", replicates=2, months=1)) == 1


def test_run_and_compare_refuse_an_unknown_ensemble_or_a_missing_posterior(monkeypatch):
    with pytest.raises(ValueError, match="unknown ensemble 'bogus'; valid: posterior, prior"):
        run("baseline", ensemble="bogus")
    with pytest.raises(ValueError, match="unknown ensemble"):
        compare(["baseline", "armenia_exit"], ensemble="bogus")
    # An installation without a posterior says how to get one before anything runs.
    from alliance_sim.core import posterior

    monkeypatch.setattr(posterior, "shipped_recipe", lambda: None)
    with pytest.raises(ValueError, match="alliance-sim calibrate --ship"):
        run("baseline", ensemble="posterior", replicates=20, months=1)
    assert run("baseline", ensemble="prior", replicates=20, months=1).ensemble == "prior"


@pytest.mark.parametrize(
    "value, error",
    [(2.7, TypeError), ("x", TypeError), (True, TypeError), (2.0, TypeError), (1, ValueError)],
)
def test_per_set_must_be_a_whole_number(value, error):
    with pytest.raises(error, match="per_set"):
        run("baseline", per_set=value, replicates=4, months=1)
    with pytest.raises(error, match="per_set"):
        compare(["baseline"], per_set=value, replicates=4, months=1)


def test_whole_number_arguments_accept_numpy_integers():
    import numpy as np

    from alliance_sim.sweeps import ProcessExecutor

    assert run("baseline", per_set=np.int64(2), replicates=4, months=1).per_set == 2
    with ProcessExecutor(np.int32(1)) as executor:
        assert executor.workers == 1


@pytest.mark.parametrize("value, error", [(2.5, TypeError), ("x", TypeError), (0, ValueError)])
def test_sample_size_must_be_a_whole_number(value, error):
    from alliance_sim.sweeps import sample

    with pytest.raises(error, match=r"\bn must be"):
        sample({"china.pull": (0.1, 0.9)}, value, "lhs", seed=1)
    with pytest.raises(error, match="num_levels"):
        sample({"china.pull": (0.1, 0.9)}, 4, "morris", seed=1, num_levels=value)


@pytest.mark.parametrize(
    "value, error", [(2.5, TypeError), ("x", TypeError), (True, TypeError), (0, ValueError)]
)
def test_workers_must_be_a_whole_number(value, error):
    from alliance_sim.sweeps import ProcessExecutor, make_executor

    with pytest.raises(error, match="workers"):
        ProcessExecutor(value)
    with pytest.raises(error, match="workers"):
        make_executor(value)
