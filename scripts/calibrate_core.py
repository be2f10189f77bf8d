"""Measure the decision core's acceptance figures (and help tune its defaults).

Prints, for the packaged parameters (plus any ``--set key=value`` overrides):

* the October 2022 replay: share of replicates in the documented postures, per member and
  jointly with Belarus the most loyal; the share backing the war;
* the calm world (no 2022 shocks): each member's annual exit hazard, against the bloc's record
  (2.4% a year, exact 90% Poisson interval 0.8-5.6%);
* severe stress (Russia's capacity 0.1, a full patron offer to each member): exit shares.

    .venv/bin/python scripts/calibrate_core.py [--replicates 2000] [--set global.exit_cost=17]
"""

from __future__ import annotations

import argparse

import numpy as np

from alliance_sim import AllianceModel
from alliance_sim.core import mechanisms as mech
from alliance_sim.worlds import annual_exit_hazards, calm_world, severe_stress

PARTNERS = ["belarus", "kazakhstan", "kyrgyzstan", "tajikistan", "armenia"]
OCTOBER_2022 = {
    "belarus": mech.ACTIVE,
    "kazakhstan": mech.ACTIVE,
    "kyrgyzstan": mech.REDUCED,
    "tajikistan": mech.ACTIVE,
    "armenia": mech.REDUCED,
}


def october_2022(replicates: int, seed: int, overrides: dict) -> dict:
    """Shares of replicates in the documented October 2022 postures."""
    model = AllianceModel(
        replicates=replicates, start="2022-01", months=10, seed=seed, overrides=overrides
    )
    model.run_model()
    match = np.ones(replicates, dtype=bool)
    out = {}
    for name, rung in OCTOBER_2022.items():
        ok = model.member(name).state == rung
        out[name] = ok.mean()
        match &= ok
    loyal = model.member("belarus").loyalty > np.max(
        [model.member(n).loyalty for n in PARTNERS[1:]], axis=0
    )
    out["belarus_most_loyal"] = loyal.mean()
    out["joint"] = (match & loyal).mean()
    out["support"] = {n: (model.member(n).stance == mech.SUPPORT).mean() for n in PARTNERS}
    return out


def main() -> None:
    """Print the figures for the packaged parameters plus any overrides."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    overrides = {k: float(v) for k, v in (pair.split("=", 1) for pair in args.set)}
    r, seed = args.replicates, args.seed
    octo = october_2022(r, seed, overrides)
    print("October 2022 replay, share in the documented posture:")
    for key, value in octo.items():
        if key != "support":
            print(f"  {key:20s} {value:6.1%}")
    print("  backing the war:     " + ", ".join(f"{k} {v:.0%}" for k, v in octo["support"].items()))
    print("Calm world, annual exit hazard (record: 2.4%, 90% interval 0.8-5.6%):")
    for name, hazard in annual_exit_hazards(
        calm_world(r, seed, overrides=overrides), PARTNERS
    ).items():
        print(f"  {name:20s} {hazard:6.2%}")
    print("Severe stress (capacity 0.1, full patron offers), share exited after 36 months:")
    stressed = severe_stress(r, seed, overrides=overrides)
    for name in PARTNERS:
        share = (stressed.member(name).state == mech.EXITED).mean()
        print(f"  {name:20s} {share:6.1%}")


if __name__ == "__main__":
    main()
