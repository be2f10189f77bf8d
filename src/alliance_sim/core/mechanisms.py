"""The model's mechanisms as pure functions on replicate arrays.

Every function takes and returns numpy arrays whose last axis is the replicate (shape ``(R,)``
for one member), so the same code serves one run and a vectorised ensemble. The theory behind
each is in docs/model.md.
"""

from __future__ import annotations

import numpy as np

EXTERNAL, INTRA, HEGEMON, NONE = range(4)
ACTIVE, REDUCED, FROZEN, EXITED = range(4)


def protection_value(
    threat: np.ndarray, trust: np.ndarray, capacity: np.ndarray, threat_kind: int
) -> np.ndarray:
    """Balance of threat (Walt 1987): what the alliance is worth against the member's main threat.

    Against an external or intra-bloc threat the bloc protects as far as the member trusts the
    guarantee and the hegemon can deliver: worth ``+threat`` when both are certain and
    ``-threat`` when the bloc visibly fails the member. When the main threat is the hegemon,
    staying close (bandwagoning) pays while the hegemon is strong and balancing away pays when it
    is weak.

    Returns:
        Values in ``[-threat, threat]``.
    """
    if threat_kind == NONE:
        return np.zeros_like(threat)
    if threat_kind == HEGEMON:
        return threat * (2.0 * capacity - 1.0)
    return threat * (2.0 * trust * capacity - 1.0)


def abandonment_fear(threat: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Snyder's (1984) fear of abandonment: a threatened member doubting the guarantee."""
    return threat * (1.0 - trust)


def entrapment_fear(war_intensity: np.ndarray, sensitivity: np.ndarray) -> np.ndarray:
    """Snyder's (1984) fear of entrapment in the hegemon's war and the sanctions it brings."""
    return war_intensity * sensitivity


def alliance_dilemma(
    abandonment: np.ndarray,
    entrapment: np.ndarray,
    outside: np.ndarray,
    abandonment_weight: np.ndarray,
    entrapment_weight: np.ndarray,
) -> np.ndarray:
    """Net pull of the alliance security dilemma on loyalty.

    Fear of abandonment makes a member without options cling to the ally and a member with
    options hedge (``1 - 2 * outside`` changes sign at 0.5); fear of entrapment pushes away.
    """
    return abandonment_weight * abandonment * (1.0 - 2.0 * outside) - entrapment_weight * entrapment


def outside_option(access: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """Best alternative patron: the largest ``access * pull`` over patrons (axis 0)."""
    return (access * pull).max(axis=0)


def exit_cost(
    dependence: np.ndarray,
    coercion_exposure: np.ndarray,
    capacity: np.ndarray,
    threat: np.ndarray,
    deterrence_loss: np.ndarray,
) -> np.ndarray:
    """What leaving costs: dependence, the hegemon's reach to punish, and lost deterrence.

    The hegemon's punishment scales with its capacity ("it can still do a lot of harm"); the lost
    deterrence scales with the threat the bloc still deters. The mean of the three lies in [0, 1].
    """
    return (dependence + coercion_exposure * capacity + deterrence_loss * threat) / 3.0


def has_real_alternative(
    outside: np.ndarray, cost: np.ndarray, min_alternative: np.ndarray
) -> np.ndarray:
    """No exit without a real alternative: the outside option must be sizeable and beat the cost."""
    return (outside >= min_alternative) & (outside >= cost)


def contagion_exposure(weights: np.ndarray, disengagement: np.ndarray) -> np.ndarray:
    """Affinity-weighted disengagement of the other members, in [0, 1].

    Args:
        weights: Shape ``(M, R)``: this member's affinity to each member (self = 0). Only
            friendly ties (> 0) transmit: members take their cue from partners they trust.
        disengagement: Shape ``(M, R)``: each member's rung on the ladder divided by 3.
    """
    friendly = np.clip(weights, 0.0, None)
    total = friendly.sum(axis=0)
    exposure = (friendly * disengagement).sum(axis=0)
    return np.divide(exposure, total, out=np.zeros_like(exposure), where=total > 0)


def loyalty_target(
    base: np.ndarray,
    affinity_term: np.ndarray,
    protection_term: np.ndarray,
    regime_term: np.ndarray,
    dilemma_term: np.ndarray,
    pressure_term: np.ndarray,
    contagion_term: np.ndarray,
) -> np.ndarray:
    """The loyalty a member would settle at under this month's conditions, clipped to [0, 1]."""
    total = base + affinity_term + protection_term + regime_term + dilemma_term
    return np.clip(total - pressure_term - contagion_term, 0.0, 1.0)


def loyalty_step(
    loyalty: np.ndarray,
    target: np.ndarray,
    rate: np.ndarray,
    noise_sd: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """Partial adjustment towards the target plus idiosyncratic noise, clipped to [0, 1]."""
    return np.clip(loyalty + rate * (target - loyalty) + noise_sd * noise, 0.0, 1.0)


def engagement_step(
    state: np.ndarray,
    loyalty: np.ndarray,
    can_exit: np.ndarray,
    thresholds: tuple[np.ndarray, np.ndarray, np.ndarray],
    hysteresis: np.ndarray,
) -> np.ndarray:
    """Move at most one rung along active → reduced → frozen → exited, with hysteresis.

    A member steps down when loyalty falls below the threshold of its rung and climbs back only
    when loyalty exceeds that threshold plus ``hysteresis``. Frozen → exited also needs a real
    alternative; exit is absorbing (only a forced rejoin undoes it).

    Args:
        state: Rung per replicate (0 active … 3 exited), integer array.
        loyalty: Loyalty per replicate.
        can_exit: Whether the member has a real alternative, per replicate.
        thresholds: Loyalty thresholds to leave rungs 0, 1 and 2 downwards.
        hysteresis: Extra loyalty needed to climb back.
    """
    reduce_t, freeze_t, exit_t = thresholds
    active, reduced, frozen = state == ACTIVE, state == REDUCED, state == FROZEN
    go_down = (
        (active & (loyalty < reduce_t))
        | (reduced & (loyalty < freeze_t))
        | (frozen & (loyalty < exit_t) & can_exit)
    )
    go_up = (reduced & (loyalty > reduce_t + hysteresis)) | (
        frozen & (loyalty > freeze_t + hysteresis)
    )
    return state + go_down.astype(state.dtype) - go_up.astype(state.dtype)


def beta_relax(
    alpha: np.ndarray,
    beta: np.ndarray,
    prior_alpha: np.ndarray,
    prior_beta: np.ndarray,
    memory: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Discount old evidence: the Beta belief decays towards its prior each month."""
    return (
        prior_alpha + memory * (alpha - prior_alpha),
        prior_beta + memory * (beta - prior_beta),
    )


def beta_observe(
    alpha: np.ndarray, beta: np.ndarray, answered: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Credibility learning (Beta-Bernoulli): add ``weight`` successes or failures.

    An answered request counts as successes, an ignored one as failures.

    Returns:
        The updated ``(alpha, beta)``.
    """
    return alpha + weight * answered, beta + weight * (1.0 - answered)


def answer_probability(capacity: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """The hegemon's rule: it answers with probability capacity × the member's priority."""
    return np.clip(capacity * priority, 0.0, 1.0)


def capacity_step(
    capacity: np.ndarray, drift: np.ndarray, volatility: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """Hegemon capacity: a bounded random walk whose drift the war sets."""
    return np.clip(capacity + drift + volatility * noise, 0.05, 1.0)


def relax_towards(value: np.ndarray, baseline: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Close a share ``rate`` of the gap between a shocked quantity and its baseline."""
    return value + rate * (baseline - value)
