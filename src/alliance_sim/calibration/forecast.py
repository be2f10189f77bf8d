"""Forecasts that can be scored: posture probabilities at fixed horizons, and their scores.

:func:`forecast` runs a scenario (parameters from the posterior by default) and writes, for
each member, the probability of each posture, of having frozen or left, and of having left, 6,
12, 24 and 36 months after the last observed month. :func:`score` scores such a forecast
against an outcomes table (member, date, observed posture) with the Brier and logarithmic
scores, beside the naive persistence forecast, and draws a reliability diagram.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.parameters import ENGAGEMENT_STATES
from ..errors import BadInput
from .scoring import brier, log_score

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Default forecast horizons, in months after the last observed month.
HORIZONS = (6, 12, 24, 36)
#: Columns of a forecast table.
FORECAST_COLUMNS = [
    "scenario",
    "member",
    "horizon_months",
    "date",
    "outcome",
    "probability",
    "persistence",
    "replicates",
    "seed",
    "ensemble",
    "model_version",
]
#: Outcomes besides the four postures: cumulative events by the date.
EVENTS = ("ever_frozen_or_left", "left")
#: Columns an outcomes table must have.
OUTCOME_COLUMNS = ("member", "date", "posture")


def forecast(
    scenario: Any = "baseline",
    *,
    horizons: Sequence[int] = HORIZONS,
    replicates: int | None = None,
    seed: int | None = None,
    ensemble: str = "posterior",
    per_set: int = 10,
) -> pd.DataFrame:
    """Each member's probability of each posture (and of having frozen or left) at horizons.

    Args:
        scenario: Scenario object, name or path; it runs for ``max(horizons)`` months.
        horizons: Months after the last observed month (the month before the scenario's start).
        replicates: Ensemble size (default the scenario's).
        seed: Seed (default the scenario's).
        ensemble: ``posterior`` (default), ``prior`` or ``independent`` (see
            :func:`alliance_sim.run`).
        per_set: Replicates per parameter set.

    Returns:
        A tidy table with :data:`FORECAST_COLUMNS`: per member, horizon and outcome
        (``active``, ``reduced``, ``frozen``, ``exited``, ``ever_frozen_or_left``, ``left``)
        the probability; ``persistence`` is the naive forecast (1 for the member's posture
        in the last observed month, in most replicates, 0 otherwise).
    """
    from ..api import run
    from .abc import model_version

    horizons = sorted({int(h) for h in horizons})
    if not horizons or horizons[0] < 1:
        raise ValueError("horizons must be positive numbers of months")
    changes = {"months": horizons[-1], "replicates": replicates, "seed": seed}
    result = run(scenario, ensemble=ensemble, per_set=per_set, **changes)
    s = result.scenario
    frame = result.member_frame()
    start = pd.Period(s.start, freq="M")
    last_observed = frame[frame["date"] == start - 1]
    outcomes = result.outcomes()
    rows = []
    for member in frame["member"].cat.categories:
        before = last_observed.loc[last_observed["member"] == member, "state"].astype(str)
        persisted = before.mode().iloc[0] if len(before) else "active"
        mine = frame[frame["member"] == member]
        out = outcomes[outcomes["member"] == member]
        for h in horizons:
            date = start + h - 1
            at = mine[mine["date"] == date].sort_values("replicate")
            states = at["state"].astype(str).to_numpy()
            probs = {p: float((states == p).mean()) for p in ENGAGEMENT_STATES}
            out_r = out.sort_values("replicate")
            # out of the bloc on the date, or gone (frozen / left) at some month before it
            frozen = (out_r["freeze_date"].notna() & (out_r["freeze_date"] <= date)).to_numpy()
            left = (out_r["exit_date"].notna() & (out_r["exit_date"] <= date)).to_numpy()
            left = left | (states == "exited")
            frozen = frozen | (states == "frozen")
            probs["ever_frozen_or_left"] = float((frozen | left).mean())
            probs["left"] = float(left.mean())
            naive = {p: float(p == persisted) for p in ENGAGEMENT_STATES}
            naive["ever_frozen_or_left"] = float(persisted in ("frozen", "exited"))
            naive["left"] = float(persisted == "exited")
            for outcome, p in probs.items():
                rows.append((member, h, str(date), outcome, p, naive[outcome]))
    table = pd.DataFrame(
        rows,
        columns=["member", "horizon_months", "date", "outcome", "probability", "persistence"],
    )
    table.insert(0, "scenario", s.name)
    table["replicates"] = s.replicates
    table["seed"] = s.seed
    table["ensemble"] = ensemble
    table["model_version"] = model_version()
    return table[FORECAST_COLUMNS]


# ------------------------------------------------------------------------------ reading
def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """A CSV or Parquet table, or :class:`BadInput` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such {what} file")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as err:  # noqa: BLE001 (any parse failure is bad input)
        raise BadInput(f"{path}: cannot read the {what} table ({err})") from None


def check_forecast(table: pd.DataFrame, path: str | Path = "forecast") -> pd.DataFrame:
    """A forecast table with typed columns, or :class:`BadInput` naming what is missing."""
    missing = [c for c in ("member", "date", "outcome", "probability") if c not in table]
    if missing:
        raise BadInput(f"{path}: not a forecast table (missing column(s) {', '.join(missing)})")
    out = table.copy()
    out["probability"] = pd.to_numeric(out["probability"], errors="coerce")
    if "persistence" in out:
        out["persistence"] = pd.to_numeric(out["persistence"], errors="coerce")
    out["date"] = out["date"].astype(str)
    bad = out["probability"].isna() | (out["probability"] < 0) | (out["probability"] > 1)
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise BadInput(f"{path}, line {line}, field probability: not a probability in [0, 1]")
    return out


def check_outcomes(
    outcomes: pd.DataFrame, fc: pd.DataFrame, path: str | Path = "outcomes"
) -> pd.DataFrame:
    """Validate an outcomes table against a forecast.

    Raises:
        BadInput: One line naming the file, the line (header = line 1), the field and the
            valid choices, for a missing column, an unknown member or posture, a date the
            forecast does not cover, or a member and month observed twice.
    """
    missing = [c for c in OUTCOME_COLUMNS if c not in outcomes.columns]
    if missing:
        raise BadInput(
            f"{path}: missing column(s) {', '.join(missing)}; an outcomes table has columns "
            f"{', '.join(OUTCOME_COLUMNS)}"
        )
    if outcomes.empty:
        raise BadInput(f"{path}: no outcomes to score")
    members = list(dict.fromkeys(fc["member"].astype(str)))
    dates = sorted(set(fc["date"].astype(str)))
    out = outcomes[list(OUTCOME_COLUMNS)].astype(str).apply(lambda c: c.str.strip())
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for i, row in enumerate(out.itertuples(index=False), start=2):
        if row.member not in members:
            raise BadInput(
                f"{path}, line {i}, field member: unknown member {row.member!r}; valid: "
                f"{', '.join(members)}"
            )
        if row.posture not in ENGAGEMENT_STATES:
            raise BadInput(
                f"{path}, line {i}, field posture: unknown posture {row.posture!r}; valid: "
                f"{', '.join(ENGAGEMENT_STATES)}"
            )
        if not re.fullmatch(r"\d{4}-\d{2}", row.date):
            raise BadInput(f"{path}, line {i}, field date: {row.date!r} is not YYYY-MM")
        date = row.date
        if date not in dates:
            raise BadInput(
                f"{path}, line {i}, field date: {row.date} is outside the forecast, which "
                f"covers {', '.join(dates)}"
            )
        if (row.member, date) in seen:
            line, posture = seen[row.member, date]
            raise BadInput(
                f"{path}, line {i}, fields member, date: {row.member} {date} is observed twice "
                f"(line {line}: {posture}; line {i}: {row.posture}); keep one observation"
            )
        seen[row.member, date] = (i, row.posture)
    return out


# ------------------------------------------------------------------------------ scoring
def event_table(fc: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Binary events to score: per observed (member, date), each posture (and frozen-or-left).

    Returns:
        Columns member, date, event, probability, persistence, observed (0/1).
    """
    rows = []
    wanted = [*ENGAGEMENT_STATES, "frozen_or_left"]
    fc = fc.assign(date=fc["date"].astype(str))
    for row in outcomes.itertuples(index=False):
        mine = fc[(fc["member"] == row.member) & (fc["date"] == row.date)].set_index("outcome")
        for event in wanted:
            if event == "frozen_or_left":
                p = mine.loc["frozen", "probability"] + mine.loc["exited", "probability"]
                naive = mine.loc["frozen", "persistence"] + mine.loc["exited", "persistence"]
                observed = row.posture in ("frozen", "exited")
            else:
                p = mine.loc[event, "probability"]
                naive = mine.loc[event, "persistence"] if "persistence" in mine else np.nan
                observed = row.posture == event
            rows.append((row.member, row.date, event, float(p), float(naive), float(observed)))
    return pd.DataFrame(
        rows, columns=["member", "date", "event", "probability", "persistence", "observed"]
    )


def score(fc: pd.DataFrame, outcomes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Score a forecast against observed postures.

    Args:
        fc: A forecast table (from :func:`forecast`, or read back from its file).
        outcomes: Columns member, date (``YYYY-MM``), posture.

    Returns:
        ``scores``: per observed (member, date), the Brier score over the four postures
        (sum of squared errors, 0 best, 2 worst), the log score −log p(observed posture) and
        the same for the persistence forecast; a last row ``mean``. ``events``: the binary
        events behind the reliability diagram.

    Raises:
        BadInput: For an invalid outcomes table (see :func:`check_outcomes`).
    """
    fc = check_forecast(fc)
    outcomes = check_outcomes(outcomes, fc)
    # a forecast read back from CSV has text columns
    fc = fc.assign(member=fc["member"].astype(str), outcome=fc["outcome"].astype(str))
    events = event_table(fc, outcomes)
    postures = events[events["event"].isin(ENGAGEMENT_STATES)].copy()
    rows = []
    for (member, date), group in postures.groupby(["member", "date"], sort=False):
        obs = group["observed"].to_numpy()
        row = {"member": member, "date": date}
        row["observed"] = group.loc[group["observed"] == 1, "event"].iloc[0]
        for name in ("probability", "persistence"):
            p = group[name].to_numpy()
            label = "model" if name == "probability" else "persistence"
            row[f"brier_{label}"] = float(brier(obs, p).sum())
            row[f"log_{label}"] = float(log_score(np.array([1.0]), p[obs == 1])[0])
        rows.append(row)
    scores = pd.DataFrame(rows)
    mean = {"member": "mean", "date": "", "observed": ""}
    mean |= {c: scores[c].mean() for c in scores.columns if c.startswith(("brier", "log"))}
    scores = pd.concat([scores, pd.DataFrame([mean])], ignore_index=True)
    return {"scores": scores, "events": events}


def reliability_diagram(events: pd.DataFrame, bins: int = 5) -> Figure:
    """Observed frequency against forecast probability, binned, with counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(events["probability"], edges[1:-1]), 0, bins - 1)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", ls="--", label="perfect reliability")
    xs, ys, ns = [], [], []
    for b in range(bins):
        sel = which == b
        if sel.any():
            xs.append(events.loc[sel, "probability"].mean())
            ys.append(events.loc[sel, "observed"].mean())
            ns.append(int(sel.sum()))
    ax.plot(xs, ys, "o-", color="tab:blue", label="forecast")
    for x, y, n in zip(xs, ys, ns, strict=True):
        ax.annotate(f"n={n}", (x, y), textcoords="offset points", xytext=(5, -12), fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (binned)")
    ax.set_ylabel("observed frequency")
    ax.set_title(
        f"Reliability of the forecast: {len(events)} binary events\n"
        "(each member × date × posture, and frozen-or-left)",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
