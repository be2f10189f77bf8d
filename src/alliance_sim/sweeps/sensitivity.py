"""Global sensitivity analysis of sweep outcomes with SALib (Sobol and Morris), and its plot.

The analyses read a results frame whose rows are the design points of a :func:`sample` design
in design order (what :func:`evaluate` returns). Each design point's outcome is its ensemble
mean (or probability), so the indices describe how the parameters move the expected outcome;
the replicates' own noise adds a small floor to every index.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .designs import problem as make_problem  # noqa: E402

#: Plain-language labels for outcome columns used in plot titles.
OUTCOME_LABELS = {
    "integrity_mean": "mean integrity at the horizon (0–1)",
    "cohesion_mean": "mean cohesion at the horizon (0–1)",
    "credibility_mean": "mean credibility (chance of being helped) at the horizon (0–1)",
    "p_any_exit": "P(the bloc loses a member by the horizon)",
    "p_any_freeze": "P(a member freezes or exits by the horizon)",
}


def outcome_label(outcome: str) -> str:
    """A readable label for an outcome column."""
    if outcome in OUTCOME_LABELS:
        return OUTCOME_LABELS[outcome]
    prefixes = (
        ("p_exit_", "P({} exits)"),
        ("p_freeze_", "P({} freezes or exits)"),
        ("p_backs_war_", "P({} backs the war at the horizon)"),
    )
    for prefix, text in prefixes:
        if outcome.startswith(prefix):
            return text.format(outcome[len(prefix) :].capitalize())
    return outcome


def _design_info(results: pd.DataFrame, space: Mapping[str, Sequence[float]] | None) -> dict:
    info = dict(results.attrs.get("design") or {})
    if space is not None:
        info["problem"] = make_problem(space)
    if "problem" not in info:
        raise ValueError(
            "the results carry no design: pass the space used to sample them (space={...})"
        )
    return info


def _outcome(results: pd.DataFrame, outcome: str) -> np.ndarray:
    if outcome not in results.columns:
        raise KeyError(f"unknown outcome {outcome!r}; valid: {', '.join(results.columns)}")
    ordered = results.sort_values("point") if "point" in results else results
    y = ordered[outcome].to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"outcome {outcome!r} has missing or infinite values")
    return y


def _constant(y: np.ndarray, outcome: str) -> bool:
    if np.ptp(y) > 0:
        return False
    warnings.warn(
        f"outcome {outcome!r} is constant ({y[0]:g}) across the design: there is no variance "
        "to apportion, so its indices are NaN",
        stacklevel=3,
    )
    return True


def _empty(info: dict, outcome: str, columns: Sequence[str]) -> pd.DataFrame:
    table = pd.DataFrame({"parameter": info["problem"]["names"]})
    for col in columns:
        table[col] = np.nan
    table["outcome"] = outcome
    return table


def sobol_indices(
    results: pd.DataFrame,
    outcome: str,
    space: Mapping[str, Sequence[float]] | None = None,
    *,
    calc_second_order: bool | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    seed: int = 1,
) -> pd.DataFrame:
    """First-order and total Sobol indices of ``outcome`` (SALib ``analyze.sobol``).

    Args:
        results: Results of a Sobol design, one row per design point.
        outcome: Outcome column, e.g. ``integrity_mean`` or ``p_exit_armenia``.
        space: The sampled ranges, if ``results.attrs`` does not carry the design.
        calc_second_order: Whether the design has second-order rows (default: from the design).
        conf_level: Confidence level of the bootstrap intervals.
        num_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap (a positive integer).

    Returns:
        One row per parameter, ranked by ``ST``: ``parameter, S1, S1_conf, ST, ST_conf,
        S1_low, S1_high, ST_low, ST_high, outcome``; ``*_conf`` is the half-width of the
        confidence interval.
    """
    from SALib.analyze import sobol

    info = _design_info(results, space)
    second = (
        info.get("calc_second_order", False) if calc_second_order is None else calc_second_order
    )
    y = _outcome(results, outcome)
    if _constant(y, outcome):
        columns = ("S1", "S1_conf", "ST", "ST_conf", "S1_low", "S1_high", "ST_low", "ST_high")
        return _empty(info, outcome, columns)
    res = sobol.analyze(
        dict(info["problem"]),
        y,
        calc_second_order=second,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=max(1, int(seed)),
    )
    table = pd.DataFrame(
        {
            "parameter": info["problem"]["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    for idx in ("S1", "ST"):
        table[f"{idx}_low"] = table[idx] - table[f"{idx}_conf"]
        table[f"{idx}_high"] = table[idx] + table[f"{idx}_conf"]
    table["outcome"] = outcome
    return table.sort_values("ST", ascending=False, ignore_index=True)


def morris_indices(
    results: pd.DataFrame,
    outcome: str,
    space: Mapping[str, Sequence[float]] | None = None,
    *,
    num_levels: int | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    seed: int = 1,
) -> pd.DataFrame:
    """Morris elementary-effect screening of ``outcome`` (SALib ``analyze.morris``).

    Returns:
        One row per parameter, ranked by ``mu_star``: ``parameter, mu, mu_star,
        mu_star_conf, sigma, mu_star_low, mu_star_high, outcome``. Effects are in outcome
        units per full range of the parameter.
    """
    from SALib.analyze import morris

    info = _design_info(results, space)
    names = info["problem"]["names"]
    ordered = results.sort_values("point") if "point" in results else results
    x = ordered[names].to_numpy(dtype=float)
    y = _outcome(results, outcome)
    if _constant(y, outcome):
        return _empty(
            info, outcome, ("mu", "mu_star", "mu_star_conf", "sigma", "mu_star_low", "mu_star_high")
        )
    res = morris.analyze(
        dict(info["problem"]),
        x,
        y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        num_levels=num_levels or info.get("num_levels", 4),
        seed=max(1, int(seed)),
    )
    table = pd.DataFrame(
        {
            "parameter": names,
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )
    table["mu_star_low"] = table["mu_star"] - table["mu_star_conf"]
    table["mu_star_high"] = table["mu_star"] + table["mu_star_conf"]
    table["outcome"] = outcome
    return table.sort_values("mu_star", ascending=False, ignore_index=True)


def analyze(
    results: pd.DataFrame,
    outcomes: Sequence[str],
    method: str | None = None,
    space: Mapping[str, Sequence[float]] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Sobol or Morris indices for several outcomes, stacked into one frame.

    Args:
        results: Results of a ``sobol`` or ``morris`` design.
        outcomes: Outcome columns to analyse.
        method: ``sobol`` or ``morris`` (default: the design's method).
        space: The sampled ranges, if ``results.attrs`` does not carry the design.
        **options: Passed to :func:`sobol_indices` or :func:`morris_indices`.
    """
    method = method or (results.attrs.get("design") or {}).get("method")
    if method == "sobol":
        fn = sobol_indices
    elif method == "morris":
        fn = morris_indices
    else:
        raise ValueError(f"sensitivity analysis needs a sobol or morris design, not {method!r}")
    return pd.concat([fn(results, o, space, **options) for o in outcomes], ignore_index=True)


def plot_indices(
    table: pd.DataFrame, path: str | Path | None = None, title: str | None = None
) -> plt.Figure:
    """Ranked horizontal bars with confidence-interval error bars, one panel per outcome.

    Args:
        table: Output of :func:`sobol_indices`, :func:`morris_indices` or :func:`analyze`.
        path: Where to save the PNG (atomically); ``None`` only returns the figure.
        title: Figure title (default: the kind of index).

    Returns:
        The matplotlib figure.
    """
    sobol_kind = "ST" in table.columns
    outcomes = list(dict.fromkeys(table["outcome"]))
    n_par = table["parameter"].nunique()
    fig, axes = plt.subplots(
        1,
        len(outcomes),
        figsize=(5.2 * len(outcomes) + 1.5, 0.45 * n_par + 1.8),
        squeeze=False,
        layout="constrained",
    )
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        key = "ST" if sobol_kind else "mu_star"
        ax.set_title(outcome_label(outcome), fontsize=10)
        if part[key].isna().all():
            ax.text(
                0.5,
                0.5,
                "outcome constant across the design:\nno variance to apportion",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        part = part.sort_values(key, ascending=True)
        ypos = np.arange(len(part))
        if sobol_kind:
            h = 0.38
            ax.barh(
                ypos + h / 2,
                part["ST"],
                h,
                xerr=part["ST_conf"],
                capsize=3,
                color="#1f77b4",
                label="total effect (ST)",
            )
            ax.barh(
                ypos - h / 2,
                part["S1"],
                h,
                xerr=part["S1_conf"],
                capsize=3,
                color="#ff7f0e",
                label="first order (S1)",
            )
            ax.set_xlabel("Sobol index (share of the outcome's variance)")
            ax.axvline(0, color="0.3", lw=0.8)
            warnings = sobol_warnings(part)
            if warnings:
                # Under the axis label, not over the bars and legend.
                ax.annotate(
                    "Caution:\n" + "\n".join(textwrap.fill(w, 70) for w in warnings),
                    xy=(0.5, 0.0),
                    xycoords=ax.xaxis.label,
                    xytext=(0, -4),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                    fontsize=7,
                    color="#D55E00",
                    bbox={"boxstyle": "round", "fc": "white", "ec": "#D55E00"},
                )
        else:
            ax.barh(
                ypos,
                part["mu_star"],
                0.6,
                xerr=part["mu_star_conf"],
                capsize=3,
                color="#1f77b4",
                label="μ* (mean |elementary effect|)",
            )
            ax.plot(part["sigma"], ypos, "D", color="#d62728", label="σ (non-linearity)")
            ax.set_xlabel("Elementary effect (outcome units per full range)")
        ax.set_yticks(ypos, part["parameter"])
        ax.grid(axis="x", alpha=0.3)
        if not sobol_kind:
            ax.legend(loc="best", fontsize=8)
    if sobol_kind:
        # Below the panels: when every index is large no corner of a panel is free.
        handles, labels = axes[0][-1].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8)
    kind = "Sobol sensitivity indices" if sobol_kind else "Morris screening"
    fig.suptitle(f"{title or kind}\nerror bars: 95% bootstrap confidence intervals")
    if path is not None:
        save_figure(fig, path)
    return fig


def sobol_warnings(part: pd.DataFrame) -> list[str]:
    """What a reader must know before trusting one outcome's Sobol indices.

    Flags parameters whose 95% interval is wider than the index itself (the index is not
    distinguishable from zero, or from twice its value) and parameters with S1 > ST, which
    cannot hold exactly and shows sampling noise: more base samples are needed.
    """
    out = []
    wide = part[(2 * part["ST_conf"] > part["ST"].abs()) | (2 * part["S1_conf"] > part["S1"].abs())]
    if len(wide):
        names = ", ".join(wide["parameter"].astype(str).tolist()[:4])
        more = "…" if len(wide) > 4 else ""
        out.append(f"intervals wider than the index: {names}{more}")
    above = part[part["S1"] > part["ST"]]
    if len(above):
        names = ", ".join(above["parameter"].astype(str).tolist()[:4])
        out.append(f"S1 > ST (sampling noise; raise n): {names}")
    return out


def save_figure(fig: plt.Figure, path: str | Path, dpi: int = 130) -> Path:
    """Save a figure as PNG atomically (temporary file, then rename)."""
    import io

    from .store import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path
