"""Chunked storage of a sweep in a folder, so that large sweeps stream to disk and resume.

Layout of a sweep folder::

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

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "manifest.json"


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


class ChunkStore:
    """A sweep folder: manifest, finished chunks, and the assembled tables.

    Args:
        folder: The output folder.
        manifest: Description of the sweep; its ``fingerprint`` must match on resume.
        resume: Continue a sweep already in the folder (otherwise the folder must not hold one).

    Raises:
        SweepFolderError: When the folder holds another sweep, or a sweep and ``resume`` is
            false.
    """

    def __init__(self, folder: str | Path, manifest: dict[str, Any], resume: bool) -> None:
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"
        path = self.folder / MANIFEST
        if path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            if not resume:
                raise SweepFolderError(
                    f"{self.folder} already holds a sweep ({old.get('name', '?')}); "
                    "pass --resume to continue it or choose another output folder"
                )
            if old.get("fingerprint") != manifest["fingerprint"]:
                raise SweepFolderError(
                    f"{self.folder} holds a different sweep ({old.get('name', '?')}: design, "
                    "scenario, seed, replicates or chunk size differ); cannot resume it"
                )
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(manifest, indent=2, default=str))
        self.manifest = manifest
        for stale in self.chunks.glob(".*.tmp") if self.chunks.exists() else ():
            stale.unlink(missing_ok=True)

    def results_path(self, index: int) -> Path:
        """Path of chunk ``index``'s results."""
        return self.chunks / f"results-{index:05d}.parquet"

    def timeseries_path(self, index: int) -> Path:
        """Path of chunk ``index``'s monthly means."""
        return self.chunks / f"timeseries-{index:05d}.parquet"

    def finished(self) -> set[int]:
        """Indices of the chunks already on disk."""
        if not self.chunks.exists():
            return set()
        return {int(p.stem.split("-")[1]) for p in self.chunks.glob("results-*.parquet")}

    def write_chunk(
        self, index: int, results: pd.DataFrame, timeseries: pd.DataFrame | None
    ) -> None:
        """Store a finished chunk (timeseries first, results last)."""
        if timeseries is not None:
            atomic_write_parquet(self.timeseries_path(index), timeseries)
        atomic_write_parquet(self.results_path(index), results)

    def _paths(self, kind: str, n_chunks: int) -> Iterator[Path]:
        for i in range(n_chunks):
            path = self.chunks / f"{kind}-{i:05d}.parquet"
            if not path.exists():
                raise FileNotFoundError(f"chunk {i} of {self.folder} is missing ({path.name})")
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
