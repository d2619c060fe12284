#!/usr/bin/env bash
# Builds the C side (protocol/c codec + firmware/ POSIX sim) twice:
#   build/c       Release, -O2: the sim used by demos
#   build/c-asan  Debug, ASan + UBSan: what scripts/test-c.sh runs
# Idempotent: configures a tree only once (the build re-runs cmake by itself
# when a CMakeLists.txt changes), so an up-to-date run just checks timestamps.
# RTINFER_FIRMWARE=OFF in the environment builds the codec alone.
# `build-c.sh release` builds only build/c (what the demo and benchmarks run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"
firmware="${RTINFER_FIRMWARE:-ON}"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

build() {
  local dir="$root/$1"; shift
  # One build of a tree at a time: parallel test runs (and people) share build/.
  mkdir -p "$dir"
  exec {lock}>"$dir.lock"
  flock "$lock"
  # Re-configure when the tree is new or was configured with another
  # firmware setting; otherwise leave the cache alone (fast path).
  if [[ ! -f "$dir/CMakeCache.txt" ]] || ! grep -q "^RTINFER_FIRMWARE:BOOL=$firmware\$" "$dir/CMakeCache.txt"; then
    if [[ -f "$dir/CMakeCache.txt" ]]; then
      cmake -S "$root" -B "$dir" -DRTINFER_FIRMWARE="$firmware" "$@" >/dev/null
    else
      cmake -S "$root" -B "$dir" "${generator[@]}" -DRTINFER_FIRMWARE="$firmware" "$@" >/dev/null
    fi
  fi
  cmake --build "$dir" --parallel "$jobs"
  flock -u "$lock"
  exec {lock}>&-
}

build build/c -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DRTINFER_SANITIZE=OFF
if [[ "${1:-all}" != release ]]; then
  build build/c-asan -DCMAKE_BUILD_TYPE=Debug -DRTINFER_SANITIZE=ON
fi
