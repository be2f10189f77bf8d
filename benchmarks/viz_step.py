"""The browser app's speed as a user sees it, driven through headless Chromium.

    .venv/bin/python benchmarks/viz_step.py [--steps 15] [--play 18]

Starts the app (``solara run``, offline assets, production mode), opens it in Debian's Chromium
and measures

- Step: from the click on Step to every chart (map, bloc metrics, loyalty) showing the new month
  (each chart's ``data-version`` equals the month in the header). Timed in the page: from the
  click event's time stamp to the first animation frame in which all three charts show the
  month. Also printed: the same from the driver's side (Playwright's click, with its checks, to
  its noticing), which adds the automation's own round trips;
- Play: ▶ at the app's default interval (150 ms): the time between consecutive months drawn
  (all three charts), timed in the page, and how many months were never on all three charts
  in the same animation frame (skipped).

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
SELECTORS = [f".viz-{chart}-chart .viz-vega-view" for chart in CHARTS]
#: In the page: note the Step click's time stamp and, every animation frame, the first time
#: all charts show each month (``window.vizDrawn[month]``, ms on the page's clock).
WATCH = """(selectors) => {
    window.vizDrawn = {};
    window.vizClicks = [];
    document.addEventListener('click', e => window.vizClicks.push(e.timeStamp), true);
    const frame = (now) => {
        const shown = selectors.map(s => {
            const e = document.querySelector(s);
            return e ? Number(e.getAttribute('data-version')) : -1;
        });
        const month = Math.min(...shown);
        if (!(month in window.vizDrawn)) window.vizDrawn[month] = now;
        requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
}"""


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
    """Wait until every chart shows ``month`` or later."""
    page.wait_for_function(
        """([selectors, month]) => selectors.every(s => {
            const e = document.querySelector(s);
            return e && Number(e.getAttribute('data-version')) >= month;
        })""",
        arg=[SELECTORS, month],
        timeout=60_000,
        polling="raf",
    )


def _summary(label: str, times: list[float]) -> str:
    return (
        f"{label}: median {statistics.median(times):.0f} ms, min {min(times):.0f}, "
        f"max {max(times):.0f} ({len(times)})"
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
            page.evaluate(WATCH, SELECTORS)
            step = page.get_by_role("button", name="Step", exact=True)
            driver = []
            for n in range(1, args.steps + 1):
                start = time.perf_counter()
                step.click()
                _wait_drawn(page, n)
                driver.append((time.perf_counter() - start) * 1000)
            clicks = page.evaluate("window.vizClicks")
            drawn = page.evaluate("window.vizDrawn")
            in_page = [drawn[str(n)] - clicks[n - 1] for n in range(1, args.steps + 1)]
            print(_summary("Step click -> every chart updated, in the page", in_page))
            print(_summary("  the same from the driver (Playwright click to its noticing)", driver))
            page.get_by_role("button", name="▶", exact=True).click()
            first = _month(page)
            horizon = int(page.locator(".viz-month").inner_text().split()[-1])
            last = min(first + 1 + args.play, horizon)
            _wait_drawn(page, last)
            drawn = page.evaluate("window.vizDrawn")
            months = range(first + 1, last + 1)
            skipped = [m for m in months if str(m) not in drawn]
            gaps = [
                drawn[str(m)] - drawn[str(m - 1)]
                for m in months
                if str(m) in drawn and str(m - 1) in drawn
            ]
            interval = page.locator(".viz-interval .viz-value").inner_text()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    load = os.getloadavg()
    print(_summary(f"Play at {interval} ms: time between months drawn, in the page", gaps))
    print(f"  months skipped on screen while playing: {len(skipped)} of {len(months)}")
    print(f"load average (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
