#!/usr/bin/env bash
# Fails when the TA that OP-TEE's build compiled (firmware/optee/ta/sub.mk) is made of other sources than the
# TA that teesim runs (CMakeLists.txt): the TA's own sources (RTINFER_TA_SOURCES) and rtinfer_nn's
# (add_library/target_sources(rtinfer_nn ...) in firmware/nn). Run after the OP-TEE build, on the tree it built
# in: an object file must exist for each CMake source, and nothing else may have been compiled except the
# OP-TEE-only files named below.
# Usage: scripts/optee/check-ta-sources.sh FIRMWARE_DIR   (a built copy of firmware/, as build-ta.sh makes)
set -euo pipefail
firmware="${1:?usage: check-ta-sources.sh FIRMWARE_DIR}"
# Compiled for OP-TEE only: the dev kit's TA header, and the libm OP-TEE lacks (sub.mk says why).
optee_only=(optee/ta/user_ta_header.c optee/ta/libm/ta_libm.c)

# The .c names inside the CMake calls that start with one of the given openings, up to the closing ')',
# prefixed with the folder (relative to FIRMWARE_DIR) they are relative to.
cmake_sources() {
  local folder="$1" opening="$2"; shift 2
  awk -v opening="$opening" '
    $0 ~ opening { inside = 1 }
    inside {
      line = $0; sub(/#.*/, "", line)
      n = split(line, words, /[ \t()]+/)
      for (i = 1; i <= n; i++) if (words[i] ~ /\.c$/) print words[i]
      if (line ~ /\)/) inside = 0
    }' "$@" | sed "s|^|$folder/|"
}

want="$( {
  cmake_sources optee/ta '(set|list)\\((APPEND )?RTINFER_TA_SOURCES' "$firmware/optee/ta/CMakeLists.txt"
  cmake_sources nn '(add_library|target_sources)\\(rtinfer_nn[ )]' "$firmware"/nn/CMakeLists.txt "$firmware"/nn/*.cmake
} | LC_ALL=C sort -u)"
[[ -n "$want" ]] || { echo "check-ta-sources: found no sources in the CMake files under $firmware" >&2; exit 1; }
built="$(cd "$firmware" && find optee/ta nn/src -name '*.o' | sed 's/\.o$/.c/' | LC_ALL=C sort -u)"
extra="$(printf '%s\n' "${optee_only[@]}" | LC_ALL=C sort -u)"

missing="$(LC_ALL=C comm -23 <(echo "$want") <(echo "$built"))"
unexpected="$(LC_ALL=C comm -13 <(echo "$want") <(echo "$built") | LC_ALL=C comm -23 - <(echo "$extra"))"
status=0
if [[ -n "$missing" ]]; then
  echo "check-ta-sources: teesim's TA build uses these, OP-TEE's did not compile them (firmware/optee/ta/sub.mk):" >&2
  echo "$missing" | sed 's|^|  firmware/|' >&2
  status=1
fi
if [[ -n "$unexpected" ]]; then
  echo "check-ta-sources: OP-TEE's TA build compiled these, teesim's does not (firmware/optee/ta/CMakeLists.txt" \
       "or firmware/nn's CMake files; an OP-TEE-only file goes into optee_only in $0):" >&2
  echo "$unexpected" | sed 's|^|  firmware/|' >&2
  status=1
fi
exit "$status"
