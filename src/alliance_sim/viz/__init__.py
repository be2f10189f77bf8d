"""The browser app's pieces: the session model, its charts and the Solara components.

``alliance_sim/app.py`` is the page ``solara run`` and ``alliance-sim viz`` serve.
"""

from .model import AllianceVizModel, View

__all__ = ["AllianceVizModel", "View"]
