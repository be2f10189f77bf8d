"""Sweep folders: resume trusts only chunks whose checksum and point range match the manifest.

A tiny design (6 points, 3 replicates, 2 months, one point per chunk) runs in-process; each test
damages the folder the way the audit did and checks that resume gives exactly the numbers of an
uninterrupted sweep, or refuses naming the damaged file.
"""

import fcntl
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from alliance_sim.sweeps import SweepFolderError, evaluate, grid
from alliance_sim.sweeps import runner as runner_module

DESIGN = grid({"china.pull": [0.1, 0.3, 0.5, 0.7, 0.9, 1.0]})
OPTIONS = {"replicates": 3, "seed": 4, "chunk_size": 1, "months": 2}


@pytest.fixture(scope="module")
def reference():
    return evaluate(DESIGN, "baseline", **OPTIONS)


@pytest.fixture
def swept(tmp_path, reference):
    out = tmp_path / "sweep"
    got = evaluate(DESIGN, "baseline", out=out, **OPTIONS)
    pd.testing.assert_frame_equal(got, reference)
    return out


def resume(out):
    return evaluate(DESIGN, "baseline", out=out, resume=True, **OPTIONS)


def chunk(out, i):
    return out / "chunks" / f"results-{i:05d}.parquet"


def test_manifest_records_checksum_and_points_of_every_chunk(swept):
    done = json.loads((swept / "manifest.json").read_text())["done"]
    assert sorted(done, key=int) == [str(i) for i in range(6)]
    assert done["3"]["points"] == [3, 4]
    assert len(done["3"]["files"]["results"]) == 64


def test_altered_values_are_recomputed(swept, reference):
    frame = pd.read_parquet(chunk(swept, 2))
    frame["p_any_exit"] = 0.123
    frame.to_parquet(chunk(swept, 2), index=False)
    pd.testing.assert_frame_equal(resume(swept), reference)


def test_a_chunk_replaced_by_another_is_recomputed(swept, reference):
    chunk(swept, 5).write_bytes(chunk(swept, 4).read_bytes())
    got = resume(swept)
    pd.testing.assert_frame_equal(got, reference)
    assert list(got["point"]) == list(range(6))


@pytest.mark.parametrize("damage", ["truncate", "bitflip", "delete", "empty"])
def test_damaged_chunk_files_are_recomputed(swept, reference, damage):
    path = chunk(swept, 1)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "bitflip":
        path.write_bytes(data[:100] + bytes([data[100] ^ 0x01]) + data[101:])
    elif damage == "delete":
        path.unlink()
    else:
        path.write_bytes(b"")
    pd.testing.assert_frame_equal(resume(swept), reference)


def test_stray_and_extra_chunk_files_are_ignored(swept, reference, capsys):
    (swept / "chunks" / "results-abc.parquet").write_bytes(b"junk")
    (swept / "chunks" / "results-00099.parquet").write_bytes(chunk(swept, 0).read_bytes())
    got = evaluate(DESIGN, "baseline", out=swept, resume=True, progress=True, **OPTIONS)
    pd.testing.assert_frame_equal(got, reference)
    assert "%" not in capsys.readouterr().err.replace("100%", "")  # no -208131%


@pytest.mark.parametrize("text", ["{not json", "[]", '{"name": "x"}', "\x00\x01"])
def test_a_garbage_manifest_is_refused_naming_it(swept, text):
    (swept / "manifest.json").write_text(text)
    with pytest.raises(SweepFolderError, match=r"manifest\.json: "):
        resume(swept)


def test_without_manifest_old_chunks_are_never_reused_for_another_seed(swept):
    (swept / "manifest.json").unlink()
    with pytest.raises(SweepFolderError, match="holds files but no sweep"):
        evaluate(DESIGN, "baseline", out=swept, **{**OPTIONS, "seed": 43})


def test_changed_packaged_parameters_refuse_resume(swept, monkeypatch):
    monkeypatch.setattr(runner_module, "package_fingerprint", lambda: "other parameters.yaml")
    with pytest.raises(SweepFolderError, match="packaged parameters"):
        resume(swept)


def test_package_fingerprint_covers_the_parameter_file(tmp_path):
    from importlib import resources

    packaged = resources.files("alliance_sim").joinpath("core/data")
    copy = tmp_path / "data"
    copy.mkdir()
    for entry in packaged.iterdir():
        if entry.is_file():
            (copy / entry.name).write_bytes(entry.read_bytes())
    assert runner_module.package_fingerprint(copy) == runner_module.package_fingerprint()
    with open(copy / "parameters.yaml", "a") as handle:
        handle.write("# changed\n")
    assert runner_module.package_fingerprint(copy) != runner_module.package_fingerprint()


@pytest.mark.parametrize("existing", ["results.csv", "metadata.json"])
def test_sweep_refuses_a_folder_holding_other_files(tmp_path, existing):
    out = tmp_path / "mine"
    out.mkdir()
    (out / existing).write_text("the user's own file")
    with pytest.raises(SweepFolderError, match="holds files but no sweep"):
        evaluate(DESIGN, "baseline", out=out, **OPTIONS)
    assert (out / existing).read_text() == "the user's own file"
    assert sorted(p.name for p in out.iterdir()) == [existing]


def test_sweep_out_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "afile"
    out.write_text("x")
    with pytest.raises(SweepFolderError, match="not a folder"):
        evaluate(DESIGN, "baseline", out=out, **OPTIONS)


def test_assembled_results_are_read_back_from_verified_chunks(swept, reference):
    table = pq.read_table(swept / "results.parquet").to_pandas()
    pd.testing.assert_frame_equal(table, reference)


def test_a_folder_another_sweep_is_writing_to_is_refused_and_left_alone(swept, reference):
    manifest = (swept / "manifest.json").read_bytes()
    # Another process's lock (a second open file conflicts like another process would).
    with open(swept / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SweepFolderError, match="another sweep or calibration is writing"):
            resume(swept)
    assert (swept / "manifest.json").read_bytes() == manifest
    pd.testing.assert_frame_equal(resume(swept), reference)  # free again: resume works


def test_an_interrupted_sweep_releases_its_folder_for_a_resume_in_the_same_session(
    tmp_path, reference, monkeypatch
):
    out = tmp_path / "sweep"
    write_chunk = runner_module.ChunkStore.write_chunk
    written = []

    def interrupted(store, index, *args, **kwargs):
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(index)
        return write_chunk(store, index, *args, **kwargs)

    monkeypatch.setattr(runner_module.ChunkStore, "write_chunk", interrupted)
    # Kept, as an interactive session keeps the last traceback (and the frames it holds).
    with pytest.raises(KeyboardInterrupt) as last_traceback:
        evaluate(DESIGN, "baseline", out=out, **OPTIONS)
    monkeypatch.setattr(runner_module.ChunkStore, "write_chunk", write_chunk)
    pd.testing.assert_frame_equal(resume(out), reference)
    assert last_traceback.traceback  # still held while the resume ran


def test_a_file_system_without_locks_still_takes_a_sweep(tmp_path, reference, monkeypatch):
    """Some network mounts refuse flock (ENOLCK): the sweep goes on unlocked."""
    import errno

    from alliance_sim.sweeps import store as store_module

    def no_locks(handle, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(store_module.fcntl, "flock", no_locks)
    got = evaluate(DESIGN, "baseline", out=tmp_path / "sweep", **OPTIONS)
    pd.testing.assert_frame_equal(got, reference)
