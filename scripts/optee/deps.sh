#!/usr/bin/env bash
# Installs the Debian packages scripts/build-optee.sh needs, as scripts/ensure-deps.sh installs the rest:
# the aarch64 cross compiler, Debian's python3 with pyelftools and cryptography (OP-TEE's signing and ELF
# tools), OpenSSL headers (TF-A's fiptool), dtc (OP-TEE compiles its embedded test DTB; no Debian package
# we install pulls it in), and per platform the BL33 and the emulator:
#   qemu  u-boot-qemu (qemu_arm64/u-boot.bin) and qemu-system-arm (it has qemu-system-aarch64)
#   rpi3  nothing more: build-os.sh takes the Pi's u-boot from `apt-get download u-boot-rpi:arm64` (Debian
#         packages it for arm64 only)
# Both add the arm64 architecture to dpkg: the rpi3 BL33 and the QEMU normal world (scripts/optee/normal-world.sh:
# kernel, modules, tee-supplicant, libteec) are Debian arm64 packages, downloaded, never installed.
# Usage: scripts/optee/deps.sh [qemu|rpi3]...   (no argument: qemu)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
platforms=("$@")
(( ${#platforms[@]} )) || platforms=(qemu)

# command → Debian package
declare -A wanted=([make]=make [git]=git [xz]=xz-utils [gcc]=gcc [${optee_cross}gcc]=gcc-aarch64-linux-gnu
                   [flock]=util-linux [dtc]=device-tree-compiler)
missing=()
"$optee_python3" -c 'import elftools' 2>/dev/null || missing+=(python3-pyelftools)
"$optee_python3" -c 'import cryptography' 2>/dev/null || missing+=(python3-cryptography)
[[ -f /usr/include/openssl/sha.h ]] || missing+=(libssl-dev)
add_arm64=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then add_arm64=1; fi
for platform in "${platforms[@]}"; do
  case "$platform" in
    qemu)
      wanted+=([qemu-system-aarch64]=qemu-system-arm)
      [[ -f /usr/lib/u-boot/qemu_arm64/u-boot.bin ]] || missing+=(u-boot-qemu) ;;
    rpi3) ;;
    *) optee_fail "unknown platform '$platform' (qemu or rpi3)" ;;
  esac
done
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done

(( ${#missing[@]} > 0 || add_arm64 )) || exit 0
optee_say "installing Debian packages: ${missing[*]}$( (( add_arm64 )) && echo ' (and the arm64 architecture)')"
if [[ $(id -u) -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  (( add_arm64 )) && echo "not root: run  dpkg --add-architecture arm64 && apt-get update  as root" >&2
  (( ${#missing[@]} > 0 )) && echo "not root: run  apt-get install ${missing[*]}  as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if (( add_arm64 )); then "${sudo[@]}" dpkg --add-architecture arm64; fi
"${sudo[@]}" apt-get update -qq
if (( ${#missing[@]} > 0 )); then
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
