"""Sobol and Morris analysis of the real model: finite indices, and ~0 for an ignored parameter."""

import numpy as np
import pytest

from alliance_sim import AllianceModel
from alliance_sim.sweeps import evaluate, morris_indices, plot_indices, sample, sobol_indices

# Uzbekistan starts outside the bloc and, without a forced rejoin, never comes back: its
# affinity changes only its own (unused) loyalty. The first test checks that it has no effect.
IGNORED = "uzbekistan.affinity"
# Two parameters that move integrity through departures: the exit barrier and the summit
# multiplier (both anchored to the bloc's record of departures).
SPACE = {
    "global.exit_barrier": (6.0, 7.2),
    "global.decision_multiplier": (5.0, 60.0),
    IGNORED: (0.0, 1.0),
}
REAL = ["global.exit_barrier", "global.decision_multiplier"]


def test_the_ignored_parameter_has_no_effect_at_all():
    finals = []
    for value in (0.0, 1.0):
        model = AllianceModel(replicates=200, months=36, seed=3, overrides={IGNORED: value})
        model.run_model()
        finals.append((model.final(), model.outcomes()))
    assert finals[0][0].equals(finals[1][0])
    assert finals[0][1].equals(finals[1][1])


@pytest.fixture(scope="module")
def sobol_results():
    design = sample(SPACE, 64, "sobol", seed=5)
    return evaluate(design, "baseline", replicates=100, seed=5, chunk_size=64)


def test_sobol_indices_are_finite_and_rank_the_ignored_parameter_last(sobol_results):
    table = sobol_indices(sobol_results, "integrity_mean")
    assert list(table.columns[:5]) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    by_name = table.set_index("parameter")
    assert table["parameter"].iloc[-1] == IGNORED
    # Only the replicates' noise is left for the ignored parameter (departures are discrete
    # events, so with 100 replicates a point that noise is a few percent of the variance).
    assert by_name.loc[IGNORED, "ST"] < 0.2 * by_name.loc[REAL, "ST"].min()
    assert abs(by_name.loc[IGNORED, "S1"]) < 0.15
    assert by_name.loc[REAL, "ST"].min() > 0.3
    assert (table["ST_low"] <= table["ST"]).all() and (table["ST"] <= table["ST_high"]).all()


def test_morris_screening_gives_the_ignored_parameter_zero_effect():
    design = sample(SPACE, 12, "morris", seed=5)
    results = evaluate(design, "baseline", replicates=100, seed=5, chunk_size=48)
    table = morris_indices(results, "integrity_mean").set_index("parameter")
    assert np.isfinite(table[["mu", "mu_star", "mu_star_conf", "sigma"]].to_numpy()).all()
    # What is left is the replicates' noise: a small fraction of the real effects.
    assert table.loc[IGNORED, "mu_star"] < 0.25 * table["mu_star"].max()
    assert table["mu_star"].idxmax() != IGNORED


def test_a_constant_outcome_gives_nan_indices_with_a_warning(sobol_results):
    with pytest.warns(UserWarning, match="constant"):
        table = sobol_indices(sobol_results, "p_exit_uzbekistan")
    assert table["ST"].isna().all()


def test_sensitivity_plot_is_written(sobol_results, tmp_path):
    table = sobol_indices(sobol_results, "integrity_mean")
    fig = plot_indices(table, tmp_path / "sobol.png", title="test")
    assert (tmp_path / "sobol.png").stat().st_size > 10_000
    ax = fig.axes[0]
    # Sobol's legend sits under the panels: when every index is large no corner is free.
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["total effect (ST)", "first order (S1)"]
    assert ax.get_xlabel() and ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()][0] == IGNORED
