#!/usr/bin/env bash
# Puts OP-TEE 3.19.0's GlobalPlatform headers into a build folder, never into the repo:
#   OUT/ta-include      lib/libutee/include + the few libutils headers they include (TA side)
#   OUT/client-include  tee_client_api.h (normal-world side, from optee_client 3.19.0)
# Usage: scripts/optee-headers.sh OUT
#
# optee_os: from ${RTINFER_VENDOR_DIR:-<repo>/../shared/vendor}/optee_os-3.19.0.tar.xz when there is one,
# otherwise a shallow clone of the 3.19.0 tag; either way the commit id is checked.
# tee_client_api.h: Debian's optee-client-dev 3.19.0 (arm64 only; the header is architecture-independent),
# otherwise a shallow clone of optee_client's 3.19.0 tag; either way the header's sha256 is checked.
# Idempotent: a stamp file records what was extracted.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: optee-headers.sh OUT}"
tag=3.19.0
os_commit=afacf356f9593a7f83cae9f96026824ec242ff52
client_header_sha256=956ecaf0bd676077b6a7a6800dfeb78d166517e891e065b7dacedc92753b3292
vendor="${RTINFER_VENDOR_DIR:-$root/../shared/vendor}"
stamp="$out/.stamp-$tag-$os_commit"
[[ -f "$stamp" ]] && exit 0

fail() { echo "optee-headers: $*" >&2; exit 1; }
mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The libutils headers that libutee's public headers include (compiler.h, trace.h, util.h, ...).
# Only these: the rest of libutils/ext (config.h, atomic.h, ...) would shadow a TA's own headers.
libutils_headers=(compiler.h trace.h trace_levels.h types_ext.h util.h)

# --- optee_os: libutee + libutils headers ------------------------------------------------------
tarball="$vendor/optee_os-$tag.tar.xz"
if [[ -f "$tarball" ]]; then
  got="$(xz -dc "$tarball" | git get-tar-commit-id || true)"
  [[ "$got" == "$os_commit" ]] || fail "$tarball has commit '$got', want $os_commit"
  members=("optee_os-$tag/lib/libutee/include")
  for h in "${libutils_headers[@]}"; do members+=("optee_os-$tag/lib/libutils/ext/include/$h"); done
  tar -xJf "$tarball" -C "$work" "${members[@]}"
  src="$work/optee_os-$tag"
else
  echo "optee-headers: no $tarball; cloning OP-TEE/optee_os $tag" >&2
  git clone -q --depth 1 --branch "$tag" https://github.com/OP-TEE/optee_os.git "$work/optee_os" \
    || fail "cannot get optee_os $tag: set RTINFER_VENDOR_DIR to the vendor mirror or allow github.com"
  got="$(git -C "$work/optee_os" rev-parse HEAD)"
  [[ "$got" == "$os_commit" ]] || fail "optee_os $tag clone is at $got, want $os_commit"
  src="$work/optee_os"
fi
rm -rf "$out/ta-include"
mkdir -p "$out/ta-include"
cp -R "$src/lib/libutee/include/." "$out/ta-include/"
for h in "${libutils_headers[@]}"; do cp "$src/lib/libutils/ext/include/$h" "$out/ta-include/"; done

# --- optee_client: tee_client_api.h ------------------------------------------------------------
client_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$client_header_sha256" ]]; }
header=""
# Any Debian revision of 3.19.0 (bookworm's is 3.19.0-1); the sha256 check below catches a patched header.
deb_version=""
if command -v apt-cache >/dev/null; then
  deb_version="$(apt-cache policy optee-client-dev:arm64 2>/dev/null | awk '/Candidate:/ { print $2 }')"
fi
if [[ "$deb_version" == "$tag"-* ]]; then
  (cd "$work" && apt-get download -q "optee-client-dev:arm64=$deb_version" >/dev/null 2>&1) || true
  deb="$(ls "$work"/optee-client-dev_*_arm64.deb 2>/dev/null | head -n1 || true)"
  if [[ -n "$deb" ]]; then
    dpkg -x "$deb" "$work/deb"
    header="$work/deb/usr/include/tee_client_api.h"
  fi
fi
if ! client_ok "$header"; then
  echo "optee-headers: optee-client-dev:arm64 $tag not available from apt" \
       "(scripts/ensure-deps.sh adds the arm64 architecture); cloning OP-TEE/optee_client $tag" >&2
  git clone -q --depth 1 --branch "$tag" https://github.com/OP-TEE/optee_client.git "$work/optee_client" \
    || fail "cannot get tee_client_api.h $tag: run scripts/ensure-deps.sh (Debian) or allow github.com"
  # 3.19.0 keeps it in public/; later releases moved it to libteec/include/.
  header="$work/optee_client/public/tee_client_api.h"
  [[ -f "$header" ]] || header="$work/optee_client/libteec/include/tee_client_api.h"
fi
client_ok "$header" || fail "tee_client_api.h does not have the sha256 of optee_client $tag ($client_header_sha256)"
rm -rf "$out/client-include"
mkdir -p "$out/client-include"
cp "$header" "$out/client-include/"

rm -f "$out"/.stamp-*
touch "$stamp"
