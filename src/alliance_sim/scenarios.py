"""Scenario files: YAML validated against a typed schema, with inheritance.

A scenario names the question it answers, the run's dates and size, parameter overrides and
dated events. ``extends:`` inherits from another scenario (parameters merge, events append).
Every validation error is a :class:`ScenarioError` naming the file, the line and the field path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .core import checks
from .core import overrides as override_rules
from .core.events import Event
from .core.months import parse_month
from .core.parameters import load_parameters

SCENARIO_SUFFIXES = (".yaml", ".yml")


def _printable(text: str) -> str:
    """Text on one line: control characters (a newline in a key) are escaped."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class ScenarioError(ValueError):
    """A scenario file that cannot be used, located to its file, line and field.

    Attributes:
        file: Path of the offending file.
        line: 1-based line number, or None when unknown.
        field: Dotted field path such as ``events[2].member``.
        problem: What is wrong, with the valid choices where a name is wrong.
    """

    def __init__(self, file: str | Path, line: int | None, field: str, problem: str) -> None:
        file, field, problem = _printable(str(file)), _printable(field), _printable(problem)
        self.file, self.line, self.field, self.problem = file, line, field, problem
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

    @field_validator("months", "replicates", "seed", mode="before")
    @classmethod
    def _whole_number(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, not {value}")
        return value

    @field_validator("parameters", mode="before")
    @classmethod
    def _no_flags(cls, value: object) -> object:
        if isinstance(value, dict):
            for entity, params in value.items():
                for name, v in (params or {}).items() if isinstance(params, dict) else ():
                    if isinstance(v, bool):
                        raise ValueError(f"{entity}.{name}: expected a number or a name, not {v}")
        return value

    @field_validator("start", mode="before")
    @classmethod
    def _month(cls, value: object) -> str:
        return parse_month(value)

    @property
    def end(self) -> str:
        """Last simulated month."""
        return str(checks.last_month(self.start, self.months))

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
#: Deepest nesting of mappings and lists a scenario or experiment file may use.
MAX_DEPTH = 50
#: Most YAML aliases (``*name``) a file may use; each can expand a whole subtree.
MAX_ALIASES = 100
#: Most nodes a file may hold once every alias is expanded (an alias bomb stops here).
MAX_NODES = 100_000
#: Longest ``extends`` chain.
MAX_EXTENDS = 32


class _LimitError(yaml.YAMLError):
    """A YAML file beyond the loader's limits (depth, aliases, size, duplicate keys)."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on depth and aliases, refusing duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _LimitError(f"more than {MAX_ALIASES} aliases", mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise _LimitError(f"nested deeper than {MAX_DEPTH} levels", mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable keys are refused by PyYAML itself
            if duplicate:
                raise _LimitError(f"duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: yaml.Node, memo: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Number of nodes and depth once aliases are expanded, without expanding them."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = (MAX_NODES + 1, MAX_DEPTH + 1)  # a node inside itself is too big
    size, depth = 1, 1
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        children = []
    for child in children:
        child_size, child_depth = _expanded_size(child, memo)
        size, depth = size + child_size, max(depth, child_depth + 1)
        if size > MAX_NODES or depth > MAX_DEPTH:
            break
    memo[id(node)] = (size, depth)
    return size, depth


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map every field path in a composed YAML tree to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            sub = (*path, key.value)
            out[sub] = key.start_mark.line + 1
            _line_map(value, sub, out)
            out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)
    return out


def load_yaml_text(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text safely: limited depth, aliases and size; duplicate keys refused.

    Returns:
        The data and the composed node tree (for line numbers).

    Raises:
        yaml.YAMLError: With ``problem`` and ``problem_mark`` (the line) where known.
    """
    bad = re.search(r"[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1)
        mark = yaml.Mark("<text>", bad.start(), line - 1, column, None, None)
        raise _LimitError(f"character {bad.group()!r} is not allowed in YAML", mark)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        size, depth = _expanded_size(node, {})
        if size > MAX_NODES:
            raise _LimitError(
                f"more than {MAX_NODES} values once aliases are expanded", node.start_mark
            )
        if depth > MAX_DEPTH:
            raise _LimitError(
                f"nested deeper than {MAX_DEPTH} levels once aliases are expanded",
                node.start_mark,
            )
        return loader.construct_document(node), node
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        problem = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ScenarioError(path, None, "", f"cannot read file: {problem}") from None
    try:
        data, node = load_yaml_text(text)
    except (yaml.YAMLError, RecursionError) as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(err, "problem", None) or "nested too deeply"
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


def error_loc(error: Mapping[str, Any], data: Any) -> tuple:
    """A pydantic error's location as a path of the user's fields.

    Pydantic puts labels of its own into an error's location: the union member tried
    (``str``, ``list[str]``, ``float``, ``constrained-float``, ``function-after[...]``) and an
    event's type tag. Walking the validated data along the location keeps the keys and list
    indices the data has (and a missing field's name) and drops those labels, so that
    ``("events", 0, "threat_shift", "delta", "constrained-float")`` reads ``events[0].delta``.

    Args:
        error: One entry of :meth:`pydantic.ValidationError.errors`.
        data: The data that was validated.
    """
    loc = tuple(error["loc"])
    out: list = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, Mapping) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(part, int):
            out.append(part)
            inside = isinstance(node, list | tuple) and -len(node) <= part < len(node)
            node = node[part] if inside else None
        elif i == len(loc) - 1 and error["type"] == "missing":
            out.append(part)  # the field that is missing
        # else: a label of pydantic's own (a union member, a constraint, an event's tag)
    return tuple(out)


def _line_for(lines: dict[tuple, Any], loc: tuple) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            found = lines[loc[:n]]
            return found[1] if isinstance(found, tuple) else found
    return None


def _error(path: Path, lines: dict[tuple, Any], loc: tuple, problem: str) -> ScenarioError:
    """An error located at ``loc``: in the file it came from (a parent for inherited fields)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            found = lines[loc[:n]]
            if isinstance(found, tuple):
                return ScenarioError(found[0], found[1], _field_path(loc), problem)
            return ScenarioError(path, found, _field_path(loc), problem)
    return ScenarioError(path, None, _field_path(loc), problem)


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
    if len(chain) + 1 >= MAX_EXTENDS:
        raise ScenarioError(
            path, lines.get(("extends",)), "extends", f"more than {MAX_EXTENDS} levels of extends"
        )
    try:
        parent_path = find_scenario(parent_name, relative_to=path.parent)
    except ScenarioError as err:
        raise ScenarioError(path, lines.get(("extends",)), "extends", err.problem) from None
    if parent_path.resolve() in [p.resolve() for p in (*chain, path)]:
        cycle = " -> ".join(p.stem for p in (*chain, path, parent_path))
        raise ScenarioError(path, lines.get(("extends",)), "extends", f"cycle: {cycle}")
    parent, parent_lines, _ = _resolve(parent_path, (*chain, path))
    inherited = len(parent.get("events") or [])
    merged = _merge(parent, data)
    # Inherited fields keep their own file and line; this file's fields (and its events, which
    # come after the parent's) point here.
    located = {
        key: line if isinstance(line, tuple) else (parent_path, line)
        for key, line in parent_lines.items()
    }
    for key, line in lines.items():
        if key[:1] == ("events",) and len(key) > 1 and isinstance(key[1], int):
            key = ("events", key[1] + inherited, *key[2:])
        located[key] = line
    return merged, located, path


def _check_names(
    scenario: Scenario, path: Path, lines: dict[tuple, Any], origin: str = "overrides"
) -> None:
    params = load_parameters()
    states = [*params.member_names, *params.actor_names]
    for entity, values in scenario.parameters.items():
        for name, value in values.items():
            loc = ("parameters", entity, name)
            given = {f"{entity}.{name}": value}
            given.update(_threat_companions(f"{entity}.{name}", _flat(scenario.parameters)))
            try:
                params.with_overrides(given)
            except KeyError as err:
                loc = loc if entity in ["global", *states] else loc[:2]
                raise _error(path, lines, loc, err.args[0]) from None
            except ValueError as err:
                raise _error(path, lines, loc, str(err)) from None
    try:
        checks.check_window(np.datetime64(scenario.start, "M"), scenario.months)
    except ValueError as err:
        field = "months" if "shorten" in str(err) else "start"
        raise _error(path, lines, (field,), str(err)) from None
    end = np.datetime64(scenario.end, "M")
    start = np.datetime64(scenario.start, "M")
    for i, event in enumerate(scenario.events):
        for field in ("member", "patron", "members", "victim"):
            value = getattr(event, field, None)
            names = value if isinstance(value, tuple) else () if value is None else (value,)
            valid = params.member_names if field in ("member",) else states
            if field == "patron":
                valid = [a for a, kind in params.actor_kinds.items() if kind != "threat"]
            for name in names:
                if name not in valid:
                    raise _error(
                        path,
                        lines,
                        ("events", i, field),
                        f"unknown {field.rstrip('s')} {name!r}; valid: {', '.join(valid)}",
                    )
            if field == "members" and len(set(names)) < len(names):
                raise _error(
                    path, lines, ("events", i, field), "the two sides must be different states"
                )
        if getattr(event, "member", None) == params.hegemon and event.type in ("exit", "freeze"):
            loc = ("events", i, "member")
            raise _error(path, lines, loc, "the hegemon cannot leave or freeze")
        if event.type == "set_parameter":
            try:
                p = params.lookup(event.key)
            except KeyError as err:
                raise _error(path, lines, ("events", i, "key"), err.args[0]) from None
            if isinstance(p.value, str):
                raise _error(
                    path,
                    lines,
                    ("events", i, "key"),
                    f"{event.key} is categorical; a set_parameter event sets numbers only",
                )
            unread = override_rules.unread_relation(params, event.key)
            if unread is not None:
                raise _error(path, lines, ("events", i, "key"), unread)
            try:
                checks.check_number(event.key, event.value, p.low, p.high)
            except (TypeError, ValueError) as err:
                raise _error(path, lines, ("events", i, "value"), str(err)) from None
        when = np.datetime64(event.date, "M")
        if not start <= when <= end:
            problem = f"{event.date} lies outside the run ({scenario.start} to {scenario.end})"
            inherited = lines.get(("events", i, "date"))
            if isinstance(inherited, tuple) and isinstance(lines.get(("extends",)), int):
                # The parent's event is fine; this file's dates exclude it: point here.
                problem += f" (event inherited from {inherited[0]}:{inherited[1]})"
                field = _field_path(("events", i, "date"))
                raise ScenarioError(path, lines[("extends",)], field, problem)
            raise _error(path, lines, ("events", i, "date"), problem)
    _check_effect(scenario, path, lines, origin)


def _check_effect(
    scenario: Scenario, path: Path, lines: dict[tuple, int], origin: str = "overrides"
) -> None:
    """Refuse an override that would change nothing in this run (never ignore it silently).

    Args:
        scenario: The validated scenario.
        path: Its file, for parameters the file sets.
        lines: Where each field stands in the file (or its parents).
        origin: Where parameters the file does not set came from (``--set`` on the command
            line, ``overrides`` in Python): the error names it.
    """
    from .core import overrides as override_rules

    params = load_parameters().with_overrides(scenario.overrides())
    for entity, values in scenario.parameters.items():
        for name in values:
            reason = override_rules.refusal(
                params,
                f"{entity}.{name}",
                start=scenario.start,
                end=scenario.end,
                history=scenario.history,
                events=scenario.events,
            )
            if reason:
                loc = ("parameters", entity, name)
                # An override given on the command line or in Python has no line in the file;
                # one inherited from a parent file is reported there.
                found = lines.get(loc)
                if isinstance(found, tuple):
                    raise ScenarioError(found[0], found[1], _field_path(loc), reason)
                if found is None:
                    raise ScenarioError(origin, None, f"{entity}.{name}", reason)
                raise ScenarioError(path, found, _field_path(loc), reason)


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
        if isinstance(value, Mapping) or (np.ndim(value) != 0 and not isinstance(value, str)):
            raise ScenarioError(origin, None, key, f"expected one value, got {value!r}")
        try:
            params.lookup(key)
            params.with_overrides({key: value, **_threat_companions(key, overrides)})
        except KeyError as err:
            raise ScenarioError(origin, None, key, err.args[0]) from None
        except (ValueError, TypeError) as err:
            raise ScenarioError(origin, None, key, str(err)) from None
    return Overrides(overrides, origin)


class Overrides(dict):
    """Checked overrides that remember where they came from, for later error messages."""

    def __init__(self, values: Mapping[str, Any], origin: str) -> None:
        super().__init__(values)
        self.origin = origin


def _flat(parameters: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {f"{e}.{k}": v for e, values in parameters.items() for k, v in values.items()}


def _threat_companions(key: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The other threat field of the same member, which must be checked with this one."""
    entity, _, name = key.partition(".")
    if name not in ("threat_kind", "threat_source"):
        return {}
    pair = (f"{entity}.threat_kind", f"{entity}.threat_source")
    return {k: v for k, v in overrides.items() if k in pair}


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
    origin = getattr(overrides, "origin", "overrides")
    if overrides:
        overrides = {canonical_key(k): v for k, v in overrides.items()}
        check_overrides(overrides, origin)
        merged = {e: dict(v or {}) for e, v in (data.get("parameters") or {}).items()}
        for entity, values in _nest(overrides).items():
            merged.setdefault(entity, {}).update(values)
        data["parameters"] = merged
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = error_loc(first, data)
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
        raise _error(path, lines, loc, message) from None
    _check_names(scenario, path, lines, origin)
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
