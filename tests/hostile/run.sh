#!/bin/bash
# The hostile-input suite (issue 7): attacks a real `itinera serve` and the CLI, each under a
# 2 GB address-space cap (prlimit), and checks every case ends with a clear error or a correct
# result within its time bound, that the server still answers GET /health afterwards, and that
# nothing outside the served folder changed.
#
#   tests/hostile/run.sh PATH/TO/itinera [--only SUBSTRING]... [--keep]
#   tests/hostile/run.sh --list          (every case, its time bound and what it expects)
#
# Builds nothing: pass the binary to attack (CI: a release build). Needs python3 (standard
# library only) and prlimit (util-linux). Prints `ok NAME (1.23 s)` / `FAIL NAME: why` per case,
# then `N passed, N failed`; exit status 1 when a case failed, 2 on a usage error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

die() { echo "tests/hostile/run.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: tests/hostile/run.sh PATH/TO/itinera [--only SUBSTRING]... [--list] [--keep]"
command -v python3 >/dev/null || die "python3 is missing"
command -v prlimit >/dev/null || die "prlimit is missing (apt-get install -y util-linux)"
case "$1" in
  --list) exec python3 "$here/hostile.py" --list ;;
esac
bin=$(realpath "$1") || die "$1: no such file"
shift
[ -f "$bin" ] && [ -x "$bin" ] || die "$bin is not an executable (build it: cargo build --release -p itinera)"

PYTHONDONTWRITEBYTECODE=1 exec python3 "$here/hostile.py" "$bin" "$@"
