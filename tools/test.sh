#!/usr/bin/env bash
# npm test [-- <test file, glob or directory>...] [mocha options]
# Type-checks the whole project and compiles the policy pack (policy/bin, what the tests and the
# engine run), then runs mocha on the given files, or on every test/**/*.test.ts when none is given,
# one worker process per CPU (mocha --parallel; `-- --no-parallel` runs them in this process). The
# tests get a private TMPDIR, and the run fails when they leave anything in it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin

# Both compilations are single-threaded; side by side they take the time of one on two cores. The
# type check keeps its incremental state in out/ (it emits nothing, so there is no output to go stale).
"$bin/tsc" --noEmit -p . --incremental --tsBuildInfoFile out/tsc/typecheck.tsbuildinfo & typecheck=$!
"$bin/tsc" -p policy & build=$!
status=0
wait "$typecheck" || status=$?
wait "$build" || status=$?
if [ "$status" -ne 0 ]; then
  exit "$status"
fi

if [ "$#" -eq 0 ] || [[ "$1" == -* ]]; then
  set -- "test/**/*.test.ts" "$@"
fi
# Test files are independent (each evaluates what it needs), so they run side by side: on 2 CPUs the
# suite takes about two thirds of its serial time. One CPU gains nothing from a worker.
jobs=$(nproc 2>/dev/null || echo 1)
parallel=()
if [ "$jobs" -ge 2 ]; then
  parallel=(--parallel --jobs "$jobs")
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ai-platform-tests-XXXXXX")
status=0
TMPDIR="$tmp" "$bin/mocha" "${parallel[@]}" "$@" || status=$?
# The ts-node command (npm run plan, which some tests run) keeps a compile cache there by design.
left=$(ls -A "$tmp" | grep -v '^v8-compile-cache-' || true)
rm -rf "$tmp"
if [ -n "$left" ]; then
  echo "The tests left these in their TMPDIR (each test removes what it creates):" >&2
  echo "$left" | sed 's/^/  /' >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
