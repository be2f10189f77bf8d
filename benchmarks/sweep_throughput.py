"""Sweep throughput: replicate-runs per second of a 36-month grid sweep, per executor.

python benchmarks/sweep_throughput.py [--points 64] [--replicates 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import time

from alliance_sim.sweeps import InProcessExecutor, ProcessExecutor, grid, linspace
from alliance_sim.sweeps.runner import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--chunk-size", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    side = round(args.points**0.5)
    design = grid(
        {"russia.capacity": linspace(0.2, 1.0, side), "china.pull": linspace(0.0, 1.0, side)}
    )
    runs = len(design) * args.replicates
    for label, make in (
        ("in-process", InProcessExecutor),
        (f"{args.workers} processes", lambda: ProcessExecutor(args.workers)),
    ):
        with make() as executor:
            start = time.perf_counter()
            evaluate(
                design,
                "baseline",
                replicates=args.replicates,
                seed=1,
                chunk_size=args.chunk_size,
                executor=executor,
            )
            seconds = time.perf_counter() - start
        print(
            f"{label:>12}: {len(design)} points × {args.replicates} replicates = {runs} runs "
            f"in {seconds:.2f} s -> {runs / seconds:,.0f} runs/s (incl. worker start-up)"
        )


if __name__ == "__main__":
    main()
