"""Checks of the values users hand to the model: types and ranges, named in the error.

Pure functions used by :class:`~alliance_sim.core.model.AllianceModel`, the scenario schema and
the API, so that ``AllianceModel(china_pull=5)``, ``start=2023`` or ``replicates=2.7`` fail at
once with a ``TypeError``/``ValueError`` naming the argument instead of running on nonsense.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Earliest first month a run may have: the Collective Security Treaty was signed in May 1992.
EARLIEST_START = "1992-05"
#: Latest last month a run may reach (history is replayed month by month up to the start, so
#: a far-future start would run for hours; nothing in the model is meant for beyond 2100).
LATEST_END = "2100-12"
#: Most replicates one model may carry (the scenario schema's cap).
MAX_REPLICATES = 10_000_000
#: Longest horizon in months (the scenario schema's cap).
MAX_MONTHS = 600

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_count(name: str, value: Any, low: int = 1, high: int | None = None) -> int:
    """An integer argument (not a bool, no fractional part) within ``[low, high]``.

    Raises:
        TypeError: For a value that is not an integer.
        ValueError: For an integer out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise ValueError(f"{name} must be at least {low}{upper}, got {value:,}")
    return value


def check_number(name: str, value: Any, low: float, high: float) -> float:
    """A finite real number (not a bool) within ``[low, high]``.

    Raises:
        TypeError: For a value that is not a number.
        ValueError: For NaN, infinity or a number out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name}={value} is outside its range [{low:g}, {high:g}]")
    return value


def check_month(name: str, value: Any) -> np.datetime64:
    """A month written ``YYYY-MM`` (or a numpy month).

    Raises:
        TypeError: For a value that is not a string or a numpy datetime.
        ValueError: For a string that is not a month.
    """
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[M]")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a month written 'YYYY-MM', got {value!r}")
    if not _MONTH.match(value):
        raise ValueError(f"{name} must be a month written YYYY-MM, got {value!r}")
    return np.datetime64(value, "M")


def last_month(start: str | np.datetime64, months: int) -> np.datetime64:
    """The last simulated month of a run of ``months`` months from ``start``."""
    return np.datetime64(start, "M") + np.timedelta64(int(months) - 1, "M")


def check_window(start: np.datetime64, months: int) -> None:
    """The run's months lie between :data:`EARLIEST_START` and :data:`LATEST_END`.

    Raises:
        ValueError: Naming ``start`` (or ``months`` when the start is fine but the end is not).
    """
    first, last = np.datetime64(EARLIEST_START, "M"), np.datetime64(LATEST_END, "M")
    if not first <= start <= last:
        raise ValueError(f"start {start} must lie between {EARLIEST_START} and {LATEST_END}")
    end = last_month(start, months)
    if end > last:
        raise ValueError(
            f"months={months} from {start} ends in {end}, after {LATEST_END}; shorten the run"
        )


def check_seed(value: Any) -> None:
    """A seed: ``None``, a non-negative integer or a sequence of them.

    Raises:
        TypeError: For anything else.
        ValueError: For a negative integer.
    """
    if value is None:
        return
    items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    if isinstance(value, Sequence) and not isinstance(value, str) and not items:
        raise ValueError("seed must not be an empty sequence")
    for item in items:
        check_count("seed", item, low=0)


def check_flag(name: str, value: Any) -> bool:
    """A true/false argument (``history='no'`` is not one).

    Raises:
        TypeError: For anything but a bool (numpy bools included).
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_mapping(name: str, value: Any) -> Mapping:
    """A mapping argument (``overrides``), or ``None`` for an empty one.

    Raises:
        TypeError: For anything else.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of dotted keys to values, got {value!r}")
    return value


def check_events(value: Any) -> list:
    """Events: a list (or tuple) of event objects or mappings with a ``type``.

    Raises:
        TypeError: For a string or another non-sequence, or an item that is neither.
    """
    if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
        raise TypeError(f"events must be a list of events, got {value!r}")
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) and not hasattr(item, "apply"):
            raise TypeError(f"events[{i}] must be an event or a mapping with a type, got {item!r}")
    return items


def check_arguments(
    params: Any,
    replicates: Any,
    months: Any,
    start: Any,
    seed: Any,
    events: Any,
    overrides: Any,
    history: Any,
    record_members: Any,
    knobs: Mapping[str, tuple[str, Any]],
) -> list:
    """Check :class:`~alliance_sim.core.model.AllianceModel`'s keyword arguments.

    Args:
        params: The parameter set the model will use (for the knobs' ranges).
        replicates: Ensemble size.
        months: Horizon.
        start: First month.
        seed: Seed.
        events: Events.
        overrides: Dotted overrides (values are range-checked when the set is copied).
        history: Replay flag.
        record_members: Recording flag.
        knobs: Dotted key -> (argument name, value) for the keyword shortcuts that were given.

    Returns:
        The events as a list.

    Raises:
        TypeError: Naming the argument whose type is wrong.
        ValueError: Naming the argument whose value is out of range.
    """
    check_count("replicates", replicates, 1, MAX_REPLICATES)
    check_count("months", months, 1, MAX_MONTHS)
    check_window(check_month("start", start), int(months))
    check_seed(seed)
    check_flag("history", history)
    check_flag("record_members", record_members)
    check_mapping("overrides", overrides)
    for key, (name, value) in knobs.items():
        p = params.lookup(key)
        check_number(name, value, p.low, p.high)
    return check_events(events)
