"""Sobol indices of member-state parameters for the bloc's integrity after 36 months.

Ranges sit around the values read from the documents. Uzbekistan's affinity is a control: it
starts outside the bloc and never rejoins in the baseline, so its index shows the noise floor
left by the finite number of replicates. Writes ``member_sobol.png``, the index table and the
results.

    python experiments/member_sobol.py [--quick] [--workers 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _common import options

from alliance_sim.sweeps import evaluate, make_executor, plot_indices, sample, sobol_indices
from alliance_sim.sweeps.store import atomic_write_parquet, atomic_write_text

SPACE = {
    "belarus.affinity": (0.7, 1.0),
    "kazakhstan.affinity": (0.25, 0.65),
    "kazakhstan.entrapment_sensitivity": (0.4, 0.8),
    "kyrgyzstan.affinity": (0.4, 0.8),
    "kyrgyzstan.public_sensitivity": (0.6, 1.0),
    "tajikistan.affinity": (0.5, 0.9),
    "armenia.affinity": (0.4, 0.8),
    "armenia.access_west": (0.1, 0.6),
    "uzbekistan.affinity": (0.1, 0.5),
}


def main() -> None:
    args = options(__doc__.splitlines()[0], "member_sobol")
    design = sample(SPACE, n=16 if args.quick else 512, method="sobol", seed=7)
    with make_executor(args.workers, args.scheduler) as executor:
        results = evaluate(
            design,
            "baseline",
            replicates=10 if args.quick else 50,
            seed=7,
            chunk_size=64,
            months=36,
            executor=executor,
            progress=True,
        )
    indices = sobol_indices(results, "integrity_mean")
    atomic_write_parquet(args.out / "results.parquet", results)
    atomic_write_text(args.out / "sobol_integrity.csv", indices.to_csv(index=False))
    print(indices[["parameter", "S1", "S1_conf", "ST", "ST_conf"]].round(3).to_string(index=False))
    figure = args.out / "member_sobol.png"
    fig = plot_indices(
        indices,
        figure,
        title=f"What drives integrity after 36 months? ({len(design)} design points × "
        f"{results['replicates'].iloc[0]} replicates)",
    )
    plt.close(fig)
    print(f"wrote {figure}")


if __name__ == "__main__":
    main()
