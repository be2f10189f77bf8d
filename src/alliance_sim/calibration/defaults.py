"""Defaults of a calibration, apart from its machinery so that the CLI can show them cheaply."""

#: Default draws per chunk (one vectorised model each).
DEFAULT_CHUNK = 8192
#: Default seed of a calibration.
DEFAULT_SEED = 20221021
#: Accepted draws stored at most (spread evenly over chunks); statistics use every draw.
DEFAULT_SAMPLE = 100_000
