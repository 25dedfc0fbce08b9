#!/usr/bin/env bash
# The main job (`npm start`): install what is missing, then run `guardian demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
exec node bin/guardian.mjs demo "$@"
