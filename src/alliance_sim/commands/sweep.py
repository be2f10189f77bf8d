"""The ``alliance-sim sweep EXPERIMENT.yaml`` subcommand (a thin layer over alliance_sim.sweeps)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .options import add_executor_options, executor_for


def _sweep(args: argparse.Namespace) -> int:
    from ..core.posterior import check_ensemble_mode
    from ..errors import BadInput
    from ..runs import safe_slug
    from ..sweeps import load_experiment, run_experiment
    from ..sweeps.store import SweepFolderError

    if args.workers < 1:
        raise BadInput(f"--workers must be at least 1, got {args.workers}")
    ensemble = "prior" if args.prior else args.ensemble
    exp = load_experiment(args.experiment, ensemble=ensemble)
    try:
        check_ensemble_mode(exp.ensemble)
    except ValueError as err:
        raise BadInput(str(err)) from None
    out = Path(args.out) if args.out else Path("results") / safe_slug(exp.name, "sweep")
    executor = executor_for(args.workers, args.scheduler)
    try:
        with executor:
            meta = run_experiment(
                exp,
                out,
                executor=executor,
                resume=args.resume,
                progress=True,
                command=shlex.join(["alliance-sim", *sys.argv[1:]]),
            )
    except SweepFolderError as err:
        raise BadInput(str(err)) from None
    print(
        f"{exp.name}: {meta['points']} design points × {meta['replicates_per_point']} replicates "
        f"in {meta['seconds']:.1f} s on {meta['executor']} "
        f"({meta['replicate_runs_per_second']:.0f} runs/s)"
    )
    print(f"results: {out}/results.parquet, figure: {out}/{meta['plot']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sweep subcommand."""
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep described by an experiment file",
        description="Run the sweep in EXPERIMENT.yaml (see docs/experiments.md) and write a "
        "results folder: Parquet chunks and results, a plot, metadata.",
    )
    p.add_argument("experiment", help="experiment YAML file")
    add_executor_options(p)
    p.add_argument("--out", metavar="DIR", help="results folder (default results/<name>)")
    p.add_argument("--resume", action="store_true", help="skip chunks already finished in --out")
    p.add_argument(
        "--ensemble",
        choices=("posterior", "prior", "fixed", "independent"),
        help="where each replicate's values of the parameters the design does not set come "
        "from (default: the experiment's ensemble, itself posterior by default)",
    )
    p.add_argument("--prior", action="store_true", help="same as --ensemble prior")
    p.set_defaults(func=_sweep)
