"""Calibration of the uncertain parameters on the documents' patterns (rejection ABC).

Also the shipped posterior, forecasts and their scores.

>>> from alliance_sim.calibration import calibrate
>>> cal = calibrate(draws=100_000, seed=1)          # doctest: +SKIP
>>> cal.acceptance(); cal.shrinkage(); cal.save("results/calibration")  # doctest: +SKIP
"""

from .abc import Calibration, calibrate, model_version
from .ship import ship_posterior

__all__ = ["Calibration", "calibrate", "model_version", "ship_posterior"]
