"""The decision core (issue 10): members choose, the hegemon acts, exits are possible.

Each test checks a behaviour the theory in docs/model.md predicts, on the packaged parameters
with all their uncertainty, or an equation of docs/model.md on hand-made numbers.
"""

import ast
import pathlib

import numpy as np
import pytest

from alliance_sim import AllianceModel, load_parameters
from alliance_sim.core import mechanisms as mech
from alliance_sim.core.floats import FLOAT
from alliance_sim.worlds import annual_exit_hazards, calm_world, severe_stress

PARTNERS = ["belarus", "kazakhstan", "kyrgyzstan", "tajikistan", "armenia"]
CORE = pathlib.Path(mech.__file__).parent


# ----------------------------------------------------------------------------- acceptance
def test_calm_world_exit_hazard_matches_the_bloc_record():
    """Without the 2022 shocks each member leaves at 0.8-5.6% a year (4 departures in ~164
    member-years, 1994-2022, exact 90% Poisson interval)."""
    hazards = annual_exit_hazards(calm_world(replicates=3000, seed=7, years=10), PARTNERS)
    for name, hazard in hazards.items():
        assert 0.008 <= hazard <= 0.056, f"{name}: {hazard:.2%} a year"


def test_calm_world_departures_cluster_at_the_decision_date():
    model = calm_world(replicates=3000, seed=8, years=5)
    months = np.concatenate([model.member(n).exit_month for n in PARTNERS])
    dates = model.clock_start + months[months >= 0]
    calendar = dates.astype(int) % 12 + 1
    share = np.mean(calendar == int(model.g["decision_month"][0]))
    assert share > 0.5, f"only {share:.0%} of departures at the yearly decision date"


def test_severe_stress_lets_every_member_leave_and_belarus_far_less():
    model = severe_stress(replicates=2000, seed=3)
    share = {n: np.mean(model.member(n).state == mech.EXITED) for n in PARTNERS}
    assert all(s > 0 for s in share.values()), share
    others = [share[n] for n in PARTNERS if n != "belarus"]
    assert share["belarus"] < 0.5 * min(others), share


def _kazakhstan_under_threat(extra_threat: float, overrides: dict) -> AllianceModel:
    events = (
        [
            {
                "type": "threat_shift",
                "date": "2022-10",
                "member": "kazakhstan",
                "delta": extra_threat,
                "lasting": True,
            }
        ]
        if extra_threat
        else []
    )
    model = AllianceModel(replicates=2000, months=24, seed=11, events=events, overrides=overrides)
    model.run_model()
    return model


def test_threats_push_kazakhstan_away_when_china_is_an_alternative():
    """Walt: a member threatened by the hegemon balances away when it has an alternative."""
    calm = _kazakhstan_under_threat(0.0, {})
    threatened = _kazakhstan_under_threat(0.5, {})
    before, after = calm.member("kazakhstan"), threatened.member("kazakhstan")
    assert after.loyalty.mean() < before.loyalty.mean() - 0.02
    assert np.mean(after.state == mech.ACTIVE) < np.mean(before.state == mech.ACTIVE)


def test_threats_make_kazakhstan_bandwagon_without_an_alternative():
    """...and bandwagons (moves closer) when it has none."""
    alone = {f"kazakhstan.access_{p}": 0.0 for p in ("china", "turkey", "west")}
    calm = _kazakhstan_under_threat(0.0, alone)
    threatened = _kazakhstan_under_threat(0.5, alone)
    assert threatened.member("kazakhstan").loyalty.mean() > calm.member("kazakhstan").loyalty.mean()


def test_kazakhstan_hedges_and_belarus_backs_the_war_in_october_2022():
    model = AllianceModel(replicates=1000, start="2022-01", months=10, seed=5)
    model.run_model()
    belarus, kazakhstan = model.member("belarus"), model.member("kazakhstan")
    assert np.mean(belarus.stance == mech.SUPPORT) > 0.8
    assert np.mean(kazakhstan.stance == mech.SUPPORT) < 0.05
    assert np.mean(kazakhstan.state == mech.ACTIVE) > 0.9, "neutral, yet in the bloc"
    assert np.mean(belarus.state == mech.ACTIVE) > 0.95


def test_reversibility_is_estimated_and_falls_with_the_switching_cost():
    """Armenia, reduced in October 2022, returns to active in some replicates within three
    years; in fewer when moving costs more."""

    def returned(move_cost):
        model = AllianceModel(
            replicates=2000, months=36, seed=4, overrides={"global.move_cost": move_cost}
        )
        reduced = model.member("armenia").state == mech.REDUCED
        model.run_model()
        back = model.member("armenia").state == mech.ACTIVE
        return np.mean(back[reduced])

    cheap, dear = returned(5.0), returned(8.0)
    assert 0 < dear < cheap < 1


def test_the_hegemon_rewards_by_rule_and_its_favourite_s_rival_notices():
    """Endogenous rewards: with a high reward rate Kyrgyzstan (whose threat is Tajikistan, the
    hegemon's favourite) grows angrier and trusts the guarantee less."""
    kwargs = dict(replicates=1000, months=24, seed=2)
    often = AllianceModel(overrides={"global.reward_rate": 0.5}, **kwargs)
    never = AllianceModel(overrides={"global.reward_rate": 0.0}, **kwargs)
    for model in (often, never):
        model.run_model()
    assert often.member("kyrgyzstan").trust.mean() < never.member("kyrgyzstan").trust.mean()
    rewards = [e for e in often.event_log if e["kind"] == "hegemon_reward"]
    assert any(e["subject"] == "tajikistan" for e in rewards)


def test_an_exited_member_is_owed_no_help():
    model = AllianceModel(
        replicates=500,
        months=3,
        seed=1,
        events=[
            {"type": "exit", "date": "2022-10", "member": "kazakhstan"},
            {"type": "article4_request", "date": "2022-11", "member": "kazakhstan"},
        ],
    )
    before = model.member("kazakhstan").trust.copy()
    model.run_model()
    assert np.all(model.member("kazakhstan").trust < before)


# ----------------------------------------------------------------------------- equations
def test_guarantee_counts_trust_once_and_ignores_the_hegemon_as_a_threat():
    help_ = mech.expected_help(np.array([0.5]), np.array([0.8]))
    assert help_ == pytest.approx(0.4)
    v = mech.guarantee_value(help_, np.array([1.0]), mech.EXTERNAL, np.array([0.5]), 4.0, 2.0)
    assert v == pytest.approx(0.4 * (4.0 * 1.0 + 2.0 * 0.5))
    v = mech.guarantee_value(help_, np.array([1.0]), mech.HEGEMON, np.array([0.5]), 4.0, 2.0)
    assert v == pytest.approx(0.4 * 2.0 * 0.5)


def test_hegemon_threat_changes_sign_at_the_real_alternative():
    threat, capacity = np.array([0.6]), np.array([0.9])
    value = [
        mech.hegemon_threat_value(threat, mech.HEGEMON, capacity, np.array([o]), 0.3, 4.0)[0]
        for o in (0.0, 0.3, 0.6)
    ]
    assert value[0] == pytest.approx(4.0 * 0.6 * 0.9) and value[1] == 0 and value[2] < 0
    assert mech.hegemon_threat_value(threat, mech.EXTERNAL, capacity, 0.6, 0.3, 4.0)[0] == 0


def test_outside_option_discounts_a_hostile_patron():
    access = np.array([[1.0], [0.5], [1.0]])
    pull = np.array([[0.6], [1.0], [0.8]])
    usable = mech.friendliness(np.array([[0.5], [0.0], [-0.7]]))
    assert usable[:, 0] == pytest.approx([1.0, 1.0, 0.3])
    assert mech.outside_option(access, pull, usable)[0] == pytest.approx(0.6)


def test_stay_utilities_follow_the_documented_formula():
    bloc, outside, burden = np.array([5.0]), np.array([-1.0]), np.array([8.0])
    u = mech.stay_utilities(bloc, outside, burden, 0.9, 0.25, np.array([1]), 7.0, 3.0)
    expected = [
        5.0 - 8.0 - 7.0,  # up one rung: no pledge cost
        0.9 * 5.0 + 0.1 * -1.0 - 0.25 * 8.0,
        -1.0 - 7.0 - 3.0,  # down one rung: move and pledge cost
    ]
    assert u[:, 0] == pytest.approx(expected)


def test_exit_odds_and_the_decision_date_multiplier():
    base = mech.exit_log_odds(np.array([-2.0]), np.array([3.0]), 0.2, 6.0, 0.0, 30.0)
    assert base[0] == pytest.approx(0.2 * -5.0 - 6.0)
    summit = mech.exit_log_odds(np.array([-2.0]), np.array([3.0]), 0.2, 6.0, 1.0, 30.0)
    odds = np.exp(summit - base)[0]
    assert odds == pytest.approx(30.0)


def test_softmax_gives_probabilities_and_the_inclusive_value():
    utilities = np.array([[2.0], [0.5], [-1.0]])
    probabilities, inclusive = mech.softmax(utilities)
    np.testing.assert_allclose(
        probabilities[:, 0], np.exp([2, 0.5, -1]) / np.exp([2, 0.5, -1]).sum()
    )
    assert inclusive[0] == pytest.approx(np.log(np.exp([2, 0.5, -1]).sum()))
    loyalty = mech.expected_participation(probabilities, 0.25)
    assert loyalty[0] == pytest.approx(probabilities[0, 0] + 0.25 * probabilities[1, 0])


def test_logit_choice_draws_with_its_probabilities():
    rng = np.random.default_rng(0)
    n = 200_000
    utilities = np.repeat(np.array([[1.0], [0.0], [-1.0]]), n, axis=1)
    chosen, probabilities = mech.logit_choice(utilities, rng.random(n))
    shares = np.bincount(chosen, minlength=3) / n
    np.testing.assert_allclose(shares, probabilities[:, 0], atol=0.005)
    np.testing.assert_allclose(probabilities[:, 0], np.exp([1, 0, -1]) / np.exp([1, 0, -1]).sum())


def test_answer_and_reward_rules_use_capacity_commitment_and_rung():
    assert mech.answer_probability(0.5, 0.4, 1.0) == pytest.approx(0.2)
    assert mech.answer_probability(0.5, 0.4, 0.0) == 0
    assert mech.reward_probability(0.5, 0.4, False, 0.1) == 0
    assert mech.reward_probability(0.5, 0.4, True, 0.1) == pytest.approx(0.02)
    assert mech.coercion_cost(0.5, 0.8, 3.0) == pytest.approx(1.2)


def test_draw_one_of_picks_at_most_one_event_with_its_probability():
    rng = np.random.default_rng(1)
    n = 200_000
    probabilities = np.repeat(np.array([[0.1], [0.3], [0.2]]), n, axis=1)
    picked = mech.draw_one_of(probabilities, rng.random(n))
    assert picked.sum(axis=0).max() == 1
    np.testing.assert_allclose(picked.mean(axis=1), [0.1, 0.3, 0.2], atol=0.005)
    scaled = mech.draw_one_of(np.full((2, n), 0.8), rng.random(n))
    np.testing.assert_allclose(scaled.mean(axis=1), [0.5, 0.5], atol=0.005)


def test_stance_utility_weighs_alignment_balancing_and_entrapment():
    value = mech.stance_utility(0.9, 1.2, 0.3, 3.0, 2.6)
    assert value == pytest.approx(3.0 * 0.9 + 1.2 - 0.3 - 2.6)


def test_bilateral_dependence_acts_only_through_the_hegemon_s_coercion():
    kwargs = dict(replicates=50, months=1, seed=3)
    low = AllianceModel(overrides={"armenia.dependence": 0.1}, **kwargs)
    high = AllianceModel(overrides={"armenia.dependence": 0.9}, **kwargs)
    t_low = low.member("armenia").payoffs(low._snapshot(noise=False))
    t_high = high.member("armenia").payoffs(high._snapshot(noise=False))
    np.testing.assert_array_equal(t_low["bloc"], t_high["bloc"])
    np.testing.assert_array_equal(t_low["burden"], t_high["burden"])
    assert np.all(t_high["outside"] < t_low["outside"])


# ----------------------------------------------------------------------------- provenance
def _numeric_literals(path: pathlib.Path) -> list[tuple[int, float]]:
    """Numeric literals other than 0, 1 and -1, outside index subscripts, module-level
    enumerations and calls to range/arange (structural constants)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            allowed.update(id(n) for n in ast.walk(node.slice))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("range", "arange"):
                allowed.update(id(n) for n in ast.walk(node))
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            allowed.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
            and node.value not in (0, 1, -1)
            and id(node) not in allowed
        ):
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("module", ["mechanisms.py", "agents.py", "events.py"])
def test_no_effect_size_is_a_code_literal(module):
    found = _numeric_literals(CORE / module)
    assert not found, f"{module} has numeric literals (line, value): {found}"


def test_every_size_in_the_documented_history_comes_from_the_parameter_table():
    params = load_parameters()
    sizes = ("severity", "delta", "value")
    for event in params.history:
        for field in sizes:
            if field in event:
                ref = event[field]
                assert isinstance(ref, str) and ref.startswith("global."), event
                assert ref.removeprefix("global.") in params.globals, ref


def test_affinity_to_the_hegemon_is_stored_once_and_rewards_move_it():
    """The relations network's member–Russia entry is the member's drawn parameter (not the
    table's central value), the payoffs read it there, and the hegemon's rewards and an
    override move that one value."""
    model = AllianceModel(replicates=400, months=24, seed=3)
    h = model.index["russia"]
    for name in ("belarus", "tajikistan"):
        i = model.index[name]
        drawn = model.member(name).params["affinity"]
        assert np.std(drawn) > 0, "drawn per replicate"
        np.testing.assert_array_equal(model.affinity[i, h], drawn)
        np.testing.assert_array_equal(model.affinity[h, i], drawn)
    tajikistan = model.member("tajikistan")
    before = tajikistan.params["affinity"].copy()
    model.run_model()
    i = model.index["tajikistan"]
    assert np.any(tajikistan.params["affinity"] > before), "rewarded in some replicate"
    assert np.all(tajikistan.params["affinity"] >= before)
    np.testing.assert_array_equal(model.affinity_baseline[i, h], tajikistan.params["affinity"])
    np.testing.assert_array_equal(tajikistan.affinity, model.affinity[i, h])
    model.set_parameter("tajikistan.affinity", 0.2)
    np.testing.assert_array_equal(model.affinity[i, h], FLOAT(0.2))
    np.testing.assert_array_equal(tajikistan.params["affinity"], FLOAT(0.2))


def test_an_external_threat_starts_at_its_source_s_pressure():
    """Armenia's main threat is Azerbaijan and Belarus's the West: each starts where it
    relaxes to, the source's pressure (its own threat_baseline is not used)."""
    model = AllianceModel(replicates=300, months=1, start="2022-01", seed=4, history=False)
    for name, source in (("armenia", "azerbaijan"), ("belarus", "west")):
        member = model.member(name)
        pressure = model.actor(source).pressure
        np.testing.assert_array_equal(member.threat, pressure)
        assert not np.array_equal(member.threat_baseline, pressure)
