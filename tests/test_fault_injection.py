"""Fault injection: kill ``run`` and ``sweep`` at seeded random points, damage their files, and
check that what is left is either complete and exact or refused naming the damaged file, and
that no worker outlives its parent.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from alliance_sim.sweeps import evaluate, load_experiment

pytestmark = pytest.mark.slow

CLI = str(Path(sys.executable).with_name("alliance-sim"))
RNG = random.Random(20221021)  # the kill points and damages are random, but the same each run

EXPERIMENT = """\
name: faults
scenario: baseline
months: 6
replicates: 20
seed: 7
chunk_size: 1
design:
  method: grid
  grid:
    armenia.access_west: {start: 0.0, stop: 1.0, num: 30}
plot:
  outcome: p_exit_armenia
"""


def children(pid):
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def recorded(out):
    try:
        return len(json.loads((out / "manifest.json").read_text())["done"])
    except (OSError, ValueError, KeyError):
        return 0


def kill_after_chunks(args, out, chunks, cwd):
    """Start ``alliance-sim ARGS`` and SIGKILL it (the parent only) once ``chunks`` are done.

    Returns:
        The pids of its children just before the kill.
    """
    proc = subprocess.Popen([CLI, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    kids = []
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if recorded(out) >= chunks:
                break
            time.sleep(0.005)
        time.sleep(RNG.uniform(0, 0.05))
        kids = children(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return kids


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    path = folder / "faults.yaml"
    path.write_text(EXPERIMENT)
    exp = load_experiment(path)
    reference = evaluate(
        exp.design_frame(), exp.resolved_scenario, replicates=20, seed=7, chunk_size=1, months=6
    )
    return path, reference


def sweep(*args, cwd):
    return subprocess.run([CLI, "sweep", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)  # fmt: skip


def damage(out):
    """Flip a bit in one recorded chunk and delete another (seeded choice)."""
    files = sorted((out / "chunks").glob("results-*.parquet"))
    flip, gone = RNG.sample(files, 2)
    data = bytearray(flip.read_bytes())
    data[RNG.randrange(len(data))] ^= 1 << RNG.randrange(8)
    flip.write_bytes(bytes(data))
    gone.unlink()


@pytest.mark.parametrize("workers", [1, 2])
def test_killed_and_damaged_sweep_resumes_to_the_exact_uninterrupted_results(
    experiment, tmp_path, workers
):
    path, reference = experiment
    out = tmp_path / "out"
    args = ["sweep", path, "--out", out, "--workers", workers]
    kids = kill_after_chunks(list(map(str, args)), out, RNG.randint(3, 20), tmp_path)
    assert not (out / "results.parquet").exists(), "the sweep must be killed before the end"
    if workers > 1:
        assert len(kids) >= workers, kids  # the workers (and the resource tracker)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(alive(k) for k in kids):
            time.sleep(0.2)
        assert not [k for k in kids if alive(k)], "processes outlived their parent"
    damage(out)
    done = sweep(path, "--out", out, "--resume", "--workers", workers, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "results.parquet"), reference, check_exact=True
    )


def test_a_garbage_manifest_after_a_kill_exits_2_naming_it(experiment, tmp_path):
    path, _ = experiment
    out = tmp_path / "out"
    kill_after_chunks(["sweep", str(path), "--out", str(out)], out, 2, tmp_path)
    (out / "manifest.json").write_bytes(os.urandom(64))
    done = sweep(path, "--out", out, "--resume", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert f"{out / 'manifest.json'}: damaged sweep manifest" in done.stderr


def test_killed_run_leaves_a_complete_folder_or_none_and_its_rerun_is_exact(tmp_path):
    from alliance_sim import run

    args = [CLI, "run", "baseline", "--quiet", "--replicates", "200", "--months", "12",
            "--seed", "5", "--out", "x"]  # fmt: skip
    reference = run("baseline", replicates=200, months=12, seed=5).to_frame()
    for attempt in range(2):
        cwd = tmp_path / str(attempt)
        cwd.mkdir()
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        # Kill at a random moment once the work folder exists (simulation done, writing files).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if [p for p in cwd.iterdir() if ".partial-" in p.name]:
                break
            time.sleep(0.005)
        time.sleep(RNG.uniform(0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        target = cwd / "x"
        complete = target.exists()
        if complete:
            assert (target / "metadata.json").is_file()  # a folder under its name is complete
        again = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
        if complete:
            assert again.returncode == 2 and "not empty" in again.stderr
        else:
            assert again.returncode == 0, again.stderr
        assert not [p for p in cwd.iterdir() if ".partial-" in p.name], "debris left behind"
        saved = pd.read_parquet(target / "bloc.parquet")
        expected = reference.assign(date=reference["date"].dt.to_timestamp())
        pd.testing.assert_frame_equal(saved, expected, check_exact=True, check_dtype=False)
