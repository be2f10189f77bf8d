"""Up-front resource checks: the memory estimate bounds what a run really uses, and work that
cannot fit is refused before it starts, with the estimate and the way out."""

import tracemalloc

import pytest

from alliance_sim import run
from alliance_sim.core.parameters import load_parameters
from alliance_sim.errors import BadInput, NotEnoughMemory
from alliance_sim.resources import check_memory, estimate_run_bytes
from alliance_sim.sweeps import evaluate, grid


def test_estimate_bounds_the_measured_peak_of_a_run_and_its_folder(tmp_path):
    run("baseline", replicates=5, months=2, seed=1).save(tmp_path / "warm")  # imports, caches
    members = len(load_parameters().member_names)
    tracemalloc.start()
    try:
        result = run("baseline", replicates=2000, months=24, seed=1)
        result.save(tmp_path / "run")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = estimate_run_bytes(2000, 24, members, record_members=True)
    assert peak <= estimate <= 3 * peak, (peak, estimate)


def test_check_memory_names_estimate_and_way_out():
    with pytest.raises(NotEnoughMemory, match=r"needs about 9\.3 GB.*use fewer") as info:
        check_memory(10 * 10**9, "a run", "use fewer replicates", available=4 * 2**30)
    assert isinstance(info.value, BadInput)
    check_memory(10**9, "a run", "use fewer replicates", available=4 * 2**30)  # fits


def test_api_run_refuses_before_simulating(monkeypatch):
    monkeypatch.setattr("alliance_sim.resources.available_memory", lambda: 50 * 2**20)
    with pytest.raises(NotEnoughMemory, match=r"at most [\d,]+ replicates"):
        run("baseline", replicates=100_000, months=36)


def test_sweep_refuses_chunks_that_do_not_fit_before_writing(monkeypatch, tmp_path):
    monkeypatch.setattr("alliance_sim.resources.available_memory", lambda: 50 * 2**20)
    design = grid({"china.pull": [0.1, 0.2]})
    with pytest.raises(NotEnoughMemory, match="chunk_size: 0|fewer replicates|chunk_size"):
        evaluate(design, "baseline", replicates=1_000_000, chunk_size=2, out=tmp_path / "o")
    assert not (tmp_path / "o").exists()
