"""The floating-point type of the simulation's arrays.

Every array the model draws, holds or records is ``FLOAT``: parameters, agents' state, the
random draws, the metrics. float32 keeps seven significant digits, far more than any parameter
is known to, and halves the memory and much of the arithmetic of a float64 model: at 100,000
replicates it makes the difference between meeting and missing the memory and time targets
(docs/performance.md). The pure functions in :mod:`~alliance_sim.core.mechanisms` keep the type
of what they are given.
"""

from __future__ import annotations

import numpy as np

FLOAT = np.float32
