"""Run folders: written into a temporary folder beside the target, then renamed into place.

A folder that exists under its final name is complete; an interrupted run leaves only a hidden
``.NAME.partial-*`` folder, which is removed on error.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

#: Packages whose versions a run's metadata records.
RECORDED_PACKAGES = (
    "alliance-sim",
    "mesa",
    "numpy",
    "pandas",
    "pydantic",
    "pyarrow",
    "matplotlib",
    "SALib",
    "dask",
    "distributed",
)
#: Runs with at most this many member rows also get CSV copies of their tables.
SMALL_RUN_ROWS = 50_000


class RunFolderError(ValueError):
    """The output folder cannot be used (it exists and holds files)."""


def default_run_dir(name: str, base: str | Path = "runs") -> Path:
    """``runs/NAME-YYYYMMDD-HHMMSS`` (UTC), with a numeric suffix if that exists already."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(base) / f"{name}-{stamp}"
    n = 2
    while target.exists():
        target = Path(base) / f"{name}-{stamp}-{n}"
        n += 1
    return target


def check_target(target: str | Path, overwrite: bool = False) -> Path:
    """Refuse a target folder that holds files unless ``overwrite``.

    Raises:
        RunFolderError: When the target is a file, or a non-empty folder without ``overwrite``.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise RunFolderError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise RunFolderError(f"{target}: folder exists and is not empty (use --overwrite)")
    return target


@contextmanager
def atomic_folder(target: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``target`` when the block finishes without error.

    Args:
        target: The final folder.
        overwrite: Replace a non-empty ``target`` (the old one is removed after the swap).

    Raises:
        RunFolderError: When ``target`` cannot be used.
    """
    target = check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a run folder is not
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.is_dir() and any(target.iterdir()):
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "previous")
    os.replace(tmp, target)  # replaces an empty folder too
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape the results."""
    versions = {"python": sys.version.split()[0]}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_metadata(
    *,
    seed: int,
    replicates: int,
    months: int,
    started: datetime,
    finished: datetime,
    command: list[str] | None,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata a run folder records (JSON-ready)."""
    return {
        "seed": seed,
        "replicates": replicates,
        "months": months,
        **extra,
        "command": command if command is not None else list(sys.argv),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 3),
        "versions": package_versions(),
    }


def tidy_for_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly period columns become dates (the first day of the month) for Parquet/CSV."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.PeriodDtype):
            out[column] = out[column].dt.to_timestamp()
    return out


def write_table(frame: pd.DataFrame, folder: Path, name: str, csv: bool) -> list[Path]:
    """Write ``NAME.parquet`` (and ``NAME.csv`` when ``csv``) into ``folder``."""
    tidy = tidy_for_file(frame)
    paths = [folder / f"{name}.parquet"]
    tidy.to_parquet(paths[0], index=False)
    if csv:
        paths.append(folder / f"{name}.csv")
        tidy.to_csv(paths[1], index=False, date_format="%Y-%m")
    return paths


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write ``data`` as indented JSON."""
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path
