#!/usr/bin/env bash
# Install alliance-sim from nothing into a virtualenv (idempotent).
#   bash scripts/install.sh          # the package, its CLI and the browser app's offline assets
#   bash scripts/install.sh --test   # also the test tools and Debian's Chromium for browser tests
#
# Interpreter: PYTHON=/path/to/python, a command name, or a version (PYTHON=3.11) if set;
# otherwise the newest supported Python found, in the order below (on PATH, then under pyenv).
# Virtualenv: VENV=dir (default .venv), e.g. `PYTHON=python3.11 VENV=.venv-3.11 bash ...`.
# Installer: uv (installed into the virtualenv by pip); INSTALLER=pip for pip alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# Newest first. 3.13 is supported: the whole suite (browser tests included) passes on it.
supported="3.13 3.12 3.11"
venv=${VENV:-.venv}

# Prints the X.Y version of interpreter $1 if it runs and is supported, else nothing.
supported_version() {
    local v
    v=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 0
    case " $supported " in *" $v "*) echo "$v" ;; esac
}

# Prints the path of the first of the given versions found (on PATH, then under pyenv).
find_python() {
    local v cand root
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    for v in "$@"; do
        # pyenv's shims exist for every installed version but fail unless that version is
        # active, so each candidate is run, not merely looked up.
        for cand in "python$v" "$root"/versions/"$v".*/bin/"python$v"; do
            if command -v "$cand" >/dev/null 2>&1 && [ -n "$(supported_version "$cand")" ]; then
                command -v "$cand"
                return 0
            fi
        done
    done
    return 1
}

if [ -z "${PYTHON:-}" ] && [ -x "$venv/bin/python" ] \
    && [ -n "$(supported_version "$venv/bin/python")" ]; then
    # Re-running without PYTHON= keeps the existing virtualenv's interpreter.
    python=$venv/bin/python
elif [[ "${PYTHON:-}" =~ ^3\.[0-9]+$ ]]; then
    # A version number (PYTHON=3.11): found as above, so it works under pyenv too.
    case " $supported " in *" $PYTHON "*) ;; *)
        echo "install.sh: Python $PYTHON is not supported (supported: $supported)." >&2
        exit 1 ;;
    esac
    if ! python=$(find_python "$PYTHON"); then
        echo "install.sh: Python $PYTHON not found on PATH or under pyenv." >&2
        exit 1
    fi
elif [ -n "${PYTHON:-}" ]; then
    python=$PYTHON
    if [ -z "$(supported_version "$python")" ]; then
        echo "install.sh: PYTHON=$python is not a supported interpreter (supported: $supported)." >&2
        exit 1
    fi
elif ! python=$(find_python $supported); then
    echo "install.sh: no supported Python found (looked for python${supported// /, python}" \
        "on PATH and under pyenv)." >&2
    echo "  Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12-venv')," \
        "or point PYTHON= at it: PYTHON=/path/to/python3.12 bash scripts/install.sh" >&2
    exit 1
fi
version=$(supported_version "$python")

extras="viz,sensitivity,distributed,discovery,calibration"
[ "${1:-}" = "--test" ] && extras="test"
if [ -x "$venv/bin/python" ]; then
    have=$(supported_version "$venv/bin/python")
    if [ "$have" != "$version" ]; then
        echo "install.sh: $venv holds Python ${have:-of an unsupported version}, not $version;" \
            "remove it (rm -rf $venv) or choose another VENV=." >&2
        exit 1
    fi
else
    "$python" -m venv "$venv"
fi
# Packages through uv, which resolves the same versions as pip (checked: the same 129
# distributions for --test) in a fraction of the time (this whole script, --test, in CI: 65-82 s
# against 134-137 s with pip); pip itself if uv cannot be installed, or with INSTALLER=pip. uv
# reads its own index settings (UV_INDEX_URL, uv.toml), not pip's: behind a pip-only mirror, use
# INSTALLER=pip. Bytecode is compiled now, as pip does: with PYTHONDONTWRITEBYTECODE set, no
# process would write it later, and each would compile its libraries again.
if [ "${INSTALLER:-uv}" = uv ] && "$venv/bin/python" -m pip install --quiet uv; then
    "$venv/bin/python" -m uv pip install --quiet --compile-bytecode --python "$venv/bin/python" -e ".[$extras]"
else
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e ".[$extras]"
fi
if [ -f scripts/solara-assets.sh ]; then bash scripts/solara-assets.sh "$venv/bin/python"; fi
if [ "${1:-}" = "--test" ] && [ -f scripts/chromium.sh ]; then bash scripts/chromium.sh; fi
mesa=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mesa"))')
echo "alliance-sim installed in $venv with Python $version ($python), Mesa $mesa ($extras)"
