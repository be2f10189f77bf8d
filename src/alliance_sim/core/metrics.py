"""Bloc-level outcome metrics, each bounded in [0, 1]; definitions are in docs/model.md.

The headline metrics (``integrity``, ``cohesion``, ``credibility``) are taken over a fixed
membership: the members of the bloc when the clock started. A member that leaves counts as
disengaged, so an exit can only lower them. The ``*_remaining`` variants are taken among the
members still in (engaged for cohesion, not exited for credibility): there, removing the least
loyal member can raise the value by composition.
"""

from __future__ import annotations

import numpy as np

from .mechanisms import EXITED, REDUCED


def engagement(states: np.ndarray, reduced_weight: np.ndarray, frozen_weight: np.ndarray):
    """How engaged each member is: active 1, reduced and frozen by their weights, exited 0.

    Args:
        states: Shape ``(M, R)`` rungs.
        reduced_weight: Shape ``(R,)`` engagement of a reduced member (drawn per replicate).
        frozen_weight: Shape ``(R,)`` engagement of a frozen member.

    Returns:
        Shape ``(M, R)`` engagement in [0, 1].
    """
    dtype = np.result_type(reduced_weight, frozen_weight)  # the weights' own float type
    rungs = (np.asarray(w, dtype=dtype) for w in (1.0, reduced_weight, frozen_weight, 0.0))
    weights = np.stack(np.broadcast_arrays(*rungs), axis=0)  # (4, R): a column per replicate
    if weights.ndim == 1:  # the same weights in every replicate
        return weights[states]
    if weights.ndim == 2 and states.ndim == 2 and weights.shape[1] == states.shape[1]:
        # take_along_axis as one flat gather: row states[m, r], column r.
        r = weights.shape[1]
        index = states.astype(np.intp)
        index *= r
        index += np.arange(r)
        return weights.reshape(-1).take(index)
    return np.take_along_axis(weights, states.astype(np.intp), axis=0)


def integrity(engaged: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """How much of the founding bloc is still engaged.

    Args:
        engaged: Shape ``(M, R)`` engagement per member (:func:`engagement`).
        counted: Shape ``(M,)`` boolean: the fixed denominator, the non-hegemon members of the
            bloc when the clock started.

    Returns:
        Mean engagement over the counted members, shape ``(R,)``.
    """
    return engaged[counted].mean(axis=0)


def cohesion_parts(
    loyalty: np.ndarray, states: np.ndarray, affinity: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums behind cohesion over the engaged (active or reduced) ``members``.

    Args:
        loyalty: Shape ``(M, R)``.
        states: Shape ``(M, R)``.
        affinity: Shape ``(M, M, R)``, symmetric, diagonal ignored.
        members: Shape ``(M,)`` boolean: which members may count.

    Returns:
        ``(loyalty_sum, pair_sum, n_engaged)``, each of shape ``(R,)``: the engaged members'
        total loyalty, the sum over ordered pairs of distinct engaged members of their mutual
        affinity mapped from [-1, 1] to [0, 1], and how many are engaged.
    """
    engaged = ((states <= REDUCED) & members[:, None]).astype(loyalty.dtype)
    n = engaged.sum(axis=0)
    loyalty_sum = (loyalty * engaged).sum(axis=0)
    pair_terms = engaged[:, None, :] * engaged[None, :, :]
    pair_terms *= (affinity + 1.0) / 2.0
    diagonal = np.arange(affinity.shape[0])
    pair_terms[diagonal, diagonal] = 0.0
    return loyalty_sum, pair_terms.sum(axis=(0, 1)), n


def cohesion_from_parts(
    loyalty_sum: np.ndarray, pair_sum: np.ndarray, n_engaged: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Mean loyalty × mean mutual affinity, both over a group of ``size`` members.

    Members of the group that are not engaged count with loyalty 0 and affinity 0. With
    ``size`` the number engaged this is cohesion among those still engaged; with a fixed
    ``size`` (the founding membership) an exit can only lower it. Fewer than two engaged
    members make no bloc: 0.

    Args:
        loyalty_sum: Engaged members' total loyalty, from :func:`cohesion_parts`.
        pair_sum: Engaged pairs' total mutual affinity, from :func:`cohesion_parts`.
        n_engaged: How many members are engaged, from :func:`cohesion_parts`.
        size: The group's size, a number or shape ``(R,)``.
    """
    size = np.broadcast_to(np.asarray(size, dtype=loyalty_sum.dtype), n_engaged.shape)
    mean_loyalty = np.divide(loyalty_sum, size, out=np.zeros_like(size), where=size > 0)
    # Ordered pairs of distinct members: size (size - 1), an exact count.
    pairs = size * (size - 1.0)
    mean_affinity = np.divide(pair_sum, pairs, out=np.zeros_like(pairs), where=pairs > 0)
    return np.where(n_engaged >= 2, mean_loyalty * mean_affinity, 0.0)


def cohesion(
    loyalty: np.ndarray, states: np.ndarray, affinity: np.ndarray, founding: np.ndarray
) -> np.ndarray:
    """How united the founding bloc is: mean loyalty × mean mutual affinity over all of it.

    Only engaged founding members (active or reduced) contribute; the denominators are the
    founding membership, so a member that freezes or leaves lowers cohesion. (The model
    computes the same numbers pair by pair: :meth:`AffinityTerms.cohesion`.)

    Args:
        loyalty: Shape ``(M, R)``.
        states: Shape ``(M, R)``.
        affinity: Shape ``(M, M, R)``, symmetric, diagonal ignored.
        founding: Shape ``(M,)`` boolean: members of the bloc when the clock started.
    """
    parts = cohesion_parts(loyalty, states, affinity, founding)
    return cohesion_from_parts(*parts, founding.sum())


def cohesion_remaining(loyalty: np.ndarray, states: np.ndarray, affinity: np.ndarray):
    """Cohesion among the members still engaged (any member, founding or not).

    Mean loyalty of the engaged members × their mean mutual affinity. Removing the least loyal
    member can raise it by composition; :func:`cohesion` cannot rise that way.
    """
    parts = cohesion_parts(loyalty, states, affinity, np.ones(len(loyalty), dtype=bool))
    return cohesion_from_parts(*parts, parts[2])


def help_chance(
    trust: np.ndarray,
    capacity: np.ndarray,
    commitment: np.ndarray,
    states: np.ndarray,
    guarantee_reduced: np.ndarray,
) -> np.ndarray:
    """Each member's expected chance of being helped: belief × capacity × commitment × rung.

    ``trust`` is the member's belief that the guarantee holds, ``capacity`` whether the hegemon
    can deliver and ``commitment`` whether it would for this member; the last factor is the
    share of the guarantee the member's rung keeps, as in the hegemon's answer rule (docs/model.md
    3.3.8): 1 active, ``guarantee_reduced`` reduced, 0 frozen or exited (nothing is owed).

    Args:
        trust: Shape ``(M, R)`` Beta-belief means.
        capacity: Shape ``(R,)`` the hegemon's capacity.
        commitment: Shape ``(M, R)`` the hegemon's commitment to each member.
        states: Shape ``(M, R)``.
        guarantee_reduced: Shape ``(R,)``: the share a reduced member keeps.

    Returns:
        Shape ``(M, R)`` in [0, 1].
    """
    chance = trust * capacity
    chance *= commitment
    chance *= engagement(states, guarantee_reduced, 0.0)
    return chance


def credibility(chance: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Mean chance of being helped over the founding non-hegemon members (exited count 0).

    Args:
        chance: Shape ``(M, R)`` from :func:`help_chance`.
        counted: Shape ``(M,)`` boolean: the founding non-hegemon members.
    """
    return chance[counted].mean(axis=0)


def credibility_remaining(
    chance: np.ndarray, states: np.ndarray, believers: np.ndarray
) -> np.ndarray:
    """Mean chance of being helped among the current (not exited) non-hegemon members.

    Args:
        chance: Shape ``(M, R)`` from :func:`help_chance`.
        states: Shape ``(M, R)``.
        believers: Shape ``(M,)`` boolean: every member but the hegemon.

    Returns:
        Shape ``(R,)``; 0 if no member remains.
    """
    counted = (states < EXITED) & believers[:, None]
    n = counted.sum(axis=0)
    total = (chance * counted).sum(axis=0)
    return np.divide(total, n, out=np.zeros_like(total), where=n > 0)
