"""Scenario files: YAML validated against a typed schema, with inheritance.

A scenario names the question it answers, the run's dates and size, parameter overrides and
dated events. ``extends:`` inherits from another scenario (parameters merge, events append).
Every validation error is a :class:`ScenarioError` naming the file, the line and the field path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .core.events import Event
from .core.months import parse_month
from .core.parameters import load_parameters

SCENARIO_SUFFIXES = (".yaml", ".yml")


class ScenarioError(ValueError):
    """A scenario file that cannot be used, located to its file, line and field.

    Attributes:
        file: Path of the offending file.
        line: 1-based line number, or None when unknown.
        field: Dotted field path such as ``events[2].member``.
        problem: What is wrong, with the valid choices where a name is wrong.
    """

    def __init__(self, file: str | Path, line: int | None, field: str, problem: str) -> None:
        self.file, self.line, self.field, self.problem = str(file), line, field, problem
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


class Scenario(BaseModel):
    """The schema of a scenario file (after ``extends`` is resolved)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Short identifier, usually the file name.")
    description: str = Field(description="The question the scenario answers.")
    evidence: str | list[str] | None = Field(
        default=None, description="What in the documents supports the scenario."
    )
    extends: str | None = Field(default=None, description="Scenario this one inherits from.")
    start: str = Field(
        default="2022-10",
        description="First simulated month: YYYY-MM, a date (its month), 'Sep 2023' or "
        "'September 2023'.",
    )
    months: int = Field(default=36, ge=1, le=600, description="Horizon in months.")
    replicates: int = Field(default=1000, ge=1, le=10_000_000, description="Ensemble size.")
    seed: int = Field(default=20221021, ge=0, description="Seed of all randomness.")
    history: bool = Field(default=True, description="Replay the documented 2022 events.")
    parameters: dict[str, dict[str, float | str]] = Field(
        default_factory=dict,
        description="Overrides: entity (global, a member or an actor) -> parameter -> value.",
    )
    events: list[Event] = Field(default_factory=list, description="Dated events.")

    @field_validator("start", mode="before")
    @classmethod
    def _month(cls, value: object) -> str:
        return parse_month(value)

    @property
    def end(self) -> str:
        """Last simulated month."""
        return str(np.datetime64(self.start, "M") + self.months - 1)

    def overrides(self) -> dict[str, float | str]:
        """Parameter overrides as dotted keys (``armenia.access_west``)."""
        return {f"{e}.{k}": v for e, params in self.parameters.items() for k, v in params.items()}

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :class:`alliance_sim.AllianceModel`."""
        return {
            "replicates": self.replicates,
            "months": self.months,
            "start": self.start,
            "seed": self.seed,
            "history": self.history,
            "events": list(self.events),
            "overrides": self.overrides(),
        }

    def to_yaml(self) -> str:
        """The resolved scenario as YAML (what a run folder stores)."""
        data = self.model_dump(mode="json", exclude_none=True)
        data.pop("extends", None)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# ------------------------------------------------------------------------------ locating files
def scenario_dirs() -> list[Path]:
    """Folders searched for scenarios by name: $ALLIANCE_SIM_SCENARIOS, ./scenarios, the repo's."""
    dirs = []
    if env := os.environ.get("ALLIANCE_SIM_SCENARIOS"):
        dirs.append(Path(env))
    dirs.append(Path.cwd() / "scenarios")
    dirs.append(Path(__file__).resolve().parents[2] / "scenarios")
    unique = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def list_scenarios() -> dict[str, Path]:
    """Every scenario file found by name, name -> path (first folder wins)."""
    found: dict[str, Path] = {}
    for folder in scenario_dirs():
        for path in sorted(folder.iterdir()):
            if path.suffix in SCENARIO_SUFFIXES and path.stem not in found:
                found[path.stem] = path
    return found


def find_scenario(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """Resolve a scenario path or name.

    Raises:
        ScenarioError: When nothing matches (the message lists the known scenarios).
    """
    candidate = Path(name_or_path)
    options = [candidate]
    if relative_to is not None:
        options += [relative_to / candidate, relative_to / f"{candidate}.yaml"]
    for path in options:
        if path.is_file():
            return path
    known = list_scenarios()
    if str(name_or_path) in known:
        return known[str(name_or_path)]
    choices = ", ".join(known) or "(none found)"
    raise ScenarioError(str(name_or_path), None, "", f"no such scenario; known: {choices}")


# ------------------------------------------------------------------------------ YAML with lines
def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map every field path in a composed YAML tree to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            out[sub] = key.start_mark.line + 1
            _line_map(value, sub, out)
            out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)
    return out


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(path, None, "", f"cannot read file: {err}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(err, "problem", None) or str(err)
        raise ScenarioError(path, line, "", f"malformed YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(path, 1, "", "a scenario must be a mapping of fields")
    return data, (_line_map(node) if node is not None else {})


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(lines: dict[tuple, int], loc: tuple) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


# ------------------------------------------------------------------------------ loading
def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = {**parent, **child}
    params = {e: dict(v) for e, v in (parent.get("parameters") or {}).items()}
    for entity, values in (child.get("parameters") or {}).items():
        params.setdefault(entity, {}).update(values or {})
    merged["parameters"] = params
    merged["events"] = list(parent.get("events") or []) + list(child.get("events") or [])
    return merged


def _check_shape(data: dict[str, Any], path: Path, lines: dict[tuple, int]) -> None:
    """The containers ``extends`` merges must have the right shape before merging."""
    params = data.get("parameters")
    if params is not None:
        if not isinstance(params, dict):
            raise ScenarioError(
                path,
                lines.get(("parameters",)),
                "parameters",
                "must be a mapping: entity -> {parameter: value}",
            )
        for entity, values in params.items():
            if values is not None and not isinstance(values, dict):
                loc = ("parameters", entity)
                raise ScenarioError(
                    path,
                    _line_for(lines, loc),
                    _field_path(loc),
                    "must be a mapping: parameter -> value",
                )
    events = data.get("events")
    if events is not None and not isinstance(events, list):
        raise ScenarioError(path, lines.get(("events",)), "events", "must be a list of events")


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict, Path]:
    data, lines = _read_yaml(path)
    _check_shape(data, path, lines)
    parent_name = data.get("extends")
    if parent_name is None:
        return data, lines, path
    if not isinstance(parent_name, str):
        raise ScenarioError(path, lines.get(("extends",)), "extends", "must be a scenario name")
    try:
        parent_path = find_scenario(parent_name, relative_to=path.parent)
    except ScenarioError as err:
        raise ScenarioError(path, lines.get(("extends",)), "extends", err.problem) from None
    if parent_path.resolve() in [p.resolve() for p in (*chain, path)]:
        cycle = " -> ".join(p.stem for p in (*chain, path, parent_path))
        raise ScenarioError(path, lines.get(("extends",)), "extends", f"cycle: {cycle}")
    parent, _, _ = _resolve(parent_path, (*chain, path))
    inherited = len(parent.get("events") or [])
    merged = _merge(parent, data)
    # Errors in inherited parts point at the extends line; own events keep their lines.
    shifted = {}
    for key, line in lines.items():
        if key[:1] == ("events",) and len(key) > 1 and isinstance(key[1], int):
            shifted[("events", key[1] + inherited, *key[2:])] = line
        else:
            shifted[key] = line
    for i in range(inherited):
        shifted.setdefault(("events", i), lines.get(("extends",)))
    return merged, shifted, path


def _check_names(scenario: Scenario, path: Path, lines: dict[tuple, int]) -> None:
    params = load_parameters()
    states = [*params.member_names, *params.actor_names]
    for entity, values in scenario.parameters.items():
        for name, value in values.items():
            loc = ("parameters", entity, name)
            try:
                params.with_overrides({f"{entity}.{name}": value})
            except KeyError as err:
                loc = loc if entity in ["global", *states] else loc[:2]
                raise ScenarioError(
                    path, _line_for(lines, loc), _field_path(loc), err.args[0]
                ) from None
            except ValueError as err:
                raise ScenarioError(
                    path, _line_for(lines, loc), _field_path(loc), str(err)
                ) from None
    end = np.datetime64(scenario.end, "M")
    start = np.datetime64(scenario.start, "M")
    for i, event in enumerate(scenario.events):
        for field in ("member", "patron", "members", "victim"):
            value = getattr(event, field, None)
            names = value if isinstance(value, tuple) else (value,) if value else ()
            valid = params.member_names if field in ("member",) else states
            if field == "patron":
                valid = [a for a, kind in params.actor_kinds.items() if kind != "threat"]
            for name in names:
                if name not in valid:
                    loc = ("events", i, field)
                    raise ScenarioError(
                        path,
                        _line_for(lines, loc),
                        _field_path(loc),
                        f"unknown {field.rstrip('s')} {name!r}; valid: {', '.join(valid)}",
                    )
        if getattr(event, "member", None) == params.hegemon and event.type in ("exit", "freeze"):
            loc = ("events", i, "member")
            raise ScenarioError(
                path, _line_for(lines, loc), _field_path(loc), "the hegemon cannot leave or freeze"
            )
        if event.type == "set_parameter":
            loc = ("events", i, "key")
            try:
                params.lookup(event.key)
            except KeyError as err:
                if event.key != f"{params.hegemon}.capacity":
                    raise ScenarioError(
                        path, _line_for(lines, loc), _field_path(loc), err.args[0]
                    ) from None
        when = np.datetime64(event.date, "M")
        if not start <= when <= end:
            loc = ("events", i, "date")
            raise ScenarioError(
                path,
                _line_for(lines, loc),
                _field_path(loc),
                f"{event.date} lies outside the run ({scenario.start} to {scenario.end})",
            )


def check_overrides(overrides: Mapping[str, Any], origin: str = "overrides") -> dict[str, Any]:
    """Check dotted parameter overrides (``armenia.access_west=0.6``) against the parameter set.

    Args:
        overrides: Dotted keys mapped to values.
        origin: Where the overrides came from, used as the error's location (``--set``).

    Returns:
        The overrides, unchanged, once every key and value is valid.

    Raises:
        ScenarioError: Naming the key, with the valid choices when the key names nothing.
    """
    params = load_parameters()
    overrides = {canonical_key(k): v for k, v in overrides.items()}
    for key, value in overrides.items():
        if not isinstance(key, str) or "." not in key:
            raise ScenarioError(
                origin, None, str(key), "expected entity.parameter, e.g. armenia.access_west"
            )
        try:
            params.with_overrides({key: value})
        except KeyError as err:
            raise ScenarioError(origin, None, key, err.args[0]) from None
        except (ValueError, TypeError) as err:
            raise ScenarioError(origin, None, key, str(err)) from None
    return dict(overrides)


def _nest(overrides: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        entity, _, name = key.partition(".")
        nested.setdefault(entity, {})[name] = value
    return nested


def load_scenario(
    name_or_path: str | Path, overrides: Mapping[str, Any] | None = None, **changes: Any
) -> Scenario:
    """Load, resolve and validate a scenario by path or by name.

    Args:
        name_or_path: A file path, or the name of a file in a scenarios folder.
        overrides: Dotted parameter keys mapped to values (``{"china.pull": 0.9}``), merged
            over the file's ``parameters``.
        **changes: Field values that replace the file's (``replicates=100``, ``seed=1``);
            ``None`` values are ignored.

    Raises:
        ScenarioError: Naming the file, line and field of the first problem found.
    """
    path = find_scenario(name_or_path)
    data, lines, _ = _resolve(path, ())
    data.pop("extends", None)
    data.setdefault("name", path.stem)
    return _validate(data, path, lines, overrides, changes)


def revise_scenario(
    scenario: Scenario, overrides: Mapping[str, Any] | None = None, **changes: Any
) -> Scenario:
    """A validated copy of ``scenario`` with some fields and parameters changed.

    Args:
        scenario: A scenario already loaded.
        overrides: Dotted parameter keys mapped to values, merged over its parameters.
        **changes: Field values that replace the scenario's; ``None`` values are ignored.

    Raises:
        ScenarioError: When the changed scenario is invalid.
    """
    data = scenario.model_dump(mode="json", exclude_none=True)
    data.pop("extends", None)
    return _validate(data, Path(f"<scenario {scenario.name}>"), {}, overrides, changes)


def _canonical_names() -> dict[str, str]:
    """Lower-cased spellings of every entity name -> the name the model uses."""
    params = load_parameters()
    names = ["global", *params.member_names, *params.actor_names]
    return {name.lower(): name for name in names}


def canonical_name(name: object) -> object:
    """A member, actor or ``global`` as the model spells it (``Armenia`` -> ``armenia``).

    Names match case-insensitively and ignore surrounding spaces; anything that names no entity
    is returned unchanged, so that validation reports it with the valid choices.
    """
    if not isinstance(name, str):
        return name
    return _canonical_names().get(name.strip().lower(), name)


def canonical_key(key: object) -> object:
    """A dotted parameter key with its entity spelt as the model spells it."""
    if not isinstance(key, str) or "." not in key:
        return key
    entity, _, name = key.partition(".")
    return f"{canonical_name(entity)}.{name.strip()}"


def _normalise_names(data: dict[str, Any], lines: dict[tuple, int]) -> None:
    """Spell entity names in ``parameters`` and ``events`` as the model does, in place.

    ``lines`` is re-keyed alongside, so errors still point at the right line.
    """
    params = data.get("parameters")
    if isinstance(params, dict):
        renamed = {}
        for entity, values in params.items():
            name = canonical_name(entity)
            if name != entity:
                for key in [k for k in lines if k[:2] == ("parameters", entity)]:
                    lines[("parameters", name, *key[2:])] = lines[key]
            if isinstance(values, dict) and isinstance(renamed.get(name), dict):
                renamed[name].update(values)  # "Armenia" and "armenia" both given: merge
            else:
                renamed[name] = dict(values) if isinstance(values, dict) else values
        data["parameters"] = renamed
    for event in data.get("events") or []:
        if not isinstance(event, dict):
            continue
        for field in ("member", "patron", "victim"):
            if field in event:
                event[field] = canonical_name(event[field])
        if isinstance(event.get("members"), list | tuple):
            event["members"] = [canonical_name(m) for m in event["members"]]
        if "key" in event:
            event["key"] = canonical_key(event["key"])


def _validate(
    data: dict[str, Any],
    path: Path,
    lines: dict[tuple, int],
    overrides: Mapping[str, Any] | None,
    changes: Mapping[str, Any],
) -> Scenario:
    changed = {k: v for k, v in changes.items() if v is not None}
    data.update(changed)
    _normalise_names(data, lines)
    if overrides:
        overrides = {canonical_key(k): v for k, v in overrides.items()}
        check_overrides(overrides)
        merged = {e: dict(v or {}) for e, v in (data.get("parameters") or {}).items()}
        for entity, values in _nest(overrides).items():
            merged.setdefault(entity, {}).update(values)
        data["parameters"] = merged
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        # Drop the union tag pydantic inserts for discriminated events.
        if len(loc) > 2 and loc[0] == "events" and isinstance(loc[2], str) and loc[2] in _TAGS:
            loc = loc[:2] + loc[3:]
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            allowed = _allowed_fields(loc, data)
            message = f"unknown field {loc[-1]!r}; valid: {', '.join(allowed)}"
        elif first["type"] == "union_tag_invalid":
            message = f"unknown event type; valid: {', '.join(_TAGS)}"
        elif first["type"] == "union_tag_not_found":
            message = f"an event needs a type; valid: {', '.join(_TAGS)}"
        if loc and loc[0] in changed:
            message += f" (given as {loc[0]}={changed[loc[0]]!r}, not in the file)"
            raise ScenarioError(path, None, _field_path(loc), message) from None
        raise ScenarioError(path, _line_for(lines, loc), _field_path(loc), message) from None
    _check_names(scenario, path, lines)
    return scenario


def _allowed_fields(loc: tuple, data: Mapping[str, Any]) -> list[str]:
    from .core.events import EVENT_TYPES

    if loc[0] == "events" and len(loc) >= 3:
        tag = (data.get("events") or [{}])[loc[1]].get("type")
        if tag in EVENT_TYPES:
            return list(EVENT_TYPES[tag].model_fields)
    return list(Scenario.model_fields)


def _event_tags() -> tuple[str, ...]:
    from .core.events import EVENT_TYPES

    return tuple(EVENT_TYPES)


_TAGS = _event_tags()
