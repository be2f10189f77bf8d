"""Armenia's probability of leaving within 36 months against the strength of its outside option.

The West's pull is set to its maximum, so Armenia's access to the West is the strength of the
alternative on offer. One line per level of Russia's capacity (its January-2022 level): leaving
also costs what Russia can still do to a member that leaves. Writes
``armenia_outside_option.png`` and the results table.

    python experiments/armenia_outside_option.py [--quick] [--workers 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _common import options

from alliance_sim.sweeps import linspace, make_executor, plot_response, sweep
from alliance_sim.sweeps.store import atomic_write_parquet


def main() -> None:
    args = options(__doc__.splitlines()[0], "armenia_outside_option")
    grid = {
        "armenia.access_west": linspace(0.0, 1.0, 4 if args.quick else 21),
        "russia.capacity": [0.3, 1.0] if args.quick else [0.3, 0.5, 0.7, 1.0],
        "west.pull": 1.0,
    }
    with make_executor(args.workers, args.scheduler) as executor:
        results = sweep(
            "baseline",
            grid=grid,
            replicates=20 if args.quick else 500,
            seed=11,
            chunk_size=12,
            months=36,
            executor=executor,
            progress=True,
        )
    atomic_write_parquet(args.out / "results.parquet", results)
    figure = args.out / "armenia_outside_option.png"
    fig = plot_response(
        results,
        x="armenia.access_west",
        outcome="p_exit_armenia",
        hue="russia.capacity",
        path=figure,
        title="Armenia leaves more often with a better Western offer and a weaker Russia\n"
        f"baseline, West's pull = 1, {results['replicates'].iloc[0]} replicates per point; "
        "band: 95% binomial CI",
    )
    plt.close(fig)
    print(f"wrote {figure}")


if __name__ == "__main__":
    main()
