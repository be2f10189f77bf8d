"""The ``alliance-sim sweep`` command: results folder, bad input, kill and resume, a real Dask
cluster (scheduler and two workers started on the loopback address)."""

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from alliance_sim.scenarios import ScenarioError
from alliance_sim.sweeps import evaluate, load_experiment

CLI = str(Path(sys.executable).with_name("alliance-sim"))
DASK = str(Path(sys.executable).with_name("dask"))

SMALL = """\
name: small
description: test sweep
scenario: baseline
months: 24
replicates: 30
seed: 42
chunk_size: 2
design:
  method: grid
  grid:
    russia.capacity: [0.3, 0.6, 1.0]
    china.pull: [0.2, 0.9]
plot:
  outcome: p_any_freeze
"""


def run_cli(*args, cwd=None, timeout=120):
    return subprocess.run(
        [CLI, "sweep", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    path = folder / "small.yaml"
    path.write_text(SMALL)
    done = run_cli(path, "--out", folder / "inproc")
    assert done.returncode == 0, done.stderr
    return path, pd.read_parquet(folder / "inproc" / "results.parquet")


def test_cli_writes_a_results_folder_with_a_plot_and_a_progress_bar(small, tmp_path):
    path, reference = small
    out = tmp_path / "two"
    done = run_cli(path, "--workers", "2", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "6/6" in done.stderr  # tqdm's bar reached the end
    for name in (
        "results.parquet",
        "results.csv",
        "plot.png",
        "metadata.json",
        "manifest.json",
        "experiment.yaml",
        "scenario.yaml",
        "design.parquet",
    ):
        assert (out / name).exists(), name
    assert (out / "plot.png").stat().st_size > 10_000
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == 42 and meta["executor"] == "2 local processes"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)
    # The CLI's numbers are the Python API's.
    exp = load_experiment(path)
    api = evaluate(
        exp.design_frame(), exp.resolved_scenario, replicates=30, seed=42, chunk_size=2, months=24
    )
    pd.testing.assert_frame_equal(api, reference, check_like=False)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (
            ("    china.pull: [0.2, 0.9]", "    china.pul: [0.2, 0.9]"),
            ":12: design.grid.china.pul: unknown parameter 'pul'",
        ),
        (("replicates: 30", "replicates: -3"), ":5: replicates: Input should be greater"),
        (
            ("    china.pull: [0.2, 0.9]", "    china.pull: [0.2, lots]"),
            ":12: design.grid.china.pull: Input should be a valid number",
        ),
        (("  method: grid", "  method: fast"), ":9: design.method: design.method must be one"),
        (
            ("  outcome: p_any_freeze", "  outcome: p_exit_moldova"),
            ":14: plot.outcome: unknown outcome 'p_exit_moldova'",
        ),
        (("scenario: baseline", "scenario: nowhere"), ":3: scenario: no such scenario"),
        (
            (
                "    china.pull: [0.2, 0.9]",
                f"    china.pull: {[0.5] * 1000}\n    turkey.pull: {[0.5] * 400}",
            ),
            ":8: design: the design has 1,200,000 points, more than 1,000,000",
        ),
        (("seed: 42", "seed: 42\ncolour: red"), ":7: colour: unknown field 'colour'; valid:"),
        (
            ("    china.pull: [0.2, 0.9]", "    russia.commitment: [0.2, 0.9]"),
            ":12: design.grid.russia.commitment: russia.commitment has no effect",
        ),
    ],
)
def test_bad_experiment_files_name_file_line_and_field(tmp_path, edit, where):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace(*edit))
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert f"{path}{where}" in str(err.value)


def test_an_experiment_horizon_that_drops_a_scenario_event_names_the_run(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(
        SMALL.replace("scenario: baseline", "scenario: armenia_exit").replace(
            "months: 24", "months: 2"
        )
    )
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    message = str(err.value)
    assert message.startswith(f"{path}:4: months: ")
    assert "events[0].date: 2023-01 lies outside the run (2022-10 to 2022-11)" in message


def test_a_bad_experiment_file_exits_2_without_traceback_or_output(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("    china.pull: [0.2, 0.9]", "    china.pul: [0.2, 0.9]"))
    done = run_cli(path, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{path}:12: design.grid.china.pul: unknown parameter 'pul'" in done.stderr
    assert not (tmp_path / "out").exists()


def test_cli_refuses_to_mix_two_sweeps_in_one_folder(small, tmp_path):
    path, _ = small
    out = path.parent / "inproc"  # holds the reference sweep
    again = run_cli(path, "--out", out)
    assert again.returncode == 2 and "--resume" in again.stderr
    assert "pass --resume to continue it" in again.stderr and "Traceback" not in again.stderr


LONG = """\
name: long
scenario: baseline
months: 36
replicates: 200
seed: 5
chunk_size: 1
design:
  method: grid
  grid:
    armenia.access_west: {start: 0.0, stop: 1.0, num: 40}
    west.pull: 1.0
    russia.capacity: 0.4
plot:
  outcome: p_exit_armenia
  x: armenia.access_west
"""


def test_a_sweep_killed_halfway_resumes_to_the_uninterrupted_data(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(LONG)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [CLI, "sweep", str(path), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    chunks = out / "chunks"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if chunks.exists() and len(list(chunks.glob("results-*.parquet"))) >= 5:
                break
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = sorted(chunks.glob("results-*.parquet"))
    assert 5 <= len(finished) < 40, "the sweep must be killed halfway"
    assert not (out / "results.parquet").exists()
    # Chunks recorded in the manifest are kept; a file written just before the kill but not yet
    # recorded is computed again.
    recorded = json.loads((out / "manifest.json").read_text())["done"]
    assert len(recorded) >= len(finished) - 1
    before = {
        p.name: p.stat().st_mtime_ns for p in finished if str(int(p.stem.split("-")[1])) in recorded
    }

    resumed = run_cli(path, "--out", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    after = {p.name: p.stat().st_mtime_ns for p in chunks.glob("results-*.parquet")}
    assert len(after) == 40
    assert all(after[name] == mtime for name, mtime in before.items())  # not recomputed
    assert not list(chunks.glob(".*"))  # no temporary files left behind

    exp = load_experiment(path)
    uninterrupted = evaluate(
        exp.design_frame(), exp.resolved_scenario, replicates=200, seed=5, chunk_size=1, months=36
    )
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), uninterrupted)
    assert uninterrupted["p_exit_armenia"].max() > 0  # the data is not trivially all zeros


def test_cli_refuses_a_folder_another_sweep_is_writing_to(small, tmp_path):
    path, reference = small
    out = tmp_path / "busy"
    assert run_cli(path, "--out", out).returncode == 0
    manifest = (out / "manifest.json").read_bytes()
    with open(out / ".lock", "a") as held:  # as a sweep running in another terminal holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        refused = run_cli(path, "--out", out, "--resume")
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert str(out) in lines[0] and "another sweep or calibration is writing" in lines[0]
    assert (out / "manifest.json").read_bytes() == manifest
    assert run_cli(path, "--out", out, "--resume").returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    from dask.distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "dask.log", "w")  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                    ],
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                    cwd=tmp_path,
                )
            )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def test_cli_on_a_real_dask_cluster_gives_identical_numbers(small, tmp_path, dask_cluster):
    path, reference = small
    out = tmp_path / "dask"
    done = run_cli(path, "--scheduler", dask_cluster, "--out", out)
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["executor"].startswith(f"dask {dask_cluster}") and "2 workers" in meta["executor"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)


def test_an_unreachable_scheduler_fails_cleanly(small, tmp_path):
    path, _ = small
    done = run_cli(
        path, "--scheduler", f"tcp://127.0.0.1:{_free_port()}", "--out", tmp_path / "x", timeout=120
    )
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:99999", "foo", "tcp://127.0.0.1", "tls://127.0.0.1:1", "inproc://x"],
)
def test_bad_scheduler_addresses_exit_2_in_one_line(small, tmp_path, capsys, address):
    from alliance_sim.cli import main

    path, _ = small
    code = main(["sweep", str(path), "--scheduler", address, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("alliance-sim: error: --scheduler: ") and len(err.splitlines()) == 1
    assert not (tmp_path / "x").exists()
