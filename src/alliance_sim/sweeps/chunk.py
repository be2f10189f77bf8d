"""Evaluation of one chunk of design points: one vectorised model run, summarised per point.

A chunk of P design points with ``replicates`` replicates each runs as a single
:class:`~alliance_sim.AllianceModel` of ``R = P × replicates`` replicates: every swept
parameter is passed as a per-replicate override array. Replicates are laid out point-major
(point 0's replicates first). The chunk's randomness comes from a ``SeedSequence`` derived from
the experiment seed and the chunk index only, so a chunk gives the same numbers wherever it runs.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core import mechanisms as mech
from ..core.model import AllianceModel
from ..core.parameters import ENGAGEMENT_STATES, load_parameters
from ..core.posterior import with_ensemble

#: Bloc metrics summarised at the horizon.
BLOC_METRICS = ("integrity", "cohesion", "credibility", "capacity")
#: Quantiles reported for each bloc metric (besides the mean).
QUANTILES = (0.05, 0.5, 0.95)
#: Per-member outcomes at a chosen month: each posture, and having frozen or left by then.
MEMBER_MONTH_OUTCOMES = (*ENGAGEMENT_STATES, "frozen_or_exited")
#: Bloc outcomes at a chosen month (metric means and the any-member probabilities).
BLOC_MONTH_OUTCOMES = (
    *(f"{m}_mean" for m in BLOC_METRICS),
    "p_any_exit",
    "p_any_frozen_or_exited",
)
_FROZEN, _EXITED = ENGAGEMENT_STATES.index("frozen"), ENGAGEMENT_STATES.index("exited")


def chunk_seed(seed: int, index: int) -> list[int]:
    """Entropy for chunk ``index`` of an experiment seeded with ``seed``.

    The chunk's ``SeedSequence`` is the ``index``-th child of ``SeedSequence(seed)`` (what
    ``spawn`` would give), so chunks draw independent streams and none depends on the executor.
    """
    child = np.random.SeedSequence(int(seed), spawn_key=(int(index),))
    return [int(v) for v in child.generate_state(4)]


def member_month_column(outcome: str, member: str, month: int) -> str:
    """Column of a member outcome at a month, e.g. ``p_frozen_or_exited_armenia_m24``."""
    return f"p_{outcome}_{member}_m{int(month)}"


def bloc_month_column(outcome: str, month: int) -> str:
    """Column of a bloc outcome at a month, e.g. ``integrity_mean_m24``, ``p_any_exit_m24``."""
    return f"{outcome}_m{int(month)}"


def outcome_columns(member_names: list[str] | None = None, at: Sequence[int] = ()) -> list[str]:
    """Names of the outcome columns of a sweep's results, in order.

    Args:
        member_names: The model's members (default: the packaged parameter set's).
        at: Months after the start at which postures and bloc metrics are also reported
            (the sweep always reports the horizon).
    """
    names = member_names or load_parameters().member_names
    cols = []
    for metric in BLOC_METRICS:
        cols.append(f"{metric}_mean")
        cols += [f"{metric}_q{int(round(q * 100)):02d}" for q in QUANTILES]
    cols += ["p_any_exit", "p_any_freeze", "exits_mean"]
    cols += [f"p_exit_{m}" for m in names]
    cols += [f"p_freeze_{m}" for m in names]
    cols += [f"p_backs_war_{m}" for m in names]
    for t in at:
        cols += [bloc_month_column(o, t) for o in BLOC_MONTH_OUTCOMES]
        cols += [member_month_column(o, m, t) for m in names for o in MEMBER_MONTH_OUTCOMES]
    return cols


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to evaluate one chunk (picklable, no model objects).

    Attributes:
        index: Chunk number (fixes the chunk's seed).
        first_point: Design-point number of the chunk's first row.
        design: Parameter values of the chunk's points, key -> array of shape ``(P,)``.
        model_kwargs: Keyword arguments of the scenario for :class:`AllianceModel` (without
            ``replicates`` and ``seed``; events as plain mappings).
        replicates: Replicates per design point.
        seed: Experiment seed.
        timeseries: Also return monthly means per design point.
        at: Months after the start (1 to the horizon) at which to report each member's
            posture probabilities and the bloc metrics; empty for none.
        ensemble: Where each replicate's values of the parameters the design does not set
            come from (see :func:`~alliance_sim.core.posterior.ensemble_overrides`): the
            calibrated ``posterior`` (a set of its own for every replicate), ``prior``,
            ``fixed`` or ``independent``.
    """

    index: int
    first_point: int
    design: dict[str, np.ndarray]
    model_kwargs: dict[str, Any]
    replicates: int
    seed: int
    timeseries: bool = False
    at: tuple[int, ...] = ()
    ensemble: str = "posterior"

    @property
    def points(self) -> int:
        """Number of design points in the chunk."""
        return len(next(iter(self.design.values()))) if self.design else 0


@dataclass(frozen=True)
class ChunkResult:
    """What a worker sends back: per-point outcomes and optional monthly means."""

    index: int
    results: pd.DataFrame
    timeseries: pd.DataFrame | None = None


def summarise_point_block(
    final: dict[str, np.ndarray],
    exit_month: np.ndarray,
    freeze_month: np.ndarray,
    founding: np.ndarray,
    from_month: int,
) -> dict[str, np.ndarray]:
    """Per-point outcomes from arrays laid out point-major (a pure function).

    Args:
        final: Bloc metric -> end-of-horizon values, shape ``(P, n)``.
        exit_month: Clock month each member exited (or -1), shape ``(M, P, n)``.
        freeze_month: Clock month each member was first frozen from the start (or -1), shape
            ``(M, P, n)``.
        founding: Shape ``(M,)``: members of the bloc when the clock started.
        from_month: Clock month of the first simulated month; earlier exits do not count.

    Returns:
        Column -> array of shape ``(P,)``; member columns are ``p_exit`` and ``p_freeze`` of
        shape ``(M, P)``.
    """
    out: dict[str, np.ndarray] = {}
    for metric, values in final.items():
        # In float64, like the quantiles: a float32 mean would read back differently from CSV.
        out[f"{metric}_mean"] = values.mean(axis=1, dtype=np.float64)
        qs = np.quantile(values, QUANTILES, axis=1)
        for q, row in zip(QUANTILES, qs, strict=True):
            out[f"{metric}_q{int(round(q * 100)):02d}"] = row
    exited = exit_month >= from_month
    frozen = (freeze_month >= from_month) | exited
    out["p_any_exit"] = exited[founding].any(axis=0).mean(axis=1)
    out["p_any_freeze"] = frozen[founding].any(axis=0).mean(axis=1)
    out["exits_mean"] = exited[founding].sum(axis=0).mean(axis=1)
    out["p_exit"] = exited.mean(axis=2)
    out["p_freeze"] = frozen.mean(axis=2)
    return out


def summarise_months(
    states: np.ndarray,
    left: np.ndarray,
    exited: np.ndarray,
    bloc: dict[str, np.ndarray],
    founding: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per-point outcomes at chosen months from arrays laid out point-major (a pure function).

    Args:
        states: Posture code of each member at each chosen month, shape ``(A, M, P, n)``.
        left: Whether the member was frozen or out of the bloc in at least one of months
            1..t, shape ``(A, M, P, n)``.
        exited: Whether the member exited during months 1..t, shape ``(A, M, P, n)``.
        bloc: Bloc metric -> values at each chosen month, shape ``(A, P, n)``.
        founding: Shape ``(M,)``: members of the bloc when the clock started.

    Returns:
        ``posture`` of shape ``(A, K, M, P)`` (probability of each of the K postures),
        ``frozen_or_exited`` of shape ``(A, M, P)``, and ``p_any_exit``,
        ``p_any_frozen_or_exited`` and
        ``<metric>_mean`` of shape ``(A, P)``.
    """
    codes = np.arange(len(ENGAGEMENT_STATES), dtype=states.dtype)
    out = {
        "posture": (states[:, None] == codes[None, :, None, None, None]).mean(axis=-1),
        "frozen_or_exited": left.mean(axis=-1),
        "p_any_exit": exited[:, founding].any(axis=1).mean(axis=-1),
        "p_any_frozen_or_exited": left[:, founding].any(axis=1).mean(axis=-1),
    }
    for metric, values in bloc.items():
        out[f"{metric}_mean"] = values.mean(axis=-1, dtype=np.float64)
    return out


def evaluate_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk as a single vectorised model and summarise each design point.

    Returns:
        A :class:`ChunkResult` whose ``results`` has one row per design point: ``point``, the
        parameter columns, then :func:`outcome_columns`.
    """
    result = _run_chunk(task)
    # A Mesa model is a reference cycle (it stores its own wrapped step); collect the young
    # generations now so that memory stays flat over thousands of chunks (about 2 ms).
    gc.collect(1)
    return result


def _run_tracking(
    model: AllianceModel, at: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the model to its horizon, keeping member postures only at the months in ``at``.

    Returns:
        Arrays of shape ``(A, M, R)``: the posture code at each chosen month, whether the
        member was frozen or out of the bloc in at least one of months 1..t, and whether it
        exited (moved from a posture in the bloc to ``exited``) during months 1..t.
        Memory stays at a few ``(M, R)`` arrays whatever the horizon.
    """
    row = {int(t): i for i, t in enumerate(at)}
    previous = np.stack([m.state for m in model.members])
    shape = (len(row), *previous.shape)
    states = np.empty(shape, np.int8)
    out_by, exited_by = np.empty(shape, bool), np.empty(shape, bool)
    out = np.zeros(previous.shape, bool)
    moved_out = np.zeros(previous.shape, bool)
    month = 0
    while model.running:
        model.step()
        month += 1
        now = np.stack([m.state for m in model.members])
        out |= now >= _FROZEN
        # Exits are events since the start, as for p_exit and p_any_exit.
        moved_out |= (now == _EXITED) & (previous != _EXITED)
        previous = now
        if month in row:
            states[row[month]], out_by[row[month]], exited_by[row[month]] = now, out, moved_out
    return states, out_by, exited_by


def _run_chunk(task: ChunkTask) -> ChunkResult:
    p, n = task.points, task.replicates
    seed = chunk_seed(task.seed, task.index)
    # Every replicate draws its own parameter set (per_set=1): a sweep averages over them.
    overrides = with_ensemble(
        task.model_kwargs, task.ensemble, p * n, seed, per_set=1, keep=list(task.design)
    )
    for key, values in task.design.items():
        overrides[key] = np.repeat(np.asarray(values, dtype=float), n)
    kwargs = {k: v for k, v in task.model_kwargs.items() if k != "overrides"}
    model = AllianceModel(
        **kwargs,
        replicates=p * n,
        seed=seed,
        overrides=overrides,
        record_members=False,
    )
    at_months = _run_tracking(model, task.at)
    names = [m.name for m in model.members]
    final_frame = model.final()
    final = {k: final_frame[k].to_numpy().reshape(p, n) for k in BLOC_METRICS}
    exits = np.stack([m.exit_month for m in model.members]).reshape(len(names), p, n)
    freezes = np.stack([m.freeze_month for m in model.members]).reshape(len(names), p, n)
    from_month = model.start_index
    summary = summarise_point_block(final, exits, freezes, model.founding, from_month)
    stances = np.stack([m.stance for m in model.members]).reshape(len(names), p, n)
    summary["p_backs_war"] = (stances == mech.SUPPORT).mean(axis=2)
    # The per-member outcomes, shape (M, P), under their columns' names (p_exit_armenia, ...).
    by_member = {
        f"{outcome}_{member}": summary[outcome][j]
        for outcome in ("p_exit", "p_freeze", "p_backs_war")
        for j, member in enumerate(names)
    }

    results = pd.DataFrame({"point": np.arange(task.first_point, task.first_point + p)})
    for key, values in task.design.items():
        results[key] = np.asarray(values, dtype=float)
    results["replicates"] = n
    columns = {c: by_member[c] if c in by_member else summary[c] for c in outcome_columns(names)}
    if task.at:
        states, left, exited = (a.reshape(len(task.at), len(names), p, n) for a in at_months)
        rows = model.recorder.bloc
        bloc = {k: rows[k][list(task.at)].reshape(len(task.at), p, n) for k in BLOC_METRICS}
        monthly = summarise_months(states, left, exited, bloc, model.founding)
        for a, t in enumerate(task.at):
            for o in BLOC_MONTH_OUTCOMES:
                columns[bloc_month_column(o, t)] = monthly[o][a]
            for j, member in enumerate(names):
                for k, posture in enumerate(ENGAGEMENT_STATES):
                    columns[member_month_column(posture, member, t)] = monthly["posture"][a, k, j]
                columns[member_month_column("frozen_or_exited", member, t)] = monthly[
                    "frozen_or_exited"
                ][a, j]
    results = pd.concat([results, pd.DataFrame(columns)], axis=1)

    timeseries = None
    if task.timeseries:
        bloc = model.to_frame()
        t = len(bloc) // (p * n)
        frame = {
            "point": np.tile(np.arange(task.first_point, task.first_point + p), t),
            "date": bloc["date"].to_numpy()[:: p * n].repeat(p),
        }
        for metric in BLOC_METRICS:
            frame[f"{metric}_mean"] = bloc[metric].to_numpy().reshape(t, p, n).mean(axis=2).ravel()
        timeseries = pd.DataFrame(frame)
        timeseries["date"] = timeseries["date"].astype(str)
    return ChunkResult(task.index, results, timeseries)
