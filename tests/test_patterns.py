"""Patterns from the documents: quotes check out, evaluators compute what the statements say."""

import os
import pathlib

import numpy as np
import pytest
import yaml

from alliance_sim import AllianceModel
from alliance_sim.core.patterns import (
    Trajectories,
    hazard_weight,
    load_patterns,
    parse_patterns,
    pattern_weights,
    patterns_text,
    stance_weight,
    trajectories_from_frame,
    trajectories_from_model,
)

MEMBERS = ["russia", "belarus", "armenia"]


def traj(states, loyalty=None):
    """Trajectories from 2022-01 on: states[t][m] per replicate lists."""
    state = np.array(states, dtype=np.int8)  # (T, M, R)
    dates = np.datetime64("2022-01", "M") + np.arange(state.shape[0])
    variables = {} if loyalty is None else {"loyalty": np.array(loyalty, dtype=float)}
    return Trajectories(dates, MEMBERS, state, variables)


def _seeds() -> pathlib.Path:
    """The source documents: shared/seeds beside the repository, or $ALLIANCE_SIM_SEEDS."""
    here = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
    path = pathlib.Path(os.environ.get("ALLIANCE_SIM_SEEDS", here))
    if not path.is_dir():
        pytest.skip(f"source documents not found at {path}")
    return path


def test_every_quote_is_verbatim_in_its_document():
    seeds_dir = _seeds()
    for p in load_patterns():
        text = " ".join((seeds_dir / p.source).read_text(encoding="utf-8").split())
        assert p.quote in text, f"{p.id}: quote not found in {p.source}"


def test_patterns_cover_the_documented_record():
    ids = {p.id for p in load_patterns()}
    assert {
        "armenia_reduced_2022_10",
        "kyrgyzstan_reduced_2022_10",
        "armenia_engaged_until_september",
        "kazakhstan_stays_active",
        "belarus_most_loyal",
        "belarus_backs_the_war",
        "only_belarus_backs_the_war",
        "nobody_leaves_2022",
        "uzbekistan_stays_out",
        "departure_base_rate",
    } <= ids


def test_posture_pattern_holds_only_when_every_month_matches():
    check = {
        "kind": "posture",
        "members": ["armenia"],
        "states": ["active"],
        "from": "2022-01",
        "to": "2022-02",
    }
    # replicate 0 stays active; replicate 1 reduces in February
    t = traj([[[0, 0], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 1]], [[0, 0], [0, 0], [1, 1]]])
    (w,) = pattern_weights(
        t,
        [
            parse_patterns(
                {
                    "patterns": [
                        {"id": "x", "statement": "s", "source": "d", "quote": "q", "check": check}
                    ]
                }
            )[0]
        ],
    )
    assert w.tolist() == [1.0, 0.0]


def test_stance_pattern_holds_only_when_every_member_keeps_the_stance_every_month():
    check = {
        "kind": "stance",
        "members": ["belarus", "armenia"],
        "stances": ["neutral"],
        "from": "2022-02",
        "to": "2022-03",
    }
    states = [[[0, 0, 0]] * 3] * 3
    t = traj(states)
    # replicate 0 neutral throughout; 1: Armenia backs the war in March; 2: no war in February
    stance = np.array(
        [
            [[-1, -1, -1], [-1, -1, -1], [-1, -1, -1]],
            [[-1, -1, -1], [0, 0, -1], [0, 0, -1]],
            [[-1, -1, -1], [0, 0, 0], [0, 1, 0]],
        ],
        dtype=np.int8,
    )
    t = Trajectories(t.dates, t.members, t.state, t.variables, stance)
    assert stance_weight(t, check).tolist() == [1.0, 0.0, 0.0]
    assert stance_weight(t, {**check, "from": "2022-03"}).tolist() == [1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="unknown stance"):
        stance_weight(t, {**check, "stances": ["against"]})
    with pytest.raises(KeyError, match="war stance, which was not recorded"):
        stance_weight(traj(states), check)
    # Evaluated among other patterns (an old members.parquet), the error names the pattern.
    (pattern,) = load_patterns(["belarus_backs_the_war"])
    with pytest.raises(KeyError, match="pattern belarus_backs_the_war: .*not recorded"):
        pattern_weights(traj(states), [pattern])


@pytest.fixture(scope="module")
def replays():
    """The 2022 replay with and without the documented events (the war included)."""
    kwargs = {"replicates": 300, "start": "2022-01", "months": 10, "seed": 3}
    with_events = AllianceModel(**kwargs)
    with_events.run_model()
    without = AllianceModel(**kwargs, history=False)
    without.run_model()
    return trajectories_from_model(with_events), trajectories_from_model(without)


def test_without_the_replayed_invasion_no_member_backs_the_war(replays):
    with_war, without = replays
    patterns = load_patterns(["belarus_backs_the_war", "only_belarus_backs_the_war"])
    backs, others_neutral = pattern_weights(with_war, patterns).mean(axis=1)
    assert backs > 0.8 and others_neutral > 0.7
    assert not pattern_weights(without, patterns).any()


def test_highest_needs_a_strict_lead_and_the_posture():
    check = {
        "kind": "highest",
        "member": "belarus",
        "variable": "loyalty",
        "among": ["belarus", "armenia"],
        "date": "2022-01",
        "states": ["active"],
    }
    states = [[[0, 0, 1], [0, 0, 1], [0, 0, 0]]]
    loyalty = [[[0.9, 0.9, 0.9], [0.8, 0.5, 0.8], [0.5, 0.5, 0.1]]]
    t = traj(states, loyalty)
    from alliance_sim.core.patterns import highest_weight

    # replicate 1: a tie is no lead; replicate 2: Belarus has reduced its participation
    assert highest_weight(t, check).tolist() == [1.0, 0.0, 0.0]
    loyalty[0][2] = [0.85, 0.4, 0.1]
    assert highest_weight(traj(states, loyalty), check).tolist() == [0.0, 1.0, 0.0]


def test_hazard_weight_is_the_poisson_likelihood_ratio():
    check = {
        "kind": "hazard",
        "members": ["belarus", "armenia"],
        "rate": 0.024,
        "from": "2022-02",
        "to": "2023-01",
    }
    t13 = 13
    none = [[[0], [0], [0]]] * t13
    one = [[[0], [0], [0]]] * 6 + [[[0], [0], [3]]] * 7
    mean = 2 * 0.024 * 1.0
    assert hazard_weight(traj(none), check).tolist() == [1.0]
    assert hazard_weight(traj(one), check)[0] == pytest.approx(mean)


def test_a_window_outside_the_trajectories_is_refused():
    with pytest.raises(ValueError, match="cover"):
        traj([[[0], [0], [0]]]).rows("2021-12", "2022-01")


def test_bad_pattern_files_name_the_pattern_and_field():
    raw = yaml.safe_load(patterns_text())
    del raw["patterns"][1]["quote"]
    with pytest.raises(ValueError, match="kyrgyzstan_reduced_2022_10: missing field 'quote'"):
        parse_patterns(raw)
    raw = yaml.safe_load(patterns_text())
    raw["patterns"][0]["check"]["kind"] = "vibes"
    with pytest.raises(ValueError, match="check.kind 'vibes'"):
        parse_patterns(raw)


def test_model_and_frame_give_the_same_weights():
    model = AllianceModel(replicates=40, start="2022-01", months=10, seed=5)
    model.run_model()
    patterns = [p for p in load_patterns() if p.kind != "hazard"]
    a = pattern_weights(trajectories_from_model(model), patterns)
    b = pattern_weights(trajectories_from_frame(model.member_frame()), patterns)
    np.testing.assert_array_equal(a, b)


def test_the_replay_without_the_documented_events_misses_the_october_postures(replays):
    with_events, without = replays
    patterns = load_patterns(["armenia_reduced_2022_10", "kyrgyzstan_reduced_2022_10"])
    hit = pattern_weights(with_events, patterns).mean(axis=1)
    miss = pattern_weights(without, patterns).mean(axis=1)
    assert (hit > 0.8).all() and (miss < 0.2).all()
