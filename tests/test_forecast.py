"""Forecasts at fixed horizons and their scores against a small made-up outcomes table."""

import pandas as pd
import pytest

from alliance_sim.calibration.forecast import forecast, score
from alliance_sim.cli import main
from alliance_sim.errors import BadInput


@pytest.fixture(scope="module")
def fc():
    return forecast("baseline", replicates=60, seed=3, ensemble="prior", per_set=6)


def test_forecast_is_tidy_and_probabilities_add_up(fc):
    assert set(fc["horizon_months"]) == {6, 12, 24, 36}
    assert set(fc["date"]) == {"2023-03", "2023-09", "2024-09", "2025-09"}
    assert (fc["seed"] == 3).all() and fc["model_version"].nunique() == 1
    postures = fc[fc["outcome"].isin(["active", "reduced", "frozen", "exited"])]
    sums = postures.groupby(["member", "date"])["probability"].sum()
    assert sums.round(9).eq(1.0).all()
    # having left by a date includes being out on that date; cumulative events never shrink
    wide = fc.pivot_table(
        index=["member", "horizon_months"], columns="outcome", values="probability"
    )
    assert (wide["left"] >= wide["exited"] - 1e-12).all()
    assert (wide["ever_frozen_or_left"] >= wide["frozen"] + wide["exited"] - 1e-12).all()
    for _, g in wide.groupby(level="member"):
        assert g["ever_frozen_or_left"].is_monotonic_increasing


OUTCOMES = pd.DataFrame(
    {
        "member": ["armenia", "kyrgyzstan", "kazakhstan", "armenia"],
        "date": ["2023-09", "2023-09", "2024-09", "2025-09"],
        "posture": ["frozen", "reduced", "active", "frozen"],
    }
)


def test_scores_reward_the_better_forecast(fc):
    result = score(fc, OUTCOMES)
    s = result["scores"]
    assert len(s) == len(OUTCOMES) + 1 and s.iloc[-1]["member"] == "mean"
    assert s["brier_model"].between(0, 2).all()
    # a forecast that puts all its mass on what happened scores perfectly
    sharp = fc.copy()
    for row in OUTCOMES.itertuples():
        mine = (sharp["member"] == row.member) & (sharp["date"] == row.date)
        for posture in ("active", "reduced", "frozen", "exited"):
            sharp.loc[mine & (sharp["outcome"] == posture), "probability"] = float(
                posture == row.posture
            )
    best = score(sharp, OUTCOMES)["scores"]
    assert best["brier_model"].iloc[-1] == pytest.approx(0.0)
    assert best["log_model"].iloc[-1] < s["log_model"].iloc[-1]


@pytest.mark.parametrize(
    ("member", "date", "posture", "message"),
    [
        ("uzbekistn", "2023-09", "active", "field member: unknown member 'uzbekistn'"),
        ("armenia", "2023-09", "angry", "field posture: unknown posture 'angry'"),
        ("armenia", "2030-01", "active", "field date: 2030-01 is outside the forecast"),
        ("armenia", "Sept 2023", "active", "field date: 'Sept 2023' is not YYYY-MM"),
    ],
)
def test_bad_outcomes_are_refused_with_the_line_and_field(fc, member, date, posture, message):
    bad = pd.concat(
        [OUTCOMES, pd.DataFrame([{"member": member, "date": date, "posture": posture}])],
        ignore_index=True,
    )
    with pytest.raises(BadInput, match="line 6, " + message.replace("(", r"\(")):
        score(fc, bad)


def test_cli_forecast_and_score(tmp_path, capsys):
    fc_path = tmp_path / "fc.csv"
    assert (
        main(
            [
                "forecast",
                "baseline",
                "--replicates",
                "40",
                "--seed",
                "2",
                "--prior",
                "--out",
                str(fc_path),
            ]
        )
        == 0
    )
    assert "2025-09" in capsys.readouterr().out
    outcomes = tmp_path / "outcomes.csv"
    OUTCOMES.to_csv(outcomes, index=False)
    out = tmp_path / "score"
    assert main(["score", str(fc_path), str(outcomes), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"scores.csv", "events.csv", "reliability.png"}
    # bad input: exit 2, one line, nothing written
    bad = tmp_path / "bad.csv"
    bad.write_text("member,date,posture\narmenia,2023-09,furious\n")
    out2 = tmp_path / "score2"
    capsys.readouterr()
    assert main(["score", str(fc_path), str(bad), "--out", str(out2)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "line 2, field posture" in err and "Traceback" not in err
    assert not out2.exists()
    # an existing forecast is not overwritten without --overwrite
    assert main(["forecast", "baseline", "--replicates", "10", "--out", str(fc_path)]) == 2


def test_a_member_and_month_observed_twice_is_refused_naming_both_lines(fc, tmp_path, capsys):
    fc_path = tmp_path / "fc.csv"
    fc.to_csv(fc_path, index=False)
    dup = tmp_path / "o_dup.csv"
    dup.write_text("member,date,posture\narmenia,2023-09,reduced\narmenia,2023-09,exited\n")
    out = tmp_path / "sc_dup"
    assert main(["score", str(fc_path), str(dup), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"alliance-sim: error: {dup}, line 3, fields member, date: armenia 2023-09 is observed "
        "twice (line 2: reduced; line 3: exited); keep one observation"
    )
    assert not out.exists()
    # the same observation twice would count twice in the mean score: refused too
    same = pd.concat([OUTCOMES, OUTCOMES.iloc[[1]]], ignore_index=True)
    with pytest.raises(BadInput, match="line 6, fields member, date: kyrgyzstan 2023-09"):
        score(fc, same)
