"""Up-front resource checks: refuse work that cannot fit in memory before allocating it.

A run of ``R`` replicates over ``T`` months keeps ``(T + 1) × R`` bloc records and, unless
``record_members=False``, ``(T + 1) × M × R`` member records; saving turns the member records
into a tidy table of ``T × M × R`` rows. The per-record costs below were measured with
``tracemalloc`` on the peak of ``run(...).save(...)`` (see tests/test_resources.py) and
rounded up, so the estimate errs on the safe side.
"""

from __future__ import annotations

import os

from .errors import NotEnoughMemory

#: Bytes per replicate for the model's own state (agents' arrays, snapshots, draws).
BYTES_PER_REPLICATE = 4_000
#: Bytes per recorded bloc month and replicate (six float32 metrics and working copies).
BYTES_PER_BLOC_RECORD = 100
#: Bytes per recorded member month and replicate, through to the saved tidy tables.
BYTES_PER_MEMBER_RECORD = 150
#: Share of the available memory a single job may plan to use.
USABLE_SHARE = 0.8


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate_run_bytes(replicates: int, months: int, members: int, record_members: bool) -> int:
    """Peak bytes a run of this size needs (an upper estimate)."""
    rows = months + 1
    per_replicate = BYTES_PER_REPLICATE + rows * BYTES_PER_BLOC_RECORD
    if record_members:
        per_replicate += rows * members * BYTES_PER_MEMBER_RECORD
    return int(replicates) * per_replicate


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_memory(needed: int, what: str, way_out: str, available: int | None = None) -> None:
    """Refuse work whose estimated memory exceeds what the machine has available.

    Args:
        needed: Estimated peak bytes.
        what: The work, for the message (``"a run of 300,000 replicates × 36 months"``).
        way_out: How to make it fit (fewer replicates, ``record_members=False``…).
        available: Bytes available (default: measured now).

    Raises:
        NotEnoughMemory: With the estimate, what is available and the way out.
    """
    available = available_memory() if available is None else available
    if available is None or needed <= USABLE_SHARE * available:
        return
    raise NotEnoughMemory(
        f"{what} needs about {_size(needed)} of memory, more than the "
        f"{_size(USABLE_SHARE * available)} this machine can spare ({_size(available)} "
        f"available); {way_out}"
    )
