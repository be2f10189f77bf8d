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
    configured = os.environ.get(DOCUMENTS_ENV)
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
