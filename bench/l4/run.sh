#!/usr/bin/env bash
# Runs the L4 bench with descriptor limits high enough for 10k idle connections through each proxy
# (raising the hard limit needs root). Builds dist/ first so the Fulcrum proxy runs the current code.
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
npx tsc -p tsconfig.build.json || echo "# tsc reported errors (see above); dist/ was still emitted"
exec node bench/l4/run.mjs "$@"
