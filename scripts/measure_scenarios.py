"""Measure every scenario in scenarios/: end-of-run posture shares and exits per member.

    .venv/bin/python scripts/measure_scenarios.py [--replicates 1000]

Prints one block per scenario (the figures docs/scenarios.md quotes).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from alliance_sim import api
from alliance_sim.core import mechanisms as mech

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def main() -> None:
    """Run each scenario and print its members' final postures and the bloc's metrics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    names = args.names or sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
    for name in names:
        result = api.run(SCENARIOS / f"{name}.yaml", replicates=args.replicates)
        model = result.model
        final = result.final()
        print(f"== {name} ({model.replicates} replicates, to {model.date})")
        for member in model.members:
            if member is model.hegemon:
                continue
            shares = np.bincount(member.state, minlength=4) / model.replicates
            support = np.mean(member.stance == mech.SUPPORT)
            print(
                f"  {member.name:11s} active {shares[0]:5.1%} reduced {shares[1]:5.1%} "
                f"frozen {shares[2]:5.1%} exited {shares[3]:5.1%}  loyalty "
                f"{np.median(member.loyalty):.2f}  backs war {support:4.0%}"
            )
        print(
            "  bloc: "
            + ", ".join(
                f"{k} {final[k].median():.3f}" for k in ("integrity", "cohesion", "credibility")
            )
        )


if __name__ == "__main__":
    main()
