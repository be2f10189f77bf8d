"""Subcommands ``calibrate``, ``forecast`` and ``score`` (thin layers over the Python API)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _bad(message: str) -> Exception:
    from ..errors import BadInput

    return BadInput(message)


def _calibrate(args: argparse.Namespace) -> int:
    from ..calibration import calibrate
    from ..calibration.ship import SHIPPED_SETS, ship_posterior
    from ..sweeps.executors import make_executor
    from ..sweeps.store import SweepFolderError

    if args.draws < 1 or args.chunk_size < 1 or args.workers < 1:
        raise _bad("--draws, --chunk-size and --workers must be at least 1")
    out = Path(args.out) if args.out else Path("results") / "calibration"
    if out.exists() and any(out.iterdir()) and not args.resume:
        raise _bad(
            f"--out {out} is not empty; pass --resume to continue the calibration in it, or "
            "choose another folder"
        )
    try:
        executor = make_executor(args.workers, args.scheduler)
    except OSError as err:
        print(f"alliance-sim: error: cannot reach the Dask scheduler: {err}", file=sys.stderr)
        return 1
    try:
        with executor:
            cal = calibrate(
                args.draws,
                seed=args.seed,
                leave_out=args.leave_out or (),
                chunk_size=args.chunk_size,
                executor=executor,
                out=out,
                resume=args.resume,
                progress=not args.quiet,
            )
    except (KeyError, ValueError, SweepFolderError) as err:
        raise _bad(str(err.args[0] if err.args else err)) from None
    cal.save(out, command=sys.argv)
    from ..calibration.report import summary_text

    print(summary_text(cal))
    print(f"\nCalibration folder: {out}")
    if args.ship:
        recipe = ship_posterior(cal, keep=SHIPPED_SETS)
        print(
            f"Shipped posterior: {recipe['sets']} parameter sets written to the package data "
            "(core/data/posterior.parquet, posterior.json)"
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the calibrate, forecast and score subcommands."""
    from ..calibration.abc import DEFAULT_CHUNK, DEFAULT_SEED

    p = sub.add_parser(
        "calibrate",
        help="calibrate the uncertain parameters on the documents' patterns (rejection ABC)",
        description="Draw parameter sets from the prior (the parameter table), replay 2022 for "
        "each in vectorised chunks, keep those that reproduce the documents' patterns, and "
        "write a folder: posterior draws (Parquet), acceptance per pattern, prior vs posterior "
        "per parameter, which patterns inform which parameters, leave-one-out scores, a pair "
        "plot and metadata. Resumable (--resume); runs in-process, on local processes "
        "(--workers) or on Dask (--scheduler) with identical results.",
    )
    p.add_argument("--draws", type=int, default=1_000_000, help="prior draws (default 10^6)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the calibration")
    p.add_argument(
        "--chunk-size", type=int, default=DEFAULT_CHUNK, help="draws per vectorised model run"
    )
    p.add_argument(
        "--leave-out",
        action="append",
        metavar="PATTERN",
        help="evaluate but do not use a pattern (repeatable)",
    )
    p.add_argument("--workers", type=int, default=1, help="local processes (default in-process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on a Dask cluster")
    p.add_argument("--out", metavar="DIR", help="folder (default results/calibration)")
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    p.add_argument(
        "--ship",
        action="store_true",
        help="also write the posterior shipped with the package (core/data/posterior.*)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_calibrate)
