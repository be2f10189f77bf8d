"""The worked experiment scripts and experiment files run at reduced size and write figures."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from alliance_sim.sweeps import load_experiment

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


@pytest.mark.parametrize(
    ("script", "figure"),
    [
        ("capacity_china_heatmap.py", "capacity_china_heatmap.png"),
        ("member_sobol.py", "member_sobol.png"),
        ("armenia_outside_option.py", "armenia_outside_option.png"),
    ],
)
def test_experiment_script_runs_quick_and_writes_its_figure(tmp_path, script, figure):
    done = subprocess.run(
        [sys.executable, str(EXPERIMENTS / script), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / figure).stat().st_size > 10_000
    results = pd.read_parquet(tmp_path / "results.parquet")
    assert len(results) > 1 and results.notna().all().all()


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_experiment_files_validate(path):
    exp = load_experiment(path)
    design = exp.design_frame()
    assert len(design) > 1
    assert set(design.columns) == set(exp.parameters())


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_experiment_files_run_into_a_results_folder(path, tmp_path):
    from alliance_sim.sweeps import run_experiment

    exp = load_experiment(path, replicates=4)
    meta = run_experiment(exp, tmp_path, progress=False)
    assert (tmp_path / "plot.png").stat().st_size > 10_000
    results = pd.read_parquet(tmp_path / "results.parquet")
    assert len(results) == meta["points"] == len(exp.design_frame())
    assert (tmp_path / "sensitivity.csv").exists() == bool(exp.analyze)
