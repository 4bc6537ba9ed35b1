#!/usr/bin/env bash
# npm test [-- <test file or glob>...]
# Type-checks the whole project and compiles the policy pack (policy/bin, what the tests and the
# engine run), then runs mocha on the given files, or on every test/**/*.test.ts when none is given.
# Extra mocha options may follow the files (e.g. npm test -- test/plan/cli.test.ts --grep exit).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin

# Both compilations are single-threaded; running them side by side halves the wait on two cores.
"$bin/tsc" --noEmit -p . & typecheck=$!
"$bin/tsc" -p policy & build=$!
status=0
wait "$typecheck" || status=$?
wait "$build" || status=$?
if [ "$status" -ne 0 ]; then
  exit "$status"
fi

if [ "$#" -eq 0 ]; then
  set -- "test/**/*.test.ts"
fi
exec "$bin/mocha" "$@"
