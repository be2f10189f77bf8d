"""The simulation core: the Mesa model, its agents and mechanisms, events and parameters.

Nothing here imports the layers above it (scenarios, runs, sweeps, the app, the CLI).
"""

from .agents import Hegemon, MemberState, OutsideActor
from .model import AllianceModel

__all__ = ["AllianceModel", "Hegemon", "MemberState", "OutsideActor"]
