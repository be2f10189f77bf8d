"""Outcome expressions: which design points count as "cases of interest".

An analyst writes ``armenia frozen_or_exited at 24 > 0.5``: the design points where Armenia's
probability of having been frozen or out of the bloc within 24 months exceeds one half. The
grammar is

* ``MEMBER POSTURE [at MONTH] OP VALUE`` with ``POSTURE`` one of active, reduced, frozen,
  exited (the posture in that month) or frozen_or_exited (frozen or out in at least one month
  up to then);
* ``BLOC_OUTCOME [at MONTH] OP VALUE`` with ``BLOC_OUTCOME`` one of integrity, cohesion,
  credibility, capacity (means over replicates), any_exit, any_frozen_or_exited;
* ``COLUMN OP VALUE`` for any other numeric column of the results (``p_exit_armenia > 0.1``);

``OP`` is one of ``>``, ``>=``, ``<``, ``<=``; ``MONTH`` defaults to the horizon.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.parameters import ENGAGEMENT_STATES
from ..sweeps.chunk import (
    BLOC_METRICS,
    MEMBER_MONTH_OUTCOMES,
    bloc_month_column,
    member_month_column,
)

OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
BLOC_OUTCOMES = (*BLOC_METRICS, "any_exit", "any_frozen_or_exited")
SYNTAX = (
    "expected 'MEMBER POSTURE [at MONTH] OP VALUE' or 'BLOC_OUTCOME [at MONTH] OP VALUE', "
    "e.g. 'armenia frozen_or_exited at 24 > 0.5'"
)
_PATTERN = re.compile(
    r"^\s*(?P<subject>[A-Za-z_][\w.]*(?:\s+[A-Za-z_]\w*)?)"
    r"(?:\s+at\s+(?P<month>\S+))?"
    r"\s*(?P<op>>=|<=|>|<)\s*(?P<value>\S+)\s*$"
)


class OutcomeError(ValueError):
    """An outcome expression that cannot be read or names something the results lack."""


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome: ``column OP threshold`` over the results' rows.

    Attributes:
        expression: What the analyst wrote.
        column: The results column it reads.
        op: Comparison operator (``>``, ``>=``, ``<``, ``<=``).
        threshold: The value compared with.
        label: A readable description for tables and figures.
    """

    expression: str
    column: str
    op: str
    threshold: float
    label: str

    def evaluate(self, results: pd.DataFrame) -> np.ndarray:
        """Boolean array: whether each design point is a case of interest."""
        values = results[self.column].to_numpy(dtype=float)
        return OPERATORS[self.op](values, self.threshold)

    @property
    def slug(self) -> str:
        """A file-name-safe name for the outcome's folder."""
        ops = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}
        value = f"{self.threshold:g}".replace(".", "p").replace("-", "minus")
        return f"{self.column}_{ops[self.op]}_{value}"


def members_in(results: pd.DataFrame) -> list[str]:
    """The members a sweep's results describe (from their ``p_exit_<member>`` columns)."""
    return [c[len("p_exit_") :] for c in results.columns if c.startswith("p_exit_")]


def months_in(results: pd.DataFrame) -> list[int]:
    """The months (after the start) at which the results report postures."""
    found = {int(m.group(1)) for c in results.columns if (m := re.search(r"_m(\d+)$", c))}
    return sorted(found)


def parse_outcome(expression: str, results: pd.DataFrame) -> Outcome:
    """Read an outcome expression against a sweep's results.

    Raises:
        OutcomeError: With a one-line message naming what is wrong and the valid choices.
    """
    match = _PATTERN.match(expression or "")
    if not match:
        raise OutcomeError(f"cannot read outcome {expression!r}: {SYNTAX}")
    words = match["subject"].lower().split()
    try:
        threshold = float(match["value"])
    except ValueError:
        raise OutcomeError(
            f"cannot read outcome {expression!r}: the value {match['value']!r} is not a number"
        ) from None
    if not np.isfinite(threshold):
        raise OutcomeError(f"cannot read outcome {expression!r}: the value must be finite")
    months = months_in(results)
    month = None
    if match["month"] is not None:
        if not match["month"].isdigit():
            raise OutcomeError(
                f"cannot read outcome {expression!r}: the month {match['month']!r} is not a "
                "whole number of months after the start"
            )
        month = int(match["month"])
        if month not in months:
            have = ", ".join(map(str, months)) or "none"
            raise OutcomeError(
                f"month {month} is not in the results (they report months {have}); "
                "list it under at: in the experiment file and run the sweep again"
            )
    members = members_in(results)
    op = match["op"]

    if len(words) == 2:
        member, posture = words
        if member not in members:
            raise OutcomeError(
                f"unknown member {member!r} in outcome {expression!r}; valid: {', '.join(members)}"
            )
        if posture not in MEMBER_MONTH_OUTCOMES:
            raise OutcomeError(
                f"unknown posture {posture!r} in outcome {expression!r}; valid: "
                f"{', '.join(MEMBER_MONTH_OUTCOMES)}"
            )
        month = month or _horizon(months, expression)
        column = member_month_column(posture, member, month)
        what = (
            f"frozen or exited by month {month}"
            if posture == "frozen_or_exited"
            else f"{posture} in month {month}"
        )
        label = f"P({member.capitalize()} {what}) {op} {threshold:g}"
    else:
        (name,) = words
        if name in BLOC_OUTCOMES:
            month = month or _horizon(months, expression)
            base = f"{name}_mean" if name in BLOC_METRICS else f"p_{name}"
            column = bloc_month_column(base, month)
            label = f"{base} in month {month} {op} {threshold:g}"
        elif name in results.columns and match["month"] is None:
            column = name
            label = f"{name} {op} {threshold:g}"
        elif name in members:
            raise OutcomeError(
                f"outcome {expression!r} names member {name!r} but no posture; valid postures: "
                f"{', '.join(MEMBER_MONTH_OUTCOMES)}"
            )
        else:
            raise OutcomeError(
                f"unknown outcome {name!r} in {expression!r}; valid: a member "
                f"({', '.join(members)}) and a posture ({', '.join(MEMBER_MONTH_OUTCOMES)}), "
                f"or one of {', '.join(BLOC_OUTCOMES)}, or a results column"
            )
    if column not in results.columns:
        raise OutcomeError(f"the results have no column {column!r} for outcome {expression!r}")
    if not pd.api.types.is_numeric_dtype(results[column]):
        raise OutcomeError(f"column {column!r} is not numeric")
    return Outcome(expression.strip(), column, op, threshold, label)


def _horizon(months: list[int], expression: str) -> int:
    if not months:
        raise OutcomeError(
            f"the results report no postures by month, so {expression!r} cannot be evaluated; "
            "run the sweep again with this version (it adds the columns)"
        )
    return months[-1]


__all__ = ["ENGAGEMENT_STATES", "Outcome", "OutcomeError", "parse_outcome"]
