#!/usr/bin/env bash
# scripts/chromium.sh — make sure Debian's chromium is at /usr/bin/chromium (for pytest-playwright).
#
# Playwright's own browser download (`playwright install`) cannot work here: only the package
# registries are reachable. Debian's `chromium` package is used instead; tests/browser/conftest.py
# points Playwright at it via the browser_type_launch_args fixture (executable_path).
# Idempotent: does nothing when /usr/bin/chromium exists. Uses sudo only when not root.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    echo "chromium: present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null; then
    SUDO=(sudo -n)      # non-interactive: fail rather than hang on a password prompt
else
    echo "chromium: ERROR: not root and no sudo; install the Debian 'chromium' package" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "chromium: installing Debian package 'chromium' ..." >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    chromium fonts-liberation >&2

[ -x "$CHROMIUM" ] || { echo "chromium: ERROR: $CHROMIUM still missing after install" >&2; exit 1; }
echo "chromium: installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" >&2
