"""Rejection ABC on the documents' patterns, chunked, resumable, on any executor.

``calibrate`` draws ``draws`` parameter sets from the prior (the parameter table), replays 2022
for each in vectorised chunks (:mod:`.simulate`), and keeps a draw with probability equal to the
product of its pattern weights: for the yes/no patterns this is exact matching (no tolerance);
for the departure base rate it is a Poisson likelihood ratio. The accepted draws are a sample of
the ABC posterior. Chunks stream to a folder through the sweeps' :class:`ChunkStore` and run on
the sweeps' executors (in-process, local processes, Dask), so a killed calibration resumes and
the same seed gives the same posterior wherever it runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..core.patterns import Pattern, load_patterns, patterns_hash
from ..core.posterior import Prior
from ..sweeps.executors import Executor, InProcessExecutor
from ..sweeps.store import ChunkStore
from .defaults import DEFAULT_CHUNK, DEFAULT_SAMPLE, DEFAULT_SEED
from .simulate import CalibrationChunk, CalibrationTask, months_needed, run_chunk


def model_version() -> str:
    """A hash of the code and data a posterior depends on.

    The simulation core (its modules and ``parameters.yaml``) and the calibration chunk that
    draws, simulates and accepts. Files are hashed byte for byte (a syntax-tree hash would
    ignore comments, but Python versions dump their trees differently, and the hash must be
    the same on every supported Python).
    """
    h = hashlib.sha256()
    package = resources.files("alliance_sim")
    core = package.joinpath("core")
    files = sorted((p for p in core.iterdir() if p.name.endswith(".py")), key=lambda p: p.name)
    files += [core.joinpath("data/parameters.yaml"), package.joinpath("calibration/simulate.py")]
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def recipe(
    prior: Prior,
    patterns: Sequence[Pattern],
    use: Sequence[bool],
    draws: int,
    seed: int,
    chunk: int,
    sample: int = DEFAULT_SAMPLE,
) -> dict[str, Any]:
    """What determines a calibration's numbers (and its fingerprint)."""
    used = [p.id for p, u in zip(patterns, use, strict=True) if u]
    return {
        "prior_hash": prior.hash(),
        "patterns_hash": patterns_hash(patterns),
        "patterns_used": used,
        "model_version": model_version(),
        "draws": int(draws),
        "seed": int(seed),
        "chunk_size": int(chunk),
        "sample": int(sample),
    }


def fingerprint(rec: dict[str, Any]) -> str:
    """A hash of a recipe."""
    return hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()


@dataclass
class Calibration:
    """The result of :func:`calibrate`.

    Attributes:
        posterior: Accepted parameter sets (``draw`` plus one column per dotted key).
        stats: Per-pattern additive sums (see :mod:`.simulate`), summed over chunks.
        prior: The prior.
        patterns: All evaluated patterns.
        use: Which patterns counted towards acceptance.
        recipe: What determined the numbers (hashes, seed, draws, chunk size).
        seconds: Wall time of the simulations (0 when everything was resumed).
        executor: Where the chunks ran.
    """

    posterior: pd.DataFrame
    stats: pd.DataFrame
    prior: Prior
    patterns: list[Pattern]
    use: list[bool]
    recipe: dict[str, Any]
    seconds: float = 0.0
    executor: str = "in-process"

    @property
    def draws(self) -> int:
        """Parameter sets simulated."""
        return int(self.recipe["draws"])

    @property
    def accepted(self) -> int:
        """Draws accepted (the stored ``posterior`` holds at most ``recipe["sample"]``)."""
        return int(self.stats.set_index("pattern").loc["__joint__", "accepted"])

    @property
    def acceptance_rate(self) -> float:
        """Share of draws accepted."""
        return self.accepted / self.draws

    def acceptance(self) -> pd.DataFrame:
        """Per pattern: the share of prior draws it accepts on its own (mean weight).

        Also a ``joint`` row for all used patterns together (the posterior's acceptance rate).
        """
        s = self.stats.set_index("pattern")
        rows = [
            {
                "pattern": p.id,
                "used": u,
                "kind": p.kind,
                "acceptance": s.loc[p.id, "weight"] / s.loc[p.id, "draws"],
            }
            for p, u in zip(self.patterns, self.use, strict=True)
        ]
        rows.append(
            {
                "pattern": "joint (all used)",
                "used": True,
                "kind": "",
                "acceptance": s.loc["__joint__", "weight"] / s.loc["__joint__", "draws"],
            }
        )
        return pd.DataFrame(rows)

    def departure_rate(self) -> dict[str, float]:
        """Departures per member-year in the hazard pattern's window, prior and posterior.

        The bloc's record: 2.4% a year, exact 90% Poisson interval 0.8-5.6%.
        """
        s = self.stats.set_index("pattern")
        if "exits" not in s.columns:
            return {}
        out = {}
        for label, name in (("__prior__", "prior"), ("__joint__", "posterior")):
            years = s.loc[label, "member_years"]
            out[name] = s.loc[label, "exits"] / years if years > 0 else float("nan")
        return out

    def _moments(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        row = self.stats.set_index("pattern").loc[label]
        w = row["weight"]
        m1 = np.array([row[f"m1:{k}"] for k in self.prior.keys]) / w
        m2 = np.array([row[f"m2:{k}"] for k in self.prior.keys]) / w
        return m1, np.sqrt(np.maximum(m2 - m1**2, 0.0))

    def shrinkage(self) -> pd.DataFrame:
        """Prior vs posterior per parameter.

        Columns: key, prior_mean, prior_sd, post_mean, post_sd, post_q05, post_q50, post_q95,
        sd_ratio (posterior/prior sd), shrinkage (1 − variance ratio), shift (posterior minus
        prior mean, in prior sds). Prior moments are those of all draws (empirical).
        """
        pm, ps = self._moments("__prior__")
        post = self.posterior[list(self.prior.keys)]
        qs = post.quantile([0.05, 0.5, 0.95])
        mean, sd = post.mean().to_numpy(), post.std(ddof=0).to_numpy()
        ratio = np.where(ps > 0, sd / np.where(ps > 0, ps, 1.0), np.nan)
        return pd.DataFrame(
            {
                "key": list(self.prior.keys),
                "prior_mean": pm,
                "prior_sd": ps,
                "post_mean": mean,
                "post_sd": sd,
                "post_q05": qs.loc[0.05].to_numpy(),
                "post_q50": qs.loc[0.5].to_numpy(),
                "post_q95": qs.loc[0.95].to_numpy(),
                "sd_ratio": ratio,
                "shrinkage": 1.0 - ratio**2,
                "shift": (mean - pm) / np.where(ps > 0, ps, np.nan),
            }
        )

    def informs(self) -> pd.DataFrame:
        """Which patterns inform which parameters.

        Each pattern's own (single-pattern) posterior against the prior, per parameter.

        Columns: pattern, key, shift (mean shift in prior sds), shrinkage (1 − variance ratio).
        """
        pm, ps = self._moments("__prior__")
        rows = []
        for p in self.patterns:
            m, s = self._moments(p.id)
            for j, key in enumerate(self.prior.keys):
                rows.append(
                    {
                        "pattern": p.id,
                        "key": key,
                        "shift": (m[j] - pm[j]) / ps[j] if ps[j] > 0 else np.nan,
                        "shrinkage": 1.0 - (s[j] / ps[j]) ** 2 if ps[j] > 0 else np.nan,
                    }
                )
        return pd.DataFrame(rows)

    def leave_one_out(self) -> pd.DataFrame:
        """Leave each pattern out, calibrate on the others, predict it, score it.

        See :func:`alliance_sim.calibration.scoring.loo_table`.
        """
        from .scoring import loo_table

        return loo_table(self.stats, self.patterns)

    def save(self, out: str | Path, command: list[str] | None = None) -> Path:
        """Write the tables, the pair plot, the summary and the metadata into ``out``."""
        from .report import write_report

        return write_report(self, Path(out), command)


def _tasks(
    n_chunks: int,
    chunk: int,
    draws: int,
    seed: int,
    prior: Prior,
    ids: tuple[str, ...],
    use: tuple[bool, ...],
    months: int,
    skip: set[int],
    keep: int,
) -> Iterator[CalibrationTask]:
    for index in range(n_chunks):
        if index in skip:
            continue
        size = min(chunk, draws - index * chunk)
        yield CalibrationTask(index, seed, size, prior, ids, use, months, keep)


def calibrate(
    draws: int = 1_000_000,
    *,
    seed: int = DEFAULT_SEED,
    patterns: Sequence[str] | None = None,
    leave_out: Sequence[str] = (),
    include: Sequence[str] = (),
    chunk_size: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    prior: Prior | None = None,
    sample: int = DEFAULT_SAMPLE,
) -> Calibration:
    """Calibrate the uncertain parameters on the documents' patterns by rejection ABC.

    Args:
        draws: Parameter sets to draw from the prior and simulate.
        seed: Seed of the calibration (prior draws, model, acceptance).
        patterns: Pattern ids to evaluate (default all packaged patterns).
        leave_out: Pattern ids evaluated and reported but not used for acceptance (besides
            those the pattern file marks ``calibrate: false``).
        include: Pattern ids used for acceptance although the pattern file marks them
            ``calibrate: false``: a check of what they would say (with a prior that was not
            set from them), e.g. ``scripts/stance_cost_check.py``.
        chunk_size: Draws per chunk: part of the experiment (it fixes the random streams).
        executor: Where chunks run (default in-process); not closed here.
        out: Folder to stream chunks to (resumable); without it, results stay in memory.
        resume: Continue the calibration already in ``out``.
        progress: Show a progress bar.
        prior: The prior (default: read from the parameter table).
        sample: Accepted draws to store at most, the first ones of each chunk (an equal
            share per chunk); acceptance, moments and leave-one-out use every draw.

    Returns:
        The :class:`Calibration`.

    Raises:
        KeyError: For an unknown pattern id.
        ValueError: For impossible sizes, a pattern both left out and included, or ``resume``
            without ``out``.
        SweepFolderError: When ``out`` holds another calibration or sweep.
    """
    if resume and out is None:
        raise ValueError("resume needs the output folder (out=...) of the calibration")
    if int(draws) < 1 or int(chunk_size) < 1:
        raise ValueError("draws and chunk_size must both be at least 1")
    draws, chunk_size, seed = int(draws), int(chunk_size), int(seed)
    pats = load_patterns(patterns)
    for asked, verb in ((leave_out, "leave out"), (include, "include")):
        unknown = sorted(set(asked) - {p.id for p in pats})
        if unknown:
            raise KeyError(f"cannot {verb} unknown pattern(s) {', '.join(unknown)}")
    included, left_out = set(include), set(leave_out)
    if included & left_out:
        both = ", ".join(sorted(included & left_out))
        raise ValueError(f"pattern(s) {both} both left out and included")
    use = [(p.calibrate or p.id in included) and p.id not in left_out for p in pats]
    prior = prior or Prior.from_parameters()
    rec = recipe(prior, pats, use, draws, seed, chunk_size, sample)
    n_chunks = -(-draws // chunk_size)
    keep = max(1, -(-int(sample) // n_chunks))
    executor = executor or InProcessExecutor()

    store, done = None, set()
    try:
        if out is not None:
            manifest = {"name": "calibration", "fingerprint": fingerprint(rec), "chunks": n_chunks}
            store = ChunkStore(out, {**manifest, **rec}, resume=resume)
            ranges = [(i * chunk_size, min(draws, (i + 1) * chunk_size)) for i in range(n_chunks)]
            done = store.finished(ranges)
        ids = tuple(p.id for p in pats)
        tasks = _tasks(
            n_chunks,
            chunk_size,
            draws,
            seed,
            prior,
            ids,
            tuple(use),
            months_needed(pats),
            done,
            keep,
        )
        kept: dict[int, CalibrationChunk] = {}
        initial = sum(min(chunk_size, draws - i * chunk_size) for i in done)
        bar = tqdm(
            total=draws,
            initial=initial,
            unit="run",
            desc="calibrate",
            disable=not progress,
            dynamic_ncols=True,
            unit_scale=True,
        )
        started = time.perf_counter()
        accepted = 0
        with bar:
            for result in executor.map_unordered(run_chunk, tasks):
                if store is not None:
                    # The statistics travel as the chunk's second file (the store's "timeseries"
                    # slot), so both files and their checksums are recorded in one manifest update.
                    first = result.index * chunk_size
                    size = int(result.stats["draws"].iloc[0])
                    store.write_chunk(
                        result.index, result.results, result.stats, (first, first + size)
                    )
                else:
                    kept[result.index] = result
                accepted += int(result.stats.set_index("pattern").loc["__joint__", "accepted"])
                bar.update(int(result.stats["draws"].iloc[0]))
                bar.set_postfix_str(f"accepted {accepted:,} of this session")
        seconds = time.perf_counter() - started if len(done) < n_chunks else 0.0

        if store is not None:
            store.assemble("results", n_chunks)
            stats_path = store.assemble("timeseries", n_chunks).replace(
                store.folder / "stats.parquet"
            )
            posterior = pd.read_parquet(store.folder / "results.parquet")
            stats = pd.read_parquet(stats_path)
        else:
            ordered = [kept[i] for i in sorted(kept)]
            posterior = pd.concat([r.results for r in ordered], ignore_index=True)
            stats = pd.concat([r.stats for r in ordered], ignore_index=True)
    finally:
        if store is not None:
            store.close()  # releases the folder's lock, after an error or interrupt too
    # Sum in chunk order so that float sums do not depend on completion order.
    stats = stats.sort_values(["chunk"], kind="stable")
    totals = stats.drop(columns="chunk").groupby("pattern", sort=False).sum(min_count=1)
    return Calibration(
        posterior=posterior.sort_values("draw", kind="stable").reset_index(drop=True),
        stats=totals.reset_index(),
        prior=prior,
        patterns=pats,
        use=use,
        recipe=rec,
        seconds=seconds,
        executor=executor.describe(),
    )


def now() -> str:
    """UTC time stamp for metadata."""
    return datetime.now(UTC).isoformat(timespec="seconds")
