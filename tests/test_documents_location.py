"""The quote check runs wherever the documents are, and is skipped (not failed) without them."""

import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
DOCUMENTS_ENV = "ALLIANCE_SIM_DOCUMENTS"  # as in tests/conftest.py


def _run_quote_check(env_value: str, tmp_path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", DOCUMENTS_ENV: env_value, "HOME": str(tmp_path)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            str(REPO / "tests" / "test_outputs.py"),
            "-k",
            "provenance_that_checks_out or history",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_quote_check_skips_with_a_message_when_documents_are_missing(tmp_path):
    result = _run_quote_check(str(tmp_path / "nowhere"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 skipped" in result.stdout
    assert DOCUMENTS_ENV in result.stdout and "quote check skipped" in result.stdout


def test_quote_check_runs_on_documents_named_by_the_environment(tmp_path, seeds_dir):
    result = _run_quote_check(str(seeds_dir), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
