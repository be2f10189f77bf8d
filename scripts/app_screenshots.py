"""Regenerate docs/app.md's screenshots (docs/img/app.png, docs/img/app-800.png).

    .venv/bin/python scripts/app_screenshots.py

Serves the app, opens a shared link (kyrgyzstan_exit replayed to September 2023) in headless
Chromium at 1600 and 800 px, and saves both pages. Look at them before committing.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from viz_step import CHROMIUM, _serve, _wait_drawn  # noqa: E402

LINK = "?scenario_name=kyrgyzstan_exit&month=2023-09"


def main() -> None:
    """Save both screenshots into docs/img/."""
    proc, url = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            for width, height, name in ((1600, 1250, "app.png"), (800, 1000, "app-800.png")):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url + LINK)
                page.wait_for_selector(".viz-date", timeout=120_000)
                month = int(page.locator(".viz-month").inner_text().split()[1])
                _wait_drawn(page, month)
                if width < 1000:  # close the sidebar drawer that opens over the page
                    page.mouse.click(width - 20, height - 60)
                    page.wait_for_timeout(800)
                page.screenshot(path=str(REPO / "docs" / "img" / name), full_page=False)
                page.close()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
