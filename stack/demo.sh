#!/usr/bin/env bash
# The main job (`npm start`): install what is missing, then run `guardian demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/ensure-packages.sh
exec node bin/guardian.mjs demo "$@"
