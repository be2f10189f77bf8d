"""Calibration of the uncertain parameters on the documents' patterns (rejection ABC).

Also the shipped posterior, forecasts and their scores.

>>> from alliance_sim.calibration import calibrate
>>> cal = calibrate(draws=100_000, seed=1)          # doctest: +SKIP
>>> cal.acceptance(); cal.shrinkage(); cal.save("results/calibration")  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

import lazy_loader

# Imported on first use: the CLI builds its parser from the light `defaults` module alone.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "abc": ["Calibration", "calibrate", "model_version"],
        "ship": ["ship_posterior"],
    },
)

if TYPE_CHECKING:  # for type checkers and editors; at run time lazy_loader imports these
    from .abc import Calibration, calibrate, model_version
    from .ship import ship_posterior
