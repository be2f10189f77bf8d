"""One calibration chunk: prior draws, one vectorised replay of 2022, pattern weights.

A chunk draws parameter sets from the prior, replays 2022 for all of them in one vectorised
model, weighs every replicate against the patterns and accepts or rejects it.

A chunk of ``n`` draws is a single :class:`~alliance_sim.core.model.AllianceModel` of ``n``
replicates, each with its own parameter set passed as per-replicate override arrays. Its
randomness (prior draws, model, acceptance) comes from ``SeedSequence(seed, spawn_key=(index,))``
only, so a chunk gives the same numbers in-process, on local processes or on Dask.

Besides the accepted draws, a chunk returns sums that add up across chunks: per pattern, the
sum of its weights and the weighted first and second moments of every parameter (what that
pattern alone would accept: "which patterns inform which parameters"), and for leave-one-out
checks the weight of each pattern among the draws the other patterns accept.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.model import AllianceModel
from ..core.patterns import (
    Pattern,
    Trajectories,
    exit_counts,
    load_patterns,
    pattern_weights,
    trajectories_from_model,
)
from ..core.posterior import Prior
from ..sweeps.chunk import chunk_seed

#: The clock start of the replay (the parameter table describes January 2022).
REPLAY_START = "2022-01"


@dataclass(frozen=True)
class CalibrationTask:
    """Everything a worker needs for one chunk (picklable).

    Attributes:
        index: Chunk number (fixes its random streams).
        seed: Calibration seed.
        draws: Parameter sets drawn in this chunk.
        prior: The prior.
        pattern_ids: Patterns evaluated (all of them are reported).
        use: For each pattern, whether it counts towards acceptance.
        months: Months simulated from :data:`REPLAY_START`.
        keep: Accepted draws stored from this chunk at most (the first ones); the statistics
            use all of them.
    """

    index: int
    seed: int
    draws: int
    prior: Prior
    pattern_ids: tuple[str, ...]
    use: tuple[bool, ...]
    months: int
    keep: int | None = None


@dataclass(frozen=True)
class CalibrationChunk:
    """A chunk's output: accepted draws (one row each) and additive statistics."""

    index: int
    results: pd.DataFrame
    stats: pd.DataFrame


def months_needed(patterns: list[Pattern]) -> int:
    """Months from :data:`REPLAY_START` to the last month any pattern reads."""
    last = max(np.datetime64(m, "M") for p in patterns for m in p.months())
    return int((last - np.datetime64(REPLAY_START, "M")).astype(int)) + 1


def persistence_trajectories(
    traj: Trajectories, rate: float, rng: np.random.Generator
) -> Trajectories:
    """The naive forecasts' world: postures persist, departures at a base rate.

    Every member keeps its posture (and loyalty ranking, and war stance) of the month before the
    replay, except that members in the bloc leave at the base ``rate`` a year.

    With ``rate=0`` this is pure persistence of the last observed posture.
    """
    t, m, r = traj.state.shape
    state = np.broadcast_to(traj.state[0], (t, m, r)).copy()
    if rate > 0:
        monthly = 1.0 - (1.0 - rate) ** (1.0 / 12.0)
        exit_row = rng.geometric(monthly, size=(m, r))  # first month (1-based) of leaving
        gone = np.arange(t)[:, None, None] >= exit_row[None]
        state = np.where(gone & (state != 3), 3, state).astype(np.int8)
    variables = {k: np.broadcast_to(v[0], v.shape) for k, v in traj.variables.items()}
    stance = None if traj.stance is None else np.broadcast_to(traj.stance[0], state.shape)
    return Trajectories(traj.dates, traj.members, state, variables, stance)


def _departures(
    traj: Trajectories, patterns: list[Pattern], accepted: np.ndarray | None
) -> dict[str, float]:
    """Exits and member-years at risk in the hazard pattern's window.

    Counted over the accepted draws only, if given: the departure rate the (posterior) model
    predicts, to set against the record.
    """
    hazard = next((p for p in patterns if p.kind == "hazard"), None)
    if hazard is None:
        return {}
    c = hazard.check
    counts, at_risk = exit_counts(traj, c["members"], c["from"], c["to"])
    rows = traj.rows(c["from"], c["to"])
    keep = np.ones(len(counts), bool) if accepted is None else accepted
    years = (rows.stop - rows.start) / 12.0
    return {"exits": float(counts[keep].sum()), "member_years": float(at_risk[keep].sum() * years)}


def run_chunk(task: CalibrationTask) -> CalibrationChunk:
    """Evaluate one chunk (see the module docstring)."""
    result = _run_chunk(task)
    gc.collect(1)
    return result


def _run_chunk(task: CalibrationTask) -> CalibrationChunk:
    streams = np.random.SeedSequence(chunk_seed(task.seed, task.index)).spawn(4)
    draw_rng, accept_rng, null_rng = (np.random.default_rng(s) for s in streams[:3])
    model_seed = [int(v) for v in streams[3].generate_state(4)]
    prior = task.prior
    theta = prior.sample(draw_rng, task.draws)
    model = AllianceModel(
        replicates=task.draws,
        months=task.months,
        start=REPLAY_START,
        seed=model_seed,
        history=True,
        overrides={k: theta[:, j] for j, k in enumerate(prior.keys)},
        record_members=True,
    )
    model.run_model()
    patterns = load_patterns(task.pattern_ids)
    traj = trajectories_from_model(model)
    weights = pattern_weights(traj, patterns)  # (P, n)
    use = np.array(task.use, dtype=bool)
    joint = weights[use].prod(axis=0)
    accepted = accept_rng.random(task.draws) < joint

    first = task.index * task.draws
    stored = np.flatnonzero(accepted)[: task.keep]
    kept = theta[stored]
    results = pd.DataFrame(
        {
            "draw": first + stored,
            **{key: kept[:, j] for j, key in enumerate(prior.keys)},
        }
    )

    # Leave-one-out: the weight of pattern p among draws the other used patterns accept.
    rows = []
    base_rate = next((float(p.check["rate"]) for p in patterns if p.kind == "hazard"), 0.0)
    persist = pattern_weights(persistence_trajectories(traj, 0.0, null_rng), patterns)
    base = pattern_weights(persistence_trajectories(traj, base_rate, null_rng), patterns)
    labels = [*task.pattern_ids, "__prior__", "__joint__"]
    all_weights = np.vstack([weights, np.ones(task.draws), joint])  # (L, n)
    # Weighted sums of each parameter, (L, K). einsum, not BLAS: BLAS threads on a busy
    # machine made this product 10 times slower than the plain loop.
    m1 = np.einsum("ln,nk->lk", all_weights, theta)
    m2 = np.einsum("ln,nk->lk", all_weights, theta**2)
    for i, label in enumerate(labels):
        w = all_weights[i]
        row = {"chunk": task.index, "pattern": label, "draws": task.draws, "weight": w.sum()}
        if i < len(patterns):
            others = np.delete(weights, i, axis=0)[np.delete(use, i)].prod(axis=0)
            row["others"] = others.sum()
            row["others_and_this"] = (others * weights[i]).sum()
            row["persistence"] = persist[i].sum()
            row["base_rate"] = base[i].sum()
        else:
            row["accepted"] = int(accepted.sum()) if label == "__joint__" else task.draws
            row.update(_departures(traj, patterns, accepted if label == "__joint__" else None))
        row.update({f"m1:{k}": float(m1[i, j]) for j, k in enumerate(prior.keys)})
        row.update({f"m2:{k}": float(m2[i, j]) for j, k in enumerate(prior.keys)})
        rows.append(row)
    return CalibrationChunk(task.index, results, pd.DataFrame(rows))
