"""Dated events that scenarios schedule and the model applies at the start of their month.

Each event is a small pydantic model with a ``type`` tag (so scenario files validate against
the union :data:`Event`) and an ``apply(model)`` method that changes the model's state in every
replicate at once. Each event's effect lives here, beside its schema, and takes every size it
uses from the parameter table (``model.g``): the fields of an event say *what* happened (who,
how severe), never how much it moves the model. Events of the same month apply in the order
given.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from . import mechanisms as mech
from .floats import FLOAT
from .months import parse_month
from .parameters import PATRONS

if TYPE_CHECKING:
    from .model import AllianceModel

#: A size given as a reference to a global parameter (``global.name``): the model reads it from
#: the parameter table at the event's month, so it carries that parameter's provenance and
#: uncertainty. The documented history gives every size this way.
ParamRef = Annotated[str, Field(pattern=r"^global\.[a-z0-9_]+$")]
Unit = Annotated[float, Field(ge=0.0, le=1.0)] | ParamRef
Signed = Annotated[float, Field(ge=-1.0, le=1.0)] | ParamRef


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

    def sizes_named(self) -> list[str]:
        """Global parameters this event takes its sizes from (``global.name`` references)."""
        return [
            value
            for value in self.__dict__.values()
            if isinstance(value, str) and value.startswith("global.")
        ]

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
    main threat, its public grows angry (the victim's more than the aggressor's when a victim is
    named), and if both sides are members the bloc's inaction counts against the guarantee in
    the victim's eyes.
    """

    type: Literal["border_clash"] = "border_clash"
    members: tuple[str, str]
    victim: str | None = None
    severity: Unit = 1.0

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
        severity = model.size(self.severity)
        border_clash_effect(model, *self.members, severity=severity, victim=self.victim)


class Article4Request(_EventBase):
    """A member invokes collective defence; the hegemon answers or not.

    ``answered`` fixes the outcome (as the documents record it); left out, the hegemon's rule
    decides in each replicate with probability capacity × commitment × the requester's share of
    the guarantee.
    """

    type: Literal["article4_request"] = "article4_request"
    member: str
    answered: bool | None = None
    severity: Unit = 1.0

    def members_named(self) -> list[str]:
        return [self.member]

    def apply(self, model: AllianceModel) -> None:
        severity = model.size(self.severity)
        article4_effect(model, self.member, answered=self.answered, severity=severity)


class HegemonShock(_EventBase):
    """A sudden change in Russia's capacity (battlefield defeat < 0, recovery > 0)."""

    type: Literal["hegemon_shock"] = "hegemon_shock"
    delta: Signed

    def apply(self, model: AllianceModel) -> None:
        hegemon, delta = model.hegemon, model.size(self.delta)
        hegemon.capacity = np.clip(hegemon.capacity + delta, model.g["capacity_floor"], 1.0)
        first = float(np.broadcast_to(delta, (model.replicates,))[0])
        model.log_event("hegemon_shock", model.hegemon.name, f"capacity {first:+.2f}")


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
        patron_offer_effect(model, self.patron, self.member, access=self.access, pull=self.pull)


class SetParameter(_EventBase):
    """Set a parameter (dotted key, e.g. ``global.capacity_drift``) from this month on."""

    type: Literal["set_parameter"] = "set_parameter"
    key: str
    value: float | ParamRef

    def apply(self, model: AllianceModel) -> None:
        model.set_parameter(self.key, model.size(self.value))


class HegemonReward(_EventBase):
    """The hegemon honours a favourite; members whose main threat it is see favouritism."""

    type: Literal["hegemon_reward"] = "hegemon_reward"
    member: str

    def members_named(self) -> list[str]:
        return [self.member]

    def apply(self, model: AllianceModel) -> None:
        reward_effect(model, self.member, np.ones(model.replicates, dtype=FLOAT))


class ThreatShift(_EventBase):
    """A change in a member's perceived main threat; ``lasting`` also moves its baseline."""

    type: Literal["threat_shift"] = "threat_shift"
    member: str
    delta: Signed
    lasting: bool = False

    def members_named(self) -> list[str]:
        return [self.member]

    def apply(self, model: AllianceModel) -> None:
        model.member(self.member).shift_threat(model.size(self.delta), lasting=self.lasting)


# ---------------------------------------------------------------------------------- effects
def border_clash_effect(
    model: AllianceModel, a: str, b: str, severity: float, victim: str | None
) -> None:
    """Deadly clash between ``a`` and ``b`` (see :class:`BorderClash`)."""
    g = model.g
    for side, other in ((a, b), (b, a)):
        model._entity(side)
        if side in model.index:
            member = model.member(side)
            if member.threat_source == other:
                member.shift_threat(g["clash_threat"] * severity)
            # Victims are angrier than aggressors; with no victim named both count as victims.
            aggressor = victim is not None and side != victim
            anger = g["anger_aggressor"] if aggressor else g["anger_victim"]
            member.pressure = np.minimum(1.0, member.pressure + anger * severity)
    if a in model.index and b in model.index:
        i, j = model.index[a], model.index[b]
        hostile = np.clip(model.affinity[i, j] - g["clash_hostility"] * severity, -1.0, 1.0)
        model.affinity[i, j] = model.affinity[j, i] = hostile
        model.affinity_changed(i, j)
        model.affinity_changed(j, i)
        if victim is not None:
            # Fellow members fought and the bloc did nothing: evidence against the guarantee.
            model.member(victim).observe_request(model.zeros, g["inaction_weight"] * severity)
    first = float(np.broadcast_to(severity, (model.replicates,))[0])
    model.log_event("border_clash", f"{a}–{b}", f"severity {first:.2f}")


def article4_effect(
    model: AllianceModel, name: str, answered: bool | None, severity: float
) -> None:
    """A member asks for collective defence; requester and observers update their belief."""
    g = model.g
    requester = model.member(name)
    if answered is None:
        outcome = model.hegemon.answers(requester)
    else:
        outcome = np.full(model.replicates, float(answered), dtype=FLOAT)
    requester.observe_request(outcome, g["requester_weight"] * severity)
    # Help that arrives pushes the threat back.
    requester.threat = requester.threat * (1.0 - g["help_relief"] * severity * outcome)
    i = model.index[name]
    for j, observer in enumerate(model.members):
        if observer is requester or observer is model.hegemon:
            continue
        heed = mech.closeness(model.affinity[j, i])
        observer.observe_request(outcome, g["observer_weight"] * severity * heed)
    model.log_event("article4_request", name, "answered" if outcome[0] else "unanswered")


def patron_offer_effect(
    model: AllianceModel, patron: str, name: str, access: float, pull: float | None
) -> None:
    """An outside patron offers ``name`` an alternative (see :class:`PatronOffer`)."""
    if patron not in PATRONS:
        raise KeyError(f"unknown patron {patron!r}; valid: {', '.join(PATRONS)}")
    member = model.member(name)
    row = PATRONS.index(patron)
    member.access[row] = np.maximum(member.access[row], access)
    if pull is not None:
        model.patron_pull[row] = np.maximum(model.patron_pull[row], pull)
    model.log_event("patron_offer", name, f"{patron} offers access {access:.2f}")


def reward_effect(model: AllianceModel, name: str, honoured: np.ndarray) -> None:
    """The hegemon honours ``name`` where ``honoured`` is 1 (per replicate).

    The favourite's affinity to the hegemon rises; a member whose main threat is the favourite
    sees favouritism: its public grows angry and it counts the honour as evidence against the
    guarantee ("playing favorites"). Used by :class:`HegemonReward` and by the hegemon's own
    reward rule.
    """
    g = model.g
    model.shift_hegemon_affinity(model.member(name), g["reward_affinity"] * honoured)
    for member in model.members:
        if member.threat_source == name:
            member.observe_request(model.zeros, g["reward_slight"] * honoured)
            member.pressure = np.minimum(1.0, member.pressure + g["reward_anger"] * honoured)
    if honoured[0]:
        model.log_event("hegemon_reward", name, f"{model.hegemon.name} honours {name}")


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
