"""Calibration by ABC: reproducible wherever it runs, resumable after a kill, informative."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_sim.calibration import calibrate
from alliance_sim.core.parameters import load_parameters
from alliance_sim.core.posterior import Prior
from alliance_sim.sweeps.executors import ProcessExecutor
from alliance_sim.sweeps.store import SweepFolderError

SMALL = {"draws": 3000, "chunk_size": 1000, "seed": 7}


@pytest.fixture(scope="module")
def in_process():
    return calibrate(**SMALL)


def test_prior_is_the_parameter_table():
    prior = Prior.from_parameters()
    params = load_parameters()
    assert prior.size > 10
    for key, value, half in zip(prior.keys, prior.center, prior.half_width, strict=True):
        p = params.lookup(key)
        assert (p.value, p.uncertainty) == (value, half) and half > 0
    # a parameter that a documented event overwrites is not calibrated
    assert "global.war_intensity" not in prior.keys
    draws = prior.sample(np.random.default_rng(1), 5000)
    lo, hi = prior.support()
    assert (draws >= lo).all() and (draws <= hi).all()


def test_accepted_draws_reproduce_every_used_pattern(in_process):
    cal = in_process
    assert 0 < len(cal.posterior) < cal.draws
    table = cal.acceptance().set_index("pattern")
    acc = table["acceptance"]
    # the joint acceptance cannot exceed any single used pattern's
    used = table[table["used"]].drop("joint (all used)")
    assert acc["joint (all used)"] <= used["acceptance"].min() + 1e-12
    # the departure base rate is a check, not an acceptance criterion (patterns.yaml says why)
    assert not table.loc["departure_base_rate", "used"]
    # ...and so are the war stances, on which the prior of the stance cost was set
    assert not table.loc[["belarus_backs_the_war", "only_belarus_backs_the_war"], "used"].any()
    assert table.loc["belarus_backs_the_war", "acceptance"] > 0.5
    assert acc["joint (all used)"] == pytest.approx(cal.acceptance_rate, abs=0.03)
    assert len(cal.posterior) <= cal.accepted
    assert list(cal.posterior.columns) == ["draw", *cal.prior.keys]


STANCES = ["belarus_backs_the_war", "only_belarus_backs_the_war"]


def test_a_wide_prior_changes_only_its_parameter_and_stays_in_range():
    table = Prior.from_parameters()
    wide = table.with_uniform("global.stance_cost", 0.0, 7.0)
    i = table.keys.index("global.stance_cost")
    assert wide.support()[0][i] == 0.0 and wide.support()[1][i] == 7.0
    others = np.arange(table.size) != i
    assert (wide.center[others] == table.center[others]).all()
    assert (wide.half_width[others] == table.half_width[others]).all()
    assert wide.hash() != table.hash()
    with pytest.raises(ValueError, match=r"global.stance_cost: \[-1.0, 7.0\]"):
        table.with_uniform("global.stance_cost", -1.0, 7.0)
    with pytest.raises(KeyError, match="global.war_intensity"):
        table.with_uniform("global.war_intensity", 0.0, 1.0)


def test_the_war_stances_narrow_a_wide_stance_cost_prior_around_the_table_value(in_process):
    """scripts/stance_cost_check.py at a small size: the stances alone locate the cost."""
    key = "global.stance_cost"
    wide = Prior.from_parameters().with_uniform(key, 0.0, 7.0)
    cal = calibrate(draws=16384, chunk_size=8192, seed=7, prior=wide, include=STANCES)
    table = cal.acceptance().set_index("pattern")
    assert table.loc[STANCES, "used"].all()
    # The table's narrow prior was set on the stances: it reproduces them far more often.
    tuned = in_process.acceptance().set_index("pattern").loc[STANCES, "acceptance"]
    assert (table.loc[STANCES, "acceptance"] < tuned - 0.1).all()
    assert set(STANCES) <= set(cal.recipe["patterns_used"])
    posterior = cal.posterior[key]
    # Informative: half the wide prior's spread or less, and the table's 2.6 inside its 90%.
    assert posterior.std() < 0.5 * wide.sd()[wide.keys.index(key)]
    assert posterior.quantile(0.05) < 2.6 < posterior.quantile(0.95)
    # Without the stances the same prior stays wide: they are what informs it.
    blind = calibrate(draws=16384, chunk_size=8192, seed=7, prior=wide)
    assert blind.posterior[key].std() > 0.8 * wide.sd()[wide.keys.index(key)]


def test_the_stance_cost_check_script_prints_its_tables():
    script = Path(__file__).resolve().parents[1] / "scripts" / "stance_cost_check.py"
    done = subprocess.run(
        [sys.executable, str(script), "--draws", "8192", "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("8,192 draws,")
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| ")}
    assert {"table prior", "wide prior", "posterior (wide prior, stances used)"} <= set(rows)
    assert rows["belarus_backs_the_war"].split("|")[2].strip() == "True"  # used here
    assert "global.stance_cost" in rows


def test_include_and_leave_out_name_unknown_or_contradictory_patterns():
    with pytest.raises(KeyError, match="cannot include unknown pattern.*nope"):
        calibrate(draws=10, include=["nope"])
    with pytest.raises(ValueError, match="belarus_backs_the_war both left out and included"):
        calibrate(draws=10, include=STANCES[:1], leave_out=STANCES[:1])


def test_same_seed_same_posterior_with_two_worker_processes(in_process):
    with ProcessExecutor(2) as executor:
        cal = calibrate(**SMALL, executor=executor)
    pd.testing.assert_frame_equal(cal.posterior, in_process.posterior)
    pd.testing.assert_frame_equal(cal.stats, in_process.stats)


def test_same_seed_same_posterior_on_a_local_dask_cluster(in_process, local_dask_executor):
    cal = calibrate(**SMALL, executor=local_dask_executor)
    pd.testing.assert_frame_equal(cal.posterior, in_process.posterior)


def test_another_seed_gives_another_posterior(in_process):
    other = calibrate(**{**SMALL, "seed": 8})
    assert not other.posterior["draw"].equals(in_process.posterior["draw"])


def test_resumes_after_a_kill_with_identical_results(tmp_path, in_process):
    out = tmp_path / "cal"
    cmd = [
        sys.executable,
        "-m",
        "alliance_sim",
        "calibrate",
        "--draws",
        "6000",
        "--chunk-size",
        "500",
        "--seed",
        "7",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / "chunks").glob("results-*.parquet")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = list((out / "chunks").glob("results-*.parquet"))
    assert 1 <= len(finished) < 12, "the kill came too late to test resuming"
    assert not (out / "posterior.parquet").exists()
    resumed = calibrate(draws=6000, chunk_size=500, seed=7, out=out, resume=True)
    fresh = calibrate(draws=6000, chunk_size=500, seed=7)
    pd.testing.assert_frame_equal(resumed.posterior, fresh.posterior)
    pd.testing.assert_frame_equal(resumed.stats, fresh.stats)
    with pytest.raises(SweepFolderError, match="different"):
        calibrate(draws=6000, chunk_size=500, seed=8, out=out, resume=True)


def test_leave_one_out_predicts_each_pattern_from_the_others(in_process):
    loo = in_process.leave_one_out().set_index("pattern")
    # the documented October postures are far more likely under the model than under
    # persistence of the January postures
    for pid in ("armenia_reduced_2022_10", "kyrgyzstan_reduced_2022_10"):
        assert loo.loc[pid, "p_model"] > 0.5 > loo.loc[pid, "p_persistence"]
        assert loo.loc[pid, "brier_model"] < loo.loc[pid, "brier_persistence"]
    mean = loo.loc["mean (independent)"]
    assert mean["log_model"] < mean["log_persistence"]
    # the mean leaves out the patterns a parameter was tuned on (the war stances)
    independent = [p.id for p in in_process.patterns if not p.tuned_on]
    assert "departure_base_rate" in independent and "belarus_backs_the_war" not in independent
    assert mean["p_model"] == pytest.approx(loo.loc[independent, "p_model"].mean())


def test_calibrate_cli_writes_the_folder(tmp_path):
    from alliance_sim.cli import main

    out = tmp_path / "cal"
    assert (
        main(["calibrate", "--draws", "1200", "--chunk-size", "600", "--out", str(out), "--quiet"])
        == 0
    )
    for name in (
        "posterior.parquet",
        "acceptance.csv",
        "shrinkage.csv",
        "informs.csv",
        "leave_one_out.csv",
        "pairplot.png",
        "metadata.json",
        "summary.txt",
    ):
        assert (out / name).exists(), name
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == 20221021 and meta["draws"] == 1200 and meta["prior_hash"]
    shrink = pd.read_csv(out / "shrinkage.csv")
    assert set(shrink["key"]) == set(Prior.from_parameters().keys)
    # a non-empty folder without --resume is refused with exit code 2
    assert main(["calibrate", "--draws", "1200", "--out", str(out), "--quiet"]) == 2
    assert (
        main(
            [
                "calibrate",
                "--draws",
                "10",
                "--leave-out",
                "nope",
                "--out",
                str(tmp_path / "x"),
                "--quiet",
            ]
        )
        == 2
    )


@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1:1"])
def test_a_bad_or_unreachable_scheduler_exits_2_in_one_line(tmp_path, capsys, address):
    from alliance_sim.cli import main

    out = tmp_path / "cal"
    code = main(["calibrate", "--draws", "10", "--scheduler", address, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("alliance-sim: error: --scheduler: ") and len(err.splitlines()) == 1
    assert not out.exists()
