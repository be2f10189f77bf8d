"""Bloc-level outcome metrics, each bounded in [0, 1]; definitions are in docs/model.md."""

from __future__ import annotations

import numpy as np

from .mechanisms import EXITED, REDUCED

#: How much each rung counts towards integrity: active, reduced, frozen, exited.
ENGAGEMENT_WEIGHT = np.array([1.0, 0.75, 0.25, 0.0])


def integrity(states: np.ndarray, founding: np.ndarray) -> np.ndarray:
    """How much of the original bloc is still engaged.

    Args:
        states: Shape ``(M, R)`` rungs.
        founding: Shape ``(M,)`` boolean: members of the bloc when the clock started.

    Returns:
        Mean engagement weight (active 1, reduced 0.75, frozen 0.25, exited 0) over the
        founding members, shape ``(R,)``.
    """
    return ENGAGEMENT_WEIGHT[states[founding]].mean(axis=0)


def cohesion(loyalty: np.ndarray, states: np.ndarray, affinity: np.ndarray) -> np.ndarray:
    """How united the engaged members are: their mean loyalty × their mean mutual affinity.

    Engaged members are those active or reduced. Mutual affinity maps each pair's relation from
    [-1, 1] to [0, 1]. With fewer than two engaged members there is no bloc: cohesion is 0.
    (The model computes the same numbers pair by pair: :meth:`AffinityTerms.cohesion`.)

    Args:
        loyalty: Shape ``(M, R)``.
        states: Shape ``(M, R)``.
        affinity: Shape ``(M, M, R)``, symmetric, diagonal ignored.
    """
    engaged = (states <= REDUCED).astype(float)
    n = engaged.sum(axis=0)
    mean_loyalty = np.divide((loyalty * engaged).sum(axis=0), n, out=np.zeros_like(n), where=n > 0)
    # Ordered pairs of distinct engaged members: n (n - 1), an exact count.
    pairs = n * (n - 1.0)
    pair_terms = engaged[:, None, :] * engaged[None, :, :]
    pair_terms *= (affinity + 1.0) / 2.0
    diagonal = np.arange(affinity.shape[0])
    pair_terms[diagonal, diagonal] = 0.0
    mean_affinity = np.divide(
        pair_terms.sum(axis=(0, 1)), pairs, out=np.zeros_like(pairs), where=pairs > 0
    )
    return np.where(n >= 2, mean_loyalty * mean_affinity, 0.0)


def credibility(trust: np.ndarray, states: np.ndarray, believers: np.ndarray) -> np.ndarray:
    """Members' mean belief that the collective-defence promise is kept.

    Args:
        trust: Shape ``(M, R)`` Beta-belief means.
        states: Shape ``(M, R)``.
        believers: Shape ``(M,)`` boolean: members whose belief counts (all but the hegemon).

    Returns:
        Mean trust over current (not exited) members other than the hegemon; 0 if none remain.
    """
    counted = (states < EXITED) & believers[:, None]
    n = counted.sum(axis=0)
    total = (trust * counted).sum(axis=0)
    return np.divide(total, n, out=np.zeros(total.shape), where=n > 0)
