"""`alliance-sim params` fits the terminal and exports the whole table in three formats."""

import io
import json

import pandas as pd

from alliance_sim.cli import main


def test_text_fits_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["params"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 100
    assert max(len(line) for line in lines) <= 100
    assert "source gives" in lines[0] and "assumed" in lines[0]


def test_formats_hold_every_quote_and_split_direction_from_size(capsys):
    assert main(["params", "Armenia", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["entity"]) == {"armenia"}
    documented = table[table["provenance"] == "document"]
    numeric = documented[pd.to_numeric(documented["value"], errors="coerce").notna()]
    assert (numeric["source_gives"] == "direction").all() and (numeric["assumed"] == "size").all()
    assumed = table[table["provenance"] == "assumption"]
    assert (assumed["assumed"] == "direction, size").all()
    assert main(["params", "armenia", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["quote"] for r in records} == set(table["quote"])
    assert main(["params", "armenia", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[0].startswith("|") and "source_gives" in markdown[0]
    assert len(markdown) == len(table) + 2
