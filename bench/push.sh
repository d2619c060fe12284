#!/usr/bin/env bash
# npm run bench:push — builds the release sim and the TS, then runs bench/push.ts (needs mosquitto for its MQTT row).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh test
bash scripts/build-c.sh release >/dev/null
npx tsc -b bench
exec npx tsx --conditions=source bench/push.ts "$@"
