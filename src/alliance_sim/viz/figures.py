"""Matplotlib charts of a :class:`~alliance_sim.viz.model.View`: map, bloc metrics, loyalty.

Each chart draws its static part once (axes, ticks, the ensemble band, seas, outside actors) and
then, for every month, only the artists that change (this run's lines, the nodes and edges),
blitted onto a saved background and encoded as PNG. That keeps a redraw in the tens of
milliseconds instead of hundreds. No pyplot: the charts are safe in the server's threads.
"""

from __future__ import annotations

import io
from functools import cache

import matplotlib.dates as mdates
import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from PIL import Image as PILImage

from ..core.mechanisms import loyalty_marks
from ..core.parameters import load_parameters
from .geography import EXTENT, LABEL_OFFSETS, PLACES, SEAS
from .model import METRICS, View, member_detail

LOYALTY_CMAP = colormaps["RdYlGn"]
LOYALTY_NORM = Normalize(0.0, 1.0)
#: Marker per engagement state (matplotlib marker codes).
STATE_MARKERS = {"active": "o", "reduced": "D", "frozen": "s", "exited": "X"}
ACTOR_MARKERS = {"threat": "v", "patron": "p", "sanctioner": "P"}
ACTOR_COLOUR = "#9aa0a6"
HOSTILE = "#d32f2f"
FRIENDLY = "#1f4e99"
METRIC_LABELS = {
    "integrity": "Integrity",
    "cohesion": "Cohesion",
    "credibility": "Credibility",
    "capacity": "Russia's capacity",
}
RUN_COLOUR = "#1f4e99"
BAND_COLOUR = "#7f9cc9"
DPI = 90
STATE_COLOURS = {"reduced": "#f0a030", "frozen": "#7b5ea7", "exited": "#d32f2f"}


@cache
def thresholds() -> dict[str, float]:
    """Loyalty levels below which a member leans to the next rung down (central values)."""
    share = float(load_parameters().globals["burden_share_reduced"].value)
    return {**loyalty_marks(share), "exited": 0.0}


def _days(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]")


def _date_axis(ax, view: View) -> Line2D:
    """Dated x axis over the horizon; returns the (animated) "now" marker line."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    dates = _days(view.ensemble.dates)
    ax.set_xlim(dates[0], dates[-1])
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25, lw=0.5)
    return ax.axvline(dates[0], color="#444", lw=0.8, ls=":", zorder=1, animated=True)


def _now(view: View) -> np.datetime64:
    return np.datetime64(view.date, "M").astype("datetime64[D]")


class BlitChart:
    """A figure whose static part is rendered once; :meth:`png` redraws only what changes.

    Subclasses build the figure in ``__init__`` (static artists normal, changing ones created
    with ``animated=True`` or added through :meth:`dynamic`) and implement :meth:`update`.
    """

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self._background = None
        self._transient: list = []

    def dynamic(self, artist):
        """Register an artist created for this update only (removed at the next update)."""
        artist.set_animated(True)
        self._transient.append(artist)
        return artist

    def clear_transient(self) -> None:
        """Remove the artists registered by :meth:`dynamic` since the last update."""
        for artist in self._transient:
            artist.remove()
        self._transient = []

    def update(self, view: View) -> None:  # pragma: no cover - abstract
        """Set the changing artists from ``view``."""
        raise NotImplementedError

    def png(self, view: View) -> bytes:
        """The chart for ``view`` as PNG bytes."""
        self.update(view)
        if self._background is None:
            self.canvas.draw()  # animated artists are left out of the background
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self._animated():
            artist.draw(renderer)
        width, height = self.canvas.get_width_height()
        image = PILImage.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        out = io.BytesIO()
        image.save(out, format="png", compress_level=1)
        return out.getvalue()

    def _animated(self) -> list:
        found = [a for a in self.figure.findobj(lambda a: a.get_animated()) if a.get_visible()]
        return sorted(found, key=lambda a: a.get_zorder())

    def static_figure(self, view: View) -> Figure:
        """The whole chart for ``view`` as an ordinary figure (for saving or inspecting)."""
        self.update(view)
        for artist in self.figure.findobj(lambda a: a.get_animated()):
            artist.set_animated(False)
        self._background = None
        return self.figure


# ---------------------------------------------------------------------------------------- map
class MapChart(BlitChart):
    """The bloc as a map-like network: capitals, loyalty colours, engagement markers, relations.

    Static: seas, graticule, outside actors, legend and colour bar. Changing: relation edges
    (clashes make them hostile, exits dash them), member nodes and their labels.
    """

    def __init__(self, view: View, width: float = 7.6, height: float = 4.3) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        fig = self.figure
        ax = self.ax = fig.add_axes((0.005, 0.1, 0.9, 0.895))
        lon0, lon1, lat0, lat1 = EXTENT
        ax.set_xlim(lon0, lon1)
        ax.set_ylim(lat0, lat1)
        ax.set_aspect(1.0 / np.cos(np.radians(47.0)))
        ax.set_facecolor("#f7f5ef")
        for lon in range(20, 95, 10):
            ax.axvline(lon, color="#e4e0d4", lw=0.5, zorder=0)
        for lat in range(35, 65, 5):
            ax.axhline(lat, color="#e4e0d4", lw=0.5, zorder=0)
        for name, outline in SEAS.items():
            ax.add_patch(
                Polygon(outline, closed=True, fc="#d6e6f2", ec="#b6cde0", lw=0.6, zorder=0)
            )
            xs, ys = zip(*outline, strict=True)
            ax.text(np.mean(xs), np.mean(ys), name, fontsize=6, color="#7a98b3", ha="center",
                    va="center", style="italic", zorder=0)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        for name, kind in view.actor_kinds.items():
            x, y, label = PLACES[name]
            ax.scatter(x, y, s=150, marker=ACTOR_MARKERS.get(kind, "s"), c=ACTOR_COLOUR,
                       edgecolors="#5f6368", linewidths=1.0, zorder=3)  # fmt: skip
            dx, dy, ha, va = LABEL_OFFSETS.get(name, (0, -10, "center", "top"))
            ax.annotate(f"{label}\n{kind}", (x, y), xytext=(dx, dy), textcoords="offset points",
                        ha=ha, va=va, fontsize=7, style="italic", color="#5f6368")  # fmt: skip
        handles = [
            Line2D([], [], marker=m, ls="", mfc="white", mec="#222", ms=7, label=s)
            for s, m in STATE_MARKERS.items()
        ]
        handles += [
            Line2D([], [], marker="p", ls="", mfc=ACTOR_COLOUR, mec="#5f6368", ms=7,
                   label="outside actor"),
            Line2D([], [], color=HOSTILE, lw=2, label="hostile"),
            Line2D([], [], color=FRIENDLY, lw=2, alpha=0.5, label="friendly"),
        ]  # fmt: skip
        fig.legend(handles=handles, loc="lower center", fontsize=7, ncol=7, frameon=False,
                   borderpad=0.2, handletextpad=0.3, columnspacing=1.0)  # fmt: skip
        bar = fig.colorbar(_loyalty_mappable(), cax=fig.add_axes((0.925, 0.2, 0.018, 0.7)))
        bar.set_label("loyalty", fontsize=8)
        bar.ax.tick_params(labelsize=7)

    def update(self, view: View) -> None:
        """Redraw edges and member nodes for ``view``."""
        self.clear_transient()
        ax = self.ax
        for a, b, w in view.relations:
            if a not in PLACES or b not in PLACES:
                continue
            (xa, ya, _), (xb, yb, _) = PLACES[a], PLACES[b]
            gone = view.states.get(a) == "exited" or view.states.get(b) == "exited"
            if w < -0.05:
                style = {"color": HOSTILE, "lw": 0.8 + 3.0 * -w, "alpha": 0.85}
            elif w >= 0.3:
                style = {"color": FRIENDLY, "lw": 0.5 + 2.5 * w, "alpha": 0.45}
            elif w > 0.0:
                style = {"color": FRIENDLY, "lw": 0.6, "alpha": 0.15}
            else:
                continue
            (line,) = ax.plot([xa, xb], [ya, yb], ls="--" if gone else "-", zorder=1, **style)
            self.dynamic(line)
        for name in view.members:
            x, y, label = PLACES[name]
            state = view.states[name]
            hegemon = name == view.hegemon
            colour = LOYALTY_CMAP(LOYALTY_NORM(view.loyalty[name]))
            exited = state == "exited"
            self.dynamic(
                ax.scatter(
                    x,
                    y,
                    s=520 if hegemon else 300,
                    marker=STATE_MARKERS[state],
                    c=[colour],
                    edgecolors=HOSTILE if exited else "#222",
                    linewidths=1.6,
                    zorder=4,
                )  # fmt: skip
            )
            detail = member_detail(view, name)
            dx, dy, ha, va = LABEL_OFFSETS.get(name, (0, 11, "center", "bottom"))
            self.dynamic(
                ax.annotate(
                    f"{label}\n{detail}",
                    (x, y),
                    xytext=(dx, dy),
                    textcoords="offset points",
                    ha=ha,
                    va=va,
                    fontsize=7.5,
                    weight="normal" if exited else "bold",
                    color=HOSTILE if exited else "#222",
                    zorder=5,
                )  # fmt: skip
            )


def _loyalty_mappable():
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=LOYALTY_NORM, cmap=LOYALTY_CMAP)


# -------------------------------------------------------------------------------- bloc metrics
class BlocChart(BlitChart):
    """Bloc metrics: this run, the ensemble median and its 90% band, one panel per metric."""

    def __init__(self, view: View, width: float = 6.4, height: float = 4.3) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        fig = self.figure
        fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.08, hspace=0.3, wspace=0.18)
        self.axes = fig.subplots(2, 2, sharex=True).ravel()
        band_dates = _days(view.ensemble.dates)
        self.lines, self.dots, self.nows, self.titles = {}, {}, {}, {}
        for ax, key in zip(self.axes, METRICS, strict=True):
            q = view.ensemble.metrics[key]
            ax.fill_between(band_dates, q[:, 0], q[:, 2], color=BAND_COLOUR, alpha=0.3, lw=0,
                            label=f"90% band ({view.ensemble.replicates} runs)")  # fmt: skip
            ax.plot(band_dates, q[:, 1], color=BAND_COLOUR, lw=1.3, ls="--",
                    label="ensemble median")  # fmt: skip
            (self.lines[key],) = ax.plot([], [], color=RUN_COLOUR, lw=2.0, label="this run",
                                         animated=True)  # fmt: skip
            (self.dots[key],) = ax.plot([], [], "o", color=RUN_COLOUR, ms=4, animated=True)
            self.titles[key] = ax.text(0.0, 1.03, "", transform=ax.transAxes, fontsize=9,
                                       animated=True)  # fmt: skip
            ax.set_ylim(0, 1.02)
            self.nows[key] = _date_axis(ax, view)
        self.axes[0].legend(fontsize=7, loc="lower left", framealpha=0.85)

    def update(self, view: View) -> None:
        """Set this run's lines, the current values and the "now" marker."""
        run_dates = _days(view.trace_dates)
        now = _now(view)
        for key in METRICS:
            values = view.trace[key]
            self.lines[key].set_data(run_dates, values)
            self.dots[key].set_data(run_dates[-1:], values[-1:])
            self.titles[key].set_text(f"{METRIC_LABELS[key]}  {values[-1]:.2f}")
            self.nows[key].set_xdata([now, now])


# ------------------------------------------------------------------------------ member loyalty
class LoyaltyChart(BlitChart):
    """Each member's loyalty: this run, the ensemble band, and the ladder's thresholds."""

    def __init__(self, view: View, width: float = 7.6, height: float = 4.0) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        fig = self.figure
        self.names = [n for n in view.members if n != view.hegemon]
        cols = 3
        rows = int(np.ceil(len(self.names) / cols))
        fig.subplots_adjust(left=0.06, right=0.99, top=0.93, bottom=0.08, hspace=0.32, wspace=0.08)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True)).ravel()
        band_dates = _days(view.ensemble.dates)
        limits = thresholds()
        for ax in axes[len(self.names) :]:
            ax.set_visible(False)
        self.axes = dict(zip(self.names, axes, strict=False))
        self.lines, self.nows, self.titles, self.marks = {}, {}, {}, {}
        for name, ax in self.axes.items():
            i = view.members.index(name)
            spans = (
                (0, limits["exited"], "exited"),
                (limits["exited"], limits["frozen"], "frozen"),
                (limits["frozen"], limits["reduced"], "reduced"),
            )
            for low, high, state in spans:
                ax.axhspan(low, high, color=STATE_COLOURS[state], alpha=0.07, lw=0)
            q = view.ensemble.loyalty[:, i, :]
            ax.fill_between(band_dates, q[:, 0], q[:, 2], color=BAND_COLOUR, alpha=0.3, lw=0)
            ax.plot(band_dates, q[:, 1], color=BAND_COLOUR, lw=1.0, ls="--")
            (self.lines[name],) = ax.plot([], [], color=RUN_COLOUR, lw=1.8, animated=True)
            self.marks[name] = {
                state: ax.plot([], [], ls="", marker=marker, ms=6, mec="#222", mew=0.6,
                               color=STATE_COLOURS.get(state, "#2e7d32"), animated=True)[0]
                for state, marker in STATE_MARKERS.items()
            }  # fmt: skip
            self.titles[name] = ax.text(0.0, 1.03, "", transform=ax.transAxes, fontsize=8.5,
                                        animated=True)  # fmt: skip
            ax.set_ylim(0, 1)
            self.nows[name] = _date_axis(ax, view)

    def update(self, view: View) -> None:
        """Set this run's loyalty lines, state-change markers and titles."""
        run_dates = _days(view.trace_dates)
        now = _now(view)
        for name in self.names:
            i = view.members.index(name)
            loyalty = view.trace_loyalty[:, i]
            self.lines[name].set_data(run_dates, loyalty)
            states = view.trace_states[:, i]
            changed = np.flatnonzero(np.diff(states) != 0) + 1
            for code, mark in enumerate(self.marks[name].values()):
                at = changed[states[changed] == code]
                mark.set_data(run_dates[at], loyalty[at])
            state = view.states[name]
            share = view.ensemble.exit_share[name]
            title = self.titles[name]
            title.set_text(f"{name.capitalize()} · {state} · P(exit) {share:.0%}")
            title.set_color(STATE_COLOURS.get(state, "#222"))
            self.nows[name].set_xdata([now, now])


def map_figure(view: View) -> Figure:
    """The map for ``view`` as an ordinary figure."""
    return MapChart(view).static_figure(view)


def bloc_figure(view: View) -> Figure:
    """The bloc-metrics chart for ``view`` as an ordinary figure."""
    return BlocChart(view).static_figure(view)


def loyalty_figure(view: View) -> Figure:
    """The members' loyalty chart for ``view`` as an ordinary figure."""
    return LoyaltyChart(view).static_figure(view)
