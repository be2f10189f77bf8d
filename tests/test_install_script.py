"""scripts/install.sh refuses interpreters it does not support, before touching any virtualenv."""

import os
import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[1]


def install(tmp_path, python: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": python, "VENV": str(tmp_path / "venv")}
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "install.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unsupported_version_is_refused_with_the_supported_list(tmp_path):
    result = install(tmp_path, "3.9")
    assert result.returncode == 1
    assert "Python 3.9 is not supported (supported: 3.13 3.12 3.11)" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_an_interpreter_that_does_not_run_is_refused(tmp_path):
    result = install(tmp_path, str(tmp_path / "no-such-python"))
    assert result.returncode == 1
    assert "is not a supported interpreter" in result.stderr
    assert not (tmp_path / "venv").exists()
