"""The docs and notes say what the files and tables hold (slips found by a new analyst)."""

import pathlib
import re

import yaml

from alliance_sim import load_parameters, load_scenario
from alliance_sim.cli import main

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_west_offer_note_starts_from_the_tabled_access():
    event = load_scenario("west_offers_armenia").events[-1]
    tabled = load_parameters().lookup("armenia.access_west").value
    assert re.search(r"from ([0-9.]+)\)", event.note)[1] == f"{tabled:g}"


def test_russia_weakens_note_gives_the_true_ratio():
    scenario = load_scenario("russia_weakens")
    drain = next(e for e in scenario.events if e.type == "set_parameter")
    history = next(h for h in load_parameters().history if h.get("key") == "global.capacity_drift")
    params = load_parameters()
    documented = history["value"]
    if isinstance(documented, str):  # a size given by reference to a global parameter
        documented = float(params.lookup(documented).value)
    ratio = drain.value / documented
    assert f"{drain.value:g} against {documented:g}" in drain.note
    assert "two and a half times" in drain.note and 2.25 <= ratio < 2.75


def test_member_sobol_asks_what_it_analyses():
    experiment = yaml.safe_load((REPO / "experiments" / "member_sobol.yaml").read_text())
    question = experiment["description"].split("?")[0]
    assert "exit" not in question or any("exit" in a for a in experiment["analyze"])


def test_model_doc_counts_the_mechanisms_it_lists():
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    bullet = " ".join(text.split("- **Basic principles.**")[1].split("\n- **")[0].split())
    words = ["Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve"]
    said = bullet.split()[0]
    assert said in words, "the bullet must say how many mechanisms it lists"
    items, depth, current = [], 0, ""
    # The list follows the last colon outside parentheses; items are separated by semicolons.
    listed = bullet.rsplit("theory:", 1)[1].rstrip(".")
    for char in listed:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    assert len([*items, current]) == words.index(said) + 5


def test_validate_says_one_event_not_one_events(tmp_path, capsys):
    path = tmp_path / "one.yaml"
    path.write_text('description: q\nevents:\n  - {type: exit, date: "2023-01", member: armenia}\n')
    assert main(["validate", str(path)]) == 0
    assert ", 1 event," in capsys.readouterr().out


def test_readme_says_how_to_start_a_scheduler_where_it_uses_one():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    before = readme.split("--scheduler tcp://127.0.0.1:8786")[0][-600:]
    assert "dask scheduler" in before and "dask worker" in before


def test_the_default_chunk_size_is_stated_as_the_runner_sets_it():
    from alliance_sim.sweeps import runner

    figure = f"{runner.TARGET_REPLICATES_PER_CHUNK:,}"
    for doc in (runner.evaluate.__doc__, runner.default_chunk_size.__doc__):
        assert "TARGET_REPLICATES_PER_CHUNK" in doc and f"({figure})" in doc
        assert not re.search(r"about \d[\d,]* replicates", doc)
    experiments = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    assert f"about {figure} replicates per chunk" in experiments


def test_scenarios_doc_lists_every_plot_a_run_gives():
    from alliance_sim.api import RUN_PLOTS

    text = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    line = re.search(r"plot\(\) gives all (\w+) as a dict \(([^)]*)\)", text, re.S)
    assert line, "docs/scenarios.md no longer says what plot() gives"
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    assert line[1] == words[len(RUN_PLOTS) - 1]
    assert [w.strip(" #\n") for w in line[2].split(",")] == list(RUN_PLOTS)


def test_docs_cite_source_files_that_exist():
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for path in re.findall(r"src/alliance_sim/[\w/]+\.py", text):
            assert (REPO / path).is_file(), f"{doc.name} cites {path}, which does not exist"


def test_scenarios_doc_shows_the_refusal_the_cli_prints(capsys):
    text = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    shown = text.split("$ alliance-sim run baseline --set russia.commitment=0.5\n")[1]
    assert main(["run", "baseline", "--set", "russia.commitment=0.5"]) == 2
    printed = capsys.readouterr().err.strip()
    assert shown.splitlines()[0] == printed


def test_scenarios_doc_lists_the_columns_of_bloc_parquet():
    from alliance_sim import run

    text = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `bloc.parquet` |"))
    listed = row.split("|")[2].split(";")[0].replace("(Russia's)", "")
    columns = list(run("baseline", replicates=2, months=1).to_frame().columns)
    assert [c.strip() for c in listed.split(",")] == columns
