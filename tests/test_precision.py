"""The simulation keeps every array in its float type (float32), whatever it is given.

One float64 array that slips in (an override, an event's size, a constant) turns every array
computed from it into float64: the model then needs twice the memory and more time, which the
memory and speed targets in docs/performance.md do not allow.
"""

import warnings

import numpy as np
import pandas as pd

from alliance_sim import AllianceModel, load_parameters, parse_event
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


def test_a_single_run_reports_the_same_float_type_as_an_ensemble():
    one = AllianceModel(replicates=1, months=3, seed=2)  # Mesa's DataCollector, R=1
    one.run_model()
    frame = one.to_frame()
    assert all(frame[c].dtype == FLOAT for c in ("integrity", "cohesion", "credibility"))
    np.testing.assert_array_equal(frame["integrity"], one.recorder.bloc_frame()["integrity"])


def test_weights_at_the_top_of_their_range_run_without_overflow_warnings():
    # float32's exp overflows above 88 (float64's above 709): a stance or exit probability of 0
    # must come out as 0, not with a RuntimeWarning in the user's terminal.
    table = load_parameters()
    for name in ("entrapment_weight", "stance_precision", "stance_cost"):
        top = table.globals[name].high
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            model = AllianceModel(
                replicates=50, months=6, seed=1, overrides={f"global.{name}": top}
            )
            model.run_model()


def test_sweep_summaries_read_back_the_same_from_csv_and_parquet(tmp_path):
    from alliance_sim.sweeps import sweep

    results = sweep(
        "baseline", grid={"global.contagion": [0.0, 0.5]}, replicates=8, months=3, seed=3
    )
    means = [c for c in results.columns if c.endswith("_mean")]
    assert means and all(results[c].dtype == np.float64 for c in means)
    results.to_csv(tmp_path / "r.csv", index=False)
    back = pd.read_csv(tmp_path / "r.csv")
    np.testing.assert_array_equal(back[means].to_numpy(), results[means].to_numpy())
