import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
# The two source documents are not in the repository (their full citations are in README.md).
# CI keeps them beside the clone; anyone else points ALLIANCE_SIM_DOCUMENTS at their folder.
DOCUMENTS_ENV = "ALLIANCE_SIM_DOCUMENTS"
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"


def documents_dir() -> pathlib.Path | None:
    """The folder holding the source documents, or None when they are not on this machine."""
    # ALLIANCE_SIM_SEEDS is the name an earlier version used for the same folder
    configured = os.environ.get(DOCUMENTS_ENV) or os.environ.get("ALLIANCE_SIM_SEEDS")
    folder = pathlib.Path(configured) if configured else DEFAULT_SEEDS
    return folder if folder.is_dir() and any(folder.glob("00[01]_*.txt")) else None


@pytest.fixture(scope="session")
def seeds_dir() -> pathlib.Path:
    folder = documents_dir()
    if folder is None:
        pytest.skip(
            f"source documents not found: put 000_*.txt and 001_*.txt in {DEFAULT_SEEDS} "
            f"or set {DOCUMENTS_ENV} to their folder (quote check skipped)"
        )
    return folder


@pytest.fixture(scope="session")
def seeded_batch_run():
    """``mesa.batch_run`` over ``seeds``, in the idiom of the installed Mesa.

    Mesa 3.5 seeds runs with ``rng=[...]`` (its ``iterations=`` is deprecated, and it sets the
    model's ``seed`` keyword itself, overriding one given in ``parameters``); Mesa 3.3 has no
    ``rng=`` there, so the seeds go in as a parameter. Both run every seed × parameter combination.
    """
    import inspect

    import mesa

    def run(model_cls, parameters, seeds, **options):
        if "rng" in inspect.signature(mesa.batch_run).parameters:
            return mesa.batch_run(model_cls, parameters, rng=list(seeds), **options)
        return mesa.batch_run(
            model_cls, {**parameters, "seed": list(seeds)}, iterations=1, **options
        )

    return run


@pytest.fixture
def local_dask_executor():
    """A :class:`DaskExecutor` on a local cluster of two worker processes (loopback only)."""
    from dask.distributed import Client, LocalCluster

    from alliance_sim.sweeps.executors import DaskExecutor

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,
        DaskExecutor(client=client) as executor,
    ):
        yield executor
