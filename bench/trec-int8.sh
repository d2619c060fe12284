#!/usr/bin/env bash
# int8 TREC against CMSIS-NN's int8 conv on Cortex-M4 and Cortex-M7 under QEMU -icount (bench/trec-int8.ts), then
# int8 conv against fp32 conv in instructions (bench/int8-conv.sh). bench/trec.sh runs this after the fp32 halves;
# alone: bash bench/trec-int8.sh [--quick]. Knob: BENCH_TREC_MAX_L2 (0.4). Writes build/bench/trec-int8.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t elves < <(bash scripts/test-int8-arm.sh --trec-elf m4 m7)
npx tsx --conditions=source bench/trec-int8.ts "${elves[@]}" "$@"
echo
exec bash bench/int8-conv.sh "$@"
