import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
# The source documents sit beside the repository; a checkout elsewhere (a git worktree) points
# ALLIANCE_SIM_SEEDS at them.
SEEDS = pathlib.Path(os.environ.get("ALLIANCE_SIM_SEEDS") or REPO.parent / "shared" / "seeds")


@pytest.fixture(scope="session")
def seeds_dir() -> pathlib.Path:
    assert SEEDS.is_dir(), (
        f"source documents not found at {SEEDS} (shared/ must sit beside the repo, "
        "or set ALLIANCE_SIM_SEEDS)"
    )
    return SEEDS


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
