import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
# A worktree does not sit beside shared/: ALLIANCE_SIM_SEEDS can point at the documents.
SEEDS = pathlib.Path(os.environ.get("ALLIANCE_SIM_SEEDS", REPO.parent / "shared" / "seeds"))


@pytest.fixture(scope="session")
def seeds_dir() -> pathlib.Path:
    assert SEEDS.is_dir(), (
        f"source documents not found at {SEEDS} (shared/ must sit beside the repo)"
    )
    return SEEDS
