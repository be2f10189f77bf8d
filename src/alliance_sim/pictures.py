"""Static pictures of a run that the browser app shows live: relations network, map, timeline.

Pure matplotlib, no pyplot state; they reuse the app's geography (:mod:`alliance_sim.geography`)
and the run plots' palette and caption conventions (:mod:`alliance_sim.plots`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from .geography import EXTENT, LABEL_OFFSETS, PLACES, SEAS
from .plots import OKABE_ITO, STATE_COLOURS, _date_axis, _timestamps, empty_panel, finish
from .summary import probability

#: Sign of a relation: friendly blue, hostile vermillion (no red/green pair).
FRIENDLY = OKABE_ITO["blue"]
HOSTILE = OKABE_ITO["vermillion"]
ACTOR_COLOUR = "0.6"
#: The app's label offsets, plus the neighbours that crowd each other on a static figure.
STATIC_OFFSETS = {
    **LABEL_OFFSETS,
    "russia": (0, -14, "center", "top"),
    "turkey": (0, -14, "center", "top"),
    "armenia": (-14, 0, "right", "center"),
    "azerbaijan": (12, 0, "left", "center"),
    "uzbekistan": (-14, 0, "right", "center"),
    "kyrgyzstan": (13, 0, "left", "center"),
    "tajikistan": (12, -4, "left", "top"),
}
STATE_ORDER = ("active", "reduced", "frozen", "exited")


def modal_states(final_states: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each member's most likely end state and its share of replicates, as text (``>99%``)."""
    out = {}
    for member, group in final_states.groupby("member", observed=True):
        shares = group["state"].astype(str).value_counts(normalize=True)
        out[str(member)] = (str(shares.index[0]), probability(float(shares.iloc[0]), len(group)))
    return out


def _nodes(ax, positions, states, kinds, label=True) -> None:
    for name, (x, y) in positions.items():
        if name in states:
            state, share = states[name]
            ax.scatter(x, y, s=420, color=STATE_COLOURS[state], edgecolor="black", lw=1.2, zorder=3)
            text = f"{PLACES.get(name, (0, 0, name.capitalize()))[2]}\n{state} ({share})"
        else:
            ax.scatter(x, y, s=260, color=ACTOR_COLOUR, marker="s", edgecolor="0.3", zorder=3)
            text = f"{PLACES.get(name, (0, 0, name))[2]}\n({kinds.get(name, 'actor')})"
        if label:
            dx, dy, ha, va = STATIC_OFFSETS.get(name, (0, -14, "center", "top"))
            ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=8,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )


def _state_legend() -> list:
    handles = [
        Patch(color=c, label=f"most likely end state: {s}") for s, c in STATE_COLOURS.items()
    ]
    return [*handles, Patch(color=ACTOR_COLOUR, label="outside actor")]


def plot_network(
    relations: Mapping[tuple[str, str], float],
    states: Mapping[str, tuple[str, str]],
    kinds: Mapping[str, str],
    title: str,
    caption: str = "",
    source: str = "",
) -> Figure:
    """The relations network at the end of a run, nodes at their capitals.

    Args:
        relations: (a, b) -> relation in [-1, 1] (median over replicates for members).
        states: Member -> (most likely end state, share of replicates).
        kinds: Outside actor -> its kind (threat, patron, sanctioner).
        title: Figure title.
        caption: What the figure shows.
        source: The source line.
    """
    fig = Figure(figsize=(11, 6.6), layout="constrained")
    ax = fig.subplots()
    positions = {n: PLACES[n][:2] for n in [*states, *kinds] if n in PLACES}
    for (a, b), w in sorted(relations.items(), key=lambda kv: abs(kv[1])):
        if a not in positions or b not in positions or abs(w) < 0.05:
            continue
        (xa, ya), (xb, yb) = positions[a], positions[b]
        ax.plot(
            [xa, xb],
            [ya, yb],
            color=FRIENDLY if w > 0 else HOSTILE,
            lw=0.5 + 5 * abs(w),
            alpha=0.65,
            ls="-" if w > 0 else "--",
            zorder=1,
            solid_capstyle="round",
        )
    _nodes(ax, positions, states, kinds)
    ax.set_xlim(EXTENT[0], EXTENT[1])
    ax.set_ylim(EXTENT[2], EXTENT[3])
    ax.set_aspect(1.3)
    ax.axis("off")
    handles = _state_legend() + [
        Line2D([], [], color=FRIENDLY, lw=4, label="friendly relation (width: strength)"),
        Line2D([], [], color=HOSTILE, lw=4, ls="--", label="hostile relation"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=11)
    return finish(fig, caption, source)


def plot_map(
    states: Mapping[str, tuple[str, str]],
    kinds: Mapping[str, str],
    p_out: Mapping[str, str],
    title: str,
    caption: str = "",
    source: str = "",
) -> Figure:
    """Members on a map, coloured by their most likely end state, with P(frozen or out).

    Args:
        states: Member -> (most likely end state, share of replicates).
        kinds: Outside actor -> kind.
        p_out: Member -> probability of ending frozen or out of the bloc.
        title: Figure title.
        caption: What the figure shows.
        source: The source line.
    """
    fig = Figure(figsize=(11, 6.6), layout="constrained")
    ax = fig.subplots()
    for name, outline in SEAS.items():
        ax.add_patch(Polygon(outline, closed=True, fc="#d6eaf8", ec="#9cc3e0", lw=0.8, zorder=0))
        xs, ys = zip(*outline, strict=True)
        ax.text(
            np.mean(xs),
            np.mean(ys),
            name,
            ha="center",
            va="center",
            fontsize=7,
            color="#5b8db8",
            style="italic",
        )
    positions = {n: PLACES[n][:2] for n in [*states, *kinds] if n in PLACES}
    _nodes(ax, positions, states, kinds)
    for name, p in p_out.items():
        if name in positions:
            x, y = positions[name]
            ax.annotate(
                f"P(frozen or out) {p}",
                (x, y),
                xytext=(0, 12),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color="0.15",
            )
    ax.set_xlim(EXTENT[0], EXTENT[1])
    ax.set_ylim(EXTENT[2], EXTENT[3])
    ax.set_aspect(1.3)
    ax.set_xlabel("longitude (°E, approximate)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(alpha=0.2)
    fig.legend(
        handles=_state_legend(), loc="outside lower center", ncol=5, frameon=False, fontsize=8
    )
    fig.suptitle(title, fontsize=11)
    return finish(fig, caption, source)


def plot_timeline(
    members: pd.DataFrame,
    log: pd.DataFrame,
    interventions: Sequence[tuple[str, str, str]],
    title: str,
    caption: str = "",
    source: str = "",
) -> Figure:
    """One row per member: its engagement month by month in one replicate, with dated events.

    Args:
        members: Member rows of that replicate (date, member, state).
        log: The replicate's event log (date, kind, subject, detail).
        interventions: The scenario's own events as (month, member or "", label).
        title: Figure title.
        caption: What the figure shows (the numbered events are appended).
        source: The source line.
    """
    names = (
        list(members["member"].cat.categories)
        if hasattr(members["member"], "cat")
        else list(dict.fromkeys(members["member"]))
    )
    fig = Figure(figsize=(13, 0.6 * len(names) + 2.6), layout="constrained")
    ax = fig.subplots()
    months = pd.PeriodIndex(sorted(members["date"].unique()))
    x = _timestamps(months)
    for row, name in enumerate(names):
        own = members[members["member"] == name].sort_values("date")
        periods = pd.PeriodIndex(own["date"])
        starts = _timestamps(periods)
        ends = _timestamps(periods + 1)
        for begin, end, state in zip(starts, ends, own["state"].astype(str), strict=True):
            ax.barh(
                row,
                end - begin,
                left=begin,
                height=0.6,
                color=STATE_COLOURS[state],
                lw=0,
                edgecolor="none",
            )
    if not len(names):
        empty_panel(ax, "No member rows in this run.")
    planned = {(when, who) for when, who, _ in interventions}
    notes: list[str] = []
    placed: dict[tuple[int, int], int] = {}
    for entry in log.itertuples(index=False):
        who = [n for n in names if n in str(entry.subject) or n in str(entry.detail)]
        if not who or entry.kind == "set_parameter":
            continue
        when = pd.Period(entry.date, "M").to_timestamp()
        if when < x[0]:
            continue  # replayed history before the recorded months
        kind = (
            "state change"
            if entry.kind == "state_change"
            else (
                "intervention"
                if (entry.date, who[0]) in planned
                else "documented or modelled event"
            )
        )
        marker = {"state change": "|", "intervention": "*", "documented or modelled event": "o"}[
            kind
        ]
        for name in who[:2]:
            row = names.index(name)
            key = (row, when.to_period("M").ordinal)
            level = placed.get(key, 0)
            placed[key] = level + 1
            ax.scatter(
                when, row + 0.42 + 0.18 * level, marker=marker, s=60, color="black", zorder=3
            )
        if kind != "state change":
            notes.append(
                f"{entry.date} {entry.kind.replace('_', ' ')} {entry.subject}"
                + (f" ({entry.detail})" if entry.detail else "")
            )
    ax.set_yticks(range(len(names)), [n.capitalize() for n in names])
    ax.invert_yaxis()
    ax.set_ylim(len(names) - 0.3, -0.9)
    _date_axis(ax)
    handles = [Patch(color=c, label=s) for s, c in STATE_COLOURS.items()] + [
        Line2D([], [], marker="*", ls="", color="black", label="the scenario's intervention"),
        Line2D([], [], marker="o", ls="", color="black", label="documented or modelled event"),
        Line2D([], [], marker="|", ls="", color="black", ms=10, label="state change"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=7, frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=11)
    events = ("Events: " + "; ".join(notes) + ".") if notes else ""
    return finish(fig, " ".join(filter(None, [caption, events])), source)
