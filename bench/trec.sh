#!/usr/bin/env bash
# npm run bench:trec — builds the bench_trec driver (bench/CMakeLists.txt, in the release tree) and runs bench/trec.ts:
# TREC vs the dense rtnn_conv on CifarNet, ZfNet and SqueezeNet conv layers, instructions counted by callgrind:
# untrained (seeded weights, structured inputs), then CifarNet and SqueezeNet trained on Fashion-MNIST
# (build/trained-zoo, trained when missing) with real test images and the accuracy change with TREC.
# Knobs: BENCH_TREC_MAX_L2 (0.4), BENCH_TREC_SHORTLIST (4), BENCH_TREC_IMAGES (16), BENCH_TREC_TEST_IMAGES (300,
# CifarNet), BENCH_TREC_TEST_IMAGES_SQUEEZENET (100), BENCH_TREC_TRAINED (cifarnet,squeezenet-cifar). Writes build/bench/trec.json.
# Then the same comparison on the STM32F405 image in QEMU, instructions counted with -icount (bench/trec-qemu.ts),
# untrained and trained (lenet-5-classic on Fashion-MNIST; BENCH_TREC_QEMU_TEST_IMAGES (500) for its accuracy).
# Last, the int8 half (bench/trec-int8.sh): int8 TREC against CMSIS-NN's int8 conv on Cortex-M4/M7 under QEMU -icount,
# then int8 conv against fp32 conv (bench/int8-conv.sh).
# --quick runs every part on one layer, one image, one inference (int8-conv: the M4 alone).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh test # valgrind, the ARM toolchain and QEMU
bash scripts/build-c.sh release >/dev/null
# A tree configured before valgrind was installed has no bench_trec: configuring again finds callgrind.h.
if [[ ! -x build/c/bench/bench_trec ]]; then
  cmake build/c >/dev/null
  bash scripts/build-c.sh release >/dev/null
fi
npx tsc -b bench
npx tsx --conditions=source bench/trec.ts "$@"
echo
bash scripts/build-arm.sh netduinoplus2 >/dev/null
npx tsx --conditions=source bench/trec-qemu.ts "$@"
echo
exec bash bench/trec-int8.sh "$@"
