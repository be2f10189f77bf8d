"""The bloc metrics, equation by equation (docs/model.md, 3.4), and what they mean in a run."""

import numpy as np
import pytest

from alliance_sim import AllianceModel
from alliance_sim.core import metrics
from alliance_sim.core.mechanisms import ACTIVE, EXITED, FROZEN, REDUCED

# Three members over two replicates; member 0 plays the hegemon where one is needed.
STATES = np.array([[ACTIVE, ACTIVE], [REDUCED, FROZEN], [FROZEN, EXITED]], dtype=np.int8)
REDUCED_W = np.array([0.7, 0.8])
FROZEN_W = np.array([0.2, 0.3])


def test_engagement_weighs_each_rung_by_its_replicates_weight():
    expected = np.array([[1.0, 1.0], [0.7, 0.3], [0.2, 0.0]])
    np.testing.assert_array_equal(metrics.engagement(STATES, REDUCED_W, FROZEN_W), expected)


def test_integrity_is_the_mean_engagement_over_the_fixed_denominator():
    engaged = metrics.engagement(STATES, REDUCED_W, FROZEN_W)
    counted = np.array([False, True, True])  # the hegemon does not count
    np.testing.assert_allclose(metrics.integrity(engaged, counted), [(0.7 + 0.2) / 2, 0.3 / 2])


def test_integrity_moves_continuously_with_drawn_weights():
    """Weights drawn per replicate: the same postures give different integrities, so the
    ensemble's median moves with the share of members on each rung, not in steps."""
    model = AllianceModel(replicates=400, months=1, seed=5)
    integrity = model.metrics["integrity"]
    assert np.unique(integrity).size > 300


def test_cohesion_uses_the_founding_membership_as_denominator():
    loyalty = np.array([[1.0, 1.0], [0.6, 0.6], [0.4, 0.4]])
    affinity = np.full((3, 3, 2), 0.2)  # every pair's half-affinity is 0.6
    founding = np.ones(3, dtype=bool)
    # Replicate 0: members 0 and 1 engaged; replicate 1: only member 0 engaged.
    fixed = metrics.cohesion(loyalty, STATES, affinity, founding)
    remaining = metrics.cohesion_remaining(loyalty, STATES, affinity)
    np.testing.assert_allclose(fixed, [(1.6 / 3) * (2 * 0.6 / 6), 0.0])
    np.testing.assert_allclose(remaining, [(1.6 / 2) * (2 * 0.6 / 2), 0.0])


def test_a_member_outside_the_founding_bloc_counts_among_those_remaining_only():
    loyalty = np.full((3, 1), 0.5)
    affinity = np.full((3, 3, 1), 0.0)
    states = np.zeros((3, 1), dtype=np.int8)
    founding = np.array([True, True, False])
    np.testing.assert_allclose(
        metrics.cohesion(loyalty, states, affinity, founding), [0.5 * (2 * 0.5 / 2)]
    )
    np.testing.assert_allclose(
        metrics.cohesion_remaining(loyalty, states, affinity), [0.5 * (6 * 0.5 / 6)]
    )


@pytest.mark.parametrize("leaver", [1, 2])
def test_no_exit_raises_the_fixed_membership_metrics(leaver):
    rng = np.random.default_rng(0)
    loyalty = rng.uniform(size=(3, 50))
    affinity = rng.uniform(-1, 1, size=(3, 3, 50))
    affinity = (affinity + np.swapaxes(affinity, 0, 1)) / 2
    trust, commitment = rng.uniform(size=(3, 50)), rng.uniform(size=(3, 50))
    capacity = rng.uniform(size=50)
    founding = np.ones(3, dtype=bool)
    counted = np.array([False, True, True])
    before = np.zeros((3, 50), dtype=np.int8)
    after = before.copy()
    after[leaver] = EXITED
    c0 = metrics.cohesion(loyalty, before, affinity, founding)
    c1 = metrics.cohesion(loyalty, after, affinity, founding)
    assert np.all(c1 <= c0)
    share = rng.uniform(size=50)
    k0 = metrics.credibility(
        metrics.help_chance(trust, capacity, commitment, before, share), counted
    )
    k1 = metrics.credibility(
        metrics.help_chance(trust, capacity, commitment, after, share), counted
    )
    assert np.all(k1 <= k0)


def test_help_chance_is_belief_times_capacity_times_commitment_times_the_rungs_share():
    """As the hegemon's answer rule: a reduced member keeps its share of the guarantee, a frozen
    or exited one none."""
    trust = np.array([[0.5, 0.5], [0.8, 0.8], [0.9, 0.9]])
    commitment = np.array([[0.2, 0.2], [0.5, 0.5], [0.4, 0.4]])
    capacity = np.array([1.0, 0.5])
    share = np.array([0.9, 0.6])
    chance = metrics.help_chance(trust, capacity, commitment, STATES, share)
    # STATES: member 0 active in both; member 1 reduced, then frozen; member 2 frozen, then out.
    np.testing.assert_allclose(chance, [[0.1, 0.05], [0.4 * 0.9, 0.0], [0.0, 0.0]])


def test_credibility_fixed_and_among_those_remaining():
    chance = np.array([[0.0, 0.0], [0.4, 0.2], [0.36, 0.0]])
    counted = np.array([False, True, True])
    np.testing.assert_allclose(metrics.credibility(chance, counted), [0.38, 0.1])
    np.testing.assert_allclose(metrics.credibility_remaining(chance, STATES, counted), [0.38, 0.2])


def test_credibility_responds_to_the_hegemons_capacity():
    strong = AllianceModel(replicates=100, months=1, seed=8, russia_capacity=0.9)
    weak = AllianceModel(replicates=100, months=1, seed=8, russia_capacity=0.3)
    ratio = weak.metrics["credibility"] / strong.metrics["credibility"]
    # Exact but for float32 rounding (the model's arrays are float32).
    np.testing.assert_allclose(ratio, 0.3 / 0.9, rtol=1e-6)


def _paired(comparison, scenario):
    diffs = comparison.differences().set_index(["scenario", "metric"])
    return diffs.loc[scenario]


def test_compare_shows_credibility_falling_when_russia_weakens():
    from alliance_sim import compare

    comparison = compare(["baseline", "russia_weakens"], replicates=300, seed=11)
    credibility = _paired(comparison, "russia_weakens").loc["credibility"]
    assert credibility["diff_median"] < 0 and credibility["diff_q95"] < 0
    assert credibility["p_lower"] > 0.95


def test_compare_armenia_exit_lowers_the_fixed_membership_metrics():
    from alliance_sim import compare

    comparison = compare(["baseline", "armenia_exit"], replicates=300, seed=12)
    diffs = _paired(comparison, "armenia_exit")
    before = comparison.results["baseline"].final()
    after = comparison.results["armenia_exit"].final()
    # Integrity counts the exit itself, so it can never rise. Cohesion and credibility also
    # follow the members that stay, whose random paths part from the baseline's after the exit:
    # a rare replicate may end a little higher, but in no parameter set does the exit raise them.
    assert np.all(after["integrity"] <= before["integrity"]), "the exit raised integrity"
    for metric in ("integrity", "cohesion", "credibility"):
        raised = np.mean(after[metric].to_numpy() > before[metric].to_numpy() + 1e-12)
        assert raised <= 0.01, f"the exit raised {metric} in {raised:.1%} of replicates"
        assert diffs.loc[metric, "diff_median"] < 0, metric
        assert diffs.loc[metric, "reverse_share"] == 0, f"{metric} rose in a parameter set"
