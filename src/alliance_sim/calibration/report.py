"""The calibration folder: tables, pair plot, summary and metadata of a :class:`Calibration`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.patterns import pattern_table
from ..runs import package_versions
from ..sweeps.store import atomic_write_parquet, atomic_write_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .abc import Calibration

#: Fewer accepted draws than this get a warning in the summary.
LOW_ACCEPTED = 1000
#: Parameters shown in the pair plot.
PAIR_PLOT_PARAMETERS = 5


def trade_offs(cal: Calibration, n: int = PAIR_PLOT_PARAMETERS) -> list[str]:
    """Parameters that trade off: those in the strongest posterior correlations.

    The prior draws parameters independently, so any correlation in the posterior comes from
    the patterns: two parameters that can compensate each other.
    """
    post = cal.posterior[list(cal.prior.keys)]
    varying = [k for k in post.columns if post[k].std() > 0]
    corr = post[varying].corr().to_numpy()
    pairs = sorted(itertools.combinations(range(len(varying)), 2), key=lambda ij: -abs(corr[ij]))
    chosen: list[str] = []
    for i, j in pairs:
        for k in (varying[i], varying[j]):
            if k not in chosen and len(chosen) < n:
                chosen.append(k)
        if len(chosen) >= n:
            break
    return chosen


def pair_plot(cal: Calibration, keys: list[str]) -> Figure:
    """Pair plot of posterior draws.

    Hexbins below the diagonal, prior vs posterior histograms on it, correlations above it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    post = cal.posterior[keys]
    lo, hi = cal.prior.support()
    bounds = {k: (lo[cal.prior.keys.index(k)], hi[cal.prior.keys.index(k)]) for k in keys}
    n = len(keys)
    fig, axes = plt.subplots(n, n, figsize=(2.2 * n + 1, 2.2 * n + 1), squeeze=False)
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            ax = axes[i, j]
            if i == j:
                ax.hist(
                    post[ki],
                    bins=30,
                    range=bounds[ki],
                    density=True,
                    color="tab:blue",
                    alpha=0.7,
                    label="posterior",
                )
                width = bounds[ki][1] - bounds[ki][0]
                ax.axhline(1 / width if width > 0 else 0, color="grey", ls="--", label="prior")
                ax.set_yticks([])
            elif i > j:
                ax.hexbin(
                    post[kj],
                    post[ki],
                    gridsize=25,
                    cmap="Blues",
                    mincnt=1,
                    extent=(*bounds[kj], *bounds[ki]),
                )
            else:
                r = np.corrcoef(post[kj], post[ki])[0, 1]
                ax.text(
                    0.5,
                    0.5,
                    f"r = {r:+.2f}",
                    ha="center",
                    va="center",
                    fontsize=12,
                    transform=ax.transAxes,
                )
                ax.set_xticks([])
                ax.set_yticks([])
            if i == n - 1:
                ax.set_xlabel(kj, fontsize=8)
            if j == 0 and i != 0:
                ax.set_ylabel(ki, fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    fig.suptitle(
        f"Posterior of the parameters that trade off most ({len(cal.posterior):,} accepted "
        f"draws of {cal.draws:,} from the prior)\nbelow the diagonal: accepted draws; on it: "
        "posterior histogram vs flat prior (dashed); above: posterior correlation",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def summary_text(cal: Calibration) -> str:
    """What ``alliance-sim calibrate`` prints."""
    acc = cal.acceptance()
    shrink = cal.shrinkage().sort_values("shrinkage", ascending=False)
    rate = cal.acceptance_rate
    stored = (
        f" ({len(cal.posterior):,} stored as the posterior sample)"
        if len(cal.posterior) < cal.accepted
        else ""
    )
    speed = f", {cal.draws / cal.seconds:,.0f} runs/s" if cal.seconds > 0 else ""
    lines = [
        f"Rejection ABC: {cal.draws:,} prior draws, {cal.accepted:,} accepted "
        f"({rate:.1%}){stored}, seed {cal.recipe['seed']}, {len(cal.prior.keys)} parameters; "
        f"{cal.seconds:.1f} s on {cal.executor}{speed}.",
        "",
        "Acceptance per pattern (share of prior draws each accepts alone):",
    ]
    for _, r in acc.iterrows():
        flag = "" if r["used"] else "  (not used for acceptance)"
        lines.append(f"  {r['pattern']:<38} {r['acceptance']:7.1%}{flag}")
    if cal.accepted < LOW_ACCEPTED:
        lines += [
            "",
            f"Warning: only {cal.accepted:,} draws accepted; posterior summaries are noisy. "
            "Draw more (--draws); a sequential scheme (ABC-SMC) is not implemented.",
        ]
    rates = cal.departure_rate()
    if rates:
        lines += [
            "",
            f"Departures a year after October 2022, per member: prior {rates['prior']:.2%}, "
            f"posterior {rates['posterior']:.2%} (the bloc's record 1994-2022: 2.4%, 90% "
            "interval 0.8-5.6%).",
        ]
    lines += ["", "Parameters the patterns constrain most (1 − posterior/prior variance):"]
    for _, r in shrink.head(8).iterrows():
        lines.append(
            f"  {r['key']:<38} shrinkage {r['shrinkage']:+.2f}, mean "
            f"{r['prior_mean']:.3f} -> {r['post_mean']:.3f} (90%: {r['post_q05']:.3f}-"
            f"{r['post_q95']:.3f})"
        )
    return "\n".join(lines)


def write_report(cal: Calibration, out: Path, command: list[str] | None) -> Path:
    """Write the calibration folder's result files into ``out`` (atomically, file by file)."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_parquet(out / "posterior.parquet", cal.posterior)
    atomic_write_text(out / "acceptance.csv", cal.acceptance().to_csv(index=False))
    atomic_write_text(out / "shrinkage.csv", cal.shrinkage().to_csv(index=False))
    atomic_write_text(out / "informs.csv", cal.informs().to_csv(index=False))
    atomic_write_text(out / "leave_one_out.csv", cal.leave_one_out().to_csv(index=False))
    atomic_write_text(out / "prior.csv", cal.prior.to_frame().to_csv(index=False))
    atomic_write_text(out / "patterns.csv", pattern_table(cal.patterns).to_csv(index=False))
    keys = trade_offs(cal)
    if len(keys) >= 2 and len(cal.posterior) > 1:
        fig = pair_plot(cal, keys)
        fig.savefig(out / "pairplot.png", dpi=110)
        import matplotlib.pyplot as plt

        plt.close(fig)
    atomic_write_text(out / "summary.txt", summary_text(cal) + "\n")
    meta = {
        **cal.recipe,
        "accepted": cal.accepted,
        "stored": len(cal.posterior),
        "acceptance_rate": cal.acceptance_rate,
        "parameters": list(cal.prior.keys),
        "patterns": [p.id for p in cal.patterns],
        "seconds": round(cal.seconds, 3),
        "departure_rate": cal.departure_rate(),
        "runs_per_second": round(cal.draws / cal.seconds, 1) if cal.seconds > 0 else None,
        "executor": cal.executor,
        "command": command,
        "versions": package_versions(),
    }
    atomic_write_text(out / "metadata.json", json.dumps(meta, indent=2, default=str) + "\n")
    return out


def shipped_sets(cal: Calibration, keep: int) -> pd.DataFrame:
    """The first ``keep`` accepted draws (by draw number): the shipped posterior."""
    table = cal.posterior.head(int(keep)).reset_index(drop=True)
    return table[["draw", *cal.prior.keys]]


def _md(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def markdown_tables(folder: str | Path, informs_threshold: float = 0.02) -> str:
    """The tables of docs/validation.md, from a calibration folder (Markdown).

    Args:
        folder: A folder written by ``alliance-sim calibrate``.
        informs_threshold: A pattern "informs" a parameter when its own posterior moves the
            mean or shrinks the variance by at least this much (in prior sds / variance share).
    """
    folder = Path(folder)
    acc = pd.read_csv(folder / "acceptance.csv")
    shrink = pd.read_csv(folder / "shrinkage.csv")
    informs = pd.read_csv(folder / "informs.csv")
    loo = pd.read_csv(folder / "leave_one_out.csv")
    used = acc["used"].astype(str).str.lower() == "true"
    acc_t = pd.DataFrame(
        {
            "pattern": acc["pattern"].where(used, acc["pattern"] + " (a check, not used)"),
            "accepts (alone)": acc["acceptance"].map("{:.1%}".format),
        }
    )
    shrink_t = pd.DataFrame(
        {
            "parameter": shrink["key"],
            "prior mean ± sd": [
                f"{m:.3f} ± {s:.3f}"
                for m, s in zip(shrink.prior_mean, shrink.prior_sd, strict=True)
            ],
            "posterior mean ± sd": [
                f"{m:.3f} ± {s:.3f}" for m, s in zip(shrink.post_mean, shrink.post_sd, strict=True)
            ],
            "posterior 90%": [
                f"{a:.3f}–{b:.3f}" for a, b in zip(shrink.post_q05, shrink.post_q95, strict=True)
            ],
            "shrinkage": shrink["shrinkage"].map("{:+.3f}".format),
            "shift (prior sds)": shrink["shift"].map("{:+.2f}".format),
        }
    )
    strong = informs[
        (informs["shift"].abs() >= informs_threshold) | (informs["shrinkage"] >= informs_threshold)
    ]
    inf_rows = []
    for pid, group in strong.groupby("pattern", sort=False):
        group = group.reindex(group["shift"].abs().sort_values(ascending=False).index)
        listed = ", ".join(
            f"{r.key} ({r.shift:+.2f} sd, shrinkage {r.shrinkage:+.2f})"
            for r in group.head(6).itertuples()
        )
        inf_rows.append({"pattern": pid, "parameters it moves (mean shift; shrinkage)": listed})
    for pid in acc["pattern"]:
        if pid not in set(strong["pattern"]) and not pid.startswith("joint"):
            inf_rows.append({"pattern": pid, "parameters it moves (mean shift; shrinkage)": "none"})
    cols = ["pattern"] + [
        f"{k}_{m}"
        for k in ("p", "brier", "log")
        for m in ("model", "prior", "persistence", "base_rate")
    ]
    loo_t = loo[cols].copy()
    for c in cols[1:]:
        loo_t[c] = loo_t[c].map("{:.3f}".format)
    return "\n\n".join(
        [
            "### Acceptance per pattern\n\n" + _md(acc_t),
            "### Which patterns inform which parameters\n\n" + _md(pd.DataFrame(inf_rows)),
            "### Leave-one-out forecasts and scores\n\n" + _md(loo_t),
            "### Prior vs posterior, every calibrated parameter\n\n" + _md(shrink_t),
        ]
    )
