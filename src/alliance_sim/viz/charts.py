"""Interactive Altair (Vega-Lite) charts of a :class:`~alliance_sim.viz.model.View`.

As Mesa's own SolaraViz plot components do, the charts are Vega-Lite specs drawn in the browser
by Solara's VegaLite widget: hovering shows values, and Vega's action menu (…) saves a chart as
PNG or SVG. Each chart shows this run, the ensemble median and 90% band, a pinned reference band
when one is pinned, and the scenario's documented events and the user's interventions as dated
rules.

Altair builds and validates a chart's spec once per ensemble (that takes about a second); every
month only the named datasets (this run, the month on screen) are refilled, which takes a few
milliseconds.
"""

from __future__ import annotations

import copy
import json

import altair as alt
import numpy as np
import pandas as pd

from .model import METRICS, View, member_detail
from .text import METRIC_LABELS, human

RUN = "#1f4e99"
BAND = "#7f9cc9"
PINNED = "#d9822b"
EVENT = "#8e24aa"
ZONES = {"reduce": "#f0a030", "freeze": "#7b5ea7", "exit": "#d32f2f"}


#: Panel templates (JSON with placeholders) by chart type, horizon and thresholds.
_PANELS: dict[tuple, tuple] = {}


def _dates(months) -> list[str]:
    return [f"{m}-15" for m in (str(x) for x in months)]


def share_text(share: float, replicates: int) -> str:
    """A share of the ensemble in words; none is "< 1/R", never a certain 0%."""
    if share <= 0:
        return f"< {100 / replicates:.1f}%" if replicates else "n/a"
    if share >= 1:
        return "100%"
    return f"{share:.0%}" if share >= 0.01 else f"{share:.1%}"


def _band_rows(band, label: str, panels: dict[str, np.ndarray]) -> list[dict]:
    dates = _dates(band.dates)
    rows = []
    for panel, q in panels.items():
        for d, (lo, mid, hi) in zip(dates, q, strict=True):
            rows.append(
                {
                    "date": d,
                    "panel": panel,
                    "series": label,
                    "low": float(lo),
                    "median": float(mid),
                    "high": float(hi),
                }
            )
    return rows


def _markers(view: View) -> list[dict]:
    by_month: dict[str, list[str]] = {}
    for m in view.markers:
        if view.start <= m["date"] <= view.end:
            by_month.setdefault(m["date"], []).append(m["label"])
    return [{"date": f"{d}-15", "month": d, "what": "; ".join(w)} for d, w in by_month.items()]


class Chart:
    """A faceted chart: a static template per ensemble and pinned band, refilled every month.

    Args:
        view: The view the template is built for (its ensemble and horizon).
        pinned: A pinned reference band, or None.
    """

    width = 260
    height = 120
    columns = 2

    def __init__(self, view: View, pinned=None) -> None:
        self.panels = self.panel_names(view)
        bands = _band_rows(view.ensemble, "ensemble", self.band_panels(view, view.ensemble))
        if pinned is not None:
            bands += _band_rows(pinned, "pinned", self.band_panels(view, pinned))
        x = alt.X(
            "date:T",
            title=None,
            scale=alt.Scale(domain=[f"{view.ensemble.dates[0]}-01", f"{view.end}-28"]),
            axis=alt.Axis(format="%Y-%m", labelOverlap=True, tickCount=4),
        )
        # Altair's composition (concat, layer) deep-copies whole charts and takes seconds for
        # a dozen panels: build one panel with placeholders and compose the spec by hand.
        key = (
            type(self),
            str(view.ensemble.dates[0]),
            view.end,
            tuple(getattr(self, "thresholds", {}).items()),
        )
        if key not in _PANELS:
            one = self.panel("__PANEL__", "__TITLE__", x).to_dict(validate=False)
            one.pop("config", None)
            _PANELS[key] = (one.pop("$schema", None), one.pop("datasets", {}), json.dumps(one))
        schema, datasets, text = _PANELS[key]
        panels = [
            json.loads(text.replace("__PANEL__", name).replace("__TITLE__", title))
            for name, title in self.panels.items()
        ]
        rows = [
            {"hconcat": panels[i : i + self.columns]} for i in range(0, len(panels), self.columns)
        ]
        spec = {
            "$schema": schema,
            "vconcat": rows,
            "config": {
                "view": {"stroke": None},
                "axis": {"labelFontSize": 10, "gridOpacity": 0.4},
                "title": {"fontSize": 12, "anchor": "start"},
            },
            "background": "transparent",
            "datasets": {**datasets, "band": bands, "markers": _markers(view)},
        }
        self.template = spec

    # -- to be provided by subclasses
    def panel_names(self, view: View) -> dict[str, str]:  # pragma: no cover - abstract
        """Panel key -> title."""
        raise NotImplementedError

    def band_panels(self, view: View, band) -> dict[str, np.ndarray]:  # pragma: no cover
        """Panel key -> band quantiles ``(T, 3)``."""
        raise NotImplementedError

    def run_rows(self, view: View) -> list[dict]:  # pragma: no cover - abstract
        """This run's rows: date, month, panel, value."""
        raise NotImplementedError

    def label_rows(self, view: View) -> list[dict]:
        """Per-panel text shown in the panel's corner."""
        return []

    def extra_layers(self, name: str, x) -> list:
        """Layers drawn under the band (e.g. the ladder's zones)."""
        return []

    # -- shared
    def panel(self, name: str, title: str, x) -> alt.LayerChart:
        """One panel: zones, band, median, this run, events, the month on screen, its label."""
        here = alt.datum.panel == name
        y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1]))
        colour = alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=["ensemble", "pinned"], range=[BAND, PINNED]),
            legend=None,
        )
        band = alt.Chart(alt.NamedData("band")).transform_filter(here)
        layers = [
            *self.extra_layers(name, x),
            band.mark_area(opacity=0.25).encode(
                x=x,
                y=alt.Y("low:Q", title=None, scale=alt.Scale(domain=[0, 1])),
                y2="high:Q",
                color=colour,
                tooltip=[
                    alt.Tooltip("series:N", title="band"),
                    alt.Tooltip("date:T", title="month", format="%Y-%m"),
                    alt.Tooltip("low:Q", title="5%", format=".2f"),
                    alt.Tooltip("median:Q", title="median", format=".2f"),
                    alt.Tooltip("high:Q", title="95%", format=".2f"),
                ],
            ),
            band.mark_line(strokeDash=[5, 3], strokeWidth=1.2).encode(
                x=x, y=alt.Y("median:Q", title=None), color=colour
            ),
            alt.Chart(alt.NamedData("run"))
            .transform_filter(here)
            .mark_line(point=alt.OverlayMarkDef(size=22, filled=True), strokeWidth=2.2, color=RUN)
            .encode(
                x=x,
                y=y,
                tooltip=[
                    alt.Tooltip("month:N"),
                    alt.Tooltip("value:Q", title=f"{title}, this run", format=".3f"),
                    *self.run_tooltip(),
                ],
            ),
            alt.Chart(alt.NamedData("markers"))
            .mark_rule(color=EVENT, strokeDash=[2, 3], opacity=0.7)
            .encode(
                x=x,
                tooltip=[alt.Tooltip("month:N"), alt.Tooltip("what:N", title="event")],
            ),
            alt.Chart(alt.NamedData("now"))
            .mark_rule(color="#777", strokeWidth=1.2)
            .encode(x=x, tooltip=[alt.Tooltip("month:N", title="on screen")]),
            alt.Chart(alt.NamedData("labels"))
            .transform_filter(here)
            .mark_text(align="right", baseline="top", dx=-2, dy=2, fontSize=11, fontWeight="bold")
            .encode(
                x=alt.value(self.width),
                y=alt.value(0),
                text="text:N",
                color=alt.value(RUN),
            ),
        ]
        return alt.layer(*layers).properties(
            width=self.width, height=self.height, title=alt.TitleParams(title)
        )

    def run_tooltip(self) -> list:
        """Extra tooltip fields of this run's points."""
        return []

    def data(self, view: View) -> dict[str, list[dict]]:
        """The datasets that change every month: this run, the month on screen, the labels."""
        return {
            "run": self.run_rows(view),
            "now": [{"date": f"{view.date}-15", "month": view.date}],
            "labels": self.label_rows(view),
        }

    def spec(self, view: View) -> dict:
        """The whole Vega-Lite spec for ``view``: the template with this month's data."""
        spec = copy.copy(self.template)
        spec["datasets"] = {**self.template["datasets"], **self.data(view)}
        return spec


class BlocChart(Chart):
    """Bloc metrics, one panel per metric (keys from :data:`~alliance_sim.viz.model.METRICS`)."""

    def panel_names(self, view: View) -> dict[str, str]:
        """Panel key -> title."""
        return {key: METRIC_LABELS[key] for key in METRICS}

    def band_panels(self, view: View, band) -> dict[str, np.ndarray]:
        """Panel key -> band quantiles ``(T, 3)``."""
        return {key: band.metrics[key] for key in METRICS}

    def run_rows(self, view: View) -> list[dict]:
        """This run's values so far, one row per month and metric."""
        months = [str(d) for d in view.trace_dates]
        dates = _dates(months)
        return [
            {"date": d, "month": m, "panel": key, "value": float(v)}
            for key in METRICS
            for d, m, v in zip(dates, months, view.trace[key], strict=True)
        ]

    def label_rows(self, view: View) -> list[dict]:
        """The current value of each metric."""
        return [{"panel": key, "text": f"{view.trace[key][-1]:.2f}"} for key in METRICS]


class LoyaltyChart(Chart):
    """Each member's loyalty with the ladder's zones; the label gives state and P(out)."""

    width = 170
    height = 90
    columns = 3

    def __init__(self, view: View, thresholds: dict[str, float], pinned=None) -> None:
        self.thresholds = thresholds
        super().__init__(view, pinned)

    def panel_names(self, view: View) -> dict[str, str]:
        """Member -> title (the hegemon has no loyalty panel)."""
        return {n: human(n) for n in view.members if n != view.hegemon}

    def band_panels(self, view: View, band) -> dict[str, np.ndarray]:
        """Member -> loyalty band ``(T, 3)``."""
        return {n: band.loyalty[:, view.members.index(n), :] for n in self.panels}

    def extra_layers(self, name: str, x) -> list:
        """The ladder's zones (reduce, freeze, exit) as shaded bands."""
        t = self.thresholds
        zones = pd.DataFrame(
            {
                "low": [0.0, t["exited"], t["frozen"]],
                "high": [t["exited"], t["frozen"], t["reduced"]],
                "zone": ["exit", "freeze", "reduce"],
            }
        )
        return [
            alt.Chart(zones)
            .mark_rect(opacity=0.1)
            .encode(
                y=alt.Y("low:Q", title=None, scale=alt.Scale(domain=[0, 1])),
                y2="high:Q",
                color=alt.Color(
                    "zone:N",
                    scale=alt.Scale(domain=list(ZONES), range=list(ZONES.values())),
                    legend=None,
                ),
                tooltip=[alt.Tooltip("zone:N", title="ladder zone")],
            )
        ]

    def run_tooltip(self) -> list:
        """The member's state in this run."""
        return [alt.Tooltip("state:N")]

    def run_rows(self, view: View) -> list[dict]:
        """Each member's loyalty and state so far."""
        months = [str(d) for d in view.trace_dates]
        dates = _dates(months)
        rows = []
        for n in self.panels:
            i = view.members.index(n)
            loyalty = view.trace_loyalty[:, i]
            states = view.trace_states[:, i]
            rows += [
                {"date": d, "month": m, "panel": n, "value": float(v), "state": view.state_names[s]}
                for d, m, v, s in zip(dates, months, loyalty, states, strict=True)
            ]
        return rows

    def label_rows(self, view: View) -> list[dict]:
        """State now and P(out at horizon)."""
        band = view.ensemble
        share = {n: share_text(band.exit_share[n], band.replicates) for n in self.panels}
        return [{"panel": n, "text": f"{view.states[n]} · P(out) {share[n]}"} for n in self.panels]


# ------------------------------------------------------------------------------------- map
#: Label placement per place: (d_lon, d_lat) from the node, and the text's alignment. Chosen so
#: that no two labels, nodes or sea names overlap on the map's extent.
LABEL_PLACES = {
    "russia": (0.0, 3.8, "center"),
    "belarus": (0.6, -2.1, "left"),
    "kazakhstan": (0.0, 3.0, "center"),
    "kyrgyzstan": (2.2, 0.0, "left"),
    "tajikistan": (0.0, -2.6, "center"),
    "armenia": (-1.4, -1.6, "right"),
    "uzbekistan": (-1.8, 1.6, "right"),
    "azerbaijan": (1.4, -2.0, "left"),
    "china": (1.0, 2.2, "right"),
    "turkey": (-1.0, 2.0, "right"),
    "west": (-1.0, -2.6, "left"),
}
SEA_LABELS = {"Caspian Sea": (51.0, 46.0), "Black Sea": (35.0, 43.2)}
#: Map templates by the outside actors' roles.
_MAPS: dict[tuple, dict] = {}
STATE_SHAPES = {"active": "circle", "reduced": "diamond", "frozen": "square", "exited": "cross"}


class MapChart:
    """The bloc as a map-like network (Vega-Lite, equirectangular projection).

    Capitals are coloured by loyalty, with a shape per engagement state; relations are edges
    (red hostile, blue friendly, dashed once a member has left); outside actors are grey.
    Hover a member for its state, war stance, loyalty, trust and threat; hover an edge for its
    affinity. A member backing the hegemon's war says so in its label.
    """

    width = 560
    height = 330

    def __init__(self, view: View) -> None:
        from .geography import PLACES

        self.places = PLACES
        key = tuple(view.actor_kinds.items())
        if key not in _MAPS:
            _MAPS[key] = self._template(view)
        self.template = _MAPS[key]

    def _template(self, view: View) -> dict:
        from .geography import EXTENT, PLACES, SEAS

        lon0, lon1, lat0, lat1 = EXTENT
        projection = alt.Projection(
            type="equirectangular",
            center=[(lon0 + lon1) / 2, (lat0 + lat1) / 2],
            scale=self.width / np.radians(lon1 - lon0),
            translate=[self.width / 2, self.height / 2],
        )
        seas = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "Polygon", "coordinates": [[*outline, outline[0]]]},
                }
                for name, outline in SEAS.items()
            ],
        }
        actors = [
            {"lon": PLACES[n][0], "lat": PLACES[n][1], "name": human(n), "kind": kind,
             **self._label(n, f"{PLACES[n][2]} · {kind}")}
            for n, kind in view.actor_kinds.items()
        ]  # fmt: skip
        sea_labels = [{"lon": x, "lat": y, "name": n} for n, (x, y) in SEA_LABELS.items()]
        layers = [
            alt.Chart(alt.Data(values=seas["features"]))
            .mark_geoshape(fill="#d6e6f2", stroke="#b6cde0", strokeWidth=0.6)
            .encode(tooltip=[alt.Tooltip("properties.name:N", title="sea")]),
            alt.Chart(alt.Data(values=sea_labels))
            .mark_text(fontSize=9, fontStyle="italic", color="#7a98b3")
            .encode(longitude="lon:Q", latitude="lat:Q", text="name:N"),
            alt.Chart(alt.NamedData("edges"))
            .mark_rule()
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                longitude2="lon2:Q",
                latitude2="lat2:Q",
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(domain=["hostile", "friendly"], range=["#d32f2f", "#1f4e99"]),
                    legend=alt.Legend(title=None, orient="bottom", direction="horizontal"),
                ),
                strokeWidth=alt.StrokeWidth("width:Q", scale=None, legend=None),
                opacity=alt.Opacity("alpha:Q", scale=None, legend=None),
                strokeDash=alt.StrokeDash("dash:N", scale=None, legend=None),
                tooltip=[
                    alt.Tooltip("pair:N", title="relation"),
                    alt.Tooltip("weight:Q", title="affinity (−1 to 1)", format="+.2f"),
                ],
            ),
            alt.Chart(alt.Data(values=actors))
            .mark_point(shape="triangle-down", filled=True, size=150, color="#9aa0a6")
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                tooltip=[alt.Tooltip("name:N", title="outside actor"), alt.Tooltip("kind:N")],
            ),
            *self._labels(alt.Data(values=actors), "#5f6368", "normal", italic=True),
            alt.Chart(alt.NamedData("nodes"))
            .mark_point(filled=True, stroke="#222", strokeWidth=1.2, opacity=1)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                size=alt.Size("size:Q", scale=None, legend=None),
                shape=alt.Shape(
                    "state:N",
                    scale=alt.Scale(domain=list(STATE_SHAPES), range=list(STATE_SHAPES.values())),
                    legend=alt.Legend(title=None, orient="bottom", direction="horizontal"),
                ),
                color=alt.Color(
                    "loyalty:Q",
                    scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                    legend=alt.Legend(title="loyalty", orient="right", gradientLength=120),
                ),
                tooltip=[
                    alt.Tooltip("name:N", title="member"),
                    alt.Tooltip("state:N"),
                    alt.Tooltip("stance:N", title="war stance"),
                    alt.Tooltip("loyalty:Q", format=".2f"),
                    alt.Tooltip("trust:Q", title="trust in Russia", format=".2f"),
                    alt.Tooltip("threat:Q", format=".2f"),
                ],
            ),
            *self._labels(alt.NamedData("nodes"), "#222", "bold"),
        ]
        chart = (
            alt.layer(*layers)
            .project(**projection.to_dict())
            .properties(width=self.width, height=self.height)
            .configure_view(stroke="#ccc", fill="#f7f5ef")
            .configure_legend(labelFontSize=10, symbolSize=80)
        )
        template = chart.to_dict(validate=False)
        template["background"] = "transparent"
        return template

    def _label(self, name: str, text: str) -> dict:
        x, y, _ = self.places[name]
        dx, dy, align = LABEL_PLACES.get(name, (0.0, 1.8, "center"))
        return {"label_lon": x + dx, "label_lat": y + dy, "align": align, "label": text}

    @staticmethod
    def _labels(data, colour: str, weight: str, italic: bool = False) -> list:
        return [
            alt.Chart(data)
            .transform_filter(alt.datum.align == align)
            .mark_text(
                align=align, fontSize=10, fontWeight=weight, color=colour, lineBreak="\n",
                fontStyle="italic" if italic else "normal",
            )
            .encode(longitude="label_lon:Q", latitude="label_lat:Q", text="label:N")
            for align in ("left", "center", "right")
        ]  # fmt: skip

    def data(self, view: View) -> dict[str, list[dict]]:
        """Nodes and edges for the month on screen."""
        nodes = []
        for n in view.members:
            x, y, place = self.places[n]
            nodes.append(
                {"lon": x, "lat": y, "name": human(n), "state": view.states[n],
                 "stance": view.stances[n],
                 "loyalty": view.loyalty[n], "trust": view.trust[n], "threat": view.threat[n],
                 "size": 420 if n == view.hegemon else 240,
                 **self._label(n, f"{place}\n{member_detail(view, n)}")}
            )  # fmt: skip
        edges = []
        for a, b, w in view.relations:
            if a not in self.places or b not in self.places or abs(w) < 0.05:
                continue
            gone = view.states.get(a) == "exited" or view.states.get(b) == "exited"
            hostile = w < 0
            edges.append(
                {"lon": self.places[a][0], "lat": self.places[a][1],
                 "lon2": self.places[b][0], "lat2": self.places[b][1],
                 "kind": "hostile" if hostile else "friendly", "weight": w,
                 "pair": f"{human(a)} – {human(b)}",
                 "width": 0.8 + 3.0 * abs(w) if hostile else 0.5 + 2.5 * w,
                 "alpha": 0.85 if hostile else 0.15 + 0.4 * w,
                 "dash": [4, 3] if gone else [1, 0]}
            )  # fmt: skip
        return {"nodes": nodes, "edges": edges}
