"""``alliance-sim viz``: serve the browser app (Mesa's SolaraViz) on this machine.

Runs ``python -m solara run <package>/app.py --production`` with Solara's CDN assets served from
the local cache that ``scripts/solara-assets.sh`` fills (``<repo>/.solara-assets``, or
``$SOLARA_ASSETS_PROXY_CACHE_DIR``), so the app works without internet access. It binds to
127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
REPO = PACKAGE.parents[1]
APP = PACKAGE / "app.py"
ASSETS_SCRIPT = REPO / "scripts" / "solara-assets.sh"
# the bundle every Solara (vuetify 2) page loads; its absence means the cache was never filled
SENTINEL = "@widgetti/solara-vuetify*-app@*/package.json"


def assets_dir() -> Path:
    """Where Solara's offline asset cache is: the env var if set, else ``<repo>/.solara-assets``."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(env) if env else REPO / ".solara-assets"


def ensure_assets(cache: Path) -> bool:
    """Fill the asset cache from npm if it is empty and the script is at hand; True if filled."""
    if list(cache.glob(SENTINEL)):
        return True
    if not ASSETS_SCRIPT.is_file():
        return False
    print(f"alliance-sim viz: filling Solara's asset cache {cache} (once) ...", file=sys.stderr)
    done = subprocess.run(
        ["bash", str(ASSETS_SCRIPT), sys.executable],
        env={**os.environ, "SOLARA_ASSETS_DIR": str(cache)},
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return done.returncode == 0 and bool(list(cache.glob(SENTINEL)))


def server_env(cache: Path) -> dict[str, str]:
    """Environment for the Solara server: offline assets on, telemetry off."""
    return {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


def solara_command(host: str, port: int, open_browser: bool) -> list[str]:
    """The ``solara run`` command line for the app."""
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port)]
    cmd.append("--production")
    if not open_browser:
        cmd.append("--no-open")
    return cmd


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _viz(args: argparse.Namespace) -> int:
    from ..errors import BadInput

    if not 0 < args.port < 65536:
        raise BadInput(f"--port: {args.port} is not a TCP port (1-65535)")
    try:
        import solara  # noqa: F401
    except ImportError:
        raise BadInput(
            "the browser app needs the 'viz' extra: pip install 'alliance-sim[viz]'"
        ) from None
    cache = assets_dir()
    if not ensure_assets(cache):
        print(
            f"alliance-sim viz: warning: no Solara assets in {cache}; the page will be blank "
            "without CDN access (run: bash scripts/solara-assets.sh)",
            file=sys.stderr,
        )
    if not is_loopback(args.host):
        print(
            f"alliance-sim viz: warning: --host {args.host} makes the app reachable from other "
            "machines; it has no authentication, so anyone who can reach this port can use it "
            "(and its CPU). Use the default 127.0.0.1 unless that is what you want.",
            file=sys.stderr,
        )
    print(f"alliance-sim viz: serving on http://{args.host}:{args.port}/ (Ctrl+C stops)")
    sys.stdout.flush()
    # become the server: signals (Ctrl+C, kill) reach it directly and no child is left behind
    cmd = solara_command(args.host, args.port, args.open)
    os.execve(cmd[0], cmd, server_env(cache))
    return 1  # not reached


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``viz`` subcommand."""
    viz = sub.add_parser(
        "viz",
        help="serve the browser app (Mesa SolaraViz) on this machine",
        description="Serve the interactive browser app. Open the printed address in a browser.",
    )
    viz.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    viz.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine)"
    )
    viz.add_argument("--open", action="store_true", help="open a browser window")
    viz.set_defaults(func=_viz)
