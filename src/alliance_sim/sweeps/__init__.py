"""Parameter sweeps and global sensitivity analysis of the alliance model.

Designs (:func:`grid`, :func:`sample`) are separate from execution (:func:`evaluate` with an
in-process, local-process or Dask executor). Large sweeps stream chunks to Parquet and resume.

Example:
    >>> from alliance_sim.sweeps import sample, evaluate, sobol_indices
    >>> design = sample({"armenia.access_west": (0, 1), "global.contagion": (0.1, 0.5)},
    ...                 n=64, method="sobol", seed=1)  # doctest: +SKIP
    >>> results = evaluate(design, "baseline", replicates=100, seed=1)  # doctest: +SKIP
    >>> sobol_indices(results, "p_exit_armenia")  # doctest: +SKIP
"""

from importlib import import_module
from typing import Any

# Submodules are imported on first use, so that workers which only evaluate chunks do not pay
# for matplotlib, SALib and pydantic schemas.
_EXPORTS = {
    "grid": "designs",
    "linspace": "designs",
    "problem": "designs",
    "sample": "designs",
    "ChunkResult": "chunk",
    "ChunkTask": "chunk",
    "evaluate_chunk": "chunk",
    "outcome_columns": "chunk",
    "DaskExecutor": "executors",
    "Executor": "executors",
    "InProcessExecutor": "executors",
    "ProcessExecutor": "executors",
    "make_executor": "executors",
    "Experiment": "experiment",
    "load_experiment": "experiment",
    "plot_heatmap": "plots",
    "plot_response": "plots",
    "plot_scatter": "plots",
    "evaluate": "runner",
    "sweep": "runner",
    "analyze": "sensitivity",
    "morris_indices": "sensitivity",
    "plot_indices": "sensitivity",
    "sobol_indices": "sensitivity",
    "ChunkStore": "store",
    "SweepFolderError": "store",
    "run_experiment": "study",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "ChunkResult",
    "ChunkStore",
    "ChunkTask",
    "DaskExecutor",
    "Executor",
    "Experiment",
    "InProcessExecutor",
    "ProcessExecutor",
    "SweepFolderError",
    "analyze",
    "evaluate",
    "evaluate_chunk",
    "grid",
    "linspace",
    "load_experiment",
    "make_executor",
    "morris_indices",
    "outcome_columns",
    "plot_heatmap",
    "plot_indices",
    "plot_response",
    "plot_scatter",
    "problem",
    "run_experiment",
    "sample",
    "sobol_indices",
    "sweep",
]
