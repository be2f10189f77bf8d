"""The README's Python snippet works as written."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_snippet_prints_end_of_run_quantiles():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    snippet = blocks[0]
    assert len(snippet.strip().splitlines()) <= 6
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "README.md", "exec"), {})
    printed = out.getvalue()
    assert "integrity" in printed and "cohesion" in printed
    rows = [line.split() for line in printed.splitlines()[1:]]
    assert [row[0] for row in rows] == ["0.05", "0.50", "0.95"]
    values = [float(v) for row in rows for v in row[1:]]
    assert all(0.0 <= v <= 1.0 for v in values)
