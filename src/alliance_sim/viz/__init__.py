"""The browser app's pieces: the session model, its charts and the Solara components.

``alliance_sim/app.py`` is the page ``solara run`` and ``alliance-sim viz`` serve.
"""

import warnings

# Mesa's ComponentsView returns early when, as here, the app lays out its own panels; its hooks
# still run in the same order every time, so Solara's hook-order warning, issued when
# mesa.visualization is first imported, is moot.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early")

from .model import AllianceVizModel, View  # noqa: E402

__all__ = ["AllianceVizModel", "View"]
