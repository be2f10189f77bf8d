"""Patterns from the documents and their evaluators (pure functions of recorded trajectories).

A pattern is a statement the documents make (with its verbatim quote) and a check evaluated on
the model's replay of 2022. Every check turns trajectories into one weight per replicate in
[0, 1]: 1 or 0 for a statement that holds or not, a likelihood ratio for a rate. The data are in
``data/patterns.yaml``; calibration (:mod:`alliance_sim.calibration`) uses them as ABC targets.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .parameters import ENGAGEMENT_STATES, WAR_STANCES, war_stance_codes

#: Check kinds the evaluators understand.
CHECK_KINDS = ("posture", "stance", "highest", "hazard")


@dataclass(frozen=True)
class Pattern:
    """One calibration target.

    Attributes:
        id: Short identifier.
        statement: What the documents say, in one sentence.
        source: Document file name in ``shared/seeds``.
        quote: The sentence quoted verbatim from it.
        check: The machine-checkable definition (see ``data/patterns.yaml``).
        calibrate: Whether calibration accepts draws on it (otherwise it is evaluated and
            reported only).
        note: Why a pattern is not used for calibration.
        tuned_on: The parameter whose prior was set so that the model reproduces this pattern
            (empty for none). Such a pattern is no independent evidence: forecast scores leave
            it out of their mean.
    """

    id: str
    statement: str
    source: str
    quote: str
    check: dict[str, Any] = field(default_factory=dict)
    calibrate: bool = True
    note: str = ""
    tuned_on: str = ""

    @property
    def kind(self) -> str:
        """The check kind: ``posture``, ``stance``, ``highest`` or ``hazard``."""
        return self.check["kind"]

    def months(self) -> tuple[str, str]:
        """First and last month (``YYYY-MM``) the check reads."""
        if self.kind == "highest":
            return self.check["date"], self.check["date"]
        return self.check["from"], self.check["to"]


@dataclass(frozen=True)
class Trajectories:
    """Member trajectories as arrays, what the evaluators read.

    Attributes:
        dates: The month of each row, shape ``(T,)`` (``datetime64[M]``).
        members: Member names, in the order of axis 1.
        state: Engagement-state codes (index into ``ENGAGEMENT_STATES``), ``(T, M, R)``.
        variables: Other recorded member variables (``loyalty``, ...), each ``(T, M, R)``.
        stance: War-stance codes (index into ``WAR_STANCES`` minus 1: -1 none, 0 neutral,
            1 support; -2 where a frame has no row), ``(T, M, R)``, or None when not recorded.
    """

    dates: np.ndarray
    members: list[str]
    state: np.ndarray
    variables: Mapping[str, np.ndarray] = field(default_factory=dict)
    stance: np.ndarray | None = None

    @property
    def replicates(self) -> int:
        """Number of replicates R."""
        return int(self.state.shape[2])

    def rows(self, first: str, last: str) -> slice:
        """Row slice of the months ``first`` to ``last`` (inclusive).

        Raises:
            ValueError: When the trajectories do not cover those months.
        """
        lo, hi = np.datetime64(first, "M"), np.datetime64(last, "M")
        if lo < self.dates[0] or hi > self.dates[-1]:
            raise ValueError(
                f"the trajectories cover {self.dates[0]} to {self.dates[-1]}, not {first} to {last}"
            )
        start = int((lo - self.dates[0]).astype(int))
        stop = int((hi - self.dates[0]).astype(int)) + 1
        return slice(start, stop)

    def member_index(self, name: str) -> int:
        """Axis-1 index of a member."""
        if name not in self.members:
            raise KeyError(f"unknown member {name!r}; valid: {', '.join(self.members)}")
        return self.members.index(name)


def trajectories_from_model(model: Any) -> Trajectories:
    """The recorded trajectories of an :class:`~alliance_sim.core.model.AllianceModel`.

    The model must have recorded members (``record_members=True``).
    """
    rec = model.recorder
    n = rec.n
    dates = rec.first_date + np.arange(n)
    variables = {k: v[:n] for k, v in rec.member.items()}
    names = [m.name for m in model.members]
    return Trajectories(dates, names, rec.state[:n], variables, rec.stance[:n])


def trajectories_from_frame(frame: pd.DataFrame) -> Trajectories:
    """Trajectories from a tidy member frame (date, replicate, member, state, variables...)."""
    dates = pd.PeriodIndex(frame["date"], freq="M")
    members = list(frame["member"].cat.categories) if hasattr(frame["member"], "cat") else None
    members = members or list(dict.fromkeys(frame["member"]))
    t_index = np.unique(dates.asi8)
    r = int(frame["replicate"].max()) + 1
    shape = (len(t_index), len(members), r)
    ti = np.searchsorted(t_index, dates.asi8)
    mi = pd.Categorical(frame["member"], categories=members).codes
    ri = frame["replicate"].to_numpy()
    state = np.full(shape, -1, dtype=np.int8)
    codes = pd.Categorical(frame["state"].astype(str), categories=list(ENGAGEMENT_STATES)).codes
    state[ti, mi, ri] = codes
    stance = None
    if "stance" in frame:
        stance = np.full(shape, -2, dtype=np.int8)
        stance[ti, mi, ri] = war_stance_codes(frame["stance"].astype(str))
    variables = {}
    for col in frame.columns:
        if col in ("date", "replicate", "member", "state", "stance"):
            continue
        if frame[col].dtype.kind not in "fi":
            continue
        arr = np.full(shape, np.nan)
        arr[ti, mi, ri] = frame[col].to_numpy(dtype=float)
        variables[col] = arr
    months = np.array([str(pd.Period(ordinal=o, freq="M")) for o in t_index], dtype="datetime64[M]")
    return Trajectories(months, members, state, variables, stance)


# ------------------------------------------------------------------------------ evaluators
def _codes(states: Sequence[str]) -> np.ndarray:
    unknown = [s for s in states if s not in ENGAGEMENT_STATES]
    if unknown:
        raise ValueError(f"unknown state(s) {unknown}; valid: {', '.join(ENGAGEMENT_STATES)}")
    return np.array([ENGAGEMENT_STATES.index(s) for s in states])


def posture_weight(traj: Trajectories, check: Mapping[str, Any]) -> np.ndarray:
    """1 where every listed member is in one of ``states`` in every month of the window."""
    rows = traj.rows(check["from"], check["to"])
    idx = [traj.member_index(m) for m in check["members"]]
    ok = np.isin(traj.state[rows][:, idx, :], _codes(check["states"]))
    return ok.all(axis=(0, 1)).astype(float)


def stance_weight(traj: Trajectories, check: Mapping[str, Any]) -> np.ndarray:
    """1 where every listed member holds one of ``stances`` on the war in every window month."""
    if traj.stance is None:
        raise KeyError("pattern needs the members' war stance, which was not recorded")
    unknown = [s for s in check["stances"] if s not in WAR_STANCES]
    if unknown:
        raise ValueError(f"unknown stance(s) {unknown}; valid: {', '.join(WAR_STANCES)}")
    codes = war_stance_codes(check["stances"])
    rows = traj.rows(check["from"], check["to"])
    idx = [traj.member_index(m) for m in check["members"]]
    return np.isin(traj.stance[rows][:, idx, :], codes).all(axis=(0, 1)).astype(float)


def highest_weight(traj: Trajectories, check: Mapping[str, Any]) -> np.ndarray:
    """1 where ``member`` has the strictly highest ``variable`` among ``among`` that month."""
    row = traj.rows(check["date"], check["date"]).start
    var = check["variable"]
    if var not in traj.variables:
        raise KeyError(
            f"pattern needs the member variable {var!r}, which was not recorded; "
            f"recorded: {', '.join(traj.variables) or 'none'}"
        )
    values = traj.variables[var][row]
    me = traj.member_index(check["member"])
    others = [traj.member_index(m) for m in check["among"] if m != check["member"]]
    ok = values[me] > values[others].max(axis=0)
    if "states" in check:
        ok &= np.isin(traj.state[row, me], _codes(check["states"]))
    return ok.astype(float)


def exit_counts(
    traj: Trajectories, members: Sequence[str], first: str, last: str
) -> tuple[np.ndarray, np.ndarray]:
    """Exits per replicate among ``members``, and how many were at risk.

    Returns:
        ``(counts, at_risk)``: how many of the members in the bloc the month before ``first``
        had left by ``last``, and how many were in the bloc then.
    """
    rows = traj.rows(first, last)
    idx = [traj.member_index(m) for m in members]
    exited = ENGAGEMENT_STATES.index("exited")
    before = max(rows.start - 1, 0)
    in_bloc = traj.state[before][idx] != exited
    gone = (traj.state[rows.stop - 1][idx] == exited) & in_bloc
    return gone.sum(axis=0), in_bloc.sum(axis=0)


def hazard_weight(traj: Trajectories, check: Mapping[str, Any]) -> np.ndarray:
    """Poisson likelihood ratio of the window's exit count at the base rate (1 for no exit).

    With ``n`` members at risk over ``y`` years at rate ``h`` the expected count is ``n h y``;
    a replicate with ``k`` exits gets ``P(k) / P(0) = (n h y)^k / k!``, capped at 1. Accepting
    with this probability keeps parameter sets in proportion to how likely the bloc's own
    record makes their departures.
    """
    counts, at_risk = exit_counts(traj, check["members"], check["from"], check["to"])
    rows = traj.rows(check["from"], check["to"])
    years = (rows.stop - rows.start) / 12.0
    mean = at_risk * float(check["rate"]) * years
    log_factorial = np.array([math.lgamma(k + 1) for k in range(len(check["members"]) + 1)])
    log_ratio = counts * np.log(np.maximum(mean, 1e-300)) - log_factorial[counts]
    return np.minimum(1.0, np.exp(np.where(counts == 0, 0.0, log_ratio)))


EVALUATORS = {
    "posture": posture_weight,
    "stance": stance_weight,
    "highest": highest_weight,
    "hazard": hazard_weight,
}


def pattern_weights(traj: Trajectories, patterns: Sequence[Pattern]) -> np.ndarray:
    """Weights of every pattern for every replicate, shape ``(P, R)`` in [0, 1].

    Raises:
        KeyError: Naming the pattern, when it needs a member variable that was not recorded.
    """
    rows = []
    for p in patterns:
        try:
            rows.append(EVALUATORS[p.kind](traj, p.check))
        except KeyError as err:
            raise KeyError(f"pattern {p.id}: {err.args[0]}") from None
    return np.stack(rows)


# ------------------------------------------------------------------------------ loading
def parse_patterns(raw: Mapping[str, Any], where: str = "patterns.yaml") -> list[Pattern]:
    """Patterns from the parsed YAML mapping, checked.

    Raises:
        ValueError: Naming the pattern and field, for a missing field or an unknown kind.
    """
    out: list[Pattern] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("patterns", [])):
        pid = entry.get("id", f"#{i}")
        for key in ("id", "statement", "source", "quote", "check"):
            if key not in entry:
                raise ValueError(f"{where}: pattern {pid}: missing field {key!r}")
        if pid in seen:
            raise ValueError(f"{where}: pattern {pid}: duplicate id")
        seen.add(pid)
        kind = entry["check"].get("kind")
        if kind not in CHECK_KINDS:
            raise ValueError(
                f"{where}: pattern {pid}: check.kind {kind!r}; valid: {', '.join(CHECK_KINDS)}"
            )
        out.append(
            Pattern(
                id=str(pid),
                statement=" ".join(str(entry["statement"]).split()),
                source=str(entry["source"]),
                quote=" ".join(str(entry["quote"]).split()),
                check=dict(entry["check"]),
                calibrate=bool(entry.get("calibrate", True)),
                note=" ".join(str(entry.get("note", "")).split()),
                tuned_on=str(entry.get("tuned_on", "")),
            )
        )
    return out


def patterns_text() -> str:
    """The packaged ``patterns.yaml`` as text."""
    return resources.files("alliance_sim").joinpath("core/data/patterns.yaml").read_text("utf-8")


@cache
def _default_patterns() -> tuple[Pattern, ...]:
    return tuple(parse_patterns(yaml.safe_load(patterns_text())))


def load_patterns(ids: Sequence[str] | None = None) -> list[Pattern]:
    """The packaged patterns, or those named in ``ids`` (in that order).

    Raises:
        KeyError: For an unknown id (the message lists the valid ones).
    """
    patterns = list(_default_patterns())
    if ids is None:
        return patterns
    by_id = {p.id: p for p in patterns}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise KeyError(f"unknown pattern(s) {', '.join(unknown)}; valid: {', '.join(by_id)}")
    return [by_id[i] for i in ids]


def patterns_hash(patterns: Sequence[Pattern]) -> str:
    """A hash of the patterns' definitions (what calibration depends on)."""
    data = [[p.id, p.check, p.calibrate] for p in patterns]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def window(patterns: Sequence[Pattern]) -> tuple[str, str]:
    """First and last month any of the patterns reads."""
    months = [m for p in patterns for m in p.months()]
    return min(months), max(months)


def pattern_table(patterns: Sequence[Pattern] | None = None) -> pd.DataFrame:
    """The patterns as a table: id, statement, kind, window, source, quote."""
    rows = []
    for p in patterns if patterns is not None else load_patterns():
        first, last = p.months()
        rows.append(
            {
                "id": p.id,
                "statement": p.statement,
                "kind": p.kind,
                "from": first,
                "to": last,
                "source": p.source,
                "quote": p.quote,
            }
        )
    return pd.DataFrame(rows)
