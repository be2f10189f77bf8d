"""Fixtures for real-browser tests of the Solara app (pytest-playwright + Debian chromium).

Offline setup, done by scripts/install.sh --test (or by hand):
    bash scripts/chromium.sh                        # Debian chromium at /usr/bin/chromium
    bash scripts/solara-assets.sh .venv/bin/python  # CDN assets into .solara-assets/
(If .solara-assets/ is missing, the first test using ``solara_app_url`` runs the second script.)

Fixtures:
    browser_type_launch_args  pytest-playwright's, pointed at /usr/bin/chromium (env CHROMIUM
                              overrides) with flags that keep it off the network.
    solara_app_path           module-scoped; the app file ``solara run`` serves. Default
                              <repo>/src/alliance_sim/app.py; a test module overrides it with a
                              module-level ``SOLARA_APP_PATH = "..."`` (absolute, or relative to
                              the repo root) or by defining its own ``solara_app_path`` fixture.
    solara_server             module-scoped; starts ``python -m solara run <app> --port <free>
                              --host 127.0.0.1 --no-open --production`` in its own process group
                              with the offline asset cache, waits for HTTP (60 s), yields a
                              SolaraServer (url, log_path, log()), kills the group at teardown.
                              At teardown it fails if the server had to go to the CDN (an asset
                              missing from .solara-assets); set ``SOLARA_ALLOW_CDN_MISSES = True``
                              in the test module to allow that.
    solara_app_url            the server's base URL, e.g. "http://127.0.0.1:41234/".
Every test under tests/browser/ gets the ``browser`` marker (deselect: -m "not browser").

Example:
    def test_step(page, solara_app_url):
        page.goto(solara_app_url)
        page.get_by_role("button", name="Step").click()
        expect(page.get_by_text("Step: 1")).to_be_visible()  # "Time: 1.0" on Mesa 3.5
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS_DIR = REPO / ".solara-assets"
ASSETS_SCRIPT = REPO / "scripts" / "solara-assets.sh"
DEFAULT_APP = REPO / "src" / "alliance_sim" / "app.py"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0  # seconds; it is normally ready in about 3 s
# the bundle every Solara (vuetify 2) page loads; its absence means the cache was never filled
_SENTINEL_GLOB = "@widgetti/solara-vuetify*-app@*/package.json"
# what solara's cdn_helper logs when a file is not in the cache and it tries the CDN
_CDN_MISS = "Could not load URL"


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's chromium: Playwright's own browser download is impossible offline."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `bash scripts/chromium.sh`")
    args = list(CHROMIUM_ARGS)
    if browser_type_launch_args.get("headless", True):  # pytest --headed turns this off
        args.insert(0, "--headless")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


# --------------------------------------------------------------------------- solara server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_assets() -> None:
    if list(ASSETS_DIR.glob(_SENTINEL_GLOB)):
        return
    proc = subprocess.run(
        ["bash", str(ASSETS_SCRIPT), sys.executable],
        capture_output=True,
        text=True,
        env={**os.environ, "SOLARA_ASSETS_DIR": str(ASSETS_DIR)},
    )
    if proc.returncode != 0 or not list(ASSETS_DIR.glob(_SENTINEL_GLOB)):
        pytest.fail(
            f"could not fill the Solara asset cache {ASSETS_DIR} (bash "
            f"{ASSETS_SCRIPT.relative_to(REPO)} exited {proc.returncode}):\n{proc.stderr[-4000:]}"
        )


def solara_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a Solara server that serves its JS/CSS from <repo>/.solara-assets."""
    env = dict(os.environ)
    env.update(
        SOLARA_ASSETS_PROXY_CACHE_DIR=str(ASSETS_DIR),
        # proxying must be on (solara turns it off when it thinks it runs under VS Code)
        SOLARA_ASSETS_PROXY="true",
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="false",
        PYTHONUNBUFFERED="1",
    )
    # the app is served from a file path: make `import alliance_sim` work without an install
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(REPO / "src"), env.get("PYTHONPATH", "")] if p
    )
    env.update(extra or {})
    return env


@dataclasses.dataclass
class SolaraServer:
    url: str
    port: int
    app_path: Path
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)  # the whole group: solara may start helpers
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def start_solara_server(
    app_path: Path, *, timeout: float = SERVER_START_TIMEOUT, env_extra=None
) -> SolaraServer:
    """Start ``solara run`` for app_path; return once GET / answers. Caller must _stop() it."""
    app_path = Path(app_path)
    if not app_path.exists():
        pytest.fail(f"Solara app not found: {app_path}")
    _ensure_assets()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_fd, log_name = tempfile.mkstemp(prefix=f"solara-{port}-", suffix=".log")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app_path),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--no-open",
        "--production",
    ]
    with os.fdopen(log_fd, "wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=str(REPO),
            env=solara_env(env_extra),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, killed as a whole at teardown
        )
    server = SolaraServer(
        url=url, port=port, app_path=app_path, log_path=Path(log_name), process=proc
    )

    def give_up(why: str):
        _stop(proc)
        log = server.log()[-6000:]
        server.log_path.unlink(missing_ok=True)
        pytest.fail(f"{why}\n$ {' '.join(cmd)}\n{log}")

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            give_up(f"solara exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return server
        except urllib.error.HTTPError as e:  # it answers, but with an error page
            if time.monotonic() > deadline:
                give_up(f"solara answered {e.code} on {url}")
        except OSError:  # URLError is an OSError: not listening yet
            pass
        if time.monotonic() > deadline:
            give_up(f"solara did not answer on {url} within {timeout:.0f} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def solara_app_path(request) -> Path:
    """The app to serve: module-level SOLARA_APP_PATH in the test module, else the project's."""
    path = Path(getattr(request.module, "SOLARA_APP_PATH", None) or DEFAULT_APP)
    return path if path.is_absolute() else REPO / path


@pytest.fixture(scope="module")
def solara_server(request, solara_app_path):
    server = start_solara_server(solara_app_path)
    try:
        yield server
    finally:
        _stop(server.process)
        log = server.log()
        server.log_path.unlink(missing_ok=True)
    misses = [line for line in log.splitlines() if _CDN_MISS in line]
    if misses and not getattr(request.module, "SOLARA_ALLOW_CDN_MISSES", False):
        pytest.fail(
            f"the Solara server went to the CDN for files missing from {ASSETS_DIR} "
            "(re-run scripts/solara-assets.sh, or add the package via SOLARA_ASSETS_EXTRA):\n"
            + "\n".join(sorted(set(misses))[:20])
        )


@pytest.fixture(scope="module")
def solara_app_url(solara_server) -> str:
    return solara_server.url


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser/ as ``browser`` (deselect with -m "not browser").

    Real-browser tests wait on a live server and Chromium; on a loaded 2-core machine a click can
    land before the page is ready (seen with the slider-and-badge test while another Python's
    suite ran beside it). Each gets up to two reruns (pytest-rerunfailures), reported as such;
    a test that fails three times still fails.
    """
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.flaky(reruns=2, reruns_delay=1))
