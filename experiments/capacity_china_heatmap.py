"""Probability that the bloc loses a member within 36 months, over Russia's capacity × China's pull.

Every cell is an ensemble of the baseline scenario (the documented 2022 events replayed, then
three years). Russia's capacity is its January-2022 level, before the invasion and the
mobilisation drain it; China's pull is its attraction as an alternative patron for the Central
Asian members. Writes ``capacity_china_heatmap.png`` and the results table.

    python experiments/capacity_china_heatmap.py [--quick] [--workers 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _common import options

from alliance_sim.sweeps import linspace, make_executor, plot_heatmap, sweep
from alliance_sim.sweeps.store import atomic_write_parquet


def main() -> None:
    args = options(__doc__.splitlines()[0], "capacity_china_heatmap")
    size = 3 if args.quick else 9
    grid = {
        "russia.capacity": linspace(0.2, 1.0, size),
        "china.pull": linspace(0.0, 1.0, size),
    }
    with make_executor(args.workers, args.scheduler) as executor:
        results = sweep(
            "baseline",
            grid=grid,
            replicates=20 if args.quick else 400,
            seed=20221021,
            chunk_size=9,
            months=36,
            executor=executor,
            progress=True,
        )
    atomic_write_parquet(args.out / "results.parquet", results)
    figure = args.out / "capacity_china_heatmap.png"
    fig = plot_heatmap(
        results,
        x="china.pull",
        y="russia.capacity",
        outcome="p_any_exit",
        path=figure,
        title="P(the CSTO loses a member within 36 months)\n"
        f"baseline scenario, {results['replicates'].iloc[0]} replicates per cell,\n"
        "each with its own parameter set from the calibrated posterior",
    )
    plt.close(fig)
    print(f"wrote {figure}")


if __name__ == "__main__":
    main()
