"""The simulation keeps every array in its float type (float32), whatever it is given.

One float64 array that slips in (an override, an event's size, a constant) turns every array
computed from it into float64: the model then needs twice the memory and more time, which the
memory and speed targets in docs/performance.md do not allow.
"""

import numpy as np

from alliance_sim import AllianceModel, parse_event
from alliance_sim.core.floats import FLOAT

# Every event type, with sizes given as plain numbers.
EVENTS = [
    {"type": "article4_request", "date": "2022-11", "member": "armenia"},
    {"type": "border_clash", "date": "2022-12", "members": ["kyrgyzstan", "tajikistan"]},
    {"type": "hegemon_shock", "date": "2023-01", "delta": -0.2},
    {"type": "patron_offer", "date": "2023-02", "patron": "china", "member": "kazakhstan"},
    {"type": "set_parameter", "date": "2023-03", "key": "global.contagion", "value": 0.5},
    {"type": "hegemon_reward", "date": "2023-04", "member": "tajikistan"},
    {"type": "threat_shift", "date": "2023-05", "member": "armenia", "delta": 0.3, "lasting": True},
    {"type": "freeze", "date": "2023-06", "member": "kyrgyzstan"},
    {"type": "exit", "date": "2023-07", "member": "armenia"},
    {"type": "rejoin", "date": "2023-08", "member": "kyrgyzstan"},
    {"type": "article4_request", "date": "2023-09", "member": "kazakhstan", "answered": True},
]


def _float64_arrays(obj, where: str, found: set[str], depth: int = 0) -> None:
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f" and obj.dtype != FLOAT:
            found.add(f"{where} ({obj.dtype})")
    elif isinstance(obj, dict) and depth < 3:
        for key, value in obj.items():
            _float64_arrays(value, f"{where}.{key}", found, depth + 1)
    elif isinstance(obj, list | tuple) and depth < 3:
        for value in obj:
            _float64_arrays(value, f"{where}[]", found, depth + 1)


def test_every_array_of_a_run_stays_in_the_simulation_float_type():
    r = 300
    overrides = {  # float64 per-replicate values, as a sweep or the posterior passes them
        "global.entrapment_weight": np.linspace(1.0, 3.0, r),
        "kazakhstan.public_sensitivity": np.linspace(0.2, 0.8, r),
    }
    model = AllianceModel(
        replicates=r,
        months=12,
        seed=4,
        events=[parse_event(e) for e in EVENTS],
        overrides=overrides,
        russia_capacity=0.6,
    )
    found: set[str] = set()
    while model.running:
        model.step()
        for member in model.members:
            _float64_arrays(vars(member), member.name, found)
            _float64_arrays(member.params, f"{member.name}.params", found)
        _float64_arrays(model.snapshot, "snapshot", found)
        _float64_arrays(model.metrics, "metrics", found)
        _float64_arrays(model.g, "g", found)
        _float64_arrays(vars(model._affinity), "affinity", found)
    assert not found, f"arrays not in {FLOAT.__name__}: {sorted(found)}"
    frame = model.to_frame()
    assert all(frame[c].dtype == FLOAT for c in ("integrity", "cohesion", "credibility"))
    assert model.member_frame()["loyalty"].dtype == FLOAT
