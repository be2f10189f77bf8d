"""Experiment designs: full-factorial grids and SALib samples over named parameter ranges.

A design is a :class:`pandas.DataFrame` with one row per design point and one column per dotted
parameter key (``global.contagion``, ``armenia.access_west``, ``china.pull``). Designs know
nothing about how they are run; :func:`alliance_sim.sweeps.evaluate` runs any of them.
Sampled designs carry their SALib problem in ``frame.attrs["design"]`` so that the Sobol and
Morris analyses line up with the rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import check_count
from ..core.parameters import ParameterSet, load_parameters

METHODS = ("lhs", "sobol", "morris")

#: Most design points a design may have: experiment files, :func:`grid`, :func:`sample` and
#: :func:`alliance_sim.sweeps.evaluate` all refuse more (before any work).
MAX_POINTS = 1_000_000


def check_points(points: int) -> None:
    """Refuse a design of more than :data:`MAX_POINTS` points.

    Raises:
        ValueError: Naming the design's size and the cap.
    """
    if points > MAX_POINTS:
        raise ValueError(
            f"the design has {points:,} points, more than {MAX_POINTS:,}; use a smaller n "
            "or fewer grid values"
        )


def check_key(key: str, params: ParameterSet | None = None) -> tuple[float, float]:
    """Check that ``key`` names a numeric parameter and return its admissible bounds.

    Raises:
        KeyError: When the key names no parameter (the message lists valid choices).
        ValueError: When the parameter is categorical.
    """
    params = params or load_parameters()
    if "." not in key:
        raise KeyError(f"parameter keys are dotted, like 'global.contagion'; got {key!r}")
    p = params.lookup(key)
    if isinstance(p.value, str):
        raise ValueError(f"{key} is categorical ({p.value!r}) and cannot be swept")
    return p.low, p.high


def _check_value(key: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not np.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{key}={value} is outside its admissible range [{low:g}, {high:g}]")


def check_space(space: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    """Validate named ranges ``{key: (low, high)}`` against the parameters' admissible bounds.

    Raises:
        KeyError: For an unknown parameter.
        ValueError: For a malformed or inadmissible range.
    """
    if not space:
        raise ValueError("the parameter space is empty")
    params = load_parameters()
    out = {}
    for key, bounds in space.items():
        admissible = check_key(key, params)
        if np.ndim(bounds) != 1 or len(bounds) != 2:
            raise ValueError(f"{key}: a range is [low, high], got {bounds!r}")
        low, high = (float(b) for b in bounds)
        if not low < high:
            raise ValueError(f"{key}: low must be below high, got [{low:g}, {high:g}]")
        _check_value(key, low, admissible)
        _check_value(key, high, admissible)
        out[key] = (low, high)
    return out


#: Where a design's uncertain parameters come from.
SAMPLE_SOURCES = ("prior", "posterior")


def prior_space(keys: Sequence[str], params: ParameterSet | None = None) -> dict[str, tuple]:
    """The prior range of each uncertain parameter: ``value ± uncertainty`` within its bounds.

    This is the uniform distribution the model itself draws each replicate's value from
    (see ``parameters.yaml``), so a design over it explores what we do not know about the
    parameter rather than a range picked for the sweep.

    Raises:
        KeyError: For an unknown parameter.
        ValueError: For a parameter without uncertainty (give it a range instead).
    """
    params = params or load_parameters()
    out = {}
    for key in keys:
        check_key(key, params)
        p = params.lookup(key)
        if not p.uncertainty:
            raise ValueError(
                f"{key} has no uncertainty in parameters.yaml, so it has no prior range; "
                "give it a range under space: instead"
            )
        value = float(p.value)
        out[key] = (max(p.low, value - p.uncertainty), min(p.high, value + p.uncertainty))
    return out


def uncertain_space(keys: Sequence[str], source: str = "prior") -> dict[str, tuple]:
    """Ranges of the uncertain parameters of a design, from the prior or the posterior.

    Args:
        keys: Dotted parameter keys.
        source: ``prior`` (the packaged uncertainty ranges) or ``posterior`` (the central
            90% of the calibrated posterior shipped with the package: its 5% and 95%
            quantiles; a box, since a design samples each parameter over a range).

    Raises:
        ValueError: For an unknown source, ``posterior`` while no posterior is packaged, or a
            key the posterior does not calibrate.
    """
    if source == "prior":
        return prior_space(keys)
    if source == "posterior":
        from ..core.posterior import load_posterior

        prior_space(keys)  # the same checks of the keys as for the prior
        try:
            table = load_posterior()
        except FileNotFoundError:
            raise ValueError(
                "no calibrated posterior ships with this installation: run `alliance-sim "
                "calibrate --ship`, or use sample: prior"
            ) from None
        missing = [k for k in keys if k not in table.columns]
        if missing:
            raise ValueError(
                f"{', '.join(missing)} is not calibrated (the model refuses to draw it in the "
                "2022 replay); use sample: prior"
            )
        q = table[list(keys)].quantile([0.05, 0.95])
        return {k: (float(q[k].iloc[0]), float(q[k].iloc[1])) for k in keys}
    raise ValueError(f"unknown sample source {source!r}; valid: {', '.join(SAMPLE_SOURCES)}")


def problem(space: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """The SALib problem dictionary for named ranges."""
    space = check_space(space)
    return {
        "num_vars": len(space),
        "names": list(space),
        "bounds": [list(b) for b in space.values()],
    }


def sample(
    space: Mapping[str, Sequence[float]],
    n: int,
    method: str = "lhs",
    seed: int | None = None,
    *,
    calc_second_order: bool = False,
    num_levels: int = 4,
) -> pd.DataFrame:
    """Sample design points over named parameter ranges with SALib.

    Args:
        space: Dotted parameter keys mapped to ``(low, high)``.
        n: A whole number: for ``lhs`` the number of points; for ``sobol`` the base sample
            size (a power of two; the design has ``n * (D + 2)`` rows, or ``n * (2D + 2)``
            with second-order indices); for ``morris`` the number of trajectories
            (``n * (D + 1)`` rows).
        method: ``lhs``, ``sobol`` or ``morris``.
        seed: Seed of the sampler (scrambling of the Sobol sequence, LHS strata, Morris
            trajectories).
        calc_second_order: Sobol only: also allow second-order indices.
        num_levels: Morris only: grid levels per parameter (a whole number, at least 2).

    Returns:
        One row per design point, one column per key; ``attrs["design"]`` records the method,
        the SALib problem and the options the analyses need.

    Raises:
        KeyError: For an unknown parameter key.
        TypeError: For ``n`` or ``num_levels`` that is not a whole number.
        ValueError: For a bad method, size or range.
    """
    try:
        from SALib.sample import latin, morris, sobol
    except ModuleNotFoundError:  # pragma: no cover - depends on the installation
        raise ImportError(
            "sampled designs need SALib: pip install 'alliance-sim[sensitivity]'"
        ) from None

    prob = problem(space)
    n = check_count("n", n, low=1)
    num_levels = check_count("num_levels", num_levels, low=2)
    d = prob["num_vars"]
    rows = {"sobol": 2 * d + 2 if calc_second_order else d + 2, "morris": d + 1}
    check_points(n * rows.get(method, 1))
    if method == "lhs":
        x = latin.sample(dict(prob), n, seed=seed)
    elif method == "sobol":
        if n & (n - 1):
            raise ValueError(f"a Sobol design needs n to be a power of two, got {n}")
        x = sobol.sample(dict(prob), n, calc_second_order=calc_second_order, seed=seed)
    elif method == "morris":
        if n < 2:
            raise ValueError("a Morris design needs at least 2 trajectories")
        x = morris.sample(dict(prob), n, num_levels=num_levels, seed=seed)
    else:
        raise ValueError(f"unknown sampling method {method!r}; valid: {', '.join(METHODS)}")
    frame = pd.DataFrame(np.asarray(x, dtype=float), columns=prob["names"])
    # Samplers may step a hair outside the bounds through floating-point arithmetic.
    for key, (low, high) in zip(prob["names"], prob["bounds"], strict=True):
        frame[key] = frame[key].clip(low, high)
    frame.attrs["design"] = {
        "method": method,
        "problem": prob,
        "n": n,
        "seed": seed,
        "calc_second_order": bool(calc_second_order),
        "num_levels": int(num_levels),
    }
    return frame


def _is_varying(value: Any) -> bool:
    return not isinstance(value, str | bytes) and np.ndim(value) == 1


def grid(spec: Mapping[str, Any]) -> pd.DataFrame:
    """Full-factorial design: list-valued keys are crossed, scalar keys stay fixed.

    Args:
        spec: Dotted parameter keys mapped to a list of values (varied) or a number (fixed).
            The first varied key changes slowest.

    Returns:
        One row per combination (``itertools.product`` order), one column per key.

    Raises:
        KeyError: For an unknown parameter key.
        ValueError: For an empty list or a value outside a parameter's admissible range.
    """
    if not spec:
        raise ValueError("the grid is empty")
    params = load_parameters()
    varying, fixed = {}, {}
    for key, value in spec.items():
        bounds = check_key(key, params)
        values = [float(v) for v in np.atleast_1d(value)]
        if not values:
            raise ValueError(f"{key}: the list of values is empty")
        for v in values:
            _check_value(key, v, bounds)
        (varying if _is_varying(value) else fixed)[key] = (
            values if _is_varying(value) else values[0]
        )
    check_points(int(np.prod([len(v) for v in varying.values()], dtype=object)))
    rows = list(itertools.product(*varying.values())) if varying else [()]
    frame = pd.DataFrame(rows, columns=list(varying), dtype=float)
    for key, value in fixed.items():
        frame[key] = value
    frame = frame[list(spec)]
    frame.attrs["design"] = {"method": "grid", "varying": list(varying), "fixed": fixed}
    return frame


def linspace(start: float, stop: float, num: int) -> list[float]:
    """Evenly spaced grid values, rounded to 10 decimals so that keys print cleanly."""
    return [round(float(v), 10) for v in np.linspace(start, stop, int(num))]
