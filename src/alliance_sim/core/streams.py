"""Independent random streams for blocks of replicates.

One model carries R replicates. Replicates are grouped in blocks of ``BLOCK_SIZE``; each block
draws from its own generator, spawned from ``numpy.random.SeedSequence(seed)``. A draw for the
whole ensemble concatenates the blocks' draws, so results for a seed never depend on how many
processes or workers ran them, and no global random state is touched. Draws are of the
simulation's float type (:data:`~alliance_sim.core.floats.FLOAT`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from .floats import FLOAT

BLOCK_SIZE = 1024


class ReplicateStreams:
    """Per-block numpy generators that draw arrays whose last axis is the replicate.

    Args:
        seed: Entropy for ``numpy.random.SeedSequence`` (an int or a sequence of ints).
        replicates: Number of replicates R.
        block_size: Replicates per independent stream.
    """

    def __init__(
        self, seed: int | Sequence[int], replicates: int, block_size: int = BLOCK_SIZE
    ) -> None:
        if replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {replicates}")
        n_blocks = -(-replicates // block_size)
        children = np.random.SeedSequence(seed).spawn(n_blocks)
        self.generators = [np.random.default_rng(child) for child in children]
        self.sizes = [min(block_size, replicates - i * block_size) for i in range(n_blocks)]
        self.replicates = replicates

    def _draw(self, method: str, shape: tuple[int, ...]) -> np.ndarray:
        if len(self.generators) == 1:
            return getattr(self.generators[0], method)(size=(*shape, self.replicates), dtype=FLOAT)
        out = np.empty((*shape, self.replicates), dtype=FLOAT)
        start = 0
        for gen, n in zip(self.generators, self.sizes, strict=True):
            out[..., start : start + n] = getattr(gen, method)(size=(*shape, n), dtype=FLOAT)
            start += n
        return out

    def normal(self, *shape: int) -> np.ndarray:
        """Standard normal draws of shape ``(*shape, R)``."""
        return self._draw("standard_normal", shape)

    def uniform(self, *shape: int) -> np.ndarray:
        """Uniform [0, 1) draws of shape ``(*shape, R)``."""
        return self._draw("random", shape)

    def uniform_rows(self, n: int) -> Iterator[np.ndarray]:
        """The rows of ``uniform(n)``, one ``(R,)`` array at a time.

        The same numbers as ``uniform(n)`` (each block's generator fills rows in order), without
        holding all ``n`` rows at once. Draw nothing else from these streams until it is
        exhausted.
        """
        for _ in range(n):
            yield self._draw("random", ())
