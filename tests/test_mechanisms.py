"""Behaviour of the mechanisms, through the model and as pure functions."""

import numpy as np

from alliance_sim import AllianceModel, Article4Request, Exit, Freeze, Rejoin
from alliance_sim.core import mechanisms as mech

OBSERVERS = ["belarus", "kazakhstan", "kyrgyzstan", "tajikistan"]


def _trust_change(answered: bool) -> dict[str, np.ndarray]:
    """Trust after a request minus trust in the same run without it."""
    request = Article4Request(date="2022-10", member="armenia", answered=answered)
    kwargs = dict(replicates=200, months=1, seed=5)
    with_request = AllianceModel(events=[request], **kwargs)
    control = AllianceModel(**kwargs)
    for model in (with_request, control):
        model.run_model()
    return {
        name: with_request.member(name).trust - control.member(name).trust
        for name in ["armenia", *OBSERVERS]
    }


def test_unanswered_request_hurts_requester_more_than_observers():
    change = _trust_change(answered=False)
    assert np.all(change["armenia"] < 0)
    for name in OBSERVERS:
        assert np.all(change[name] <= 0)
        assert np.all(change["armenia"] < change[name]), name


def test_answered_request_raises_trust():
    change = _trust_change(answered=True)
    assert np.all(change["armenia"] > 0)
    for name in OBSERVERS:
        assert np.all(change[name] >= 0)


def test_hegemon_rule_answers_favourites_more_often():
    events = [
        Article4Request(date="2022-10", member="tajikistan"),
        Article4Request(date="2022-10", member="armenia"),
    ]
    model = AllianceModel(replicates=2000, months=1, seed=3, events=events)
    model.run_model()
    # Tajikistan (priority 0.9) is helped far more often than Armenia (0.15): its trust rises.
    assert model.member("tajikistan").trust.mean() > model.member("armenia").trust.mean() + 0.1


def test_forced_armenian_exit_lowers_integrity_in_every_replicate():
    kwargs = dict(replicates=300, months=24, seed=9)
    exit_run = AllianceModel(events=[Exit(date="2023-01", member="armenia")], **kwargs)
    control = AllianceModel(**kwargs)
    for model in (exit_run, control):
        model.run_model()
    assert np.all(exit_run.final()["integrity"] < control.final()["integrity"])
    assert np.all(exit_run.member("armenia").state == mech.EXITED)
    exit_dates = exit_run.outcomes().query("member == 'armenia'")["exit_date"].astype(str)
    assert set(exit_dates) == {"2023-01"}


def test_member_without_outside_option_never_exits_unless_forced():
    # Belarus has no alternative patron; crush its loyalty and it freezes but stays.
    stress = {"belarus.affinity": 0.0, "belarus.regime_security": 0.0, "global.base_loyalty": 0.0}
    model = AllianceModel(replicates=500, months=60, seed=4, overrides=stress)
    model.run_model()
    belarus = model.member("belarus")
    assert np.all(belarus.loyalty < mech_threshold(model, "exit_threshold"))
    assert np.all(belarus.state == mech.FROZEN)
    # The same stress does let members with a real alternative leave.
    kazakhstan = {"kazakhstan.affinity": 0.0, "kazakhstan.regime_security": 0.0, **stress}
    model = AllianceModel(replicates=500, months=60, seed=4, overrides=kazakhstan)
    model.run_model()
    assert (model.member("kazakhstan").state == mech.EXITED).mean() > 0.5
    assert not np.any(model.member("belarus").state == mech.EXITED)


def mech_threshold(model, name):
    return model.g[name]


def test_forced_freeze_holds_until_rejoin():
    events = [
        Freeze(date="2022-11", member="kazakhstan"),
        Rejoin(date="2023-06", member="kazakhstan"),
    ]
    model = AllianceModel(replicates=50, months=12, seed=2, events=events)
    model.run_model()
    states = (
        model.member_frame()
        .query("member == 'kazakhstan'")
        .pivot(index="date", columns="replicate", values="state")
    )
    frozen = states.loc["2022-11":"2023-05"]
    assert (frozen == "frozen").all().all()
    assert (states.loc["2023-06"] != "frozen").all()


def test_hysteresis_prevents_flicker():
    state = np.array([mech.ACTIVE], dtype=np.int8)
    thresholds = (np.array([0.45]), np.array([0.3]), np.array([0.15]))
    changes = 0
    for loyalty in [0.44, 0.5, 0.44, 0.52, 0.43, 0.5]:
        new = mech.engagement_step(state, np.array([loyalty]), np.array([True]), thresholds, 0.1)
        changes += int(new[0] != state[0])
        state = new
    # It reduces once and never climbs back while loyalty stays below 0.45 + 0.1.
    assert changes == 1 and state[0] == mech.REDUCED
    state = mech.engagement_step(state, np.array([0.56]), np.array([True]), thresholds, 0.1)
    assert state[0] == mech.ACTIVE


def test_border_clash_between_members_turns_their_relation_hostile():
    from alliance_sim import BorderClash

    clash = BorderClash(date="2022-10", members=("kazakhstan", "kyrgyzstan"), severity=1.0)
    model = AllianceModel(replicates=10, months=1, seed=1, events=[clash])
    control = AllianceModel(replicates=10, months=1, seed=1)
    for m in (model, control):
        m.run_model()
    i, j = model.index["kazakhstan"], model.index["kyrgyzstan"]
    assert np.all(model.affinity[i, j] < control.affinity[i, j] - 0.3)
    assert np.all(model.member("kazakhstan").pressure > control.member("kazakhstan").pressure + 0.5)


def test_capacity_shock_and_war_lower_hegemon_capacity():
    from alliance_sim import HegemonShock

    shock = HegemonShock(date="2022-10", delta=-0.3)
    model = AllianceModel(replicates=100, months=3, seed=1, events=[shock])
    control = AllianceModel(replicates=100, months=3, seed=1)
    for m in (model, control):
        m.run_model()
    assert np.all(model.hegemon.capacity < control.hegemon.capacity)
