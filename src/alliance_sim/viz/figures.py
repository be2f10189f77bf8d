"""Matplotlib figures of a :class:`~alliance_sim.viz.model.View`: map, bloc metrics, loyalty.

Pure functions from a view to a ``matplotlib.figure.Figure`` (no pyplot, so they are safe in the
server's threads); the Solara components only display them.
"""

from __future__ import annotations

from functools import cache

import matplotlib.dates as mdates
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from ..parameters import load_parameters
from .geography import EXTENT, PLACES, SEAS
from .model import METRICS, View

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
#: Label placement per state: (dx, dy) in points, horizontal and vertical alignment.
LABEL_OFFSETS = {
    "russia": (0, 13, "center", "bottom"),
    "kyrgyzstan": (11, -3, "left", "top"),
    "tajikistan": (0, -11, "center", "top"),
    "uzbekistan": (-12, 2, "right", "center"),
    "armenia": (-4, -9, "right", "top"),
    "turkey": (0, 9, "center", "bottom"),
}
STATE_COLOURS = {"reduced": "#f0a030", "frozen": "#7b5ea7", "exited": "#d32f2f"}


@cache
def thresholds() -> dict[str, float]:
    """Loyalty thresholds of the engagement ladder (packaged central values)."""
    g = load_parameters().globals
    return {
        "reduced": float(g["reduce_threshold"].value),
        "frozen": float(g["freeze_threshold"].value),
        "exited": float(g["exit_threshold"].value),
    }


def _days(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]")


def _date_axis(ax, view: View) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    dates = _days(view.ensemble.dates)
    ax.set_xlim(dates[0], dates[-1])
    now = np.datetime64(view.date, "M").astype("datetime64[D]")
    ax.axvline(now, color="#444", lw=0.8, ls=":", zorder=1)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25, lw=0.5)


# ---------------------------------------------------------------------------------------- map
def map_figure(view: View, width: float = 7.6, height: float = 4.3) -> Figure:
    """The bloc as a map-like network: capitals, loyalty colours, engagement markers, relations."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0.005, 0.1, 0.9, 0.895))
    lon0, lon1, lat0, lat1 = EXTENT
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0 / np.cos(np.radians(47.0)))
    ax.set_facecolor("#f7f5ef")
    for lon in range(20, 95, 10):
        ax.axvline(lon, color="#e4e0d4", lw=0.5, zorder=0)
    for lat in range(40, 60, 5):
        ax.axhline(lat, color="#e4e0d4", lw=0.5, zorder=0)
    for name, outline in SEAS.items():
        ax.add_patch(Polygon(outline, closed=True, fc="#d6e6f2", ec="#b6cde0", lw=0.6, zorder=0))
        xs, ys = zip(*outline, strict=True)
        ax.text(
            np.mean(xs),
            np.mean(ys),
            name,
            fontsize=6,
            color="#7a98b3",
            ha="center",
            va="center",
            style="italic",
            zorder=0,
        )
    ax.set_xticks([])
    ax.set_yticks([])

    # relations: hostile red, friendly blue, width by strength; mild ties faint
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
        ax.plot([xa, xb], [ya, yb], ls="--" if gone else "-", zorder=1, **style)

    for name, kind in view.actor_kinds.items():
        x, y, label = PLACES[name]
        ax.scatter(
            x,
            y,
            s=150,
            marker=ACTOR_MARKERS.get(kind, "s"),
            c=ACTOR_COLOUR,
            edgecolors="#5f6368",
            linewidths=1.0,
            zorder=3,
        )
        dx, dy, ha, va = LABEL_OFFSETS.get(name, (0, -10, "center", "top"))
        ax.annotate(
            f"{label}\n{kind}",
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=7,
            style="italic",
            color="#5f6368",
        )

    for name in view.members:
        x, y, label = PLACES[name]
        state = view.states[name]
        hegemon = name == view.hegemon
        colour = LOYALTY_CMAP(LOYALTY_NORM(view.loyalty[name]))
        size = 520 if hegemon else 300
        ax.scatter(
            x,
            y,
            s=size,
            marker=STATE_MARKERS[state],
            c=[colour],
            edgecolors="#222" if state != "exited" else HOSTILE,
            linewidths=1.6,
            zorder=4,
        )
        if hegemon:
            detail = f"hegemon · capacity {view.capacity:.2f}"
        else:
            detail = f"{state} · loyalty {view.loyalty[name]:.2f}"
        dx, dy, ha, va = LABEL_OFFSETS.get(name, (0, 11, "center", "bottom"))
        ax.annotate(
            f"{label}\n{detail}",
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=7.5,
            weight="bold" if state != "exited" else "normal",
            color="#222" if state != "exited" else HOSTILE,
            zorder=5,
        )

    handles = [
        Line2D([], [], marker=m, ls="", mfc="white", mec="#222", ms=7, label=s)
        for s, m in STATE_MARKERS.items()
    ]
    handles += [
        Line2D(
            [], [], marker="p", ls="", mfc=ACTOR_COLOUR, mec="#5f6368", ms=7, label="outside actor"
        ),
        Line2D([], [], color=HOSTILE, lw=2, label="hostile"),
        Line2D([], [], color=FRIENDLY, lw=2, alpha=0.5, label="friendly"),
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        fontsize=7,
        ncol=7,
        frameon=False,
        borderpad=0.2,
        handletextpad=0.3,
        columnspacing=1.0,
    )
    bar = fig.colorbar(_loyalty_mappable(), cax=fig.add_axes((0.925, 0.2, 0.018, 0.7)))
    bar.set_label("loyalty", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


def _loyalty_mappable():
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=LOYALTY_NORM, cmap=LOYALTY_CMAP)


# -------------------------------------------------------------------------------- bloc metrics
def bloc_figure(view: View, width: float = 6.4, height: float = 4.3) -> Figure:
    """Bloc metrics: this run, the ensemble median and its 90% band, one panel per metric."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.08, hspace=0.3, wspace=0.18)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    band_dates = _days(view.ensemble.dates)
    run_dates = _days(view.trace_dates)
    for ax, key in zip(axes, METRICS, strict=True):
        q = view.ensemble.metrics[key]
        ax.fill_between(
            band_dates,
            q[:, 0],
            q[:, 2],
            color=BAND_COLOUR,
            alpha=0.3,
            lw=0,
            label=f"90% band ({view.ensemble.replicates} runs)",
        )
        ax.plot(band_dates, q[:, 1], color=BAND_COLOUR, lw=1.3, ls="--", label="ensemble median")
        ax.plot(run_dates, view.trace[key], color=RUN_COLOUR, lw=2.0, label="this run")
        ax.plot(run_dates[-1:], view.trace[key][-1:], "o", color=RUN_COLOUR, ms=4)
        ax.set_title(f"{METRIC_LABELS[key]}  {view.trace[key][-1]:.2f}", fontsize=9, loc="left")
        ax.set_ylim(0, 1.02)
        _date_axis(ax, view)
    axes[0].legend(fontsize=7, loc="lower left", framealpha=0.85)
    return fig


# ------------------------------------------------------------------------------ member loyalty
def loyalty_figure(view: View, width: float = 7.6, height: float = 4.0) -> Figure:
    """Each member's loyalty: this run, the ensemble band, and the ladder's thresholds."""
    names = [n for n in view.members if n != view.hegemon]
    cols = 3
    rows = int(np.ceil(len(names) / cols))
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.93, bottom=0.08, hspace=0.32, wspace=0.08)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True)).ravel()
    band_dates = _days(view.ensemble.dates)
    run_dates = _days(view.trace_dates)
    limits = thresholds()
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes, names, strict=False):
        i = view.members.index(name)
        ax.axhspan(0, limits["exited"], color=STATE_COLOURS["exited"], alpha=0.07, lw=0)
        ax.axhspan(
            limits["exited"], limits["frozen"], color=STATE_COLOURS["frozen"], alpha=0.07, lw=0
        )
        ax.axhspan(
            limits["frozen"], limits["reduced"], color=STATE_COLOURS["reduced"], alpha=0.07, lw=0
        )
        q = view.ensemble.loyalty[:, i, :]
        ax.fill_between(band_dates, q[:, 0], q[:, 2], color=BAND_COLOUR, alpha=0.3, lw=0)
        ax.plot(band_dates, q[:, 1], color=BAND_COLOUR, lw=1.0, ls="--")
        ax.plot(run_dates, view.trace_loyalty[:, i], color=RUN_COLOUR, lw=1.8)
        states = view.trace_states[:, i]
        changed = np.flatnonzero(np.diff(states) != 0) + 1
        for t in changed:
            state = ("active", "reduced", "frozen", "exited")[states[t]]
            ax.plot(
                run_dates[t],
                view.trace_loyalty[t, i],
                marker=STATE_MARKERS[state],
                color=STATE_COLOURS.get(state, "#2e7d32"),
                ms=6,
                mec="#222",
                mew=0.6,
            )
        state = view.states[name]
        share = view.ensemble.exit_share[name]
        ax.set_title(
            f"{name.capitalize()} · {state} · P(exit) {share:.0%}",
            fontsize=8.5,
            loc="left",
            color=STATE_COLOURS.get(state, "#222"),
        )
        ax.set_ylim(0, 1)
        _date_axis(ax, view)
    return fig
