"""Running sweeps: outcomes, determinism across executors, chunk storage, failures and resume."""

import numpy as np
import pandas as pd
import pytest

from alliance_sim import AllianceModel
from alliance_sim.core import mechanisms as mech
from alliance_sim.sweeps import (
    DaskExecutor,
    ProcessExecutor,
    evaluate,
    evaluate_chunk,
    grid,
    outcome_columns,
    sweep,
)
from alliance_sim.sweeps.store import SweepFolderError

GRID = {
    "russia.capacity": [0.3, 0.6, 1.0],
    "china.pull": [0.2, 0.9],
    "global.contagion": 0.3,
}
OPTIONS = {"replicates": 30, "seed": 42, "chunk_size": 2, "months": 24}


@pytest.fixture(scope="module")
def in_process():
    return sweep("baseline", grid=GRID, **OPTIONS)


def test_results_are_tidy_one_row_per_design_point(in_process):
    r = in_process
    assert len(r) == 6
    assert list(r["point"]) == list(range(6))
    assert list(r.columns[1:4]) == list(GRID)
    assert set(outcome_columns()) <= set(r.columns)
    assert r["replicates"].eq(30).all()
    probabilities = r.filter(regex="^p_")
    assert probabilities.ge(0).all().all() and probabilities.le(1).all().all()
    for metric in ("integrity", "cohesion", "credibility"):
        assert r[f"{metric}_mean"].between(0, 1).all()
        assert (r[f"{metric}_q05"] <= r[f"{metric}_q95"]).all()
    # Uzbekistan starts outside the bloc and Russia is the hegemon: neither can exit.
    assert r["p_exit_uzbekistan"].eq(0).all() and r["p_exit_russia"].eq(0).all()
    # Belarus backs Russia's war and Kazakhstan hedges at every point; Russia takes no stance.
    assert (r["p_backs_war_belarus"] > 0.5).all() and (r["p_backs_war_kazakhstan"] < 0.2).all()
    assert r["p_backs_war_russia"].eq(0).all()


def test_a_weaker_russia_and_a_stronger_china_lose_members(in_process):
    """The design values really reach the model: the extreme corners differ as theory says."""
    r = in_process.set_index(["russia.capacity", "china.pull"])
    assert r.loc[(0.3, 0.9), "p_any_freeze"] > r.loc[(1.0, 0.2), "p_any_freeze"]
    assert r.loc[(0.3, 0.9), "integrity_mean"] < r.loc[(1.0, 0.2), "integrity_mean"]


def test_a_design_point_matches_a_direct_model_run():
    """A one-point chunk is the model run with the same overrides and the chunk's seed."""
    from alliance_sim.sweeps.chunk import chunk_seed

    design = grid({"armenia.access_west": [0.8], "west.pull": 1.0})
    r = evaluate(
        design, "baseline", replicates=40, seed=9, chunk_size=1, months=24, ensemble="independent"
    )
    model = AllianceModel(
        replicates=40,
        months=24,
        seed=chunk_seed(9, 0),
        overrides={"armenia.access_west": 0.8, "west.pull": 1.0},
        record_members=False,
    )
    model.run_model()
    final = model.final()
    # Sweeps summarise the model's float32 values in float64.
    mean = final["integrity"].to_numpy().mean(dtype=np.float64)
    assert r.loc[0, "integrity_mean"] == pytest.approx(mean, abs=0)
    outcomes = model.outcomes()
    kyrgyz = outcomes[outcomes.member == "kyrgyzstan"]
    # p_freeze counts a member that froze or left (it can leave without freezing first) within
    # the simulated months (not during the 2022 replay).
    start = pd.Period("2022-10", freq="M")
    frozen = ((kyrgyz["freeze_date"] >= start) | (kyrgyz["exit_date"] >= start)).mean()
    assert r.loc[0, "p_freeze_kyrgyzstan"] == pytest.approx(frozen, abs=0)
    # The war stance at the horizon: the model's own share of replicates backing the war.
    for member in ("belarus", "kazakhstan"):
        backs = (model.member(member).stance == mech.SUPPORT).mean()
        assert r.loc[0, f"p_backs_war_{member}"] == pytest.approx(backs, abs=0)


def test_by_default_each_replicate_draws_its_own_posterior_set():
    """The parameters a design does not set come from the shipped posterior, one set a run."""
    from alliance_sim.core.posterior import load_posterior, with_ensemble
    from alliance_sim.scenarios import load_scenario
    from alliance_sim.sweeps.chunk import chunk_seed

    design = grid({"west.pull": [1.0]})
    r = evaluate(design, "baseline", replicates=40, seed=9, chunk_size=1, months=24)
    kwargs = load_scenario("baseline").model_copy(update={"months": 24}).model_kwargs()
    kwargs.pop("replicates"), kwargs.pop("seed")
    overrides = with_ensemble(kwargs, "posterior", 40, chunk_seed(9, 0), 1, keep=["west.pull"])
    # Every posterior parameter the run can use is drawn, one posterior row per replicate.
    drawn = overrides["global.move_cost"]
    assert len(np.unique(drawn)) == 40
    assert np.isin(drawn, load_posterior()["global.move_cost"]).all()
    model = AllianceModel(
        **{k: v for k, v in kwargs.items() if k != "overrides"},
        replicates=40,
        seed=chunk_seed(9, 0),
        overrides={**overrides, "west.pull": np.full(40, 1.0)},
        record_members=False,
    )
    model.run_model()
    mean = model.final()["integrity"].to_numpy().mean(dtype=np.float64)
    assert r.loc[0, "integrity_mean"] == pytest.approx(mean, abs=0)
    independent = evaluate(
        design, "baseline", replicates=40, seed=9, chunk_size=1, months=24, ensemble="independent"
    )
    assert r.loc[0, "integrity_mean"] != independent.loc[0, "integrity_mean"]


def test_timeseries_on_request(in_process):
    results, series = sweep("baseline", grid=GRID, timeseries=True, **OPTIONS)
    pd.testing.assert_frame_equal(results, in_process)
    assert len(series) == 6 * (24 + 1)
    last = series.groupby("point").tail(1).set_index("point")
    assert np.allclose(last["integrity_mean"], results["integrity_mean"])


def test_two_local_processes_give_the_in_process_numbers(in_process):
    with ProcessExecutor(2) as executor:
        r = sweep("baseline", grid=GRID, executor=executor, **OPTIONS)
    pd.testing.assert_frame_equal(r, in_process)


def test_dask_local_cluster_with_two_workers_gives_the_in_process_numbers(
    in_process, local_dask_executor
):
    assert local_dask_executor.workers == 2
    r = sweep("baseline", grid=GRID, executor=local_dask_executor, **OPTIONS)
    pd.testing.assert_frame_equal(r, in_process)


def test_chunk_size_is_part_of_the_experiment(in_process):
    other = sweep("baseline", grid=GRID, **{**OPTIONS, "chunk_size": 3})
    assert not other["integrity_mean"].equals(in_process["integrity_mean"])


def test_streams_to_parquet_and_matches_in_memory(tmp_path, in_process):
    r = sweep("baseline", grid=GRID, out=tmp_path / "run", **OPTIONS)
    pd.testing.assert_frame_equal(r, in_process)
    chunks = sorted(p.name for p in (tmp_path / "run" / "chunks").iterdir())
    assert chunks == [f"results-{i:05d}.parquet" for i in range(3)]
    assert (tmp_path / "run" / "manifest.json").exists()
    assert (tmp_path / "run" / "design.parquet").exists()
    with pytest.raises(SweepFolderError, match="--resume"):
        sweep("baseline", grid=GRID, out=tmp_path / "run", **OPTIONS)
    with pytest.raises(SweepFolderError, match="different sweep"):
        sweep("baseline", grid=GRID, out=tmp_path / "run", resume=True, **{**OPTIONS, "seed": 43})


FAIL_AT = 1


def failing_evaluate(task):
    """Evaluates chunks normally but crashes on chunk FAIL_AT (module level: importable)."""
    if task.index == FAIL_AT:
        raise RuntimeError("worker lost")
    return evaluate_chunk(task)


def test_a_failed_sweep_leaves_whole_chunks_and_resumes_to_the_same_data(tmp_path, in_process):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="worker lost"):
        sweep("baseline", grid=GRID, out=out, evaluate_fn=failing_evaluate, **OPTIONS)
    assert [p.name for p in sorted((out / "chunks").iterdir())] == ["results-00000.parquet"]
    assert not (out / "results.parquet").exists()
    done = (out / "chunks" / "results-00000.parquet").stat().st_mtime_ns
    r = sweep("baseline", grid=GRID, out=out, resume=True, **OPTIONS)
    pd.testing.assert_frame_equal(r, in_process)
    assert (out / "chunks" / "results-00000.parquet").stat().st_mtime_ns == done


def flaky_evaluate(task):
    """Fails the first attempt at chunk 1 (a marker file records the attempt), then works."""
    import os
    from pathlib import Path

    marker = Path(os.environ["ALLIANCE_SIM_TEST_MARKER"]) / f"attempt-{task.index}"
    if task.index == 1 and not marker.exists():
        marker.write_text("failed once")
        raise RuntimeError("transient failure")
    return evaluate_chunk(task)


def test_dask_retries_a_failed_chunk(tmp_path, monkeypatch, in_process):
    from dask.distributed import Client, LocalCluster

    monkeypatch.setenv("ALLIANCE_SIM_TEST_MARKER", str(tmp_path))
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        DaskExecutor(client=client, retries=2) as executor,
    ):
        r = sweep(
            "baseline",
            grid=GRID,
            executor=executor,
            out=tmp_path / "run",
            evaluate_fn=flaky_evaluate,
            **OPTIONS,
        )
    assert (tmp_path / "attempt-1").exists()
    pd.testing.assert_frame_equal(r, in_process)


def test_sweeping_a_parameter_that_a_scenario_event_overwrites_is_refused():
    with pytest.raises(ValueError, match="overwritten by a scenario event that sets it in 2023-01"):
        sweep("russia_weakens", grid={"global.capacity_drift": [-0.01, 0.0]}, replicates=2)


@pytest.mark.parametrize(
    ("scenario", "grid_", "months", "window"),
    [
        ("armenia_exit", {"china.pull": [0.2, 0.5]}, 2, "2022-10 to 2022-11"),
        ("russia_weakens", {"global.capacity_drift": [-0.01, 0.0]}, 3, "2022-10 to 2022-12"),
    ],
)
def test_a_shorter_horizon_names_the_runs_own_window(scenario, grid_, months, window):
    # The history clock starts in 2022-01 and the run in 2022-10: the message names the run,
    # and no override is refused for an event the shortened run never reaches.
    with pytest.raises(ValueError) as err:
        sweep(scenario, grid=grid_, replicates=2, months=months)
    assert f"events[0].date: 2023-01 lies outside the run ({window})" in str(err.value)


def test_mesa_batch_run_still_works_on_two_processes(seeded_batch_run):
    runs = seeded_batch_run(
        AllianceModel,
        {"months": 6, "china_pull": [0.2, 0.8]},
        seeds=[1, 2],
        number_processes=2,
        max_steps=6,
        display_progress=False,
    )
    frame = pd.DataFrame(runs)
    assert frame["RunId"].nunique() == 4
    assert frame["integrity"].between(0, 1).all()


def test_finished_chunks_leave_no_model_in_memory():
    """Memory stays flat over many chunks: no model outlives its chunk (Mesa 3.3 keeps every
    model reachable through ``Agent._ids``; our agents number themselves without it)."""
    import gc

    from alliance_sim.sweeps.runner import make_tasks, resolve_scenario

    def live_models():
        # type(), not isinstance(): the heap can hold dead weak proxies, and isinstance() asks
        # a proxy for its __class__, which raises ReferenceError once its referent is gone.
        return sum(type(o) is AllianceModel for o in gc.get_objects())

    design = grid({"china.pull": [0.1, 0.5, 0.9]})
    tasks = list(make_tasks(design, resolve_scenario("baseline", months=6), 5, 1, 1))
    evaluate_chunk(tasks[0])
    before = live_models()
    for task in tasks[1:]:
        evaluate_chunk(task)
    assert live_models() <= before
