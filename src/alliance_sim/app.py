"""The browser app: Mesa's SolaraViz over the alliance model.

Start it with ``alliance-sim viz`` or ``solara run src/alliance_sim/app.py`` (see docs/app.md).
Each browser session gets its own model. The sidebar's inputs (scenario, seed, sliders) apply on
Reset, and a badge lists what is pending until then. The page's URL carries the applied inputs,
the interventions and their month, so a reload or a shared link restores the session.
"""

from __future__ import annotations

import os
import warnings

# Reacton's fast renderer (its own opt-in switch, read when a page's render context is made):
# it skips a component whose inputs did not change instead of walking and updating every
# widget of the page on each Step (measured: about 150 widget updates a month down to 21).
os.environ.setdefault("REACTON_FAST", "1")

# Mesa's ComponentsView returns early when, as here, the panels are laid out by the app itself;
# its hooks still run in the same order every time, so Solara's hook-order warning (issued when
# mesa.visualization is imported) is moot.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early")

import solara  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402

from alliance_sim.viz.components import CSS, Dashboard, ParameterPanel  # noqa: E402
from alliance_sim.viz.controls import Controls  # noqa: E402
from alliance_sim.viz.model import AllianceVizModel  # noqa: E402
from alliance_sim.viz.settings import from_query, to_query  # noqa: E402

TITLE = "CSTO alliance simulator"


def session_model(pending: solara.Reactive[dict]) -> type[AllianceVizModel]:
    """A model class for one browser session, built from the sidebar's pending inputs.

    Mesa's Reset re-creates the model as ``type(model)(**params)``. The app draws its own inputs
    (values, units, help and the pending badge, which Mesa's do not offer), so Mesa gets no
    ``model_params`` and this class reads the session's inputs when Reset creates it.
    """

    class SessionModel(AllianceVizModel):
        def __init__(self, interventions: list | None = None, month: str | None = None) -> None:
            super().__init__(**pending.value, interventions=interventions, month=month)

    SessionModel.__name__ = SessionModel.__qualname__ = "AllianceVizModel"
    return SessionModel


def first_model(
    pending: solara.Reactive[dict], interventions: list[dict], month: str | None
) -> tuple[AllianceVizModel, list[str]]:
    """The session's first model, with the link's interventions if they can be replayed."""
    cls = session_model(pending)
    try:
        return cls(interventions=interventions, month=month), []
    except (ValueError, KeyError) as error:
        return cls(), [f"interventions dropped ({error})"]


@solara.component
def ParameterSidebar(pending: solara.Reactive[dict], applied: dict):
    """The inputs card, below Mesa's controls.

    Solara's sidebar portal would put it first; the page's CSS orders it after Mesa's
    Controls, Model Parameters and Information cards.
    """
    _ParameterCard(pending, applied)


@solara.component
def _ParameterCard(pending: solara.Reactive[dict], applied: dict):
    with (
        solara.Sidebar(),
        solara.Card("Model parameters (apply on Reset)"),
        solara.Div(classes=["viz-params"]),
    ):
        ParameterPanel(pending, applied)


@solara.component
def Page():
    """One session: its own model (never shared between browser sessions) and the dashboard."""
    solara.Title(f"{TITLE} · alliance-sim")
    solara.Style(CSS)
    router = solara.use_router()
    settings, interventions, month, problems = solara.use_memo(
        lambda: from_query(router.search or ""), []
    )
    pending = solara.use_reactive(settings)
    pinned = solara.use_reactive(None)
    initial, dropped = solara.use_memo(lambda: first_model(pending, interventions, month), [])
    problems = [*problems, *dropped]
    model = solara.use_reactive(initial)

    def sync_url(month: str | None = None) -> None:
        current = model.value
        month = month or (current.date if current.interventions else None)
        query = to_query(current.applied, current.interventions, month)
        if (router.search or "") != query:
            router.push(f"{router.path}?{query}" if query else router.path)

    solara.use_effect(sync_url, [model.value])
    # Mesa's page, sidebar and Information box; its Controls card is hidden (CSS) in favour of
    # ours (viz/controls.py: a play interval that is kept, every month shown, exact Pause).
    SolaraViz(model, components=[], model_params={}, name=TITLE)
    with solara.Sidebar():
        Controls(model, lambda: session_model(pending)())
    ParameterSidebar(pending, model.value.applied)
    if problems:
        solara.Warning("Link not fully restored: " + "; ".join(problems), dense=True)
    Dashboard(model.value, pending.value, pinned, on_change=sync_url)
