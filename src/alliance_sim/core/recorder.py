"""Array recorder: the model's trajectories for all replicates, as preallocated numpy arrays.

Mesa's DataCollector stores Python objects row by row, which is right for one run and far too
slow for thousands in lock-step. The recorder keeps one array per quantity with shape
``(T, R)`` (bloc) or ``(T, M, R)`` (members) and turns them into tidy frames on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .floats import FLOAT
from .parameters import ENGAGEMENT_STATES, WAR_STANCES

if TYPE_CHECKING:
    from .model import AllianceModel


def period_array(start: np.datetime64, offsets: np.ndarray) -> pd.arrays.PeriodArray:
    """Monthly periods ``start + offsets``; negative offsets become NaT."""
    base = pd.Period(str(start), freq="M").ordinal
    offsets = np.asarray(offsets, dtype=np.int64)
    ordinals = np.where(offsets >= 0, base + offsets, np.iinfo(np.int64).min)
    return pd.arrays.PeriodArray(ordinals, dtype=pd.PeriodDtype("M"))


class ArrayRecorder:
    """Records bloc metrics and (optionally) member state every month.

    Args:
        model: The model to read from; its ``metrics`` dict and members are sampled.
        record_members: Also keep loyalty, threat, trust, state and war stance per member.
    """

    BLOC = (
        "integrity",
        "cohesion",
        "cohesion_remaining",
        "credibility",
        "credibility_remaining",
        "capacity",
    )
    MEMBER = ("loyalty", "threat", "trust")

    def __init__(self, model: AllianceModel, record_members: bool = True) -> None:
        self.model = model
        self.record_members = record_members
        rows, m, r = model.months + 1, len(model.members), model.replicates
        self.first_date = model.date
        self.bloc = {k: np.empty((rows, r), dtype=FLOAT) for k in self.BLOC}
        if record_members:
            self.member = {k: np.empty((rows, m, r), dtype=FLOAT) for k in self.MEMBER}
            self.state = np.empty((rows, m, r), dtype=np.int8)
            self.stance = np.empty((rows, m, r), dtype=np.int8)
        self.n = 0

    def record(self, stacks: dict[str, np.ndarray]) -> None:
        """Store the model's current metrics (and member state) as the next row.

        Args:
            stacks: The members' ``loyalty``, ``trust``, ``state`` (and ``threat`` and ``stance``
                when members are recorded) as ``(M, R)`` arrays, stacked once a month by the
                model.
        """
        t = self.n
        for key in self.BLOC:
            self.bloc[key][t] = self.model.metrics[key]
        if self.record_members:
            for key in self.MEMBER:
                self.member[key][t] = stacks[key]
            self.state[t] = stacks["state"]
            self.stance[t] = stacks["stance"]
        self.n += 1

    def dates(self) -> pd.arrays.PeriodArray:
        """The month each recorded row describes."""
        return period_array(self.first_date, np.arange(self.n))

    def bloc_frame(self) -> pd.DataFrame:
        """Tidy bloc metrics: one row per (date, replicate)."""
        r = self.model.replicates
        frame = pd.DataFrame(
            {
                "date": np.repeat(self.dates(), r),
                "replicate": np.tile(np.arange(r), self.n),
            }
        )
        for key in self.BLOC:
            frame[key] = self.bloc[key][: self.n].ravel()
        return frame

    def final_frame(self) -> pd.DataFrame:
        """Bloc metrics of the last recorded month, one row per replicate."""
        r = self.model.replicates
        frame = pd.DataFrame({"replicate": np.arange(r)})
        for key in self.BLOC:
            frame[key] = self.bloc[key][self.n - 1]
        return frame

    def member_frame(self) -> pd.DataFrame:
        """Tidy member trajectories: one row per (date, replicate, member)."""
        if not self.record_members:
            raise RuntimeError("member trajectories were not recorded (record_members=False)")
        names = [m.name for m in self.model.members]
        t, m, r = self.n, len(names), self.model.replicates
        frame = pd.DataFrame(
            {
                "date": np.repeat(self.dates(), m * r),
                "replicate": np.tile(np.arange(r), t * m),
                "member": pd.Categorical(np.tile(np.repeat(names, r), t), categories=names),
            }
        )
        for key in self.MEMBER:
            frame[key] = self.member[key][:t].ravel()
        frame["state"] = pd.Categorical.from_codes(
            self.state[:t].ravel(), categories=list(ENGAGEMENT_STATES)
        )
        # Stance codes start at -1 (none), which pandas would read as missing.
        frame["stance"] = pd.Categorical.from_codes(
            self.stance[:t].ravel() + 1, categories=list(WAR_STANCES)
        )
        return frame
