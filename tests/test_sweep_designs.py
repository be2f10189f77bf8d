"""Designs: grid expansion and the shapes of the SALib designs."""

import itertools

import numpy as np
import pytest

from alliance_sim.sweeps import grid, sample
from alliance_sim.sweeps.designs import problem


def test_grid_crosses_lists_and_keeps_scalars_fixed():
    spec = {
        "russia.capacity": [0.4, 0.7, 1.0],
        "global.contagion": 0.3,
        "china.pull": [0.1, 0.9],
    }
    design = grid(spec)
    assert list(design.columns) == list(spec)
    assert len(design) == 3 * 2
    assert (design["global.contagion"] == 0.3).all()
    expected = list(itertools.product([0.4, 0.7, 1.0], [0.1, 0.9]))
    assert list(zip(design["russia.capacity"], design["china.pull"], strict=True)) == expected
    assert not design.duplicated().any()
    assert design.attrs["design"]["varying"] == ["russia.capacity", "china.pull"]


def test_grid_of_only_fixed_values_is_one_point():
    design = grid({"china.pull": 0.5, "west.pull": 0.2})
    assert len(design) == 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"china.pul": [0.1]}, "unknown parameter 'pul'"),
        ({"chin.pull": [0.1]}, "unknown entity 'chin'"),
        ({"china.pull": [0.1, 1.5]}, "outside its admissible range"),
        ({"armenia.threat_kind": ["external"]}, "categorical"),
        ({"contagion": [0.1]}, "dotted"),
    ],
)
def test_grid_rejects_bad_keys_and_values(spec, message):
    with pytest.raises((KeyError, ValueError), match=message):
        grid(spec)


SPACE = {
    "armenia.access_west": (0.0, 1.0),
    "global.contagion": (0.1, 0.5),
    "russia.capacity": (0.3, 1.0),
}


def _inside(design):
    for key, (low, high) in SPACE.items():
        assert design[key].between(low, high).all(), key


def test_lhs_design_has_n_rows_and_one_point_per_stratum():
    design = sample(SPACE, 20, "lhs", seed=3)
    assert design.shape == (20, 3)
    _inside(design)
    # Latin hypercube: every one of the n equal strata of every parameter holds one point.
    for key, (low, high) in SPACE.items():
        strata = np.floor((design[key] - low) / (high - low) * 20).clip(0, 19)
        assert sorted(strata.astype(int)) == list(range(20))


@pytest.mark.parametrize(("second", "rows"), [(False, 16 * (3 + 2)), (True, 16 * (2 * 3 + 2))])
def test_sobol_design_has_saltelli_shape(second, rows):
    design = sample(SPACE, 16, "sobol", seed=3, calc_second_order=second)
    assert design.shape == (rows, 3)
    _inside(design)
    assert design.attrs["design"]["problem"] == problem(SPACE)


def test_morris_design_has_trajectories_on_a_grid():
    design = sample(SPACE, 10, "morris", seed=3, num_levels=4)
    assert design.shape == (10 * (3 + 1), 3)
    _inside(design)
    # Within a trajectory consecutive points differ in exactly one parameter.
    values = design.to_numpy().reshape(10, 4, 3)
    changed = (np.diff(values, axis=1) != 0).sum(axis=2)
    assert (changed == 1).all()
    for key, (low, high) in SPACE.items():
        levels = np.unique(np.round((design[key] - low) / (high - low) * 3, 9))
        assert set(levels) <= {0.0, 1.0, 2.0, 3.0}


def test_same_seed_same_design_other_seed_other_design():
    a = sample(SPACE, 8, "lhs", seed=1)
    assert a.equals(sample(SPACE, 8, "lhs", seed=1))
    assert not a.equals(sample(SPACE, 8, "lhs", seed=2))


@pytest.mark.parametrize(
    ("space", "n", "method", "message"),
    [
        (SPACE, 10, "sobol", "power of two"),
        (SPACE, 8, "fast", "unknown sampling method"),
        ({"global.contagion": (0.5, 0.1)}, 8, "lhs", "low must be below high"),
        ({"global.contagion": (0.0, 30.0)}, 8, "lhs", "outside its admissible range"),
        ({}, 8, "lhs", "empty"),
    ],
)
def test_sample_rejects_bad_input(space, n, method, message):
    with pytest.raises(ValueError, match=message):
        sample(space, n, method, seed=1)


def test_designs_over_a_million_points_are_refused_before_any_work(monkeypatch):
    import pandas as pd

    from alliance_sim.sweeps import evaluate, runner, sweep

    def no_work(*args, **kwargs):
        raise AssertionError("the cap must be checked before anything else")

    monkeypatch.setattr(runner, "resolve_scenario", no_work)
    message = r"the design has 1,000,001 points, more than 1,000,000"
    design = pd.DataFrame({"china.pull": np.full(1_000_001, 0.5)})
    with pytest.raises(ValueError, match=message):
        evaluate(design, "baseline", replicates=1)
    with pytest.raises(ValueError, match="the design has 1,002,001 points"):
        sweep(
            "baseline",
            grid={"china.pull": np.linspace(0, 1, 1001), "turkey.pull": np.linspace(0, 1, 1001)},
        )
    with pytest.raises(ValueError, match=message):
        sample({"china.pull": (0, 1)}, 1_000_001, "lhs")
    with pytest.raises(ValueError, match="the design has 1,048,576 points"):
        sample({"china.pull": (0, 1), "turkey.pull": (0, 1)}, 2**18, "sobol")
