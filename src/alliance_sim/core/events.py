"""Dated events that scenarios schedule and the model applies at the start of their month.

Each event is a small pydantic model with a ``type`` tag (so scenario files validate against
the union :data:`Event`) and an ``apply(model)`` method that changes the model's state in every
replicate at once. Events of the same month apply in the order given.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from . import mechanisms as mech
from .months import parse_month

if TYPE_CHECKING:
    from .model import AllianceModel


class _EventBase(BaseModel):
    """Fields every event has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: str = Field(
        description="Month of the event: YYYY-MM, a date (its month), 'Sep 2023' or "
        "'September 2023'."
    )
    note: str | None = Field(default=None, description="Why the event is there (free text).")
    source: str | None = Field(default=None, description="Document the event comes from.")
    quote: str | None = Field(default=None, description="Sentence quoted from that document.")

    @field_validator("date", mode="before")
    @classmethod
    def _month(cls, value: object) -> str:
        return parse_month(value)

    @field_validator(
        "severity", "delta", "access", "pull", "value", mode="before", check_fields=False
    )
    @classmethod
    def _number_not_flag(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"expected a number, not {value}")
        return value

    def members_named(self) -> list[str]:
        """Member or actor names this event refers to (for validation)."""
        return []

    def apply(self, model: AllianceModel) -> None:  # pragma: no cover - abstract
        """Change the model's state."""
        raise NotImplementedError


class _ForcedState(_EventBase):
    member: str

    def members_named(self) -> list[str]:
        return [self.member]


class Exit(_ForcedState):
    """Force a member out of the bloc (it stays out unless a rejoin follows)."""

    type: Literal["exit"] = "exit"

    def apply(self, model: AllianceModel) -> None:
        model.member(self.member).force_state(mech.EXITED)


class Freeze(_ForcedState):
    """Force a member to suspend participation until a rejoin event."""

    type: Literal["freeze"] = "freeze"

    def apply(self, model: AllianceModel) -> None:
        model.member(self.member).force_state(mech.FROZEN)


class Rejoin(_ForcedState):
    """Bring a frozen, exited or former member back to active participation."""

    type: Literal["rejoin"] = "rejoin"

    def apply(self, model: AllianceModel) -> None:
        model.member(self.member).rejoin()


class BorderClash(_EventBase):
    """Deadly fighting between two states (members or outside actors).

    The relation turns more hostile, each member side's threat rises if the other side is its
    main threat, its public grows angry, and if both sides are members the bloc's inaction counts
    against the guarantee in the victim's eyes.
    """

    type: Literal["border_clash"] = "border_clash"
    members: tuple[str, str]
    victim: str | None = None
    severity: float = Field(default=1.0, ge=0.0, le=1.0)

    def members_named(self) -> list[str]:
        return [*self.members, *([self.victim] if self.victim else [])]

    @field_validator("victim")
    @classmethod
    def _victim_is_a_side(cls, victim: str | None, info) -> str | None:
        sides = info.data.get("members")
        if victim is not None and sides is not None and victim not in sides:
            raise ValueError(f"victim {victim!r} must be one of the two sides {list(sides)}")
        return victim

    def apply(self, model: AllianceModel) -> None:
        model.border_clash(*self.members, severity=self.severity, victim=self.victim)


class Article4Request(_EventBase):
    """A member invokes collective defence; the hegemon answers or not.

    ``answered`` fixes the outcome (as the documents record it); left out, the hegemon's rule
    decides in each replicate with probability capacity × priority.
    """

    type: Literal["article4_request"] = "article4_request"
    member: str
    answered: bool | None = None
    severity: float = Field(default=1.0, ge=0.0, le=1.0)

    def members_named(self) -> list[str]:
        return [self.member]

    def apply(self, model: AllianceModel) -> None:
        model.article4_request(self.member, answered=self.answered, severity=self.severity)


class HegemonShock(_EventBase):
    """A sudden change in Russia's capacity (battlefield defeat < 0, recovery > 0)."""

    type: Literal["hegemon_shock"] = "hegemon_shock"
    delta: float = Field(ge=-1.0, le=1.0)

    def apply(self, model: AllianceModel) -> None:
        hegemon = model.hegemon
        hegemon.capacity = np.clip(hegemon.capacity + self.delta, 0.05, 1.0)
        model.log_event("hegemon_shock", model.hegemon.name, f"capacity {self.delta:+.2f}")


class PatronOffer(_EventBase):
    """An outside patron offers a member an alternative (access), optionally with more pull."""

    type: Literal["patron_offer"] = "patron_offer"
    patron: str
    member: str
    access: float = Field(default=1.0, ge=0.0, le=1.0)
    pull: float | None = Field(default=None, ge=0.0, le=1.0)

    def members_named(self) -> list[str]:
        return [self.patron, self.member]

    def apply(self, model: AllianceModel) -> None:
        model.patron_offer(self.patron, self.member, access=self.access, pull=self.pull)


class SetParameter(_EventBase):
    """Set a parameter (dotted key, e.g. ``global.capacity_drift``) from this month on."""

    type: Literal["set_parameter"] = "set_parameter"
    key: str
    value: float

    def apply(self, model: AllianceModel) -> None:
        model.set_parameter(self.key, self.value)


class HegemonReward(_EventBase):
    """The hegemon honours a favourite; members whose main threat it is see favouritism."""

    type: Literal["hegemon_reward"] = "hegemon_reward"
    member: str

    def members_named(self) -> list[str]:
        return [self.member]

    def apply(self, model: AllianceModel) -> None:
        model.hegemon_reward(self.member)


class ThreatShift(_EventBase):
    """A change in a member's perceived main threat; ``lasting`` also moves its baseline."""

    type: Literal["threat_shift"] = "threat_shift"
    member: str
    delta: float = Field(ge=-1.0, le=1.0)
    lasting: bool = False

    def members_named(self) -> list[str]:
        return [self.member]

    def apply(self, model: AllianceModel) -> None:
        model.member(self.member).shift_threat(self.delta, lasting=self.lasting)


Event = Annotated[
    Exit
    | Freeze
    | Rejoin
    | BorderClash
    | Article4Request
    | HegemonShock
    | PatronOffer
    | SetParameter
    | HegemonReward
    | ThreatShift,
    Field(discriminator="type"),
]

EVENT_TYPES = {
    cls.model_fields["type"].default: cls
    for cls in (
        Exit,
        Freeze,
        Rejoin,
        BorderClash,
        Article4Request,
        HegemonShock,
        PatronOffer,
        SetParameter,
        HegemonReward,
        ThreatShift,
    )
}


@cache
def _event_adapter() -> TypeAdapter:
    # Building the adapter compiles a schema (milliseconds); every model parses its history.
    return TypeAdapter(Event)


def parse_event(data: dict) -> _EventBase:
    """Build an event from a mapping with a ``type`` key (as in a scenario file)."""
    return _event_adapter().validate_python(data)
