#!/usr/bin/env bash
# Puts CMSIS-NN v7.0.0 (the int8 kernels of firmware/nn, firmware/nn/INT8.md) in a cache folder outside the
# checkout and prints that folder. The source is the vendor mirror's tarball ($RTINFER_VENDOR_DIR, else
# ../shared/vendor) or, without a mirror, a shallow clone of the upstream tag; either way the commit id is
# checked first (scripts/optee/lib.sh's optee_fetch_source, the same rule as OP-TEE's sources).
# Nothing is copied into the repository. cmake/cmsis-nn.cmake runs this at configure time.
#
#   scripts/fetch-cmsis-nn.sh        prints e.g. ~/.cache/rtinfer/cmsis-nn/v7.0.0-22080c68d040
#
# Environment: RTINFER_VENDOR_DIR (the mirror), RTINFER_CMSIS_NN_CACHE (the cache root; default
# ${XDG_CACHE_HOME:-~/.cache}/rtinfer/cmsis-nn).
set -euo pipefail
# shellcheck source=optee/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/optee/lib.sh"
# lib.sh's messages name build-optee; these are ours.
optee_fail() { echo "fetch-cmsis-nn: $*" >&2; exit 1; }
optee_say() { echo "fetch-cmsis-nn: $*" >&2; }

cmsis_nn_tag=v7.0.0
cmsis_nn_commit=22080c68d040c98139e6cb1549473e3149735f4d
cmsis_nn_url=https://github.com/ARM-software/CMSIS-NN.git
cmsis_nn_tarball=CMSIS-NN-7.0.0.tar.xz

cache="${RTINFER_CMSIS_NN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rtinfer/cmsis-nn}"
dest="$cache/$cmsis_nn_tag-${cmsis_nn_commit:0:12}"
stamp="$dest/.rtinfer-commit"
mkdir -p "$cache"
# One unpack at a time: build/c, build/c-asan and the boards may configure at once.
exec {lock}>"$cache/.lock"
flock "$lock"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$cmsis_nn_commit" ]]; then
  work="$(mktemp -d "$cache/.unpack.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  optee_fetch_source "$cmsis_nn_tarball" "$cmsis_nn_tag" "$cmsis_nn_commit" "$cmsis_nn_url" "$work/src"
  [[ -f "$work/src/Include/arm_nnfunctions.h" ]] || { echo "fetch-cmsis-nn: $cmsis_nn_tag has no Include/arm_nnfunctions.h" >&2; exit 1; }
  echo "$cmsis_nn_commit" >"$work/src/.rtinfer-commit"
  rm -rf "$dest"
  mv "$work/src" "$dest"
fi
echo "$dest"
