"""Save or check reference outputs, so an optimisation can prove it changes no number.

Usage::

    python benchmarks/reference.py save DIR    # before changing the model
    python benchmarks/reference.py check DIR   # after: every frame and array must be identical

It runs a handful of configurations (R=1, R=1000 baseline, a multi-block run with every event
type, the 2022-01 replay, per-replicate overrides) and compares every public output bit for bit.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_sim import AllianceModel, MemberState, parse_event
from alliance_sim.scenarios import load_scenario

EVENTS = [
    {"type": "article4_request", "date": "2022-11", "member": "armenia"},
    {"type": "border_clash", "date": "2022-12", "members": ["kyrgyzstan", "tajikistan"]},
    {"type": "border_clash", "date": "2023-01", "members": ["armenia", "azerbaijan"]},
    {"type": "hegemon_shock", "date": "2023-02", "delta": -0.2},
    {"type": "patron_offer", "date": "2023-03", "patron": "china", "member": "kazakhstan"},
    {"type": "set_parameter", "date": "2023-04", "key": "global.contagion", "value": 0.5},
    {"type": "hegemon_reward", "date": "2023-05", "member": "tajikistan"},
    {"type": "threat_shift", "date": "2023-06", "member": "armenia", "delta": 0.3, "lasting": True},
    {"type": "freeze", "date": "2023-07", "member": "kyrgyzstan"},
    {"type": "exit", "date": "2023-08", "member": "armenia"},
    {"type": "rejoin", "date": "2024-01", "member": "kyrgyzstan"},
    {"type": "rejoin", "date": "2024-02", "member": "uzbekistan"},
    {"type": "article4_request", "date": "2024-03", "member": "kazakhstan", "answered": True},
]


def configurations() -> dict[str, dict]:
    baseline = load_scenario("baseline").model_kwargs()
    rng_free = np.linspace(0.0, 0.6, 2500)
    return {
        "r1_default": dict(replicates=1, seed=3),
        "r1_events": dict(replicates=1, seed=7, events=[parse_event(e) for e in EVENTS]),
        "r1000_baseline": baseline,
        "r3000_events": dict(replicates=3000, seed=11, events=EVENTS, months=24),
        "replay_2022": dict(replicates=500, start="2022-01", months=10, seed=2022),
        "overrides": dict(
            replicates=2500,
            seed=5,
            overrides={"global.contagion": rng_free, "china.pull": 0.8},
            record_members=False,
            china_pull=0.7,
        ),
    }


def outputs(kwargs: dict) -> dict:
    model = AllianceModel(**kwargs)
    model.run_model()
    out = {
        "to_frame": model.to_frame(),
        "final": model.final(),
        "outcomes": model.outcomes(),
        "event_log": model.event_log,
        "affinity": model.affinity.copy(),
        "capacity": model.hegemon.capacity.copy(),
    }
    if model.recorder.record_members:
        out["member_frame"] = model.member_frame()
    if model.datacollector is not None:
        out["agents"] = model.datacollector.get_agenttype_vars_dataframe(MemberState)
    for m in model.members:
        for attr in (
            "loyalty",
            "threat",
            "trust",
            "pressure",
            "state",
            "trust_alpha",
            "trust_beta",
            "threat_baseline",
            "access",
        ):
            out[f"{m.name}.{attr}"] = np.array(getattr(m, attr), copy=True)
    for name, actor in model.actors_by_name.items():
        out[f"{name}.pull"] = actor.pull.copy()
        out[f"{name}.pressure"] = actor.pressure.copy()
    return out


def same(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            return True
        except AssertionError as err:
            print(err)
            return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


def main() -> int:
    action, folder = sys.argv[1], Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name, kwargs in configurations().items():
        got = outputs(kwargs)
        path = folder / f"{name}.pkl"
        if action == "save":
            path.write_bytes(pickle.dumps(got))
            print(f"saved {name}")
            continue
        want = pickle.loads(path.read_bytes())
        bad = [k for k in want if k not in got or not same(want[k], got[k])]
        failures += bool(bad)
        print(f"{name}: {'identical' if not bad else 'DIFFERENT: ' + ', '.join(bad)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
