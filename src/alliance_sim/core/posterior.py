"""The prior (read from the parameter table) and the calibrated posterior shipped with the package.

The prior is the parameter table itself: every numeric parameter with an uncertainty above zero is
drawn as the model draws it, ``value + uncertainty × (2u − 1)`` clipped to ``[low, high]``, except
parameters that a documented ``set_parameter`` event overwrites, and relations to a patron that are
neutral or friendly over their whole range (drawing them would change nothing). The posterior is a
table of accepted parameter sets, one column per dotted key (``data/posterior.parquet``, written by
``alliance-sim calibrate --ship``; its recipe in ``data/posterior.json``). Runs draw each
replicate's parameters from it in a nested design: ``K`` parameter sets × ``r`` replicates each, so
that spread can be split into a parameter part and a stochastic part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .checks import last_month
from .parameters import PATRONS, RELATIONS, Param, ParameterSet, load_parameters

#: Where the shipped posterior and its recipe live, inside the package.
POSTERIOR_FILE = "core/data/posterior.parquet"
RECIPE_FILE = "core/data/posterior.json"
#: Replicates per posterior parameter set in a nested ensemble, unless asked otherwise.
DEFAULT_REPLICATES_PER_SET = 10
#: Where an ensemble's parameter values come from (see :func:`ensemble_overrides`).
ENSEMBLE_MODES = ("posterior", "prior", "fixed", "independent")
#: What every command that needs the shipped posterior says when there is none.
NO_POSTERIOR = (
    "no calibrated posterior ships with this installation: run `alliance-sim calibrate --ship`, "
    "or use the prior (--prior)"
)
#: Spawn key of the stream that picks posterior sets (apart from the model's own streams).
_SET_STREAM = 0x9057


def reset_keys(params: ParameterSet) -> set[str]:
    """Parameters that a documented ``set_parameter`` event overwrites during the replay."""
    return {e["key"] for e in params.history if e.get("type") == "set_parameter"}


def _fully_usable_patron(key: str, p: Param) -> bool:
    """A member's relation to a patron that stays neutral or friendly over its whole range.

    Such a patron's offer is fully usable at every value (:func:`mechanisms.friendliness` is 1
    for an affinity of 0 or more), so drawing the relation would change nothing.
    """
    entity, _, name = key.partition(".")
    if entity != RELATIONS or not set(name.split("-")) & set(PATRONS):
        return False
    return max(p.low, float(p.value) - p.uncertainty) >= 0.0


@dataclass(frozen=True)
class Prior:
    """Independent clipped-uniform priors over the uncertain parameters of the table.

    Attributes:
        keys: Dotted parameter keys, in table order.
        center: Table values, shape ``(K,)``.
        half_width: Table uncertainties.
        low: Admissible lower bounds.
        high: Admissible upper bounds.
    """

    keys: tuple[str, ...]
    center: np.ndarray
    half_width: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def from_parameters(cls, params: ParameterSet | None = None) -> Prior:
        """The prior the parameter table declares (see the module docstring).

        Parameters the model refuses to override in the replay of 2022 because they would
        change nothing (a former member's parameters while it stays outside, keys the history
        overwrites) are left out.
        """
        from .overrides import refusal

        params = params or load_parameters()
        skip = reset_keys(params)
        rows = []
        for key in params.keys():  # noqa: SIM118 (ParameterSet.keys, not a dict)
            p = params.lookup(key)
            if isinstance(p.value, str) or np.ndim(p.value) != 0 or p.uncertainty <= 0:
                continue
            if key in skip or refusal(params, key, start=params.history_start):
                continue
            if _fully_usable_patron(key, p):
                continue
            rows.append((key, float(p.value), float(p.uncertainty), p.low, p.high))
        keys, center, half, low, high = zip(*rows, strict=True) if rows else ((),) * 5
        return cls(tuple(keys), *(np.array(v, dtype=float) for v in (center, half, low, high)))

    def with_uniform(self, key: str, low: float, high: float) -> Prior:
        """The same prior with ``key`` drawn uniformly on ``[low, high]`` instead.

        Args:
            key: Dotted key of one of the prior's parameters.
            low: Lowest value, at or above the parameter's admissible minimum.
            high: Highest value, at or below its admissible maximum.

        Raises:
            KeyError: If ``key`` is not one of the prior's parameters.
            ValueError: If the interval is empty or leaves the parameter's admissible range.
        """
        if key not in self.keys:
            raise KeyError(f"{key} is not a calibrated parameter")
        i = self.keys.index(key)
        if not self.low[i] <= low < high <= self.high[i]:
            raise ValueError(
                f"{key}: [{low}, {high}] must be a non-empty interval inside its admissible range "
                f"[{self.low[i]}, {self.high[i]}]"
            )
        center, half = self.center.copy(), self.half_width.copy()
        center[i], half[i] = (low + high) / 2, (high - low) / 2
        return replace(self, center=center, half_width=half)

    @property
    def size(self) -> int:
        """Number of calibrated parameters K."""
        return len(self.keys)

    def transform(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms of shape ``(n, K)`` to parameter values (the model's own draw rule)."""
        return np.clip(self.center + self.half_width * (2.0 * u - 1.0), self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws, shape ``(n, K)``."""
        return self.transform(rng.random((n, self.size)))

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest value each parameter can take."""
        lo = np.clip(self.center - self.half_width, self.low, self.high)
        hi = np.clip(self.center + self.half_width, self.low, self.high)
        return lo, hi

    def sd(self) -> np.ndarray:
        """Standard deviation of each parameter under the prior (uniform; clipping ignored)."""
        lo, hi = self.support()
        return (hi - lo) / np.sqrt(12.0)

    def to_frame(self) -> pd.DataFrame:
        """The prior as a table: key, value, uncertainty, low, high."""
        return pd.DataFrame(
            {
                "key": list(self.keys),
                "value": self.center,
                "uncertainty": self.half_width,
                "low": self.low,
                "high": self.high,
            }
        )

    def hash(self) -> str:
        """A hash of the prior's definition."""
        h = hashlib.sha256(json.dumps(list(self.keys)).encode())
        for arr in (self.center, self.half_width, self.low, self.high):
            h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
        return h.hexdigest()[:16]


# ------------------------------------------------------------------------------ shipped posterior
def _resource(name: str):
    return resources.files("alliance_sim").joinpath(name)


def shipped_recipe() -> dict[str, Any] | None:
    """The recipe of the shipped posterior (``posterior.json``), or ``None`` if none ships."""
    res = _resource(RECIPE_FILE)
    if not res.is_file():
        return None
    return json.loads(res.read_text("utf-8"))


@cache
def _shipped() -> pd.DataFrame | None:
    res = _resource(POSTERIOR_FILE)
    if not res.is_file():
        return None
    with resources.as_file(res) as path:
        return pd.read_parquet(path)


def check_ensemble_mode(mode: str) -> None:
    """Refuse an unknown ensemble mode, or ``posterior`` when no posterior ships.

    Raises:
        ValueError: Naming the valid modes, or how to get a posterior.
    """
    if mode not in ENSEMBLE_MODES:
        raise ValueError(f"unknown ensemble {mode!r}; valid: {', '.join(ENSEMBLE_MODES)}")
    if mode == "posterior" and shipped_recipe() is None:
        raise ValueError(NO_POSTERIOR)


def load_posterior(path: str | Path | None = None) -> pd.DataFrame:
    """Posterior parameter sets, one row each, one column per dotted key.

    Args:
        path: A ``posterior.parquet`` written by ``alliance-sim calibrate``; default the one
            shipped with the package.

    Raises:
        FileNotFoundError: When no posterior ships (or ``path`` does not exist).
    """
    if path is not None:
        return pd.read_parquet(path)
    frame = _shipped()
    if frame is None:
        raise FileNotFoundError(NO_POSTERIOR)
    return frame.copy()


def parameter_columns(frame: pd.DataFrame) -> list[str]:
    """The dotted-key columns of a posterior table."""
    return [c for c in frame.columns if "." in c]


def nested_layout(replicates: int, per_set: int = DEFAULT_REPLICATES_PER_SET) -> tuple[int, int]:
    """``(K, r)``: parameter sets and replicates per set for an ensemble of ``replicates``.

    ``r`` is ``per_set`` unless the ensemble is smaller; the last set may get fewer replicates
    when ``replicates`` is not a multiple of ``r``.
    """
    r = max(1, min(int(per_set), int(replicates)))
    return -(-int(replicates) // r), r


def set_index(replicates: int, per_set: int = DEFAULT_REPLICATES_PER_SET) -> np.ndarray:
    """The parameter set of each replicate (replicates are laid out set-major)."""
    _, r = nested_layout(replicates, per_set)
    return np.arange(int(replicates)) // r


def draw_sets(
    table: pd.DataFrame, replicates: int, seed: int | Sequence[int], per_set: int
) -> dict[str, np.ndarray]:
    """Per-replicate override arrays: ``K`` rows of ``table`` picked by ``seed``, each repeated.

    Rows are picked without replacement while the table is large enough (with replacement
    otherwise), from a stream of their own, so the model's random streams are untouched and the
    same seed gives the same sets in every scenario of a comparison.
    """
    k, _ = nested_layout(replicates, per_set)
    entropy = list(seed) if isinstance(seed, Sequence) else [int(seed)]
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(_SET_STREAM,)))
    rows = rng.choice(len(table), size=k, replace=k > len(table))
    which = rows[set_index(replicates, per_set)]
    return {c: table[c].to_numpy(dtype=float)[which] for c in parameter_columns(table)}


def prior_sets(
    replicates: int, seed: int | Sequence[int], per_set: int, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """Like :func:`draw_sets` with ``K`` fresh draws from the prior (nested the same way)."""
    prior = Prior.from_parameters(params)
    k, _ = nested_layout(replicates, per_set)
    entropy = list(seed) if isinstance(seed, Sequence) else [int(seed)]
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(_SET_STREAM,)))
    theta = prior.sample(rng, k)[set_index(replicates, per_set)]
    return {key: theta[:, j] for j, key in enumerate(prior.keys)}


def ensemble_overrides(
    mode: str,
    replicates: int,
    seed: int | Sequence[int],
    per_set: int = DEFAULT_REPLICATES_PER_SET,
    fixed: Mapping[str, Any] | None = None,
    posterior: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Per-replicate parameter arrays for an ensemble drawn from ``posterior`` or ``prior``.

    Args:
        mode: ``posterior``, ``prior`` (nested draws from the table's prior), ``fixed`` (every
            uncertain parameter at its table value: only stochastic spread is left) or
            ``independent`` (no nesting: every replicate draws its own values, the model's
            default).
        replicates: Ensemble size R.
        seed: The run's seed.
        per_set: Replicates per parameter set.
        fixed: Overrides the scenario or the user set; these keys are left out (they win).
        posterior: A posterior table; default the shipped one.

    Returns:
        Dotted key -> array of shape ``(R,)`` (a number for ``fixed``); empty for
        ``independent``.
    """
    if mode == "independent":
        return {}
    if mode == "fixed":
        prior = Prior.from_parameters()
        return {
            k: float(v)
            for k, v in zip(prior.keys, prior.center, strict=True)
            if k not in (fixed or {})
        }
    if mode == "prior":
        draws = prior_sets(replicates, seed, per_set)
    elif mode == "posterior":
        table = posterior if posterior is not None else load_posterior()
        draws = draw_sets(table, replicates, seed, per_set)
    else:
        raise ValueError(
            f"unknown ensemble mode {mode!r}; valid: posterior, prior, fixed, independent"
        )
    return {k: v for k, v in draws.items() if k not in (fixed or {})}


def effective(
    overrides: Mapping[str, Any],
    params: ParameterSet,
    *,
    start: str,
    end: str | None = None,
    history: bool = True,
    events: Sequence[Any] = (),
) -> dict[str, Any]:
    """The drawn overrides that take effect in this run (the model refuses the others)."""
    from .overrides import refusal

    return {
        k: v
        for k, v in overrides.items()
        if not refusal(params, k, start=start, end=end, history=history, events=events)
    }


def with_ensemble(
    model_kwargs: Mapping[str, Any],
    mode: str,
    replicates: int,
    seed: int | Sequence[int],
    per_set: int = DEFAULT_REPLICATES_PER_SET,
    keep: Sequence[str] = (),
) -> dict[str, Any]:
    """A run's overrides with each replicate's drawn parameter values added.

    Args:
        model_kwargs: The scenario's :class:`~alliance_sim.core.model.AllianceModel` keywords
            (``overrides``, ``start``, ``history``, ``events``).
        mode: See :func:`ensemble_overrides`.
        replicates: Replicates of the model.
        seed: Entropy of the draws (the run's seed, or a sweep chunk's).
        per_set: Replicates per parameter set.
        keep: Further keys not to draw (a sweep's design sets them).

    Returns:
        The scenario's overrides (which always win), plus the drawn values that take effect.
    """
    fixed = dict(model_kwargs.get("overrides") or {})
    drawn = ensemble_overrides(
        mode, replicates, seed, per_set, fixed={**fixed, **dict.fromkeys(keep)}
    )
    months = model_kwargs.get("months")
    end = None if months is None else str(last_month(model_kwargs["start"], months))
    drawn = effective(
        drawn,
        load_parameters().with_overrides(fixed),
        start=model_kwargs["start"],
        end=end,
        history=model_kwargs.get("history", True),
        events=model_kwargs.get("events", ()),
    )
    return {**drawn, **fixed}
