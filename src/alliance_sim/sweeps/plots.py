"""Figures of sweep results: heatmaps over two parameters, response curves over one."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..core.parameters import key_in_words, load_parameters  # noqa: E402
from ..summary import percent  # noqa: E402
from .sensitivity import outcome_label, save_figure  # noqa: E402


def parameter_label(key: str) -> str:
    """Axis label for a dotted parameter key, with its admissible range."""
    try:
        p = load_parameters().lookup(key)
    except KeyError:
        return key
    human = key_in_words(key)
    if not human.startswith("the "):
        human = human[0].upper() + human[1:]
    return f"{human} ({key}, {p.low:g}–{p.high:g})"


def plot_heatmap(
    results: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    path: str | Path | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Heatmap of ``outcome`` over a grid of two parameters (means over other columns).

    Args:
        results: Results of a grid sweep.
        x: Parameter on the horizontal axis.
        y: Parameter on the vertical axis.
        outcome: Outcome column shown by colour, annotated in each cell.
        path: Where to save the PNG; ``None`` only returns the figure.
        title: Figure title.
    """
    table = results.pivot_table(index=y, columns=x, values=outcome, aggfunc="mean")
    spread = cell_uncertainty(results, x, y, outcome)
    fig, ax = plt.subplots(figsize=(7.5, 5.6), layout="constrained")
    prob = outcome.startswith("p_")
    vmin, vmax = (
        (0.0, 1.0)
        if prob or outcome.split("_")[0] in ("integrity", "cohesion")
        else (
            None,
            None,
        )
    )
    mesh = ax.imshow(
        table.to_numpy(),
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
    )
    ax.set_xticks(range(len(table.columns)), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:g}" for v in table.index])
    if table.size <= 150:
        for (i, j), value in np.ndenumerate(table.to_numpy()):
            below = spread.iloc[i, j] if spread is not None else ""
            main = f"{value:.2f}"
            if prob and below:
                main, below = (below, "") if below.startswith("<") else (percent(value), below)
            ax.text(
                j,
                i,
                main + (f"\n{below}" if below else ""),
                ha="center",
                va="center",
                fontsize=8 if not below else 7,
                color="white" if value < (vmax or 1) * 0.6 else "black",
            )
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label(outcome_label(outcome))
    ax.set_title(title or f"{outcome_label(outcome)}\nover {x} × {y}")
    if spread is not None and table.size <= 150:
        what = (
            "under each value: ± half-width of its 95% binomial interval in percentage points "
            "(Monte Carlo error); <1/R: in no replicate"
            if outcome.startswith("p_")
            else "under each value: the interval holding 90% of replicates"
        )
        fig.supxlabel(what, fontsize=7, color="0.2")
    if path is not None:
        save_figure(fig, path)
    return fig


def cell_uncertainty(results: pd.DataFrame, x: str, y: str, outcome: str) -> pd.DataFrame | None:
    """Per cell of the heatmap, its uncertainty as text (``None`` when the data have none).

    Probabilities get the half-width of a 95% binomial (normal) interval from the cell's
    replicates, or ``<1/R`` when no replicate had the event; a ``*_mean`` outcome with
    ``*_q05``/``*_q95`` columns gets the interval holding 90% of replicates.
    """
    if outcome.startswith("p_") and "replicates" in results:
        grouped = results.groupby([y, x])
        p = grouped[outcome].mean()
        n = grouped["replicates"].sum()
        half = 1.96 * np.sqrt(p * (1 - p) / n)
        text = [
            f"<{100 / k:.2g}%" if v == 0 else f"±{100 * h:.2g} pts"
            for v, h, k in zip(p, half, n, strict=True)
        ]
        return pd.Series(text, index=p.index).unstack(x)
    base = outcome.removesuffix("_mean")
    lo, hi = f"{base}_q05", f"{base}_q95"
    if outcome.endswith("_mean") and lo in results and hi in results:
        grouped = results.groupby([y, x])
        q05, q95 = grouped[lo].mean(), grouped[hi].mean()
        text = [f"[{a:.2f}, {b:.2f}]" for a, b in zip(q05, q95, strict=True)]
        return pd.Series(text, index=q05.index).unstack(x)
    return None


def plot_response(
    results: pd.DataFrame,
    x: str,
    outcome: str,
    hue: str | None = None,
    path: str | Path | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Response curve of ``outcome`` against one parameter, one line per value of ``hue``.

    With ``{metric}_q05``/``_q95`` columns for a ``{metric}_mean`` outcome, a 90% band of the
    replicates is shaded; for probabilities a binomial 95% band is shaded.
    """
    fig, ax = plt.subplots(figsize=(7.5, 5), layout="constrained")
    groups = [(None, results)] if hue is None else list(results.groupby(hue, sort=True))
    colours = plt.cm.viridis(np.linspace(0.05, 0.9, len(groups)))
    for (value, part), colour in zip(groups, colours, strict=True):
        part = part.groupby(x, as_index=False).mean(numeric_only=True).sort_values(x)
        label = None if hue is None else f"{value:g}"
        ax.plot(part[x], part[outcome], "o-", color=colour, label=label)
        if outcome.endswith("_mean") and f"{outcome[:-5]}_q05" in part:
            ax.fill_between(
                part[x],
                part[f"{outcome[:-5]}_q05"],
                part[f"{outcome[:-5]}_q95"],
                color=colour,
                alpha=0.15,
            )
        elif outcome.startswith("p_") and "replicates" in part:
            p, n = part[outcome].to_numpy(), part["replicates"].to_numpy()
            half = 1.96 * np.sqrt(p * (1 - p) / n)
            ax.fill_between(
                part[x], np.clip(p - half, 0, 1), np.clip(p + half, 0, 1), color=colour, alpha=0.15
            )
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(outcome_label(outcome))
    if outcome.startswith("p_"):
        ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(title=hue, fontsize=8)
    ax.set_title(title or f"{outcome_label(outcome)} against {x}")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_scatter(
    results: pd.DataFrame,
    parameters: list[str],
    outcome: str,
    path: str | Path | None = None,
    title: str | None = None,
) -> plt.Figure:
    """One scatter panel of ``outcome`` against each sampled parameter (for LHS designs)."""
    n = len(parameters)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(4.2 * cols, 3.4 * rows),
        squeeze=False,
        layout="constrained",
        sharey=True,
    )
    for ax, key in zip(axes.ravel(), parameters, strict=False):
        ax.scatter(results[key], results[outcome], s=10, alpha=0.6, label="design point")
        ax.set_xlabel(parameter_label(key))
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(outcome_label(outcome))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title or f"{outcome_label(outcome)} across the sampled design")
    if path is not None:
        save_figure(fig, path)
    return fig
