"""Profile one run of the baseline scenario: where the time goes.

Uses pyinstrument (``pip install -e ".[bench]"``) when installed, else cProfile.

Usage::

    python benchmarks/profile_model.py --replicates 100000 --no-members
    python benchmarks/profile_model.py --replicates 1 --runs 50     # Python overhead of R=1
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-members", action="store_true", help="record_members=False")
    parser.add_argument("--cprofile", action="store_true", help="use cProfile")
    args = parser.parse_args()

    from alliance_sim import AllianceModel
    from alliance_sim.scenarios import load_scenario

    kwargs = load_scenario("baseline").model_kwargs()
    kwargs.update(replicates=args.replicates, record_members=not args.no_members)
    AllianceModel(**{**kwargs, "replicates": 2}).run_model()  # imports and caches warm

    def work() -> None:
        for _ in range(args.runs):
            AllianceModel(**kwargs).run_model()

    try:
        if args.cprofile:
            raise ImportError
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        profiler.runcall(work)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return 0
    profiler = Profiler(interval=0.0005)
    profiler.start()
    work()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
