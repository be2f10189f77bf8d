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
from .events import reward_effect
from .floats import FLOAT
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

    Each month it chooses its rung on the engagement ladder and its stance on the hegemon's war
    by random-utility rules (see :meth:`decide` and docs/model.md).

    Attributes:
        name: Lower-case name.
        params: Drawn parameters, each an array of shape ``(R,)``. The dict passed in is this
            member's own: its ``access_*`` entries become views of the rows of ``access``.
        threat_kind: Index into ``THREAT_KINDS``: external, intra, hegemon or none.
        threat_source: Name of the actor or member that is its main threat.
        loyalty: Disposition to take part: the participation its choice probabilities would give
            if moving were free, in [0, 1].
        exit_probability: This month's chance of leaving the treaty (0 once out).
        threat: Perceived level of its main threat, in [0, 1].
        threat_baseline: Level the threat relaxes to after shocks.
        pressure: Public pressure against the bloc, in [0, 1].
        trust_alpha: Beta-belief successes (answered requests, prior included).
        trust_beta: Beta-belief failures.
        state: Rung on the engagement ladder (0 active … 3 exited), int8.
        stance: Stance on the hegemon's war: -1 none (no war yet), 0 neutral, 1 support; int8.
            A member outside the treaty takes one too (Uzbekistan); the hegemon never does.
        locked: Whether a forced exit or freeze holds the state.
        freeze_month: Clock month it was first frozen from the run's start on, or -1.
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
        # The parameters are views of the stacked rows: one copy in memory, and an edit of one
        # is seen by both.
        params.update({f"access_{p}": row for p, row in zip(PATRONS, self.access, strict=True)})
        self.threat_baseline = params["threat_baseline"]  # replaced, never edited in place
        self._lasting_shift: np.ndarray | None = None  # external threats' lasting shifts
        # An external threat starts where it relaxes to: its source actor's pressure.
        self.threat = self.current_threat_baseline().copy()
        self.pressure = np.zeros(r, dtype=FLOAT)
        strength = params["prior_strength"]
        self.prior_alpha = params["prior_trust"] * strength
        self.prior_beta = (1.0 - params["prior_trust"]) * strength
        self.trust_alpha = self.prior_alpha.copy()
        self.trust_beta = self.prior_beta.copy()
        self.initial_state = ENGAGEMENT_STATES.index(initial_state)
        self.state = np.full(r, self.initial_state, dtype=np.int8)
        self.stance = np.full(r, mech.NO_STANCE, dtype=np.int8)
        self.locked = np.zeros(r, dtype=bool)
        self.freeze_month = np.full(r, -1, dtype=np.int32)
        self.exit_month = np.full(r, -1, dtype=np.int32)
        self.loyalty = np.zeros(r, dtype=FLOAT)
        self.exit_probability = np.zeros(r, dtype=FLOAT)
        self._next: dict[str, np.ndarray] = {}
        self._trust: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ derived quantities
    @property
    def trust(self) -> np.ndarray:
        """Mean of the Beta belief that the collective-defence promise is kept.

        Kept while ``trust_alpha`` and ``trust_beta`` are the same arrays (updates replace
        them, never write in place): the month's payoffs read it again after it was recorded.
        """
        alpha, beta = self.trust_alpha, self.trust_beta
        kept = self._trust
        if kept is None or kept[0] is not alpha or kept[1] is not beta:
            kept = self._trust = (alpha, beta, alpha / (alpha + beta))
        return kept[2]

    @property
    def affinity(self) -> np.ndarray:
        """Affinity to the hegemon: this member's entry in the relations network (stored once).

        Its baseline is the member parameter ``affinity`` as drawn; the hegemon's rewards move
        both (:meth:`AllianceModel.shift_hegemon_affinity`).
        """
        model = self.model
        if self is model.hegemon:
            return self.params["affinity"]
        return model.affinity[model.index[self.name], model.index[model.hegemon.name]]

    def current_threat_baseline(self) -> np.ndarray:
        """Baseline threat: the source actor's pressure for an external threat, else its own.

        A lasting threat shift moves an external threat's baseline too: by an offset on top of
        the source's pressure (kept in [0, 1]).
        """
        if self.threat_kind == mech.EXTERNAL:
            pressure = self.model.actor(self.threat_source).pressure
            if self._lasting_shift is None:
                return pressure
            return np.clip(pressure + self._lasting_shift, 0.0, 1.0)
        return self.threat_baseline

    def outside_option(self) -> np.ndarray:
        """Best alternative patron on offer: ``access × pull``, less from a hostile patron."""
        model = self.model
        usable = model.patron_usable[model.index[self.name]]
        return mech.outside_option(self.access, model.patron_pull, usable)

    def payoffs(self, snap: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The terms of this member's choice under the conditions in ``snap``, one per mechanism.

        Terms that are zero for this member's kind of threat are not added.

        Returns:
            ``bloc`` (value of the guarantee and alignment), ``outside`` (outside option less
            the hegemon's coercion), ``burden`` (entrapment, public anger, contagion) and the
            parts they are made of.
        """
        model, g, p = self.model, self.model.g, self.params
        capacity = snap["capacity"]
        outside = self.outside_option()
        help_expected = mech.expected_help(self.trust, capacity)
        regime = g["regime_weight"] * p["regime_security"]
        if self.threat_kind in (mech.EXTERNAL, mech.INTRA):
            guarantee = g["threat_weight"] * self.threat
            guarantee += regime
            guarantee *= help_expected
        else:  # mech.guarantee_value with nothing protected: help × (0 + regime)
            guarantee = help_expected * regime
        if self.threat_kind == mech.HEGEMON:
            hegemon = mech.hegemon_threat_value(
                self.threat,
                self.threat_kind,
                capacity,
                outside,
                g["real_alternative"],
                g["threat_weight"],
            )
            bloc = guarantee + hegemon
        else:
            hegemon = model.zeros
            bloc = guarantee.copy()
        alignment = g["align_weight"] * self.affinity
        bloc += alignment
        entrapment = mech.entrapment_cost(
            g["war_intensity"], p["entrapment_sensitivity"], g["entrapment_weight"]
        )
        anger = g["public_pressure_weight"] * p["public_sensitivity"]
        anger *= self.pressure
        # The model computes every member's contagion exposure once per snapshot.
        contagion = g["contagion"] * snap["contagion"][model.index[self.name]]
        coercion = model.coercion_scale(capacity) * p["dependence"]
        outside_value = g["outside_weight"] * outside
        outside_value -= coercion
        burden = entrapment + anger
        burden += contagion
        return {
            "guarantee": guarantee,
            "hegemon_threat": hegemon,
            "alignment": alignment,
            "entrapment": entrapment,
            "anger": anger,
            "contagion": contagion,
            "outside_option": outside,
            "coercion": coercion,
            "bloc": bloc,
            "outside": outside_value,
            "burden": burden,
        }

    # ------------------------------------------------------------------ monthly update
    def decide(self) -> None:
        """Choose next month's rung and war stance from last month's snapshot (no state change).

        Rung: a nested logit. The upper nest weighs leaving the treaty against the best rung
        inside it; inside, the member picks active, reduced or frozen by a multinomial logit
        with switching costs. Stance: a binary logit between neutral and support once there
        is a war. Exit is absorbing (only a rejoin event undoes it); locked members keep their
        forced rung.

        The arithmetic is that of the functions in :mod:`~alliance_sim.core.mechanisms`, in the
        same order (so the same numbers), with work whose result is known skipped: a member out
        of the treaty in every replicate draws no rung and has no exit hazard.
        """
        model, snap, g = self.model, self.model.snapshot, self.model.g
        u = snap["uniform"][model.index[self.name]]
        terms = self.payoffs(snap)
        state = self.state
        out = state == mech.EXITED
        all_out = out.all()
        values = self._rung_values(terms)
        free = mech.logit_weights(values, out=values)
        if all_out:
            # Out everywhere: the state stays, the hazard is 0 (the draws are still taken).
            next_state = state.copy()
            exit_probability = np.zeros(model.replicates, dtype=FLOAT)
        else:
            support = self.stance == mech.SUPPORT
            weights = free * model.switching_discounts(state, support)
            total = weights.sum(axis=0)
            rung = mech.draw_choice(weights, u[0], total)
            log_odds = mech.exit_log_odds(
                terms["outside"] - g["pledge_cost"] * support,
                np.log(total),
                g["exit_precision"],
                g["exit_barrier"],
                snap["decision_date"],
                g["decision_multiplier"],
                decision_shift=snap["decision_shift"],
            )
            exit_probability = mech.logistic(log_odds)
            if out.any():
                exit_probability = np.where(out, 0.0, exit_probability)
            leaves = u[1] < exit_probability
            next_state = np.where(leaves, np.int8(mech.EXITED), rung)
            held = self.locked | out
            if held.any():
                next_state = np.where(held, state, next_state)
        self._next = {
            "state": next_state,
            "stance": self._choose_stance(terms, u[2]),
            "loyalty": mech.expected_participation(free, g["burden_share_reduced"]),
            "exit_probability": exit_probability,
        }

    def initial_loyalty(self, snap: dict[str, np.ndarray]) -> np.ndarray:
        """The disposition under the conditions in ``snap`` (used at initialisation)."""
        values = self._rung_values(self.payoffs(snap))
        share = self.model.g["burden_share_reduced"]
        return mech.expected_participation(mech.logit_weights(values), share)

    def _rung_values(self, terms: dict[str, np.ndarray]) -> np.ndarray:
        """The values of the three rungs, shape ``(3, R)``, from this month's payoff terms."""
        g = self.model.g
        return mech.rung_values(
            terms["bloc"],
            terms["outside"],
            terms["burden"],
            g["guarantee_share_reduced"],
            g["burden_share_reduced"],
        )

    def _choose_stance(self, terms: dict[str, np.ndarray], uniform: np.ndarray) -> np.ndarray:
        """Support or stay neutral in the hegemon's war (hedging), once there is one."""
        g, model = self.model.g, self.model
        at_war = g["war_intensity"] > 0
        if not at_war.any():
            return np.full(model.replicates, mech.NO_STANCE, dtype=np.int8)
        # threat_weight × threat × (1 if the threat is the war adversary, else 0), skipping the
        # product with 1 and the sum with 0.
        balancing = (
            g["threat_weight"] * self.threat if model.threat_is_war_adversary(self) else None
        )
        value = mech.stance_utility_from_alignment(
            terms["alignment"], balancing, terms["entrapment"], g["stance_cost"]
        )
        # Changing a public stance costs the same audience cost as any public move.
        log_odds = g["stance_precision"] * value
        if (self.stance != mech.NO_STANCE).any():
            log_odds += g["move_cost"] * mech.STANCE_SIGN.take(self.stance)
        supports = uniform < mech.logistic(log_odds)
        if at_war.all():
            return supports.view(np.int8)  # SUPPORT is 1, NEUTRAL 0
        stance = np.where(supports, mech.SUPPORT, mech.NEUTRAL)
        return np.where(at_war, stance, mech.NO_STANCE).astype(np.int8)

    def advance(self) -> None:
        """Apply the decision and let pressure, threat and old evidence fade."""
        g = self.model.g
        self.loyalty = self._next["loyalty"]
        self.exit_probability = self._next["exit_probability"]
        self.stance = self._next["stance"]
        self._set_state(self._next["state"])
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
        frozen = state == mech.FROZEN
        # A freeze in the replayed history is the run's starting point, not an outcome of it; a
        # member still frozen in the first month counts from that month.
        if month >= self.model.start_index and frozen.any():
            newly_frozen = frozen & (self.freeze_month < 0)
            if newly_frozen.any():
                self.freeze_month = np.where(newly_frozen, month, self.freeze_month)
        exited = state == mech.EXITED
        if exited.any():
            newly_exited = exited & (self.state != mech.EXITED)
            if newly_exited.any():
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
        """Return to active participation; from then on the member chooses freely again."""
        self.locked[:] = False
        self._set_state(np.zeros_like(self.state))

    def shift_threat(self, delta: float | np.ndarray, lasting: bool = False) -> None:
        """Raise (or lower) the perceived main threat; ``lasting`` moves its baseline too."""
        self.threat = np.clip(self.threat + delta, 0.0, 1.0)
        if not lasting:
            return
        if self.threat_kind == mech.EXTERNAL:  # its baseline is the source's pressure
            previous = 0.0 if self._lasting_shift is None else self._lasting_shift
            self._lasting_shift = previous + np.broadcast_to(
                np.asarray(delta, dtype=self.threat.dtype), self.threat.shape
            )
        else:
            self.threat_baseline = np.clip(self.threat_baseline + delta, 0.0, 1.0)

    def observe_request(self, answered: np.ndarray, weight: np.ndarray) -> None:
        """Update the Beta belief with an answered (1) or ignored (0) request for help."""
        self.trust_alpha, self.trust_beta = mech.beta_observe(
            self.trust_alpha, self.trust_beta, answered, weight
        )


class Hegemon(MemberState):
    """Russia: a member that stays active, and the bloc's patron.

    It acts by rules (docs/model.md): it answers requests for help with a probability set by its
    capacity, its commitment to the requester and the requester's rung; each month it honours
    fully engaged members it is committed to; its coercion of members that leave its guarantee
    scales with its capacity and their bilateral dependence. Its capacity follows the war: a
    bounded random walk with a drift that the history and scenarios set.

    Attributes:
        capacity: Capacity to protect and punish, in [floor, 1], shape ``(R,)``.
    """

    def __init__(self, *args, capacity: np.ndarray, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity
        self.loyalty = np.ones(self.model.replicates, dtype=FLOAT)

    def answers(self, member: MemberState) -> np.ndarray:
        """Whether the hegemon answers ``member``'s request, drawn per replicate (0 or 1)."""
        probability = mech.answer_probability(
            self.capacity,
            member.params["commitment"],
            self.model.guarantee_rung(member.state),
        )
        return (self.model.streams.uniform() < probability).astype(FLOAT)

    def act(self) -> None:
        """Honour at most one member this month by the reward rule (before members decide)."""
        model = self.model
        others = [m for m in model.members if m is not self]
        # mech.reward_probability for every other member: rate × capacity is shared.
        scale = model.g["reward_rate"] * self.capacity
        probabilities = np.empty((len(others), model.replicates), dtype=FLOAT)
        for row, member in zip(probabilities, others, strict=True):
            np.multiply(scale, member.params["commitment"], out=row)
            row *= member.state == mech.ACTIVE
        draw = model.streams.uniform()
        for member, honoured in zip(others, mech.draw_one_of(probabilities, draw), strict=True):
            if honoured.any():
                reward_effect(model, member.name, honoured.astype(FLOAT))

    def decide(self) -> None:
        """Next month's capacity; the hegemon's own rung does not change."""
        g, snap = self.model.g, self.model.snapshot
        capacity = mech.capacity_step(
            self.capacity,
            g["capacity_drift"],
            g["capacity_volatility"],
            snap["noise"],
            g["capacity_floor"],
        )
        self._next = {"capacity": capacity}

    def advance(self) -> None:
        """Apply the new capacity."""
        self.capacity = self._next["capacity"]
