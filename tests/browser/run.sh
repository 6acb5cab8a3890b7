#!/bin/bash
# Browser end-to-end tests of the editor against the real backend.
#
#   tests/browser/run.sh PATH/TO/itinera [TEST_FILE...]
#
# Builds nothing: the caller built the CLI and ui/dist (cd ui && npm ci && npm run build).
# Installs playwright-core here (npm ci) when missing, makes a temporary folder of journeys,
# starts `itinera serve --ui --dir TMP --port 0 --db TMP/engine.db` (the bundled engine, for the
# Live view), reads the URL from its `listening on` line,
# runs the tests with Node's test runner (node --test) in Debian's chromium, stops the server.
# Screenshots of the main screens go to docs/screenshots/ (ITINERA_SCREENSHOTS overrides),
# failure screenshots and the figures measured to tests/output/browser/.
# Exit status: that of the test run (non-zero when a test fails).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

die() { echo "tests/browser/run.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: tests/browser/run.sh PATH/TO/itinera [TEST_FILE...]"
bin=$(realpath "$1") || die "$1: no such file"
shift
[ -x "$bin" ] || die "$bin is not an executable (build it: cargo build -p itinera)"
ui_dir=${ITINERA_UI_DIR:-$root/ui/dist}
[ -f "$ui_dir/index.html" ] || die "$ui_dir/index.html is missing (build the editor: cd ui && npm ci && npm run build)"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (apt-get install -y --no-install-recommends chromium fonts-dejavu-core)"

cd "$here"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

tmp=$(mktemp -d -t itinera-browser-XXXXXX)
work="$tmp/journeys"
mkdir -p "$work"
log="$tmp/server.log"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The API secret: the served page carries it; the tests' direct calls (lib/app.mjs `api`) send it.
ITINERA_API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export ITINERA_API_TOKEN
db="$tmp/engine.db"
"$bin" serve --ui --ui-dir "$ui_dir" --dir "$work" --port 0 --db "$db" >"$log" 2>&1 &
server_pid=$!

url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\).*$/\1/p' "$log" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$log" >&2
    die "the server exited before listening"
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$log" >&2
  die "no 'listening on' line from the server within 30 s"
fi
echo "server: $url (folder $work)"

export ITINERA_URL="$url"
export ITINERA_DIR="$work"
export ITINERA_DB="$db"
export ITINERA_SCREENSHOTS=${ITINERA_SCREENSHOTS:-$root/docs/screenshots}
export ITINERA_ARTIFACTS=${ITINERA_ARTIFACTS:-$root/tests/output/browser}
mkdir -p "$ITINERA_ARTIFACTS"

if [ $# -gt 0 ]; then
  tests=("$@")
else
  tests=(tests/*.test.mjs)
fi

status=0
node --test --test-concurrency=1 --test-reporter=spec "${tests[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2
  echo "failure screenshots: $ITINERA_ARTIFACTS" >&2
fi
exit "$status"
