"""report.html in headless Chromium, offline from file://: every figure renders, nothing leaves.

The folders come from the CLI exactly as the issue asks: ``alliance-sim run armenia_exit`` and
``alliance-sim compare baseline armenia_exit kyrgyzstan_exit`` (small ensembles, for speed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page

EXE = Path(sys.executable).with_name("alliance-sim")


def _cli(*args: str) -> None:
    done = subprocess.run(
        [str(EXE), *args, "--replicates", "40", "--months", "12", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "report.html" in done.stdout


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("reports")
    _cli("run", "armenia_exit", "--out", str(base / "run"))
    _cli("compare", "baseline", "armenia_exit", "kyrgyzstan_exit", "--out", str(base / "cmp"))
    return {"run": base / "run", "compare": base / "cmp"}


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_report_opens_offline_with_every_figure_rendered(page: Page, folders, kind):
    report = folders[kind] / "report.html"
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
        ),
    )
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    images = page.locator("figure img")
    expected = len(list(folders[kind].glob("*.png")))
    assert images.count() == expected > 0
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths
    assert page.locator("figcaption").count() == expected
    leaving = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert leaving == []
    text = page.locator("body").inner_text()
    for heading in ("Results", "Figures", "Question, evidence and assumptions", "How to reproduce"):
        assert heading in text
    assert "Eurasia Review" in text and "Eastern Express" in text  # evidence cited in full
    assert "alliance-sim " + ("run" if kind == "run" else "compare") in text
    if kind == "run":
        assert "P(active)" in text and "Armenia" in text and "2023-01" in text
    else:
        assert "Differences from baseline" in text and "kyrgyzstan_exit" in text
