#!/bin/bash
# The crash test of the durable engine (issue 8): a child `itinera run --until-done` over a few
# thousand contacts (a journey with sends, a webhook and waits of seconds) is SIGKILLed at random
# points many times and restarted; at the end every expected message key is in the record sink,
# no unexpected key is, the database is whole and nothing is left pending; re-sends (a kill
# between the dispatcher's record write and its commit) are counted and reported.
#
#   tests/crash/run.sh PATH/TO/itinera [--contacts N] [--kills K] [--seed S] [--keep]
#   tests/crash/run.sh target/release/itinera --contacts 10000 --kills 20     (the long run)
#
# Builds nothing: pass the binary to test (CI: a release build). Needs python3 (standard library
# only). Prints the seed, one line per kill and a figures block, then `crash: ok`, or
# `crash: FAIL: ...` per violation and exit status 1; exit status 2 on a usage error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

die() { echo "tests/crash/run.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: tests/crash/run.sh PATH/TO/itinera [--contacts N] [--kills K] [--seed S] [--keep]"
command -v python3 >/dev/null || die "python3 is missing"
bin=$(realpath "$1") || die "$1: no such file"
shift
[ -f "$bin" ] && [ -x "$bin" ] || die "$bin is not an executable (build it: cargo build --release -p itinera)"

PYTHONDONTWRITEBYTECODE=1 exec python3 "$here/crash.py" "$bin" "$@"
