"""The model's parameters and their provenance, loaded from ``data/parameters.yaml``.

Every value carries where it comes from: a document and the sentence quoted from it, or an
assumption and its reason. :func:`parameter_table` prints that as a DataFrame.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

#: Engagement ladder, from fully engaged to gone.
ENGAGEMENT_STATES = ("active", "reduced", "frozen", "exited")
#: Stances on the hegemon's war (the hedging dimension), indexed by the stance code + 1: none
#: (no war yet, and the hegemon itself), neutral, support.
WAR_STANCES = ("none", "neutral", "support")
THREAT_KINDS = ("external", "intra", "hegemon", "none")
PATRONS = ("china", "turkey", "west")
#: The entity of the relations' dotted keys (``relations.armenia-turkey``), and the key of the
#: affinity between two members that the table does not list.
RELATIONS = "relations"
DEFAULT_MEMBER_AFFINITY = "default_member_affinity"
NUMERIC_MEMBER_PARAMETERS = (
    "affinity",
    "dependence",
    "threat_baseline",
    "entrapment_sensitivity",
    "public_sensitivity",
    "regime_security",
    "commitment",
    "prior_trust",
    "prior_strength",
    "access_china",
    "access_turkey",
    "access_west",
)


def war_stance_name(code: int) -> str:
    """The name of one of the model's stance codes (-1 none, 0 neutral, 1 support)."""
    return WAR_STANCES[int(code) + 1]


def war_stance_codes(names: object) -> np.ndarray:
    """The model's stance codes of stance names (int8); -2 for anything that is not one."""
    return pd.Categorical(names, categories=list(WAR_STANCES)).codes.astype(np.int8) - 1


def key_in_words(key: str) -> str:
    """A dotted key in words: ``armenia.access_west`` -> ``Armenia's access west``.

    ``global.contagion`` -> ``contagion``; ``west.pull`` -> ``the West's pull``;
    ``relations.belarus-west`` -> ``relation Belarus–West``.
    """
    entity, _, name = key.partition(".")
    words = name.replace("_", " ")
    if entity == "global":
        return words
    if entity == RELATIONS:
        if name == DEFAULT_MEMBER_AFFINITY:
            return "affinity between members (default)"
        return "relation " + "–".join(part.capitalize() for part in name.split("-"))
    if entity == "west":
        return f"the West's {words}"
    return f"{entity.capitalize()}'s {words}"


def relation_name(a: str, b: str) -> str:
    """The name of the relation between ``a`` and ``b`` in dotted keys: ``a-b``, sorted."""
    return "-".join(sorted((a, b)))


@dataclass(frozen=True)
class Param:
    """One parameter value with its uncertainty, bounds and provenance.

    Attributes:
        value: The central value (a number, or a name for categorical parameters).
        uncertainty: Half-width of the uniform range replicates draw from; 0 = fixed.
        low: Lower admissible bound.
        high: Upper admissible bound.
        source: Document file name, or ``"assumption"``.
        quote: The quoted sentence(s), or the reason for the assumption.
        reading: For a document-drawn value, how the quote was read into the number (the
            ordinal coding rule of docs/model.md); empty when the quote speaks for itself.
    """

    value: Any
    uncertainty: float = 0.0
    low: float = 0.0
    high: float = 1.0
    source: str = "assumption"
    quote: str = ""
    reading: str = ""

    @property
    def is_assumption(self) -> bool:
        """Whether the value is an assumption rather than read from a document."""
        return self.source in ("assumption", "override")


@dataclass(frozen=True)
class ParameterSet:
    """All parameters of the model: globals, members, outside actors, relations, history."""

    globals: dict[str, Param]
    members: dict[str, dict[str, Param]]
    roles: dict[str, str]
    actors: dict[str, dict[str, Param]]
    actor_kinds: dict[str, str]
    relations: dict[frozenset, Param]
    default_member_affinity: Param
    history: list[dict[str, Any]] = field(default_factory=list)
    history_start: str = "2022-01"
    documents: dict[str, str] = field(default_factory=dict)

    @property
    def member_names(self) -> list[str]:
        """Member states (including former members), in file order."""
        return list(self.members)

    @property
    def actor_names(self) -> list[str]:
        """Outside actors, in file order."""
        return list(self.actors)

    @property
    def hegemon(self) -> str:
        """The member that leads the bloc."""
        return next(name for name, role in self.roles.items() if role == "hegemon")

    def keys(self) -> list[str]:
        """Every dotted key that :meth:`with_overrides` accepts."""
        out = [f"global.{k}" for k in self.globals]
        out += [f"{m}.{k}" for m, ps in self.members.items() for k in ps]
        out += [f"{a}.{k}" for a, ps in self.actors.items() for k in ps]
        out += [f"{RELATIONS}.{k}" for k in self.relations_read()]
        return out

    def relations_read(self) -> dict[str, Param]:
        """The relations the model reads, by name (``a-b``, names sorted; and the default).

        Between two members other than the hegemon (contagion and cohesion), or between such a
        member and a patron (how much of the patron's offer it can use). The table's other
        relations (between outside actors, or with an actor that is no patron) are drawn in the
        relations network only.
        """
        others = set(self.members) - {self.hegemon}
        read = {DEFAULT_MEMBER_AFFINITY: self.default_member_affinity}
        for pair, p in self.relations.items():
            if pair <= others or (len(pair & others) == 1 and pair & set(PATRONS)):
                read[relation_name(*pair)] = p
        return read

    def lookup(self, key: str) -> Param:
        """Return the parameter named by a dotted key such as ``armenia.access_west``.

        Raises:
            KeyError: With the valid choices, when the key names nothing.
        """
        entity, _, name = key.partition(".")
        table = self._table(entity)
        if name not in table:
            raise KeyError(
                f"unknown parameter {name!r} of {entity!r}; valid: {', '.join(sorted(table))}"
            )
        return table[name]

    def size(self, value: Any) -> float:
        """A history event's size as a number.

        The central value of a ``global.name`` reference (as the documented history gives its
        sizes), or the number itself.
        """
        if isinstance(value, str) and value.startswith("global."):
            return float(self.lookup(value).value)
        return float(value)

    def _table(self, entity: str) -> dict[str, Param]:
        if entity == "global":
            return self.globals
        if entity in self.members:
            return self.members[entity]
        if entity in self.actors:
            return self.actors[entity]
        if entity == RELATIONS:
            listed = {relation_name(*pair): p for pair, p in self.relations.items()}
            return {**self.relations_read(), **listed}
        valid = ["global", *self.members, *self.actors, RELATIONS]
        raise KeyError(f"unknown entity {entity!r}; valid: {', '.join(valid)}")

    def _replace(self, key: str, param: Param) -> None:
        """Store ``param`` under the dotted ``key`` (only on a private copy)."""
        entity, _, name = key.partition(".")
        if entity != RELATIONS:
            self._table(entity)[name] = param
        elif name == DEFAULT_MEMBER_AFFINITY:
            object.__setattr__(self, "default_member_affinity", param)
        else:
            self.relations[frozenset(name.split("-"))] = param

    def with_overrides(self, overrides: dict[str, Any] | None) -> ParameterSet:
        """Return a copy with some values replaced; replaced values lose their uncertainty.

        Args:
            overrides: Dotted keys (``global.contagion``, ``armenia.access_west``,
                ``china.pull``) mapped to new values.

        Raises:
            KeyError: When a key names no parameter (the message lists valid choices).
            ValueError: When a value lies outside the parameter's admissible range.
        """
        if not overrides:
            return self
        new = copy.deepcopy(self)
        for key, value in overrides.items():
            old = new.lookup(key)
            if isinstance(old.value, str):
                value = self._category(key, value)
            else:
                if isinstance(value, bool | str | np.bool_):
                    raise ValueError(f"{key} must be a number, got {value!r}")
                # A sequence gives one value per replicate (how sweeps vectorise design points).
                try:
                    value = float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)
                except (TypeError, ValueError):
                    raise ValueError(f"{key} must be a number, got {value!r}") from None
                if not np.all((old.low <= value) & (value <= old.high)):
                    raise ValueError(f"{key}={value} is outside its range [{old.low}, {old.high}]")
            note = f"set to {value}" if np.ndim(value) == 0 else "set per replicate"
            new._replace(
                key, replace(old, value=value, uncertainty=0.0, source="override", quote=note)
            )
        new._check_threats({key.partition(".")[0] for key in overrides})
        return new

    def _check_threats(self, entities: set[str]) -> None:
        """Each member's threat_source fits its threat_kind (an actor for an external threat).

        Raises:
            ValueError: Naming the member, both fields and the valid sources.
        """
        for entity in sorted(entities & set(self.members)):
            kind = self.members[entity]["threat_kind"].value
            source = self.members[entity]["threat_source"].value
            wanted = {
                "external": list(self.actors),
                "intra": [m for m in self.members if m != entity],
                "hegemon": [self.hegemon],
            }.get(kind)
            if wanted is not None and source not in wanted:
                raise ValueError(
                    f"{entity}.threat_kind={kind!r} needs {entity}.threat_source among "
                    f"{', '.join(wanted)}, not {source!r}"
                )

    def _category(self, key: str, value: Any) -> str:
        """A categorical override checked against its choices.

        Raises:
            ValueError: With the valid choices.
        """
        entity, _, name = key.partition(".")
        choices: tuple[str, ...] | list[str] | None = None
        if name == "threat_kind":
            choices = THREAT_KINDS
        elif name == "initial_state":
            choices = ENGAGEMENT_STATES
        elif name == "threat_source":
            choices = [*self.members, *self.actors, "none"]
        if not isinstance(value, str) or (choices is not None and value not in choices):
            valid = f"; valid: {', '.join(choices)}" if choices is not None else ""
            raise ValueError(f"{key} cannot be {value!r}{valid}")
        return value


def _param(entry: Any, where: str) -> Param:
    if not isinstance(entry, dict) or "value" not in entry:
        raise ValueError(f"{where}: expected a mapping with 'value'")
    low, high = entry.get("range", (0.0, 1.0))
    if "assumption" in entry:
        source, quote = "assumption", entry["assumption"]
    elif "source" in entry and "quote" in entry:
        source, quote = entry["source"], entry["quote"]
    else:
        raise ValueError(f"{where}: no provenance (give source+quote, or assumption)")
    return Param(
        value=entry["value"],
        uncertainty=float(entry.get("uncertainty", 0.0)),
        low=float(low),
        high=float(high),
        source=source,
        quote=" ".join(str(quote).split()),
        reading=" ".join(str(entry.get("reading", "")).split()),
    )


def parse_parameters(raw: dict[str, Any]) -> ParameterSet:
    """Build a :class:`ParameterSet` from the parsed YAML mapping."""
    members, roles = {}, {}
    for name, entries in raw["members"].items():
        roles[name] = entries.get("role", "member")
        members[name] = {
            k: _param(v, f"members.{name}.{k}") for k, v in entries.items() if k != "role"
        }
    actors, kinds = {}, {}
    for name, entries in raw["actors"].items():
        kinds[name] = entries["kind"]
        actors[name] = {
            k: _param(v, f"actors.{name}.{k}") for k, v in entries.items() if k != "kind"
        }
    relations = {}
    for i, rel in enumerate(raw.get("relations", [])):
        a, b = rel["pair"]
        relations[frozenset((a, b))] = _param(rel, f"relations[{i}] {a}-{b}")
    return ParameterSet(
        globals={k: _param(v, f"global.{k}") for k, v in raw["global"].items()},
        members=members,
        roles=roles,
        actors=actors,
        actor_kinds=kinds,
        relations=relations,
        default_member_affinity=_param(raw["default_member_affinity"], "default_member_affinity"),
        history=list(raw.get("history", [])),
        history_start=str(raw.get("history_start", "2022-01")),
        documents=dict(raw.get("documents", {})),
    )


@cache
def _default_parameters() -> ParameterSet:
    text = resources.files("alliance_sim").joinpath("core/data/parameters.yaml").read_text("utf-8")
    return parse_parameters(yaml.safe_load(text))


def load_parameters() -> ParameterSet:
    """Return the packaged parameter set (parsed once, copied on override)."""
    return _default_parameters()


def parameter_table(entity: str | None = None) -> pd.DataFrame:
    """Return every parameter with its provenance, one row each.

    Args:
        entity: Restrict to one member, actor, ``"global"`` or ``"relations"``.

    Returns:
        Columns ``entity, parameter, value, uncertainty, low, high, provenance, source_gives,
        assumed, source, quote, reading`` where ``provenance`` is ``document`` or
        ``assumption``, ``source_gives`` says what the quoted document establishes (for a
        number, its direction: which way the state leans, not by how much), ``assumed`` what is
        the modeller's choice (for a document-backed number, its size), ``quote`` holds the
        quoted sentence or the assumption's reason, and ``reading`` how a quote was read into
        the number (empty when it speaks for itself).
    """
    ps = load_parameters()
    rows = []

    def add(ent: str, name: str, p: Param) -> None:
        if p.is_assumption:
            gives, assumed = "—", "direction, size"
        elif isinstance(p.value, str):
            gives, assumed = "the value", "—"
        else:
            gives, assumed = "direction", "size"
        rows.append(
            {
                "entity": ent,
                "parameter": name,
                "value": p.value,
                "uncertainty": p.uncertainty,
                "low": p.low,
                "high": p.high,
                "provenance": "assumption" if p.is_assumption else "document",
                "source_gives": gives,
                "assumed": assumed,
                "source": p.source,
                "quote": p.quote,
                "reading": p.reading,
            }
        )

    for name, p in ps.globals.items():
        add("global", name, p)
    for group in (ps.members, ps.actors):
        for ent, params in group.items():
            for name, p in params.items():
                add(ent, name, p)
    add(RELATIONS, DEFAULT_MEMBER_AFFINITY, ps.default_member_affinity)
    for pair, p in ps.relations.items():
        add(RELATIONS, relation_name(*pair), p)
    df = pd.DataFrame(rows)
    if entity is not None:
        valid = sorted(set(df["entity"]))
        if entity not in valid:
            raise KeyError(f"unknown entity {entity!r}; valid: {', '.join(valid)}")
        df = df[df["entity"] == entity].reset_index(drop=True)
    return df
