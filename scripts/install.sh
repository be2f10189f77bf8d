#!/usr/bin/env bash
# Install alliance-sim from nothing into ./.venv (idempotent).
#   bash scripts/install.sh          # the package, its CLI and the browser app's offline assets
#   bash scripts/install.sh --test   # also the test tools and Debian's Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
extras="viz,sensitivity,distributed,discovery"
[ "${1:-}" = "--test" ] && extras="test"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[$extras]"
if [ -f scripts/solara-assets.sh ]; then bash scripts/solara-assets.sh .venv/bin/python; fi
if [ "${1:-}" = "--test" ] && [ -f scripts/chromium.sh ]; then bash scripts/chromium.sh; fi
echo "alliance-sim installed in .venv ($extras)"
