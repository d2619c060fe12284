#!/usr/bin/env bash
# npm run bench:trace — runs bench/trace.ts (deadlineCheck$ throughput against a plain loop, live latency at 10k
# events/s, loss accounting), from source through tsx.
# Knobs: BENCH_ROUNDS (5), BENCH_TRACE_SECONDS (20 s of device time), BENCH_LATENCY_SECONDS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh demo
npx tsc -b bench
exec npx tsx --conditions=source bench/trace.ts "$@"
