"""The app keeps the session on bad input, and warns when served beyond this machine."""

import pathlib

import pytest

from alliance_sim.commands.viz import is_loopback
from alliance_sim.viz.model import AllianceVizModel, parse_seed

CORPUS = pathlib.Path(__file__).parent / "corpus"


@pytest.mark.parametrize("name", ["alias_bomb", "start_year_zero", "nul_byte", "threat_kind_bogus"])
def test_a_bad_scenario_gives_a_friendly_error_without_server_paths(name, monkeypatch):
    monkeypatch.setenv("ALLIANCE_SIM_SCENARIOS", str(CORPUS))
    model = AllianceVizModel(scenario_name=name, band_replicates=50)
    assert model.load_error.startswith(f"Cannot load {name}.yaml")
    assert str(CORPUS) not in model.load_error and "/" not in model.load_error
    assert model.alliance_scenario.name == "baseline"
    model.step()  # the session goes on


def test_unicode_digits_are_a_seed_like_any_text():
    assert parse_seed("²", 5) == parse_seed("²", 6) != 5
    assert parse_seed("12", 5) == 12
    AllianceVizModel(seed="²", band_replicates=50)


@pytest.mark.parametrize(
    "host, loopback",
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_only_loopback_hosts_go_without_a_warning(host, loopback):
    assert is_loopback(host) is loopback


def test_viz_host_warns_that_the_app_has_no_authentication(monkeypatch, capsys):
    from alliance_sim.cli import main
    from alliance_sim.commands import viz

    calls = []
    monkeypatch.setattr(viz.os, "execve", lambda *a: calls.append(a))
    monkeypatch.setattr(viz, "ensure_assets", lambda cache: True)
    main(["viz", "--host", "0.0.0.0", "--port", "8999"])
    err = capsys.readouterr().err
    assert "warning: --host 0.0.0.0" in err and "no authentication" in err
    assert calls and "0.0.0.0" in calls[0][1]
    main(["viz", "--port", "8999"])
    assert "warning" not in capsys.readouterr().err
