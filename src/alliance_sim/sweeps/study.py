"""Running an experiment file into a results folder: data, sensitivity table, figure, metadata."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pyarrow.parquet as pq
import yaml

from ..report import write_report
from ..runs import package_versions
from .executors import Executor, InProcessExecutor
from .experiment import Experiment, GridDesign
from .plots import plot_heatmap, plot_response, plot_scatter
from .runner import default_chunk_size, evaluate
from .sensitivity import analyze, outcome_label, plot_indices
from .store import atomic_write_parquet, atomic_write_text

#: Results with at most this many rows are also written as CSV.
CSV_ROWS = 20_000


def _figure(exp: Experiment, folder: Path, columns: list[str]) -> tuple[Path, pd.DataFrame | None]:
    """Draw the folder's figure, reading only the columns it needs."""
    plot = exp.plot
    path = folder / "plot.png"
    if exp.design.method in ("sobol", "morris"):
        outcomes = exp.analyze or [plot.outcome]
        params = exp.parameters()
        table = pq.read_table(folder / "results.parquet", columns=["point", *params, *outcomes])
        results = table.to_pandas()
        results.attrs["design"] = exp.design_frame().attrs["design"]
        indices = analyze(results, outcomes, seed=exp.seed)
        fig = plot_indices(
            indices,
            path,
            title=f"{exp.name}: {exp.design.method.capitalize()} sensitivity "
            f"({exp.design.n} {'trajectories' if exp.design.method == 'morris' else 'base samples'}"
            f", {len(results)} design points × {exp.replicates} replicates)",
        )
        plt.close(fig)
        return path, indices
    varying = exp.varying()
    need = [
        "point",
        *exp.parameters(),
        "replicates",
        *[c for c in columns if c.startswith(plot.outcome.removesuffix("_mean"))],
    ]
    results = pq.read_table(
        folder / "results.parquet", columns=list(dict.fromkeys(need))
    ).to_pandas()
    if isinstance(exp.design, GridDesign) and len(varying) >= 2 and plot.hue is None:
        x = plot.x or varying[1]
        y = plot.y or next(v for v in varying if v != x)
        fig = plot_heatmap(
            results,
            x,
            y,
            plot.outcome,
            path,
            title=f"{exp.name}: {outcome_label(plot.outcome)}\n"
            f"({exp.replicates} replicates per cell)",
        )
    elif isinstance(exp.design, GridDesign):
        x = plot.x or (varying[0] if varying else exp.parameters()[0])
        band = (
            "band: 95% binomial CI"
            if plot.outcome.startswith("p_")
            else "band: 5–95% of replicates"
            if plot.outcome.endswith("_mean")
            else ""
        )
        fig = plot_response(
            results,
            x,
            plot.outcome,
            hue=plot.hue,
            path=path,
            title=f"{exp.name}: {outcome_label(plot.outcome)}\n"
            f"{exp.replicates} replicates per point; {band}".rstrip("; "),
        )
    else:
        fig = plot_scatter(
            results,
            varying,
            plot.outcome,
            path,
            title=f"{exp.name}: {outcome_label(plot.outcome)}\n"
            f"LHS design, {len(results)} points × {exp.replicates} replicates",
        )
    plt.close(fig)
    return path, None


def run_experiment(
    exp: Experiment,
    out: str | Path,
    *,
    executor: Executor | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str | None = None,
) -> dict[str, Any]:
    """Run an experiment into a results folder.

    The folder receives the manifest and Parquet chunks (see :mod:`.store`), ``results.parquet``
    (and ``results.csv`` when small), ``timeseries.parquet`` on request, ``sensitivity.csv`` for
    Sobol/Morris designs, ``plot.png``, the experiment and scenario as resolved YAML, and
    ``metadata.json`` (seed, versions, command, executor, timings).

    Returns:
        The metadata written to ``metadata.json``.
    """
    folder = Path(out)
    executor = executor or InProcessExecutor()
    scenario = exp.resolved_scenario or exp.scenario
    design = exp.design_frame()
    chunk_size = exp.chunk_size or default_chunk_size(exp.replicates)
    started = time.perf_counter()
    evaluate(
        design,
        scenario,
        replicates=exp.replicates,
        seed=exp.seed,
        chunk_size=chunk_size,
        months=exp.months,
        executor=executor,
        out=folder,
        resume=resume,
        timeseries=exp.timeseries,
        at=exp.months_reported(),
        progress=progress,
        ensemble=exp.ensemble,
        collect=False,
        name=exp.name,
    )
    elapsed = time.perf_counter() - started
    columns = pq.read_schema(folder / "results.parquet").names
    if len(design) <= CSV_ROWS:
        frame = pd.read_parquet(folder / "results.parquet")
        atomic_write_text(folder / "results.csv", frame.to_csv(index=False))
    plot_path, indices = _figure(exp, folder, columns)
    if indices is not None:
        atomic_write_text(folder / "sensitivity.csv", indices.to_csv(index=False))
        atomic_write_parquet(folder / "sensitivity.parquet", indices)
    atomic_write_text(
        folder / "experiment.yaml", yaml.safe_dump(exp.model_dump(mode="json"), sort_keys=False)
    )
    if exp.resolved_scenario is not None:
        atomic_write_text(folder / "scenario.yaml", exp.resolved_scenario.to_yaml())
    total = len(design) * exp.replicates
    meta = {
        "experiment": exp.name,
        "scenario": getattr(exp.resolved_scenario, "name", exp.scenario),
        "seed": exp.seed,
        "design": exp.design.method,
        "ensemble": exp.ensemble,
        "points": len(design),
        "replicates_per_point": exp.replicates,
        "chunk_size": chunk_size,
        "chunks": -(-len(design) // chunk_size),
        "executor": executor.describe(),
        "resumed": resume,
        "seconds": round(elapsed, 3),
        "replicate_runs_per_second": round(total / elapsed, 1) if elapsed > 0 else None,
        "plot": plot_path.name,
        "command": command or " ".join(sys.argv),
        "versions": package_versions(),
    }
    atomic_write_text(folder / "metadata.json", json.dumps(meta, indent=2))
    write_report(folder)
    return meta
