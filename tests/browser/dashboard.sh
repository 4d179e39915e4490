#!/usr/bin/env bash
# Renders `pm-sync dashboard` sites in a real headless Chromium (Debian's package) and fails on
# any console message (script errors, Content-Security-Policy violations, blocked loads) or when
# the page's script did not run. Saves screenshots to docs/ for people to look at.
#
# The sites are the ones the integration tests build and check (tests/cli_dashboard/): the
# quickstart's report and a generated tree of 200 reports, both live against the fake Jira.
#
#   bash tests/browser/dashboard.sh                # installs chromium with apt-get when missing
#   bash tests/browser/dashboard.sh --update-docs  # also replaces the screenshots in docs/
set -euo pipefail
cd "$(dirname "$0")/../.."
UPDATE_DOCS=false
[ "${1:-}" = "--update-docs" ] && UPDATE_DOCS=true

CHROMIUM="${CHROMIUM:-chromium}"
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  echo "installing Debian's chromium (needs root and the Debian archive)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

# Build the sites exactly as the tests check them.
cargo test --locked --quiet --test integration cli_dashboard:: >/dev/null
TARGET="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
SITES="$TARGET/tmp/dashboard-sites"
SHOTS="$TARGET/tmp/dashboard-screenshots"
mkdir -p "$SHOTS"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# One Chromium run: prints the DOM after scripts ran; the log goes to $WORK/log.
render() {
  local url="$1"; shift
  local profile
  profile="$(mktemp -d "$WORK/profile.XXXX")"
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 --hide-scrollbars "$@" "$url" \
    2>"$WORK/log"
}

# Every console message counts: the page logs nothing when all is well.
console_messages() {
  grep -E ':CONSOLE[:(]' "$WORK/log" || true
}

failed=0
passed=0
check_site() {
  local name="$1" page="$2" shot="$3"
  local url="file://$page"
  [ -f "$page" ] || { echo "FAIL $name: $page was not built" >&2; failed=$((failed + 1)); return; }
  for scheme in light dark; do
    local flags=()
    [ "$scheme" = dark ] && flags+=(--force-dark-mode)
    local before=$failed
    render "$url" "${flags[@]}" --dump-dom >"$WORK/dom.html"
    local messages
    messages="$(console_messages)"
    if [ -n "$messages" ]; then
      echo "FAIL $name ($scheme): console messages:" >&2
      echo "$messages" >&2
      failed=$((failed + 1))
    fi
    # The script reveals the sort/filter controls; still hidden means it did not run.
    if grep -q 'class="controls" data-js="" hidden' "$WORK/dom.html" || ! grep -q 'data-count=' "$WORK/dom.html"; then
      echo "FAIL $name ($scheme): the page's script did not run" >&2
      failed=$((failed + 1))
    fi
    render "$url" "${flags[@]}" --window-size=1280,2000 --screenshot="$WORK/shot.png" >/dev/null
    if [ ! -s "$WORK/shot.png" ]; then
      echo "FAIL $name ($scheme): no screenshot" >&2
      failed=$((failed + 1))
    else
      cp "$WORK/shot.png" "$SHOTS/$shot-$scheme.png"
      if $UPDATE_DOCS; then cp "$WORK/shot.png" "docs/src/images/$shot-$scheme.png"; fi
    fi
    if [ "$failed" -eq "$before" ]; then
      passed=$((passed + 1))
      echo "ok   $name ($scheme): no console messages, script ran; screenshot $SHOTS/$shot-$scheme.png"
    fi
  done
}

# The detector must be able to fail: a page with a blocked load and a script error.
cat >"$WORK/broken.html" <<'HTML'
<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">
<link rel="stylesheet" href="https://cdn.example.com/x.css"></head>
<body><script>undefinedFunction();</script></body></html>
HTML
render "file://$WORK/broken.html" --dump-dom >/dev/null
if [ -z "$(console_messages)" ]; then
  echo "FAIL the console check saw nothing on a broken page: it cannot be trusted" >&2
  exit 1
fi
echo "ok   the console check catches a blocked load and a script error"
passed=$((passed + 1))

check_site "quickstart" "$SITES/quickstart/site/index.html" "dashboard-quickstart"
check_site "200 reports" "$SITES/tree-200/site/index.html" "dashboard"

echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
