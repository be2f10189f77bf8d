"""Ensemble benchmark: N separate Mesa runs against one replicate-vectorised model.

On the ``baseline`` scenario (36 months after the 2022 replay), for each N:

* (a) the conventional way: N separate ``AllianceModel(replicates=1)`` runs, each stepped in a
  loop. For large N it runs a sample of ``--sample`` models and extrapolates linearly (printed
  as "extrapolated").
* (b) one ``AllianceModel(replicates=N)``, with member trajectories recorded (the default) and
  without (``record_members=False``, as sweeps run it).

It prints runs per second, the ratio b/a, the time per replicate (linearity in R), and each
measurement's peak RSS, measured in a fresh process so peaks do not mix. Timings are the best of
``--repeats`` (the machine may be shared). It also times the browser app's model work per Step:
one step of the R=1 run plus one step of its R=200 band.

Usage::

    python benchmarks/ensemble.py                 # N = 1,000, 10,000, 100,000
    python benchmarks/ensemble.py --n 1000 10000 --repeats 5
    python benchmarks/ensemble.py --pythonpath OTHER/src   # the same figures for another tree
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from _measure import Timer, emit, machine, peak_rss_mb, rss_mb, run_child

SCRIPT = "ensemble.py"


def _kwargs():
    from alliance_sim.scenarios import load_scenario

    return load_scenario("baseline").model_kwargs()


def child(kind: str, n: int, repeats: int) -> None:
    """Measure one configuration in this (fresh) process and emit the result."""
    from alliance_sim import AllianceModel

    kwargs = _kwargs()
    seed = kwargs.pop("seed")
    AllianceModel(**{**kwargs, "replicates": 2, "months": 2, "seed": 0}).run_model()  # warm up
    base_rss = rss_mb()
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        if kind == "separate":
            with Timer() as t:
                for i in range(n):
                    model = AllianceModel(**{**kwargs, "replicates": 1, "seed": seed + i})
                    while model.running:
                        model.step()
        elif kind == "step":
            single = AllianceModel(**{**kwargs, "replicates": 1, "seed": seed})
            band = AllianceModel(**{**kwargs, "replicates": n, "seed": seed})
            steps = []
            while single.running:
                t0 = time.perf_counter()
                single.step()
                band.step()
                steps.append(time.perf_counter() - t0)
            emit(
                {
                    "median_ms": 1e3 * sorted(steps)[len(steps) // 2],
                    "max_ms": 1e3 * max(steps),
                    "peak_rss_mb": peak_rss_mb(),
                }
            )
            return
        else:
            record = kind == "vectorised"
            with Timer() as t:
                model = AllianceModel(
                    **{**kwargs, "replicates": n, "seed": seed, "record_members": record}
                )
                model.run_model()
                model.final()
            del model
            gc.collect()  # Mesa models hold reference cycles: free this one before the next
        best_wall, best_cpu = min(best_wall, t.wall), min(best_cpu, t.cpu)
    emit(
        {
            "wall": best_wall,
            "cpu": best_cpu,
            "peak_rss_mb": peak_rss_mb(),
            "base_rss_mb": base_rss,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--sample", type=int, default=300, help="separate runs timed at most")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pythonpath", help="run the model from this source tree instead")
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "N", "REPEATS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        kind, n, repeats = args.child
        child(kind, int(n), int(repeats))
        return 0

    def measure(kind: str, n: int, repeats: int) -> dict:
        return run_child(SCRIPT, [kind, str(n), str(repeats)], args.pythonpath)

    print(f"machine: {machine()}")
    print("times are the best of the repeats; RSS is the measuring process's peak (MiB),")
    print("'base' its RSS after imports and warm-up; CPU = process time on one core.\n")
    sample = measure("separate", min(args.sample, min(args.n)), max(1, args.repeats - 1))
    per_run = sample["wall"] / min(args.sample, min(args.n))
    print(
        f"(a) separate R=1 models: {min(args.sample, min(args.n))} runs in "
        f"{sample['wall']:.2f} s wall ({per_run * 1e3:.1f} ms/run, "
        f"{1 / per_run:.0f} runs/s); peak RSS {sample['peak_rss_mb']:.0f} MiB\n"
    )
    header = (
        f"{'N':>8} | {'(a) s':>8} {'runs/s':>7} | {'(b) s':>7} {'cpu s':>6} {'runs/s':>9} "
        f"{'b/a':>6} {'us/run':>7} {'RSS':>6} | {'no members s':>12} {'cpu s':>6} {'us/run':>7} "
        f"{'RSS':>6}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n in args.n:
        a_time = per_run * n
        a_note = "*" if n > args.sample else " "
        reps = args.repeats if n <= 10_000 else max(1, args.repeats - 1)
        b = measure("vectorised", n, reps)
        c = measure("nomembers", n, reps)
        rows.append((n, b, c))
        print(
            f"{n:>8,} | {a_time:>7.1f}{a_note} {n / a_time:>7.0f} | {b['wall']:>7.3f} "
            f"{b['cpu']:>6.3f} {n / b['wall']:>9,.0f} {a_time / b['wall']:>6.0f} "
            f"{1e6 * b['wall'] / n:>7.1f} {b['peak_rss_mb']:>6.0f} | {c['wall']:>12.3f} "
            f"{c['cpu']:>6.3f} {1e6 * c['wall'] / n:>7.1f} {c['peak_rss_mb']:>6.0f}"
        )
    print(f"\n* (a) extrapolated from {min(args.sample, min(args.n))} timed runs (linear in N).")
    print(f"  base RSS after imports: {rows[0][1]['base_rss_mb']:.0f} MiB")
    for (n0, _, c0), (n1, _, c1) in zip(rows, rows[1:], strict=False):
        print(
            f"linearity N={n0:,} -> {n1:,} (record_members=False): time "
            f"x{c1['wall'] / c0['wall']:.1f} wall, x{c1['cpu'] / c0['cpu']:.1f} CPU "
            f"for x{n1 / n0:.0f} replicates"
        )
    step = measure("step", 200, 1)
    print(
        f"\nbrowser Step (model part): one step of R=1 plus one step of R=200: median "
        f"{step['median_ms']:.1f} ms, worst {step['max_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
