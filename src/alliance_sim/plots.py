"""Plots of ensembles: matplotlib figures built from tidy frames (Agg backend, no pyplot state).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`save_figure` writes it as PNG
(and SVG or PDF on request). Bands are replicate quantiles, the same everywhere: the darker band
holds the middle 50% of replicates, the lighter one the middle 90%. Colours are Okabe and Ito's
colour-blind-safe palette; each figure carries a caption and a source line (scenario, replicates,
seed, model version); dated events are numbered on the plot and listed in the caption, so their
labels never overprint.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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
from matplotlib.ticker import FixedFormatter, FixedLocator  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from .summary import BLOC_METRICS, probability  # noqa: E402

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
#: Engagement states: blues while engaged, orange when frozen, purple when out (no red/green).
STATE_COLOURS = {
    "active": OKABE_ITO["blue"],
    "reduced": OKABE_ITO["sky blue"],
    "frozen": OKABE_ITO["orange"],
    "exited": OKABE_ITO["reddish purple"],
}
#: Members, in the order of the parameter file.
MEMBER_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["sky blue"],
    OKABE_ITO["black"],
)
BAND_COLOUR = OKABE_ITO["blue"]
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
SCENARIO_COLOURS = (
    OKABE_ITO["black"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["blue"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["sky blue"],
)
#: Beyond this many scenarios, compare draws small multiples instead of one overlay.
OVERLAY_MAX = 4
#: The band definition every figure states in its legend.
BAND_50 = "middle 50% of replicates"
BAND_90 = "middle 90% of replicates"

#: Resolution of the PNGs, and the margin kept around everything drawn.
PNG_DPI = 150
PAD_INCHES = 0.15

#: A marked event: (month, label).
Marker = tuple[str, str]


def save_figure(fig: Figure, path: str | Path, formats: Sequence[str] = ()) -> Path:
    """Write ``fig`` as a PNG at ``path`` (150 dpi), plus each of ``formats`` beside it.

    Args:
        fig: The figure.
        path: The PNG's path.
        formats: More formats to write with the same stem, e.g. ``("svg", "pdf")``.

    Returns:
        The PNG's path.
    """
    canvas = FigureCanvasAgg(fig)
    path = Path(path)
    with frozen_date_ticks(fig):
        fig.savefig(
            path,
            dpi=PNG_DPI,
            format="png",
            bbox_inches=_saved_area(fig, canvas),
            pad_inches=PAD_INCHES,
        )
        for fmt in formats:  # vector formats measure text at 72 dpi: matplotlib's own "tight"
            fig.savefig(
                path.with_suffix(f".{fmt}"), format=fmt, bbox_inches="tight", pad_inches=PAD_INCHES
            )
    return path


def _saved_area(fig: Figure, canvas: FigureCanvasAgg) -> Bbox | str:
    """The area ``savefig`` keeps: everything drawn plus :data:`PAD_INCHES` around it.

    Asked for ``"tight"``, ``savefig`` draws the whole figure once unseen, to run the layout and
    place every artist, before measuring it; a figure laid out by :func:`finish` has no layout
    left to run, and measuring it places what is measured, so that draw was a third pass over
    every text of the figure. Measured here at the PNG's resolution, the area is the one
    ``"tight"`` gives. A figure still under a layout engine keeps ``"tight"``.
    """
    if fig.get_layout_engine() is not None:
        return "tight"
    dpi = fig.dpi
    fig.set_dpi(PNG_DPI)  # text is measured at the resolution it is drawn at
    try:
        return fig.get_tightbbox(canvas.get_renderer()).padded(PAD_INCHES)
    finally:
        fig.set_dpi(dpi)


def finish(fig: Figure, caption: str = "", source: str = "", width: int = 150) -> Figure:
    """Write the caption and the source line under the figure (kept by ``bbox_inches``)."""
    lines = textwrap.wrap(caption, width) if caption else []
    if source:
        lines.append(f"Source: {source}")
    if lines:
        # Lay the figure out, freeze that layout, then write below everything drawn (outside
        # legends included): a layout run at save time would move legends onto the caption.
        canvas = FigureCanvasAgg(fig)
        with frozen_date_ticks(fig):
            fig.draw_without_rendering()
            to_figure = fig.transFigure.inverted()
            for legend in fig.legends:  # pin each legend where the layout put it
                box = legend.get_window_extent().transformed(to_figure)
                legend.set_loc("lower left")
                legend.set_bbox_to_anchor((box.x0, box.y0), transform=fig.transFigure)
                legend.borderaxespad = 0.0
            # No engine at all (a placeholder would still make savefig lay out again), whatever
            # the user's rcParams would otherwise put in its place.
            with matplotlib.rc_context(
                {"figure.autolayout": False, "figure.constrained_layout.use": False}
            ):
                fig.set_layout_engine(None)
            bottom = fig.get_tightbbox(canvas.get_renderer()).y0 / fig.get_figheight()
        fig.text(
            0.01, bottom - 0.012, "\n".join(lines), ha="left", va="top", fontsize=8, color="0.2"
        )
    return fig


@contextmanager
def frozen_date_ticks(fig: Figure) -> Iterator[None]:
    """Within the block, each date axis draws the ticks and labels its locator gives on entry.

    A layout engine, the caption's placement and ``savefig``'s tight bounding box each lay the
    figure out again, and every pass asks every axis's locator again: the date locator's search
    was most of a run figure's drawing time. Its ticks depend only on the axis's limits (not on
    its length, unlike numeric ticks), and layout does not move the limits of an axes of free
    aspect, so the same ticks and labels are drawn (the PNGs are byte-identical) in less time.
    The locators are given back on exit, so a figure whose limits change later gets new ticks.
    """
    saved = []
    for ax in fig.axes:
        axis = ax.xaxis
        locator, formatter = axis.get_major_locator(), axis.get_major_formatter()
        if ax.get_aspect() != "auto" or not isinstance(locator, mdates.AutoDateLocator):
            continue
        locs = axis.get_majorticklocs()
        fixed = FixedFormatter(formatter.format_ticks(locs))
        fixed.set_offset_string(formatter.get_offset())
        saved.append((axis, locator, formatter, axis.isDefault_majloc, axis.isDefault_majfmt))
        # Formatter first: setting a locator links it to the formatter in place, which must not
        # touch the date formatter that is given back. (Its locator follows on the next line.)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "FixedFormatter should only be used", UserWarning)
            axis.set_major_formatter(fixed)
        axis.set_major_locator(FixedLocator(locs))
    try:
        yield
    finally:
        for axis, locator, formatter, default_locator, default_formatter in saved:
            axis.set_major_formatter(formatter)
            axis.set_major_locator(locator)  # and links the formatter to its locator again
            axis.isDefault_majloc, axis.isDefault_majfmt = default_locator, default_formatter


def event_key(markers: Sequence[Marker], start: int = 1) -> str:
    """The caption's list of numbered events: ``Events: (1) 2023-01 armenia exit; ...``."""
    if not markers:
        return ""
    items = [f"({i}) {when} {text}" for i, (when, text) in enumerate(markers, start)]
    return "Events, numbered on the plot: " + "; ".join(items) + "."


def empty_panel(ax, why: str) -> None:
    """Say in the panel why it has nothing to show."""
    ax.text(
        0.5,
        0.5,
        why,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        color="0.3",
        wrap=True,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"},
    )


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


def _mark_events(
    ax,
    markers: Sequence[Marker],
    colour: str | Sequence[str] = "0.3",
    label: bool = True,
    start: int = 1,
) -> None:
    """Dotted lines at the events' months, numbered as in :func:`event_key`.

    Numbers of events in the same or nearby months stack downwards, so they never overprint.
    ``colour`` is one colour, or one per marker.
    """
    colours = [colour] * len(markers) if isinstance(colour, str) else list(colour)
    lo, hi = ax.get_xlim()
    last_at_level: list[float] = []
    for number, ((when, _), tint) in enumerate(zip(markers, colours, strict=True), start):
        x = mdates.date2num(pd.Period(when, freq="M").to_timestamp())
        if not lo <= x <= hi:
            continue
        ax.axvline(x, color=tint, ls=":", lw=1.2)
        if not label:
            continue
        level = next(
            (i for i, last in enumerate(last_at_level) if x - last >= 0.045 * (hi - lo)),
            len(last_at_level),
        )
        if level == len(last_at_level):
            last_at_level.append(x)
        last_at_level[level] = x
        ax.annotate(
            str(number),
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -3 - 12 * level),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7,
            color=tint,
            bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": tint, "lw": 0.6},
        )


def _band_legend(colour: str = BAND_COLOUR) -> list:
    return [
        Line2D([], [], color=colour, lw=2, label="median replicate"),
        Patch(color=colour, alpha=0.4, label=BAND_50),
        Patch(color=colour, alpha=0.15, label=BAND_90),
    ]


def plot_bloc(
    bloc: pd.DataFrame,
    title: str,
    subtitle: str = "",
    markers: Sequence[Marker] = (),
    caption: str = "",
    source: str = "",
) -> Figure:
    """Bloc metrics over time: median with 50% and 90% bands, one panel per metric.

    Args:
        bloc: Tidy bloc frame (date, replicate, integrity, cohesion, credibility, capacity).
        title: Figure title (the scenario and ensemble size).
        subtitle: A second line (the scenario's question).
        markers: Scenario events to mark as dotted vertical lines.
        caption: What the figure shows (the numbered events are appended).
        source: The source line (scenario, replicates, seed, model version).
    """
    metrics = [m for m in (*BLOC_METRICS, "capacity") if m in bloc]
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        q = quantile_bands(bloc, metric)
        _band(ax, q.index, q, BAND_COLOUR, None)
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
    return finish(fig, " ".join(filter(None, [caption, event_key(markers)])), source)


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
    members: pd.DataFrame,
    title: str,
    thresholds: Mapping[str, float] | None = None,
    caption: str = "",
    source: str = "",
) -> Figure:
    """Each member's loyalty over time (median, 50% and 90% bands) with the ladder thresholds.

    Args:
        members: Tidy member frame (date, replicate, member, loyalty, ...).
        title: Figure title.
        thresholds: Loyalty thresholds to draw, e.g. ``{"reduce": 0.45, "freeze": 0.3,
            "exit": 0.15}``.
        caption: What the figure shows.
        source: The source line (scenario, replicates, seed, model version).
    """
    names = list(members["member"].cat.categories)
    fig, axes = _member_grid(names, title)
    bands = quantile_bands(members, "loyalty", by=("member", "date"))
    colours = {"reduce": STATE_COLOURS["reduced"], "freeze": STATE_COLOURS["frozen"]}
    colours["exit"] = STATE_COLOURS["exited"]
    for ax, name in zip(axes, names, strict=False):
        q = bands.loc[name]
        _band(ax, q.index, q, BAND_COLOUR, None)
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
    return finish(fig, caption, source)


def plot_states(members: pd.DataFrame, title: str, caption: str = "", source: str = "") -> Figure:
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
    return finish(fig, caption, source)


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
    outcomes: pd.DataFrame,
    dates: pd.Index,
    title: str,
    skip: Sequence[str] = (),
    caption: str = "",
    source: str = "",
) -> Figure:
    """Cumulative probability, per member, of having frozen (or left) and of having left.

    Args:
        outcomes: Per replicate and member: freeze_date, exit_date.
        dates: Months on the x axis.
        title: Figure title.
        skip: Members to leave out (e.g. the hegemon, or a former member that never rejoins).
        caption: What the figure shows.
        source: The source line (scenario, replicates, seed, model version).
    """
    replicates = int(outcomes["replicate"].nunique()) if "replicate" in outcomes else 0
    probs = cumulative_probabilities(outcomes, dates)
    probs = probs[~probs["member"].isin(list(skip))]
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    panels = (
        ("p_frozen", "Froze (or left) at least once by this month"),
        ("p_exited", "Left the bloc by this month"),
    )
    palette = dict(zip(probs["member"].unique(), MEMBER_COLOURS, strict=False))
    for ax, (column, label) in zip(axes, panels, strict=True):
        for name, group in probs.groupby("member", sort=False):
            final = 100 * group[column].iloc[-1]
            ax.step(
                _timestamps(group["date"]),
                100 * group[column],
                where="post",
                lw=2,
                color=palette[name],
                label=f"{name.capitalize()}: {probability(final / 100, replicates)} by the end",
            )
        if not (probs[column] > 0).any():
            what = "froze or left" if column == "p_frozen" else "left"
            empty_panel(ax, f"No member {what} in any replicate:\nevery line lies at 0%.")
        ax.set_title(label)
        ax.set_xlabel("month")
        ax.set_ylim(-2, 102)
        _date_axis(ax)
        ax.legend(loc="center left", fontsize=8, title="member (lines at 0% overlap)")
    axes[0].set_ylabel("probability (% of replicates)")
    fig.suptitle(title, fontsize=11)
    return finish(fig, caption, source)


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
    caption: str = "",
    source: str = "",
) -> Figure:
    """Scenarios against the first: levels and paired differences from the reference.

    Up to :data:`OVERLAY_MAX` scenarios share one overlay: levels (top row) and paired
    differences from the first (bottom row). Beyond that, small multiples: one row per scenario,
    each panel its difference from the reference. Every band is the same: the middle 50% and
    90% of replicates (of levels, or of paired differences: same seed, so the same parameter
    draws and random streams), with the median; the median difference at the end of the run is
    written at the right.

    Args:
        blocs: Scenario name -> tidy bloc frame; the first is the reference.
        title: Figure title.
        markers: Scenario name -> its events, drawn as dotted lines in the scenario's colour,
            numbered, and listed in the caption.
        metrics: Bloc metrics, one column of panels each.
        caption: What the figure shows (the numbered events are appended).
        source: The source line (replicates, seed, model version).
    """
    names = list(blocs)
    reference = names[0]
    colours = dict(zip(names, SCENARIO_COLOURS * 3, strict=False))
    markers = markers or {}
    numbered, keys, n = {}, [], 1
    for name in names:
        numbered[name] = n
        if markers.get(name):
            keys.append(f"{name}: " + event_key(markers[name], n).split(": ", 1)[1].rstrip("."))
        n += len(markers.get(name, ()))
    ref = blocs[reference]
    small = len(names) > OVERLAY_MAX
    rows = len(names) - 1 if small else 2
    fig = Figure(figsize=(15, 2.6 * rows + 3 if small else 8.5), layout="constrained")
    axes = np.atleast_2d(fig.subplots(max(rows, 1), len(metrics), sharex=True, squeeze=False))
    dates = _timestamps(pd.PeriodIndex(ref["date"].unique()))
    x0, x1 = mdates.date2num(dates.min()), mdates.date2num(dates.max())
    for col, metric in enumerate(metrics):
        top_ends = []
        if not small:
            top = axes[0, col]
            for name in names:
                q = quantile_bands(blocs[name], metric)
                x = _timestamps(q.index)
                top.fill_between(x, q["q05"], q["q95"], color=colours[name], alpha=0.08, lw=0)
                top.fill_between(x, q["q25"], q["q75"], color=colours[name], alpha=0.18, lw=0)
                top.plot(x, q["q50"], color=colours[name], lw=2.6 if name == reference else 2.2)
                end = q["q50"].iloc[-1]
                top_ends.append((x[-1], end, f" {end:.2f}", colours[name]))
            top.set_title(METRIC_SHORT[metric], fontsize=12)
            top.set_ylabel(METRIC_LABELS[metric], fontsize=8)
            _date_axis(top)
            top.set_xlim(x0 - 0.02 * (x1 - x0), x1 + 0.17 * (x1 - x0))
            every = [(m, colours[name]) for name in names for m in markers.get(name, ())]
            _mark_events(top, [m for m, _ in every], colour=[c for _, c in every])
            _end_labels(top, top_ends)
        ends_by_row: dict[int, list] = {}
        for i, name in enumerate(names[1:]):
            row = i if small else 1
            ax = axes[row, col]
            bottom_ends = ends_by_row.setdefault(row, [])
            paired = blocs[name].merge(ref, on=["date", "replicate"], suffixes=("", "_ref"))
            paired["diff"] = paired[metric] - paired[f"{metric}_ref"]
            d = quantile_bands(paired, "diff")
            xd = _timestamps(d.index)
            ax.fill_between(xd, d["q05"], d["q95"], color=colours[name], alpha=0.12, lw=0)
            ax.fill_between(xd, d["q25"], d["q75"], color=colours[name], alpha=0.25, lw=0)
            ax.plot(xd, d["q50"], color=colours[name], lw=2.2)
            end = d["q50"].iloc[-1]
            bottom_ends.append((xd[-1], end, f" {end:+.3f}", colours[name]))
            ax.axhline(0, color=colours[reference], lw=1.2)
            _date_axis(ax)
            ax.set_xlim(x0 - 0.02 * (x1 - x0), x1 + 0.17 * (x1 - x0))
            if small:
                _mark_events(ax, markers.get(name, ()), colour=colours[name], start=numbered[name])

            if small:
                if i == 0:
                    ax.set_title(METRIC_SHORT[metric], fontsize=12)
                ax.set_ylabel(f"{name}\n− {reference}", fontsize=8, color=colours[name])
            else:
                ax.set_ylabel(f"{metric}: scenario − {reference}\n(same replicate)", fontsize=8)
        for row, ends in ends_by_row.items():  # one call per panel, so labels spread apart
            _end_labels(axes[row, col], ends)
        if not small:  # all scenarios' events in one call, so that their numbers stack
            every = [(m, colours[name]) for name in names for m in markers.get(name, ())]
            _mark_events(axes[1, col], [m for m, _ in every], colour=[c for _, c in every])
        axes[-1, col].set_xlabel("month")
    handles = []
    for i, name in enumerate(names):
        label = name + (" (reference)" if i == 0 else "")
        handles.append(Line2D([], [], color=colours[name], lw=2.5, label=label))
    handles += [
        Line2D([], [], color="0.4", lw=2, label="median replicate"),
        Patch(color="0.4", alpha=0.4, label=f"{BAND_50} (levels or paired differences)"),
        Patch(color="0.4", alpha=0.15, label=BAND_90),
        Line2D([], [], color="0.3", ls=":", label="a scenario's event (numbered)"),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(4, len(handles)),
        frameon=False,
        fontsize=9,
    )
    fig.suptitle(title, fontsize=12)
    events = ("Events, numbered on the plot: " + "; ".join(keys) + ".") if keys else ""
    return finish(fig, " ".join(filter(None, [caption, events])), source)
