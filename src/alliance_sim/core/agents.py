"""Agents of the alliance model: member states, the hegemon, and outside actors.

Every state variable is a numpy array of shape ``(R,)``, one entry per replicate, and every rule
is written with numpy so one agent carries a whole ensemble in lock-step. Updates are
synchronous: ``decide`` reads only last month's snapshot (``model.snapshot``) and the agent's own
state and stores the result; ``advance`` applies it once every member has decided.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa
import numpy as np

from . import mechanisms as mech
from .parameters import ENGAGEMENT_STATES, PATRONS, THREAT_KINDS

if TYPE_CHECKING:
    from .model import AllianceModel


class _AgentIdCounters(weakref.WeakKeyDictionary):
    """Per-model counters of agent ids that, unlike Mesa 3.3's, do not keep models alive.

    In Mesa 3.3, ``mesa.Agent._ids`` is a class-level ``defaultdict`` keyed by the model, so every
    model ever built stays in memory (mesa issue #3179). A sweep that runs thousands of models in
    one process would grow without bound. This mapping holds models weakly and numbers agents
    exactly as Mesa does (1, 2, ... per model, in creation order). Mesa 3.5 numbers agents with a
    counter on the model itself (no ``Agent._ids``), so there Mesa's own numbering is used.
    """

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


_AGENT_IDS = _AgentIdCounters()
#: Whether this Mesa keeps the leaking class-level registry (Mesa 3.3) that we replace.
_MESA_LEAKS_AGENT_IDS = hasattr(mesa.Agent, "_ids")


class OutsideActor(mesa.Agent):
    """A state outside the bloc that threatens members or offers them an alternative.

    Attributes:
        name: Lower-case name (``azerbaijan``, ``china``, ``turkey``, ``west``).
        kind: ``threat``, ``patron`` or ``sanctioner``.
        pressure: Threat it poses to the members whose main threat it is, shape ``(R,)``.
        pull: Attraction as an alternative patron, shape ``(R,)``.
    """

    if _MESA_LEAKS_AGENT_IDS:
        _ids = _AGENT_IDS

    def __init__(
        self, model: AllianceModel, name: str, kind: str, pressure: np.ndarray, pull: np.ndarray
    ) -> None:
        super().__init__(model)
        self.name = name
        self.kind = kind
        self.pressure = pressure
        self.pull = pull


class MemberState(mesa.Agent):
    """A member state of the bloc (or a former member that may rejoin).

    Attributes:
        name: Lower-case name.
        params: Drawn parameters, each an array of shape ``(R,)``.
        threat_kind: Index into ``THREAT_KINDS``: external, intra, hegemon or none.
        threat_source: Name of the actor or member that is its main threat.
        loyalty: Disposition to stay engaged, in [0, 1].
        threat: Perceived level of its main threat, in [0, 1].
        threat_baseline: Level the threat relaxes to after shocks.
        pressure: Public pressure against the bloc, in [0, 1].
        trust_alpha: Beta-belief successes (answered requests, prior included).
        trust_beta: Beta-belief failures.
        state: Rung on the engagement ladder (0 active … 3 exited), int8.
        locked: Whether a forced exit or freeze holds the state.
        freeze_month: Clock month it first froze, or -1.
        exit_month: Clock month it exited, or -1.
    """

    if _MESA_LEAKS_AGENT_IDS:
        _ids = _AGENT_IDS

    def __init__(
        self,
        model: AllianceModel,
        name: str,
        params: dict[str, np.ndarray],
        threat_kind: str,
        threat_source: str,
        initial_state: str,
    ) -> None:
        super().__init__(model)
        r = model.replicates
        self.name = name
        self.params = params
        self.threat_kind = THREAT_KINDS.index(threat_kind)
        self.threat_source = threat_source
        self.access = np.stack([params[f"access_{p}"] for p in PATRONS])
        self.threat_baseline = params["threat_baseline"].copy()
        self.threat = self.threat_baseline.copy()
        self.pressure = np.zeros(r)
        strength = params["prior_strength"]
        self.prior_alpha = params["prior_trust"] * strength
        self.prior_beta = (1.0 - params["prior_trust"]) * strength
        self.trust_alpha = self.prior_alpha.copy()
        self.trust_beta = self.prior_beta.copy()
        self.initial_state = ENGAGEMENT_STATES.index(initial_state)
        self.state = np.full(r, self.initial_state, dtype=np.int8)
        self.locked = np.zeros(r, dtype=bool)
        self.freeze_month = np.full(r, -1, dtype=np.int32)
        self.exit_month = np.full(r, -1, dtype=np.int32)
        self.loyalty = np.zeros(r)
        self._next: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ derived quantities
    @property
    def trust(self) -> np.ndarray:
        """Mean of the Beta belief that the collective-defence promise is kept."""
        return self.trust_alpha / (self.trust_alpha + self.trust_beta)

    def current_threat_baseline(self) -> np.ndarray:
        """Baseline threat: the source actor's pressure for an external threat, else its own."""
        if self.threat_kind == mech.EXTERNAL:
            return self.model.actor(self.threat_source).pressure
        return self.threat_baseline

    def outside_option(self) -> np.ndarray:
        """Best alternative patron on offer (``access × pull``, maximised over patrons)."""
        return mech.outside_option(self.access, self.model.patron_pull)

    def loyalty_target(
        self, snap: dict[str, np.ndarray], outside: np.ndarray | None = None
    ) -> np.ndarray:
        """Loyalty this member would settle at under the conditions in ``snap``.

        Args:
            snap: Last month's snapshot (``model.snapshot``).
            outside: This month's :meth:`outside_option`, if already computed.
        """
        g, p = self.model.g, self.params
        capacity = snap["capacity"]
        trust = self.trust
        if outside is None:
            outside = self.outside_option()
        protection = mech.protection_value(self.threat, trust, capacity, self.threat_kind)
        dilemma = mech.alliance_dilemma(
            mech.abandonment_fear(self.threat, trust),
            mech.entrapment_fear(g["war_intensity"], p["entrapment_sensitivity"]),
            outside,
            g["abandonment_weight"],
            g["entrapment_weight"],
        )
        # The model computes every member's contagion exposure once per snapshot.
        contagion = snap["contagion"][self.model.index[self.name]]
        return mech.loyalty_target(
            base=g["base_loyalty"],
            affinity_term=g["affinity_weight"] * p["affinity"],
            protection_term=g["protection_weight"] * protection,
            regime_term=g["regime_weight"] * p["regime_security"] * capacity * trust,
            dilemma_term=dilemma,
            pressure_term=g["public_pressure_weight"] * p["public_sensitivity"] * self.pressure,
            contagion_term=g["contagion"] * contagion,
        )

    def can_exit(self, capacity: np.ndarray, outside: np.ndarray | None = None) -> np.ndarray:
        """Whether leaving is possible: a real alternative that beats the cost of exit.

        Args:
            capacity: The hegemon's capacity.
            outside: This month's :meth:`outside_option`, if already computed.
        """
        p = self.params
        cost = mech.exit_cost(
            p["dependence"], p["coercion_exposure"], capacity, self.threat, p["deterrence_loss"]
        )
        if outside is None:
            outside = self.outside_option()
        return mech.has_real_alternative(outside, cost, self.model.g["min_alternative"])

    # ------------------------------------------------------------------ monthly update
    def decide(self) -> None:
        """Choose next month's loyalty and rung from last month's snapshot (no state change)."""
        snap, g = self.model.snapshot, self.model.g
        noise = snap["noise"][self.model.index[self.name]]
        outside = self.outside_option()
        loyalty = mech.loyalty_step(
            self.loyalty,
            self.loyalty_target(snap, outside),
            g["loyalty_rate"],
            g["loyalty_noise"],
            noise,
        )
        if (self.state == mech.EXITED).all():
            # Exit is absorbing (only a rejoin event undoes it): the ladder cannot move.
            state = self.state
        else:
            state = mech.engagement_step(
                self.state,
                loyalty,
                self.can_exit(snap["capacity"], outside),
                (g["reduce_threshold"], g["freeze_threshold"], g["exit_threshold"]),
                g["hysteresis"],
            )
            state = np.where(self.locked, self.state, state)
        self._next = {"loyalty": loyalty, "state": state}

    def advance(self) -> None:
        """Apply the decision and let pressure, threat and old evidence fade."""
        g = self.model.g
        self.loyalty = self._next["loyalty"]
        self._set_state(self._next["state"].astype(np.int8))
        self.pressure = self.pressure * g["pressure_decay"]
        self.threat = mech.relax_towards(
            self.threat, self.current_threat_baseline(), g["threat_relaxation"]
        )
        self.trust_alpha, self.trust_beta = mech.beta_relax(
            self.trust_alpha, self.trust_beta, self.prior_alpha, self.prior_beta, g["trust_memory"]
        )

    # ------------------------------------------------------------------ events
    def _set_state(self, state: np.ndarray) -> None:
        month = self.model.month_index
        newly_frozen = (state == mech.FROZEN) & (self.freeze_month < 0)
        newly_exited = (state == mech.EXITED) & (self.state != mech.EXITED)
        self.freeze_month = np.where(newly_frozen, month, self.freeze_month)
        self.exit_month = np.where(newly_exited, month, self.exit_month)
        if state[0] != self.state[0]:
            self.model.log_event(
                "state_change",
                self.name,
                f"{ENGAGEMENT_STATES[self.state[0]]} → {ENGAGEMENT_STATES[state[0]]}",
            )
        self.state = state

    def force_state(self, state: int) -> None:
        """Put the member on a rung in every replicate and hold it there."""
        if self.model.hegemon is self:
            raise ValueError(f"{self.name} is the hegemon and cannot be forced to leave or freeze")
        self._set_state(np.full_like(self.state, state))
        self.locked[:] = True

    def rejoin(self) -> None:
        """Return to active participation, with loyalty high enough not to slip back at once."""
        g = self.model.g
        self.locked[:] = False
        self.loyalty = np.maximum(self.loyalty, g["reduce_threshold"] + g["hysteresis"])
        self._set_state(np.zeros_like(self.state))

    def shift_threat(self, delta: float, lasting: bool = False) -> None:
        """Raise (or lower) the perceived main threat; ``lasting`` moves its baseline too."""
        self.threat = np.clip(self.threat + delta, 0.0, 1.0)
        if lasting:
            self.threat_baseline = np.clip(self.threat_baseline + delta, 0.0, 1.0)

    def observe_request(self, answered: np.ndarray, weight: np.ndarray) -> None:
        """Update the Beta belief with an answered (1) or ignored (0) request for help."""
        self.trust_alpha, self.trust_beta = mech.beta_observe(
            self.trust_alpha, self.trust_beta, answered, weight
        )


class Hegemon(MemberState):
    """Russia: a member whose loyalty is fixed, and the bloc's patron.

    It answers (or ignores) requests for help, rewards favourites, and its capacity to protect
    and to punish follows the war: a bounded random walk with a drift that scenarios set.

    Attributes:
        capacity: Capacity to protect and punish, in [0.05, 1], shape ``(R,)``.
    """

    def __init__(self, *args, capacity: np.ndarray, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity
        self.loyalty = np.ones(self.model.replicates)

    def answers(self, member: MemberState) -> np.ndarray:
        """Whether the hegemon answers ``member``'s request, drawn per replicate (0 or 1)."""
        probability = mech.answer_probability(self.capacity, member.params["priority"])
        return (self.model.streams.uniform() < probability).astype(float)

    def decide(self) -> None:
        """Next month's capacity; the hegemon's own loyalty and rung do not change."""
        g, snap = self.model.g, self.model.snapshot
        capacity = mech.capacity_step(
            self.capacity, g["capacity_drift"], g["capacity_volatility"], snap["noise"][-1]
        )
        self._next = {"capacity": capacity}

    def advance(self) -> None:
        """Apply the new capacity."""
        self.capacity = self._next["capacity"]
