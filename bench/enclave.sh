#!/usr/bin/env bash
# npm run bench:enclave — builds the release C tree (teesim, the rtinfer TA at 5 MiB and 64 MiB, the drivers) and
# the TS, then runs bench/enclave.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh test
bash scripts/build-c.sh release >/dev/null
npx tsc -b bench
exec npx tsx --conditions=source bench/enclave.ts "$@"
