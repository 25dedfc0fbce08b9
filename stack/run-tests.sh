#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, type-checks and
# lints, starts the local stack, migrates, runs every vitest suite against the
# real services, stops the stack if it started it, and ends with one line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "npm packages"
source stack/ensure-packages.sh

step "browser for the dashboard's end-to-end tests"
if [ ! -x /usr/bin/chromium ]; then
  # Debian's Chromium (playwright-core drives it; no browser download). As root, as CI runs.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1
fi
/usr/bin/chromium --version 2>/dev/null || true

step "type-check and lint"
npx tsc --noEmit -p . || exit 1
npx eslint . || exit 1

step "dashboard build"
npm run --silent build:web || exit 1

step "local stack"
# A stack that already runs is used as it is. Otherwise the tests get a stack of their own, with its
# data in .stack-test/ (wiped first), so they never leave test events in the demo's topics and tables.
started_stack=0
if ! node bin/guardian.mjs stack status >/dev/null 2>&1; then
  started_stack=1
  if [ -z "${STACK_DIR:-}" ]; then
    export STACK_DIR="$PWD/.stack-test"
    rm -rf "$STACK_DIR"
  fi
fi
node bin/guardian.mjs stack up || { [ "$started_stack" = 1 ] && node bin/guardian.mjs stack down; exit 1; }
node bin/guardian.mjs migrate || { [ "$started_stack" = 1 ] && node bin/guardian.mjs stack down; exit 1; }

step "test suites"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
mkdir -p artifacts
npx vitest run --reporter=default --reporter=json --outputFile.json=artifacts/test-results.json "$@"
status=$?

if [ "$started_stack" = 1 ]; then
  step "stopping the stack this run started"
  node bin/guardian.mjs stack down
fi

node -e '
const r = JSON.parse(require("fs").readFileSync("artifacts/test-results.json", "utf8"));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || echo "0 passed, 1 failed"
exit $status
