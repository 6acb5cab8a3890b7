#!/bin/bash
# The real desktop window, end to end: tauri-driver + WebKitWebDriver under Xvfb drive the built
# app (IPC path included), open a template from the start screen and expect "Valid", then go
# through the native save/open dialogs and the unsaved-changes prompt on close.
#
#   tests/desktop/run.sh [APP]
# APP: the desktop binary built with `--features tauri/custom-protocol` (embeds ui/dist);
# default $ITINERA_DESKTOP_APP, else target/debug/itinera-desktop. Needs tauri-driver
# (`cargo install tauri-driver --version "^2" --locked`), /usr/bin/WebKitWebDriver
# (webkit2gtk-driver), xvfb-run and node (scripts/setup installs them).
# Drives the native GTK dialogs with xdotool (tests/desktop/xclose.py closes the window the way a
# window manager does). Writes docs/screenshots/desktop.png.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
app=${1:-${ITINERA_DESKTOP_APP:-$root/target/debug/itinera-desktop}}
app=$(readlink -f "$app")
[ -x "$app" ] || { echo "desktop: no app at $app (cargo build -p itinera-desktop --features tauri/custom-protocol)" >&2; exit 1; }
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
command -v tauri-driver >/dev/null || { echo "desktop: tauri-driver missing: cargo install tauri-driver --version '^2' --locked" >&2; exit 1; }
[ -x /usr/bin/WebKitWebDriver ] || { echo "desktop: /usr/bin/WebKitWebDriver missing (apt-get install webkit2gtk-driver)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The app works on an empty folder of its own (it never touches ~/Itinera during the test).
export ITINERA_DIR="$work/journeys"
# ... and on an engine database of its own (not the one in the app data folder).
export ITINERA_ENGINE_DB="$work/engine.db"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export DRIVER_PORT=$(free_port) NATIVE_PORT=$(free_port)
# GTK keeps its settings in memory (no dconf/D-Bus session under Xvfb: no warnings per dialog).
export GSETTINGS_BACKEND=memory
export ITINERA_DESKTOP_APP="$app" SCREENSHOT="$root/docs/screenshots/desktop.png" TEMPLATE_FILE="$root/assets/journeys/appointment-reminder.journey.json" OTHER_FILE="$root/assets/journeys/onboarding.journey.json"

xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  tauri-driver --port "$DRIVER_PORT" --native-port "$NATIVE_PORT" --native-driver /usr/bin/WebKitWebDriver > "'"$work"'/driver.log" 2>&1 &
  driver=$!
  status=0
  timeout 180 node "'"$here"'/e2e.mjs" || status=$?
  kill "$driver" 2>/dev/null || true
  wait "$driver" 2>/dev/null || true
  if [ $status -ne 0 ]; then echo "--- tauri-driver log (last 40 lines) ---"; tail -n 40 "'"$work"'/driver.log"; fi
  exit $status
'
