"""Run folders: nothing removed or overwritten without --overwrite, unique names, no debris."""

import errno
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from alliance_sim.cli import main
from alliance_sim.runs import (
    RunFolderError,
    atomic_folder,
    clean_stale_partials,
    default_run_dir,
    safe_slug,
)

CLI = [sys.executable, "-m", "alliance_sim"]
TINY = ["--quiet", "--replicates", "4", "--months", "2"]


def test_default_names_are_unique_within_a_second(tmp_path):
    names = {default_run_dir("baseline", tmp_path) for _ in range(25)}
    assert len(names) == 25
    assert all(p.is_dir() and not any(p.iterdir()) for p in names)


@pytest.mark.parametrize(
    "name, slug",
    [("../../../x", "x"), ("/etc/passwd", "etc_passwd"), ("..", "run"), ("a b/c", "a_b_c")],
)
def test_slug_stays_inside_the_base_folder(name, slug, tmp_path):
    assert safe_slug(name) == slug
    target = default_run_dir(name, tmp_path / "runs")
    assert target.parent == tmp_path / "runs"


def test_atomic_folder_never_replaces_a_folder_filled_meanwhile(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RunFolderError, match="another process"), atomic_folder(target) as tmp:
        (tmp / "mine.txt").write_text("new")
        target.mkdir()
        (target / "theirs.txt").write_text("old")  # another run finished first
    assert (target / "theirs.txt").read_text() == "old"
    assert not (target / "mine.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no hidden debris


def test_overwrite_replaces_and_write_errors_are_one_line(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_folder(target, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]

    def failing(tmp):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "x.parquet"))

    with pytest.raises(RunFolderError, match="No space left"), atomic_folder(tmp_path / "x") as tmp:
        failing(tmp)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stale_partial_folders_of_dead_processes_are_cleaned(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    stale = tmp_path / f".baseline-1.partial-{pid}-abcd"
    stale.mkdir()
    (stale / "bloc.parquet").write_bytes(b"half")
    alive = tmp_path / f".baseline-2.partial-{os.getppid()}-efgh"
    alive.mkdir()
    unrelated = tmp_path / ".hidden-thing"
    unrelated.mkdir()
    assert clean_stale_partials(tmp_path) == [stale]
    assert alive.exists() and unrelated.exists()


def test_two_runs_into_the_same_out_keep_the_first(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "baseline", *TINY, "--seed", "1", "--out", "same"]) == 0
    first = json.loads((tmp_path / "same" / "metadata.json").read_text())
    capsys.readouterr()
    assert main(["run", "baseline", *TINY, "--seed", "2", "--out", "same"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert json.loads((tmp_path / "same" / "metadata.json").read_text()) == first


@pytest.mark.slow
def test_ten_concurrent_runs_leave_ten_complete_distinct_folders(tmp_path):
    procs = [
        subprocess.Popen([*CLI, "run", "baseline", *TINY, "--seed", str(i)], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(10)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, [err for _, err in outputs]
    printed = {
        line.split(": ", 1)[1]
        for out, _ in outputs
        for line in out.splitlines()
        if line.startswith("Run folder: ")
    }
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(printed) == 10 and len(folders) == 10
    assert {str(pathlib.Path(p)) for p in printed} == {
        str(f.relative_to(tmp_path)) for f in folders
    }
    seeds = set()
    for folder in folders:
        meta = json.loads((folder / "metadata.json").read_text())
        seeds.add(meta["seed"])
        assert (folder / "bloc.parquet").is_file() and (folder / "members.parquet").is_file()
        assert (folder / "summary.txt").is_file() and (folder / "bloc_metrics.png").is_file()
    assert seeds == set(range(10))
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One finished run folder, written by ``alliance-sim run``; tests damage copies of it."""
    folder = tmp_path_factory.mktemp("tiny") / "r"
    assert main(["run", "baseline", *TINY, "--seed", "1", "--out", str(folder)]) == 0
    return folder


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("metadata.json", "{bad\n", "metadata.json:1: not valid JSON"),
        ("scenario.yaml", "x: [\n", "scenario.yaml:2: not valid YAML"),
        ("summary_members.csv", "garbage\n", "summary_members.csv:1: missing column(s) member"),
    ],
)
def test_report_on_a_damaged_file_names_it_and_leaves_the_report(
    tiny_run, tmp_path, monkeypatch, capsys, name, text, message
):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_run, "r")  # copy2: the report keeps its bytes and its mtime
    report = tmp_path / "r" / "report.html"
    before = report.read_bytes(), report.stat().st_mtime_ns
    (tmp_path / "r" / name).write_text(text)
    capsys.readouterr()
    assert main(["report", "r"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"alliance-sim: error: {os.path.join('r', '')}")
    assert message in err and "Traceback" not in err
    assert (report.read_bytes(), report.stat().st_mtime_ns) == before
