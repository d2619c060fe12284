#!/usr/bin/env bash
# Runs the netduinoplus2 firmware image under QEMU for a human: the board's
# USART1 appears on a pseudo-terminal, which QEMU names on its first line
# ("char device redirected to /dev/pts/N"); talk to it like a board:
#   rtinfer ping --device /dev/pts/N
# The QEMU monitor is on this terminal: `system_reset` resets the board (its
# RAM storage survives), `quit` ends. Builds the image first if needed.
#
#   scripts/qemu-run.sh [--icount] [extra qemu-system-arm arguments...]
#     --icount   -icount shift=0: 1 ns of virtual time per guest instruction
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${RTINFER_QEMU_IMAGE:-$root/build/arm/netduinoplus2/rtinfer-netduinoplus2.elf}"
extra=()
if [[ "${1:-}" == --icount ]]; then extra+=(-icount shift=0); shift; fi
command -v qemu-system-arm >/dev/null 2>&1 || { echo "qemu-system-arm is not installed (apt-get install qemu-system-arm)" >&2; exit 1; }
[[ -f "$image" ]] || "$root/scripts/build-arm.sh" netduinoplus2 >/dev/null
exec qemu-system-arm -M netduinoplus2 -display none -monitor stdio -serial pty -kernel "$image" "${extra[@]}" "$@"
