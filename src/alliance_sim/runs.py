"""Run folders: written into a temporary folder beside the target, then renamed into place.

A folder that exists under its final name is complete; an interrupted run leaves only a hidden
``.NAME.partial-*`` folder, which is removed on error.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
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
    """The output folder cannot be used (it exists and holds files, or cannot be written)."""


def safe_slug(name: str, default: str = "run") -> str:
    """A folder name made from ``name``: letters, digits, ``.``, ``_``, ``-`` only.

    ``name:`` in a file must not decide where output goes: ``../../x`` or ``/etc`` become
    plain names inside ``runs/`` or ``results/``.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._-")[:80]
    return slug or default


def default_run_dir(name: str, base: str | Path = "runs") -> Path:
    """``runs/NAME-YYYYMMDD-HHMMSS`` (UTC), created empty so that no other run takes it.

    Runs started in the same second get ``-2``, ``-3``…: the folder is reserved with an
    exclusive ``mkdir``, so concurrent runs never share a name.

    Raises:
        RunFolderError: When ``base`` cannot be created.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = Path(base)
    stem = f"{safe_slug(name)}-{stamp}"
    try:
        base.mkdir(parents=True, exist_ok=True)
        for n in itertools.count(1):
            target = base / (stem if n == 1 else f"{stem}-{n}")
            try:
                target.mkdir()
            except FileExistsError:
                continue
            return target
    except OSError as err:
        raise RunFolderError(f"{base}: cannot create the folder ({_reason(err)})") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def check_target(target: str | Path, overwrite: bool = False) -> Path:
    """Refuse a target folder that holds files unless ``overwrite``.

    Raises:
        RunFolderError: When the target is a file, the current folder or one above it, or a
            non-empty folder without ``overwrite``.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise RunFolderError(f"{target}: exists and is not a folder")
    here = Path.cwd().resolve()
    resolved = target.resolve()
    if resolved == here or resolved in here.parents or not resolved.name:
        raise RunFolderError(f"{target}: is the current folder or contains it; choose a new folder")
    for parent in [target, *target.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise RunFolderError(f"{target}: {parent} is a file, not a folder")
            break
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise RunFolderError(f"{target}: folder exists and is not empty (use --overwrite)")
    return target


#: Hidden work folders: ``.NAME.partial-PID-XXXX`` (PID of the process writing it).
_PARTIAL = re.compile(r"^\..*\.partial-(\d+)-[^/]*$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_partials(folder: str | Path) -> list[Path]:
    """Remove the hidden work folders in ``folder`` whose process is gone (killed runs).

    Returns:
        The folders removed.
    """
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        pid = int(match.group(1)) if match else None
        if pid is not None and pid != os.getpid() and entry.is_dir() and not _alive(pid):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextmanager
def atomic_folder(target: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``target`` when the block finishes without error.

    Without ``overwrite`` nothing is ever replaced: if another process filled ``target``
    meanwhile, the rename fails (the kernel refuses to rename onto a non-empty folder) and this
    run's files are discarded with an error. Work folders left by killed processes beside
    ``target`` are removed first.

    Args:
        target: The final folder.
        overwrite: Replace a non-empty ``target`` (the old one is removed after the swap).

    Raises:
        RunFolderError: When ``target`` cannot be used or written.
    """
    target = check_target(target, overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_partials(target.parent)
        tmp = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent)
        )
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a run folder is not
    except OSError as err:
        raise RunFolderError(f"{target}: cannot write there ({_reason(err)})") from None
    try:
        yield tmp
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        where = err.filename or target
        raise RunFolderError(f"{where}: cannot write ({_reason(err)})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    try:
        if overwrite and target.is_dir() and any(target.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "previous")
        os.rename(tmp, target)  # onto a missing or empty folder only
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not target.exists():
            os.replace(old / "previous", target)
        if err.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise RunFolderError(
                f"{target}: another process wrote this folder while the run was going; it "
                "was left as it is (use another --out, or --overwrite)"
            ) from None
        raise RunFolderError(f"{target}: cannot write there ({_reason(err)})") from None
    finally:
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
