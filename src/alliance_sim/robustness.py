"""What survives what we don't know: spread split by source, effects across parameter sets.

Ensembles are nested: ``K`` parameter sets (drawn from the posterior, or the prior) × ``r``
replicates each (see :mod:`alliance_sim.core.posterior`). Two pure summaries use that:

- :func:`variance_split`: the law of total variance, ``Var Y = E[Var(Y | θ)] + Var(E[Y | θ])``,
  estimated by one-way random-effects ANOVA, gives the share of an outcome's spread that comes
  from parameter uncertainty and the share that is stochastic (Monte Carlo) noise.
- :func:`effect_robustness`: for a paired effect, its mean within each parameter set; in what
  share of sets it keeps the sign of the overall effect, and its range across sets.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Quantiles of the effect across parameter sets reported as its range.
SET_RANGE = (0.05, 0.95)


def variance_split(values: np.ndarray, sets: np.ndarray) -> dict[str, float]:
    """Split the variance of ``values`` into a parameter part and a stochastic part.

    Args:
        values: One outcome per replicate, shape ``(R,)``.
        sets: The parameter set of each replicate, shape ``(R,)``.

    Returns:
        ``total`` (variance of all replicates), ``parameter`` and ``stochastic`` variance
        components, and ``parameter_share`` = parameter / (parameter + stochastic) (NaN when
        both are zero). Components use the ANOVA estimator: stochastic = mean within-set
        variance, parameter = max(0, variance of set means − stochastic / r̄).
    """
    values = np.asarray(values, dtype=float)
    frame = pd.DataFrame({"y": values, "k": np.asarray(sets)})
    groups = frame.groupby("k")["y"]
    n = groups.size().to_numpy()
    means = groups.mean().to_numpy()
    if len(n) < 2 or (n < 2).any():
        return {
            "total": float(values.var()),
            "parameter": np.nan,
            "stochastic": np.nan,
            "parameter_share": np.nan,
        }
    within = float(groups.var(ddof=1).mean())
    r_bar = float(n.mean())
    between = max(0.0, float(means.var(ddof=1)) - within / r_bar)
    both = between + within
    return {
        "total": float(values.var(ddof=1)),
        "parameter": between,
        "stochastic": within,
        "parameter_share": between / both if both > 0 else np.nan,
    }


def spread_table(outcomes: Mapping[str, np.ndarray], sets: np.ndarray) -> pd.DataFrame:
    """:func:`variance_split` of several outcomes, one row each (column ``outcome``)."""
    rows = [{"outcome": name, **variance_split(v, sets)} for name, v in outcomes.items()]
    return pd.DataFrame(rows)


def effect_robustness(diff: np.ndarray, sets: np.ndarray) -> dict[str, float]:
    """How a paired effect varies across parameter sets.

    Args:
        diff: Paired difference (scenario − reference) per replicate.
        sets: The parameter set of each replicate.

    Returns:
        ``effect`` (mean over all replicates), ``sets`` (K), ``sign_share`` (share of sets
        whose mean effect has the sign of ``effect``; sets with a zero mean effect count as not
        keeping it, and a zero overall effect gives the share of sets with no effect),
        ``reverse_share`` (share of sets whose mean effect has the opposite sign; the rest
        show no effect, which with few replicates per set is often Monte Carlo noise),
        ``set_q05``, ``set_q95`` (5% and 95% quantiles of the per-set mean effects),
        ``set_min``, ``set_max``.
    """
    frame = pd.DataFrame({"d": np.asarray(diff, dtype=float), "k": np.asarray(sets)})
    per_set = frame.groupby("k")["d"].mean().to_numpy()
    effect = float(frame["d"].mean())
    sign = np.sign(effect)
    share = float((np.sign(per_set) == sign).mean())
    reverse = float((np.sign(per_set) == -sign).mean()) if sign != 0 else 0.0
    lo, hi = np.quantile(per_set, SET_RANGE)
    return {
        "effect": effect,
        "sets": int(len(per_set)),
        "sign_share": share,
        "reverse_share": reverse,
        "set_q05": float(lo),
        "set_q95": float(hi),
        "set_min": float(per_set.min()),
        "set_max": float(per_set.max()),
    }


def format_spread(table: pd.DataFrame, k: int, r: int, source: str) -> str:
    """The variance split as text."""
    lines = [
        f"Where the spread comes from ({k} {source} parameter sets × {r} replicates; law of "
        "total variance):",
        f"  {'outcome':<34} {'parameters':>10} {'stochastic':>10}",
    ]
    for row in table.itertuples(index=False):
        if np.isnan(row.parameter_share):
            share = "—"
            rest = "—"
        else:
            share = f"{row.parameter_share:.0%}"
            rest = f"{1 - row.parameter_share:.0%}"
        lines.append(f"  {row.outcome:<34} {share:>10} {rest:>10}")
    return "\n".join(lines)


def format_robustness(table: pd.DataFrame, source: str) -> str:
    """Sign robustness of each effect as text (rows: scenario, outcome, effect, ...)."""
    lines = [
        f"Robustness across {source} parameter sets: share of sets in which the mean effect "
        "keeps its sign ('holds in') or has the opposite sign ('reverses in'; the remaining "
        "sets show no change), and the 5–95% range of the per-set effect (which includes the "
        "Monte Carlo noise of each set's replicates):",
        f"  {'scenario':<24} {'outcome':<36} {'effect':>8} {'holds in':>9} {'reverses in':>12}"
        "   range across sets",
    ]
    for row in table.itertuples(index=False):
        if row.effect == 0:
            # No change overall: "holds in" would read as an effect that holds.
            lines.append(
                f"  {row.scenario:<24} {row.outcome:<36} {0:>+8.3f} {'—':>9} {'—':>12}   "
                f"no change in {row.sign_share:.0%} of sets"
            )
            continue
        lines.append(
            f"  {row.scenario:<24} {row.outcome:<36} {row.effect:>+8.3f} {row.sign_share:>9.0%}"
            f" {row.reverse_share:>12.0%}   [{row.set_q05:+.3f}, {row.set_q95:+.3f}]"
        )
    return "\n".join(lines)
