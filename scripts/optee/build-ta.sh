#!/usr/bin/env bash
# Our TA (firmware/optee/ta with the firmware/nn sources it reuses) against one OP-TEE build's TA dev kit,
# signed with the dev kit's default key, cached by its inputs. Prints the cache folder, which holds:
#   <uuid>.ta     the signed TA, as OP-TEE loads it from /lib/optee_armtz
#   <uuid>.elf    the unstripped ELF, for symbolising a TA panic's call stack
#   <uuid>.stripped.elf  what was signed: sign it with another key to get a TA this OP-TEE must refuse
#   warnings.txt  the compiler's warnings (OP-TEE's TA flags are stricter than the project's)
#   BUILD-INFO
# The sources are copied first and built in the copy: nothing is written into the checkout, and edits made
# while it builds cannot mix two revisions into one TA.
# Usage: scripts/optee/build-ta.sh PLATFORM OS_DIR   (OS_DIR as printed by build-os.sh)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
platform="${1:?usage: build-ta.sh PLATFORM OS_DIR}"
os_dir="${2:?usage: build-ta.sh PLATFORM OS_DIR}"
jobs="${RTINFER_OPTEE_JOBS:-$(nproc)}"
cache="$(optee_cache_dir)"
dev_kit="$os_dir/export-ta_arm64"
[[ -f "$dev_kit/mk/ta_dev_kit.mk" ]] || optee_fail "no TA dev kit in $os_dir"
ta_src="$optee_root/firmware/optee/ta"
uuid="$(sed -n 's/^BINARY *= *//p' "$ta_src/Makefile")"
[[ "$uuid" =~ ^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$ ]] || optee_fail "no TA UUID (BINARY = ...) in $ta_src/Makefile"

mkdir -p "$cache"
work="$(mktemp -d "$cache/.work-ta-$platform.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The layout sub.mk's relative paths expect: firmware/optee/ta beside firmware/nn. The CMake files come
# along for check-ta-sources.sh; tests, fuzzers and the client are not part of the TA.
firmware="$work/firmware"
mkdir -p "$firmware/optee/ta" "$firmware/nn"
(cd "$ta_src" && find . -maxdepth 1 -type f -print0 | xargs -0 cp -t "$firmware/optee/ta/")
cp -R "$ta_src/include" "$ta_src/libm" "$firmware/optee/ta/"
cp -R "$optee_root/firmware/nn/src" "$optee_root/firmware/nn/include" "$firmware/nn/"
cp "$optee_root"/firmware/nn/CMakeLists.txt "$optee_root"/firmware/nn/*.cmake "$firmware/nn/"

key="$( {
  echo "os $(basename "$os_dir") platform $platform uuid $uuid"
  optee_tree_hash "$firmware"
  cat "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$(dirname "${BASH_SOURCE[0]}")/check-ta-sources.sh"
} | optee_hash)"
final="$cache/ta-$platform-$key"
if [[ -f "$final/$uuid.ta" ]]; then
  touch "$final"
  echo "$final"
  exit 0
fi

mkdir -p "$cache/logs"
log="$cache/logs/ta-$platform-$key.log"
started=$SECONDS
optee_say "building the TA $uuid for $platform (log: $log)"
make -C "$firmware/optee/ta" -j"$jobs" CROSS_COMPILE="$optee_cross" TA_DEV_KIT_DIR="$dev_kit" \
  PYTHON3="$optee_python3" >"$log" 2>&1 \
  || { grep -E 'error|Error' "$log" | head -n 40 >&2; optee_fail "the TA did not build (whole log: $log)"; }
# tee-supplicant finds the TA by file name and ldelf refuses one whose header holds another UUID: the Makefile's
# BINARY and user_ta_header_defines.h's TA_UUID must agree. The header's first 16 bytes are the TEE_UUID
# (three little-endian fields, then 8 bytes).
le() { local hex="$1" out="" i; for ((i = ${#hex} - 2; i >= 0; i -= 2)); do out+="${hex:i:2}"; done; echo "$out"; }
head_hex="$("${optee_cross}objcopy" -O binary --only-section=.ta_head "$firmware/optee/ta/$uuid.elf" /dev/stdout \
  | head -c 16 | od -An -tx1 | tr -d ' \n')"
built_uuid="$(le "${head_hex:0:8}")-$(le "${head_hex:8:4}")-$(le "${head_hex:12:4}")-${head_hex:16:4}-${head_hex:20:12}"
[[ "$built_uuid" == "$uuid" ]] \
  || optee_fail "the TA's header says UUID $built_uuid (TA_UUID), its file is named $uuid (BINARY in the Makefile)"
bash "$(dirname "${BASH_SOURCE[0]}")/check-ta-sources.sh" "$firmware" \
  || optee_fail "the OP-TEE TA and the teesim TA are built from different sources (see above)"

out="$work/out"
mkdir -p "$out"
cp "$firmware/optee/ta/$uuid.ta" "$firmware/optee/ta/$uuid.elf" "$firmware/optee/ta/$uuid.stripped.elf" "$out/"
grep -E 'warning:' "$log" | sed "s|$firmware/||" >"$out/warnings.txt" || true
{
  echo "platform: $platform"
  echo "uuid: $uuid"
  echo "dev kit: $(basename "$os_dir")"
  echo "signed with: export-ta_arm64/keys/default_ta.pem (OP-TEE's default TA key)"
  echo "inputs hash: $key (sources, dev kit, these scripts)"
  echo "warnings: $(wc -l <"$out/warnings.txt")"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - started)) s with -j$jobs"
} >"$out/BUILD-INFO"
rm -rf "$final"
mv "$out" "$final"
optee_say "TA $uuid for $platform built in $((SECONDS - started)) s ($(wc -l <"$final/warnings.txt") warnings: $final/warnings.txt)"
optee_keep_newest "ta-$platform-*" 5
echo "$final"
