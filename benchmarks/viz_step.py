"""The browser app's speed as a user sees it, driven through headless Chromium.

    .venv/bin/python benchmarks/viz_step.py [--steps 20] [--play 20]

Starts the app (``solara run``, offline assets, production mode), opens it in Debian's Chromium
and measures

- Step: from the click on Step to every chart (map, bloc metrics, loyalty) showing the new month
  (each chart's ``data-version`` equals the month in the header);
- Play: ▶ at Mesa's default interval of this app (151 ms), the time per month shown while
  playing, against the interval.

It prints the machine's load average next to the figures: on a shared machine they vary a lot.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from alliance_sim.commands.viz import APP, assets_dir, server_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHARTS = ("map", "bloc", "loyalty")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-open", "--production"]
    env = server_env(assets_dir())
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("the app did not start within a minute")


def _month(page) -> int:
    text = page.locator(".viz-month").inner_text()
    return int(text.split()[1])


def _wait_drawn(page, month: int) -> None:
    """Wait until every chart shows ``month`` or later (while playing, a chart may skip one)."""
    selectors = [f".viz-{chart}-chart .viz-vega-view" for chart in CHARTS]
    page.wait_for_function(
        """([selectors, month]) => selectors.every(s => {
            const e = document.querySelector(s);
            return e && Number(e.getAttribute('data-version')) >= month;
        })""",
        arg=[selectors, month],
        timeout=60_000,
        polling="raf",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="Step clicks to time")
    parser.add_argument("--play", type=int, default=18, help="months to watch while playing")
    args = parser.parse_args()
    proc, url = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(url)
            page.wait_for_selector(".viz-date", timeout=120_000)
            _wait_drawn(page, 0)
            step = page.get_by_role("button", name="Step", exact=True)
            times = []
            for n in range(1, args.steps + 1):
                start = time.perf_counter()
                step.click()
                _wait_drawn(page, n)
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"Step click -> every chart updated, ms over {len(times)} steps: median "
                f"{statistics.median(times):.0f}, min {min(times):.0f}, max {max(times):.0f}",
                flush=True,
            )
            page.get_by_role("button", name="▶", exact=True).click()
            first = _month(page)
            horizon = int(page.locator(".viz-month").inner_text().split()[-1])
            args.play = min(args.play, horizon - first - 1)  # the run stops at its horizon
            _wait_drawn(page, first + 1)
            start, begun = time.perf_counter(), first + 1
            _wait_drawn(page, begun + args.play)
            per_month = (time.perf_counter() - start) * 1000 / args.play
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    load = os.getloadavg()
    print(f"load average (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"Play at a 151 ms interval: {per_month:.0f} ms per month shown ({args.play} months)")


if __name__ == "__main__":
    main()
