"""CPU time of one ensemble of the ``baseline`` scenario, for comparing source trees.

Builds and runs ``AllianceModel(**load_scenario("baseline").model_kwargs(), replicates=R,
record_members=...)`` after one small warm-up model, ``--repeats`` times, and prints each
``time.process_time()`` figure, the best, and the process's peak RSS::

    python benchmarks/cpu_ensemble.py --replicates 10000
    python benchmarks/cpu_ensemble.py --replicates 100000 --repeats 1 --members   # memory row

With ``--against OTHER/src`` it measures this tree and OTHER in fresh processes, alternating
them ``--rounds`` times, and prints each round's best figures and their ratio: the CPU on a
shared machine drifts by tens of percent within minutes, so only figures taken side by side
compare::

    python benchmarks/cpu_ensemble.py --against OLD/src --rounds 3
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _measure import emit, machine, peak_rss_mb, run_child

SCRIPT = Path(__file__).name
THIS_TREE = str(Path(__file__).resolve().parents[1] / "src")


def measure(replicates: int, repeats: int, members: bool) -> dict:
    """Best-of-``repeats`` CPU seconds of one baseline ensemble, and this process's peak RSS."""
    from alliance_sim import AllianceModel
    from alliance_sim.scenarios import load_scenario

    kwargs = load_scenario("baseline").model_kwargs()
    kwargs.update(replicates=replicates, record_members=members)
    AllianceModel(**{**kwargs, "replicates": 2}).run_model()  # imports and caches warm
    times = []
    for _ in range(repeats):
        start = time.process_time()
        AllianceModel(**kwargs).run_model()
        times.append(time.process_time() - start)
    return {"best": min(times), "all": times, "peak_mib": peak_rss_mb()}


def describe(result: dict, replicates: int, members: bool) -> str:
    """One line: the best CPU time, every repeat, and the peak RSS."""
    every = " ".join(f"{t:.3f}" for t in result["all"])
    return (
        f"R={replicates:,} members={members}: best {result['best']:.3f} CPU-s "
        f"(all: {every}); peak RSS {result['peak_mib']:.0f} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--members", action="store_true", help="record member trajectories")
    parser.add_argument("--against", metavar="OTHER/src", help="alternate with this source tree")
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --against")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        emit(measure(args.replicates, args.repeats, args.members))
        return 0
    if args.against is None:
        print(describe(measure(args.replicates, args.repeats, args.members), **_shape(args)))
        return 0
    print(machine())
    child_args = [f"--replicates={args.replicates}", f"--repeats={args.repeats}"]
    child_args += ["--members"] if args.members else []
    ratios = []
    for round_ in range(1, args.rounds + 1):
        this = run_child(SCRIPT, child_args, THIS_TREE)
        other = run_child(SCRIPT, child_args, args.against)
        ratios.append(this["best"] / other["best"])
        print(f"round {round_}: this tree  {describe(this, **_shape(args))}")
        print(f"round {round_}: {args.against}  {describe(other, **_shape(args))}")
    print(
        f"this tree / {args.against}, best of {args.repeats} each, {args.rounds} rounds: "
        f"{min(ratios):.2f}–{max(ratios):.2f}×"
    )
    return 0


def _shape(args: argparse.Namespace) -> dict:
    return {"replicates": args.replicates, "members": args.members}


if __name__ == "__main__":
    raise SystemExit(main())
