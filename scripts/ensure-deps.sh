#!/usr/bin/env bash
# Installs what rtinfer needs on Debian 12 (or Ubuntu), so the README's two
# commands work on a fresh machine: `demo` needs the C toolchain, `test` also
# needs clang with libFuzzer and socat, and for the MCU images and their QEMU
# test the ARM cross compiler with newlib, qemu-system-arm (and valgrind for
# the C memory checks), and Chromium, which renders the trace reports in the
# tests. Then installs the npm workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-demo}"

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if (( node_major < 20 )); then
  echo "rtinfer needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# command → Debian package
declare -A wanted=([gcc]=gcc [make]=make [cmake]=cmake [c++]=g++)
# The release build (the demo's Pi part) configures teesim with OP-TEE's headers: scripts/optee-headers.sh
# unpacks optee_os-3.19.0.tar.xz with xz, and takes tee_client_api.h from the arm64 .deb with apt-get download.
wanted+=([xz]=xz-utils)
packages_also=()
# The firmware hashes models with mbedTLS.
[[ -f /usr/include/mbedtls/sha256.h ]] || packages_also+=(libmbedtls-dev)
# The soft TEE (firmware/optee/teesim) takes X25519 and Ed25519 from libsodium. Its tee_client_api.h
# comes from Debian's optee-client-dev, packaged for arm64 only (the header is architecture-independent):
# scripts/optee-headers.sh downloads it once apt knows the arm64 architecture.
[[ -f /usr/include/sodium.h ]] || packages_also+=(libsodium-dev)
# The OP-TEE agent (firmware/optee/agent) speaks MQTT through libmosquitto.
[[ -f /usr/include/mosquitto.h ]] || packages_also+=(libmosquitto-dev)
add_arm64=0
if command -v dpkg >/dev/null && ! dpkg --print-foreign-architectures | grep -qx arm64; then add_arm64=1; fi
if [[ "$mode" == test ]]; then
  wanted+=([clang]=clang [socat]=socat [mosquitto]=mosquitto [valgrind]=valgrind
           [arm-none-eabi-gcc]=gcc-arm-none-eabi [qemu-system-arm]=qemu-system-arm
           [chromium]=chromium)
  # Real images for training and compressing with retraining (host/src/data): Fashion-MNIST's IDX files.
  [[ -d /usr/share/datasets/fashion-mnist ]] || packages_also+=(dataset-fashion-mnist)
  # PyTorch's own ONNX exporter (Debian's python3-torch): the tests export a CIFAR-shaped CNN with torch.onnx.export and
  # import what PyTorch wrote (host/src/model/fixtures-pytorch). No PyPI here; Debian packages torch 1.13.
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || packages_also+=(python3-torch)
  # newlib(-nano) for arm-none-eabi: scripts/build-arm.sh links against it.
  [[ -f /usr/lib/arm-none-eabi/newlib/nano.specs ]] || packages_also+=(libnewlib-arm-none-eabi)
  # libFuzzer's runtime: clang alone links no -fsanitize=fuzzer binary.
  if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 \
     && ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    packages_also+=(libclang-rt-14-dev libfuzzer-14-dev)
  fi
fi

missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
missing+=("${packages_also[@]}")

if (( ${#missing[@]} > 0 || add_arm64 )); then
  echo "installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    if (( add_arm64 )); then echo "not root: run  dpkg --add-architecture arm64 && apt-get update  as root" >&2; fi
    if (( ${#missing[@]} > 0 )); then echo "missing ${missing[*]} and not root: run  apt-get install ${missing[*]}  as root" >&2; fi
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if (( add_arm64 )); then "${sudo[@]}" dpkg --add-architecture arm64; fi
  "${sudo[@]}" apt-get update -qq
  if (( ${#missing[@]} > 0 )); then
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# The real OP-TEE target (scripts/build-optee.sh): its cross compiler, Python modules, u-boot and QEMU.
if [[ "$mode" == test ]]; then bash scripts/optee/deps.sh qemu; fi

# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
