#!/usr/bin/env bash
# The int8 kernels' C test (firmware/nn/tests/test_int8.c) on the boards' cores: built with arm-none-eabi-gcc for
# Cortex-M4 (fpv4-sp-d16) and Cortex-M7 (fpv5-sp-d16), so CMSIS-NN takes its DSP-extension paths, and run under
# QEMU's mps2-an386 and mps2-an500 with semihosting. Every kernel's output must equal the exact integer loops there
# too, so the host reference (host/src/nn/int8, equal to the host's pure C paths) is the boards' result as well.
#
# test_trec_int8 (int8 TREC against its loops, firmware/nn/TREC_INT8.md) runs the same way after it.
#
# --bench runs bench/c/bench_int8_conv.c instead (int8 conv against fp32 conv, instructions under -icount shift=0),
# built with the boards' -Os like firmware/arm, and prints its lines (bench/int8-conv.sh formats them).
#
# --trec-elf only builds firmware/nn/tests/trec_int8_cli.c the same way (-Os) and prints the ELF's path, for
# bench/trec-int8.ts, which runs it under QEMU -icount once per layer.
#
#   scripts/test-int8-arm.sh [--bench|--trec-elf] [m4|m7]...     default: both; builds in build/int8-arm/<core>[-bench]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench=0 trec_elf=0
if [[ "${1:-}" == --bench ]]; then bench=1; shift; fi
if [[ "${1:-}" == --trec-elf ]]; then bench=1 trec_elf=1; shift; fi
cores=("$@")
(( ${#cores[@]} )) || cores=(m4 m7)
cmsis="$("$root/scripts/fetch-cmsis-nn.sh")"
nn="$root/firmware/nn"
for core in "${cores[@]}"; do
  case "$core" in
    m4) cpu=(-mcpu=cortex-m4 -mfpu=fpv4-sp-d16) machine=mps2-an386 ;;
    m7) cpu=(-mcpu=cortex-m7 -mfpu=fpv5-sp-d16) machine=mps2-an500 ;;
    *) echo "test-int8-arm: unknown core '$core' (m4, m7)" >&2; exit 2 ;;
  esac
  out="$root/build/int8-arm/$core" optimize=-O2
  if ((bench)); then out+=-bench optimize=-Os; fi
  mkdir -p "$out/cmsis"
  flags=(-mthumb "${cpu[@]}" -mfloat-abi=hard "$optimize" -ffunction-sections -fdata-sections -std=c11)
  # CMSIS-NN once per core (upstream warnings off, as in cmake/cmsis-nn.cmake), then ours with -Werror: the int8
  # wrappers, and float TREC's sources for rtnn_trec_check (rtnn_i8_trec_check starts with its refusals).
  if [[ ! -f "$out/cmsis/libcmsis_nn.a" ]]; then
    (cd "$out/cmsis" && arm-none-eabi-gcc "${flags[@]}" -w -I"$cmsis/Include" -c "$cmsis"/Source/*/*.c && arm-none-eabi-ar rcs libcmsis_nn.a ./*.o && rm -f ./*.o)
  fi
  if ((trec_elf)); then
    programs=(trec_int8_cli)
  elif ((bench)); then
    programs=(bench_int8_conv)
  else
    programs=(test_int8 test_trec_int8)
  fi
  for name in "${programs[@]}"; do
  if ((trec_elf)); then
    program=("$nn/tests/trec_int8_cli.c")
  elif ((bench)); then
    program=(-ffp-contract=off "$root/bench/c/bench_int8_conv.c" "$nn/src/kernel_conv.c") icount=(-icount shift=0)
  else
    program=("$nn/tests/$name.c") icount=()
  fi
  arm-none-eabi-gcc "${flags[@]}" -Wall -Wextra -Werror -I"$nn/include" -I"$nn/tests" -isystem "$cmsis/Include" \
    "$nn"/int8/*.c "$nn/src/status.c" "$nn"/src/trec_conv*.c "${program[@]}" "$nn/tests/arm/semihost_start.c" \
    "$out/cmsis/libcmsis_nn.a" -T"$nn/tests/arm/semihost.ld" -nostartfiles --specs=rdimon.specs -Wl,--gc-sections -lm \
    -o "$out/$name.elf"
  if ((trec_elf)); then echo "$out/$name.elf"; continue; fi
  log="$out/$name.log"
  timeout 600 qemu-system-arm -M "$machine" "${icount[@]}" -nographic -monitor none -serial none -semihosting -kernel "$out/$name.elf" >"$log" 2>&1 || true
  if ((bench)); then
    grep -q '^test_int8 exit 0' "$log" || { echo "test-int8-arm: $name on $core failed; $log:" >&2; tail -n 20 "$log" >&2; exit 1; }
    sed -n "s/^\([a-z0-9_.]* [0-9].*\)/$core \1/p" "$log"
    continue
  fi
  if grep -q '^test_int8 exit 0' "$log"; then
    echo "test-int8-arm: $core ($machine): $name passed: $(if [[ $name == test_int8 ]]; then echo "every int8 kernel equals the exact integer loops"; else echo "int8 TREC equals its definition as loops"; fi) ($(head -n1 "$log"))"
  else
    echo "test-int8-arm: $core ($machine) $name FAILED; $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  done
done
