"""Summary tables say what the numbers are: no rounding to 0%, no "-0%", no false certainty."""

import os
import stat

import pandas as pd
import pytest

from alliance_sim import AllianceModel, compare, run
from alliance_sim.scenarios import load_scenario
from alliance_sim.summary import (
    band_note,
    format_member_table,
    format_probability_differences,
    member_summary,
    percent,
    probability,
    signed_percent,
)


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.005, "0.5%"), (0.0001, "0.01%"), (0.2, "20%"), (0.995, "99.5%"), (0, "0%"), (1, "100%")],
)
def test_percentages_never_round_a_non_zero_probability_away(p, text):
    assert percent(p) == text


def test_an_estimated_zero_prints_below_one_over_r():
    assert probability(0.0, 200) == "<0.5%"
    assert probability(0.0, 1000) == "<0.1%"
    assert probability(1.0, 200) == ">99.5%"
    assert probability(0.25, 200) == "25%"


@pytest.mark.parametrize(
    ("d", "text"),
    [(-0.0001, "−0.01%"), (0.0, "0%"), (-0.0, "0%"), (0.12, "+12%"), (-0.004, "−0.4%")],
)
def test_signed_differences_never_print_minus_zero(d, text):
    assert signed_percent(d) == text


@pytest.fixture(scope="module")
def armenia():
    return run("armenia_exit", replicates=40, months=12, seed=3)


def test_member_table_leads_with_postures_and_explains_the_former_member(armenia):
    text = format_member_table(armenia.summary().members)
    header = text.splitlines()[0]
    assert header.index("P(active)") < header.index("P(exited)") < header.index("left during")
    uzbek = next(line for line in text.splitlines() if line.startswith("Uzbekistan"))
    # a former member that stays outside has not "left during the run" 0 times while exited
    assert uzbek.split()[-2] == "—"
    assert "former member, outside the bloc throughout" in text
    assert " 0%" not in text and "<2.5%" in text  # 1/40


def test_member_table_gives_the_share_backing_the_war_and_none_for_the_hegemon(armenia):
    table = armenia.summary().members.set_index("member")
    last = armenia.member_frame()
    last = last[last["date"] == last["date"].max()]
    for member in ("belarus", "kazakhstan", "armenia"):
        mine = last[last["member"] == member]
        assert table.loc[member, "p_support"] == (mine["stance"] == "support").mean()
    assert table.loc["belarus", "p_support"] > table.loc["kazakhstan", "p_support"]
    assert pd.isna(table.loc["russia", "p_support"])  # the belligerent takes no stance
    text = format_member_table(armenia.summary().members)
    russia = next(line for line in text.splitlines() if line.startswith("Russia"))
    header = text.splitlines()[0]
    assert header.index("P(exited)") < header.index("P(backs the war)")
    assert russia[header.index("P(backs the war)") :].split()[0] == "—"
    assert "whatever the rung" in text


def test_a_frame_from_before_the_stance_was_recorded_still_summarises(armenia):
    # members.parquet of an older run folder has no stance column
    old = armenia.member_frame().drop(columns="stance")
    table = member_summary(old, armenia.outcomes(), hegemon="russia")
    assert "p_support" not in table
    assert "P(backs the war)" not in format_member_table(table)
    assert table.set_index("member")["p_active"].equals(
        armenia.summary().members.set_index("member")["p_active"]
    )


def test_exits_in_the_replayed_history_do_not_count_as_leaving_during_the_run():
    # Seed and size chosen so that the 2022 replay has an exit before the start (2022-10), by a
    # member that does not leave again, and the run has exits of its own.
    result = run("baseline", replicates=10, months=24, seed=8)
    start = pd.Period(result.scenario.start, freq="M")
    exits = result.outcomes().dropna(subset=["exit_date"])
    before, during = exits[exits["exit_date"] < start], exits[exits["exit_date"] >= start]
    assert len(before) and len(during)  # the case under test
    table = result.summary().members.set_index("member")
    for member in table.index:
        mine = during[during["member"] == member]
        assert table.loc[member, "n_exits"] == len(mine), member
        median = table.loc[member, "median_exit"]
        if len(mine):
            assert median >= start
        else:
            assert pd.isna(median), member
    for member in set(before["member"]) - set(during["member"]):
        assert table.loc[member, "n_exits"] == 0 and table.loc[member, "p_exited"] > 0
    text = format_member_table(result.summary().members)
    assert f"count departures from {start}" in text and "are not counted" in text


def test_the_bloc_band_says_what_it_covers_for_each_ensemble():
    assert band_note("posterior") == (
        "90% band: the central 90% of replicates (posterior parameter and stochastic spread "
        "together)."
    )
    assert "stochastic spread only" in band_note("fixed")
    assert "prior parameter" in band_note("independent")


def test_summary_files_name_replicate_zero_log(armenia, tmp_path):
    folder = armenia.save(tmp_path / "run")
    log = pd.read_csv(folder / "events_replicate_0.csv")
    assert (log["replicate"] == 0).all() and not (folder / "events.csv").exists()


def test_probability_differences_print_no_minus_zero():
    table = pd.DataFrame(
        {
            "scenario": ["x", "x"],
            "member": ["kazakhstan", "armenia"],
            "outcome": ["frozen or exited", "exited"],
            "reference": [0.004, 0.0],
            "scenario_p": [0.004, 0.5],
            "diff": [-0.0, 0.5],
            "diff_lo": [-0.0004, 0.42],
            "diff_hi": [0.0, 0.58],
        }
    )
    text = format_probability_differences(table)
    assert "-0%" not in text and "−0%" not in text
    assert "0.4%" in text and "+50%" in text


def test_compare_ends_every_scenario_in_the_reference_month():
    both = compare(["baseline", "calibration_2022"], replicates=8, months=6, seed=2)
    ends = {name: r.scenario.end for name, r in both.results.items()}
    assert len(set(ends.values())) == 1, ends
    assert both.results["calibration_2022"].to_frame()["date"].max() == pd.Period(
        ends["baseline"], "M"
    )
    assert "each ran to" in both.summary_text()


def test_sweep_results_follow_the_umask_like_run_folders(tmp_path):
    from alliance_sim.sweeps.store import atomic_write_parquet, atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "manifest.json", "{}")
        atomic_write_parquet(tmp_path / "results.parquet", pd.DataFrame({"a": [1]}))
    finally:
        os.umask(old)
    for name in ("manifest.json", "results.parquet"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_a_freeze_in_the_replayed_history_is_not_an_outcome_of_the_run():
    # Kyrgyzstan is forced to freeze in March 2022 and brought back in May, before the run
    # starts (2022-10); Armenia is forced to freeze in August and stays frozen into the run.
    kwargs = load_scenario("baseline").model_kwargs()
    kwargs.update(replicates=50, months=12, seed=7, record_members=False)
    kwargs["events"] = [
        *kwargs.get("events", []),
        {"date": "2022-03", "type": "freeze", "member": "kyrgyzstan"},
        {"date": "2022-05", "type": "rejoin", "member": "kyrgyzstan"},
        {"date": "2022-08", "type": "freeze", "member": "armenia"},
    ]
    model = AllianceModel(**kwargs)
    model.run_model()
    outcomes = model.outcomes().set_index("member")
    start = pd.Period(str(model.start), freq="M")
    kyrgyz = outcomes.loc["kyrgyzstan", "freeze_date"]
    assert not kyrgyz.dropna().lt(start).any()  # the spring freeze is history, not outcome
    assert kyrgyz.notna().mean() < 0.5
    # still frozen in the first month (the forced freeze holds): frozen from the start
    assert (outcomes.loc["armenia", "freeze_date"] == start).all()
