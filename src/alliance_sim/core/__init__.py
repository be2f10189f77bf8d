"""The simulation core: the Mesa model, its agents and mechanisms, events and parameters.

Nothing here imports the layers above it (scenarios, runs, sweeps, the app, the CLI). The model
and its agents are imported on first use (lazy_loader): reading parameters or checking a scenario
does not import Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "agents": ["Hegemon", "MemberState", "OutsideActor"],
        "model": ["AllianceModel"],
    },
)

if TYPE_CHECKING:  # for type checkers and editors; at run time lazy_loader imports these
    from .agents import Hegemon, MemberState, OutsideActor
    from .model import AllianceModel
