#!/usr/bin/env bash
# int8 conv (CMSIS-NN 7.0.0 through rtnn_i8_conv) against rtinfer's fp32 conv (rtnn_conv), the same layers in one
# run: executed instructions on the host (x86-64, CMSIS-NN's pure C paths, callgrind) and on Cortex-M4 and -M7
# (CMSIS-NN's DSP paths, QEMU -icount shift=0, scripts/test-int8-arm.sh --bench). Driver: bench/c/bench_int8_conv.c.
# Part of `npm run bench:trec` (bench/trec-int8.sh runs it last); firmware/nn/INT8.md, "Measured", has the figures.
# --quick: the Cortex-M4 run alone (no callgrind, no M7), ~10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-c.sh release >/dev/null
[[ -x build/c/bench/bench_int8_conv ]] || { echo "int8-conv: build/c/bench/bench_int8_conv is missing (valgrind's callgrind.h not found at configure time?)" >&2; exit 1; }
quick=0
[[ " $* " == *" --quick "* ]] && quick=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ((quick)); then
  echo "--quick: the Cortex-M4 run alone; these figures are not the full run's"
  build/c/bench/bench_int8_conv >"$work/host.txt"
  : >"$work/host-ir.txt"
  scripts/test-int8-arm.sh --bench m4 >"$work/arm.txt"
else
valgrind --tool=callgrind --collect-atstart=no --toggle-collect=rtnn_conv --toggle-collect=rtnn_i8_conv \
  --callgrind-out-file="$work/cg.out" build/c/bench/bench_int8_conv >"$work/host.txt" 2>/dev/null
for dump in "$work"/cg.out.*; do
  # "desc: Trigger: Client Request: fp32 cifarnet.conv1" and "summary: N"
  sed -n 's/^desc: Trigger: Client Request: \(fp32\|int8\) \(.*\)$/\1 \2/p' "$dump" | tr '\n' ' '
  sed -n 's/^summary: //p' "$dump"
done >"$work/host-ir.txt"
scripts/test-int8-arm.sh --bench m4 m7 >"$work/arm.txt"
fi
echo "| layer | MACs | core | fp32 conv instructions | int8 CMSIS-NN conv instructions | fp32 / int8 | scratch fp32 → int8 (B) |"
echo "|---|---|---|---|---|---|---|"
while read -r name macs fscratch qscratch; do
  fp32="$(awk -v n="$name" '$1 == "fp32" && $2 == n { print $3 }' "$work/host-ir.txt")"
  int8="$(awk -v n="$name" '$1 == "int8" && $2 == n { print $3 }' "$work/host-ir.txt")"
  ((quick)) || awk -v n="$name" -v m="$macs" -v f="$fp32" -v q="$int8" -v fs="$fscratch" -v qs="$qscratch" \
    'BEGIN { printf "| %s | %.2f M | x86-64 (pure C) | %.2f M | %.2f M | %.2f× | %d → %d |\n", n, m / 1e6, f / 1e6, q / 1e6, f / q, fs, qs }'
  awk -v n="$name" -v m="$macs" '$2 == n { printf "| %s | %.2f M | Cortex-%s (DSP) | %.2f M | %.2f M | %.2f× | %d → %d |\n", n, m / 1e6, toupper($1), $6 / 1e6, $7 / 1e6, $6 / $7, $4, $5 }' "$work/arm.txt"
done <"$work/host.txt"
