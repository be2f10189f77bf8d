"""End-of-run summaries of an ensemble: pure functions from tidy frames to tidy tables.

The tables are what ``alliance-sim run`` and ``alliance-sim compare`` print and what a run
folder stores. Probabilities are shares of replicates; intervals are replicate quantiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Bloc metrics summarised at the end of a run.
BLOC_METRICS = ("integrity", "cohesion", "credibility")
#: Lower and upper quantiles of the 90% band.
BAND_90 = (0.05, 0.95)


def _month_text(period: pd.Period | None) -> str:
    return "—" if period is None or pd.isna(period) else str(period)


def _median_period(periods: pd.Series) -> pd.Period | None:
    """Median of monthly periods (the lower middle value), or None when there are none."""
    valid = periods.dropna()
    if valid.empty:
        return None
    ordinals = np.sort(valid.map(lambda p: p.ordinal).to_numpy())
    return pd.Period(ordinal=int(ordinals[(len(ordinals) - 1) // 2]), freq="M")


def _exits_from(dates: pd.Series, first: pd.Period | None) -> pd.Series:
    """Exit months from ``first`` on (earlier ones, in the replayed history, become NaT)."""
    if first is None:
        return dates
    months = dates.dt.to_period("M") if not isinstance(dates.dtype, pd.PeriodDtype) else dates
    return months.where(months.notna() & (months >= first))


def _support_shares(last: pd.DataFrame) -> pd.Series:
    """Per member, the share of replicates backing the war; NaN where none takes a stance."""
    stance = last["stance"].astype(str)
    grouped = pd.DataFrame({"member": last["member"], "support": stance == "support"})
    grouped["takes_stance"] = stance != "none"
    by_member = grouped.groupby("member", observed=True)
    share = by_member["support"].mean()
    return share.where(by_member["takes_stance"].any()).rename("p_support")


def member_summary(
    member_frame: pd.DataFrame,
    outcomes: pd.DataFrame,
    hegemon: str | None = None,
    start: str | pd.Period | None = None,
) -> pd.DataFrame:
    """Each member's engagement at the end of the run and the timing of exits.

    Exits are counted as sweeps count them: from the run's first month to its end. A member
    that left in the 2022 history replayed before the start is exited in the last month (it
    counts in ``p_exited``) but did not leave during the run.

    Args:
        member_frame: Tidy member trajectories (date, replicate, member, ..., state, and
            ``stance`` if recorded: frames from before it was recorded give no ``p_support``).
        outcomes: Per replicate and member: freeze_date and exit_date (NaT when none).
        hegemon: The member that leads the bloc (its row says so).
        start: The run's first month (the scenario's ``start``); exits before it are not
            counted. ``None`` counts every recorded exit.

    Returns:
        One row per member with ``p_active, p_reduced, p_frozen, p_exited`` (shares of replicates in
        each state in the last month), ``p_ever_frozen`` (frozen in at least one month from the
        run's start, as ``outcomes`` records it; a freeze during the replayed history counts only if
        it lasts into the run), ``median_exit`` (median month of exit among the replicates where it
        left from ``start`` on, or None), ``n_exits`` (replicates where it left from ``start`` to
        the end), ``p_support`` (share of replicates backing the hegemon's war in the last
        month, whatever the rung; NaN for a member with no stance in any replicate: the
        hegemon, or no war), ``counted_from`` (``start`` as ``YYYY-MM``, or None),
        ``replicates`` and ``status``: ``member``, ``hegemon``, or ``outside throughout`` for a
        former member that never rejoined (its P(exited) of 1 is where it started, not a
        departure).
    """
    first = None if start is None else pd.Period(str(start), freq="M")
    last = member_frame[member_frame["date"] == member_frame["date"].max()]
    shares = pd.crosstab(last["member"], last["state"], normalize="index", dropna=False)
    shares = shares.reindex(columns=["active", "reduced", "frozen", "exited"], fill_value=0.0)
    shares.columns = [f"p_{c}" for c in shares.columns]
    if "stance" in last:  # frames written before the stance was recorded have no column
        shares = shares.join(_support_shares(last))
    outside = member_frame.groupby("member", observed=True)["state"].agg(
        lambda states: bool((states.astype(str) == "exited").all())
    )
    rows = []
    for member, group in outcomes.groupby("member", observed=True, sort=False):
        exits = _exits_from(group["exit_date"], first)
        status = "member"
        if member == hegemon:
            status = "hegemon"
        elif outside.get(member, False):
            status = "outside throughout"
        rows.append(
            {
                "member": member,
                "p_ever_frozen": float(group["freeze_date"].notna().mean()),
                "n_exits": int(exits.notna().sum()),
                "median_exit": _median_period(exits),
                "counted_from": None if first is None else str(first),
                "replicates": len(group),
                "status": status,
            }
        )
    timing = pd.DataFrame(rows).set_index("member")
    table = shares.join(timing, how="left")
    table.index.name = "member"
    return table.reset_index()


def bloc_summary(final: pd.DataFrame, metrics: tuple[str, ...] = BLOC_METRICS) -> pd.DataFrame:
    """Median and 90% band of the bloc metrics in the last month.

    Args:
        final: One row per replicate with a column per metric.
        metrics: The metrics to summarise.

    Returns:
        One row per metric: ``median, q05, q95``.
    """
    lo, hi = BAND_90
    rows = [
        {
            "metric": m,
            "median": float(final[m].median()),
            "q05": float(final[m].quantile(lo)),
            "q95": float(final[m].quantile(hi)),
        }
        for m in metrics
    ]
    return pd.DataFrame(rows)


def paired_differences(
    reference: pd.DataFrame, other: pd.DataFrame, metrics: tuple[str, ...] = BLOC_METRICS
) -> pd.DataFrame:
    """Differences ``other - reference`` of end-of-run metrics, paired by replicate.

    With the same seed, replicate *i* of both runs shares its parameter draws and random
    streams, so the per-replicate difference isolates the scenario's effect.

    Args:
        reference: Final metrics of the reference run, one row per replicate.
        other: Final metrics of the other run, same replicates.
        metrics: Metrics to compare.

    Returns:
        One row per metric: ``reference`` and ``scenario_median`` medians, the median paired
        difference ``diff_median``, its 90% interval ``diff_q05, diff_q95`` and ``p_lower``,
        the share of replicates where the scenario's value is lower.
    """
    merged = reference.merge(other, on="replicate", suffixes=("_ref", "_new"))
    lo, hi = BAND_90
    rows = []
    for m in metrics:
        diff = merged[f"{m}_new"] - merged[f"{m}_ref"]
        rows.append(
            {
                "metric": m,
                "reference": float(merged[f"{m}_ref"].median()),
                "scenario_median": float(merged[f"{m}_new"].median()),
                "diff_median": float(diff.median()),
                "diff_q05": float(diff.quantile(lo)),
                "diff_q95": float(diff.quantile(hi)),
                "p_lower": float((diff < 0).mean()),
            }
        )
    return pd.DataFrame(rows)


def paired_probability_differences(
    reference: pd.DataFrame, other: pd.DataFrame, states: tuple[str, ...] = ("frozen", "exited")
) -> pd.DataFrame:
    """Change in each member's probability of ending frozen-or-worse / exited, with its error.

    Args:
        reference: Last-month member rows of the reference run (replicate, member, state).
        other: The same for the other run.
        states: ``frozen`` counts frozen or exited; ``exited`` counts exited.

    Returns:
        One row per member and outcome: ``reference`` and ``scenario_p`` probabilities,
        ``diff`` and a 90% normal interval ``diff_lo, diff_hi`` from the paired replicates
        (Monte Carlo error of the ensemble).
    """
    rank = {"active": 0, "reduced": 1, "frozen": 2, "exited": 3}
    merged = reference.merge(other, on=["replicate", "member"], suffixes=("_ref", "_new"))
    rows = []
    for member, group in merged.groupby("member", observed=True, sort=False):
        for state in states:
            cut = rank[state]
            a = group["state_ref"].astype(str).map(rank).to_numpy() >= cut
            b = group["state_new"].astype(str).map(rank).to_numpy() >= cut
            d = b.astype(float) - a.astype(float)
            se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
            rows.append(
                {
                    "member": member,
                    "outcome": "frozen or exited" if state == "frozen" else "exited",
                    "reference": float(a.mean()),
                    "scenario_p": float(b.mean()),
                    "diff": float(d.mean()),
                    "diff_lo": float(d.mean() - 1.645 * se),
                    "diff_hi": float(d.mean() + 1.645 * se),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ numbers as text
def percent(p: float) -> str:
    """A probability as a percentage that never rounds a non-zero value to 0% or 100%.

    ``0.005 -> "0.5%"``, ``0.2 -> "20%"``, ``0.995 -> "99.5%"``, ``0 -> "0%"``.
    """
    if not np.isfinite(p):
        return "—"
    x = 100.0 * float(p)
    if x == 0 or x == 100:
        return f"{x:.0f}%"
    if x < 1:
        return f"{x:.2g}%"
    if x > 99:
        return f"{100 - float(f'{100 - x:.2g}'):g}%"
    return f"{x:.0f}%"


def probability(p: float, replicates: int) -> str:
    """An estimated probability; an estimate of zero prints as ``<1/R`` (never certain).

    With no event in R replicates the probability is not zero, only below about 1/R; likewise
    an event in every replicate prints as ``>1 - 1/R``.
    """
    if replicates > 0 and p == 0:
        return f"<{_bound(replicates)}%"
    if replicates > 0 and p == 1:
        return f">{100 - float(_bound(replicates)):g}%"
    return percent(p)


def _bound(replicates: int) -> str:
    """100/R to two significant figures (``2.5`` for 40 replicates)."""
    return f"{100.0 / replicates:.2g}"


def signed_percent(d: float) -> str:
    """A difference of probabilities with its sign; zero prints ``0%``, never ``-0%``."""
    if not np.isfinite(d):
        return "—"
    text = percent(abs(d))
    if text == "0%":
        return "0%"
    return ("+" if d > 0 else "−") + text


# ------------------------------------------------------------------------------ text tables
def member_display(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The member summary as display strings, and the footnotes that explain them.

    Posture probabilities come first. A probability estimated as zero prints as ``<1/R``;
    a former member that stayed outside shows no departure; the hegemon is marked.

    Returns:
        The table (one row per member, text cells) and a list of footnotes.
    """
    names = table["member"].astype(str)
    n = table["replicates"].fillna(0).astype(int) if "replicates" in table else None
    status = table["status"] if "status" in table else pd.Series("member", index=table.index)

    def prob(column: str) -> list[str]:
        if n is None:
            return [percent(p) for p in table[column]]
        return [probability(p, r) for p, r in zip(table[column], n, strict=True)]

    outside = status == "outside throughout"
    marks = status.map({"hegemon": " †", "outside throughout": " ‡"}).fillna("")
    out = pd.DataFrame(
        {
            "member": (names.str.capitalize() + marks).to_numpy(),
            "P(active)": prob("p_active"),
            "P(reduced)": prob("p_reduced"),
            "P(frozen)": prob("p_frozen"),
            "P(exited)": prob("p_exited"),
            **({"P(backs the war)": prob("p_support")} if "p_support" in table else {}),
            "left during run (replicates)": table["n_exits"].astype(str).where(~outside, "—"),
            "median exit month": table["median_exit"].map(_month_text).to_numpy(),
        }
    )
    notes = []
    if n is not None and len(n):
        r = int(n.iloc[0])
        notes.append(
            f"Shares of {r} replicates in each state in the last month; {probability(0, r)} "
            f"means in no replicate (below about 1/R), {probability(1, r)} in every one."
        )
    if "p_support" in table:
        notes.append(
            "P(backs the war): share of replicates publicly supporting the hegemon's war in the "
            "last month, whatever the rung (a member can stay active and neutral: hedging; a "
            "member outside the bloc takes a stance too); — where no replicate takes one (the "
            "hegemon itself, or no war)."
        )
    counted = table["counted_from"].dropna() if "counted_from" in table else pd.Series()
    if len(counted):
        first = str(counted.iloc[0])
        notes.append(
            f"Left during run and median exit month count departures from {first} (the run's "
            f"first month) to its end; exits in the history replayed before {first} are not "
            "counted (such a member still counts in P(exited))."
        )
    for mark, key, text in (
        ("†", "hegemon", "leads the bloc"),
        (
            "‡",
            "outside throughout",
            "a former member, outside the bloc throughout: its P(exited) is where it started, "
            "not a departure",
        ),
    ):
        who = names[status == key].str.capitalize().tolist()
        if who:
            notes.append(f"{mark} {', '.join(who)}: {text}.")
    return out, notes


def format_member_table(table: pd.DataFrame) -> str:
    """The member summary as a fixed-width text table with its footnotes (see member_display)."""
    out, notes = member_display(table)
    width = int(out["member"].str.len().max())
    out["member"] = out["member"].str.ljust(width)
    out = out.rename(columns={"member": "member".ljust(width)})
    return "\n".join([out.to_string(index=False), *notes])


#: Human names of the bloc metrics, for tables and figures.
METRIC_NAMES = {
    "integrity": "Integrity",
    "cohesion": "Cohesion",
    "credibility": "Credibility",
    "cohesion_remaining": "Cohesion among those left",
    "credibility_remaining": "Credibility among those left",
    "capacity": "Russia's capacity",
}


def bloc_display(table: pd.DataFrame) -> pd.DataFrame:
    """The bloc summary as display strings: metric, median, 90% band of replicates."""
    return pd.DataFrame(
        {
            "metric": [METRIC_NAMES.get(m, m) for m in table["metric"]],
            "median": [f"{v:.3f}" for v in table["median"]],
            "90% of replicates": [
                f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(table["q05"], table["q95"], strict=True)
            ],
        }
    )


def format_bloc_table(table: pd.DataFrame) -> str:
    """The bloc summary as text: median [5%, 95%]."""
    lines = [f"{'metric':<12} {'median':>7}   90% band"]
    for row in table.itertuples(index=False):
        lines.append(f"{row.metric:<12} {row.median:>7.3f}   [{row.q05:.3f}, {row.q95:.3f}]")
    return "\n".join(lines)


#: What the parameter part of the bloc band is, by ensemble (see :func:`band_note`).
_BAND_PARAMETERS = {
    "posterior": "posterior parameter and stochastic spread together",
    "prior": "prior parameter and stochastic spread together",
    "independent": "prior parameter and stochastic spread together",
    "fixed": "stochastic spread only: parameters fixed at the table's values",
}


def band_note(ensemble: str | None = None) -> str:
    """One line that says what the bloc table's 90% band covers.

    Args:
        ensemble: Where the replicates' parameters came from (``posterior``, ``prior``,
            ``independent`` or ``fixed``); ``None`` when unknown.

    Returns:
        E.g. ``90% band: the central 90% of replicates (posterior parameter and stochastic
        spread together).`` (the 5% and 95% replicate quantiles bound it).
    """
    spread = _BAND_PARAMETERS.get(str(ensemble), "parameter and stochastic spread together")
    return f"90% band: the central 90% of replicates ({spread})."


def format_differences(table: pd.DataFrame, replicates: int = 0) -> str:
    """Bloc differences from the reference as text."""
    lines = [
        f"{'scenario':<28} {'metric':<12} {'reference':>9} {'scenario':>9} "
        f"{'median diff':>11}   90% interval      P(lower)"
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.scenario:<28} {row.metric:<12} {row.reference:>9.3f} "
            f"{row.scenario_median:>9.3f} {row.diff_median:>+11.3f}   "
            f"[{row.diff_q05:+.3f}, {row.diff_q95:+.3f}]  "
            f"{probability(row.p_lower, replicates):>7}"
        )
    return "\n".join(lines)


def format_probability_differences(table: pd.DataFrame, replicates: int = 0) -> str:
    """Member probability differences from the reference as text (non-zero rows only)."""
    moving = (table["reference"] > 0) | (table["scenario_p"] > 0)
    always = (table["reference"] == 1) & (table["scenario_p"] == 1)
    shown = table[moving & ~always]
    if shown.empty:
        return "(no member froze or left in any compared scenario)"
    lines = [
        f"{'scenario':<28} {'member':<11} {'outcome':<17} {'reference':>9} {'scenario':>9} "
        f"{'change':>7}   90% interval"
    ]
    for row in shown.itertuples(index=False):
        lines.append(
            f"{row.scenario:<28} {row.member:<11} {row.outcome:<17} "
            f"{probability(row.reference, replicates):>9} "
            f"{probability(row.scenario_p, replicates):>9} "
            f"{signed_percent(row.diff):>7}   "
            f"[{signed_percent(row.diff_lo)}, {signed_percent(row.diff_hi)}]"
        )
    return "\n".join(lines)
