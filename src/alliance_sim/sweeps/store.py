"""Chunked storage of a sweep in a folder, so that large sweeps stream to disk and resume.

Layout of a sweep folder::

    .lock                      held while a sweep writes here (a second one is refused)
    manifest.json              what the sweep is (fingerprint, sizes, seed); written first
    design.parquet             the design points
    chunks/results-00012.parquet     per-point outcomes of chunk 12
    chunks/timeseries-00012.parquet  monthly means of chunk 12 (when requested)
    results.parquet            all chunks, assembled in design order (streamed)
    timeseries.parquet         likewise (when requested)

Every file is written to a temporary name and renamed into place, so a killed sweep leaves
either a whole chunk or none. A chunk counts as finished when its results file exists (the
timeseries file, if any, is renamed first).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; two sweeps into one folder are not caught
    fcntl = None

MANIFEST = "manifest.json"
#: Locked while a sweep or calibration writes to the folder.
LOCK = ".lock"


class SweepFolderError(ValueError):
    """The output folder holds something else than the sweep being run."""


def _file_mode() -> int:
    """The mode an ordinary new file gets under the current umask (mkstemp makes it private)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text atomically (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a frame to Parquet atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ChunkStore:
    """A sweep folder: manifest, finished chunks, and the assembled tables.

    The manifest records every finished chunk: the SHA-256 of its files and the design points
    it covers. Resume trusts only chunks whose files match their record; any other chunk (a
    truncated, altered or swapped file, or one written after the manifest's last update) is
    computed again. Files the manifest does not list are ignored.

    Args:
        folder: The output folder.
        manifest: Description of the sweep; its ``fingerprint`` must match on resume.
        resume: Continue a sweep already in the folder (otherwise the folder must not hold one).

    Raises:
        SweepFolderError: When the folder is a file, holds other files, holds another sweep, a
            sweep and ``resume`` is false, or a damaged manifest.
    """

    def __init__(self, folder: str | Path, manifest: dict[str, Any], resume: bool) -> None:
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"
        self.path = self.folder / MANIFEST
        self._lock = None
        if self.folder.exists() and not self.folder.is_dir():
            raise SweepFolderError(f"{self.folder}: exists and is not a folder")
        self._check(manifest, resume)  # refuse before writing anything ...
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = self._acquire_lock()
            # ... and again under the lock: another sweep may have started in between.
            done = self._check(manifest, resume)
            self.manifest = {**manifest, "done": done}
            self._save_manifest()
        except OSError as err:
            self.close()
            reason = err.strerror or type(err).__name__
            raise SweepFolderError(f"{self.folder}: cannot write there ({reason})") from None
        except SweepFolderError:
            self.close()
            raise
        for stale in self.chunks.glob(".*.tmp") if self.chunks.exists() else ():
            stale.unlink(missing_ok=True)

    def _check(self, manifest: dict[str, Any], resume: bool) -> dict[str, Any]:
        """Refuse a folder this sweep may not write to; return the chunks already recorded."""
        if self.path.exists():
            old = self._read_manifest()
            if not resume:
                raise SweepFolderError(
                    f"{self.folder} already holds a sweep ({old.get('name', '?')}); "
                    "pass --resume to continue it or choose another output folder"
                )
            if old.get("fingerprint") != manifest["fingerprint"]:
                raise SweepFolderError(
                    f"{self.folder} holds a different sweep ({old.get('name', '?')}: design, "
                    "scenario, seed, replicates, chunk size, packaged parameters or package "
                    "version differ); cannot resume it"
                )
            return old.get("done") if isinstance(old.get("done"), dict) else {}
        if self.folder.is_dir() and any(p.name != LOCK for p in self.folder.iterdir()):
            raise SweepFolderError(
                f"{self.folder}: folder holds files but no sweep ({MANIFEST}); "
                "choose a new or empty output folder"
            )
        return {}

    def _acquire_lock(self):
        """Lock the folder for this sweep.

        The lock is released when the store is closed or its process ends, by a kill too.
        """
        if fcntl is None:
            return None
        handle = open(self.folder / LOCK, "a")  # noqa: SIM115 (held until close)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SweepFolderError(
                f"{self.folder}: another sweep or calibration is writing there now; wait for it "
                "or choose another output folder"
            ) from None
        except OSError:  # a file system without locks (some network mounts): go on unlocked
            pass
        return handle

    def close(self) -> None:
        """Release the folder's lock (the store writes nothing more)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _read_manifest(self) -> dict[str, Any]:
        try:
            old = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise SweepFolderError(
                f"{self.path}: damaged sweep manifest ({type(err).__name__}); remove the folder "
                "to start again"
            ) from None
        if not isinstance(old, dict) or not isinstance(old.get("fingerprint"), str):
            raise SweepFolderError(
                f"{self.path}: not a sweep manifest (no fingerprint); remove the folder to "
                "start again"
            )
        return old

    def _save_manifest(self) -> None:
        atomic_write_text(self.path, json.dumps(self.manifest, indent=2, default=str))

    def results_path(self, index: int) -> Path:
        """Path of chunk ``index``'s results."""
        return self.chunks / f"results-{index:05d}.parquet"

    def timeseries_path(self, index: int) -> Path:
        """Path of chunk ``index``'s monthly means."""
        return self.chunks / f"timeseries-{index:05d}.parquet"

    def _intact(self, index: int, points: tuple[int, int] | None) -> bool:
        record = self.manifest["done"].get(str(index))
        if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
            return False
        if points is not None and record.get("points") != list(points):
            return False
        for kind, digest in record["files"].items():
            path = self.chunks / f"{kind}-{index:05d}.parquet"
            try:
                if file_sha256(path) != digest:
                    return False
            except OSError:
                return False
        return True

    def finished(self, ranges: list[tuple[int, int]] | None = None) -> set[int]:
        """Indices of the chunks recorded in the manifest whose files are intact.

        Args:
            ranges: The design points ``[first, last)`` each chunk index must cover; chunks
                recorded with another range, or beyond the list, are not finished.
        """
        good = set()
        for key in list(self.manifest["done"]):
            index = int(key) if str(key).isdigit() else -1
            points = ranges[index] if ranges is not None and 0 <= index < len(ranges) else None
            in_range = index >= 0 and (ranges is None or index < len(ranges))
            if in_range and self._intact(index, points):
                good.add(index)
            else:
                del self.manifest["done"][key]
        self._save_manifest()
        return good

    def write_chunk(
        self,
        index: int,
        results: pd.DataFrame,
        timeseries: pd.DataFrame | None,
        points: tuple[int, int] | None = None,
    ) -> None:
        """Store a finished chunk (files first, then its record in the manifest)."""
        files = {}
        if timeseries is not None:
            atomic_write_parquet(self.timeseries_path(index), timeseries)
            files["timeseries"] = file_sha256(self.timeseries_path(index))
        atomic_write_parquet(self.results_path(index), results)
        files["results"] = file_sha256(self.results_path(index))
        if points is None:
            first = int(results["point"].iloc[0]) if len(results) else 0
            points = (first, first + len(results))
        self.manifest["done"][str(index)] = {"points": list(points), "files": files}
        self._save_manifest()

    def _paths(self, kind: str, n_chunks: int) -> Iterator[Path]:
        for i in range(n_chunks):
            path = self.chunks / f"{kind}-{i:05d}.parquet"
            record = self.manifest["done"].get(str(i)) or {}
            digest = (record.get("files") or {}).get(kind)
            if not path.exists() or digest is None:
                raise SweepFolderError(f"{path}: chunk {i} is missing; run again with --resume")
            if file_sha256(path) != digest:
                raise SweepFolderError(
                    f"{path}: chunk {i} changed on disk during the sweep; run again with --resume"
                )
            yield path

    def assemble(self, kind: str, n_chunks: int) -> Path:
        """Concatenate the chunks of one kind into ``<kind>.parquet``, one chunk at a time."""
        target = self.folder / f"{kind}.parquet"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        writer = None
        try:
            for path in self._paths(kind, n_chunks):
                table = pq.read_table(path)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table.cast(writer.schema))
            if writer is None:
                pq.write_table(pa.table({}), tmp)
            else:
                writer.close()
                writer = None
            os.chmod(tmp, _file_mode())
            os.replace(tmp, target)
        except BaseException:
            if writer is not None:
                writer.close()
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
