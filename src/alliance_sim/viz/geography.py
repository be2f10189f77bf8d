"""The map's geography, shared with the static figures: see :mod:`alliance_sim.geography`."""

from ..geography import EXTENT, LABEL_OFFSETS, PLACES, SEAS

__all__ = ["EXTENT", "LABEL_OFFSETS", "PLACES", "SEAS"]
