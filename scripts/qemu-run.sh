#!/usr/bin/env bash
# Runs the netduinoplus2 firmware image (Cortex-M4), or with --m7 the
# mps2_an500 image (Cortex-M7, QEMU's mps2-an500), under QEMU for a human: the
# board's UART appears on a pseudo-terminal, which QEMU names on its first line
# ("char device redirected to /dev/pts/N"); talk to it like a board:
#   rtinfer ping --device /dev/pts/N
# The QEMU monitor is on this terminal: `system_reset` resets the board (its
# RAM storage survives), `quit` ends. Builds the image first if needed.
#
#   scripts/qemu-run.sh [--m7] [--icount] [extra qemu-system-arm arguments...]
#     --m7       the mps2_an500 image on -M mps2-an500 (image: RTINFER_QEMU_M7_IMAGE)
#     --icount   -icount shift=0: 1 ns of virtual time per guest instruction
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
machine=netduinoplus2 board=netduinoplus2 image="${RTINFER_QEMU_IMAGE:-}"
if [[ "${1:-}" == --m7 ]]; then machine=mps2-an500 board=mps2_an500 image="${RTINFER_QEMU_M7_IMAGE:-}"; shift; fi
image="${image:-$root/build/arm/$board/rtinfer-$board.elf}"
extra=()
if [[ "${1:-}" == --icount ]]; then extra+=(-icount shift=0); shift; fi
command -v qemu-system-arm >/dev/null 2>&1 || { echo "qemu-system-arm is not installed (apt-get install qemu-system-arm)" >&2; exit 1; }
[[ -f "$image" ]] || "$root/scripts/build-arm.sh" "$board" >/dev/null
exec qemu-system-arm -M "$machine" -display none -monitor stdio -serial pty -kernel "$image" "${extra[@]}" "$@"
