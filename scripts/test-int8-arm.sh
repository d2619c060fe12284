#!/usr/bin/env bash
# The int8 kernels' C test (firmware/nn/tests/test_int8.c) on the boards' cores: built with arm-none-eabi-gcc for
# Cortex-M4 (fpv4-sp-d16) and Cortex-M7 (fpv5-sp-d16), so CMSIS-NN takes its DSP-extension paths, and run under
# QEMU's mps2-an386 and mps2-an500 with semihosting. Every kernel's output must equal the exact integer loops there
# too, so the host reference (host/src/nn/int8, equal to the host's pure C paths) is the boards' result as well.
#
#   scripts/test-int8-arm.sh [m4|m7]...     default: both; builds in build/int8-arm/<core>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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
  out="$root/build/int8-arm/$core"
  mkdir -p "$out/cmsis"
  flags=(-mthumb "${cpu[@]}" -mfloat-abi=hard -O2 -ffunction-sections -fdata-sections -std=c11)
  # CMSIS-NN once per core (upstream warnings off, as in cmake/cmsis-nn.cmake), then ours with -Werror.
  if [[ ! -f "$out/cmsis/libcmsis_nn.a" ]]; then
    (cd "$out/cmsis" && arm-none-eabi-gcc "${flags[@]}" -w -I"$cmsis/Include" -c "$cmsis"/Source/*/*.c && arm-none-eabi-ar rcs libcmsis_nn.a ./*.o && rm -f ./*.o)
  fi
  arm-none-eabi-gcc "${flags[@]}" -Wall -Wextra -Werror -I"$nn/include" -I"$nn/tests" -isystem "$cmsis/Include" \
    "$nn"/int8/*.c "$nn/src/status.c" "$nn/tests/test_int8.c" "$nn/tests/arm/semihost_start.c" \
    "$out/cmsis/libcmsis_nn.a" -T"$nn/tests/arm/semihost.ld" -nostartfiles --specs=rdimon.specs -Wl,--gc-sections -lm \
    -o "$out/test_int8.elf"
  log="$out/test_int8.log"
  timeout 600 qemu-system-arm -M "$machine" -nographic -monitor none -serial none -semihosting -kernel "$out/test_int8.elf" >"$log" 2>&1 || true
  if grep -q '^test_int8 exit 0' "$log"; then
    echo "test-int8-arm: $core ($machine): every int8 kernel equals the exact integer loops ($(head -n1 "$log"))"
  else
    echo "test-int8-arm: $core ($machine) FAILED; $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
done
