#!/usr/bin/env bash
# npm run bench:compress — builds the C decoder bench, then runs bench/compress.ts (ratios against the paper,
# AlexNet/VGG-16 compression time and peak memory against a per-weight k-means baseline, fidelity, C decode speed,
# then Table 1's accuracy rows: trained LeNets on MNIST and Fashion-MNIST, with and without retraining, and the
# ratio-against-error curve; trained models come from build/trained-zoo, trained there when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh demo
# The release tree builds bench_rtm_decode against firmware/nn's own target (bench/CMakeLists.txt), libraries included.
bash scripts/build-c.sh release >/dev/null
npx tsc -b bench
exec npx tsx --conditions=source bench/compress.ts "$@"
