#!/usr/bin/env bash
# npm run bench:compress — builds the C decoder bench, then runs bench/compress.ts (ratios against the paper,
# AlexNet/VGG-16 compression time and peak memory against a per-weight k-means baseline, fidelity, C decode speed).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
gcc -O2 -std=c11 -Wall -Wextra -Werror -Ifirmware/nn/include firmware/nn/src/*.c bench/c/bench_rtm_decode.c -lmbedcrypto -o build/bench/bench_rtm_decode
npx tsc -b protocol host
exec npx tsx --conditions=source bench/compress.ts "$@"
