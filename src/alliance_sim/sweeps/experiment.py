"""Experiment files: a sweep described in YAML, validated with pydantic.

See docs/experiments.md for the format. Errors are :class:`~alliance_sim.scenarios.ScenarioError`
naming the file, the line and the field path, like scenario errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from ..scenarios import (
    Scenario,
    ScenarioError,
    _field_path,
    _line_for,
    _read_yaml,
    error_loc,
    find_scenario,
    load_scenario,
)
from .chunk import outcome_columns
from .designs import (
    check_key,
    check_points,
    check_space,
    grid,
    linspace,
    sample,
    uncertain_space,
)


class Linspace(BaseModel):
    """Evenly spaced values ``{start, stop, num}`` for a grid axis."""

    model_config = ConfigDict(extra="forbid")

    start: float
    stop: float
    num: int = Field(ge=2, le=1000)

    def values(self) -> list[float]:
        """The grid values."""
        return linspace(self.start, self.stop, self.num)


class GridDesign(BaseModel):
    """Full factorial: lists (or ``{start, stop, num}``) are crossed, numbers stay fixed."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["grid"]
    grid: dict[str, float | list[float] | Linspace] = Field(min_length=1)

    def spec(self) -> dict[str, Any]:
        """The grid as keys mapped to lists or fixed numbers."""
        return {k: v.values() if isinstance(v, Linspace) else v for k, v in self.grid.items()}

    def frame(self, seed: int) -> pd.DataFrame:
        """The design points."""
        return grid(self.spec())


class SampledDesign(BaseModel):
    """A SALib sample over named ranges ``{key: [low, high]}`` and uncertain parameters.

    ``space`` holds explicit ranges (typically policy levers: patron offers, Russia's trend);
    ``uncertain`` names parameters whose range comes from ``sample`` (their prior, or later the
    calibrated posterior).
    """

    model_config = ConfigDict(extra="forbid")

    method: Literal["lhs", "sobol", "morris"]
    space: dict[str, tuple[float, float]] = Field(default_factory=dict)
    uncertain: list[str] = Field(
        default_factory=list, description="Parameters sampled over their prior (or posterior)."
    )
    sample: Literal["prior", "posterior"] = Field(
        default="prior", description="Where the uncertain parameters' ranges come from."
    )
    n: int = Field(
        ge=1, le=10_000_000, description="Points (lhs), base size (sobol), trajectories (morris)."
    )
    calc_second_order: bool = False
    num_levels: int = Field(default=4, ge=2, le=100)

    @model_validator(mode="after")
    def _sobol_power_of_two(self) -> SampledDesign:
        if self.method == "sobol" and self.n & (self.n - 1):
            raise ValueError(f"a Sobol design needs n to be a power of two, got {self.n}")
        if not self.space and not self.uncertain:
            raise ValueError("a sampled design needs a space: or uncertain: parameters")
        return self

    def full_space(self) -> dict[str, tuple[float, float]]:
        """Every sampled parameter's range: the uncertain ones first, then ``space``."""
        return {**uncertain_space(self.uncertain, self.sample), **self.space}

    def frame(self, seed: int) -> pd.DataFrame:
        """The design points (sampled with the experiment's seed)."""
        frame = sample(
            self.full_space(),
            self.n,
            self.method,
            seed=seed,
            calc_second_order=self.calc_second_order,
            num_levels=self.num_levels,
        )
        frame.attrs["design"].update(
            uncertain=list(self.uncertain), levers=list(self.space), sample=self.sample
        )
        return frame


class PlotSpec(BaseModel):
    """What the results folder's figure shows."""

    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(default="p_any_exit", description="Outcome column to show.")
    x: str | None = Field(default=None, description="Parameter on the horizontal axis.")
    y: str | None = Field(default=None, description="Parameter on the vertical axis (heatmap).")
    hue: str | None = Field(default=None, description="Parameter drawn as separate lines.")


class Experiment(BaseModel):
    """The schema of an experiment file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Short identifier, usually the file name.")
    description: str = Field(default="", description="The question the sweep answers.")
    scenario: str = Field(default="baseline", description="Scenario name or path.")
    months: int | None = Field(default=None, ge=1, le=600, description="Horizon override.")
    replicates: int = Field(default=100, ge=1, le=1_000_000, description="Per design point.")
    seed: int = Field(default=20221021, ge=0, description="Seed of the design and the runs.")
    chunk_size: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Design points per chunk."
    )
    timeseries: bool = Field(default=False, description="Also store monthly means.")
    at: list[int] | None = Field(
        default=None,
        min_length=1,
        description="Months after the start at which postures are reported (default: horizon).",
    )
    ensemble: Literal["posterior", "prior", "fixed", "independent"] = Field(
        default="posterior",
        description="Where each replicate's values of the parameters the design does not set "
        "come from: the calibrated posterior (default), the prior, the table's values (fixed) "
        "or the model's own draw (independent).",
    )
    design: Annotated[GridDesign | SampledDesign, Field(discriminator="method")]
    analyze: list[str] = Field(
        default_factory=list, description="Outcomes for Sobol/Morris analysis."
    )
    plot: PlotSpec = Field(default_factory=PlotSpec)

    # Filled in by load_experiment; not fields of the file.
    _path: Path | None = PrivateAttr(default=None)
    _scenario: Scenario | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file the experiment was loaded from."""
        return self._path

    @property
    def resolved_scenario(self) -> Scenario | None:
        """The scenario it runs, resolved and validated (with ``months`` applied)."""
        return self._scenario

    def design_frame(self) -> pd.DataFrame:
        """The experiment's design points."""
        return self.design.frame(self.seed)

    def parameters(self) -> list[str]:
        """The parameter keys the design sets."""
        if isinstance(self.design, GridDesign):
            return list(self.design.grid)
        return [*self.design.uncertain, *self.design.space]

    def months_reported(self) -> tuple[int, ...]:
        """The months at which postures are reported (``at``, or the horizon)."""
        from .runner import resolve_months

        horizon = self.months or getattr(self._scenario, "months", None) or 36
        return resolve_months(self.at, horizon)

    def varying(self) -> list[str]:
        """The parameter keys that take more than one value."""
        if isinstance(self.design, GridDesign):
            return [k for k, v in self.design.spec().items() if isinstance(v, list) and len(v) > 1]
        return [*self.design.uncertain, *self.design.space]


def _short(outcomes: list[str]) -> str:
    """Outcome names for an error message: the month columns as patterns, not all of them."""
    plain = [o for o in outcomes if not re.search(r"_m\d+$", o)]
    return ", ".join(plain) + ", and at each month in at: <outcome>_m<month> (see docs)"


def design_points(exp: Experiment) -> int:
    """Number of design points the experiment's design will have, without building it."""
    design = exp.design
    if isinstance(design, GridDesign):
        total = 1
        for value in design.spec().values():
            total *= len(value) if isinstance(value, list) else 1
        return total
    d = len(design.space)
    if design.method == "sobol":
        return design.n * (2 * d + 2 if design.calc_second_order else d + 2)
    if design.method == "morris":
        return design.n * (d + 1)
    return design.n


def _fail(path: Path, lines: dict, loc: tuple, problem: str) -> ScenarioError:
    return ScenarioError(path, _line_for(lines, loc), _field_path(loc), problem)


def load_experiment(path: str | Path, **changes: Any) -> Experiment:
    """Load and validate an experiment file.

    Args:
        path: The YAML file.
        **changes: Field values that replace the file's (``replicates=10``).

    Raises:
        ScenarioError: Naming the file, line and field of the first problem found (also for
            problems in the scenario it names).
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, None, "", "no such experiment file")
    data, lines = _read_yaml(path)
    data.setdefault("name", path.stem)
    data.update({k: v for k, v in changes.items() if v is not None})
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = error_loc(first, data)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}"
            parent = {("design",): data.get("design"), ("plot",): data.get("plot")}
            if loc[:-1] == ():
                message += f"; valid: {', '.join(Experiment.model_fields)}"
            elif loc[:-1] == ("plot",):
                message += f"; valid: {', '.join(PlotSpec.model_fields)}"
            elif loc[:-1] == ("design",) and isinstance(parent[("design",)], dict):
                method = parent[("design",)].get("method")
                model = GridDesign if method == "grid" else SampledDesign
                message += f"; valid: {', '.join(model.model_fields)}"
        elif first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ("design", "method")
            message = "design.method must be one of: grid, lhs, sobol, morris"
        raise _fail(path, lines, loc, message) from None

    try:
        check_points(design_points(exp))  # before the design is built
    except ValueError as err:
        raise _fail(path, lines, ("design",), str(err)) from None
    # Names: parameters, ranges, outcomes, plot axes, scenario.
    if isinstance(exp.design, GridDesign):
        for key, value in exp.design.spec().items():
            loc = ("design", "grid", key)
            try:
                check_key(key)
                grid({key: value})
            except (KeyError, ValueError) as err:
                raise _fail(path, lines, loc, str(err.args[0])) from None
    else:
        for key, bounds in exp.design.space.items():
            loc = ("design", "space", key)
            try:
                check_space({key: bounds})
            except (KeyError, ValueError) as err:
                raise _fail(path, lines, loc, str(err.args[0])) from None
        for i, key in enumerate(exp.design.uncertain):
            loc = ("design", "uncertain", i)
            if key in exp.design.space:
                raise _fail(path, lines, loc, f"{key} is both uncertain and given a range in space")
            try:
                uncertain_space([key], "prior")
            except (KeyError, ValueError) as err:
                raise _fail(path, lines, loc, str(err.args[0])) from None
        if exp.design.uncertain:
            try:
                uncertain_space(exp.design.uncertain, exp.design.sample)
            except ValueError as err:
                raise _fail(path, lines, ("design", "sample"), str(err.args[0])) from None
    try:
        scenario_path = find_scenario(exp.scenario, relative_to=path.parent)
    except ScenarioError as err:
        raise _fail(path, lines, ("scenario",), err.problem) from None
    scenario = load_scenario(scenario_path)
    if exp.months is not None:
        # Validated with the new horizon: its events must lie within the shortened run.
        try:
            scenario = load_scenario(scenario_path, months=exp.months)
        except ScenarioError as err:
            raise _fail(path, lines, ("months",), str(err)) from None
    exp._scenario = scenario
    for i, t in enumerate(exp.at or []):
        if not 1 <= t <= scenario.months:
            problem = f"month {t} is outside the run's 1..{scenario.months} months"
            raise _fail(path, lines, ("at", i), problem)
    reported = exp.months_reported()
    outcomes = outcome_columns(at=reported)
    for i, outcome in enumerate(exp.analyze):
        if outcome not in outcomes:
            raise _fail(
                path,
                lines,
                ("analyze", i),
                f"unknown outcome {outcome!r}; valid: {_short(outcomes)}",
            )
    if exp.analyze and exp.design.method not in ("sobol", "morris"):
        raise _fail(
            path,
            lines,
            ("analyze",),
            f"sensitivity analysis needs a sobol or morris design, not {exp.design.method}",
        )
    if exp.plot.outcome not in outcomes:
        raise _fail(
            path,
            lines,
            ("plot", "outcome"),
            f"unknown outcome {exp.plot.outcome!r}; valid: {_short(outcomes)}",
        )
    for axis in ("x", "y", "hue"):
        key = getattr(exp.plot, axis)
        if key is not None and key not in exp.varying():
            raise _fail(
                path,
                lines,
                ("plot", axis),
                f"{key!r} is not a varied parameter; valid: {', '.join(exp.varying())}",
            )
    from .runner import no_effect

    for key in exp.parameters():
        reason = no_effect(scenario, key)
        if reason:
            if exp.design.method == "grid":
                where = ("design", "grid", key)
            elif key in exp.design.uncertain:
                where = ("design", "uncertain", exp.design.uncertain.index(key))
            else:
                where = ("design", "space", key)
            raise _fail(path, lines, where, reason)
    exp._path, exp._scenario = path, scenario
    return exp
