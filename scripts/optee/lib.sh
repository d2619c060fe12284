# Shared by scripts/build-optee.sh and scripts/optee/build-*.sh (sourced, not run): the pinned upstream
# sources, where they come from, the build cache and its lock.
# shellcheck shell=bash

optee_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The pins (../shared/vendor/README.md lists the same tags and commit ids).
optee_os_tag=3.19.0
optee_os_commit=afacf356f9593a7f83cae9f96026824ec242ff52
optee_os_url=https://github.com/OP-TEE/optee_os.git
tfa_tag=v2.7.0
tfa_commit=35f4c7295bafeb32c8bcbdfb6a3f2e74a57e732b
tfa_url=https://github.com/ARM-software/arm-trusted-firmware.git

# Debian's tools, not a pyenv python3 that lacks pyelftools/cryptography (DESIGN.md, "Facts checked").
optee_python3=/usr/bin/python3
optee_cross=aarch64-linux-gnu-

optee_fail() { echo "build-optee: $*" >&2; exit 1; }
optee_say() { echo "build-optee: $*" >&2; }

# The vendor mirror: RTINFER_VENDOR_DIR when set (it must then hold the tarballs), otherwise
# <repo>/../shared/vendor when that folder exists, otherwise none (the tags are cloned).
optee_vendor_dir() {
  if [[ -n "${RTINFER_VENDOR_DIR:-}" ]]; then
    [[ -d "$RTINFER_VENDOR_DIR" ]] || optee_fail "RTINFER_VENDOR_DIR=$RTINFER_VENDOR_DIR is not a folder"
    echo "$RTINFER_VENDOR_DIR"
  elif [[ -d "$optee_root/../shared/vendor" ]]; then
    (cd "$optee_root/../shared/vendor" && pwd)
  fi
}

# optee_fetch_source TARBALL TAG COMMIT URL DEST: DEST gets the tag's tree, from the vendor tarball when there
# is a mirror, otherwise from a shallow clone; either way the commit id is checked before anything is built.
optee_fetch_source() {
  local tarball="$1" tag="$2" commit="$3" url="$4" dest="$5" vendor got
  vendor="$(optee_vendor_dir)"
  mkdir -p "$dest"
  if [[ -n "$vendor" ]]; then
    [[ -f "$vendor/$tarball" ]] || optee_fail "no $tarball in the vendor mirror $vendor"
    got="$(xz -dc "$vendor/$tarball" | git get-tar-commit-id || true)"
    [[ "$got" == "$commit" ]] || optee_fail "$vendor/$tarball has commit '$got', want $commit ($tag)"
    tar -xJf "$vendor/$tarball" -C "$dest" --strip-components=1
  else
    optee_say "no vendor mirror (RTINFER_VENDOR_DIR); cloning $url $tag"
    git clone -q --depth 1 --branch "$tag" "$url" "$dest" \
      || optee_fail "cannot clone $url $tag: set RTINFER_VENDOR_DIR to a mirror (../shared/vendor/README.md)"
    got="$(git -C "$dest" rev-parse HEAD)"
    [[ "$got" == "$commit" ]] || optee_fail "$url $tag is at $got, want $commit"
  fi
}

# Cached builds live outside the checkout, one folder per input hash; RTINFER_OPTEE_CACHE moves them.
optee_cache_dir() {
  echo "${RTINFER_OPTEE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rtinfer/optee}"
}

# optee_hash: sha256 of stdin, first 16 hex digits (enough to tell inputs apart, short enough for paths).
optee_hash() { sha256sum | cut -c1-16; }

# optee_tree_hash DIR: one hash over every file's path and content under DIR, in a fixed order.
optee_tree_hash() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | optee_hash
}

# optee_keep_newest PATTERN N: drops all but the N most recent cache folders matching PATTERN (a glob under
# the cache), so a machine that builds many TA revisions does not fill its disk.
optee_keep_newest() {
  local cache pattern="$1" keep="$2"
  cache="$(optee_cache_dir)"
  # shellcheck disable=SC2012 # names are ours: <kind>-<platform>-<hex>
  ls -1dt "$cache"/$pattern 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do rm -rf "$old"; done
}
