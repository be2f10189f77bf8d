"""Evaluation of one chunk of design points: one vectorised model run, summarised per point.

A chunk of P design points with ``replicates`` replicates each runs as a single
:class:`~alliance_sim.AllianceModel` of ``R = P × replicates`` replicates: every swept
parameter is passed as a per-replicate override array. Replicates are laid out point-major
(point 0's replicates first). The chunk's randomness comes from a ``SeedSequence`` derived from
the experiment seed and the chunk index only, so a chunk gives the same numbers wherever it runs.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.model import AllianceModel
from ..core.parameters import load_parameters

#: Bloc metrics summarised at the horizon.
BLOC_METRICS = ("integrity", "cohesion", "credibility", "capacity")
#: Quantiles reported for each bloc metric (besides the mean).
QUANTILES = (0.05, 0.5, 0.95)


def chunk_seed(seed: int, index: int) -> list[int]:
    """Entropy for chunk ``index`` of an experiment seeded with ``seed``.

    The chunk's ``SeedSequence`` is the ``index``-th child of ``SeedSequence(seed)`` (what
    ``spawn`` would give), so chunks draw independent streams and none depends on the executor.
    """
    child = np.random.SeedSequence(int(seed), spawn_key=(int(index),))
    return [int(v) for v in child.generate_state(4)]


def outcome_columns(member_names: list[str] | None = None) -> list[str]:
    """Names of the outcome columns of a sweep's results, in order."""
    names = member_names or load_parameters().member_names
    cols = []
    for metric in BLOC_METRICS:
        cols.append(f"{metric}_mean")
        cols += [f"{metric}_q{int(round(q * 100)):02d}" for q in QUANTILES]
    cols += ["p_any_exit", "p_any_freeze", "exits_mean"]
    cols += [f"p_exit_{m}" for m in names]
    cols += [f"p_freeze_{m}" for m in names]
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
    """

    index: int
    first_point: int
    design: dict[str, np.ndarray]
    model_kwargs: dict[str, Any]
    replicates: int
    seed: int
    timeseries: bool = False

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
        freeze_month: Clock month each member first froze (or -1), shape ``(M, P, n)``.
        founding: Shape ``(M,)``: members of the bloc when the clock started.
        from_month: Clock month of the first simulated month; earlier exits do not count.

    Returns:
        Column -> array of shape ``(P,)``; member columns are ``p_exit`` and ``p_freeze`` of
        shape ``(M, P)``.
    """
    out: dict[str, np.ndarray] = {}
    for metric, values in final.items():
        out[f"{metric}_mean"] = values.mean(axis=1)
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


def _run_chunk(task: ChunkTask) -> ChunkResult:
    p, n = task.points, task.replicates
    overrides = dict(task.model_kwargs.get("overrides") or {})
    for key, values in task.design.items():
        overrides[key] = np.repeat(np.asarray(values, dtype=float), n)
    kwargs = {k: v for k, v in task.model_kwargs.items() if k != "overrides"}
    model = AllianceModel(
        **kwargs,
        replicates=p * n,
        seed=chunk_seed(task.seed, task.index),
        overrides=overrides,
        record_members=False,
    )
    model.run_model()
    names = [m.name for m in model.members]
    final_frame = model.final()
    final = {k: final_frame[k].to_numpy().reshape(p, n) for k in BLOC_METRICS}
    exits = np.stack([m.exit_month for m in model.members]).reshape(len(names), p, n)
    freezes = np.stack([m.freeze_month for m in model.members]).reshape(len(names), p, n)
    from_month = int((model.start - model.clock_start).astype(int))
    summary = summarise_point_block(final, exits, freezes, model.founding, from_month)

    results = pd.DataFrame({"point": np.arange(task.first_point, task.first_point + p)})
    for key, values in task.design.items():
        results[key] = np.asarray(values, dtype=float)
    results["replicates"] = n
    columns = {}
    for col in outcome_columns(names):
        if col.startswith("p_exit_"):
            columns[col] = summary["p_exit"][names.index(col[7:])]
        elif col.startswith("p_freeze_"):
            columns[col] = summary["p_freeze"][names.index(col[9:])]
        else:
            columns[col] = summary[col]
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
