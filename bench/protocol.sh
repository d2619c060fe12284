#!/usr/bin/env bash
# npm run bench:protocol — builds what it measures (release sim and C bench drivers, TS), then runs bench/protocol.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh demo
bash scripts/build-c.sh release >/dev/null
npx tsc -b bench
exec npx tsx --conditions=source bench/protocol.ts "$@"
