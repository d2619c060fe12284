#!/usr/bin/env bash
# Boots a flash image from build-os.sh qemu just far enough to see the secure world come up: TF-A runs, OP-TEE
# prints its banner on the second serial port and hands over to the normal world ("Primary CPU switching to
# normal world boot"). Then QEMU is stopped; no kernel is needed. Bounded: gives up after SMOKE_TIMEOUT
# seconds (default 60). Prints the seconds from QEMU's start to the hand-over.
# Usage: scripts/optee/smoke-boot.sh FLASH_BIN [LOG_DIR]   (logs: LOG_DIR/{secure,normal}.log)
set -euo pipefail
flash="${1:?usage: smoke-boot.sh FLASH_BIN [LOG_DIR]}"
logs="${2:-$(mktemp -d)}"
limit="${SMOKE_TIMEOUT:-60}"
[[ -f "$flash" ]] || { echo "smoke-boot: no $flash" >&2; exit 1; }
mkdir -p "$logs"
secure="$logs/secure.log" normal="$logs/normal.log"
: >"$secure"; : >"$normal"

# The machine of DESIGN.md's "Facts checked: OP-TEE under QEMU"; -nic none since the default NIC wants
# efi-virtio.rom, which Debian does not install, and the secure world needs no network.
qemu-system-aarch64 -machine virt,secure=on -cpu cortex-a57 -smp 2 -m 1057 -display none -monitor none \
  -nic none -bios "$flash" -serial "file:$normal" -serial "file:$secure" 2>"$logs/qemu.err" &
qemu=$!
trap 'kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true' EXIT

started_ms=$(date +%s%3N)
handover="Primary CPU switching to normal world boot"
while ! grep -q "$handover" "$secure"; do
  if ! kill -0 "$qemu" 2>/dev/null; then
    echo "smoke-boot: QEMU exited before OP-TEE handed over; secure world log:" >&2
    cat "$secure" >&2
    exit 1
  fi
  if (( $(date +%s%3N) - started_ms >= limit * 1000 )); then
    echo "smoke-boot: no '$handover' within ${limit} s; secure world log ($secure):" >&2
    tail -n 20 "$secure" >&2
    exit 1
  fi
  sleep 0.2
done
elapsed_ms=$(( $(date +%s%3N) - started_ms ))
elapsed="$((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))"
grep -m1 "OP-TEE version" "$secure" >&2 || { echo "smoke-boot: no OP-TEE banner in $secure" >&2; exit 1; }
grep -m1 "$handover" "$secure" >&2
grep -m1 -h "Booting Trusted Firmware" "$normal" >&2 || true
echo "smoke-boot: secure world up, handed over to the normal world after ${elapsed} s (logs: $logs)" >&2
echo "$elapsed"
