"""Executors: where chunks run. In-process, a local process pool, or a Dask cluster.

Every executor maps a picklable, importable function over chunk tasks and yields results as
they finish (in any order). At most a few tasks per worker are in flight, so memory stays
bounded whatever the number of chunks. Numbers never depend on the executor: each chunk's seed
comes from the experiment seed and the chunk index.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..core.checks import check_count


class Executor:
    """Base class: run ``fn`` over tasks, yielding results as they complete."""

    #: Number of workers (used to size the in-flight window).
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in completion order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        """A short description for run metadata."""
        return type(self).__name__


class InProcessExecutor(Executor):
    """Run the chunks one after another in this process."""

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in order."""
        for task in tasks:
            yield fn(task)

    def describe(self) -> str:
        """A short description for run metadata."""
        return "in-process"


#: Seconds between a worker's checks that the process which started it is still alive.
PARENT_CHECK_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process exit as soon as ``parent_pid`` is gone.

    A worker's parent can be killed without a chance to shut the pool down (``kill -9``, the
    OOM killer); its orphaned workers would then live on with their memory. A daemon thread
    watches the parent and ends the worker when the worker is re-parented.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class ProcessExecutor(Executor):
    """Run the chunks on a pool of local processes (``spawn`` start method).

    Args:
        workers: Number of processes (a whole number, at least 1).

    Raises:
        TypeError: For ``workers`` that is not a whole number.
        ValueError: For fewer than 1 worker.
    """

    def __init__(self, workers: int = 2) -> None:
        self.workers = check_count("workers", workers, low=1)
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in completion order."""
        window = 2 * self.workers
        pending: set[cf.Future] = set()
        todo = iter(tasks)
        for task in todo:
            pending.add(self._pool.submit(fn, task))
            if len(pending) >= window:
                break
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                yield future.result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(self._pool.submit(fn, nxt))

    def close(self) -> None:
        """Shut the pool down (pending tasks are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        """A short description for run metadata."""
        return f"{self.workers} local processes"


class DaskExecutor(Executor):
    """Run the chunks on a Dask cluster.

    Args:
        address: Scheduler address (``tcp://host:port``); a ``dask.distributed.Client`` is
            opened on it and closed with the executor.
        client: An existing client (for instance on a ``LocalCluster``); left open.
        retries: How often a failed chunk is resubmitted before the sweep fails.
    """

    def __init__(self, address: str | None = None, client: Any = None, retries: int = 2) -> None:
        from dask.distributed import Client

        if (address is None) == (client is None):
            raise ValueError("give either a scheduler address or a client")
        self._owned = client is None
        if client is None:
            _check_reachable(address)
            try:
                client = Client(address, timeout="30s")
            except (OSError, ValueError, TypeError) as err:
                raise SchedulerError(
                    f"cannot connect to the Dask scheduler {address}: {err}"
                ) from None
            self.client = client
        else:
            self.client = client
        self.retries = check_count("retries", retries, low=0)
        workers = len(self.client.scheduler_info().get("workers", {}))
        self.workers = max(1, workers)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in completion order."""
        from dask.distributed import as_completed

        todo = iter(tasks)
        first = [
            self.client.submit(fn, t, retries=self.retries, pure=False)
            for _, t in zip(range(2 * self.workers), todo, strict=False)
        ]
        queue = as_completed(first)
        for future in queue:
            result = future.result()
            future.release()
            yield result
            nxt = next(todo, None)
            if nxt is not None:
                queue.add(self.client.submit(fn, nxt, retries=self.retries, pure=False))

    def close(self) -> None:
        """Close the client if this executor opened it."""
        if self._owned:
            self.client.close()

    def describe(self) -> str:
        """A short description for run metadata."""
        return f"dask {self.client.scheduler.address} ({self.workers} workers)"


#: Dask transports with a host and a port.
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


class SchedulerError(ValueError):
    """A Dask scheduler address that is malformed or where no scheduler answers."""


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast when ``address`` is malformed or nothing listens there.

    Raises:
        SchedulerError: Naming the address and what is wrong with it.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in SCHEDULER_SCHEMES:
        raise SchedulerError(
            f"scheduler {address!r}: unsupported transport {parts.scheme!r}; use "
            f"{', '.join(s + '://HOST:PORT' for s in SCHEDULER_SCHEMES[:2])}"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port is None or not 0 < port < 65536:
        raise SchedulerError(f"scheduler {address!r}: expected {parts.scheme}://HOST:PORT")
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise SchedulerError(f"cannot reach the Dask scheduler {address}: {reason}") from None


def make_executor(workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor for CLI-style options: a scheduler address wins, else local processes.

    Args:
        workers: Local processes (a whole number, at least 1); 1 runs in-process.
        scheduler: Dask scheduler address, ``tcp://HOST:PORT``.

    Raises:
        TypeError: For ``workers`` that is not a whole number.
        ValueError: For fewer than 1 worker.
    """
    if scheduler:
        return DaskExecutor(address=scheduler)
    if check_count("workers", workers, low=1) == 1:
        return InProcessExecutor()
    return ProcessExecutor(workers)
