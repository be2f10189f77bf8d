"""Plots of ensembles: matplotlib figures built from tidy frames (Agg backend, no pyplot state).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`save_figure` writes it as PNG.
Bands are replicate quantiles: the darker band holds the middle 50% of replicates, the lighter
one the middle 90%.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never opens a window

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .summary import BLOC_METRICS  # noqa: E402

STATE_COLOURS = {
    "active": "#1a9850",
    "reduced": "#fdd049",
    "frozen": "#f46d43",
    "exited": "#a50026",
}
METRIC_LABELS = {
    "integrity": "integrity (0–1: engagement of the 2022 members but Russia)",
    "cohesion": "cohesion (0–1: loyalty × affinity over the 2022 bloc)",
    "cohesion_remaining": "cohesion among those engaged (0–1)",
    "credibility": "credibility (0–1: members' expected chance of being helped)",
    "credibility_remaining": "credibility among those still in (0–1)",
    "capacity": "Russia's capacity (0–1)",
}
METRIC_SHORT = {
    "integrity": "Integrity",
    "cohesion": "Cohesion",
    "credibility": "Credibility",
    "cohesion_remaining": "Cohesion (remaining)",
    "credibility_remaining": "Credibility (remaining)",
    "capacity": "Russia's capacity",
}
SCENARIO_COLOURS = ("#444444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")

#: A marked event: (month, label).
Marker = tuple[str, str]


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (150 dpi) and return the path."""
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=150, format="png")
    return Path(path)


def _timestamps(dates: pd.Series | pd.Index) -> pd.DatetimeIndex:
    """Monthly periods (or anything date-like) as timestamps at the month's start."""
    index = pd.Index(dates)
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    return pd.DatetimeIndex(index)


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def quantile_bands(frame: pd.DataFrame, value: str, by: Sequence[str] = ("date",)) -> pd.DataFrame:
    """Replicate quantiles 5, 25, 50, 75 and 95% of ``value`` per group (columns q05…q95)."""
    grouped = frame.groupby(list(by), observed=True)[value]
    qs = grouped.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    qs.columns = ["q05", "q25", "q50", "q75", "q95"]
    return qs


def _band(ax, dates, q: pd.DataFrame, colour: str, label: str | None, bands: bool = True) -> None:
    x = _timestamps(dates)
    if bands:
        ax.fill_between(x, q["q05"], q["q95"], color=colour, alpha=0.15, lw=0)
        ax.fill_between(x, q["q25"], q["q75"], color=colour, alpha=0.3, lw=0)
    ax.plot(x, q["q50"], color=colour, lw=2, label=label)


def _mark_events(ax, markers: Sequence[Marker], colour: str = "0.3", label: bool = True) -> None:
    lo, hi = ax.get_xlim()
    for when, text in markers:
        x = mdates.date2num(pd.Period(when, freq="M").to_timestamp())
        if not lo <= x <= hi:
            continue
        ax.axvline(x, color=colour, ls=":", lw=1.2)
        if label:
            ax.annotate(
                text,
                (x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                va="top",
                fontsize=7,
                color=colour,
                rotation=90,
            )


def _band_legend(colour: str = "#1f4e79") -> list:
    return [
        Line2D([], [], color=colour, lw=2, label="median"),
        Patch(color=colour, alpha=0.4, label="middle 50% of replicates"),
        Patch(color=colour, alpha=0.15, label="middle 90% of replicates"),
    ]


def plot_bloc(
    bloc: pd.DataFrame, title: str, subtitle: str = "", markers: Sequence[Marker] = ()
) -> Figure:
    """Bloc metrics over time: median with 50% and 90% bands, one panel per metric.

    Args:
        bloc: Tidy bloc frame (date, replicate, integrity, cohesion, credibility, capacity).
        title: Figure title (the scenario and ensemble size).
        subtitle: A second line (the scenario's question).
        markers: Scenario events to mark as dotted vertical lines.
    """
    metrics = [m for m in (*BLOC_METRICS, "capacity") if m in bloc]
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        q = quantile_bands(bloc, metric)
        _band(ax, q.index, q, "#1f4e79", None)
        ax.set_title(METRIC_SHORT[metric])
        ax.set_ylabel(METRIC_LABELS[metric], fontsize=8)
        ax.set_ylim(0, 1)
        _date_axis(ax)
        _mark_events(ax, markers)
    for ax in axes[2:]:
        ax.set_xlabel("month")
    fig.legend(handles=_band_legend(), loc="outside lower center", ncol=3, frameon=False)
    wrapped = textwrap.fill(subtitle, 130) if subtitle else ""
    fig.suptitle(title + (f"\n{wrapped}" if wrapped else ""), fontsize=11)
    return fig


def _member_grid(members: Sequence[str], title: str) -> tuple[Figure, list]:
    cols = 4
    rows = -(-(len(members) + 1) // cols)
    fig = Figure(figsize=(13, 3.1 * rows + 0.8), layout="constrained")
    axes = list(fig.subplots(rows, cols, sharex=True, sharey=True).ravel())
    for ax in axes[len(members) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    return fig, axes


def plot_loyalty(
    members: pd.DataFrame, title: str, thresholds: Mapping[str, float] | None = None
) -> Figure:
    """Each member's loyalty over time (median, 50% and 90% bands) with the ladder thresholds.

    Args:
        members: Tidy member frame (date, replicate, member, loyalty, ...).
        title: Figure title.
        thresholds: Loyalty thresholds to draw, e.g. ``{"reduce": 0.45, "freeze": 0.3,
            "exit": 0.15}``.
    """
    names = list(members["member"].cat.categories)
    fig, axes = _member_grid(names, title)
    bands = quantile_bands(members, "loyalty", by=("member", "date"))
    colours = {"reduce": STATE_COLOURS["reduced"], "freeze": STATE_COLOURS["frozen"]}
    colours["exit"] = STATE_COLOURS["exited"]
    for ax, name in zip(axes, names, strict=False):
        q = bands.loc[name]
        _band(ax, q.index, q, "#1f4e79", None)
        for key, value in (thresholds or {}).items():
            ax.axhline(value, color=colours.get(key, "0.5"), ls="--", lw=1)
        ax.set_title(name.capitalize())
        ax.set_ylim(0, 1)
        _date_axis(ax)
    for ax in axes[::4]:
        ax.set_ylabel("loyalty (0–1)")
    for ax in axes[-4:]:
        ax.set_xlabel("month")
    handles = _band_legend() + [
        Line2D([], [], color=colours.get(k, "0.5"), ls="--", label=f"{k} threshold")
        for k in (thresholds or {})
    ]
    axes[-1].legend(handles=handles, loc="center", frameon=False, title="legend")
    return fig


def plot_states(members: pd.DataFrame, title: str) -> Figure:
    """Each member's share of replicates in each engagement state over time (stacked areas)."""
    names = list(members["member"].cat.categories)
    fig, axes = _member_grid(names, title)
    counts = pd.crosstab(
        [members["member"], members["date"]], members["state"], normalize="index", dropna=False
    ).reindex(columns=list(STATE_COLOURS), fill_value=0.0)
    for ax, name in zip(axes, names, strict=False):
        share = counts.loc[name]
        x = _timestamps(share.index)
        ax.stackplot(
            x,
            *(100 * share[s].to_numpy() for s in STATE_COLOURS),
            colors=list(STATE_COLOURS.values()),
            step="post",  # states are monthly: no interpolation between months
        )
        ax.set_title(name.capitalize())
        ax.set_ylim(0, 100)
        ax.margins(x=0)
        _date_axis(ax)
    for ax in axes[::4]:
        ax.set_ylabel("share of replicates (%)")
    for ax in axes[-4:]:
        ax.set_xlabel("month")
    handles = [Patch(color=c, label=s) for s, c in STATE_COLOURS.items()]
    axes[-1].legend(handles=handles, loc="center", frameon=False, title="engagement state")
    return fig


def cumulative_probabilities(outcomes: pd.DataFrame, dates: pd.Index) -> pd.DataFrame:
    """Per member and month: P(frozen or exited at least once by then), P(exited by then).

    Args:
        outcomes: Per replicate and member: freeze_date, exit_date (monthly periods or NaT).
        dates: The months to evaluate (a PeriodIndex).

    Returns:
        Columns date, member, p_frozen, p_exited.
    """
    rows = []
    ordinals = np.array([p.ordinal for p in pd.PeriodIndex(dates)])
    for name, group in outcomes.groupby("member", observed=True, sort=False):
        freeze = _ordinals(group["freeze_date"])
        exit_ = _ordinals(group["exit_date"])
        first = np.fmin(freeze, exit_)
        rows.append(
            pd.DataFrame(
                {
                    "date": pd.PeriodIndex(dates),
                    "member": name,
                    "p_frozen": (first[None, :] <= ordinals[:, None]).mean(axis=1),
                    "p_exited": (exit_[None, :] <= ordinals[:, None]).mean(axis=1),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _ordinals(periods: pd.Series) -> np.ndarray:
    """Period ordinals as floats, NaT as +inf (never)."""
    values = pd.PeriodIndex(periods)
    out = values.asi8.astype(float)
    out[values.isna()] = np.inf
    return out


def plot_cumulative(
    outcomes: pd.DataFrame, dates: pd.Index, title: str, skip: Sequence[str] = ()
) -> Figure:
    """Cumulative probability, per member, of having frozen (or left) and of having left.

    Args:
        outcomes: Per replicate and member: freeze_date, exit_date.
        dates: Months on the x axis.
        title: Figure title.
        skip: Members to leave out (e.g. the hegemon, or a former member that never rejoins).
    """
    probs = cumulative_probabilities(outcomes, dates)
    probs = probs[~probs["member"].isin(list(skip))]
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    panels = (
        ("p_frozen", "Froze (or left) at least once by this month"),
        ("p_exited", "Left the bloc by this month"),
    )
    palette = dict(
        zip(
            probs["member"].unique(),
            ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"),
            strict=False,
        )
    )
    for ax, (column, label) in zip(axes, panels, strict=True):
        for name, group in probs.groupby("member", sort=False):
            final = 100 * group[column].iloc[-1]
            ax.step(
                _timestamps(group["date"]),
                100 * group[column],
                where="post",
                lw=2,
                color=palette[name],
                label=f"{name.capitalize()}: {final:.0f}% by the end",
            )
        ax.set_title(label)
        ax.set_xlabel("month")
        ax.set_ylim(-2, 102)
        _date_axis(ax)
        ax.legend(loc="center left", fontsize=8, title="member (lines at 0% overlap)")
    axes[0].set_ylabel("probability (% of replicates)")
    fig.suptitle(title, fontsize=11)
    return fig


def _end_labels(ax, ends: Sequence[tuple[float, float, str, str]]) -> None:
    """Write each line's last value at its right end, spread so that labels do not overlap."""
    if not ends:
        return
    lo, hi = ax.get_ylim()
    gap = 0.07 * (hi - lo)
    placed: list[float] = []
    for x, y, text, colour in sorted(ends, key=lambda e: e[1]):
        pos = y if not placed else max(y, placed[-1] + gap)
        placed.append(pos)
        ax.annotate(
            text,
            (x, y),
            xytext=(x, pos),
            textcoords="data",
            color=colour,
            fontsize=8.5,
            fontweight="bold",
            va="center",
            ha="left",
        )


def plot_comparison(
    blocs: Mapping[str, pd.DataFrame],
    title: str,
    markers: Mapping[str, Sequence[Marker]] | None = None,
    metrics: Sequence[str] = BLOC_METRICS,
) -> Figure:
    """Overlay of scenarios: levels (top row) and paired differences from the first (bottom).

    The top row shows each scenario's median and the middle 50% of its replicates; the bottom
    row shows, per replicate, the scenario's value minus the reference's (same seed, so the
    same parameter draws and random streams): its median and the middle 90%, with the median
    difference at the end of the run written at the right.

    Args:
        blocs: Scenario name -> tidy bloc frame; the first is the reference. All were run with
            the same seed, so replicate *i* pairs across scenarios.
        title: Figure title.
        markers: Scenario name -> its events, drawn as dotted lines in the scenario's colour
            and listed in the legend.
        metrics: Bloc metrics, one column of panels each.
    """
    names = list(blocs)
    reference = names[0]
    colours = dict(zip(names, SCENARIO_COLOURS * 3, strict=False))
    markers = markers or {}
    fig = Figure(figsize=(15, 8.5), layout="constrained")
    axes = fig.subplots(2, len(metrics), sharex=True)
    ref = blocs[reference]
    for col, metric in enumerate(metrics):
        top, bottom = axes[0, col], axes[1, col]
        top_ends, bottom_ends = [], []
        for name in names:
            q = quantile_bands(blocs[name], metric)
            x = _timestamps(q.index)
            top.fill_between(x, q["q25"], q["q75"], color=colours[name], alpha=0.15, lw=0)
            top.plot(x, q["q50"], color=colours[name], lw=2.6 if name == reference else 2.2)
            top_ends.append((x[-1], q["q50"].iloc[-1], f" {q['q50'].iloc[-1]:.2f}", colours[name]))
            if name == reference:
                continue
            paired = blocs[name].merge(ref, on=["date", "replicate"], suffixes=("", "_ref"))
            paired["diff"] = paired[metric] - paired[f"{metric}_ref"]
            d = quantile_bands(paired, "diff")
            xd = _timestamps(d.index)
            bottom.fill_between(xd, d["q05"], d["q95"], color=colours[name], alpha=0.15, lw=0)
            bottom.plot(xd, d["q50"], color=colours[name], lw=2.2)
            end = d["q50"].iloc[-1]
            bottom_ends.append((xd[-1], end, f" {end:+.3f}", colours[name]))
        bottom.axhline(0, color=colours[reference], lw=1.5)
        top.set_title(METRIC_SHORT[metric], fontsize=12)
        top.set_ylabel(METRIC_LABELS[metric], fontsize=8)
        bottom.set_ylabel(f"{metric}: scenario − {reference}\n(same replicate)", fontsize=8)
        bottom.set_xlabel("month")
        for ax in (top, bottom):
            _date_axis(ax)
        if col == 0:  # the x axis is shared: make room for the end labels once
            dates = _timestamps(pd.PeriodIndex(ref["date"].unique()))
            x0, x1 = mdates.date2num(dates.min()), mdates.date2num(dates.max())
            top.set_xlim(x0 - 0.02 * (x1 - x0), x1 + 0.17 * (x1 - x0))
        for name, marks in markers.items():
            for ax in (top, bottom):
                _mark_events(ax, marks, colour=colours[name], label=False)
        _end_labels(top, top_ends)
        _end_labels(bottom, bottom_ends)
    handles = []
    for i, name in enumerate(names):
        events = "; ".join(f"{text} {when}" for when, text in markers.get(name, ()))
        label = name + (" (reference)" if i == 0 else "") + (f": {events}" if events else "")
        handles.append(Line2D([], [], color=colours[name], lw=2.5, label=label))
    handles += [
        Patch(color="0.4", alpha=0.25, label="band: middle 50% (top), 90% (bottom) of replicates"),
        Line2D([], [], color="0.3", ls=":", label="date of a scenario's event"),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(3, len(handles)),
        frameon=False,
        fontsize=9,
    )
    fig.suptitle(title, fontsize=12)
    return fig
