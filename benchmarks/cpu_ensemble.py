"""CPU time of one ensemble of the ``baseline`` scenario, for comparing source trees.

Builds and runs ``AllianceModel(**load_scenario("baseline").model_kwargs(), replicates=R,
record_members=...)`` after one small warm-up model, ``--repeats`` times, and prints each
``time.process_time()`` figure, the best, and the process's peak RSS. Run it once per tree, in a
fresh process each, alternating the trees, on a shared machine::

    PYTHONPATH=OLD/src python benchmarks/cpu_ensemble.py --replicates 10000
    PYTHONPATH=NEW/src python benchmarks/cpu_ensemble.py --replicates 10000
    python benchmarks/cpu_ensemble.py --replicates 100000 --repeats 1 --members   # memory row
"""

from __future__ import annotations

import argparse
import resource
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--members", action="store_true", help="record member trajectories")
    args = parser.parse_args()

    from alliance_sim import AllianceModel
    from alliance_sim.scenarios import load_scenario

    kwargs = load_scenario("baseline").model_kwargs()
    kwargs.update(replicates=args.replicates, record_members=args.members)
    AllianceModel(**{**kwargs, "replicates": 2}).run_model()  # imports and caches warm
    times = []
    for _ in range(args.repeats):
        start = time.process_time()
        AllianceModel(**kwargs).run_model()
        times.append(time.process_time() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"R={args.replicates:,} members={args.members}: best {min(times):.3f} CPU-s "
        f"(all: {' '.join(f'{t:.3f}' for t in times)}); peak RSS {peak:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
