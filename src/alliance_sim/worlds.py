"""The reference worlds in which the decision core's exit behaviour is checked.

docs/validation.md §3 states the checks: in a **calm world** (no 2022 shocks: no war, no
clashes, no scripted events) each member's annual exit hazard lies within the bloc's record;
under **severe stress** (Russia's capacity at 0.1 and a full patron offer to every member) every
member can leave, Belarus far less than the others. ``tests/test_decision_core.py`` asserts
them and ``scripts/calibrate_core.py`` prints them; both build the worlds here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .core.model import AllianceModel

#: The patron that makes each member its strongest offer under severe stress.
STRESS_PATRONS = {
    "belarus": "west",
    "kazakhstan": "china",
    "kyrgyzstan": "china",
    "tajikistan": "china",
    "armenia": "west",
}
#: Russia's capacity under severe stress (an assumption of the check, docs/validation.md §3).
STRESS_CAPACITY = 0.1


def calm_world(
    replicates: int, seed: int, years: int = 10, overrides: Mapping[str, Any] | None = None
) -> AllianceModel:
    """Run ``years`` from January 2022 without the documented history, and return the model."""
    model = AllianceModel(
        replicates=replicates,
        start="2022-01",
        months=12 * years,
        seed=seed,
        history=False,
        overrides=overrides,
    )
    model.run_model()
    return model


def annual_exit_hazards(model: AllianceModel, members: Iterable[str]) -> dict[str, float]:
    """Exits per member-year at risk over a run that started with the members in the bloc."""
    hazards = {}
    for name in members:
        exit_month = model.member(name).exit_month
        exited = exit_month >= 0
        member_years = np.where(exited, exit_month + 1, model.months).sum() / 12
        hazards[name] = float(exited.sum() / member_years)
    return hazards


def severe_stress(
    replicates: int, seed: int, months: int = 36, overrides: Mapping[str, Any] | None = None
) -> AllianceModel:
    """Run from October 2022 with Russia weak and every member offered a way out."""
    offers = [
        {
            "type": "patron_offer",
            "date": "2022-10",
            "patron": patron,
            "member": member,
            "access": 1.0,
            "pull": 1.0,
        }
        for member, patron in STRESS_PATRONS.items()
    ]
    model = AllianceModel(
        replicates=replicates,
        months=months,
        seed=seed,
        events=offers,
        russia_capacity=STRESS_CAPACITY,
        overrides=overrides,
    )
    model.run_model()
    return model
