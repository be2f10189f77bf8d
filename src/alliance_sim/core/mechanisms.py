"""The model's mechanisms as pure functions on replicate arrays.

Every function takes and returns numpy arrays whose last axis is the replicate (shape ``(R,)``
for one member), so the same code serves one run and a vectorised ensemble. Each function is one
term of a member's choice or one rule of the hegemon; docs/model.md derives each from the theory
it cites. No effect size is written here: every weight arrives as an argument drawn from the
parameter table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EXTERNAL, INTRA, HEGEMON, NONE = range(4)
ACTIVE, REDUCED, FROZEN, EXITED = range(4)
NO_STANCE, NEUTRAL, SUPPORT = -1, 0, 1
#: The rungs inside the treaty (active, reduced, frozen) as a column against ``(R,)`` rows.
STAY_RUNGS = np.arange(3, dtype=np.int8)[:, None]  # int8: costs keep their float type
#: Sign of the switching cost of keeping each stance, indexed by the stance itself: neutral (0)
#: -1, support (1) +1, none (-1, the last entry) 0.
STANCE_SIGN = np.array([-1, 1, 0], dtype=np.int8)


def friendliness(affinity: np.ndarray) -> np.ndarray:
    """How much of a patron's offer a member can use (``1 + affinity``, at most 1).

    All of it from a neutral or friendly patron, less from a hostile one.
    """
    return np.clip(1.0 + affinity, 0.0, 1.0)


def closeness(affinity: np.ndarray) -> np.ndarray:
    """An affinity in [-1, 1] mapped linearly onto [0, 1] (how much an observer heeds a peer)."""
    return np.interp(affinity, [-1.0, 1.0], [0.0, 1.0]).astype(np.result_type(affinity))


def usability(affinity: np.ndarray) -> float | np.ndarray:
    """:func:`friendliness` of a relation drawn per replicate, or ``1.0`` where it is 1 in all."""
    usable = friendliness(affinity)
    return usable if (usable != 1.0).any() else 1.0


def outside_option(
    access: np.ndarray, pull: np.ndarray, usable: Sequence[float | np.ndarray]
) -> np.ndarray:
    """Best alternative patron: the largest ``access * pull * usable`` over patrons (axis 0).

    ``usable`` holds one term per patron: ``1.0`` (fully usable: the product is skipped) or an
    array. The result is the same as ``(access * pull * usable).max(axis=0)``.
    """
    offers = access * pull
    for row, term in zip(offers, usable, strict=True):
        if isinstance(term, np.ndarray):
            row *= term
    best = offers[0].copy()
    for row in offers[1:]:
        np.maximum(best, row, out=best)
    return best


def expected_help(trust: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """What a member expects from the guarantee: belief in commitment × capacity to deliver.

    The only place where trust enters a member's payoff.
    """
    return trust * capacity


def guarantee_value(
    help_expected: np.ndarray,
    threat: np.ndarray,
    threat_kind: int,
    regime_security: np.ndarray,
    threat_weight: np.ndarray,
    regime_weight: np.ndarray,
) -> np.ndarray:
    """Value of the guarantee (Walt 1987, balance of threat; regime support).

    The bloc protects against the member's own main threat when it is external or a fellow
    member, and against domestic upheaval (the January 2022 intervention), each as far as the
    member expects to be helped. It does not protect against the hegemon itself.
    """
    protected = threat if threat_kind in (EXTERNAL, INTRA) else 0.0 * threat
    return help_expected * (threat_weight * protected + regime_weight * regime_security)


def hegemon_threat_value(
    threat: np.ndarray,
    threat_kind: int,
    capacity: np.ndarray,
    outside: np.ndarray,
    real_alternative: np.ndarray,
    threat_weight: np.ndarray,
) -> np.ndarray:
    """Value of staying under the guarantee when the main threat is the hegemon itself (Walt).

    The threat scales with the hegemon's capacity. A member with no alternative bandwagons
    (staying gains value as the threat grows); one whose outside option exceeds what counts as a
    real alternative balances away (staying loses value as the threat grows).
    """
    if threat_kind != HEGEMON:
        return 0.0 * threat
    return threat_weight * threat * capacity * (1.0 - outside / real_alternative)


def entrapment_cost(
    war_intensity: np.ndarray, sensitivity: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Snyder's (1984) entrapment: the cost of full part in the bloc (or war) while it fights.

    Joint drills and declarations, and the secondary sanctions they risk.
    """
    return weight * war_intensity * sensitivity


def coercion_cost(capacity: np.ndarray, dependence: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The hegemon's coercion of a member that leaves its guarantee.

    It "can still do a lot of harm" through bilateral ties (bases, trade, remittances), in
    proportion to its capacity.
    """
    return weight * capacity * dependence


def rung_values(
    bloc_value: np.ndarray,
    outside_value: np.ndarray,
    burden: np.ndarray,
    guarantee_reduced: np.ndarray,
    burden_reduced: np.ndarray,
) -> np.ndarray:
    """Payoff of each rung inside the treaty (active, reduced, frozen), shape ``(3, R)``.

    A rung keeps a share of the bloc's value (the guarantee and alignment; the rest of the time
    the member draws on its outside option and suffers the hegemon's coercion) and bears a share
    of its burdens (entrapment, public anger, contagion) -- Morrow's (1991) autonomy-security
    trade-off. Active keeps and bears all, frozen none; reduced keeps ``guarantee_reduced`` and
    bears ``burden_reduced``.

    Args:
        bloc_value: Value of the guarantee and alignment at full engagement.
        outside_value: Outside option less the hegemon's coercion, outside the guarantee.
        burden: Entrapment, public anger and contagion at full participation.
        guarantee_reduced: Share of the bloc's value a reduced member keeps.
        burden_reduced: Share of the burden a reduced member bears.
    """
    out = np.empty((len(STAY_RUNGS), *np.shape(bloc_value)), dtype=np.result_type(bloc_value))
    np.subtract(bloc_value, burden, out=out[0])
    reduced = guarantee_reduced * (bloc_value - outside_value) + outside_value
    np.subtract(reduced, burden_reduced * burden, out=out[1])
    out[2] = outside_value
    return out


def switching_costs(
    state: np.ndarray, move_cost: np.ndarray, pledge_cost: np.ndarray
) -> np.ndarray:
    """Cost of moving from ``state`` to each rung inside the treaty, shape ``(3, R)``.

    Each rung moved costs ``move_cost`` (audience costs of public pledges and institutional
    inertia, Fearon 1994); each rung moved down costs ``pledge_cost`` more (a member that
    publicly backs the hegemon's war reneges). The pledge cost applies only to a member that
    backs the war: pass ``pledge_cost * support`` (0 where it does not), as docs/model.md's
    *q·1[w = support]*.
    """
    moved = STAY_RUNGS - state
    return move_cost * np.abs(moved) + pledge_cost * np.clip(moved, 0, None)


def switching_discounts(
    state: np.ndarray,
    support: np.ndarray,
    move_discount: np.ndarray,
    pledge_discount: np.ndarray,
) -> np.ndarray:
    """``exp(-switching_costs)`` from precomputed discounts, shape ``(3, R)``.

    The logit weight of a rung is ``exp(value) * exp(-cost)``; with ``move_discount =
    exp(-move_cost)`` and ``pledge_discount = exp(-pledge_cost)`` the second factor needs no
    exponential (the model's fast path; equal to ``np.exp(-switching_costs(...))``).

    Args:
        state: Current rung, 0 active ... 2 frozen.
        support: Whether the member backs the hegemon's war (pays the pledge cost).
        move_discount: ``exp(-move_cost)``.
        pledge_discount: ``exp(-pledge_cost)``.
    """
    pledge = np.where(support, pledge_discount, 1.0)
    one_step = move_discount
    two_steps = move_discount * move_discount
    down_one = one_step * pledge
    out = np.empty((len(STAY_RUNGS), *np.shape(state)), dtype=np.result_type(move_discount))
    out[0] = np.where(state == ACTIVE, 1.0, np.where(state == REDUCED, one_step, two_steps))
    out[1] = np.where(state == ACTIVE, down_one, np.where(state == REDUCED, 1.0, one_step))
    out[2] = np.where(
        state == ACTIVE, two_steps * pledge * pledge, np.where(state == REDUCED, down_one, 1.0)
    )
    return out


def stay_utilities(
    bloc_value: np.ndarray,
    outside_value: np.ndarray,
    burden: np.ndarray,
    guarantee_reduced: np.ndarray,
    burden_reduced: np.ndarray,
    state: np.ndarray,
    move_cost: np.ndarray,
    pledge_cost: np.ndarray,
) -> np.ndarray:
    """Utility of each rung inside the treaty for a member now on ``state``, shape ``(3, R)``.

    :func:`rung_values` less :func:`switching_costs`; ``state`` is 0 active ... 2 frozen.
    ``pledge_cost`` must already be multiplied by the member's support for the war (0 for a
    member that does not back it; see :func:`switching_costs`).
    """
    values = rung_values(bloc_value, outside_value, burden, guarantee_reduced, burden_reduced)
    return values - switching_costs(state, move_cost, pledge_cost)


def softmax(utilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logit probabilities of the alternatives on axis 0, and their inclusive value.

    Returns:
        The probabilities ``(K, R)`` and ``log Σ exp(utilities)`` ``(R,)`` (the expected best
        utility).
    """
    weights = logit_weights(utilities)
    total = weights.sum(axis=0)
    return weights / total, np.log(total)


def logit_weights(utilities: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``exp(utilities)``: unnormalised logit weights (into ``out`` if given).

    Utilities here are sums of bounded terms (every weight's range is capped in the parameter
    table), a few tens of logit units at most: far inside the range of ``exp`` even in float32
    (which overflows above 88), so no shift by the maximum is needed.
    """
    return np.exp(utilities, out=out)


def exit_log_odds(
    exit_utility: np.ndarray,
    inclusive_value: np.ndarray,
    precision: np.ndarray,
    barrier: np.ndarray,
    decision_date: np.ndarray,
    multiplier: np.ndarray,
    decision_shift: np.ndarray | None | bool = False,
) -> np.ndarray:
    """Log-odds of leaving this month: the upper nest of a nested logit (McFadden 1978).

    Leaving is compared with the best the member can do inside (``inclusive_value``), with its
    own ``precision``; ``barrier`` (in log-odds) is what withdrawing from a treaty costs beyond
    its payoffs, anchored to the bloc's record of departures. At an institutional decision date
    (treaty renewal, summit) the odds are ``multiplier`` times higher: three of the bloc's four
    departures came at the 1999 renewal (the bloc's own record, docs/model.md 3.3.6).

    ``decision_shift``, when given, is ``decision_date * log(multiplier)`` computed once for all
    members (``None``: it is zero everywhere this month, so nothing is added).
    """
    payoff = precision * (exit_utility - inclusive_value)
    payoff -= barrier
    if decision_shift is False:
        decision_shift = decision_date * np.log(multiplier)
    if decision_shift is not None:
        payoff += decision_shift
    return payoff


def choice_probabilities(utilities: np.ndarray) -> np.ndarray:
    """Multinomial logit probabilities of the alternatives on axis 0."""
    return softmax(utilities)[0]


def draw_choice(
    weights: np.ndarray, uniform: np.ndarray, total: np.ndarray | None = None
) -> np.ndarray:
    """The alternative each uniform draw picks, given logit weights or probabilities ``(K, R)``.

    Alternative *k* is picked when the draw falls in the *k*-th slice of the cumulative weights
    (the weights need not be normalised; the draw is scaled by their total instead, which the
    caller may pass if it has it: ``weights.sum(axis=0)``).
    """
    if len(weights) == 1:
        return np.zeros(np.shape(uniform), dtype=np.int8)
    if total is None:
        total = weights.sum(axis=0)
    scaled = uniform * total
    cumulative = weights[0]
    chosen = np.asarray(scaled >= cumulative).view(np.int8)
    for row in weights[1:-1]:
        cumulative = cumulative + row
        chosen += scaled >= cumulative
    return chosen


def logit_choice(utilities: np.ndarray, uniform: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Random-utility (multinomial logit) choice among alternatives on axis 0.

    Args:
        utilities: Shape ``(K, R)``.
        uniform: Shape ``(R,)`` uniform draws in [0, 1).

    Returns:
        The chosen index per replicate (int8) and the choice probabilities ``(K, R)``.
    """
    probabilities = choice_probabilities(utilities)
    return draw_choice(probabilities, uniform), probabilities


def expected_participation(weights: np.ndarray, burden_reduced: np.ndarray) -> np.ndarray:
    """Participation implied by rung weights or probabilities ``(3, R)``.

    Active counts 1, reduced ``burden_reduced``, frozen 0.
    """
    return (weights[0] + burden_reduced * weights[1]) / weights.sum(axis=0)


def logistic(log_odds: np.ndarray) -> np.ndarray:
    """Probability from log-odds: ``1 / (1 + exp(-log_odds))`` (one buffer for arrays).

    Log-odds below about -88 overflow float32's ``exp`` to infinity, which gives the right
    probability, 0: the overflow is expected and not reported.
    """
    with np.errstate(over="ignore"):
        if np.ndim(log_odds) == 0:
            return 1.0 / (1.0 + np.exp(-log_odds))
        z = np.negative(log_odds)
        np.exp(z, out=z)
    z += 1.0
    return np.divide(1.0, z, out=z)


def loyalty_marks(burden_share_reduced: float) -> dict[str, float]:
    """Loyalty levels below which a member leans to the next rung down (for charts).

    Loyalty is the participation its free choice implies: 1 when active, ``burden_share_reduced``
    when reduced, 0 when frozen; the marks are the midpoints between those levels.
    """
    levels = [1.0, burden_share_reduced, 0.0]
    return {"reduced": float(np.mean(levels[:2])), "frozen": float(np.mean(levels[1:]))}


def stance_utility(
    affinity: np.ndarray,
    balancing: np.ndarray,
    entrapment: np.ndarray,
    align_weight: np.ndarray,
    stance_cost: np.ndarray,
) -> np.ndarray:
    """Utility of backing the hegemon's war over staying neutral (hedging).

    Support expresses alignment (affinity to Moscow) and balances against the member's own threat
    when that threat is the hegemon's adversary in the war; it costs the entrapment of a
    belligerent's ally, and taking sides at all costs ``stance_cost``.
    """
    alignment = align_weight * affinity
    return stance_utility_from_alignment(alignment, balancing, entrapment, stance_cost)


def stance_utility_from_alignment(
    alignment: np.ndarray,
    balancing: np.ndarray | None,
    entrapment: np.ndarray,
    stance_cost: np.ndarray,
) -> np.ndarray:
    """:func:`stance_utility` from the alignment term ``align_weight * affinity``.

    The model has that term already (it is also part of the bloc's value). ``balancing`` may
    be ``None`` when it is zero (the member's threat is not the hegemon's adversary).
    """
    value = alignment + balancing if balancing is not None else alignment.copy()
    value -= entrapment
    value -= stance_cost
    return value


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


def answer_probability(
    capacity: np.ndarray, commitment: np.ndarray, guarantee_share: np.ndarray
) -> np.ndarray:
    """The hegemon's rule for answering a request for help.

    Probability: capacity × its commitment to the requester × the share of the guarantee the
    requester's rung keeps (nothing is owed to a frozen or departed member).
    """
    return np.clip(capacity * commitment * guarantee_share, 0.0, 1.0)


def reward_probability(
    capacity: np.ndarray, commitment: np.ndarray, active: np.ndarray, rate: np.ndarray
) -> np.ndarray:
    """The hegemon's rule for honouring a member this month (a probability).

    Only fully engaged members, more often the ones it is committed to, and as far as its
    capacity allows.
    """
    return rate * capacity * commitment * active


def draw_one_of(probabilities: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """At most one of K events per replicate: event *k* with probability ``probabilities[k]``.

    Probabilities that sum above 1 are scaled down to sum to 1. Returns a boolean ``(K, R)``.
    """
    total = probabilities.sum(axis=0)
    scaled = uniform * np.maximum(total, 1.0)
    # np.cumsum(probabilities, axis=0), row by row (the same additions, several times faster).
    upper = np.array(probabilities)
    for k in range(1, len(upper)):
        upper[k] += upper[k - 1]
    return (scaled < upper) & (scaled >= upper - probabilities)


def capacity_step(
    capacity: np.ndarray,
    drift: np.ndarray,
    volatility: np.ndarray,
    noise: np.ndarray,
    floor: np.ndarray,
) -> np.ndarray:
    """Hegemon capacity: a bounded random walk whose drift the war sets."""
    return np.clip(capacity + drift + volatility * noise, floor, 1.0)


def relax_towards(value: np.ndarray, baseline: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Close a share ``rate`` of the gap between a shocked quantity and its baseline."""
    return value + rate * (baseline - value)
