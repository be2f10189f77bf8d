"""Whether a parameter override takes effect in a run, and when.

An override is never silently ignored. It applies from the clock start; a key that the
documented 2022 history sets (``global.war_intensity``, ``global.capacity_drift``) applies from
the run's start month, after the replay. An override that could not change anything is refused
with the reason: a parameter of the hegemon the model does not use, an actor's pull or pressure
that reaches no member, a former member that stays outside the bloc for the whole run, or a key
that a dated ``set_parameter`` event inside the run (from its start to its last month; an event
after the last month never fires) would overwrite. The same rule serves the model, scenarios
(``run``, ``compare``, the API), sweeps and the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .parameters import PATRONS, RELATIONS, ParameterSet

#: The hegemon's own parameters the model reads (its posture is not decided).
HEGEMON_PARAMETERS = ("capacity",)
#: A member's parameters that act only through its membership (the hegemon's coercion of a
#: member leaving its guarantee, requests for help and the hegemon's commitment): nothing for a
#: state outside the bloc all run long.
MEMBERSHIP_PARAMETERS = (
    "dependence",
    "commitment",
)


def _field(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def _set_events(
    params: ParameterSet, history: bool, events: Iterable[Any]
) -> list[tuple[np.datetime64, str, str]]:
    """Every ``set_parameter`` event of the run: (month, key, where it comes from)."""
    out = []
    origins = [(e, "the documented 2022 history") for e in params.history] if history else []
    origins += [(e, "a scenario event") for e in events]
    for event, origin in origins:
        if _field(event, "type") == "set_parameter":
            out.append(
                (np.datetime64(str(_field(event, "date")), "M"), _field(event, "key"), origin)
            )
    return out


def history_keys(params: ParameterSet, start: str, history: bool = True) -> set[str]:
    """Keys the history replay sets before ``start``: their overrides apply from ``start``."""
    first = np.datetime64(start, "M")
    return {key for when, key, _ in _set_events(params, history, ()) if when < first}


def unread_relation(params: ParameterSet, key: str) -> str | None:
    """Why setting the relation ``key`` would change nothing, or None (also for other keys)."""
    entity, _, name = key.partition(".")
    if entity != RELATIONS or name in params.relations_read():
        return None
    if params.hegemon in name.split("-"):
        return (
            f"{key} has no effect: the hegemon's ties with members are each member's affinity "
            "(e.g. armenia.affinity), and its other relations only draw the relations network"
        )
    return (
        f"{key} has no effect: the model reads relations between members and between a member "
        f"and a patron ({', '.join(PATRONS)}); this one only draws the relations network"
    )


def refusal(
    params: ParameterSet,
    key: str,
    *,
    start: str,
    end: str | None = None,
    history: bool = True,
    events: Iterable[Any] = (),
) -> str | None:
    """Why overriding ``key`` would change nothing in this run, or None if it takes effect.

    Args:
        params: The parameter set with every override of the run applied (categorical ones,
            such as a member's main threat, decide what a value reaches).
        key: A dotted parameter key that :meth:`ParameterSet.lookup` accepts.
        start: First simulated month, ``YYYY-MM``.
        end: Last simulated month, ``YYYY-MM``: a ``set_parameter`` event after it never
            fires, so it overwrites nothing. ``None``: the run has no end (every later
            event counts).
        history: Whether the documented 2022 history is replayed.
        events: The run's own dated events (objects or mappings).
    """
    entity, _, name = key.partition(".")
    events = list(events)
    if entity == params.hegemon and name not in HEGEMON_PARAMETERS:
        used = ", ".join(f"{entity}.{p}" for p in HEGEMON_PARAMETERS)
        return (
            f"{key} has no effect: {entity} is the hegemon, whose own posture the model does "
            f"not decide (of its parameters only {used} is used)"
        )
    if entity in params.actors:
        if name == "pull" and entity not in PATRONS:
            return (
                f"{key} has no effect: {entity} is no patron a member can turn to "
                f"(patrons: {', '.join(PATRONS)})"
            )
        if name == "pressure":
            targets = [
                m
                for m, ps in params.members.items()
                if ps["threat_kind"].value == "external" and ps["threat_source"].value == entity
            ]
            if not targets:
                return (
                    f"{key} has no effect: no member's main threat is {entity} "
                    "(set a member's threat_kind to external and threat_source to it first)"
                )
    if name in ("threat_kind", "threat_source") and entity in params.members:
        kind = params.members[entity]["threat_kind"].value
        source = params.members[entity]["threat_source"].value
        states = [*params.members, *params.actors]
        if kind in ("external", "intra") and source not in states:
            return (
                f"{key}: a main threat of kind {kind!r} needs a threat_source naming a state "
                f"(now {source!r}); valid: {', '.join(states)}"
            )
    if name == "threat_source" and kind not in ("external", "intra"):
        return (
            f"{key} has no effect: {entity}'s main threat is of kind {kind!r}, which names "
            "no source (set threat_kind to external or intra first)"
        )
    unread = unread_relation(params, key)
    if unread is not None:
        return unread
    member = params.members.get(entity)
    external = member is not None and member["threat_kind"].value == "external"
    if name == "threat_baseline" and external:
        source = member["threat_source"].value
        return (
            f"{key} has no effect: {entity}'s main threat is external, and its baseline is "
            f"{source}'s pressure (set {source}.pressure instead)"
        )
    outside = entity in params.members and name in MEMBERSHIP_PARAMETERS
    if outside and params.members[entity]["initial_state"].value == "exited":
        rejoins = any(
            _field(e, "type") == "rejoin" and _field(e, "member") == entity for e in events
        )
        if not rejoins:
            return (
                f"{key} has no effect: {entity} stays outside the bloc for the whole run and "
                f"{name} acts only through membership (add a rejoin event to bring it back)"
            )
    first = np.datetime64(start, "M")
    last = None if end is None else np.datetime64(end, "M")
    for when, set_key, origin in _set_events(params, history, events):
        if set_key == key and when >= first and (last is None or when <= last):
            return (
                f"{key} would be overwritten by {origin} that sets it in {when}, within the run; "
                "change that event instead"
                + (", or start the run after it" if "history" in origin else "")
            )
    return None


def check(
    params: ParameterSet,
    keys: Iterable[str],
    *,
    start: str,
    end: str | None = None,
    history: bool = True,
    events: Iterable[Any] = (),
) -> None:
    """Raise ``ValueError`` with the reason for the first key whose override changes nothing.

    Args:
        params: The parameter set with the run's overrides applied.
        keys: The overridden keys.
        start: First simulated month, ``YYYY-MM``.
        end: Last simulated month, ``YYYY-MM`` (``None``: no end).
        history: Whether the documented 2022 history is replayed.
        events: The run's own dated events.
    """
    events = list(events)
    for key in keys:
        reason = refusal(params, key, start=start, end=end, history=history, events=events)
        if reason:
            raise ValueError(reason)
