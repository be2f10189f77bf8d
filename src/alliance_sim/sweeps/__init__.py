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

from .designs import grid, linspace, problem, sample
from .evaluate import ChunkResult, ChunkTask, evaluate_chunk, outcome_columns
from .executors import DaskExecutor, Executor, InProcessExecutor, ProcessExecutor, make_executor
from .experiment import Experiment, load_experiment
from .plots import plot_heatmap, plot_response, plot_scatter
from .runner import evaluate, sweep
from .sensitivity import analyze, morris_indices, plot_indices, sobol_indices
from .store import ChunkStore, SweepFolderError
from .study import run_experiment

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
