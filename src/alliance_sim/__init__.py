"""alliance-sim: an agent-based model of the CSTO's cohesion on Mesa 3."""

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

__version__ = "0.1.0"

__all__ = [
    "ENGAGEMENT_STATES",
    "AllianceModel",
    "Article4Request",
    "BorderClash",
    "Comparison",
    "Exit",
    "Freeze",
    "Hegemon",
    "HegemonReward",
    "HegemonShock",
    "MemberState",
    "OutsideActor",
    "PatronOffer",
    "Rejoin",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SetParameter",
    "ThreatShift",
    "compare",
    "load_parameters",
    "load_scenario",
    "parameter_table",
    "parse_event",
    "run",
]
