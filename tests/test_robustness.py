"""Posterior ensembles: spread split by source; effects checked across parameter sets."""

import numpy as np
import pytest

from alliance_sim import compare, run
from alliance_sim.robustness import effect_robustness, variance_split


def test_variance_split_recovers_known_components():
    rng = np.random.default_rng(0)
    k, r = 400, 20
    sets = np.repeat(np.arange(k), r)
    values = rng.normal(0, 2.0, k)[sets] + rng.normal(0, 1.0, k * r)
    split = variance_split(values, sets)
    assert split["parameter"] == pytest.approx(4.0, rel=0.15)
    assert split["stochastic"] == pytest.approx(1.0, rel=0.05)
    assert split["parameter_share"] == pytest.approx(0.8, abs=0.03)
    # pure noise: no parameter share
    noise = variance_split(rng.normal(0, 1, k * r), sets)
    assert noise["parameter_share"] < 0.05


def test_effect_robustness_counts_sets_that_keep_the_sign():
    sets = np.repeat(np.arange(4), 3)
    diff = np.array([1, 1, 1, 2, 2, 2, -1, -1, -1, 0.5, 0.5, 0.5])
    rob = effect_robustness(diff, sets)
    assert rob["sets"] == 4 and rob["sign_share"] == 0.75 and rob["reverse_share"] == 0.25
    assert rob["set_min"] == -1 and rob["set_max"] == 2


@pytest.fixture(scope="module")
def comparison():
    return compare(["baseline", "armenia_exit", "kyrgyzstan_exit"], replicates=200, seed=4)


def test_run_draws_from_the_posterior_and_splits_the_spread():
    result = run("baseline", replicates=100, seed=4, months=12)
    assert result.ensemble == "posterior"
    text = str(result.summary())
    assert "Where the spread comes from (10 posterior parameter sets × 10 replicates" in text
    spread = result.spread().set_index("outcome")
    assert spread.loc["cohesion", "parameter_share"] > 0  # parameter sets differ
    # the prior ensemble is nested the same way; independent draws are not nested
    assert run("baseline", replicates=20, seed=4, months=3, ensemble="prior").spread().size
    assert run("baseline", replicates=20, seed=4, months=3, ensemble="independent").spread().empty


def test_compare_reports_sign_robustness_for_every_effect(comparison):
    table = comparison.robustness()
    assert set(table["scenario"]) == {"armenia_exit", "kyrgyzstan_exit"}
    assert table["sign_share"].between(0, 1).all() and (table["sets"] == 20).all()
    assert (table["set_q05"] <= table["effect"] + 1e-12).all()
    # forcing Armenia out lowers integrity in every parameter set
    row = table[(table["scenario"] == "armenia_exit") & (table["outcome"] == "integrity")]
    assert row["sign_share"].iloc[0] == 1.0 and row["set_q95"].iloc[0] < 0
    diffs = comparison.differences()
    assert {"sign_share", "set_q05", "set_q95"} <= set(diffs.columns)
    text = comparison.summary_text()
    assert "Robustness across posterior parameter sets" in text
    assert "Monte Carlo" in text
    for outcome in table["outcome"]:
        assert outcome in text


def test_same_parameter_sets_in_every_compared_scenario(comparison):
    a = comparison.results["baseline"].model.params.lookup("global.contagion").value
    b = comparison.results["armenia_exit"].model.params.lookup("global.contagion").value
    np.testing.assert_array_equal(a, b)


def test_fixed_parameters_leave_only_stochastic_spread():
    result = run("baseline", replicates=30, seed=4, months=6, ensemble="fixed")
    assert result.spread().empty
    from alliance_sim import load_parameters

    key = "global.contagion"
    assert result.model.params.lookup(key).value == load_parameters().lookup(key).value
