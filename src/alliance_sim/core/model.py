"""The alliance model: Mesa 3 model of the Collective Security Treaty Organization.

One step is one month. Each month the events dated to it apply, then every member decides from
last month's snapshot and all apply together (synchronous, order-independent). One model
instance carries ``replicates`` independent runs in lock-step; ``replicates=1`` is an ordinary
Mesa model that ``mesa.batch_run`` and SolaraViz use.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from . import checks, metrics
from . import mechanisms as mech
from . import overrides as override_rules
from .affinity import AffinityTerms, Term
from .agents import Hegemon, MemberState, OutsideActor
from .events import parse_event
from .floats import FLOAT
from .parameters import (
    DEFAULT_MEMBER_AFFINITY,
    ENGAGEMENT_STATES,
    NUMERIC_MEMBER_PARAMETERS,
    PATRONS,
    RELATIONS,
    Param,
    ParameterSet,
    load_parameters,
    relation_name,
    war_stance_name,
)
from .recorder import ArrayRecorder, period_array
from .streams import ReplicateStreams

#: Keyword shortcuts for the parameters analysts move most; they apply from the start month.
KNOBS = {
    "russia_capacity": "russia.capacity",
    "china_pull": "china.pull",
    "turkey_pull": "turkey.pull",
    "west_pull": "west.pull",
    "contagion": "global.contagion",
    "public_pressure_weight": "global.public_pressure_weight",
}


#: Which of the five switching-cost factors (1, one step, two steps, one step down backing the
#: war, two steps down backing it) applies to each rung (rows) from each (rung * 2 + backs the
#: war) pair (columns); see ``mechanisms.switching_discounts``.
_DISCOUNT_INDEX = np.array(
    [
        [0, 0, 1, 1, 2, 2],  # to active: from active, reduced, frozen
        [1, 3, 0, 0, 1, 1],  # to reduced
        [2, 4, 1, 3, 0, 0],  # to frozen
    ],
    dtype=np.intp,
)


def month(value: str | np.datetime64) -> np.datetime64:
    """Parse ``YYYY-MM`` into a numpy month."""
    return np.datetime64(value, "M")


class AllianceModel(mesa.Model):
    """The CSTO as a Mesa model of member states, a hegemon and outside actors.

    Args:
        replicates: Independent replicates carried in lock-step (R).
        months: Months to simulate after ``start`` (the horizon).
        start: First simulated month, ``YYYY-MM``. With ``history`` the clock starts at the
            first documented month (2022-01) and the documented 2022 events are replayed up to
            ``start`` before recording begins.
        seed: Seed for all randomness (an int, or a sequence of ints for sweeps); ``None``
            picks one and stores it in ``self.seed``.
        events: Events (objects or mappings with a ``type``) to apply at their months.
        overrides: Dotted parameter keys mapped to values, applied from the clock start; a key
            the replayed 2022 history sets (``global.war_intensity``) applies from ``start``,
            after the replay. A value may be an array of shape ``(R,)``: one value per
            replicate, so that one model can carry many design points of a sweep. An override
            that would change nothing raises ``ValueError`` saying why
            (:mod:`alliance_sim.core.overrides`).
        history: Replay the documented 2022 events.
        record_members: Record member trajectories (loyalty, threat, trust, state, war stance)
            as well as bloc metrics. Sweeps switch it off to save memory.
        russia_capacity: If given, Russia's capacity at ``start``.
        china_pull: If given, China's pull as a patron from ``start`` on.
        turkey_pull: If given, Turkey's pull from ``start`` on.
        west_pull: If given, the West's pull from ``start`` on.
        contagion: If given, the contagion strength from ``start`` on.
        public_pressure_weight: If given, the weight of public pressure from ``start`` on.
        parameters: A parameter set to use instead of the packaged one.
    """

    def __init__(
        self,
        replicates: int = 1,
        months: int = 36,
        start: str = "2022-10",
        seed: int | Sequence[int] | None = None,
        events: Iterable[Any] = (),
        overrides: Mapping[str, Any] | None = None,
        history: bool = True,
        record_members: bool = True,
        russia_capacity: float | None = None,
        china_pull: float | None = None,
        turkey_pull: float | None = None,
        west_pull: float | None = None,
        contagion: float | None = None,
        public_pressure_weight: float | None = None,
        parameters: ParameterSet | None = None,
    ) -> None:
        params = parameters or load_parameters()
        knob_values = {
            "russia_capacity": russia_capacity,
            "china_pull": china_pull,
            "turkey_pull": turkey_pull,
            "west_pull": west_pull,
            "contagion": contagion,
            "public_pressure_weight": public_pressure_weight,
        }
        events = checks.check_arguments(
            params,
            replicates,
            months,
            start,
            seed,
            events,
            overrides,
            history,
            record_members,
            {KNOBS[k]: (k, v) for k, v in knob_values.items() if v is not None},
        )
        if seed is None:
            seed = secrets.randbits(32)
        entropy = list(seed) if isinstance(seed, Sequence) else int(seed)
        mesa_seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
        super().__init__(rng=mesa_seed)
        if int(replicates) < 1 or int(months) < 1:
            raise ValueError("replicates and months must both be at least 1")
        self.seed = seed
        self.replicates = int(replicates)
        self.months = int(months)
        self.start = month(start)
        overrides = dict(overrides or {})
        events = list(events)
        base = params
        full = base.with_overrides(overrides)
        self.end = checks.last_month(self.start, self.months)
        override_rules.check(
            full,
            overrides,
            start=str(self.start),
            end=str(self.end),
            history=history,
            events=events,
        )
        # Keys the replay sets keep their documented values until the start month.
        replayed = override_rules.history_keys(base, str(self.start)) if history else set()
        self.params = base.with_overrides({k: v for k, v in overrides.items() if k not in replayed})
        history_start = month(self.params.history_start)
        self.clock_start = min(self.start, history_start) if history else self.start
        # Clock month of the run's first month: outcomes (freezes) are counted from it.
        self.start_index = int((self.start - self.clock_start).astype(int))
        self.month_index = -1  # clock months completed before the current one; -1 = none yet
        self.event_log: list[dict[str, Any]] = []
        self.streams = ReplicateStreams(entropy, self.replicates)

        # Read-only zeros shared by terms that are zero everywhere (and ignored requests).
        self.zeros = np.zeros(self.replicates, dtype=FLOAT)
        self.zeros.flags.writeable = False
        self._coercion_scale = None
        self._replicate_index = np.arange(self.replicates)
        self._build_agents()
        self._schedule = self._schedule_events(events, history)

        self.running = True
        while self.clock_start + np.timedelta64(self.month_index + 1, "M") < self.start:
            self._simulate_month()
        # The replay set these keys; the user's value takes over from the start month.
        for key in replayed.intersection(overrides):
            self.set_parameter(key, overrides[key])
        self.params = full
        knobs = {
            key: value
            for key, value in {
                "russia_capacity": russia_capacity,
                "china_pull": china_pull,
                "turkey_pull": turkey_pull,
                "west_pull": west_pull,
                "contagion": contagion,
                "public_pressure_weight": public_pressure_weight,
            }.items()
            if value is not None
        }
        for name, value in knobs.items():
            self.set_parameter(KNOBS[name], value)
        self.recorder = ArrayRecorder(self, record_members=record_members)
        self._record()
        self.datacollector = self._make_datacollector() if self.replicates == 1 else None
        if self.datacollector is not None:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ construction
    def _draw(self, p: Param, uniform: np.ndarray, edited: bool = False) -> np.ndarray:
        if isinstance(p.value, str):
            raise TypeError("categorical parameters are not drawn")
        value = np.asarray(p.value, dtype=FLOAT)
        if value.ndim == 1 and value.shape != (self.replicates,):
            raise ValueError(
                f"a per-replicate override has {value.size} values for {self.replicates} replicates"
            )
        if p.uncertainty == 0:
            # value + 0 * (2u - 1) is value: the draw (still taken) changes nothing. One value
            # for every replicate is a read-only view of R copies (memory), unless the model
            # edits the parameter in place (``edited``).
            if value.ndim == 0 and not edited:
                return np.broadcast_to(np.clip(value, p.low, p.high), (self.replicates,))
            return np.clip(np.broadcast_to(value, (self.replicates,)), p.low, p.high)
        return np.clip(value + p.uncertainty * (2.0 * uniform - 1.0), p.low, p.high)

    def _build_agents(self) -> None:
        ps = self.params
        names = ps.member_names
        self.index = {name: i for i, name in enumerate(names)}
        numeric_globals = [k for k, p in ps.globals.items() if not isinstance(p.value, str)]
        n_draws = len(names) * len(NUMERIC_MEMBER_PARAMETERS) + 2 * len(ps.actors)
        n_draws += len(numeric_globals) + 1 + len(ps.relations_read())
        u = self.streams.uniform_rows(n_draws)
        self.g = {k: self._draw(ps.globals[k], next(u)) for k in numeric_globals}

        self.patron_pull = np.zeros((len(PATRONS), self.replicates), dtype=FLOAT)
        self.actors_by_name: dict[str, OutsideActor] = {}
        for name, entries in ps.actors.items():
            # set_parameter edits an actor's pressure and pull in place
            pressure = self._draw(entries["pressure"], next(u), edited=True)
            pull = self._draw(entries["pull"], next(u), edited=True)
            if name in PATRONS:
                row = self.patron_pull[PATRONS.index(name)]
                row[:] = pull
                pull = row  # the actor's pull is a view on the patron matrix
            actor = OutsideActor(self, name, ps.actor_kinds[name], pressure, pull)
            self.actors_by_name[name] = actor

        self.members: list[MemberState] = []
        for name in names:
            entries = ps.members[name]
            # the hegemon's rewards move a member's affinity in place (AffinityTerms.shift_baseline)
            drawn = {
                k: self._draw(entries[k], next(u), edited=k == "affinity")
                for k in NUMERIC_MEMBER_PARAMETERS
            }
            kwargs = {
                "threat_kind": entries["threat_kind"].value,
                "threat_source": entries["threat_source"].value,
                "initial_state": entries["initial_state"].value,
            }
            if ps.roles[name] == "hegemon":
                capacity = self._draw(entries["capacity"], next(u))
                agent = Hegemon(self, name, drawn, capacity=capacity, **kwargs)
                self.hegemon = agent
            else:
                agent = MemberState(self, name, drawn, **kwargs)
            self.members.append(agent)
        # The relations the model reads, by name (``a-b``): one (R,) draw each, kept only until
        # the relations network and the patrons' usability below are built from them.
        self._relation_draws = {
            name: self._draw(p, next(u)) for name, p in ps.relations_read().items()
        }
        for _ in u:  # every row is drawn, used or not, so later draws stay in step
            pass
        self.member_set = AgentSet(self.members, random=self.random)
        self.founding = np.array([m.state[0] != mech.EXITED for m in self.members])
        self.believers = np.array([m is not self.hegemon for m in self.members])
        # The fixed denominator of integrity and credibility: founding members but the hegemon.
        self.founding_members = self.founding & self.believers
        # int8 like the members' states, so disengagement is computed on bytes.
        self.initial_states = np.array([m.initial_state for m in self.members], dtype=np.int8)[
            :, None
        ]

        self.relations = self._relations_graph()
        m = len(names)
        pairs = {
            (i, j): self._member_relation(a, b)
            for i, a in enumerate(names)
            for j, b in enumerate(names)
            if i != j
        }
        # Pairs drawn per replicate (affinity to the hegemon, sweeps' per-replicate overrides)
        # keep an (R,) baseline; the rest one number each.
        constant = np.zeros((m, m), dtype=FLOAT)
        varying = {}
        for (i, j), value in pairs.items():
            if np.ndim(value):
                varying[i, j] = value
            else:
                constant[i, j] = value
        self._affinity = AffinityTerms(constant, varying, self.replicates)

        self._ladder_shares()
        self.patron_usable = self._patron_usability()
        del self._relation_draws
        self.war_adversaries = {n for n, kind in ps.actor_kinds.items() if kind == "sanctioner"}
        snap = self._snapshot(noise=False)
        for member in self.members:
            if member is not self.hegemon:
                member.loyalty = member.initial_loyalty(snap)

    def _ladder_shares(self) -> None:
        """Guarantee and burden shares of the rungs inside the treaty (``(3, R)`` each).

        Also the switching-cost factors; recomputed whenever a global parameter is set.
        """
        one, zero = np.ones(self.replicates, dtype=FLOAT), np.zeros(self.replicates, dtype=FLOAT)
        self.guarantee_share = np.stack([one, self.g["guarantee_share_reduced"], zero])
        self.burden_share = np.stack([one, self.g["burden_share_reduced"], zero])
        self._guarantee_by_rung = np.vstack([self.guarantee_share, zero[None]])
        # Logit-weight factors of the switching costs (see mechanisms.switching_discounts),
        # recomputed only when a switching cost was set (parameters are replaced, not edited).
        costs = (self.g["move_cost"], self.g["pledge_cost"])
        kept = getattr(self, "_discount_costs", None)
        if kept is None or kept[0] is not costs[0] or kept[1] is not costs[1]:
            self._discount_costs = costs
            self.move_discount = np.exp(-costs[0])
            self.pledge_discount = np.exp(-costs[1])
            # ... for each (rung inside the treaty, backs the war) pair: built on first use.
            self._discount_table = None
        # decision_date * log(decision_multiplier) is that, or zero: the log is taken once.
        self._log_decision_multiplier = np.log(self.g["decision_multiplier"])

    def coercion_scale(self, capacity: np.ndarray) -> np.ndarray:
        """``coercion_weight × capacity``: the members' shared part of the coercion cost.

        See :func:`mechanisms.coercion_cost`; computed once per capacity array.
        """
        weight = self.g["coercion_weight"]
        kept = self._coercion_scale
        if kept is None or kept[0] is not weight or kept[1] is not capacity:
            kept = self._coercion_scale = (weight, capacity, weight * capacity)
        return kept[2]

    def switching_discounts(self, state: np.ndarray, support: np.ndarray) -> np.ndarray:
        """:func:`mechanisms.switching_discounts` for a member on ``state``, shape ``(3, R)``.

        Exited replicates get the frozen rung's factors (their choice is not used). The five
        distinct factors are tabulated when first needed after the switching costs change, so
        a member's are looked up (``_DISCOUNT_INDEX``), not recomputed.
        """
        if self._discount_table is None:
            # The distinct factors, as mechanisms.switching_discounts forms them: 1, one step,
            # two steps, one step down with the pledge, two steps down with it. Shape (5, R).
            move, pledge = self.move_discount, self.pledge_discount
            one = np.ones(self.replicates, dtype=FLOAT)
            two_steps = move * move
            self._discount_table = np.stack(
                [one, move, two_steps, move * pledge, two_steps * pledge * pledge]
            ).reshape(-1)
        pair = np.minimum(state, mech.FROZEN).astype(np.intp)
        pair *= 2
        pair += support
        index = _DISCOUNT_INDEX.take(pair, axis=1)
        index *= self.replicates
        index += self._replicate_index
        return self._discount_table.take(index)

    def guarantee_rung(self, state: np.ndarray) -> np.ndarray:
        """Share of the guarantee a member on ``state`` keeps (exited: none), shape ``(R,)``."""
        return np.take_along_axis(self._guarantee_by_rung, state[None].astype(np.intp), 0)[0]

    def _patron_usability(self) -> list[list[Term]]:
        """How much of each patron's offer each member can use: per member, one term a patron.

        A patron the member is hostile to (the West for Belarus) offers less: an ``(R,)`` array
        of :func:`mechanisms.friendliness` of the relation drawn per replicate. A neutral or
        friendly patron's offer (in every replicate), or one the table does not pair with the
        member, is fully usable: ``1.0``.
        """
        return [
            [self._usability(name, patron) for patron in PATRONS]
            for name in self.params.member_names
        ]

    def _usability(self, member: str, patron: str) -> Term:
        """How much of ``patron``'s offer ``member`` can use (see :meth:`_patron_usability`)."""
        drawn = self._relation_draws.get(relation_name(member, patron))
        return 1.0 if drawn is None else mech.usability(drawn)

    def _set_relation(self, name: str, value: np.ndarray) -> None:
        """Put a relation the model reads at ``value`` (shape ``(R,)``) from now on.

        Between members, the pair's baseline and affinity (for the default, every pair the table
        does not list); between a member and a patron, how much of the offer it can use.
        """
        read = self.params.relations_read()
        if name not in read:
            raise KeyError(f"unknown relation {name!r}; valid: {', '.join(read)}")
        names = self.params.member_names
        if name == DEFAULT_MEMBER_AFFINITY:
            hegemon = self.hegemon.name
            for i, a in enumerate(names):
                for j in range(i + 1, len(names)):
                    b = names[j]
                    if hegemon not in (a, b) and relation_name(a, b) not in read:
                        self._affinity.set_baseline(i, j, value)
            return
        a, b = name.split("-")
        if a in PATRONS or b in PATRONS:
            member, patron = (b, a) if a in PATRONS else (a, b)
            usable = mech.usability(value)
            self.patron_usable[self.index[member]][PATRONS.index(patron)] = usable
        else:
            self._affinity.set_baseline(self.index[a], self.index[b], value)

    def threat_is_war_adversary(self, member: MemberState) -> float:
        """1 if the member's main threat is the hegemon's adversary in the war (the West)."""
        return float(member.threat_source in self.war_adversaries)

    def _member_relation(self, a: str, b: str) -> float | np.ndarray:
        """Baseline affinity between two members.

        Affinity to the hegemon is the member parameter ``affinity`` as drawn for each replicate
        (an ``(R,)`` array): the relations network holds it, and the member's payoffs read it
        from there. Other pairs come from the relations table (or the default for members).
        """
        ps = self.params
        if ps.hegemon in (a, b):
            other = b if a == ps.hegemon else a
            return self.member(other).params["affinity"]
        drawn = self._relation_draws
        return drawn.get(relation_name(a, b), drawn[DEFAULT_MEMBER_AFFINITY])

    def _relations_graph(self) -> nx.Graph:
        """Weighted relations network among members and outside actors (baseline values)."""
        ps = self.params
        graph = nx.Graph()
        for name in ps.member_names:
            graph.add_node(name, kind="hegemon" if name == ps.hegemon else "member")
        for name, kind in ps.actor_kinds.items():
            graph.add_node(name, kind=kind)
        members = ps.member_names
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                graph.add_edge(a, b, weight=float(np.mean(self._member_relation(a, b))))
        for pair, p in ps.relations.items():
            a, b = sorted(pair)
            graph.add_edge(a, b, weight=float(np.mean(p.value)))
        return graph

    def _schedule_events(self, events: Iterable[Any], history: bool) -> dict[int, list]:
        schedule: dict[int, list] = {}
        if history:
            for entry in self.params.history:
                event = parse_event(entry)
                when = month(event.date)
                if self.clock_start <= when <= self.end:
                    schedule.setdefault(int((when - self.clock_start).astype(int)), []).append(
                        event
                    )
        for entry in events:
            event = parse_event(entry) if isinstance(entry, Mapping) else entry
            when = month(event.date)
            if not self.clock_start <= when <= self.end:
                raise ValueError(
                    f"{event.type} event dated {event.date} lies outside the run "
                    f"({self.clock_start} to {self.end})"
                )
            for name in event.members_named():
                self._entity(name)
            for key in event.sizes_named():
                self.size(key)
            if event.type == "set_parameter":
                unread = override_rules.unread_relation(self.params, event.key)
                if unread is not None:
                    raise ValueError(unread)
            schedule.setdefault(int((when - self.clock_start).astype(int)), []).append(event)
        return schedule

    def _make_datacollector(self) -> mesa.DataCollector:
        agent_reporters = {
            "member": "name",
            "loyalty": lambda a: float(a.loyalty[0]),
            "threat": lambda a: float(a.threat[0]),
            "trust": lambda a: float(a.trust[0]),
            "state": lambda a: ENGAGEMENT_STATES[a.state[0]],
            "stance": lambda a: war_stance_name(a.stance[0]),
        }
        return mesa.DataCollector(
            model_reporters={
                "date": lambda m: str(m.date),
                **{k: (lambda m, k=k: float(m.metrics[k][0])) for k in ArrayRecorder.BLOC},
            },
            agenttype_reporters={MemberState: agent_reporters, Hegemon: agent_reporters},
        )

    # ------------------------------------------------------------------ lookups
    @property
    def date(self) -> np.datetime64:
        """The last completed month (the month the current state describes)."""
        return self.clock_start + np.timedelta64(self.month_index, "M")

    def member(self, name: str) -> MemberState:
        """The member agent called ``name``."""
        if name not in self.index:
            raise KeyError(f"unknown member {name!r}; valid: {', '.join(self.index)}")
        return self.members[self.index[name]]

    def actor(self, name: str) -> OutsideActor | MemberState:
        """The outside actor called ``name`` (members are accepted too)."""
        if name in self.actors_by_name:
            return self.actors_by_name[name]
        return self.member(name)

    def _entity(self, name: str) -> OutsideActor | MemberState:
        if name in self.actors_by_name or name in self.index:
            return self.actor(name)
        valid = [*self.index, *self.actors_by_name]
        raise KeyError(f"unknown state {name!r}; valid: {', '.join(valid)}")

    # ------------------------------------------------------------------ dynamics
    @property
    def affinity(self) -> np.ndarray:
        """Relations among members, shape ``(M, M, R)`` in [-1, 1], symmetric, zero diagonal.

        Change single pairs in place and report them with :meth:`affinity_changed` (as events
        do), or assign a whole new array.
        """
        return self._affinity.values

    @affinity.setter
    def affinity(self, value: np.ndarray) -> None:
        self._affinity.set(value)

    @property
    def affinity_baseline(self) -> np.ndarray:
        """The baseline :attr:`affinity` relaxes towards, as a new ``(M, M, R)`` array."""
        return self._affinity.baseline

    def shift_hegemon_affinity(self, member: MemberState, delta: np.ndarray) -> None:
        """Move ``member``'s affinity to the hegemon, and the baseline it relaxes to, by ``delta``.

        A lasting change (the hegemon honours the member); values stay in [-1, 1].
        """
        self._affinity.shift_baseline(self.index[member.name], self.index[self.hegemon.name], delta)

    def affinity_changed(self, i: int, j: int) -> None:
        """Note that the pair ``(i, j)`` of :attr:`affinity` was changed in place.

        Pairs at their baseline stay there, so only changed pairs are relaxed each month and
        only their derived terms are recomputed (see :mod:`alliance_sim.core.affinity`).
        """
        self._affinity.changed(i, j)

    def _snapshot(self, noise: bool = True) -> dict[str, np.ndarray]:
        states = np.stack([m.state for m in self.members])
        disengagement = np.clip(states - self.initial_states, 0, 3) / FLOAT(3.0)
        moved = (states > self.initial_states).any(axis=1)
        calendar_month = int(self.date.astype(int) % 12) + 1
        decision_date = (calendar_month == self.g["decision_month"]).astype(FLOAT)
        return {
            "capacity": self.hegemon.capacity,
            "affinity": self.affinity,
            "disengagement": disengagement,
            "contagion": self._affinity.contagion(disengagement, moved),
            "decision_date": decision_date,
            # decision_date × log(multiplier), or None when no replicate is at a decision date.
            "decision_shift": (
                decision_date * self._log_decision_multiplier if decision_date.any() else None
            ),
            # Per member: the rung draw, the exit draw and the stance draw.
            "uniform": self.streams.uniform(len(self.members), 3) if noise else None,
            "noise": self.streams.normal() if noise else None,
        }

    def _simulate_month(self) -> None:
        """Apply this month's events, then the synchronous decide/advance of every member."""
        self.month_index += 1
        for event in self._schedule.get(self.month_index, ()):
            event.apply(self)
        self.hegemon.act()
        self.snapshot = self._snapshot()
        self.member_set.do("decide")
        self.member_set.do("advance")
        self._affinity.relax(self.g["affinity_recovery"])

    def step(self) -> None:
        """Simulate one month and record it."""
        self._simulate_month()
        self._record()
        if self.datacollector is not None:
            self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False

    def _record(self) -> None:
        """Compute this month's metrics and store them (and member state) in the recorder."""
        stacks = self._member_stacks()
        self.metrics = self._compute_metrics(stacks)
        self.recorder.record(stacks)

    def _member_stacks(self) -> dict[str, np.ndarray]:
        """Members' state, loyalty, trust (and threat and stance if recorded), ``(M, R)`` arrays."""
        members = self.members
        stacks = {
            "state": np.stack([m.state for m in members]),
            "loyalty": np.stack([m.loyalty for m in members]),
            "trust": np.stack([m.trust for m in members]),
        }
        if self.recorder.record_members:
            stacks["threat"] = np.stack([m.threat for m in members])
            stacks["stance"] = np.stack([m.stance for m in members])
        return stacks

    def _compute_metrics(self, stacks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        states = stacks["state"]
        capacity = self.hegemon.capacity
        engaged = metrics.engagement(
            states, self.g["integrity_weight_reduced"], self.g["integrity_weight_frozen"]
        )
        cohesion, cohesion_remaining = self._affinity.cohesion(
            stacks["loyalty"], states, self.founding
        )
        commitment = np.stack([m.params["commitment"] for m in self.members])
        chance = metrics.help_chance(
            stacks["trust"], capacity, commitment, states, self.g["guarantee_share_reduced"]
        )
        return {
            "integrity": metrics.integrity(engaged, self.founding_members),
            "cohesion": cohesion,
            "cohesion_remaining": cohesion_remaining,
            "credibility": metrics.credibility(chance, self.founding_members),
            "credibility_remaining": metrics.credibility_remaining(chance, states, self.believers),
            "capacity": capacity.copy(),
        }

    # ------------------------------------------------------------------ event effects
    def log_event(self, kind: str, subject: str, detail: str) -> None:
        """Append to this run's dated event log (replicate 0 describes 'this run')."""
        self.event_log.append(
            {
                "date": str(self.date),
                "kind": kind,
                "subject": subject,
                "detail": detail,
            }
        )

    def size(self, value: float | str) -> float | np.ndarray:
        """An event's size: a number, or a ``global.name`` reference read from the table."""
        if not isinstance(value, str):
            return float(value)
        name = value.removeprefix("global.")
        if name not in self.g:
            raise KeyError(f"unknown global parameter {name!r}; valid: {', '.join(self.g)}")
        return self.g[name]

    def set_parameter(self, key: str, value: float | np.ndarray) -> None:
        """Set a parameter from now on (dotted key, e.g. ``china.pull``).

        Args:
            key: The dotted key.
            value: One value for every replicate, or an array of shape ``(R,)``.
        """
        entity, _, name = key.partition(".")
        per_replicate = np.ndim(value) > 0
        value = np.broadcast_to(np.asarray(value, dtype=FLOAT), (self.replicates,)).copy()
        if entity == "global":
            if name not in self.g:
                raise KeyError(f"unknown global parameter {name!r}; valid: {', '.join(self.g)}")
            self.g[name] = value
            self._ladder_shares()
        elif entity == RELATIONS:
            self._set_relation(name, value)
        elif entity in self.actors_by_name:
            actor = self.actors_by_name[entity]
            if name not in ("pull", "pressure"):
                raise KeyError(f"unknown parameter {name!r} of {entity}; valid: pull, pressure")
            getattr(actor, name)[:] = value
        else:
            member = self.member(entity)
            if name == "capacity" and member is self.hegemon:
                member.capacity = value
            elif name.startswith("access_") and name[7:] in PATRONS:
                member.access[PATRONS.index(name[7:])] = value
            elif name == "threat_baseline":
                member.threat_baseline = value
            elif name == "affinity" and member is not self.hegemon:
                # Stored once: the member's entry in the relations network, and its baseline.
                member.params[name] = value
                self._affinity.set_baseline(
                    self.index[entity], self.index[self.hegemon.name], value
                )
            elif name in member.params:
                member.params[name] = value
            else:
                valid = ", ".join(sorted({*member.params, "capacity"}))
                raise KeyError(f"unknown parameter {name!r} of {entity}; valid: {valid}")
        self.log_event(
            "set_parameter", key, "per replicate" if per_replicate else f"= {value[0]:g}"
        )

    # ------------------------------------------------------------------ results
    def to_frame(self) -> pd.DataFrame:
        """Bloc metrics as a tidy frame.

        Columns: date, replicate, integrity, cohesion, cohesion_remaining, credibility,
        credibility_remaining, capacity.

        For R=1 the frame comes from Mesa's DataCollector, otherwise from the array recorder;
        both have the same columns.
        """
        if self.datacollector is not None:
            frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
            frame.insert(1, "replicate", 0)
            frame["date"] = pd.PeriodIndex(frame["date"], freq="M")
            # The collector holds Python floats; the values are the model's float32 ones.
            metrics = list(ArrayRecorder.BLOC)
            frame[metrics] = frame[metrics].astype(FLOAT)
            return frame
        return self.recorder.bloc_frame()

    def member_frame(self) -> pd.DataFrame:
        """Member trajectories: date, replicate, member, loyalty, threat, trust, state, stance."""
        return self.recorder.member_frame()

    def outcomes(self) -> pd.DataFrame:
        """Per replicate and member: first month frozen from the start, and exit month; or NaT.

        Freezes in the history replayed before ``start`` are the run's starting point, not its
        outcomes: a member frozen then counts only if it is still frozen in the first month.
        """
        names = [m.name for m in self.members]
        return pd.DataFrame(
            {
                "replicate": np.tile(np.arange(self.replicates), len(names)),
                "member": pd.Categorical(np.repeat(names, self.replicates), categories=names),
                "freeze_date": period_array(
                    self.clock_start, np.concatenate([m.freeze_month for m in self.members])
                ),
                "exit_date": period_array(
                    self.clock_start, np.concatenate([m.exit_month for m in self.members])
                ),
            }
        )

    def final(self) -> pd.DataFrame:
        """End-of-run bloc metrics, one row per replicate."""
        return self.recorder.final_frame()
