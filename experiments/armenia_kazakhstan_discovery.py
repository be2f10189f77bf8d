"""What makes Armenia freeze within two years, and what makes Kazakhstan leave?

Runs the sweep in ``armenia_kazakhstan_discovery.yaml`` (policy levers and the members' uncertain
parameters over the calibrated posterior's central 90%), then scenario discovery (PRIM, CART,
feature scores) for two outcomes. Writes the results folder and one discovery folder per
outcome; with ``--docs DIR`` also copies the figures shown in docs/experiments.md into DIR.

    python experiments/armenia_kazakhstan_discovery.py [--quick] [--workers 2] [--docs docs/img]

``--out`` (default ``results/armenia_kazakhstan_discovery``) must not hold an earlier sweep.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from _common import options

from alliance_sim.discovery import OutcomeError, discover
from alliance_sim.sweeps import SweepFolderError, load_experiment, make_executor, run_experiment

HERE = Path(__file__).resolve().parent
#: Thresholds a little above each outcome's upper quartile over the design (Model 2.0,
#: posterior; about 20%): Armenia is frozen or out by month 24 in 15% of replicates at the
#: median point, Kazakhstan has left by month 36 in 16%, so "> 0.25" picks the points where the
#: risk is clearly raised.
OUTCOMES = {
    "armenia": "armenia frozen_or_exited at 24 > 0.25",
    "kazakhstan": "kazakhstan exited at 36 > 0.25",
}
#: The figures docs/experiments.md shows, per outcome.
DOC_FIGURES = {"armenia": ("tradeoff", "cart"), "kazakhstan": ("tradeoff", "box")}


def main() -> None:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--docs", type=Path, help="copy the documented figures into this folder")
    known, sys.argv[1:] = pre.parse_known_args()
    args = options(__doc__.splitlines()[0], "armenia_kazakhstan_discovery")
    exp = load_experiment(HERE / "armenia_kazakhstan_discovery.yaml")
    if args.quick:
        exp = load_experiment(HERE / "armenia_kazakhstan_discovery.yaml", replicates=16)
        exp.design.n = 120
    try:
        with make_executor(args.workers, args.scheduler) as executor:
            meta = run_experiment(exp, args.out, executor=executor, resume=False, progress=True)
    except SweepFolderError as err:
        sys.exit(f"{err} (after a model change, use a new folder: the old chunks are stale)")
    print(f"sweep: {meta['points']} points × {meta['replicates_per_point']} replicates")
    for name, expression in OUTCOMES.items():
        try:
            found = discover(args.out, expression, seed=exp.seed)
        except OutcomeError as err:
            print(f"{name}: {err}")
            continue
        folder = args.out / "discovery" / found.outcome.slug
        found.write(folder, overwrite=True)
        print(f"{name}: {found.summary()}")
        print(found.box.to_string(index=False))
        print(found.resampling.to_string(index=False))
        print(found.cart.head(4).to_string(index=False))
        print(found.scores.head(6).to_string(index=False))
        if known.docs:
            known.docs.mkdir(parents=True, exist_ok=True)
            for figure in DOC_FIGURES[name]:
                shutil.copy(folder / f"{figure}.png", known.docs / f"discovery_{name}_{figure}.png")


if __name__ == "__main__":
    main()
