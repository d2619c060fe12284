#!/usr/bin/env bash
# The real OP-TEE secure world (issue 14): OP-TEE OS 3.19.0 + TF-A v2.7.0 + our TA, for QEMU or a Pi 3B.
#
#   scripts/build-optee.sh [--platform qemu|rpi3] [--smoke] [--no-normal-world]     (npm run build:optee)
#
# Output (the interface the normal world and `rtinfer sim start --optee` build on; firmware/optee/README.md):
#   build/optee/qemu/flash.bin            64 MiB: TF-A bl1.bin at 0, fip.bin (BL2, BL31, OP-TEE as BL32, Debian's
#                                         u-boot-qemu as BL33) at 0x40000; qemu-system-aarch64 -machine
#                                         virt,secure=on -bios flash.bin. OP-TEE logs on the second -serial.
#   build/optee/qemu/ta/<uuid>.ta         our TA, signed with the dev kit's default key (goes to /lib/optee_armtz)
#   build/optee/qemu/ta-elf/<uuid>.stripped.elf   the TA before signing (to sign it with another key)
#   build/optee/qemu/export-ta_arm64/     the TA dev kit it was built with (scripts/sign_encrypt.py signs)
#   build/optee/qemu/BUILD-INFO           commits, flags, compiler, the cache folders used
#   build/optee/qemu/{Image,initramfs.cpio.gz}   written by scripts/optee/normal-world.sh (not by this script),
#                                         which is called as  normal-world.sh --ta build/optee/qemu/ta/<uuid>.ta
#                                         --out build/optee/qemu  when it exists (--no-normal-world skips it)
#   build/optee/rpi3/armstub8.bin         TF-A (bl1 padded to 128 KiB + fip with OP-TEE and Debian's rpi_3 u-boot)
#   build/optee/rpi3/tee-{header,pager,pageable}_v2.bin, ta/<uuid>.ta, ta-elf/, export-ta_arm64/, BUILD-INFO
# flash.bin, armstub8.bin, the tee-*.bin files and export-ta_arm64 are symlinks into the cache; the .ta is a copy.
#
# Sources: RTINFER_VENDOR_DIR when set, else <repo>/../shared/vendor when it exists, else shallow clones of the
# tags; the commit ids are checked either way (scripts/optee/lib.sh). Builds are cached by the hash of their
# inputs under ${RTINFER_OPTEE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/rtinfer/optee}: OP-TEE + TF-A per platform
# (scripts/optee/build-os.sh), the TA per source revision (scripts/optee/build-ta.sh). One build at a time per
# cache (a lock); a run with nothing changed takes seconds. --smoke then boots flash.bin until OP-TEE hands
# over to the normal world (scripts/optee/smoke-boot.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=optee/lib.sh
source scripts/optee/lib.sh

usage() { echo "usage: scripts/build-optee.sh [--platform qemu|rpi3] [--smoke] [--no-normal-world]" >&2; exit 2; }
platform=qemu smoke=0 normal_world=1
while (($#)); do
  case "$1" in
    --platform) [[ $# -ge 2 ]] || usage; platform="$2"; shift 2 ;;
    --platform=*) platform="${1#*=}"; shift ;;
    --smoke) smoke=1; shift ;;
    --no-normal-world) normal_world=0; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) usage ;;
  esac
done
[[ "$platform" == qemu || "$platform" == rpi3 ]] || { echo "build-optee: unknown platform '$platform' (qemu or rpi3)" >&2; exit 2; }
(( smoke == 0 )) || [[ "$platform" == qemu ]] || { echo "build-optee: --smoke boots the qemu platform only" >&2; exit 2; }
started=$SECONDS

bash scripts/optee/deps.sh "$platform"

cache="$(optee_cache_dir)"
mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
  optee_say "another OP-TEE build holds $cache/.lock; waiting"
  flock 9
fi
os_dir="$(bash scripts/optee/build-os.sh "$platform")"
ta_dir="$(bash scripts/optee/build-ta.sh "$platform" "$os_dir")"
exec 9>&-

# Publish into build/optee/<platform>, replacing only what this script owns there.
out="build/optee/$platform"
mkdir -p "$out/ta"
case "$platform" in
  qemu) images=(flash.bin) ;;
  rpi3) images=(armstub8.bin tee-header_v2.bin tee-pager_v2.bin tee-pageable_v2.bin) ;;
esac
for name in "${images[@]}" export-ta_arm64; do ln -sfn "$os_dir/$name" "$out/$name"; done
rm -f "$out"/ta/*.ta "$out"/ta-elf/*.elf
mkdir -p "$out/ta-elf"
cp "$ta_dir"/*.ta "$out/ta/"
cp "$ta_dir"/*.stripped.elf "$out/ta-elf/"
ta_file="$(ls "$out"/ta/*.ta)"
{
  echo "# scripts/build-optee.sh --platform $platform"
  echo "os cache: $os_dir"
  cat "$os_dir/BUILD-INFO"
  echo "ta cache: $ta_dir"
  cat "$ta_dir/BUILD-INFO"
} >"$out/BUILD-INFO"
optee_say "$platform: $(for name in "${images[@]}"; do printf '%s ' "$out/$name"; done)$ta_file ($((SECONDS - started)) s)"

if [[ "$platform" == qemu ]] && (( normal_world )) && [[ -f scripts/optee/normal-world.sh ]]; then
  bash scripts/optee/normal-world.sh --ta "$ta_file" --out "$out"
fi
if (( smoke )); then
  bash scripts/optee/smoke-boot.sh "$out/flash.bin" "$out/smoke" >/dev/null
fi
optee_say "done in $((SECONDS - started)) s"
