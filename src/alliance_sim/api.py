"""Python API that mirrors the CLI: ``load_scenario``, ``run`` and ``compare``.

>>> from alliance_sim import run, compare
>>> result = run("armenia_exit", replicates=200)
>>> result.summary().bloc                       # median and 90% band at the end
>>> result.save("runs/armenia")                 # the folder `alliance-sim run` writes
>>> both = compare(["baseline", "armenia_exit"], replicates=200)
>>> both.differences()                          # paired differences from the first scenario
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import robustness, summary
from .core.checks import check_count
from .core.mechanisms import loyalty_marks
from .core.model import AllianceModel
from .core.parameters import ENGAGEMENT_STATES, key_in_words
from .core.posterior import (
    DEFAULT_REPLICATES_PER_SET,
    check_ensemble_mode,
    set_index,
    with_ensemble,
)
from .report import write_report
from .runs import (
    SMALL_RUN_ROWS,
    atomic_folder,
    check_target,
    default_run_dir,
    run_metadata,
    write_json,
    write_table,
)
from .scenarios import Scenario, ScenarioError, load_scenario, revise_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: A marked event on a plot: (month, label).
Marker = tuple[str, str]

#: How each ensemble mode is named in printed tables.
ENSEMBLE_SOURCE = {"posterior": "posterior", "prior": "prior"}


def _plots():
    """The plotting module, imported on first use (matplotlib is slow to import)."""
    from . import plots

    return plots


#: The event log a run folder holds: replicate 0's, one example run (the name says so).
EVENTS_FILE = "events_replicate_0.csv"

#: Plot kinds of a run and the file each is saved as.
RUN_PLOTS = {
    "bloc": "bloc_metrics.png",
    "loyalty": "member_loyalty.png",
    "states": "engagement_states.png",
    "exit": "freeze_exit_probability.png",
    "timeline": "member_timeline.png",
    "network": "network.png",
    "map": "map.png",
}


def source_line(scenario: Scenario, replicates: int | None = None) -> str:
    """The source line under every figure: model version, scenario, replicates, seed."""
    from importlib import metadata

    try:
        version = metadata.version("alliance-sim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "?"
    r = scenario.replicates if replicates is None else replicates
    return (
        f"alliance-sim {version} · scenario {scenario.name} · {r} replicates · "
        f"seed {scenario.seed} · {scenario.start} to {scenario.end}"
    )


def _now() -> datetime:
    return datetime.now(UTC)


def event_label(event: Any) -> str:
    """A short label for an event marker on a plot."""
    kind = event.type.replace("_", " ")
    if event.type == "patron_offer":
        return f"{event.patron} offers {event.member}"
    if event.type == "border_clash":
        return f"clash {event.members[0]}–{event.members[1]}"
    if event.type == "hegemon_shock":
        return f"Russia shock {event.delta:+.2f}"
    if event.type == "set_parameter":
        return f"{key_in_words(event.key)} set to {event.value:g}"
    if event.type == "threat_shift":
        return f"{event.member} threat {event.delta:+.2f}"
    return f"{event.member} {kind}"


def scenario_markers(scenario: Scenario) -> list[Marker]:
    """The scenario's own events as (month, label) plot markers."""
    return [(e.date, event_label(e)) for e in scenario.events]


def resolve(
    scenario: Scenario | str | Path, overrides: Mapping[str, Any] | None = None, **changes: Any
) -> Scenario:
    """A validated scenario from a name, a path or a Scenario, with changes applied.

    Raises:
        TypeError: When ``scenario`` or ``overrides`` has the wrong type.
        ScenarioError: When the scenario or a change is invalid (naming the field).
    """
    if not isinstance(scenario, Scenario | str | Path):
        raise TypeError(f"scenario must be a Scenario, a name or a path, got {scenario!r}")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise TypeError(f"overrides must be a mapping of dotted keys to values, got {overrides!r}")
    if isinstance(scenario, Scenario):
        if overrides or any(v is not None for v in changes.values()):
            return revise_scenario(scenario, overrides, **changes)
        return scenario
    return load_scenario(scenario, overrides, **changes)


@dataclass
class Summary:
    """End-of-run tables: ``members`` (per member) and ``bloc`` (median, 90% band).

    ``ensemble`` (where the replicates' parameters came from) says what the band covers.
    """

    scenario: Scenario
    members: pd.DataFrame
    bloc: pd.DataFrame
    spread: str = ""
    ensemble: str | None = None

    def __str__(self) -> str:
        s = self.scenario
        head = (
            f"{s.name}: {s.replicates} replicates, {s.start} to {s.end} (seed {s.seed})\n"
            f"{' '.join(s.description.split())}"
        )
        return (
            f"{head}\n\nMembers at the end of the run ({s.end}):\n"
            f"{summary.format_member_table(self.members)}\n\n"
            f"Bloc at the end of the run:\n{summary.format_bloc_table(self.bloc)}\n"
            f"{summary.band_note(self.ensemble)}" + (f"\n\n{self.spread}" if self.spread else "")
        )

    def _repr_html_(self) -> str:
        s = self.scenario
        return _scenario_html(
            s,
            f"{s.name}: end of the run ({s.end})",
            self.members,
            self.bloc,
            ensemble=self.ensemble,
        )


def _scenario_html(
    s: Scenario,
    title: str,
    members: pd.DataFrame,
    bloc: pd.DataFrame,
    hint: str = "",
    ensemble: str | None = None,
) -> str:
    """A notebook display of one scenario's summary tables, with its question and run facts."""
    from .report import render_repr, summary_tables

    return render_repr(
        title,
        summary_tables(members, bloc, ensemble),
        question=" ".join(s.description.split()),
        meta=f"{s.replicates} replicates, {s.start} to {s.end}, seed {s.seed}",
        hint=hint,
    )


@dataclass
class RunResult:
    """An ensemble run of one scenario.

    Attributes:
        scenario: The resolved scenario that was run.
        model: The model after the run (all replicates).
        started: When the run started (UTC).
        finished: When it finished (UTC).
        ensemble: Where the parameter values came from: ``posterior``, ``prior`` (nested
            draws) or ``independent`` (each replicate its own prior draw).
        per_set: Replicates per parameter set in a nested ensemble (a whole number, at
            least 2).
    """

    scenario: Scenario
    model: AllianceModel
    started: datetime
    finished: datetime
    ensemble: str = "independent"
    per_set: int = DEFAULT_REPLICATES_PER_SET
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def _cached(self, key: str, build) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def __repr__(self) -> str:
        s = self.scenario
        return (
            f"<RunResult {s.name}: {s.replicates} replicates, {s.start} to {s.end}, seed "
            f"{s.seed}; .summary(), .plot(kind), .save(folder)>"
        )

    def _repr_html_(self) -> str:
        return self._html()

    def _html(self) -> str:
        result = self.summary()
        s = self.scenario
        return _scenario_html(
            s,
            f"Run of {s.name}",
            result.members,
            result.bloc,
            hint="Tables: .summary(); data: .to_frame(), .member_frame(), .outcomes(); "
            "figures: .plot(kind); folder with report.html: .save(folder).",
            ensemble=self.ensemble,
        )

    # ------------------------------------------------------------------ frames
    def to_frame(self) -> pd.DataFrame:
        """Bloc metrics, one row per month and replicate (definitions: docs/model.md, 3.4).

        Columns: date, replicate, integrity, cohesion, cohesion_remaining, credibility,
        credibility_remaining, capacity.
        """
        return self._cached("bloc", self.model.to_frame)

    def member_frame(self) -> pd.DataFrame:
        """Member trajectories: date, replicate, member, loyalty, threat, trust, state, stance."""
        return self._cached("members", self.model.member_frame)

    def outcomes(self) -> pd.DataFrame:
        """Per replicate and member: the month it first froze and the month it left (or NaT)."""
        return self._cached("outcomes", self.model.outcomes)

    def final(self) -> pd.DataFrame:
        """Bloc metrics in the last month, one row per replicate."""
        return self._cached("final", self.model.final)

    def final_states(self) -> pd.DataFrame:
        """Each member's engagement state in the last month: replicate, member, state."""
        frame = self.member_frame()
        last = frame[frame["date"] == frame["date"].max()]
        return last[["replicate", "member", "state"]].reset_index(drop=True)

    def events(self) -> pd.DataFrame:
        """The event log of replicate 0 (one example run, not the ensemble).

        Returns:
            Columns replicate (always 0), date, kind, subject, detail.
        """
        log = pd.DataFrame(self.model.event_log, columns=["date", "kind", "subject", "detail"])
        return log.assign(replicate=0)[["replicate", "date", "kind", "subject", "detail"]]

    @property
    def parameter_sets(self) -> np.ndarray | None:
        """The parameter set of each replicate (nested ensembles), or ``None``."""
        if self.ensemble not in ENSEMBLE_SOURCE:
            return None
        return set_index(self.scenario.replicates, self.per_set)

    def headline_outcomes(self) -> dict[str, np.ndarray]:
        """Per-replicate headline outcomes.

        End-of-run bloc metrics and, per member whose outcome varies, whether it ends frozen
        or exited (0/1).
        """
        final = self.final()
        out = {m: final[m].to_numpy() for m in summary.BLOC_METRICS}
        states = self.final_states()
        hegemon = self.model.hegemon.name
        for member, group in states.groupby("member", observed=True, sort=False):
            if member == hegemon:
                continue
            bad = group.sort_values("replicate")["state"].astype(str).isin(["frozen", "exited"])
            if bad.all() or not bad.any():
                continue  # no spread to split
            out[f"{member} frozen or exited"] = bad.to_numpy(dtype=float)
        return out

    def spread(self) -> pd.DataFrame:
        """Each headline outcome's variance split into parameter and stochastic shares.

        Empty unless the ensemble is nested (``posterior`` or ``prior``).
        """
        sets = self.parameter_sets
        if sets is None:
            return pd.DataFrame()
        return robustness.spread_table(self.headline_outcomes(), sets)

    def summary(self) -> Summary:
        """The end-of-run tables the CLI prints."""
        spread = self.spread()
        text = ""
        if not spread.empty:
            sets = self.parameter_sets
            k = int(sets.max()) + 1
            text = robustness.format_spread(
                spread, k, min(self.per_set, self.scenario.replicates), self.ensemble
            )
        return Summary(
            self.scenario,
            summary.member_summary(
                self.member_frame(),
                self.outcomes(),
                hegemon=self.model.hegemon.name,
                start=self.scenario.start,
            ),
            summary.bloc_summary(self.final()),
            text,
            self.ensemble,
        )

    # ------------------------------------------------------------------ plots
    def plot(self, kind: str | None = None) -> Figure | dict[str, Figure]:
        """Plots of the run.

        Args:
            kind: One of ``bloc`` (metrics with bands), ``loyalty`` (per member), ``states``
                (share of engagement states), ``exit`` (cumulative freeze/exit probability),
                ``timeline`` (replicate 0's states and events per member), ``network``
                (relations at the end) or ``map`` (members at their capitals); ``None`` for
                all of them as a dict.

        Raises:
            ValueError: For an unknown kind.
        """
        if kind is None:
            return {k: self.plot(k) for k in RUN_PLOTS}
        s = self.scenario
        where = f"{s.name} — {s.replicates} replicates, seed {s.seed}"
        source = source_line(s)
        if kind in ("network", "map", "timeline"):
            return self._picture(kind, where, source)
        if kind == "bloc":
            question = " ".join(s.description.split())
            return _plots().plot_bloc(
                self.to_frame(),
                f"Bloc metrics: {where}",
                question,
                scenario_markers(s),
                caption="Line: median replicate; bands: middle 50% and 90% of replicates "
                "(Monte Carlo and parameter uncertainty together).",
                source=source,
            )
        if kind == "loyalty":
            # Under a posterior ensemble each replicate has its own share: mark the median.
            share = float(np.median(self.model.params.globals["burden_share_reduced"].value))
            marks = loyalty_marks(share)
            return _plots().plot_loyalty(
                self.member_frame(),
                f"Member loyalty: {where}\n(the participation a member would choose if moving "
                "were free; below a dashed line it leans to the next rung down)",
                {"reduce": marks["reduced"], "freeze": marks["frozen"]},
                caption="Line: median replicate; bands: middle 50% and 90% of replicates.",
                source=source,
            )
        if kind == "states":
            return _plots().plot_states(
                self.member_frame(),
                f"Engagement state of each member: {where}",
                caption="Share of replicates in each state, month by month.",
                source=source,
            )
        if kind == "exit":
            dates = pd.PeriodIndex(self.to_frame()["date"].unique())
            hegemon = self.model.hegemon.name
            members = self.member_frame()
            outside = members.groupby("member", observed=True)["state"].agg(
                lambda states: bool((states == "exited").all())
            )
            never_in = [m for m, out in outside.items() if out]
            note = f"{hegemon.capitalize()} leads the bloc" + (
                f"; {', '.join(n.capitalize() for n in never_in)} never in the bloc during the run"
                if never_in
                else ""
            )
            return _plots().plot_cumulative(
                self.outcomes(),
                dates,
                f"Cumulative probability of freezing and of leaving: {where}\n({note}: not shown)",
                skip=[hegemon, *never_in],
                caption="Share of replicates in which the member has frozen (or left), and "
                "has left, by each month.",
                source=source,
            )
        raise ValueError(f"unknown plot kind {kind!r}; valid: {', '.join(RUN_PLOTS)}")

    def _picture(self, kind: str, where: str, source: str) -> Figure:
        from . import pictures

        params = self.model.params
        kinds = dict(params.actor_kinds)
        states = pictures.modal_states(self.final_states())
        if kind == "timeline":
            members = self.member_frame()
            one = members[members["replicate"] == 0]
            interventions = [
                (e.date, getattr(e, "member", "") or "", event_label(e))
                for e in self.scenario.events
            ]
            return pictures.plot_timeline(
                one,
                self.events(),
                interventions,
                f"Timeline of one example run (replicate 0): {where}",
                caption="Each member's engagement month by month in replicate 0 (one run of "
                "the ensemble, not a summary of it), with its events.",
                source=source,
            )
        if kind == "network":
            names = params.member_names
            median = np.median(self.model.affinity, axis=2)
            relations = {
                (a, b): float(median[i, j])
                for i, a in enumerate(names)
                for j, b in enumerate(names)
                if i < j
            }
            for pair, p in params.relations.items():
                a, b = sorted(pair)
                if a in kinds or b in kinds:
                    relations[(a, b)] = float(np.median(p.value))
            return pictures.plot_network(
                relations,
                states,
                kinds,
                f"Relations at the end of the run ({self.scenario.end}): {where}",
                caption="Members' relations: median over replicates at the end of the run; "
                "relations with outside actors: their parameter values. Nodes: each member's "
                "most likely end state and its share of replicates.",
                source=source,
            )
        final = self.final_states()
        p_out = (
            final.assign(out=final["state"].astype(str).isin(["frozen", "exited"]))
            .groupby("member", observed=True)["out"]
            .mean()
            .to_dict()
        )
        return pictures.plot_map(
            states,
            kinds,
            {
                str(k): summary.probability(float(v), self.scenario.replicates)
                for k, v in p_out.items()
                if str(k) != self.model.hegemon.name
            },
            f"Where the bloc stands at the end of the run ({self.scenario.end}): {where}",
            caption="Members at their capitals (approximate positions), coloured by their most "
            "likely end state; P(frozen or out): share of replicates ending frozen or outside.",
            source=source,
        )

    # ------------------------------------------------------------------ saving
    def save(
        self,
        out: str | Path | None = None,
        *,
        csv: bool | None = None,
        overwrite: bool = False,
        command: list[str] | None = None,
        progress: bool | None = False,
        figure_formats: Sequence[str] = (),
    ) -> Path:
        """Write the run folder atomically and return its path.

        The folder holds ``scenario.yaml`` (resolved), ``metadata.json``, ``bloc.parquet``,
        ``members.parquet``, ``outcomes.parquet``, ``summary_members.csv``,
        ``summary_bloc.csv``, ``events_replicate_0.csv`` (the event log of one example replicate),
        ``summary.txt``, the PNG plots and ``report.html``.

        Args:
            out: Target folder; default ``runs/NAME-TIMESTAMP``.
            csv: Also write the tables as CSV; ``None`` = only for small runs.
            overwrite: Replace a non-empty target folder.
            command: Command line to record (default: this process's).
            progress: Show a progress bar over the files (``None``: only on a terminal).
            figure_formats: Also write each figure in these formats (``"svg"``, ``"pdf"``).
        """
        target = Path(out) if out is not None else default_run_dir(self.scenario.name)
        check_target(target, overwrite)
        members = self.member_frame()
        if csv is None:
            csv = len(members) <= SMALL_RUN_ROWS
        disable = None if progress is None else not progress
        bar = tqdm(total=4 + len(RUN_PLOTS), desc="writing", unit="file", disable=disable)
        with bar, atomic_folder(target, overwrite) as tmp:
            (tmp / "scenario.yaml").write_text(self.scenario.to_yaml(), encoding="utf-8")
            write_table(self.to_frame(), tmp, "bloc", csv)
            bar.update()
            write_table(members, tmp, "members", csv)
            bar.update()
            write_table(self.outcomes(), tmp, "outcomes", csv)
            bar.update()
            result = self.summary()
            table = result.members.assign(median_exit=result.members["median_exit"].astype(str))
            table.to_csv(tmp / "summary_members.csv", index=False)
            result.bloc.to_csv(tmp / "summary_bloc.csv", index=False)
            (tmp / "summary.txt").write_text(str(result) + "\n", encoding="utf-8")
            self.events().to_csv(tmp / EVENTS_FILE, index=False)
            if not self.spread().empty:
                self.spread().to_csv(tmp / "spread.csv", index=False)
            bar.update()
            for kind, name in RUN_PLOTS.items():
                bar.set_postfix_str(name)
                _plots().save_figure(self.plot(kind), tmp / name, figure_formats)
                bar.update()
            s = self.scenario
            meta = run_metadata(
                seed=s.seed,
                replicates=s.replicates,
                months=s.months,
                started=self.started,
                finished=self.finished,
                command=command,
                scenario=s.name,
                start=s.start,
                end=s.end,
                engagement_states=list(ENGAGEMENT_STATES),
                csv=csv,
                **_ensemble_metadata(self.ensemble, self.per_set),
            )
            write_json(meta, tmp / "metadata.json")
            write_report(tmp)
        return target


def check_run_memory(scenarios: Sequence[Scenario]) -> None:
    """Refuse runs whose recorded trajectories would not fit in memory (before any work).

    Raises:
        NotEnoughMemory: With the estimate and the number of replicates that would fit.
    """
    from .core.parameters import load_parameters
    from .resources import USABLE_SHARE, available_memory, check_memory, estimate_run_bytes

    members = len(load_parameters().member_names)
    needed = sum(estimate_run_bytes(s.replicates, s.months, members, True) for s in scenarios)
    available = available_memory()
    if available is None:
        return
    per_replicate = max(1, needed // max(1, sum(s.replicates for s in scenarios)))
    fits = int(USABLE_SHARE * available // per_replicate // max(1, len(scenarios)))
    first = scenarios[0]
    what = (
        f"{'a run' if len(scenarios) == 1 else f'{len(scenarios)} runs'} of "
        f"{first.replicates:,} replicates × {first.months} months"
    )
    check_memory(
        needed,
        what,
        f"use at most {fits:,} replicates (--replicates), or sweeps (record_members=False) "
        "for bloc outcomes only",
        available,
    )


def _ensemble_metadata(ensemble: str, per_set: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"ensemble": ensemble}
    if ensemble in ENSEMBLE_SOURCE:
        meta["replicates_per_parameter_set"] = per_set
    if ensemble == "posterior":
        from .core.posterior import shipped_recipe

        recipe = shipped_recipe() or {}
        meta["posterior"] = {k: recipe.get(k) for k in ("model_version", "posterior_sha256")}
    return meta


def _check_ensemble(ensemble: str, per_set: int) -> None:
    """Check the ensemble mode and ``per_set`` (a whole number, at least 2).

    Raises:
        TypeError: For ``per_set`` that is not a whole number (``2.7``, ``"x"``, ``True``).
        ValueError: For an unknown mode or ``per_set`` below 2.
    """
    check_ensemble_mode(ensemble)
    if check_count("per_set", per_set, low=1) < 2:
        raise ValueError(f"per_set must be at least 2 (to split the spread), got {per_set}")


def _simulate(
    scenario: Scenario,
    bar: Any = None,
    ensemble: str = "posterior",
    per_set: int = DEFAULT_REPLICATES_PER_SET,
) -> RunResult:
    started = _now()
    kwargs = scenario.model_kwargs()
    kwargs["overrides"] = with_ensemble(
        kwargs, ensemble, scenario.replicates, scenario.seed, per_set
    )
    model = AllianceModel(**kwargs)
    for _ in range(scenario.months):
        model.step()
        if bar is not None:
            bar.update(1)
    return RunResult(scenario, model, started, _now(), ensemble, int(per_set))


def run(
    scenario: Scenario | str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    progress: bool | None = False,
    ensemble: str = "posterior",
    per_set: int = DEFAULT_REPLICATES_PER_SET,
    **changes: Any,
) -> RunResult:
    """Run a scenario ensemble.

    Args:
        scenario: A :class:`Scenario`, a path to a YAML file, or the name of one in
            ``scenarios/``.
        overrides: Dotted parameter keys mapped to values (``{"china.pull": 0.9}``), as the
            CLI's ``--set``.
        progress: Show a progress bar (``None``: only on a terminal).
        ensemble: Where replicates' parameters come from: ``posterior`` (the calibrated
            posterior shipped with the package; default), ``prior`` (the parameter table's
            ranges), both nested as ``R / per_set`` parameter sets × ``per_set`` replicates;
            ``fixed`` (every uncertain parameter at its table value); or ``independent``
            (every replicate draws its own values from the table, the model's own rule, no
            nesting). Overrides always win.
        per_set: Replicates per parameter set in a nested ensemble (a whole number, at
            least 2).
        **changes: Scenario fields to replace: ``replicates``, ``months``, ``seed``,
            ``start``, ``history``.

    Returns:
        The :class:`RunResult`.

    Raises:
        ScenarioError: When the scenario or the changes are invalid.
        TypeError: When ``per_set`` is not a whole number.
        ValueError: For an unknown ``ensemble`` or ``per_set`` below 2.
    """
    _check_ensemble(ensemble, per_set)
    resolved = resolve(scenario, overrides, **changes)
    check_run_memory([resolved])
    disable = None if progress is None else not progress
    with tqdm(total=resolved.months, desc=resolved.name, unit="month", disable=disable) as bar:
        return _simulate(resolved, bar, ensemble, per_set)


@dataclass
class Comparison:
    """Several scenarios run with the same seed and ensemble size (paired replicates).

    Attributes:
        results: Scenario name -> its run; the first is the reference.
    """

    results: dict[str, RunResult]

    def __repr__(self) -> str:
        first = self.results[self.reference].scenario
        return (
            f"<Comparison of {', '.join(self.results)} with {self.reference}: "
            f"{first.replicates} replicates each, seed {first.seed}; .differences(), "
            ".member_differences(), .plot(), .save(folder)>"
        )

    def _repr_html_(self) -> str:
        from .report import comparison_tables, render_repr

        first = self.results[self.reference].scenario
        return render_repr(
            f"Comparison with {self.reference}: {', '.join(list(self.results)[1:])}",
            comparison_tables(
                self.differences(), self.member_differences(), self.reference, first.replicates
            ),
            question=" ".join(first.description.split()),
            meta=f"{first.replicates} replicates each, paired by replicate (seed "
            f"{first.seed}); all end in {first.end}",
            hint="Figure: .plot(); folder with report.html: .save(folder).",
        )

    @property
    def reference(self) -> str:
        """Name of the first scenario, which the others are compared with."""
        return next(iter(self.results))

    def to_frame(self) -> pd.DataFrame:
        """Bloc metrics of every scenario with a ``scenario`` column (ordered categorical)."""
        names = list(self.results)
        frame = pd.concat(
            [r.to_frame().assign(scenario=n) for n, r in self.results.items()],
            ignore_index=True,
        )
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=names)
        return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]

    def member_frame(self) -> pd.DataFrame:
        """Member trajectories of every scenario with a ``scenario`` column."""
        names = list(self.results)
        frame = pd.concat(
            [r.member_frame().assign(scenario=n) for n, r in self.results.items()],
            ignore_index=True,
        )
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=names)
        return frame

    def differences(self) -> pd.DataFrame:
        """End-of-run bloc metrics of each scenario minus the reference's, paired by replicate.

        Returns:
            Columns scenario, metric, reference, scenario_median, diff_median, diff_q05,
            diff_q95 (90% interval of the paired differences), p_lower; in a nested ensemble
            also sign_share (share of parameter sets in which the mean effect keeps the sign
            of the overall mean effect) and set_q05, set_q95 (its range across sets).
        """
        ref = self.results[self.reference].final()
        sets = self.results[self.reference].parameter_sets
        rows = []
        for n, r in list(self.results.items())[1:]:
            table = summary.paired_differences(ref, r.final()).assign(scenario=n)
            if sets is not None:
                other = r.final()
                extra = [
                    robustness.effect_robustness(other[m].to_numpy() - ref[m].to_numpy(), sets)
                    for m in table["metric"]
                ]
                for col in ("sign_share", "reverse_share", "set_q05", "set_q95"):
                    table[col] = [e[col] for e in extra]
            rows.append(table)
        if not rows:
            return pd.DataFrame()
        frame = pd.concat(rows, ignore_index=True)
        return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]

    def robustness(self) -> pd.DataFrame:
        """Every paired effect across the parameter sets of a nested ensemble.

        Returns:
            One row per scenario and outcome (end-of-run bloc metrics; each member's
            probability of ending frozen or exited, and exited): ``effect`` (mean paired
            difference), ``sets``, ``sign_share``, ``set_q05``, ``set_q95``, ``set_min``,
            ``set_max`` (see :func:`alliance_sim.robustness.effect_robustness`). Empty for an
            ``independent`` ensemble.
        """
        first = self.results[self.reference]
        sets = first.parameter_sets
        if sets is None or len(self.results) < 2:
            return pd.DataFrame()
        rank = {"active": 0, "reduced": 1, "frozen": 2, "exited": 3}
        ref_final = first.final()
        ref_states = first.final_states().sort_values(["member", "replicate"])
        rows = []
        for name, r in list(self.results.items())[1:]:
            final = r.final()
            for m in summary.BLOC_METRICS:
                d = final[m].to_numpy() - ref_final[m].to_numpy()
                rows.append(
                    {"scenario": name, "outcome": m, **robustness.effect_robustness(d, sets)}
                )
            states = r.final_states().sort_values(["member", "replicate"])
            for member in ref_states["member"].cat.categories:
                a = ref_states.loc[ref_states["member"] == member, "state"]
                b = states.loc[states["member"] == member, "state"]
                a = a.astype(str).map(rank).to_numpy()
                b = b.astype(str).map(rank).to_numpy()
                for cut, label in ((2, "frozen or exited"), (3, "exited")):
                    d = (b >= cut).astype(float) - (a >= cut).astype(float)
                    if not d.any() and not (a >= cut).any():
                        continue
                    if (a >= cut).all() and (b >= cut).all():
                        continue
                    rows.append(
                        {
                            "scenario": name,
                            "outcome": f"P({member} {label})",
                            **robustness.effect_robustness(d, sets),
                        }
                    )
        return pd.DataFrame(rows)

    def member_differences(self) -> pd.DataFrame:
        """Change in each member's end-of-run P(frozen or exited) and P(exited) vs the reference.

        Returns:
            Columns scenario, member, outcome, reference, scenario_p, diff, diff_lo, diff_hi
            (90% Monte Carlo interval of the paired difference).
        """
        ref = self.results[self.reference].final_states()
        rows = [
            summary.paired_probability_differences(ref, r.final_states()).assign(scenario=n)
            for n, r in list(self.results.items())[1:]
        ]
        if not rows:
            return pd.DataFrame()
        frame = pd.concat(rows, ignore_index=True)
        return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]

    def summary_text(self) -> str:
        """The tables ``alliance-sim compare`` prints."""
        first_run = self.results[self.reference]
        first = first_run.scenario
        source = ENSEMBLE_SOURCE.get(first_run.ensemble)
        parts = [
            f"Compared with {self.reference}: {first.replicates} replicates each, seed "
            f"{first.seed}, paired by replicate; bloc intervals hold 90% of the paired "
            "differences (parameter and stochastic spread together); member intervals are 90% "
            "Monte Carlo intervals of the change in probability.",
        ]
        if source:
            k = int(first_run.parameter_sets.max()) + 1
            parts.append(
                f"Parameters: {k} {source} parameter sets × "
                f"{min(first_run.per_set, first.replicates)} replicates each."
            )
        else:
            parts.append("Parameters: each replicate draws its own values from the table.")
        parts += ["", "Bloc at the end of the run:"]
        for name, result in self.results.items():
            parts.append(f"  {name}")
            table = summary.format_bloc_table(summary.bloc_summary(result.final()))
            parts.append("\n".join("    " + line for line in table.splitlines()))
        parts.append("  " + summary.band_note(first_run.ensemble))
        starts = {r.scenario.start for r in self.results.values()}
        if len(starts) > 1:
            parts += [
                "",
                f"Note: the scenarios start in different months; each ran to {first.end} so "
                "that end-of-run values are of the same month: "
                + ", ".join(
                    f"{n} {r.scenario.start} ({r.scenario.months} months)"
                    for n, r in self.results.items()
                ),
            ]
        if len(self.results) > 1:
            parts += ["", "Differences from the reference at the end of the run:"]
            parts.append(summary.format_differences(self.differences(), first.replicates))
            parts += ["", "Change in members' end-of-run probabilities:"]
            parts.append(
                summary.format_probability_differences(self.member_differences(), first.replicates)
            )
            table = self.robustness()
            if not table.empty:
                parts += ["", robustness.format_robustness(table, source)]
        return "\n".join(parts)

    def plot(self) -> Figure:
        """The overlay: levels of each metric and paired differences from the reference."""
        first = self.results[self.reference].scenario
        others = list(self.results)[1:]
        listed = " and ".join([", ".join(others[:-1]), others[-1]] if len(others) > 1 else others)
        title = (
            f"What {listed or 'each scenario'} {'do' if len(others) > 1 else 'does'} to the "
            f"bloc, compared with {self.reference}\n"
            f"top: each scenario's level (median of {first.replicates} replicates); bottom: "
            f"its difference from {self.reference} in the same replicate (seed {first.seed})"
        )
        if len(self.results) > _plots().OVERLAY_MAX:
            title = title.split("\n")[0] + (
                f"\neach row: one scenario's difference from {self.reference} in the same "
                f"replicate ({first.replicates} replicates, seed {first.seed})"
            )
        return _plots().plot_comparison(
            {n: r.to_frame() for n, r in self.results.items()},
            title,
            {n: scenario_markers(r.scenario) for n, r in self.results.items()},
            caption="Bands: middle 50% and 90% of replicates (top: levels; bottom: paired "
            "differences, same seed so the same parameter draws and random streams).",
            source=source_line(first).replace(
                f"scenario {first.name}", "scenarios " + ", ".join(self.results)
            ),
        )

    def save(
        self,
        out: str | Path | None = None,
        *,
        csv: bool | None = None,
        overwrite: bool = False,
        command: list[str] | None = None,
        progress: bool | None = False,
        figure_formats: Sequence[str] = (),
    ) -> Path:
        """Write the comparison folder atomically and return its path.

        The folder holds ``compare.png``, ``differences.csv``, ``member_differences.csv``,
        ``bloc.parquet`` (all scenarios), ``summary.txt``, ``metadata.json`` and each
        scenario's resolved YAML under ``scenarios/``. Arguments as for
        :meth:`RunResult.save`.
        """
        names = list(self.results)
        target = (
            Path(out) if out is not None else default_run_dir("compare-" + "-".join(names)[:80])
        )
        check_target(target, overwrite)
        bloc = self.to_frame()
        if csv is None:
            csv = len(bloc) <= SMALL_RUN_ROWS
        disable = None if progress is None else not progress
        bar = tqdm(total=3, desc="writing", unit="step", disable=disable)
        with bar, atomic_folder(target, overwrite) as tmp:
            (tmp / "scenarios").mkdir()
            for name, result in self.results.items():
                (tmp / "scenarios" / f"{name}.yaml").write_text(
                    result.scenario.to_yaml(), encoding="utf-8"
                )
            write_table(bloc, tmp, "bloc", csv)
            bar.update()
            if len(names) > 1:
                self.differences().to_csv(tmp / "differences.csv", index=False)
                self.member_differences().to_csv(tmp / "member_differences.csv", index=False)
                if not self.robustness().empty:
                    self.robustness().to_csv(tmp / "robustness.csv", index=False)
            (tmp / "summary.txt").write_text(self.summary_text() + "\n", encoding="utf-8")
            bar.update()
            _plots().save_figure(self.plot(), tmp / "compare.png", figure_formats)
            bar.update()
            first = self.results[self.reference].scenario
            meta = run_metadata(
                seed=first.seed,
                replicates=first.replicates,
                months=first.months,
                started=min(r.started for r in self.results.values()),
                finished=max(r.finished for r in self.results.values()),
                command=command,
                scenarios=names,
                reference=self.reference,
                csv=csv,
                **_ensemble_metadata(
                    self.results[self.reference].ensemble, self.results[self.reference].per_set
                ),
            )
            write_json(meta, tmp / "metadata.json")
            write_report(tmp)
        return target


def _end_with(scenario: Scenario, reference: Scenario) -> Scenario:
    """``scenario`` run to the reference's last month, so that end-of-run values compare.

    Raises:
        ScenarioError: When the scenario starts after the reference ends.
    """
    if scenario.end == reference.end:
        return scenario
    months = (pd.Period(reference.end, "M") - pd.Period(scenario.start, "M")).n + 1
    if months < 1:
        raise ScenarioError(
            scenario.name,
            None,
            "start",
            f"starts in {scenario.start}, after {reference.name} ends ({reference.end}): "
            "nothing to compare",
        )
    return revise_scenario(scenario, months=months)


def compare(
    scenarios: Iterable[Scenario | str | Path],
    *,
    overrides: Mapping[str, Any] | None = None,
    progress: bool | None = False,
    ensemble: str = "posterior",
    per_set: int = DEFAULT_REPLICATES_PER_SET,
    **changes: Any,
) -> Comparison:
    """Run several scenarios with the same seed streams and compare them with the first.

    Every scenario runs with the first one's ``seed`` and ``replicates`` (or the values given
    here), so replicate *i* of each shares its parameter draws and random streams and
    differences can be paired. The changes given here (``start=``, ``history=`` and the
    others) apply to every scenario, not only to the first, so that comparing a scenario with
    itself gives differences of exactly zero. Every scenario ends in the first one's last
    month: one that starts in another month (its file's ``start``, when ``start=`` is not
    given) runs for as many months as it takes, so that end-of-run values are of the same
    month.

    Args:
        scenarios: Scenarios, paths or names; the first is the reference.
        overrides: Dotted parameter overrides applied to every scenario.
        progress: Show a progress bar (``None``: only on a terminal).
        ensemble: ``posterior`` (default), ``prior``, ``fixed`` or ``independent``, as in
            :func:`run`;
            every scenario gets the same parameter sets in the same replicates.
        per_set: Replicates per parameter set in a nested ensemble (a whole number, at
            least 2).
        **changes: Scenario fields to replace in every scenario: ``replicates``, ``months``,
            ``seed``, ``start``, ``history``.

    Raises:
        ScenarioError: When a scenario or a change is invalid (nothing has run yet).
        TypeError: When ``per_set`` is not a whole number.
        ValueError: When no scenario is given, for an unknown ``ensemble`` or ``per_set``
            below 2.
    """
    if isinstance(scenarios, str | Path | Scenario) or not isinstance(scenarios, Iterable):
        raise TypeError(
            f"scenarios must be a list of scenarios, got {scenarios!r}; "
            f"for one scenario write compare([{scenarios!r}])"
        )
    _check_ensemble(ensemble, per_set)
    items: Sequence = list(scenarios)
    if not items:
        raise ValueError("compare needs at least one scenario")
    first = resolve(items[0], overrides, **changes)
    # The changes apply to every scenario (start= and history= too); seed, replicates and
    # months are the reference's, so that replicates pair up and runs end in the same month.
    common = {
        **changes,
        "seed": first.seed,
        "replicates": first.replicates,
        "months": first.months,
    }
    resolved = [first] + [_end_with(resolve(s, overrides, **common), first) for s in items[1:]]
    names: list[str] = []
    for s in resolved:
        name, n = s.name, 2
        while name in names:
            name, n = f"{s.name}_{n}", n + 1
        names.append(name)
    check_run_memory(resolved)
    disable = None if progress is None else not progress
    total = sum(s.months for s in resolved)
    results: dict[str, RunResult] = {}
    with tqdm(total=total, desc="compare", unit="month", disable=disable) as bar:
        for name, s in zip(names, resolved, strict=True):
            bar.set_description(name)
            results[name] = _simulate(s, bar, ensemble, per_set)
    return Comparison(results)


__all__ = ["Comparison", "RunResult", "Summary", "compare", "load_scenario", "run"]
