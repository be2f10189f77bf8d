#!/usr/bin/env bash
# scripts/solara-assets.sh — fill Solara's CDN asset cache from the npm registry, for offline use.
#
# Why: a Solara page loads its JS/CSS (vuetify app bundle, require.js, font-awesome, ...) from
# <server>/_solara/cdn/<npm-package>@<version>/<file>. The server answers those from its
# "assets proxy cache" directory and, on a miss, fetches https://cdn.jsdelivr.net/npm/... —
# impossible here (no CDN), so offline the page stays blank. This script npm-packs exactly the
# packages the installed solara asks for and unpacks each into <cache>/<name>@<version>/, the
# layout Solara's proxy reads (the same thing upstream's `solara-assets` package does).
#
# Usage:  bash scripts/solara-assets.sh [PYTHON]        (PYTHON defaults to .venv/bin/python)
#   Prints the cache directory as its last line of stdout. Idempotent: a package whose
#   directory already holds package.json is skipped; unpacking goes through a temp dir and a
#   rename, so an interrupted run never leaves a half-filled package directory behind.
#
# To use the cache, the Solara server process needs:
#   SOLARA_ASSETS_PROXY_CACHE_DIR=<repo>/.solara-assets   (read by solara.server.settings.Assets)
#   SOLARA_ASSETS_PROXY=true      proxying must stay ON (it is the default, but solara switches it
#                                 off when VSCODE_PID/VSCODE_CWD is set, in Colab and in Voila;
#                                 with it off the page links straight to the CDN and is blank)
#   SOLARA_TELEMETRY_MIXPANEL_ENABLE=false   (optional: no doomed telemetry calls)
#
# Env knobs:
#   SOLARA_ASSETS_DIR   target directory (default: <repo>/.solara-assets; keep it gitignored)
#   SOLARA_ASSETS_ALL=1 also fetch the vega/vega-lite/vega-embed ranges used by
#                       solara.FigureAltair (fetched anyway when altair is installed)
#   SOLARA_ASSETS_EXTRA space-separated extra "name@version" specs to add
#
# Needs: node + npm reaching the npm registry, tar. No root, no internet beyond the registry.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${1:-$repo/.venv/bin/python}"
dest="${SOLARA_ASSETS_DIR:-$repo/.solara-assets}"

log() { echo "solara-assets: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$py" ] || die "python not found/executable: $py"
command -v npm >/dev/null || die "npm not found (apt-get install -y nodejs npm)"
command -v tar >/dev/null || die "tar not found"

# ---------------------------------------------------------------------------------------------
# Ask the installed solara which CDN files it references. Solara is NOT imported (importing
# solara.server.settings creates directories and telemetry ids); its sources are scanned for
#   {{cdn}}/<pkg>@<ver>/<file>      (server/templates/*.j2: vuetify app bundle, css, require.js)
#   getCdn()}/<pkg>@<ver>/<file>    (*.vue / markdown.py: vue-grid-layout, katex, mermaid, vega)
#   fontawesome_path = "/<pkg>@<ver>/..."   (server/settings.py default)
# Output: one line per package: "<spec>\t<file> <file> ..." (files relative to the package dir,
# with {{ipywidget_major_version}} filled in), used both to pack and to verify.
# ---------------------------------------------------------------------------------------------
manifest="$("$py" - <<'PY'
import importlib.util, importlib.metadata as md, os, pathlib, re, sys

spec = importlib.util.find_spec("solara")
if spec is None or not spec.submodule_search_locations:
    sys.exit("solara is not installed in this python")
root = pathlib.Path(list(spec.submodule_search_locations)[0])

def version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None

ipywidgets_major = (version("ipywidgets") or "8").split(".")[0]
vue3 = (version("ipyvue") or "1").startswith("3")          # same test as solara/server/server.py
want_vega = os.environ.get("SOLARA_ASSETS_ALL") == "1" or version("altair") is not None

pat = re.compile(
    r'(?:\{\{ ?cdn ?\}\}|getCdn\(\)\}|fontawesome_path: str = ")/?'
    r'((?:@[A-Za-z0-9._-]+/)?[A-Za-z0-9._-]+@[A-Za-z0-9.+^~-]+)/([^"`\' )]*)'
)
found = {}
for path in root.rglob("*"):
    if path.suffix not in {".py", ".vue", ".j2", ".js", ".html"} or "__pycache__" in path.parts:
        continue
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        continue
    for pkg, file in pat.findall(text):
        file = file.replace("{{ipywidget_major_version}}", ipywidgets_major)
        if "{" in file or "$" in file:
            file = None                 # still templated: pack it, but cannot verify a file
        found.setdefault(pkg, set())
        if file:
            found[pkg].add(file)

# The fontawesome path may be overridden by the same env var solara reads.
fa = os.environ.get("SOLARA_ASSETS_FONTAWESOME_PATH")
if fa:
    m = re.match(r"/?((?:@[^/]+/)?[^/@]+@[^/]+)/(.+)", fa)
    if m:
        found.setdefault(m.group(1), set()).add(m.group(2))

for extra in os.environ.get("SOLARA_ASSETS_EXTRA", "").split():
    found.setdefault(extra, set())

out = []
for pkg, files in sorted(found.items()):
    name = pkg.rsplit("@", 1)[0]
    if name == "@widgetti/solara-vuetify3-app" and not vue3:
        continue                        # only served when ipyvue 3.x is installed
    if name == "@widgetti/solara-vuetify-app" and vue3:
        continue
    if name in {"vega", "vega-lite", "vega-embed"} and not want_vega:
        continue                        # solara.FigureAltair only
    out.append(pkg + "\t" + " ".join(sorted(files)))
if not out:
    sys.exit("found no CDN references in " + str(root))
print("\n".join(out))
PY
)" || die "could not read the asset list from $py's solara"

solara_version="$("$py" -c 'import importlib.metadata as m; print(m.version("solara"))' 2>/dev/null || echo '?')"
log "solara $solara_version; cache: $dest"

mkdir -p "$dest"
# the temp dir lives inside $dest so the final `mv` is a same-filesystem rename (atomic)
tmp="$(mktemp -d "$dest/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# npm writes notices/warnings to stderr; keep stdout clean for the caller
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

fetched=0
while IFS=$'\t' read -r pkg files; do
    [ -n "$pkg" ] || continue
    target="$dest/$pkg"
    if [ -f "$target/package.json" ]; then
        log "have  $pkg"
    else
        work="$tmp/$(echo "$pkg" | tr '/@' '__')"
        mkdir -p "$work"
        log "pack  $pkg"
        tgz=""
        for attempt in 1 2 3; do
            # --json names the tarball; no scripts run for a registry spec, but be explicit
            if out="$(cd "$work" && npm pack "$pkg" --ignore-scripts --json 2>"$work/npm.err")"; then
                tgz="$(printf '%s' "$out" | "$py" -c 'import json,sys; print(json.load(sys.stdin)[0]["filename"])')"
                break
            fi
            log "npm pack $pkg failed (attempt $attempt): $(tail -n 3 "$work/npm.err" | tr '\n' ' ')"
            sleep $((attempt * 2))
        done
        [ -n "$tgz" ] && [ -f "$work/$tgz" ] || die "could not npm pack $pkg"
        mkdir -p "$work/x"
        tar -xzf "$work/$tgz" -C "$work/x" --no-same-owner
        # npm tarballs hold one top folder, normally "package/" (a few old ones differ)
        top="$(find "$work/x" -mindepth 1 -maxdepth 1 -type d -print -quit)"
        [ -n "$top" ] && [ -f "$top/package.json" ] || die "unexpected tarball layout in $tgz"
        mkdir -p "$(dirname "$target")"
        rm -rf "$target"                # a stale dir without package.json (old failed run)
        mv "$top" "$target"
        fetched=$((fetched + 1))
    fi
    # verify that every file solara will ask for is there
    for f in $files; do
        [ -f "$target/$f" ] && continue
        # jsDelivr minifies on the fly: solara asks for e.g. requirejs@2.3.6/require.min.js,
        # which the npm package does not ship. The unminified file works the same.
        case "$f" in
            *.min.js | *.min.css)
                plain="${f%.min.*}.${f##*.}"
                if [ -f "$target/$plain" ]; then
                    cp "$target/$plain" "$target/$f"
                    log "      $pkg/$f <- copy of $plain (jsDelivr would minify it)"
                    continue
                fi ;;
        esac
        die "$pkg lacks $f (expected by solara $solara_version)"
    done
done <<< "$manifest"

log "ok: $(printf '%s\n' "$manifest" | wc -l) packages ($fetched fetched now)"
log "run solara with: SOLARA_ASSETS_PROXY_CACHE_DIR=$dest SOLARA_ASSETS_PROXY=true"
echo "$dest"
