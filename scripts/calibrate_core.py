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

PARTNERS = ["belarus", "kazakhstan", "kyrgyzstan", "tajikistan", "armenia"]
OCTOBER_2022 = {
    "belarus": mech.ACTIVE,
    "kazakhstan": mech.ACTIVE,
    "kyrgyzstan": mech.REDUCED,
    "tajikistan": mech.ACTIVE,
    "armenia": mech.REDUCED,
}
#: The patron that makes each member its strongest offer in the stress scenario.
STRESS_PATRONS = {
    "belarus": "west",
    "kazakhstan": "china",
    "kyrgyzstan": "china",
    "tajikistan": "china",
    "armenia": "west",
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


def calm_world(replicates: int, seed: int, overrides: dict, years: int = 10) -> dict:
    """Annual exit hazard per member without the 2022 shocks (exits / member-years at risk)."""
    model = AllianceModel(
        replicates=replicates,
        start="2022-01",
        months=12 * years,
        seed=seed,
        history=False,
        overrides=overrides,
    )
    model.run_model()
    out = {}
    for name in PARTNERS:
        exit_month = model.member(name).exit_month
        exited = exit_month >= 0
        months_at_risk = np.where(exited, exit_month + 1, 12 * years)
        out[name] = exited.sum() / (months_at_risk.sum() / 12.0)
    return out


def stress(replicates: int, seed: int, overrides: dict, months: int = 36) -> dict:
    """Exit shares with Russia's capacity at 0.1 and a full patron offer to every member."""
    events = [
        {
            "type": "patron_offer",
            "date": "2022-10",
            "patron": patron,
            "member": name,
            "access": 1.0,
            "pull": 1.0,
        }
        for name, patron in STRESS_PATRONS.items()
    ]
    model = AllianceModel(
        replicates=replicates,
        months=months,
        seed=seed,
        events=events,
        russia_capacity=0.1,
        overrides=overrides,
    )
    model.run_model()
    return {n: (model.member(n).state == mech.EXITED).mean() for n in PARTNERS}


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
    for name, hazard in calm_world(r, seed, overrides).items():
        print(f"  {name:20s} {hazard:6.2%}")
    print("Severe stress (capacity 0.1, full patron offers), share exited after 36 months:")
    for name, share in stress(r, seed, overrides).items():
        print(f"  {name:20s} {share:6.1%}")


if __name__ == "__main__":
    main()
