#!/usr/bin/env bash
# README command (a): the main job on the simulated bench, building what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh demo
# build/c: the STM32 sim, and for the Pi part rtinfer-agent and the rtinfer TA's teesim runner (build/c/teesim-ta).
bash scripts/build-c.sh release >/dev/null
npx tsc -b protocol host
exec node host/bin/run.js demo "$@"
