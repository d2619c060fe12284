#!/usr/bin/env bash
# The normal world for OP-TEE under qemu-system-aarch64 (virt, secure=on): Debian's arm64 kernel and an initramfs
# that loads Debian's tee/optee modules, starts Debian's tee-supplicant (3.19) and runs rtinfer-agent, cross-compiled
# here for aarch64, on the guest's virtio console /dev/hvc0 (the host sees it as a pty: `rtinfer sim start --optee`).
#
#   scripts/optee/normal-world.sh --ta FILE --out DIR
#
#   --ta FILE   the signed TA (<uuid>.ta from OP-TEE's dev kit); installed as /lib/optee_armtz/<its name>
#   --out DIR   writes DIR/Image (the kernel) and DIR/initramfs.cpio.gz (scripts/build-optee.sh passes build/optee/qemu)
#
# Debian's arm64 packages come through apt (`dpkg --add-architecture arm64`, `apt-get download`, `dpkg -x`) and are
# cached by package version under ${XDG_CACHE_HOME:-~/.cache}/rtinfer/optee-nw/, outside the checkout. The kernel
# is whatever the linux-image-arm64 metapackage depends on today (its name changes with Debian's security updates).
# The guest's /init is scripts/optee/guest-init.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/scripts/optee"

fail() { echo "normal-world: $*" >&2; exit 1; }
usage() { echo "usage: scripts/optee/normal-world.sh --ta FILE --out DIR" >&2; exit 2; }
ta="" out=""
while (($#)); do
  case "$1" in
    --ta) ta="${2:-}"; shift 2 || usage ;;
    --out) out="${2:-}"; shift 2 || usage ;;
    *) usage ;;
  esac
done
[[ -n "$ta" && -n "$out" ]] || usage
[[ -f "$ta" ]] || fail "no TA at $ta (build it with OP-TEE's dev kit: npm run build:optee)"
[[ "$(basename "$ta")" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.ta$ ]] \
  || fail "the TA file must be named <uuid>.ta, as tee-supplicant looks it up: $ta"
command -v aarch64-linux-gnu-gcc >/dev/null || fail "aarch64-linux-gnu-gcc is missing (Debian: apt-get install gcc-aarch64-linux-gnu)"
command -v python3 >/dev/null || fail "python3 is missing (it writes the initramfs: scripts/optee/mkcpio.py)"
dpkg --print-foreign-architectures | grep -qx arm64 \
  || fail "apt does not know the arm64 architecture: run  dpkg --add-architecture arm64 && apt-get update  as root"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/rtinfer/optee-nw"
mkdir -p "$cache/debs" "$cache/trees" "$out"
out="$(cd "$out" && pwd)"

# --- Debian arm64 packages: resolved, downloaded and unpacked once per version ---------------------------------
kernel_pkg="$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { sub(/:arm64$/, "", $2); print $2; exit }')"
[[ -n "$kernel_pkg" ]] || fail "apt cannot resolve linux-image-arm64:arm64 (run apt-get update)"
runtime_pkgs=(libc6 libteec1 tee-supplicant libmosquitto1 libssl3 libmbedcrypto7 busybox-static)
build_pkgs=(libc6-dev linux-libc-dev optee-client-dev libmosquitto-dev libmbedtls-dev)
# Every candidate version from one apt-cache call (each call reads apt's whole cache: seconds on a loaded machine).
declare -A candidate_of
while read -r pkg version; do candidate_of[$pkg]="$version"; done < <(
  apt-cache policy "$kernel_pkg:arm64" "${runtime_pkgs[@]/%/:arm64}" "${build_pkgs[@]/%/:arm64}" 2>/dev/null \
    | awk '/^[^ ].*:arm64:$/ { name = $1; sub(/:arm64:$/, "", name) } /^  Candidate:/ { print name, $2 }')
candidate() { printf '%s\n' "${candidate_of[$1]:-}"; }

# Only the kernel and the modules the guest loads come out of the kernel package (it unpacks to hundreds of MB).
kernel_members=('./boot/vmlinuz-*' './lib/modules/*/kernel/drivers/tee/*' './lib/modules/*/kernel/drivers/virtio/virtio_mmio.ko'
  './lib/modules/*/kernel/drivers/char/virtio_console.ko' './lib/modules/*/kernel/drivers/block/virtio_blk.ko')

# unpacked PKG: the folder holding PKG (its candidate version) unpacked with dpkg -x; prints the path.
unpacked() {
  local pkg="$1" version tree deb
  version="$(candidate "$pkg")"
  [[ -n "$version" && "$version" != "(none)" ]] || fail "apt has no $pkg:arm64 (run apt-get update)"
  tree="$cache/trees/${pkg}_${version//:/%3a}"
  # The kernel's partial tree is named by what was taken out of it, too.
  [[ "$pkg" == linux-image-* ]] && tree="$tree-$(printf '%s\n' "${kernel_members[@]}" | sha256sum | cut -c1-8)"
  if [[ ! -f "$tree/.done" ]]; then
    deb="$(ls "$cache/debs/${pkg}_${version//:/%3a}_arm64.deb" 2>/dev/null || true)"
    if [[ -z "$deb" ]]; then
      (cd "$cache/debs" && apt-get download -q "$pkg:arm64=$version" >/dev/null 2>&1) || fail "apt-get download $pkg:arm64=$version failed"
      deb="$cache/debs/${pkg}_${version//:/%3a}_arm64.deb"
      [[ -f "$deb" ]] || fail "apt-get download left no $deb"
    fi
    rm -rf "$tree"
    mkdir -p "$tree"
    if [[ "$pkg" == linux-image-* ]]; then
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tree" --wildcards "${kernel_members[@]}"
    else
      dpkg -x "$deb" "$tree"
    fi
    touch "$tree/.done"
  fi
  printf '%s\n' "$tree"
}

kernel_tree="$(unpacked "$kernel_pkg")"
declare -A tree_of
for pkg in "${runtime_pkgs[@]}" "${build_pkgs[@]}"; do tree_of[$pkg]="$(unpacked "$pkg")"; done

# --- the agent, cross-compiled against those packages ----------------------------------------------------------
# The sysroot is the packages' union, rebuilt when any version changes (its name is their hash).
sysroot_key="$(for pkg in "${runtime_pkgs[@]}" "${build_pkgs[@]}"; do basename "${tree_of[$pkg]}"; done | sha256sum | cut -c1-16)"
sysroot="$cache/sysroot-$sysroot_key"
if [[ ! -f "$sysroot/.done" ]]; then
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  for pkg in libc6 libc6-dev linux-libc-dev libteec1 optee-client-dev libmosquitto1 libmosquitto-dev libssl3 libmbedcrypto7 libmbedtls-dev; do
    cp -a "${tree_of[$pkg]}/." "$sysroot/"
  done
  rm -f "$sysroot/.done"
  touch "$sysroot/.done"
fi
agent_build="$root/build/optee/agent-aarch64"
cmake -S "$root/firmware/optee/agent" -B "$agent_build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/firmware/optee/agent/toolchain-aarch64-linux-gnu.cmake" -DRTINFER_ARM64_ROOT="$sysroot" >/dev/null
cmake --build "$agent_build" --target rtinfer-agent -j2 >/dev/null
agent="$agent_build/firmware/rtinfer-agent"

# --- the initramfs ------------------------------------------------------------------------------------------------
stage="$(mktemp -d "$out/.initramfs.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,data/tee,lib/optee_armtz,lib/modules,usr/bin,usr/sbin,usr/lib/aarch64-linux-gnu}
# The libraries the agent and tee-supplicant need, with their dynamic loader (usrmerge paths: lib -> usr/lib).
for pkg in libc6 libteec1 libmosquitto1 libssl3 libmbedcrypto7; do
  t="${tree_of[$pkg]}"
  for dir in lib usr/lib; do
    [[ -d "$t/$dir/aarch64-linux-gnu" ]] || continue
    find "$t/$dir/aarch64-linux-gnu" -maxdepth 1 \( -name '*.so*' -o -name 'ld-linux-*' \) -exec cp -a {} "$stage/usr/lib/aarch64-linux-gnu/" \;
  done
done
ln -s ../usr/lib/aarch64-linux-gnu "$stage/lib/aarch64-linux-gnu"
ln -s ../usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 "$stage/lib/ld-linux-aarch64.so.1"
cp "${tree_of[busybox-static]}/bin/busybox" "$stage/bin/busybox"
cp "${tree_of[tee-supplicant]}/usr/sbin/tee-supplicant" "$stage/usr/sbin/"
cp "$agent" "$stage/usr/bin/rtinfer-agent"
cp "$ta" "$stage/lib/optee_armtz/"
# The modules, flat, in the order /init loads them (optee.ko depends on tee.ko).
kernel_release="$(basename "$(ls -d "$kernel_tree"/lib/modules/*)")"
mods="$kernel_tree/lib/modules/$kernel_release/kernel/drivers"
for ko in tee/tee.ko tee/optee/optee.ko virtio/virtio_mmio.ko char/virtio_console.ko block/virtio_blk.ko; do
  [[ -f "$mods/$ko" ]] || fail "$kernel_pkg has no $ko"
  cp "$mods/$ko" "$stage/lib/modules/"
done
install -m 0755 "$here/guest-init.sh" "$stage/init"
# The TA's UUID, so the guest can say which TA it serves (the secure log names it when it loads).
basename "$ta" .ta > "$stage/lib/optee_armtz/rtinfer-ta-uuid"
# Owned by root and reproducible: no host uid or timestamps leak into the archive.
python3 "$here/mkcpio.py" "$stage" > "$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
# Debian's arm64 vmlinuz is the plain arm64 Image (QEMU and u-boot boot it as it is).
cp "$kernel_tree/boot/vmlinuz-$kernel_release" "$out/Image.tmp"
mv "$out/Image.tmp" "$out/Image"
cat > "$out/normal-world.txt" <<EOF
kernel $kernel_pkg ($kernel_release)
$(for pkg in "${runtime_pkgs[@]}"; do echo "$(basename "${tree_of[$pkg]}")"; done)
agent $agent
ta $(basename "$ta")
EOF
echo "normal-world: $out/Image ($kernel_release), $out/initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB, TA $(basename "$ta"))"
