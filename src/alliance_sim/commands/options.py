"""Command-line handling shared by the subcommands that run chunks (sweep, calibrate)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..sweeps.executors import Executor


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` and ``--scheduler``, which :func:`executor_for` resolves."""
    parser.add_argument(
        "--workers", type=int, default=1, help="local processes (default 1: in-process)"
    )
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on a Dask cluster")


def executor_for(workers: int, scheduler: str | None) -> Executor:
    """The executor for ``--workers`` and ``--scheduler``.

    Raises:
        BadInput: For a malformed scheduler address or one where no scheduler answers, naming
            ``--scheduler`` (exit code 2, one line).
    """
    from ..errors import BadInput
    from ..sweeps.executors import SchedulerError, make_executor

    try:
        return make_executor(workers, scheduler)
    except SchedulerError as err:
        raise BadInput(f"--scheduler: {err}") from None
