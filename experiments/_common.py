"""Command-line options shared by the experiment scripts (copy them along with a script)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def options(description: str, name: str) -> argparse.Namespace:
    """Parse ``--quick``, ``--workers``, ``--scheduler`` and ``--out``.

    ``--quick`` (or the environment variable ``ALLIANCE_SIM_QUICK=1``) runs a reduced design,
    as the test suite does.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small design (seconds)")
    parser.add_argument("--workers", type=int, default=1, help="local processes")
    parser.add_argument("--scheduler", help="Dask scheduler address, tcp://HOST:PORT")
    parser.add_argument("--out", type=Path, default=Path("results") / name, help="output folder")
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get("ALLIANCE_SIM_QUICK") == "1"
    args.out.mkdir(parents=True, exist_ok=True)
    return args
