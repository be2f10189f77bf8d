"""The model's optimised paths give the numbers of the plain, documented formulas."""

import numpy as np
import pytest

from alliance_sim import AllianceModel, BorderClash
from alliance_sim.core import mechanisms as mech
from alliance_sim.core import metrics
from alliance_sim.core.events import Rejoin
from alliance_sim.core.floats import FLOAT

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


def test_switching_factors_looked_up_per_rung_equal_the_formula():
    """The model's (rung, stance) table gives exactly mechanisms.switching_discounts."""
    rng = np.random.default_rng(8)
    r = 400
    model = AllianceModel(
        replicates=r, months=2, seed=8, overrides={"global.move_cost": 0.1 + rng.random(r)}
    )
    state = rng.integers(0, 4, r).astype(np.int8)  # exited replicates read the frozen row
    support = rng.random(r) < 0.5
    plain = mech.switching_discounts(
        np.minimum(state, mech.FROZEN), support, model.move_discount, model.pledge_discount
    )
    assert np.array_equal(model.switching_discounts(state, support), plain)
    np.testing.assert_allclose(
        plain,
        np.exp(
            -mech.switching_costs(
                np.minimum(state, mech.FROZEN),
                model.g["move_cost"],
                model.g["pledge_cost"] * support,
            )
        ),
        rtol=1e-6,  # exp(-a) exp(-b) against exp(-a - b), both rounded to float32
    )
    # A switching cost set later (an event, a sweep) replaces the table; another key does not.
    model.set_parameter("global.war_intensity", 0.3)
    assert np.array_equal(model.switching_discounts(state, support), plain)
    model.set_parameter("global.pledge_cost", 2.0)
    assert np.array_equal(model.pledge_discount, np.full(r, np.exp(FLOAT(-2.0))))
    replaced = mech.switching_discounts(
        np.minimum(state, mech.FROZEN), support, model.move_discount, model.pledge_discount
    )
    assert np.array_equal(model.switching_discounts(state, support), replaced)
    assert not np.array_equal(replaced, plain)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_draw_choice_picks_the_slice_each_draw_falls_in(k):
    rng = np.random.default_rng(k)
    weights, uniform = rng.random((k, 2000)), rng.random(2000)
    cumulative = np.cumsum(weights, axis=0)
    expected = (uniform * cumulative[-1] >= cumulative[:-1]).sum(axis=0)
    chosen = mech.draw_choice(weights, uniform)
    assert chosen.dtype == np.int8
    assert np.array_equal(chosen, expected)
    assert np.array_equal(mech.draw_choice(weights, uniform, weights.sum(axis=0)), expected)


def test_exit_log_odds_with_the_shared_decision_shift_equal_the_formula():
    rng = np.random.default_rng(3)
    args = [rng.random(50) for _ in range(4)]
    date = (rng.random(50) < 0.3).astype(float)
    multiplier = 1 + 30 * rng.random(50)
    plain = args[2] * (args[0] - args[1]) - args[3] + date * np.log(multiplier)
    assert np.array_equal(mech.exit_log_odds(*args, date, multiplier), plain)
    shift = date * np.log(multiplier)
    assert np.array_equal(mech.exit_log_odds(*args, date, multiplier, decision_shift=shift), plain)
    none = np.zeros(50)
    assert np.array_equal(
        mech.exit_log_odds(*args, none, multiplier, decision_shift=None),
        args[2] * (args[0] - args[1]) - args[3],
    )


def test_logistic_in_place_equals_the_formula():
    x = np.linspace(-30, 30, 101)
    assert np.array_equal(mech.logistic(x), 1.0 / (1.0 + np.exp(-x)))
    assert mech.logistic(0.0) == 0.5


def test_kept_parameter_products_follow_a_parameter_change():
    """Payoff terms made of parameters alone are kept between months, never after a change."""
    model = AllianceModel(replicates=30, months=3, seed=5)
    armenia = model.member("armenia")
    before = armenia.payoffs(model._snapshot(noise=False))
    model.set_parameter("global.align_weight", model.g["align_weight"] * 2)
    model.set_parameter("armenia.public_sensitivity", 1.0)
    after = armenia.payoffs(model._snapshot(noise=False))
    np.testing.assert_allclose(after["alignment"], 2 * before["alignment"], rtol=1e-12)
    np.testing.assert_array_equal(
        after["anger"], model.g["public_pressure_weight"] * 1.0 * armenia.pressure
    )
