"""A Vega-Lite widget that embeds a chart once and then only replaces its named datasets.

Solara's own ``VegaLite`` widget (what ``solara.FigureAltair`` and Mesa's Altair components
use) re-embeds the whole chart, after a 100 ms debounce, whenever anything changes. Stepping
month by month changes only this run's data, so :class:`VegaView` sends the chart's template
once per ensemble and then just the small datasets; the browser swaps them into the running
Vega view. ``datasets`` carries a ``_version`` entry; ``data-version`` on the element says which
version is on screen (tests and the browser benchmark wait for it).
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import traitlets


class VegaView(v.VuetifyTemplate):
    """Vega-Lite chart: ``spec`` (template with static datasets) plus ``datasets`` (named rows)."""

    template_file = str(Path(__file__).with_name("vue") / "vegaview.vue")
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self):
        import solara.settings

        if not solara.settings.assets.proxy:
            return solara.settings.assets.cdn
        return None
