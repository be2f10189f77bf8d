"""Regenerating the posterior that ships with the package (``core/data/posterior.*``)."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.posterior import POSTERIOR_FILE, RECIPE_FILE
from ..sweeps.store import atomic_write_parquet, atomic_write_text
from .abc import Calibration
from .report import shipped_sets

#: Posterior parameter sets kept in the shipped file (runs pick K of them).
SHIPPED_SETS = 2000
#: The documented command that regenerates the shipped posterior.
SHIP_COMMAND = "alliance-sim calibrate --ship"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def package_data_dir() -> Path:
    """The package's ``core/data`` folder on disk (the package must be installed editable)."""
    return Path(str(resources.files("alliance_sim").joinpath("core/data")))


def ship_posterior(
    cal: Calibration, keep: int = SHIPPED_SETS, folder: Path | None = None
) -> dict[str, Any]:
    """Write ``posterior.parquet`` and its recipe ``posterior.json`` into the package data.

    Returns:
        The recipe written.
    """
    if len(cal.posterior) == 0:
        raise ValueError(
            "no draw reproduced every pattern, so there is no posterior to ship: draw more "
            "(--draws), or revisit the patterns or the prior ranges"
        )
    folder = folder or package_data_dir()
    table = shipped_sets(cal, keep)
    parquet = folder / Path(POSTERIOR_FILE).name
    atomic_write_parquet(parquet, table)
    recipe = {
        **cal.recipe,
        "sets": len(table),
        "accepted": cal.accepted,
        "acceptance_rate": cal.acceptance_rate,
        "parameters": list(cal.prior.keys),
        "posterior_sha256": file_sha256(parquet),
        "command": SHIP_COMMAND,
    }
    atomic_write_text(folder / Path(RECIPE_FILE).name, json.dumps(recipe, indent=2) + "\n")
    return recipe
