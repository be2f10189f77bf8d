"""The browser app: Mesa's SolaraViz over the alliance model.

Start it with ``alliance-sim viz`` or ``solara run src/alliance_sim/app.py`` (see docs/app.md).
Each browser session gets its own model; parameters (scenario, seed, sliders) apply on Reset.
"""

from __future__ import annotations

import warnings

# Mesa's ComponentsView returns early when, as here, the panels are laid out by the app itself;
# its hooks still run in the same order every time, so Solara's hook-order warning (issued when
# mesa.visualization is imported) is moot.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early")

import solara  # noqa: E402
from mesa.visualization import Slider, SolaraViz  # noqa: E402

from alliance_sim.viz.components import Dashboard  # noqa: E402
from alliance_sim.viz.model import (  # noqa: E402
    KNOB_LABELS,
    AllianceVizModel,
    knob_defaults,
    scenario_names,
)

#: Slider ranges (min, max, step) of the knobs.
KNOB_RANGES = {
    "russia_capacity": (0.05, 1.0, 0.05),
    "capacity_trend": (-0.3, 0.1, 0.01),
    "china_pull": (0.0, 1.0, 0.05),
    "turkey_pull": (0.0, 1.0, 0.05),
    "west_pull": (0.0, 1.0, 0.05),
    "contagion": (0.0, 10.0, 0.5),
    "public_pressure_weight": (0.0, 40.0, 1.0),
}


def model_params() -> dict:
    """SolaraViz inputs: scenario (every file in scenarios/), seed, knobs and the band's size."""
    defaults = knob_defaults()
    params: dict = {
        "scenario_name": {
            "type": "Select",
            "value": "baseline",
            "values": scenario_names(),
            "label": "Scenario",
        },
        "seed": {"type": "InputText", "value": "", "label": "Seed (blank: the scenario's)"},
    }
    for name, (low, high, step) in KNOB_RANGES.items():
        params[name] = Slider(KNOB_LABELS[name], defaults[name], low, high, step, dtype=float)
    params["band_replicates"] = Slider("Ensemble size (band)", 200, 50, 1000, 50, dtype=int)
    return params


@solara.component
def Page():
    """One session: its own model (never shared between browser sessions) and the dashboard."""
    initial = solara.use_memo(AllianceVizModel, [])
    model = solara.use_reactive(initial)
    params = solara.use_memo(model_params, [])
    SolaraViz(
        model,
        components=[],
        model_params=params,
        name="CSTO alliance simulator",
        play_interval=150,
    )
    Dashboard(model.value)
