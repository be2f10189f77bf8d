"""alliance-sim: an agent-based model of the CSTO's cohesion on Mesa 3.

The public names below are imported on first use (lazy_loader, PEP 562), so that
``alliance-sim --help``, ``validate`` or a refused option answer without first importing Mesa
and matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "api": ["Comparison", "RunResult", "compare", "run"],
        "core.agents": ["Hegemon", "MemberState", "OutsideActor"],
        "core.events": [
            "Article4Request",
            "BorderClash",
            "Exit",
            "Freeze",
            "HegemonReward",
            "HegemonShock",
            "PatronOffer",
            "Rejoin",
            "SetParameter",
            "ThreatShift",
            "parse_event",
        ],
        "core.model": ["AllianceModel"],
        "core.parameters": ["ENGAGEMENT_STATES", "load_parameters", "parameter_table"],
        "scenarios": ["Scenario", "ScenarioError", "load_scenario"],
    },
)

if TYPE_CHECKING:  # for type checkers and editors; at run time lazy_loader imports these
    from .api import Comparison, RunResult, compare, run
    from .core.agents import Hegemon, MemberState, OutsideActor
    from .core.events import (
        Article4Request,
        BorderClash,
        Exit,
        Freeze,
        HegemonReward,
        HegemonShock,
        PatronOffer,
        Rejoin,
        SetParameter,
        ThreatShift,
        parse_event,
    )
    from .core.model import AllianceModel
    from .core.parameters import ENGAGEMENT_STATES, load_parameters, parameter_table
    from .scenarios import Scenario, ScenarioError, load_scenario
