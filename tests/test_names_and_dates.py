"""Scenario files accept names and months as people write them, and refuse the rest clearly."""

import textwrap

import pytest

from alliance_sim import ScenarioError, load_scenario
from alliance_sim.cli import main
from alliance_sim.core.months import parse_month


@pytest.mark.parametrize(
    ("written", "month"),
    [
        ("2023-09", "2023-09"),
        ("2023-9", "2023-09"),
        ("Sep 2023", "2023-09"),
        ("sept. 2023", "2023-09"),
        ("September 2023", "2023-09"),
        ("2023-11-15", "2023-11"),
    ],
)
def test_common_month_forms_name_their_month(written, month):
    assert parse_month(written) == month


@pytest.mark.parametrize("written", ["2023-13", "Septober 2023", "2023/09", "2023-02-30", "soon"])
def test_other_forms_are_refused_with_the_accepted_ones(written):
    with pytest.raises(ValueError, match="Sep 2023"):
        parse_month(written)


def _write(tmp_path, body: str):
    path = tmp_path / "mine.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_scenario_written_as_people_write_it_loads_and_shows_what_was_understood(tmp_path):
    path = _write(
        tmp_path,
        """
        description: What if Armenia drifts out while Azerbaijan presses?
        start: Oct 2022
        parameters:
          Armenia: {access_west: 0.5}
          West: {pull: 0.4}
        events:
          - {type: freeze, date: Sep 2023, member: Armenia}
          - {type: border_clash, date: 2023-11-15, members: [Armenia, Azerbaijan], victim: ARMENIA}
          - {type: patron_offer, date: September 2024, member: armenia, patron: West}
          - {type: exit, date: 2024-12, member: Armenia}
        """,
    )
    scenario = load_scenario(path)
    assert scenario.start == "2022-10"
    assert scenario.parameters == {"armenia": {"access_west": 0.5}, "west": {"pull": 0.4}}
    assert [e.date for e in scenario.events] == ["2023-09", "2023-11", "2024-09", "2024-12"]
    assert scenario.events[1].members == ("armenia", "azerbaijan")
    assert scenario.events[1].victim == "armenia"
    assert scenario.events[2].patron == "west"
    shown = scenario.to_yaml()
    assert "date: 2023-11" in shown and "armenia:" in shown and "Armenia:" not in shown


def test_set_overrides_accept_capitalised_entities():
    scenario = load_scenario("baseline", {"Armenia.access_west": 0.6}, replicates=4)
    assert scenario.parameters["armenia"]["access_west"] == 0.6


def test_unknown_names_and_dates_keep_their_clear_errors(tmp_path, capsys):
    path = _write(
        tmp_path,
        """
        description: typo
        events:
          - {type: exit, date: 2023-09, member: Armenai}
        """,
    )
    with pytest.raises(ScenarioError, match=r"mine.yaml:4: events\[0\].member: unknown member"):
        load_scenario(path)
    path = _write(
        tmp_path,
        """
        description: typo
        events:
          - {type: exit, date: Septober 2023, member: armenia}
        """,
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "mine.yaml:4" in err and "events[0].date" in err and "Sep 2023" in err
