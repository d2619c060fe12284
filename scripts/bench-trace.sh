#!/usr/bin/env bash
# npm run bench:trace — runs host/src/trace/bench/bench-trace.ts (deadlineCheck$ throughput against a plain loop,
# live latency at 10k events/s, loss accounting). Sources run through tsx; nothing to build.
# Knobs: BENCH_ROUNDS (5), BENCH_TRACE_SECONDS (20 s of device time), BENCH_LATENCY_SECONDS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx --conditions=source host/src/trace/bench/bench-trace.ts
