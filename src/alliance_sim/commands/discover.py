"""The ``alliance-sim discover RESULTS --outcome EXPR`` subcommand (over alliance_sim.discovery)."""

from __future__ import annotations

import argparse
from pathlib import Path

#: The command-line option of each keyword argument of discover() that can be out of range.
OPTIONS = {
    "box": "--box",
    "min_density": "--min-density",
    "max_qp": "--max-qp",
    "resample_iterations": "--resamples",
}


def _discover(args: argparse.Namespace) -> int:
    from ..errors import BadInput

    try:
        from ..discovery import OptionError, OutcomeError, discover, load_results, parse_outcome
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise BadInput(str(err)) from None

    from ..discovery.analysis import MASS_MIN, PEEL_ALPHA, check_options

    results = Path(args.results)
    try:
        # Options first: out of range they fail in EMA Workbench after the work (or not at all).
        check_options(args.box, args.min_density, args.max_qp, PEEL_ALPHA, MASS_MIN, args.resamples)
        if not results.exists():
            raise BadInput(f"{results}: no such results folder or file (run alliance-sim sweep)")
        # Read the outcome first: a bad expression or an existing folder fails in a second.
        frame, _ = load_results(results)
        outcome = parse_outcome(args.outcome, frame)
        base = results if results.is_dir() else results.parent
        out = Path(args.out) if args.out else base / "discovery" / outcome.slug
        if out.exists() and not args.overwrite:
            raise BadInput(f"{out} exists; pass --overwrite to replace it")
        found = discover(
            results,
            args.outcome,
            box=args.box,
            min_density=args.min_density,
            max_qp=args.max_qp,
            prune=not args.no_prune,
            resample_iterations=args.resamples,
            seed=args.seed,
        )
    except OptionError as err:
        option = OPTIONS.get(err.option, err.option)
        raise BadInput(f"{option} must be {err.accepted}, got {err.value}") from None
    except (OutcomeError, FileNotFoundError) as err:
        raise BadInput(str(err)) from None
    except ValueError as err:  # about the results: no varying parameter, a damaged manifest
        raise BadInput(f"{results}: {err}") from None
    try:
        paths = found.write(out, overwrite=args.overwrite)
    except FileExistsError as err:
        raise BadInput(str(err)) from None
    print(found.summary())
    print(f"discovery: {out}/ (box.csv, resampling.csv, tradeoff.png, discovery.md, …)")
    return 0 if paths else 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the discover subcommand."""
    p = sub.add_parser(
        "discover",
        help="scenario discovery (PRIM, CART, feature scores) on a sweep's results",
        description="Find the region of a sweep's design where an outcome holds: PRIM box with "
        "peeling trajectory, quasi-p-values and reproducibility, CART, feature scores "
        "(see docs/experiments.md).",
    )
    p.add_argument("results", help="results folder of alliance-sim sweep (or its results file)")
    p.add_argument(
        "--outcome",
        required=True,
        metavar="EXPR",
        help="e.g. 'armenia frozen_or_exited at 24 > 0.5' or 'integrity at 36 < 0.8'",
    )
    p.add_argument("--out", metavar="DIR", help="default RESULTS/discovery/<outcome>")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    p.add_argument("--seed", type=int, default=0, help="seed of resampling and trees")
    p.add_argument("--box", type=int, help="peeling step to report (default: chosen by density)")
    p.add_argument(
        "--min-density",
        type=float,
        default=0.8,
        help="density the reported box must reach (default 0.8)",
    )
    p.add_argument(
        "--max-qp",
        type=float,
        default=0.05,
        help="largest quasi-p-value of the reported box's restrictions (default 0.05)",
    )
    p.add_argument(
        "--no-prune",
        action="store_true",
        help="keep restrictions with large quasi-p-values in the reported box",
    )
    p.add_argument(
        "--resamples",
        type=int,
        default=10,
        help="PRIM reruns for reproducibility, at least 1 (default 10)",
    )
    p.set_defaults(func=_discover)
