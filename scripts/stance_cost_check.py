"""What the documented war stances say about stance_cost, from a prior not set on them.

    .venv/bin/python scripts/stance_cost_check.py [--draws 1000000] [--workers 2]

The parameter table's ``global.stance_cost`` (2.6 ± 0.3) was set so that the model produces the
stances document 000 reports (only Belarus backs the war), so the shipped calibration does not
accept draws on those two patterns. This check gives stance_cost an outcome-free prior instead,
uniform from 0 (taking sides costs nothing) to the most a member could gain from taking sides
at the table's central weights (full alignment plus a full threat from the war's adversary:
``align_weight + threat_weight``; above it backing the war has negative utility for every
member at the central weights), keeps every other prior as it is, and calibrates on all patterns
with the two stance patterns included.
Prints Markdown tables: stance_cost under the table's prior, the wide prior and the posterior;
each pattern's acceptance; the parameters whose posterior mean moved. docs/validation.md 1.1
quotes them.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from alliance_sim.calibration import calibrate
from alliance_sim.core.parameters import load_parameters
from alliance_sim.core.patterns import load_patterns
from alliance_sim.core.posterior import Prior
from alliance_sim.sweeps.executors import InProcessExecutor, ProcessExecutor

KEY = "global.stance_cost"


def wide_prior() -> Prior:
    """The table's prior with stance_cost uniform on [0, align_weight + threat_weight]."""
    params = load_parameters()
    top = sum(float(params.lookup(f"global.{w}").value) for w in ("align_weight", "threat_weight"))
    return Prior.from_parameters(params).with_uniform(KEY, 0.0, top)


def _summary(label: str, values: pd.Series) -> dict:
    return {
        "stance_cost": label,
        "mean": values.mean(),
        "sd": values.std(),
        "5%": values.quantile(0.05),
        "50%": values.quantile(0.5),
        "95%": values.quantile(0.95),
    }


def main() -> None:
    """Calibrate with the wide prior and print what the stance patterns say."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    table, wide = Prior.from_parameters(), wide_prior()
    stances = [p.id for p in load_patterns() if p.tuned_on == KEY]
    executor = ProcessExecutor(args.workers) if args.workers > 1 else InProcessExecutor()
    with executor:
        cal = calibrate(args.draws, prior=wide, include=stances, executor=executor)
    i = table.keys.index(KEY)
    rows = [
        _summary(label, pd.Series(prior.sample(np.random.default_rng(0), 200_000)[:, i]))
        for label, prior in (("table prior", table), ("wide prior", wide))
    ]
    rows.append(_summary("posterior (wide prior, stances used)", cal.posterior[KEY]))
    print(f"{args.draws:,} draws, {cal.accepted:,} accepted ({cal.acceptance_rate:.1%})\n")
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".2f"))
    print()
    print(cal.acceptance().to_markdown(index=False, floatfmt=".3f"))
    print()
    moved = cal.shrinkage()
    moved = moved[(moved["shift"].abs() >= 0.05) | (moved["key"] == KEY)]
    print(
        moved[["key", "prior_mean", "post_mean", "shrinkage", "shift"]].to_markdown(
            index=False, floatfmt=".3f"
        )
    )


if __name__ == "__main__":
    main()
