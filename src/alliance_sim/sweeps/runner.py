"""Running a design: split it into chunks, evaluate them on an executor, collect the outcomes.

The chunk size is part of the experiment (it fixes which replicates share a random stream), not
of the executor: the same design, scenario, replicates, seed and chunk size give identical
numbers in-process, on local processes and on a Dask cluster.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..core.checks import MAX_MONTHS, check_count, check_seed, check_window
from ..core.parameters import load_parameters
from ..core.posterior import check_ensemble_mode
from ..scenarios import Scenario, load_scenario, revise_scenario
from .chunk import ChunkResult, ChunkTask, evaluate_chunk, outcome_columns
from .designs import check_key, check_points, grid
from .executors import Executor, InProcessExecutor
from .store import ChunkStore

#: Replicates per model instance that the default chunk size aims at.
TARGET_REPLICATES_PER_CHUNK = 16_384


def default_chunk_size(replicates: int) -> int:
    """Design points per chunk, so that one chunk carries about the target number of replicates.

    The target is ``TARGET_REPLICATES_PER_CHUNK`` (16,384) replicates. Larger chunks run
    faster per replicate (fewer models to build); this size keeps a chunk's model near 80 MB
    and gives resume and progress a fine enough grain for big sweeps.
    """
    return max(1, TARGET_REPLICATES_PER_CHUNK // max(1, int(replicates)))


def resolve_scenario(scenario: Scenario | str | Path, months: int | None = None) -> Scenario:
    """A scenario object from an object, a name or a path (optionally with another horizon).

    Another horizon is validated like a scenario file's: its events must lie within the
    shortened run, and the error names the run's own window (start to last month).

    Raises:
        TypeError: For ``months`` that is not a whole number.
        ValueError: For ``months`` out of range.
        ScenarioError: When the scenario, or the scenario with this horizon, is invalid.
    """
    if months is not None:
        months = check_count("months", months, 1, MAX_MONTHS)
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, months=months)
    if months is not None:
        check_window(np.datetime64(scenario.start, "M"), months)
        scenario = revise_scenario(scenario, months=months)
    return scenario


def no_effect(scenario: Scenario, key: str) -> str | None:
    """Why sweeping ``key`` in this scenario would change nothing, or None if it takes effect.

    The rule of :mod:`alliance_sim.core.overrides`, the same for ``run``, ``compare``, the API
    and the app: e.g. a key that a ``set_parameter`` event inside the run overwrites is refused,
    while a key the 2022 history replay sets applies from the start month.
    """
    from ..core import overrides as override_rules
    from ..core.parameters import load_parameters

    params = load_parameters().with_overrides(scenario.overrides())
    return override_rules.refusal(
        params,
        key,
        start=scenario.start,
        end=scenario.end,
        history=scenario.history,
        events=scenario.events,
    )


def resolve_months(at: Sequence[int] | None, horizon: int) -> tuple[int, ...]:
    """The months (after the start) at which a sweep reports postures: sorted, unique.

    The horizon is always among them, so that an outcome without a month means the horizon.

    Args:
        at: Chosen months, or ``None`` for the horizon only.
        horizon: The scenario's number of simulated months.

    Raises:
        ValueError: For a month outside 1..horizon.
    """
    months = {int(t) for t in at or ()}
    for t in sorted(months):
        if not 1 <= t <= horizon:
            raise ValueError(f"month {t} is outside the run's 1..{horizon} months")
    return tuple(sorted(months | {int(horizon)}))


def check_design(design: pd.DataFrame, scenario: Scenario) -> None:
    """Check the design's columns are sweepable parameters of this scenario.

    Raises:
        KeyError: For an unknown parameter.
        ValueError: For a parameter whose values would change nothing (:func:`no_effect`),
            or an empty design.
    """
    if design.empty or not len(design.columns):
        raise ValueError("the design has no points")
    for key in design.columns:
        check_key(key)
        reason = no_effect(scenario, key)
        if reason:
            raise ValueError(reason)


def _model_kwargs(scenario: Scenario) -> dict[str, Any]:
    kwargs = scenario.model_kwargs()
    kwargs.pop("replicates")
    kwargs.pop("seed")
    kwargs["events"] = [e.model_dump(mode="json", exclude_none=True) for e in scenario.events]
    return kwargs


def fingerprint(
    design: pd.DataFrame,
    scenario: Scenario,
    replicates: int,
    seed: int,
    chunk_size: int,
    timeseries: bool,
    at: Sequence[int] = (),
    ensemble: str = "posterior",
) -> str:
    """A hash of everything that determines a sweep's numbers (and its columns)."""
    h = hashlib.sha256()
    h.update(json.dumps(list(design.columns)).encode())
    h.update(np.ascontiguousarray(design.to_numpy(dtype=float)).tobytes())
    h.update(scenario.to_yaml().encode())
    h.update(json.dumps([replicates, seed, chunk_size, timeseries]).encode())
    h.update(json.dumps([int(t) for t in at]).encode())
    # The outcome columns themselves: chunks written by a version with other columns must not
    # be assembled with new ones.
    h.update(json.dumps(outcome_columns(at=[int(t) for t in at])).encode())
    h.update(ensemble.encode())
    h.update(package_fingerprint().encode())
    return h.hexdigest()


def package_fingerprint(data: Any = None) -> str:
    """A hash of what the package itself contributes: its version and its data files.

    The data files are the packaged parameters (and the posterior, when there is one): a
    changed ``parameters.yaml`` changes every result, so a sweep cannot resume across it.

    Args:
        data: The data folder (default: the package's ``core/data``).
    """
    from importlib import metadata, resources

    h = hashlib.sha256()
    try:
        h.update(metadata.version("alliance-sim").encode())
    except metadata.PackageNotFoundError:
        h.update(b"unknown")
    data = data if data is not None else resources.files("alliance_sim").joinpath("core/data")
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()


def check_chunk_memory(points: int, replicates: int, months: int, executor: Executor) -> None:
    """Refuse chunks that cannot fit in memory, before anything is written.

    Every chunk is one model of ``points × replicates`` replicates (bloc metrics only); the
    local executors hold one chunk per worker at a time. Dask workers are remote: not checked.

    Raises:
        NotEnoughMemory: With the estimate and a chunk size that fits.
    """
    from ..resources import USABLE_SHARE, available_memory, check_memory, estimate_run_bytes
    from .executors import DaskExecutor

    if isinstance(executor, DaskExecutor):
        return
    available = available_memory()
    if available is None:
        return
    members = len(load_parameters().member_names)
    per_point = estimate_run_bytes(replicates, months, members, record_members=False)
    workers = max(1, int(executor.workers))
    fits = max(0, int(USABLE_SHARE * available // (per_point * workers)))
    way_out = f"use chunk_size: {fits} or less" if fits else "use fewer replicates per design point"
    check_memory(
        per_point * points * workers,
        f"{workers} chunk(s) of {points:,} design points × {replicates:,} replicates",
        way_out,
        available,
    )


def make_tasks(
    design: pd.DataFrame,
    scenario: Scenario,
    replicates: int,
    seed: int,
    chunk_size: int,
    timeseries: bool = False,
    skip: set[int] | frozenset[int] = frozenset(),
    at: Sequence[int] = (),
    ensemble: str = "posterior",
) -> Iterator[ChunkTask]:
    """The chunk tasks of a design, lazily, leaving out the chunk indices in ``skip``."""
    kwargs = _model_kwargs(scenario)
    values = design.to_numpy(dtype=float)
    for index, first in enumerate(range(0, len(design), chunk_size)):
        if index in skip:
            continue
        block = values[first : first + chunk_size]
        yield ChunkTask(
            index=index,
            first_point=first,
            design={k: block[:, j].copy() for j, k in enumerate(design.columns)},
            model_kwargs=kwargs,
            replicates=replicates,
            seed=seed,
            timeseries=timeseries,
            at=tuple(int(t) for t in at),
            ensemble=ensemble,
        )


def evaluate(
    design: pd.DataFrame,
    scenario: Scenario | str | Path = "baseline",
    *,
    replicates: int = 100,
    seed: int | None = None,
    chunk_size: int | None = None,
    months: int | None = None,
    executor: Executor | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    timeseries: bool = False,
    at: Sequence[int] | None = None,
    progress: bool = False,
    collect: bool = True,
    name: str = "sweep",
    evaluate_fn: Callable[[ChunkTask], ChunkResult] = evaluate_chunk,
    ensemble: str = "posterior",
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame] | None:
    """Run every design point of ``design`` on a scenario and return per-point outcomes.

    Args:
        design: Design points (from :func:`grid` or :func:`sample`), one column per dotted
            parameter key. Values apply from the clock start, like scenario overrides.
        scenario: Scenario object, name or path.
        replicates: Replicates per design point.
        seed: Experiment seed; ``None`` uses the scenario's seed.
        chunk_size: Design points per chunk (one model instance each); part of the
            experiment: changing it changes the random streams. Default:
            :func:`default_chunk_size`, about ``TARGET_REPLICATES_PER_CHUNK`` (16,384)
            replicates per chunk.
        months: Horizon, if not the scenario's.
        executor: Where chunks run; default in-process. Not closed here.
        out: Folder to stream chunks to (Parquet, atomically, with a manifest). Without it,
            results stay in memory.
        resume: Skip the chunks already finished in ``out``.
        timeseries: Also record monthly means of the bloc metrics per design point.
        at: Months after the start (1 to the horizon) at which to report each member's
            posture probabilities and the bloc metrics (columns ending ``_m<month>``);
            default: the horizon.
        progress: Show a tqdm progress bar.
        collect: Return the assembled table(s); ``False`` only writes them to ``out``.
        name: Name recorded in the manifest.
        evaluate_fn: The chunk evaluator (importable, picklable); the default runs the model.
        ensemble: Where each replicate's values of the uncertain parameters the design does
            not set come from: the calibrated ``posterior`` (default; every replicate its own
            posterior set), ``prior``, ``fixed`` (the table's values) or ``independent`` (the
            model's own draw from the table's ranges).

    Returns:
        The results frame (``point``, parameter columns, ``replicates``, outcome columns), in
        design order, with ``attrs["design"]`` copied from the design; with ``timeseries``, the
        pair ``(results, timeseries)``; ``None`` when ``collect`` is false.

    Raises:
        KeyError: For an unknown parameter key.
        ValueError: For a design that cannot be run (among them one of more than
            ``MAX_POINTS`` points, 1,000,000).
        SweepFolderError: When ``out`` holds another sweep.
    """
    if resume and out is None:
        raise ValueError("resume needs the output folder (out=...) of the sweep to continue")
    if not isinstance(design, pd.DataFrame):
        raise TypeError(f"design must be a DataFrame of design points, got {type(design).__name__}")
    if not isinstance(executor, Executor | None):
        raise TypeError(f"executor must be an Executor, got {executor!r}")
    check_points(len(design))
    scenario = resolve_scenario(scenario, months)
    check_design(design, scenario)
    check_ensemble_mode(ensemble)
    at = resolve_months(at, scenario.months)
    replicates = check_count("replicates", replicates, 1, 1_000_000)
    check_seed(seed)
    seed = int(scenario.seed if seed is None else seed)
    if chunk_size is not None:
        check_count("chunk_size", chunk_size, 1)
    chunk_size = int(chunk_size or default_chunk_size(replicates))
    n_chunks = -(-len(design) // chunk_size)
    ranges = [(i, min(i + chunk_size, len(design))) for i in range(0, len(design), chunk_size)]
    executor = executor or InProcessExecutor()
    check_chunk_memory(min(chunk_size, len(design)), replicates, scenario.months, executor)

    store = None
    done: set[int] = set()
    try:
        if out is not None:
            manifest = {
                "name": name,
                "fingerprint": fingerprint(
                    design, scenario, replicates, seed, chunk_size, timeseries, at, ensemble
                ),
                "points": len(design),
                "chunks": n_chunks,
                "chunk_size": chunk_size,
                "replicates": replicates,
                "seed": seed,
                "scenario": scenario.name,
                "parameters": list(design.columns),
                "timeseries": timeseries,
                "at": list(at),
                "ensemble": ensemble,
                "design": design.attrs.get("design"),
            }
            store = ChunkStore(out, manifest, resume=resume)
            if not (store.folder / "design.parquet").exists():
                from .store import atomic_write_parquet

                atomic_write_parquet(store.folder / "design.parquet", design.reset_index(drop=True))
            done = store.finished(ranges)

        tasks = make_tasks(
            design,
            scenario,
            replicates,
            seed,
            chunk_size,
            timeseries,
            skip=done,
            at=at,
            ensemble=ensemble,
        )
        kept: dict[int, ChunkResult] = {}
        bar = tqdm(
            total=len(design),
            initial=sum(min(chunk_size, len(design) - i * chunk_size) for i in done),
            unit="pt",
            desc=name,
            disable=not progress,
            dynamic_ncols=True,
        )
        with bar:
            for result in executor.map_unordered(evaluate_fn, tasks):
                if store is not None:
                    store.write_chunk(
                        result.index, result.results, result.timeseries, ranges[result.index]
                    )
                else:
                    kept[result.index] = result
                bar.update(len(result.results))

        if store is not None:
            store.assemble("results", n_chunks)
            if timeseries:
                store.assemble("timeseries", n_chunks)
            if not collect:
                return None
            results = pd.read_parquet(store.folder / "results.parquet")
            series = pd.read_parquet(store.folder / "timeseries.parquet") if timeseries else None
        else:
            ordered = [kept[i] for i in sorted(kept)]
            results = pd.concat([r.results for r in ordered], ignore_index=True)
            series = (
                pd.concat([r.timeseries for r in ordered], ignore_index=True)
                if timeseries
                else None
            )
        results.attrs["design"] = design.attrs.get("design")
        return (results, series) if timeseries else results
    finally:
        if store is not None:
            store.close()  # releases the folder's lock, after an error or interrupt too


def sweep(
    scenario: Scenario | str | Path = "baseline",
    grid: Mapping[str, Any] | None = None,
    *,
    replicates: int = 100,
    seed: int | None = None,
    **options: Any,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame] | None:
    """Full-factorial sweep of a scenario: list-valued keys are crossed, scalars stay fixed.

    Example:
        >>> sweep("baseline", grid={"russia.capacity": [0.6, 0.8, 1.0],
        ...                         "china.pull": [0.2, 0.5], "global.contagion": 0.3},
        ...       replicates=50, seed=1)  # doctest: +SKIP

    Args:
        scenario: Scenario object, name or path.
        grid: Dotted parameter keys mapped to a list of values or a fixed value.
        replicates: Replicates per grid point.
        seed: Experiment seed (default: the scenario's).
        **options: Passed to :func:`evaluate` (executor, out, resume, chunk_size, …).

    Returns:
        See :func:`evaluate`.
    """
    if not grid:
        raise ValueError("sweep needs a grid, e.g. grid={'china.pull': [0.2, 0.5, 0.8]}")
    return evaluate(_grid(grid), scenario, replicates=replicates, seed=seed, **options)


_grid = grid


def random_seed() -> int:
    """A fresh 32-bit experiment seed (recorded with the results)."""
    return secrets.randbits(32)
