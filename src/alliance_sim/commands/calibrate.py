"""Subcommands ``calibrate``, ``forecast`` and ``score`` (thin layers over the Python API)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import add_executor_options, executor_for


def _bad(message: str) -> Exception:
    from ..errors import BadInput

    return BadInput(message)


def _calibrate(args: argparse.Namespace) -> int:
    from ..calibration import calibrate
    from ..calibration.ship import SHIPPED_SETS, ship_posterior
    from ..sweeps.store import SweepFolderError

    if args.draws < 1 or args.chunk_size < 1 or args.workers < 1:
        raise _bad("--draws, --chunk-size and --workers must be at least 1")
    out = Path(args.out) if args.out else Path("results") / "calibration"
    if out.exists() and any(out.iterdir()) and not args.resume:
        raise _bad(
            f"--out {out} is not empty; pass --resume to continue the calibration in it, or "
            "choose another folder"
        )
    executor = executor_for(args.workers, args.scheduler)
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


def _forecast(args: argparse.Namespace) -> int:
    from ..calibration.forecast import forecast
    from ..scenarios import load_scenario

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise _bad(f"--out {out} exists; pass --overwrite to replace it")
    horizons = args.horizons or [6, 12, 24, 36]
    if min(horizons) < 1:
        raise _bad("--horizon must be a positive number of months")
    scenario = load_scenario(args.scenario)
    ensemble = "prior" if args.prior else "posterior"
    table = forecast(
        scenario, horizons=horizons, replicates=args.replicates, seed=args.seed, ensemble=ensemble
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    from ..sweeps.store import atomic_write_text

    atomic_write_text(out, table.to_csv(index=False))
    wide = table[table["outcome"].isin(["reduced", "frozen", "exited", "ever_frozen_or_left"])]
    pivot = wide.pivot_table(
        index=["member", "outcome"], columns="date", values="probability", observed=True
    )
    first = table.iloc[0]
    print(
        f"Forecast of {first['scenario']}: {first['replicates']} replicates ({ensemble}), seed "
        f"{first['seed']}, model {first['model_version']}"
    )
    r = int(first["replicates"])
    print(pivot.map(lambda p: _probability(p, r)).to_string())
    print(f"\nForecast table: {out}")
    return 0


def _probability(p: float, replicates: int) -> str:
    """A share of replicates as text; 0 and 1 are estimates, shown as < 1/R and > 1 − 1/R."""
    if p <= 0:
        return f"<{1 / replicates:.1%}"
    if p >= 1:
        return f">{1 - 1 / replicates:.1%}"
    return f"{p:.0%}"


def _score(args: argparse.Namespace) -> int:
    from ..calibration.forecast import read_table, reliability_diagram, score

    fc = read_table(args.forecast, "forecast")
    outcomes = read_table(args.outcomes, "outcomes")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise _bad(f"--out {out} is not empty; pass --overwrite to replace its files")
    from ..calibration.forecast import check_forecast, check_outcomes

    checked = check_forecast(fc, args.forecast)
    check_outcomes(outcomes, checked, args.outcomes)  # errors name the file before any work
    result = score(fc, outcomes)
    out.mkdir(parents=True, exist_ok=True)
    result["scores"].to_csv(out / "scores.csv", index=False)
    result["events"].to_csv(out / "events.csv", index=False)
    fig = reliability_diagram(result["events"])
    fig.savefig(out / "reliability.png", dpi=110)
    scores = result["scores"]
    with_cols = [
        "member",
        "date",
        "observed",
        "brier_model",
        "brier_persistence",
        "log_model",
        "log_persistence",
    ]
    print("Brier score over the four postures (0 best, 2 worst) and log score (−log p):")
    print(scores[with_cols].to_string(index=False, float_format="{:.3f}".format))
    print(f"\nScores and reliability diagram: {out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the calibrate, forecast and score subcommands."""
    from ..calibration.defaults import DEFAULT_CHUNK, DEFAULT_SEED

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
    add_executor_options(p)
    p.add_argument("--out", metavar="DIR", help="folder (default results/calibration)")
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    p.add_argument(
        "--ship",
        action="store_true",
        help="also write the posterior shipped with the package (core/data/posterior.*)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_calibrate)

    f = sub.add_parser(
        "forecast",
        help="write each member's posture probabilities at 6, 12, 24 and 36 months",
        description="Run a scenario (parameters from the calibrated posterior unless --prior) "
        "and write a tidy CSV: per member, horizon and outcome (each posture, ever frozen or "
        "left, left) the probability, beside the naive persistence forecast, with the model "
        "version and seed.",
    )
    f.add_argument("scenario", help="scenario file, or the name of one in scenarios/")
    f.add_argument(
        "--horizon",
        dest="horizons",
        type=int,
        action="append",
        metavar="MONTHS",
        help="months after the last observed month (repeatable; default 6 12 24 36)",
    )
    f.add_argument("--replicates", type=int, metavar="N", help="ensemble size")
    f.add_argument("--seed", type=int, metavar="S", help="seed")
    f.add_argument("--prior", action="store_true", help="draw parameters from the prior")
    f.add_argument("--out", default="forecast.csv", metavar="FILE", help="default forecast.csv")
    f.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    f.set_defaults(func=_forecast)

    s = sub.add_parser(
        "score",
        help="score a forecast against observed postures (Brier, log score, reliability)",
        description="Score FORECAST (from `alliance-sim forecast`) against OUTCOMES, a CSV "
        "with columns member, date (YYYY-MM, a forecast date), posture (active, reduced, "
        "frozen, exited); write scores.csv, events.csv and reliability.png.",
    )
    s.add_argument("forecast", help="forecast CSV or Parquet")
    s.add_argument("outcomes", help="outcomes CSV: member, date, posture")
    s.add_argument("--out", default="score", metavar="DIR", help="folder (default score/)")
    s.add_argument("--overwrite", action="store_true", help="replace files in --out")
    s.set_defaults(func=_score)
