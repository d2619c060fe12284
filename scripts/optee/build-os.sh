#!/usr/bin/env bash
# The secure world for one platform, cached by its inputs: OP-TEE OS 3.19.0 (arm64 core, arm64 TA dev kit)
# and TF-A v2.7.0 with SPD=opteed and Debian's u-boot as BL33. Prints the cache folder, which holds:
#   export-ta_arm64/                     the TA dev kit (keys/default_ta.pem signs TAs)
#   tee-header_v2.bin tee-pager_v2.bin tee-pageable_v2.bin tee.elf   OP-TEE OS (BL32)
#   bl1.bin fip.bin                      TF-A
#   qemu: flash.bin  64 MiB, bl1.bin at 0 and fip.bin at 0x40000, for qemu-system-aarch64 -bios
#   rpi3: armstub8.bin  TF-A's: bl1.bin padded to 128 KiB, then fip.bin (the Pi's firmware loads it at 0)
#   BUILD-INFO                           what went in: commits, flags, compiler, BL33
# Usage: scripts/optee/build-os.sh qemu|rpi3   (scripts/build-optee.sh calls it under the cache lock)
# The flags follow ../shared/docs/DESIGN.md, "Facts checked: OP-TEE under QEMU".
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
platform="${1:?usage: build-os.sh qemu|rpi3}"
jobs="${RTINFER_OPTEE_JOBS:-$(nproc)}"
cache="$(optee_cache_dir)"

# Without TEE_IMPL_VERSION, OP-TEE asks `git describe`, which in a tarball says "Unknown" (and inside some
# other checkout would name that checkout's commit).
os_flags=(CFG_ARM64_core=y CFG_USER_TA_TARGETS=ta_arm64 "CROSS_COMPILE64=$optee_cross" "PYTHON3=$optee_python3"
          "TEE_IMPL_VERSION=$optee_os_tag")
# The TA's fine clock (firmware/optee/ta/ta_clock.h): with CFG_FTRACE_SUPPORT, and only then, OP-TEE 3.19 sets
# CNTKCTL_EL1.EL0PCTEN on each core (core/arch/arm/kernel/thread.c, thread_init_per_cpu), so a TA may read the
# physical counter CNTPCT_EL0 and CNTFRQ_EL0. The rest of the option adds no work inside the TA's units: it records
# only code built with -pg (ours is not; CFG_SYSCALL_FTRACE stays off), so the TA's 2 KiB trace buffer holds just a
# header, which the core hands to tee-supplicant when a session closes (firmware/optee/ta/README.md).
os_flags+=(CFG_FTRACE_SUPPORT=y)
# Debian's binutils 2.40 stops TF-A's link on an RWX-segment warning.
tfa_flags=("CROSS_COMPILE=$optee_cross" SPD=opteed LDFLAGS=--no-warn-rwx-segments)
case "$platform" in
  qemu)
    # Debian's arm64 kernel Image (32 MiB at 0x40400000) covers the default reserved SHM at 0x42000000:
    # without it the driver uses dynamic shared memory.
    os_flags+=(PLATFORM=vexpress-qemu_armv8a CFG_CORE_RESERVED_SHM=n)
    # Debug level in the secure world's log, so it shows each TA being looked up and loaded, by UUID (the HIL
    # tests attach that log). It logs per session, not per invoke.
    os_flags+=(CFG_TEE_CORE_LOG_LEVEL=3)
    bl33=/usr/lib/u-boot/qemu_arm64/u-boot.bin
    [[ -f "$bl33" ]] || optee_fail "no $bl33 (Debian's u-boot-qemu; scripts/optee/deps.sh qemu installs it)"
    bl33_id="u-boot-qemu $(dpkg-query -W -f='${Version}' u-boot-qemu 2>/dev/null || echo '?') $(sha256sum < "$bl33" | cut -c1-16)"
    tfa_flags+=(PLAT=qemu BL32_RAM_LOCATION=tdram)
    ;;
  rpi3)
    # As OP-TEE's own build.git rpi3.mk: the DTB the Pi firmware preloads at 0x10000 is handed on to BL33.
    os_flags+=(PLATFORM=rpi3)
    tfa_flags+=(PLAT=rpi3 NEED_BL32=yes RPI3_PRELOADED_DTB_BASE=0x00010000)
    # Debian packages the Pi's u-boot for arm64 (and armhf) only: take the .deb's rpi_3 build without
    # installing it. The version is part of the cache key.
    bl33_version="$(apt-cache policy u-boot-rpi:arm64 2>/dev/null | awk '/Candidate:/ { print $2 }')"
    [[ -n "$bl33_version" && "$bl33_version" != "(none)" ]] \
      || optee_fail "apt knows no u-boot-rpi:arm64 (scripts/optee/deps.sh rpi3 adds the arm64 architecture)"
    bl33_id="u-boot-rpi:arm64 $bl33_version rpi_3"
    ;;
  *) optee_fail "unknown platform '$platform' (qemu or rpi3)" ;;
esac

# Everything that decides the output; a change to any of it builds again.
key="$( {
  echo "optee_os $optee_os_tag $optee_os_commit tfa $tfa_tag $tfa_commit platform $platform"
  echo "os ${os_flags[*]}"; echo "tfa ${tfa_flags[*]}"; echo "bl33 $bl33_id"
  "${optee_cross}gcc" --version | head -n1; "${optee_cross}ld" --version | head -n1
  cat "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
} | optee_hash)"
final="$cache/os-$platform-$key"
if [[ -f "$final/BUILD-INFO" ]]; then
  touch "$final" # most recently used: optee_keep_newest keeps it
  echo "$final"
  exit 0
fi

mkdir -p "$cache/logs"
log="$cache/logs/os-$platform-$key.log"
work="$(mktemp -d "$cache/.work-os-$platform.XXXXXX")"
trap 'rm -rf "$work"' EXIT
optee_say "building OP-TEE OS $optee_os_tag + TF-A $tfa_tag for $platform (log: $log)"
started=$SECONDS
run() { "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; optee_fail "failed: $* (whole log: $log)"; }; }
: >"$log"

optee_fetch_source "optee_os-$optee_os_tag.tar.xz" "$optee_os_tag" "$optee_os_commit" "$optee_os_url" "$work/optee_os"
optee_fetch_source "trusted-firmware-a-${tfa_tag#v}.tar.xz" "$tfa_tag" "$tfa_commit" "$tfa_url" "$work/tfa"

if [[ "$platform" == rpi3 ]]; then
  (cd "$work" && apt-get download -q "u-boot-rpi:arm64=$bl33_version" >>"$log" 2>&1) \
    || optee_fail "cannot download u-boot-rpi:arm64=$bl33_version (see $log)"
  dpkg -x "$work"/u-boot-rpi_*_arm64.deb "$work/u-boot-rpi"
  bl33="$work/u-boot-rpi/usr/lib/u-boot/rpi_3/u-boot.bin"
  [[ -f "$bl33" ]] || optee_fail "u-boot-rpi:arm64 $bl33_version has no usr/lib/u-boot/rpi_3/u-boot.bin"
fi

run make -C "$work/optee_os" -j"$jobs" O="$work/os-out" "${os_flags[@]}"
core="$work/os-out/core"
run make -C "$work/tfa" -j"$jobs" BUILD_BASE="$work/tfa-out" "${tfa_flags[@]}" \
  BL32="$core/tee-header_v2.bin" BL32_EXTRA1="$core/tee-pager_v2.bin" BL32_EXTRA2="$core/tee-pageable_v2.bin" \
  BL33="$bl33" all fip
tfa_out="$work/tfa-out/$platform/release"

out="$work/out"
mkdir -p "$out"
cp -a "$work/os-out/export-ta_arm64" "$out/"
cp "$core"/tee-header_v2.bin "$core"/tee-pager_v2.bin "$core"/tee-pageable_v2.bin "$core"/tee.elf "$out/"
cp "$tfa_out/bl1.bin" "$tfa_out/fip.bin" "$out/"
case "$platform" in
  qemu)
    # bl1 at the reset vector (flash offset 0); TF-A's qemu platform reads the FIP at 0x40000 of flash.
    truncate -s 64M "$out/flash.bin"
    dd if="$out/bl1.bin" of="$out/flash.bin" conv=notrunc status=none
    dd if="$out/fip.bin" of="$out/flash.bin" bs=4096 seek=$((0x40000 / 4096)) conv=notrunc status=none
    ;;
  rpi3)
    # TF-A's rpi3 port makes it itself: BL1 padded to 128 KiB, then the FIP.
    cp "$tfa_out/armstub8.bin" "$out/"
    ;;
esac
{
  echo "platform: $platform"
  echo "optee_os: $optee_os_tag $optee_os_commit"
  echo "tf-a: $tfa_tag $tfa_commit"
  echo "optee_os flags: ${os_flags[*]}"
  echo "tf-a flags: ${tfa_flags[*]}"
  echo "bl33: $bl33_id"
  echo "compiler: $("${optee_cross}gcc" --version | head -n1)"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - started)) s with -j$jobs"
} >"$out/BUILD-INFO"
rm -rf "$final"
mv "$out" "$final"
optee_say "OP-TEE OS + TF-A for $platform built in $((SECONDS - started)) s"
optee_keep_newest "os-$platform-*" 2
echo "$final"
