#!/usr/bin/env bash
# npm run bench:sched — builds the TypeScript, then runs bench/sched.ts (analysis and simulation rates).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh demo
npx tsc -b bench
exec npx tsx --conditions=source bench/sched.ts "$@"
