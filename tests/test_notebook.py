"""The worked notebook in docs/ runs from top to bottom, and its assertions (its claims) hold."""

import pathlib

import nbformat
from nbclient import NotebookClient

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "docs" / "headline_questions.ipynb"


def test_headline_questions_notebook_runs_and_its_claims_hold(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("P(active)" in h for h in html), "the run displays its posture table"
    assert any("Differences from baseline" in h for h in html), "comparisons display richly"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2
