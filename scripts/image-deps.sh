#!/usr/bin/env bash
# What building and booting the guest image needs (docs/image.md), on Debian 12 as root,
# without changing the machine's apt sources:
#
#  1. from bookworm, through the system's apt: busybox-static, cpio, swtpm, libfuse3, and
#     for the UEFI image (images/uefi.sh): systemd-boot-efi (the UKI stub), sbsigntool,
#     faketime (pins objcopy's and sbsign's clock), mtools, dosfstools, gdisk, ovmf (the
#     Secure Boot firmware, its variable stores and the snakeoil test keys);
#  2. from bookworm-backports, through a PRIVATE apt configuration under
#     $DEPS_DIR/apt-bin (its own sources list, lists and cache; the archive is the one
#     the machine already uses, read from /etc/apt, as scripts/deps.sh does):
#       - the Linux 6.12 kernel package, downloaded only (apt-get download), never
#         installed: images/build.sh unpacks it;
#       - qemu-system-x86 10 and the matching qemu-utils (qemu-img: the VHD), installed
#         (apt-get install -t bookworm-backports with the private list, which also carries
#         bookworm so dependencies resolve). If that cannot be done, bookworm's (7.2) are
#         installed instead and a warning says so.
#
# Writes $DEPS_DIR/image-deps.env: KERNEL_DEB=… QEMU_VERSION=… for images/build.sh and
# qemu/run. A second run with everything present does nothing but re-check.
#
# Usage: scripts/image-deps.sh [DEPS_DIR]     (default: .deps beside this repo)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS_DIR=${1:-${ATTESTD_DEPS_DIR:-$ROOT/.deps}}
# apt reads relative Dir:: paths from /, not from here: make DEPS_DIR=.deps must still work.
mkdir -p "$DEPS_DIR" && DEPS_DIR=$(cd "$DEPS_DIR" && pwd)
APT_DIR=$DEPS_DIR/apt-bin
KERNEL_DIR=$DEPS_DIR/kernel
ENV_FILE=$DEPS_DIR/image-deps.env

log() { printf 'image-deps: %s\n' "$*" >&2; }
die() { printf 'image-deps: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/lib/apt.sh
. "$ROOT/scripts/lib/apt.sh"

# 1. bookworm packages through the system's apt.
SYSTEM_PACKAGES=(busybox-static cpio swtpm swtpm-tools libfuse3-3 fuse3 curl ca-certificates
                 systemd-boot-efi sbsigntool faketime mtools dosfstools gdisk ovmf openssl python3)

prepare_private_apt() {
  local mirror; mirror=$(debian_mirror)
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  {
    echo "deb [signed-by=$keyring] $mirror bookworm-backports main"
    echo "deb [signed-by=$keyring] $mirror bookworm main"
    echo "deb [signed-by=$keyring] $mirror bookworm-updates main"
  } > "$APT_DIR/sources.list"
  # Refresh at most once a day: a second `make image` must not depend on the network.
  if [ -z "$(find "$APT_DIR/lists" -maxdepth 1 -name '*bookworm-backports*Packages*' -mtime -1 2>/dev/null)" ]; then
    log "updating the private package index ($APT_DIR)"
    apt_private apt-get update -qq >/dev/null 2>"$APT_DIR/update.log" \
      || die "cannot reach the Debian archive for bookworm-backports (see $APT_DIR/update.log)"
  fi
}

# 2a. The kernel: the image package that backports' metapackage linux-image-amd64
# depends on (linux-image-6.12.N+bpo-amd64), downloaded only.
fetch_kernel() {
  local pkg
  pkg=$(apt_private apt-cache depends linux-image-amd64/bookworm-backports 2>/dev/null \
        | awk '$1=="Depends:" && $2 ~ /^linux-image-6\.12\..*-amd64$/ {print $2; exit}')
  if [ -z "$pkg" ]; then
    pkg=$(apt_private apt-cache pkgnames linux-image-6.12. 2>/dev/null \
          | grep -E '^linux-image-6\.12\.[0-9.]+(\+bpo|\+deb12)?-amd64$' | sort -V | tail -1 || true)
  fi
  [ -n "$pkg" ] || die "no linux-image-6.12.*-amd64 in bookworm-backports (apt-cache on $APT_DIR/sources.list)"
  local version; version=$(apt_private apt-cache policy "$pkg" | awk '/Candidate:/{print $2}')
  mkdir -p "$KERNEL_DIR"
  local deb
  deb=$(find "$KERNEL_DIR" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)
  if [ -z "$deb" ]; then
    log "downloading $pkg $version from bookworm-backports"
    (cd "$KERNEL_DIR" && apt_private apt-get download -qq "$pkg/bookworm-backports" >"$APT_DIR/download.log" 2>&1) \
      || die "apt-get download $pkg failed (see $APT_DIR/download.log)"
    deb=$(find "$KERNEL_DIR" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)
  fi
  [ -n "$deb" ] || die "$pkg: downloaded, but no .deb in $KERNEL_DIR"
  dpkg-deb --info "$deb" >/dev/null 2>&1 || { rm -f "$deb"; die "$deb is not a valid .deb (removed; run again)"; }
  KERNEL_DEB=$deb
  KERNEL_PKG=$pkg
}

# 2b. QEMU 10 from bookworm-backports, installed; bookworm's 7.2 as the fallback.
qemu_major() {  # PACKAGE
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed -E 's/^[0-9]+://; s/\..*//'
}
install_qemu() {
  local major utils; major=$(qemu_major qemu-system-x86 || true); utils=$(qemu_major qemu-utils || true)
  if [ -n "$major" ] && [ "$major" -ge 10 ] 2>/dev/null && [ "$utils" = "$major" ]; then return 0; fi
  [ "$(id -u)" -eq 0 ] || die "qemu-system-x86 10 is missing; run as root"
  export DEBIAN_FRONTEND=noninteractive
  log "installing qemu-system-x86 from bookworm-backports"
  if apt_private apt-get install -y -qq --no-install-recommends -t bookworm-backports \
       qemu-system-x86 qemu-system-data qemu-utils ovmf >"$APT_DIR/qemu.log" 2>&1; then
    return 0
  fi
  log "WARNING: qemu-system-x86 from bookworm-backports could not be installed (see $APT_DIR/qemu.log);"
  log "WARNING: falling back to bookworm's qemu-system-x86 (7.2): enough for the sim image under"
  log "WARNING: KVM/TCG, but it has no sev-snp-guest object (qemu/run snp needs QEMU >= 9.1)"
  apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils ovmf >>"$APT_DIR/qemu.log" 2>&1 \
    || die "apt-get install qemu-system-x86 failed as well (see $APT_DIR/qemu.log)"
}

install_debian_packages "${SYSTEM_PACKAGES[@]}"
prepare_private_apt
fetch_kernel
install_qemu
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not on PATH after installing qemu-system-x86"
QEMU_VERSION=$(qemu-system-x86_64 --version | awk 'NR==1{print $4}')
[ -x /bin/busybox ] || die "/bin/busybox missing (busybox-static)"
file_out=$(LC_ALL=C ldd /bin/busybox 2>&1 || true)
case $file_out in *"not a dynamic executable"*) ;; *) die "/bin/busybox is not static: install busybox-static" ;; esac

{
  printf 'KERNEL_DEB=%s\n' "$KERNEL_DEB"
  printf 'KERNEL_PKG=%s\n' "$KERNEL_PKG"
  printf 'QEMU_VERSION=%s\n' "$QEMU_VERSION"
} > "$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
log "kernel $(basename "$KERNEL_DEB"), qemu $QEMU_VERSION"
