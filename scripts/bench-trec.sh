#!/usr/bin/env bash
# npm run bench:trec — builds firmware/nn's bench_trec driver (release, -O2) and runs firmware/nn/bench/bench-trec.ts:
# TREC vs the dense rtnn_conv on CifarNet, ZfNet and SqueezeNet conv layers, instructions counted by callgrind.
# Knobs: BENCH_TREC_MAX_L2 (0.4), BENCH_TREC_SHORTLIST (4), BENCH_TREC_IMAGES (16). Writes build/bench/trec.json.
# Then the same comparison on the STM32F405 image in QEMU, instructions counted with -icount (bench-trec-qemu.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench:trec needs valgrind (callgrind)" >&2; exit 1; }
cmake -S . -B build/h-trec-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/h-trec-rel --target bench_trec -j2 >/dev/null
export BENCH_TREC_DRIVER="$PWD/build/h-trec-rel/firmware/nn/bench_trec"
npx tsx --conditions=source firmware/nn/bench/bench-trec.ts "$@"
echo
bash scripts/build-arm.sh netduinoplus2 >/dev/null
exec npx tsx --conditions=source firmware/nn/bench/bench-trec-qemu.ts
