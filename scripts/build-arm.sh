#!/usr/bin/env bash
# Builds the STM32 firmware images with arm-none-eabi-gcc (firmware/arm) into
# build/arm/<board>/rtinfer-<board>.{elf,bin,hex,map} and prints a memory
# report. Boards: netduinoplus2 (QEMU, M4), nucleo_f746zg, disco_f469ni,
# mps2_an500 (QEMU, M7).
#
#   scripts/build-arm.sh [board...]      default: all four
#
# Environment:
#   RTINFER_MBEDTLS_SRC  an mbedTLS 2.28 source tree to use instead of fetching
#                        Debian's (default: build/arm/_deps/mbedtls, fetched once)
#   RTINFER_APP_ROOT     a checkout to take protocol/c, firmware/nn and the app
#                        from (e.g. a clean `git worktree` of HEAD); default: this one
#   RTINFER_JOBS         parallel compile jobs (default 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${RTINFER_JOBS:-2}"
all_boards=(netduinoplus2 nucleo_f746zg disco_f469ni mps2_an500)
boards=("$@")
(( ${#boards[@]} )) || boards=("${all_boards[@]}")
for board in "${boards[@]}"; do
  [[ " ${all_boards[*]} " == *" $board "* ]] || { echo "build-arm: unknown board '$board' (${all_boards[*]})" >&2; exit 2; }
done

if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
  echo "build-arm: arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (or scripts/ensure-deps.sh test)" >&2
  exit 1
fi

# mbedTLS sources for SHA-256 (firmware/nn). Debian ships mbedTLS for the host
# only, so take the source package Debian builds it from (the version the
# host's libmbedtls-dev is), with apt's own signature and checksum checks,
# through a private apt configuration: nothing on the system is changed and
# no root is needed.
fetch_mbedtls() {
  local dest="$1" deps work
  deps="$(dirname "$dest")"
  work="$deps/apt"
  rm -rf "$work" && mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
  cat >"$work/sources.list" <<'LIST'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
LIST
  local apt=(apt-get -qq -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
             -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1")
  echo "build-arm: fetching the mbedTLS source package from deb.debian.org (bookworm) into $deps"
  "${apt[@]}" update
  (cd "$work/src" && "${apt[@]}" source --download-only mbedtls 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  local orig
  orig="$(ls "$work"/src/mbedtls_*.orig.tar.* 2>/dev/null | head -n1)"
  [[ -n "$orig" ]] || { echo "build-arm: could not download the mbedtls source package; set RTINFER_MBEDTLS_SRC to an mbedTLS 2.28 tree" >&2; exit 1; }
  mkdir -p "$work/x" && tar -xf "$orig" -C "$work/x"
  rm -rf "$dest" && mv "$work/x"/*/ "$dest"
  cp "$work"/src/mbedtls_*.dsc "$dest/" 2>/dev/null || true
  rm -rf "$work"
  sed -n "s/.*MBEDTLS_VERSION_STRING *\(\"[^\"]*\"\).*/build-arm: mbedTLS \1/p" "$dest/include/mbedtls/version.h"
}

mbedtls="${RTINFER_MBEDTLS_SRC:-$root/build/arm/_deps/mbedtls}"
if [[ ! -f "$mbedtls/library/sha256.c" ]]; then
  [[ -z "${RTINFER_MBEDTLS_SRC:-}" ]] || { echo "build-arm: RTINFER_MBEDTLS_SRC=$mbedtls has no library/sha256.c" >&2; exit 1; }
  fetch_mbedtls "$mbedtls"
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
app_root="${RTINFER_APP_ROOT:-$root}"

for board in "${boards[@]}"; do
  dir="$root/build/arm/$board"
  args=(-DRTINFER_BOARD="$board" -DMBEDTLS_SOURCE_DIR="$mbedtls" -DRTINFER_APP_ROOT="$app_root")
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    cmake -S "$root/firmware/arm" -B "$dir" "${generator[@]}" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi.cmake" "${args[@]}" >/dev/null
  else
    cmake "$dir" "${args[@]}" >/dev/null
  fi
  cmake --build "$dir" --parallel "$jobs"
  # No heap, ever (app.h: all state is static): an image that references
  # malloc fails here rather than at run time (stm32_syscalls.c's _sbrk
  # would make it return NULL).
  if arm-none-eabi-nm "$dir/rtinfer-$board.elf" | grep -qwE '_?malloc(_r)?'; then
    echo "build-arm: $board: the image links malloc ($(arm-none-eabi-nm "$dir/rtinfer-$board.elf" | grep -wE '_?malloc(_r)?' | awk '{print $3}' | tr '\n' ' ')); find the caller in build/arm/$board/rtinfer-$board.map" >&2
    exit 1
  fi
done

# Memory report: flash = everything loaded into flash (vectors, code, rodata,
# .data's initial values); RAM = stack + .data + .bss (of which the arena, the
# app's inference pool of RTINFER_NN_ARENA_BYTES) + .noinit (netduinoplus2: its
# RAM-backed storage), against the part's capacity (netduinoplus2: QEMU's
# 192 KiB, see firmware/stm32/boards/README.md). "deepest" is the worst call
# chain from main() per GCC's call graphs (indirect calls not followed), to
# compare with the stack size.
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
row() { printf '%-14s | %-26s | %-15s | %-8s | %-8s | %-8s | %-26s | %s\n' "$@"; }
echo
row board "flash used / capacity" "stack (deepest)" arena "static" storage "RAM used / capacity" "RAM free"
row -------------- -------------------------- --------------- -------- -------- -------- -------------------------- --------
for board in "${boards[@]}"; do
  dir="$root/build/arm/$board"
  # shellcheck disable=SC1091
  source "$dir/board.env"
  eval "$(arm-none-eabi-size -A "$dir/rtinfer-$board.elf" | awk '
    $1==".isr_vector"||$1==".text"||$1==".ARM.exidx"||$1==".data" { flash += $2 }
    $1==".stack" { stack = $2 } $1==".data"||$1==".bss" { static += $2 } $1==".noinit" { noinit = $2 }
    END { printf "flash=%d stack=%d static=%d noinit=%d\n", flash, stack, static, noinit }')"
  deepest="?"
  if command -v python3 >/dev/null 2>&1; then
    deepest="$(find "$dir" -name '*.ci' -print0 | xargs -0 python3 "$root/firmware/arm/stack-depth.py" main -- | sed -n 's/^main: \([0-9]*\) bytes.*/\1/p')"
    deepest="$(kib "${deepest:-0}")K"
  fi
  # The arena as linked (engine.c's s_pool, what `rtinfer fit` plans against: host/src/boards/boards.ts,
  # checked equal by boards.test.ts) must be the RTINFER_NN_ARENA_BYTES the build was configured with.
  pool_hex="$(arm-none-eabi-nm -S "$dir/rtinfer-$board.elf" | awk '$4 == "s_pool" { print $2 }')"
  [[ "$pool_hex" =~ ^[0-9a-fA-F]+$ ]] || { echo "build-arm: $board: no single s_pool symbol in the image" >&2; exit 1; }
  if (( 16#$pool_hex != arena_bytes )); then
    echo "build-arm: $board: the linked arena s_pool is $((16#$pool_hex)) bytes, RTINFER_NN_ARENA_BYTES is $arena_bytes" >&2
    exit 1
  fi
  ram=$((stack + static + noinit))
  row "$board" "$(kib "$flash") / $(kib "$flash_bytes") KiB ($(pct "$flash" "$flash_bytes"))" \
    "$(kib "$stack")K ($deepest)" "$(kib "$arena_bytes")K" "$(kib $((static - arena_bytes)))K" "$(kib "$noinit")K" \
    "$(kib "$ram") / $(kib "$ram_bytes") KiB ($(pct "$ram" "$ram_bytes"))" "$(kib $((ram_bytes - ram)))K"
done
echo "KiB. static = .data + .bss without the arena; arena = the linked s_pool, RTINFER_NN_ARENA_BYTES (HELLO ram, rtinfer fit's inference memory); storage = RAM-backed storage (.noinit)."
