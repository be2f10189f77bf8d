"""Scenario discovery: sweep outcomes by month, outcome expressions, PRIM/CART on a known box,
the ``alliance-sim discover`` command, and determinism across executors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from alliance_sim.core.parameters import load_parameters
from alliance_sim.discovery import OutcomeError, discover, parse_outcome
from alliance_sim.scenarios import ScenarioError
from alliance_sim.sweeps import (
    ProcessExecutor,
    evaluate,
    load_experiment,
    run_experiment,
    sample,
)

ROOT = Path(__file__).resolve().parents[1]
WORKED = ROOT / "experiments" / "armenia_kazakhstan_discovery.yaml"
CLI = str(Path(sys.executable).with_name("alliance-sim"))
MEMBERS = ["russia", "belarus", "kazakhstan", "kyrgyzstan", "tajikistan", "armenia"]
POSTURES = ["active", "reduced", "frozen", "exited"]


# ---------------------------------------------------------------- sweep outcomes by month
@pytest.fixture(scope="module")
def monthly():
    design = sample(
        {"armenia.access_west": (0.0, 1.0), "russia.capacity": (0.3, 1.0), "west.pull": (0, 1)},
        n=12,
        method="lhs",
        seed=3,
    )
    return evaluate(design, "baseline", replicates=40, seed=5, chunk_size=4, at=[6, 12])


def test_sweeps_report_each_posture_at_the_chosen_months_and_the_horizon(monthly):
    r = monthly
    for t in (6, 12, 36):
        for m in MEMBERS:
            total = sum(r[f"p_{s}_{m}_m{t}"] for s in POSTURES)
            assert np.allclose(total, 1.0), (m, t)
            # Frozen or out in at least one month up to t covers being frozen or out at t.
            now = r[f"p_frozen_{m}_m{t}"] + r[f"p_exited_{m}_m{t}"]
            assert (r[f"p_frozen_or_exited_{m}_m{t}"] >= now - 1e-12).all()
        assert r[f"integrity_mean_m{t}"].between(0, 1).all()
    for m in MEMBERS:  # "by month t" can only grow with t
        assert (r[f"p_frozen_or_exited_{m}_m6"] <= r[f"p_frozen_or_exited_{m}_m12"]).all()
    # The horizon columns agree with the whole-run outcomes.
    assert np.array_equal(r["p_any_exit_m36"], r["p_any_exit"])
    assert np.array_equal(r["integrity_mean_m36"], r["integrity_mean"])
    assert r["p_exited_uzbekistan_m36"].eq(1).all()  # outside the bloc from the start
    assert r["p_frozen_or_exited_armenia_m36"].gt(0).any()


def test_an_experiment_asks_for_months_and_samples_uncertain_parameters_over_their_prior():
    exp = load_experiment(WORKED)
    assert exp.months_reported() == (12, 24, 36)
    design = exp.design_frame()
    # The design stays inside armenia.affinity's prior (value ± uncertainty in parameters.yaml).
    prior = load_parameters().lookup("armenia.affinity")
    low, high = prior.value - prior.uncertainty, prior.value + prior.uncertainty
    assert design["armenia.affinity"].between(low - 1e-12, high + 1e-12).all()
    assert design["armenia.affinity"].max() - design["armenia.affinity"].min() > prior.uncertainty
    assert design.attrs["design"]["uncertain"][0] == "armenia.affinity"
    assert "west.pull" in design.attrs["design"]["levers"]


def test_uncertain_parameters_can_be_sampled_over_the_calibrated_posterior():
    from alliance_sim.core.posterior import load_posterior

    exp = load_experiment(WORKED)
    exp.design.sample = "posterior"
    design = exp.design_frame()
    posterior = load_posterior()["armenia.affinity"]
    low, high = posterior.quantile(0.05), posterior.quantile(0.95)
    # The central 90% of the posterior: inside its full range, and filled by the design.
    assert posterior.min() <= low < high <= posterior.max()
    assert design["armenia.affinity"].between(low - 1e-12, high + 1e-12).all()
    assert design["armenia.affinity"].max() - design["armenia.affinity"].min() > 0.8 * (high - low)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": [12, 48]}, "at[1]: month 48 is outside the run's 1..36 months"),
        (
            {"design.sample": "posterior", "design.uncertain": ["uzbekistan.dependence"]},
            "uzbekistan.dependence is not calibrated",
        ),
        ({"design.uncertain": ["global.capacity_floor"]}, "has no uncertainty"),
        ({"design.uncertain": ["armenia.loyalty"]}, "unknown parameter 'loyalty'"),
    ],
)
def test_bad_months_or_uncertain_parameters_are_refused_with_file_and_field(
    tmp_path, change, message
):
    data = yaml.safe_load(WORKED.read_text())
    for key, value in change.items():
        target = data
        *parents, last = key.split(".")
        for p in parents:
            target = target[p]
        target[last] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


# ---------------------------------------------------------------- outcome expressions
@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ("armenia frozen_or_exited at 24 > 0.5", "p_frozen_or_exited_armenia_m24"),
        ("Kazakhstan exited >= 0.1", "p_exited_kazakhstan_m36"),
        ("integrity at 12 < 0.8", "integrity_mean_m12"),
        ("any_exit > 0.2", "p_any_exit_m36"),
        ("p_exit_armenia > 0.1", "p_exit_armenia"),
    ],
)
def test_outcome_expressions_name_a_results_column(monthly, expression, column):
    frame = monthly.rename(columns=lambda c: c.replace("_m6", "_m24"))
    outcome = parse_outcome(expression, frame)
    assert outcome.column == column
    assert outcome.evaluate(frame).dtype == bool


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("armenai frozen at 12 > 0.5", "unknown member 'armenai'"),
        ("armenia melted at 12 > 0.5", "unknown posture 'melted'"),
        (
            "armenia frozen at 18 > 0.5",
            "month 18 is not in the results (they report months 6, 12, 36)",
        ),
        ("armenia frozen at 12 0.5", "cannot read outcome"),
        ("armenia frozen at 12 > lots", "is not a number"),
        ("", "cannot read outcome"),
    ],
)
def test_bad_outcome_expressions_say_what_is_wrong(monthly, expression, message):
    with pytest.raises(OutcomeError) as err:
        parse_outcome(expression, monthly)
    assert message in str(err.value)


# ---------------------------------------------------------------- PRIM on a known answer
def test_an_outcome_that_holds_almost_everywhere_is_refused_with_a_reason():
    """A handful of non-cases leaves PRIM's reruns on random halves with one class only."""
    rng = np.random.default_rng(2022)
    frame = pd.DataFrame(rng.uniform(size=(500, 3)), columns=["x.a", "x.b", "x.c"])
    frame["p_exit_armenia"] = np.where(frame["x.a"] > frame["x.a"].nsmallest(2).max(), 0.8, 0.1)
    with pytest.raises(OutcomeError, match="holds at 498 of the 500 design points"):
        discover(frame, "p_exit_armenia > 0.5", seed=1, resample_iterations=5)


def test_prim_finds_a_known_box_of_two_parameters_among_six():
    """The outcome holds exactly inside 0.6 ≤ b and c ≤ 0.4; four other inputs are noise."""
    rng = np.random.default_rng(2022)
    keys = [f"x.{name}" for name in "abcdef"]
    frame = pd.DataFrame(rng.uniform(size=(1000, 6)), columns=keys)
    inside = (frame["x.b"] >= 0.6) & (frame["x.c"] <= 0.4)
    frame["p_exit_armenia"] = np.where(inside, 0.8, 0.1)
    d = discover(frame, "p_exit_armenia > 0.5", seed=1, resample_iterations=5)
    assert d.box_stats["coverage"] >= 0.9 and d.box_stats["density"] >= 0.9
    box = d.box.set_index("input")
    assert sorted(box.index) == ["x.b", "x.c"]
    assert box.loc["x.b", "min"] == pytest.approx(0.6, abs=0.03)
    assert box.loc["x.c", "max"] == pytest.approx(0.4, abs=0.03)
    # Each restriction matters: tiny quasi-p-values on the restricted side only.
    assert box.loc["x.b", "qp_lower"] < 1e-6 and np.isnan(box.loc["x.b", "qp_upper"])
    # Resampling restricts b and c in every rerun's densest match, the noise inputs rarely.
    resampling = d.resampling.set_index("input")["reproduce_density_pct"]
    assert resampling[["x.b", "x.c"]].min() == 100 and resampling.drop(["x.b", "x.c"]).max() <= 50
    # CART's purest leaf is the same box; feature scores rank b and c first.
    assert d.cart.loc[0, "density"] == 1.0 and d.cart.loc[0, "coverage"] >= 0.9
    assert set(d.scores["input"][:2]) == {"x.b", "x.c"}
    again = discover(frame, "p_exit_armenia > 0.5", seed=1, resample_iterations=5)
    for name, table in d.to_frames().items():
        pd.testing.assert_frame_equal(table, again.to_frames()[name], obj=name)


def test_an_outcome_that_holds_everywhere_or_nowhere_has_nothing_to_discover(monthly):
    with pytest.raises(OutcomeError, match="holds at none of the 12 design points"):
        discover(monthly, "armenia exited at 6 > 0.99")


# ------------------------------------------------- the command on the worked experiment
def run_cli(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worked")
    exp = load_experiment(WORKED, replicates=16)
    exp.design.n = 120
    run_experiment(exp, folder, progress=False)
    return folder


def test_discover_writes_tradeoff_plot_box_table_and_resampling(worked):
    # A small design under the decision core is noisy: keep every restriction (--no-prune).
    expression = "armenia frozen_or_exited at 24 > 0.25"
    done = run_cli("discover", worked, "--outcome", expression, "--resamples", "4", "--no-prune")
    assert done.returncode == 0, done.stderr
    out = worked / "discovery" / "p_frozen_or_exited_armenia_m24_gt_0p25"
    for figure in ("tradeoff.png", "box.png", "cart.png", "feature_scores.png"):
        assert (out / figure).stat().st_size > 10_000, figure
    box = pd.read_csv(out / "box.csv")
    assert list(box.columns) == [
        "input",
        "min",
        "max",
        "sampled_min",
        "sampled_max",
        "qp_lower",
        "qp_upper",
    ]
    assert len(box) >= 1 and box[["qp_lower", "qp_upper"]].notna().any(axis=1).all()
    resampling = pd.read_csv(out / "resampling.csv")
    assert set(resampling["input"]) == set(load_experiment(WORKED).parameters())
    peeling = pd.read_csv(out / "peeling.csv")
    assert {"coverage", "density", "res_dim"} <= set(peeling.columns)
    section = (out / "discovery.md").read_text()
    assert "quasi-p" in section and "![" in section and "design points" in done.stdout
    assert "<section" in (out / "discovery.html").read_text()
    # A second run does not overwrite what the first wrote.
    again = run_cli("discover", worked, "--outcome", expression)
    assert again.returncode == 2 and "--overwrite" in again.stderr


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("armenai frozen_or_exited at 24 > 0.5", "unknown member 'armenai'"),
        ("armenia gone at 24 > 0.5", "unknown posture 'gone'"),
        ("armenia frozen at 18 > 0.5", "month 18 is not in the results"),
        ("armenia frozen > > 0.5", "cannot read outcome"),
    ],
)
def test_discover_refuses_bad_outcomes_with_exit_2_and_one_line(worked, expression, message):
    done = run_cli("discover", worked, "--outcome", expression, "--out", worked / "bad")
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and not (worked / "bad").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--resamples", "0", "--resamples must be an integer of at least 1, got 0"),
        ("--resamples", "-1", "--resamples must be an integer of at least 1, got -1"),
        ("--min-density", "2", "--min-density must be in (0, 1], got 2.0"),
        ("--box", "-1", "--box must be a step of the peeling trajectory, 0 or more, got -1"),
        ("--box", "999", "--box must be a step of the peeling trajectory, 0 to "),
    ],
)
def test_discover_options_out_of_range_name_the_option_with_exit_2(worked, option, value, message):
    expression = "armenia frozen_or_exited at 24 > 0.25"
    out = worked / "bad_option"
    done = run_cli("discover", worked, "--outcome", expression, option, value, "--out", out)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"alliance-sim: error: {message}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--outcome" not in done.stderr
    assert not out.exists()


# ---------------------------------------------------------------- determinism
def test_discovery_is_identical_on_one_or_two_processes_and_on_dask(local_dask_executor):
    design = sample(
        {"armenia.access_west": (0.0, 1.0), "russia.capacity": (0.3, 1.0), "west.pull": (0, 1)},
        n=40,
        method="lhs",
        seed=8,
    )
    options = {"replicates": 12, "seed": 4, "chunk_size": 7, "months": 24, "at": [12]}
    single = evaluate(design, "baseline", **options)
    with ProcessExecutor(2) as executor:
        two = evaluate(design, "baseline", executor=executor, **options)
    on_dask = evaluate(design, "baseline", executor=local_dask_executor, **options)
    pd.testing.assert_frame_equal(two, single)
    pd.testing.assert_frame_equal(on_dask, single)
    expression = "armenia frozen_or_exited at 12 > 0.1"
    tables = [
        discover(r, expression, seed=2, resample_iterations=3).to_frames()
        for r in (single, two, on_dask)
    ]
    for name in tables[0]:
        for other in tables[1:]:
            pd.testing.assert_frame_equal(other[name], tables[0][name], obj=name)
