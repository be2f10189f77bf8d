"""The browser's model: one run of a scenario plus its ensemble band, with interventions.

:class:`AllianceVizModel` is the model SolaraViz creates, steps and resets. Its keyword arguments
are flat and all have defaults (a scenario name, a seed and the analyst's knobs), as SolaraViz
needs. It carries

- ``run``: an :class:`~alliance_sim.core.model.AllianceModel` with one replicate, stepped month by
  month ("this run");
- ``ensemble``: the same scenario and settings with ``band_replicates`` replicates, run to the
  horizon when the model is built (on Reset) and again after an intervention, so charts can show
  the ensemble median and 90% band over the whole horizon.

An intervention (force a member to exit, freeze or rejoin "now") is an ordinary scenario event
dated the month on screen: both models are rebuilt with it and the run is replayed to that month.
Random draws do not depend on such events, so everything before that month stays as it was.
"""

from __future__ import annotations

import itertools
import threading
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from ..api import scenario_markers
from ..core.model import KNOBS, AllianceModel
from ..core.parameters import ENGAGEMENT_STATES, load_parameters, war_stance_name
from ..core.posterior import DEFAULT_REPLICATES_PER_SET, nested_layout, with_ensemble
from ..scenarios import ScenarioError, list_scenarios, load_scenario

#: What the intervention buttons can do, as event types.
ACTIONS = ("exit", "freeze", "rejoin")
#: Quantiles of the ensemble band: 5%, median, 95%.
BAND = (0.05, 0.5, 0.95)
#: Bloc metrics charted (keys of ``AllianceModel.metrics``).
METRICS = ("integrity", "cohesion", "credibility", "capacity")
DRIFT_KEY = "global.capacity_drift"
#: Where the replicates' parameter values come from, as in ``alliance-sim run``: sets drawn
#: from the calibrated posterior shipped with the package, each run ``PER_SET`` times.
ENSEMBLE = "posterior"
PER_SET = DEFAULT_REPLICATES_PER_SET
#: "This run" is the most typical of this many candidate runs drawn from the seed: the one
#: longest inside the band, then closest to the median (a first look should not be a tail case).
TYPICAL_OF = 8
#: Chosen run seeds by the inputs that determine them (the search costs a few runs).
_TYPICAL: dict[str, int | list[int]] = {}
#: Unique tokens for views and ensemble summaries (the browser caches images by them).
_TOKENS = itertools.count(1)


@cache
def knob_defaults() -> dict[str, float]:
    """Slider positions that mean "the scenario's own value", rounded to the slider grid.

    Pulls, contagion and the public-pressure weight are the packaged parameter values. Russia's
    capacity is its median at 2022-10 after the documented 2022 events; the war's drain is the
    documented 2022 drift per month, shown per year.
    """
    params = load_parameters()
    drift = float(params.globals["capacity_drift"].value)
    for entry in params.history:
        if entry.get("type") == "set_parameter" and entry.get("key") == DRIFT_KEY:
            drift = params.size(entry["value"])
    probe = AllianceModel(replicates=200, months=1, seed=0, record_members=False)
    capacity = float(np.median(probe.hegemon.capacity))
    return {
        "russia_capacity": round(capacity * 20) / 20,
        "capacity_trend": round(drift * 12 * 100) / 100,
        "china_pull": float(params.actors["china"]["pull"].value),
        "turkey_pull": float(params.actors["turkey"]["pull"].value),
        "west_pull": float(params.actors["west"]["pull"].value),
        "contagion": float(params.globals["contagion"].value),
        "public_pressure_weight": float(params.globals["public_pressure_weight"].value),
    }


#: Labels of the knobs, as the browser shows them.
KNOB_LABELS = {
    "russia_capacity": "Russia's capacity (at start)",
    "capacity_trend": "Russia's capacity trend per year",
    "china_pull": "China's pull",
    "turkey_pull": "Turkey's pull",
    "west_pull": "The West's pull",
    "contagion": "Contagion strength",
    "public_pressure_weight": "Weight of public pressure",
}


def parse_seed(seed: int | str | None, default: int) -> int:
    """The seed from the browser's text box: blank -> ``default``, digits -> that integer.

    Any other text is hashed (CRC-32), so every input names one reproducible run.
    """
    text = "" if seed is None else str(seed).strip()
    if not text:
        return int(default)
    if text.isascii() and text.isdigit():  # "²" is a digit to Python, not to int()
        return int(text)
    return zlib.crc32(text.encode("utf-8"))


@dataclass(frozen=True)
class EnsembleSummary:
    """Ensemble quantiles over the whole horizon.

    Attributes:
        dates: Month of each row, shape ``(T,)`` (``datetime64[M]``).
        metrics: Metric name -> array ``(T, 3)``: 5%, median, 95%.
        loyalty: Array ``(T, M, 3)``: each member's loyalty quantiles.
        exit_share: Member -> share of replicates in which it is out (exited) at the horizon:
            the one meaning of "P(exit)" in the app. A member that left before the start and
            stays out counts; one forced out and then rejoined does not.
        freeze_share: Member -> share of replicates in which it froze at some point.
        replicates: Ensemble size.
        final: Bloc metrics at the horizon, one row per replicate (for paired differences).
        seed: The ensemble's seed (paired comparisons need the same seed and size).
        token: Unique number of this summary (process-wide).
    """

    dates: np.ndarray
    metrics: dict[str, np.ndarray]
    loyalty: np.ndarray
    exit_share: dict[str, float]
    freeze_share: dict[str, float]
    replicates: int
    final: Any = None
    seed: Any = None
    token: int = field(default_factory=lambda: next(_TOKENS))

    def frame(self) -> pd.DataFrame:
        """The band as a tidy table: date, metric, q05, median, q95 (bloc metrics, then loyalty)."""
        rows = []
        dates = [str(d) for d in self.dates]
        for key, q in self.metrics.items():
            rows.append(
                pd.DataFrame(
                    {"date": dates, "metric": key, "q05": q[:, 0], "median": q[:, 1],
                     "q95": q[:, 2]}
                )
            )  # fmt: skip
        return pd.concat(rows, ignore_index=True).assign(replicates=self.replicates)


@dataclass(frozen=True)
class View:
    """Everything the browser draws, read from the model in one consistent moment.

    Attributes:
        date: The month on screen (last completed month), ``YYYY-MM``.
        step: Months simulated since the start.
        months: The horizon in months.
        start: First simulated month, ``YYYY-MM``.
        end: Last month of the horizon, ``YYYY-MM``.
        members: Member names in model order.
        hegemon: The hegemon's name.
        states: Member -> engagement state name.
        stances: Member -> stance on the hegemon's war (``none``, ``neutral``, ``support``).
        loyalty: Member -> loyalty now.
        threat: Member -> perceived main threat now.
        trust: Member -> belief in the guarantee now.
        capacity: Russia's capacity now.
        affinity: Current member-member affinity, shape ``(M, M)``.
        relations: Edges ``(a, b, weight)`` of the relations network (members' edges current).
        actor_kinds: Outside actor -> kind (``threat``, ``patron``, ``sanctioner``).
        trace_dates: Months recorded so far, shape ``(t,)``.
        trace: Metric -> this run's values so far, shape ``(t,)``.
        trace_loyalty: Loyalty so far, shape ``(t, M)``.
        trace_states: States so far, shape ``(t, M)``.
        ensemble: The ensemble band.
        event_log: This run's dated log, oldest first (dicts: date, kind, subject, detail).
        markers: Documented events of the scenario and the interventions (dicts: date, label).
        state_names: Engagement state names by code (for ``trace_states``).
        running: Whether steps remain.
        token: Unique number of this view (process-wide).
    """

    date: str
    step: int
    months: int
    start: str
    end: str
    members: list[str]
    hegemon: str
    states: dict[str, str]
    stances: dict[str, str]
    loyalty: dict[str, float]
    threat: dict[str, float]
    trust: dict[str, float]
    capacity: float
    affinity: np.ndarray
    relations: list[tuple[str, str, float]]
    actor_kinds: dict[str, str]
    trace_dates: np.ndarray
    trace: dict[str, np.ndarray]
    trace_loyalty: np.ndarray
    trace_states: np.ndarray
    ensemble: EnsembleSummary
    event_log: list[dict[str, Any]] = field(default_factory=list)
    markers: list[dict[str, str]] = field(default_factory=list)
    state_names: tuple[str, ...] = ENGAGEMENT_STATES
    running: bool = True
    token: int = field(default_factory=lambda: next(_TOKENS))


def member_detail(view: View, name: str) -> str:
    """The lines under a member's name on the map: rung, loyalty, and whether it backs the war.

    "backs the war" gets a line of its own, where the member supports the hegemon's war.
    """
    if name == view.hegemon:
        return f"hegemon · capacity {view.capacity:.2f}"
    detail = f"{view.states[name]} · loyalty {view.loyalty[name]:.2f}"
    return detail + "\nbacks the war" if view.stances[name] == "support" else detail


def summarise_ensemble(model: AllianceModel) -> EnsembleSummary:
    """Quantiles of a finished ensemble's bloc metrics and member loyalty, per month."""
    bloc = model.to_frame()
    dates = np.array(
        [np.datetime64(str(d), "M") for d in bloc["date"].drop_duplicates()], dtype="datetime64[M]"
    )
    t, r = len(dates), model.replicates
    metrics = {k: np.quantile(bloc[k].to_numpy().reshape(t, r), BAND, axis=1).T for k in METRICS}
    members = model.member_frame()
    m = len(model.members)
    loyalty = members["loyalty"].to_numpy().reshape(t, m, r)
    outcomes = model.outcomes()
    names = [a.name for a in model.members]
    froze = outcomes.groupby("member", observed=False)["freeze_date"].apply(
        lambda s: s.notna().mean()
    )
    exited = ENGAGEMENT_STATES.index("exited")
    return EnsembleSummary(
        dates=dates,
        metrics=metrics,
        loyalty=np.moveaxis(np.quantile(loyalty, BAND, axis=2), 0, -1),
        exit_share={a.name: float(np.mean(a.state == exited)) for a in model.members},
        freeze_share={n: float(froze[n]) for n in names},
        replicates=r,
        final=model.final(),
        seed=model.seed,
    )


def band_source(replicates: int) -> str:
    """Where the band's runs come from, in words (``200 runs: 20 sets … × 10 runs``)."""
    sets, per_set = nested_layout(replicates, PER_SET)
    return (
        f"{replicates} runs: {sets} parameter sets drawn from the calibrated posterior "
        f"× {per_set} runs each"
    )


def distance_to_median(trace: pd.DataFrame, band: EnsembleSummary) -> float:
    """How far a run's bloc metrics stay from the ensemble median, in band widths (RMS)."""
    total = 0.0
    for key in METRICS:
        low, mid, high = band.metrics[key].T
        total += float(np.mean(((trace[key].to_numpy() - mid) / (high - low + 0.01)) ** 2))
    return (total / len(METRICS)) ** 0.5


def months_inside(trace: pd.DataFrame, band: EnsembleSummary) -> float:
    """The smallest share of months, over the bloc metrics, in which a run stays in the band."""
    shares = []
    for key in METRICS:
        low, _, high = band.metrics[key].T
        values = trace[key].to_numpy()
        shares.append(float(np.mean((values >= low - 1e-9) & (values <= high + 1e-9))))
    return min(shares)


def candidate_seeds(seed: int, count: int = TYPICAL_OF) -> list[int | list[int]]:
    """The seeds of the candidate runs: the seed itself, then ``[seed, 1]``, ``[seed, 2]``..."""
    return [seed, *([seed, j] for j in range(1, count))]


def seed_text(seed: int | list[int]) -> str:
    """A run seed as the page shows it: ``20221021`` or ``20221021·3``."""
    return "·".join(str(s) for s in seed) if isinstance(seed, list) else str(seed)


class AllianceVizModel(mesa.Model):
    """A scenario run for the browser, with its ensemble band and interventions.

    Args:
        scenario_name: Scenario name (a file in ``scenarios/``). Not ``scenario``: from Mesa 3.5
            on, ``Model.scenario`` is Mesa's own experimental ``Scenario``, which SolaraViz
            passes to the model as ``scenario=`` on Reset.
        seed: Seed as typed in the browser; blank uses the scenario's seed.
        band_replicates: Size of the ensemble behind the band.
        russia_capacity: Russia's capacity at the start month.
        capacity_trend: Drift of Russia's capacity per year from the start month.
        china_pull: China's pull as an alternative patron.
        turkey_pull: Turkey's pull as an alternative patron.
        west_pull: The West's pull as an alternative.
        contagion: How strongly members follow their neighbours' disengagement.
        public_pressure_weight: How much public anger weighs in loyalty.
        interventions: Interventions to replay (dicts with ``type``, ``member``, ``date``), as a
            shared link restores them.
        month: Replay the run to this month (``YYYY-MM``), as a shared link restores it.

    Replicates take their parameter values from sets drawn from the calibrated posterior
    (:data:`ENSEMBLE`, as ``alliance-sim run`` does), :data:`PER_SET` runs a set. A knob left at
    its default (:func:`knob_defaults`) keeps the scenario's own value (the posterior's draw); a
    knob moved away fixes the value in every replicate from the start month. ``settings`` lists
    the knobs in force.

    "This run" is the most typical of :data:`TYPICAL_OF` runs drawn from the seed: the one
    whose least-covered bloc metric stays inside its band in the most months
    (:func:`months_inside`), and of those the closest to the ensemble median over the horizon
    (:func:`distance_to_median`); its seed is ``run_seed``. The same inputs always choose the
    same run.
    """

    def __init__(
        self,
        scenario_name: str = "baseline",
        seed: int | str | None = "",
        band_replicates: int = 200,
        russia_capacity: float | None = None,
        capacity_trend: float | None = None,
        china_pull: float | None = None,
        turkey_pull: float | None = None,
        west_pull: float | None = None,
        contagion: float | None = None,
        public_pressure_weight: float | None = None,
        interventions: list[dict[str, str]] | None = None,
        month: str | None = None,
    ) -> None:
        #: The loaded scenario (``self.scenario`` is Mesa's own from Mesa 3.5 on).
        #: Why the chosen scenario could not be loaded (shown in the page), or None.
        self.load_error: str | None = None
        try:
            self.alliance_scenario = load_scenario(scenario_name)
        except ScenarioError as err:
            # Keep the session and its controls: run the baseline and say why, naming the
            # file by its name only (the page must not show the server's paths).
            where = f"{Path(err.file).name}:{err.line}" if err.line else Path(err.file).name
            field = f" {err.field}:" if err.field else ""
            self.load_error = f"Cannot load {where}:{field} {err.problem}. Showing baseline."
            self.alliance_scenario = load_scenario("baseline")
        self.seed_used = parse_seed(seed, self.alliance_scenario.seed)
        super().__init__(rng=self.seed_used)
        self.band_replicates = int(band_replicates)
        given = {
            "russia_capacity": russia_capacity,
            "capacity_trend": capacity_trend,
            "china_pull": china_pull,
            "turkey_pull": turkey_pull,
            "west_pull": west_pull,
            "contagion": contagion,
            "public_pressure_weight": public_pressure_weight,
        }
        defaults = knob_defaults()
        #: Knobs moved away from their defaults: name -> value.
        self.settings = {
            k: float(v)
            for k, v in given.items()
            if v is not None and abs(float(v) - defaults[k]) > 1e-6
        }
        self.scenario_name = scenario_name
        self.seed_text = "" if seed is None else str(seed).strip()
        self.interventions: list[dict[str, str]] = [
            {
                "type": str(e["type"]),
                "date": str(e["date"]),
                "member": str(e["member"]),
                "note": "intervention from the browser",
            }
            for e in interventions or ()
        ]
        self._lock = threading.RLock()
        self.run_seed: int | list[int] | None = None
        self._version = 0
        self._view: tuple[int, View] | None = None
        self._build(replay_to=0)
        # A step past the horizon is no step: Mesa's step/time counters (the "Information" box)
        # then always agree with the month on screen, whatever the render interval.
        mesa_step = self.step

        def step() -> None:
            if self.run.running:
                mesa_step()

        self.step = step
        while month is not None and self.run.running and str(self.run.date) < month:
            self.step()

    @property
    def applied(self) -> dict[str, Any]:
        """The inputs this model was built from, as the sidebar holds them."""
        return {
            "scenario_name": self.scenario_name,
            "seed": self.seed_text,
            **{k: self.settings.get(k, v) for k, v in knob_defaults().items()},
            "band_replicates": self.band_replicates,
        }

    def run_frame(self) -> pd.DataFrame:
        """This run so far, one row per month: bloc metrics, members' loyalty, state and stance."""
        with self._lock:
            bloc = self.run.to_frame().drop(columns="replicate")
            members = self.run.member_frame()
        bloc["date"] = bloc["date"].astype(str)
        wide = members.pivot_table(
            index="date", columns="member", values="loyalty", observed=False
        ).add_prefix("loyalty_")
        states = members.pivot(index="date", columns="member", values="state").add_prefix("state_")
        stances = members.pivot(index="date", columns="member", values="stance")
        wide = wide.join(states).join(stances.add_prefix("stance_"))
        wide.index = wide.index.astype(str)
        return bloc.merge(wide, left_on="date", right_index=True, how="left")

    # ------------------------------------------------------------------ building
    def _kwargs(
        self,
        replicates: int,
        seed: int | list[int] | None = None,
        interventions: bool = True,
    ) -> dict[str, Any]:
        kwargs = self.alliance_scenario.model_kwargs()
        kwargs.update(replicates=replicates, seed=self.seed_used if seed is None else seed)
        events = list(kwargs["events"])
        if "capacity_trend" in self.settings:
            events.append(
                {
                    "type": "set_parameter",
                    "date": self.alliance_scenario.start,
                    "key": DRIFT_KEY,
                    "value": self.settings["capacity_trend"] / 12.0,
                }
            )
        if interventions:
            events.extend(self.interventions)
        kwargs["events"] = events
        kwargs.update({k: v for k, v in self.settings.items() if k in KNOBS})
        # the moved sliders win over the posterior's values (the drift from the start month on)
        keep = [KNOBS[k] for k in self.settings if k in KNOBS]
        if "capacity_trend" in self.settings:
            keep.append(DRIFT_KEY)
        kwargs["overrides"] = with_ensemble(
            kwargs, ENSEMBLE, replicates, kwargs["seed"], PER_SET, keep=keep
        )
        return kwargs

    def _build(self, replay_to: int) -> None:
        ensemble = AllianceModel(**self._kwargs(self.band_replicates))
        ensemble.run_model()
        band = summarise_ensemble(ensemble)
        if self.run_seed is None:  # chosen once; an intervention keeps the run
            self.run_seed = self._typical_seed(None if self.interventions else band)
        run = AllianceModel(**self._kwargs(1, self.run_seed))
        for _ in range(replay_to):
            run.step()
        self.run, self.ensemble, self.band = run, ensemble, band
        self.running = run.running
        self._version += 1

    def _typical_seed(self, band: EnsembleSummary | None) -> int | list[int]:
        """The candidate run seed longest inside the band, then closest to the median (cached).

        Chosen on the inputs without interventions, so a shared link that replays them
        restores the run its sender intervened in.

        Args:
            band: The band of the ensemble without interventions, or None to compute it.
        """
        key = repr(self._kwargs(self.band_replicates, interventions=False))
        if key not in _TYPICAL:
            if band is None:
                plain = AllianceModel(**self._kwargs(self.band_replicates, interventions=False))
                plain.run_model()
                band = summarise_ensemble(plain)
            # Longest inside the band (by the least-covered metric: one that moves in steps, as
            # integrity does, can sit near the median and still outside a narrow band) first,
            # then closest to the median.
            ranks = []
            for seed in candidate_seeds(self.seed_used):
                candidate = AllianceModel(
                    **self._kwargs(1, seed, interventions=False), record_members=False
                )
                candidate.run_model()
                trace = candidate.to_frame()
                ranks.append((-months_inside(trace, band), distance_to_median(trace, band)))
            best = min(range(len(ranks)), key=ranks.__getitem__)
            _TYPICAL[key] = candidate_seeds(self.seed_used)[best]
        return _TYPICAL[key]

    # ------------------------------------------------------------------ Mesa interface
    def step(self) -> None:
        """Advance this run by one month (the ensemble is already at the horizon)."""
        with self._lock:
            if self.run.running:
                self.run.step()
            self.running = self.run.running
            self._version += 1

    # ------------------------------------------------------------------ interventions
    @property
    def date(self) -> str:
        """The month on screen, ``YYYY-MM``."""
        return str(self.run.date)

    @property
    def members(self) -> list[str]:
        """Member names in model order."""
        return [m.name for m in self.run.members]

    def can_force(self, member: str, action: str) -> bool:
        """Whether ``action`` changes anything for ``member`` now (the hegemon cannot be forced)."""
        if member not in self.members or member == self.run.hegemon.name:
            return False
        if self.run.date < self.run.clock_start:
            return False  # nothing simulated yet (a run whose clock starts at its start month)
        state = ENGAGEMENT_STATES[self.run.member(member).state[0]]
        return {
            "exit": state != "exited",
            "freeze": state in ("active", "reduced"),
            "rejoin": state in ("frozen", "exited"),
        }[action]

    def intervene(self, member: str, action: str) -> None:
        """Force ``member`` to ``action`` (exit, freeze or rejoin) in the month on screen.

        Both the run and the ensemble are rebuilt with the event and the run is replayed to the
        current month, so the change shows at once and the band reflects it.

        Raises:
            ValueError: For an unknown action, an unknown member or the hegemon, or before the
                run's first month.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; valid: {', '.join(ACTIONS)}")
        if member not in self.members:
            raise ValueError(f"unknown member {member!r}; valid: {', '.join(self.members)}")
        if member == self.run.hegemon.name:
            raise ValueError(f"{member} is the hegemon and cannot be forced to {action}")
        if self.run.date < self.run.clock_start:
            raise ValueError(f"nothing is simulated before {self.run.clock_start}: Step first")
        with self._lock:
            self.interventions.append(
                {
                    "type": action,
                    "date": self.date,
                    "member": member,
                    "note": "intervention from the browser",
                }
            )
            self._build(replay_to=self.run.steps)

    # ------------------------------------------------------------------ reading
    def view(self) -> View:
        """A consistent snapshot of everything the browser draws (cached until the next change)."""
        with self._lock:
            if self._view is not None and self._view[0] == self._version:
                return self._view[1]
            view = self._make_view()
            self._view = (self._version, view)
            return view

    def _make_view(self) -> View:
        run = self.run
        names = self.members
        agents = run.members
        bloc = run.to_frame()
        trace_dates = np.array([np.datetime64(str(d), "M") for d in bloc["date"]])
        frame = run.member_frame()
        t = len(trace_dates)
        trace_loyalty = frame["loyalty"].to_numpy().reshape(t, len(names))
        trace_states = frame["state"].cat.codes.to_numpy().reshape(t, len(names))
        relations = []
        index = run.index
        for a, b, data in run.relations.edges(data=True):
            weight = float(data.get("weight", 0.0))
            if a in index and b in index:
                weight = float(run.affinity[index[a], index[b], 0])
            relations.append((a, b, weight))
        log = [dict(e) for e in run.event_log]
        for event in self.interventions:
            log.append(
                {
                    "date": event["date"],
                    "kind": "intervention",
                    "subject": event["member"],
                    "detail": f"forced to {event['type']}",
                }
            )
        # newest first on screen: an intervention heads its month (it caused what follows)
        log.sort(key=lambda e: (e["date"], e["kind"] == "intervention"))
        markers = [
            {"date": str(d), "label": label}
            for d, label in scenario_markers(self.alliance_scenario)
        ]
        markers += [
            {"date": e["date"], "label": f"you: {e['type']} {e['member']}"}
            for e in self.interventions
        ]
        return View(
            date=str(run.date),
            step=int(run.steps),
            months=run.months,
            start=str(run.start),
            end=str(run.end),
            members=names,
            hegemon=run.hegemon.name,
            states={a.name: ENGAGEMENT_STATES[a.state[0]] for a in agents},
            stances={a.name: war_stance_name(a.stance[0]) for a in agents},
            loyalty={a.name: float(a.loyalty[0]) for a in agents},
            threat={a.name: float(a.threat[0]) for a in agents},
            trust={a.name: float(a.trust[0]) for a in agents},
            capacity=float(run.hegemon.capacity[0]),
            affinity=run.affinity[:, :, 0].copy(),
            relations=relations,
            actor_kinds={n: a.kind for n, a in run.actors_by_name.items()},
            trace_dates=trace_dates,
            trace={k: bloc[k].to_numpy() for k in METRICS},
            trace_loyalty=trace_loyalty,
            trace_states=trace_states,
            ensemble=self.band,
            event_log=log,
            markers=markers,
            running=bool(run.running),
        )


def scenario_names() -> list[str]:
    """Every scenario file found in ``scenarios/`` (names, sorted)."""
    return sorted(list_scenarios())
