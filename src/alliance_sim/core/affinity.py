"""Members' mutual affinity and the per-pair terms the mechanisms read from it, kept up to date.

The model's ``affinity`` is an ``(M, M, R)`` array that relaxes towards its baseline each month.
Most pairs sit exactly at their baseline, which is the same in every replicate, and relaxation
leaves such a pair unchanged. :class:`AffinityTerms` therefore keeps each pair either as a
number (at baseline) or as an ``(R,)`` array (changed by an event), relaxes only the changed
pairs, and computes contagion and cohesion pair by pair. The sums run in the order numpy's
reductions use, so the numbers are bit-for-bit those of the whole-array formulas in
:mod:`alliance_sim.core.mechanisms` and :mod:`alliance_sim.core.metrics`; it only skips work whose
result is known (terms that are exactly zero, pairs that cannot move).
"""

from __future__ import annotations

import numpy as np

from . import mechanisms as mech
from . import metrics
from .floats import FLOAT

Term = float | np.ndarray


class AffinityTerms:
    """The affinity array with its baseline, the pairs that differ from it, and derived terms.

    The baseline is kept pair by pair: a number for a pair that is the same in every replicate,
    an ``(R,)`` array for one drawn per replicate (a member's affinity to the hegemon, a sweep's
    per-replicate override). No ``(M, M, R)`` baseline array is held.

    Args:
        constant: Shape ``(M, M)``: each pair's baseline where it is the same in every replicate.
        varying: ``{(i, j): (R,) array}``: the baselines of the pairs that vary by replicate (give
            both ``(i, j)`` and ``(j, i)``).
        replicates: R.
    """

    def __init__(
        self,
        constant: np.ndarray,
        varying: dict[tuple[int, int], np.ndarray],
        replicates: int,
    ) -> None:
        self.m = constant.shape[0]
        self.replicates = replicates
        self._constant = np.ones((self.m, self.m), dtype=bool)
        self._base: list[list[Term]] = [
            [float(constant[i, j]) for j in range(self.m)] for i in range(self.m)
        ]
        for (i, j), value in varying.items():
            self._constant[i, j] = False
            # Not copied: both directions of a pair share the caller's array (a member's
            # affinity parameter), which shift_baseline edits in place.
            self._base[i][j] = np.asarray(value, dtype=FLOAT)
        self.set(self.baseline)

    # ------------------------------------------------------------------ state
    @property
    def baseline(self) -> np.ndarray:
        """The whole baseline as a new ``(M, M, R)`` array (built on each call)."""
        out = np.empty((self.m, self.m, self.replicates), dtype=FLOAT)
        for i in range(self.m):
            for j in range(self.m):
                out[i, j] = self._base[i][j]
        return out

    def set(self, values: np.ndarray) -> None:
        """Replace the whole affinity array (pairs that differ from the baseline are tracked)."""
        self.values = values
        self.dirty = np.zeros((self.m, self.m), dtype=bool)
        for i in range(self.m):
            for j in range(self.m):
                self.dirty[i, j] = np.any(values[i, j] != self._base[i][j])
        self.friendly: list[list[Term]] = [[0.0] * self.m for _ in range(self.m)]
        self.half: list[list[Term]] = [[0.0] * self.m for _ in range(self.m)]
        self.friendly_total: list[Term] = [0.0] * self.m
        # Whether each row's total is positive in every replicate (then no mask is needed).
        self._total_positive: list[bool] = [False] * self.m
        self._stale = np.ones((self.m, self.m), dtype=bool)

    def changed(self, i: int, j: int) -> None:
        """Note that the pair ``(i, j)`` of :attr:`values` was changed in place."""
        self.dirty[i, j] = self._stale[i, j] = True

    def set_baseline(self, i: int, j: int, value: np.ndarray) -> None:
        """Put the pair ``(i, j)`` (both ways) and its baseline at ``value``, shape ``(R,)``.

        A float ``(R,)`` array becomes the baseline itself (not a copy), so a member's affinity
        parameter given here stays the one stored value that rewards move.
        """
        base = np.asarray(value, dtype=FLOAT)
        if base.shape != (self.replicates,):
            base = np.broadcast_to(base, (self.replicates,)).copy()
        for a, b in ((i, j), (j, i)):
            self._base[a][b] = base
            self._constant[a, b] = False
            self.values[a, b] = base
            self._stale[a, b] = True
            self.dirty[a, b] = False

    def shift_baseline(self, i: int, j: int, delta: np.ndarray) -> None:
        """Move the pair ``(i, j)`` and its baseline by ``delta`` for good (both kept in [-1, 1]).

        A lasting change, such as the hegemon honouring a member: the pair does not relax back.
        Only the replicates where ``delta`` is nonzero are touched (a monthly reward honours a
        few); the pair's value and baseline move alike, so whether it differs from its baseline
        does not change.
        """
        shared = [
            (a, b)
            for a in range(self.m)
            for b in range(self.m)
            if self._base[a][b] is self._base[i][j] and {a, b} != {i, j}
        ]
        if shared:
            # The pair's baseline is a parameter other pairs read too (the default affinity):
            # moving it in place would move theirs.
            raise ValueError(f"pair {i, j} shares its baseline with {shared}: set it first")
        moved = np.flatnonzero(delta)
        if moved.size == 0:
            return
        step = delta[moved]
        shifted: list[np.ndarray] = []
        for a, b in ((i, j), (j, i)):
            base = self._base[a][b]
            if not isinstance(base, np.ndarray):
                base = self._base[a][b] = np.full(self.replicates, base, dtype=FLOAT)
                self._constant[a, b] = False
            if not any(base is done for done in shifted):  # the two directions may share it
                base[moved] = np.clip(base[moved] + step, -1.0, 1.0)
                shifted.append(base)
            self.values[a, b, moved] = np.clip(self.values[a, b, moved] + step, -1.0, 1.0)
            self._refresh_replicates(a, b, moved)

    def _refresh_replicates(self, a: int, b: int, moved: np.ndarray) -> None:
        """The derived terms of pair ``(a, b)`` and row ``a``'s total, at ``moved`` replicates.

        The same elementwise arithmetic as :meth:`refresh` (the row total summed in the same
        order), so the numbers are those of a full refresh; falls back to marking the pair
        stale when the row's terms are not yet arrays.
        """
        friendly, total = self.friendly[a][b], self.friendly_total[a]
        if self._stale[a].any() or not (
            isinstance(friendly, np.ndarray) and isinstance(total, np.ndarray)
        ):
            self._stale[a, b] = True
            return
        pair = self.values[a, b, moved]
        friendly[moved] = np.clip(pair, 0.0, None)
        self.half[a][b][moved] = (pair + 1.0) / 2.0
        row = self._row_total(a, moved)
        total[moved] = row
        self._total_positive[a] = self._total_positive[a] and bool(np.all(row > 0.0))

    def _row_total(self, i: int, at: np.ndarray | None = None) -> Term:
        """Row ``i``'s sum of friendly ties, in column order (only replicates ``at`` if given)."""
        total: Term = 0.0
        for term in self.friendly[i]:
            if at is not None and isinstance(term, np.ndarray):
                term = term[at]
            total = total + term
        return total

    def relax(self, rate: np.ndarray) -> None:
        """Close a share ``rate`` of each changed pair's gap to its baseline, in place."""
        values, base = self.values, self._base
        for i, j in zip(*np.nonzero(self.dirty), strict=True):
            values[i, j] = mech.relax_towards(values[i, j], base[i][j], rate)
        self._stale |= self.dirty

    def refresh(self) -> None:
        """Recompute the friendly and half-affinity terms of the pairs changed since last time."""
        stale = self._stale
        if not stale.any():
            return
        # Pairs at a baseline drawn per replicate share the terms of their baseline array: both
        # directions of a pair, and every pair at the default affinity between members.
        at_baseline: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for i, j in zip(*np.nonzero(stale), strict=True):
            base = self._base[i][j]
            if not self.dirty[i, j] and not self._constant[i, j]:
                if id(base) not in at_baseline:
                    at_baseline[id(base)] = (np.clip(base, 0.0, None), (base + 1.0) / 2.0)
                self.friendly[i][j], self.half[i][j] = at_baseline[id(base)]
            elif self.dirty[i, j]:
                pair = self.values[i, j]
                mirror = (j, i)
                if i > j and stale[mirror] and np.array_equal(pair, self.values[mirror]):
                    # A symmetric pair (as events keep it): share its mirror's terms (memory).
                    self.friendly[i][j] = self.friendly[j][i]
                    self.half[i][j] = self.half[j][i]
                    continue
                self.friendly[i][j] = np.clip(pair, 0.0, None)
                self.half[i][j] = (pair + 1.0) / 2.0
            else:
                self.friendly[i][j] = base if base > 0.0 else 0.0
                self.half[i][j] = (base + 1.0) / 2.0
        for i in np.flatnonzero(stale.any(axis=1)):
            total = self._row_total(i)
            self.friendly_total[i] = total
            self._total_positive[i] = bool(np.all(total > 0.0))
        stale[:] = False

    # ------------------------------------------------------------------ mechanisms
    def contagion(self, disengagement: np.ndarray, moved: np.ndarray) -> np.ndarray:
        """:func:`mechanisms.contagion_exposure` for every member, shape ``(M, R)``.

        Args:
            disengagement: Shape ``(M, R)``: each member's rung above its initial one, / 3.
            moved: Shape ``(M,)``: whether a member's disengagement is nonzero anywhere.
        """
        self.refresh()
        out = np.zeros_like(disengagement)
        sources = np.flatnonzero(moved)
        for i in range(self.m):
            exposure = None
            for j in sources:
                weight = self.friendly[i][j]
                if isinstance(weight, float) and weight == 0.0:
                    continue
                term = weight * disengagement[j]
                if exposure is None:
                    exposure = term
                else:
                    exposure += term
            total = self.friendly_total[i]
            if exposure is None:
                continue
            if self._total_positive[i]:
                np.divide(exposure, total, out=out[i])
            elif not isinstance(total, float):
                np.divide(exposure, total, out=out[i], where=total > 0)
        return out

    def cohesion(
        self, loyalty: np.ndarray, states: np.ndarray, founding: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`metrics.cohesion` and :func:`metrics.cohesion_remaining`, each shape ``(R,)``.

        Args:
            loyalty: Shape ``(M, R)``.
            states: Shape ``(M, R)``.
            founding: Shape ``(M,)`` boolean: members of the bloc when the clock started.
        """
        self.refresh()
        size = founding.sum()
        if self.replicates == 1:
            # numpy sums the (M, M, 1) pair terms pairwise here: keep its exact formulas.
            return (
                metrics.cohesion(loyalty, states, self.values, founding),
                metrics.cohesion_remaining(loyalty, states, self.values),
            )
        engaged_rows = states <= mech.REDUCED
        always = engaged_rows.all(axis=1)
        never = ~engaged_rows.any(axis=1)
        engaged = engaged_rows.astype(FLOAT)
        n = engaged.sum(axis=0)
        loyalty_sum = (loyalty * engaged).sum(axis=0)
        # A member outside the founding bloc that is engaged somewhere (a rejoiner) counts
        # among those remaining only: then the founding sums are kept apart.
        apart = bool((~founding & ~never).any())
        if apart:
            engaged_f = engaged * founding[:, None]
            n_f = engaged_f.sum(axis=0)
            loyalty_sum_f = (loyalty * engaged_f).sum(axis=0)
            total_f = np.zeros(self.replicates, dtype=FLOAT)
        # Sum of the engaged pairs' half-affinity, in C order over (i, j) as numpy reduces it.
        total = np.zeros(self.replicates, dtype=FLOAT)
        buffer = np.empty(self.replicates, dtype=FLOAT)
        both: dict[tuple[int, int], np.ndarray] = {}
        for i in range(self.m):
            if never[i]:
                continue
            for j in range(self.m):
                if j == i or never[j]:
                    continue
                half = self.half[i][j]
                if always[i] and always[j]:
                    term = half
                elif isinstance(half, float) and half == 0.0:
                    continue
                else:
                    key = (i, j) if i < j else (j, i)
                    if key not in both:
                        # As booleans (an eighth of the memory): True * half is 1.0 * half.
                        both[key] = engaged_rows[i] & engaged_rows[j]
                    term = np.multiply(both[key], half, out=buffer)
                total += term
                if apart and founding[i] and founding[j]:
                    total_f += term
        if not apart:
            n_f, loyalty_sum_f, total_f = n, loyalty_sum, total
        return (
            metrics.cohesion_from_parts(loyalty_sum_f, total_f, n_f, size),
            metrics.cohesion_from_parts(loyalty_sum, total, n, n),
        )
