"""The model's optimised paths give the numbers of the plain, documented formulas."""

import numpy as np
import pytest

from alliance_sim import AllianceModel, BorderClash
from alliance_sim.core import mechanisms as mech
from alliance_sim.core import metrics
from alliance_sim.core.events import Rejoin

CLASHES = [
    BorderClash(date="2022-11", members=("kazakhstan", "belarus"), severity=0.8),
    BorderClash(date="2023-02", members=("armenia", "tajikistan"), severity=1.0),
]
# A member outside the founding bloc comes back: it counts among those remaining only.
REJOIN = [*CLASHES, Rejoin(date="2022-12", member="uzbekistan")]


def _states(model):
    return np.stack([m.state for m in model.members])


@pytest.mark.parametrize("events", [CLASHES, REJOIN], ids=["clashes", "rejoin"])
@pytest.mark.parametrize("replicates", [1, 257])
def test_contagion_and_cohesion_match_the_whole_array_formulas(replicates, events):
    model = AllianceModel(replicates=replicates, months=12, seed=6, events=events)
    for _ in range(6):
        model.step()
        states = _states(model)
        loyalty = np.stack([m.loyalty for m in model.members])
        np.testing.assert_allclose(
            model.metrics["cohesion"],
            metrics.cohesion(loyalty, states, model.affinity, model.founding),
            rtol=1e-12,
            atol=0,
        )
        np.testing.assert_allclose(
            model.metrics["cohesion_remaining"],
            metrics.cohesion_remaining(loyalty, states, model.affinity),
            rtol=1e-12,
            atol=0,
        )
        disengagement = np.clip(states - model.initial_states, 0, 3) / 3.0
        moved = (states > model.initial_states).any(axis=1)
        fast = model._affinity.contagion(disengagement, moved)
        for i in range(len(model.members)):
            plain = mech.contagion_exposure(model.affinity[i], disengagement)
            np.testing.assert_allclose(fast[i], plain, rtol=1e-12, atol=0)


def test_clashed_pairs_recover_and_the_rest_stay_at_baseline():
    model = AllianceModel(replicates=50, months=24, seed=2, events=CLASHES)
    model.run_model()
    i, j = model.index["kazakhstan"], model.index["belarus"]
    baseline = model.affinity_baseline
    gap = np.abs(model.affinity[i, j] - baseline[i, j])
    assert np.all(gap > 0) and np.all(gap < 0.4), "a clashed pair relaxes towards its baseline"
    untouched = model.index["kyrgyzstan"], model.index["russia"]
    assert np.array_equal(model.affinity[untouched], baseline[untouched])
    np.testing.assert_array_equal(model.affinity, np.swapaxes(model.affinity, 0, 1))


def test_assigning_a_new_affinity_array_takes_effect():
    kwargs = dict(replicates=20, months=6, seed=4)
    hostile, control = AllianceModel(**kwargs), AllianceModel(**kwargs)
    m = len(hostile.members)
    hostile.affinity = np.full((m, m, 20), -1.0) * (1 - np.eye(m))[:, :, None]
    for model in (hostile, control):
        model.run_model()
    assert np.all(hostile.final()["cohesion"] < control.final()["cohesion"])


def test_a_finished_model_can_be_freed():
    """Sweeps run thousands of models in one process: none may stay alive once dropped."""
    import gc
    import weakref

    model = AllianceModel(replicates=20, months=3, seed=1)
    model.run_model()
    ids = sorted(agent.unique_id for agent in model.agents)
    assert ids == list(range(1, len(ids) + 1))
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
