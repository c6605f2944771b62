#!/usr/bin/env bash
# Build the attestd guest image (docs/image.md): a kernel from Debian's bookworm-backports
# linux-image-6.12 package (unpacked, not built) and two initramfs variants:
#
#   initramfs-prod.cpio.gz  busybox, attestd (static), the demo application, the modules,
#                           /init, config with evidence "auto" (configfs-tsm / sev-guest)
#   initramfs-sim.cpio.gz   the same, plus snp-sim (static) and its identity from --sim-keys
#                           DIR (test keys: never in the production variant); at boot snp-sim
#                           serves a CUSE /dev/sev-guest and a FUSE configfs-tsm, so attestd
#                           runs the very code it runs on SEV-SNP hardware
#
# the UEFI image of each (images/uefi.sh: uki-VARIANT.efi, a signed Unified Kernel Image;
# disk-VARIANT.raw, a GPT disk booting it; disk-prod.vhd, the production disk for Azure),
# and the expected SNP launch measurement of each (attest measure: --ovmf, the kernel, the
# initramfs, the command line, VCPUS vCPUs of type VCPU_TYPE under QEMU):
#   measurement-prod.json / .hex   what an SEV-SNP host launching the production image with
#                                  that OVMF will report (qemu/run snp)
#   measurement-sim.json / .hex    what the sim image's snp-sim reports (qemu/run sim passes
#                                  it in through fw_cfg, as the AMD-SP would measure it)
#
# Reproducible: every file's mtime is SOURCE_DATE_EPOCH, owners are root, modes are
# normalised, the archive lists files in C-locale order with sequential inode numbers
# (cpio --reproducible), gzip -n stores no name or time. Same inputs, same bytes.
#
# Usage: images/build.sh --attestd build/static/attestd --snp-sim build/static/snp-sim
#        --sim-keys DIR --attest build/bin/attest --ovmf OVMF.fd [--out build/image]
#        [--deps .deps]    (scripts/image-deps.sh must have run: it writes .deps/image-deps.env)
#        [--sb-key KEY --sb-cert CERT]   the Secure Boot signing key of the UKIs (default:
#                          the test key pair of Debian's ovmf package; see images/uefi.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/image
DEPS_DIR=${ATTESTD_DEPS_DIR:-$ROOT/.deps}
ATTESTD=$ROOT/build/static/attestd
SIM_KEYS=""
SNPSIM=$ROOT/build/static/snp-sim
ATTEST=$ROOT/build/bin/attest
OVMF=""
SB_ARGS=()
# The SNP launch configuration the measurements are for (qemu/run uses the same).
VCPUS=2
VCPU_TYPE=EPYC-v4
# The VMSA's SEV_FEATURES: QEMU >= 9.1 on Linux >= 6.10 (KVM_SEV_INIT2) launches with
# SNPActive alone unless asked for more (docs/measurement.md, "Guest features").
GUEST_FEATURES=0x1
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --deps) DEPS_DIR=$2; shift 2 ;;
    --attestd) ATTESTD=$2; shift 2 ;;
    --sim-keys) SIM_KEYS=$2; shift 2 ;;
    --snp-sim) SNPSIM=$2; shift 2 ;;
    --attest) ATTEST=$2; shift 2 ;;
    --ovmf) OVMF=$2; shift 2 ;;
    --sb-key|--sb-cert) [ -z "$2" ] || SB_ARGS+=("$1" "$(realpath "$2")"); shift 2 ;;
    *) echo "usage: images/build.sh --attestd FILE --snp-sim FILE --sim-keys DIR --attest FILE --ovmf FILE [--out DIR] [--deps DIR] [--sb-key KEY --sb-cert CERT]" >&2; exit 2 ;;
  esac
done

log() { printf 'image: %s\n' "$*" >&2; }
die() { printf 'image: error: %s\n' "$*" >&2; exit 1; }

[ -f "$DEPS_DIR/image-deps.env" ] || die "$DEPS_DIR/image-deps.env missing: run scripts/image-deps.sh first"
# shellcheck disable=SC1090
. "$DEPS_DIR/image-deps.env"
[ -f "$KERNEL_DEB" ] || die "kernel package $KERNEL_DEB missing: run scripts/image-deps.sh"
[ -x "$ATTESTD" ] || die "$ATTESTD missing: run make static"
if ldd "$ATTESTD" >/dev/null 2>&1; then die "$ATTESTD is not static (make static builds it)"; fi
[ -x "$SNPSIM" ] || die "$SNPSIM missing: run make static"
if ldd "$SNPSIM" >/dev/null 2>&1; then die "$SNPSIM is not static (make static builds it)"; fi
[ -x "$ATTEST" ] || die "$ATTEST missing: run make"
[ -n "$OVMF" ] && [ -f "$OVMF" ] || die "--ovmf FILE: the OVMF (AmdSev build) the measurements are for is required"
[ -n "$SIM_KEYS" ] && [ -f "$SIM_KEYS/ca_bundle.pem" ] && [ -f "$SIM_KEYS/identity.json" ] \
  || die "--sim-keys DIR: an snp-sim identity folder (snp-sim keygen --out DIR) is required"
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
for tool in cpio gzip xz dpkg-deb gcc; do command -v $tool >/dev/null || die "$tool missing"; done
cpio --help 2>&1 | grep -q -- --reproducible || die "cpio lacks --reproducible (needs GNU cpio >= 2.13)"

# One fixed time for every file: SOURCE_DATE_EPOCH if given, else the commit's time.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH
export LC_ALL=C TZ=UTC

WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"

# The kernel package, unpacked.
log "unpacking $(basename "$KERNEL_DEB")"
dpkg-deb -x "$KERNEL_DEB" "$WORK/kernel"
KVER=$(ls "$WORK/kernel/lib/modules")
[ -f "$WORK/kernel/boot/vmlinuz-$KVER" ] || die "no vmlinuz-$KVER in $KERNEL_DEB"
install -m 0644 "$WORK/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"

# The modules the guest needs, in load order (each after what its depends= names).
# virtio_pci, tpm_tis, tpm_crb, fuse, devtmpfs are built into Debian's kernel (=y).
MODULES=(
  failover net_failover virtio_net   # eth0: QEMU's virtio-net-pci (user networking)
  virtio-rng                         # entropy from the host early (attestd's DRBG, TLS keys)
  qemu_fw_cfg                        # /sys/firmware/qemu_fw_cfg: run-time settings (sim only)
  configfs tsm                       # configfs-tsm: /sys/kernel/config/tsm/report (SNP reports)
  sev-guest                          # /dev/sev-guest and the tsm provider on an SEV-SNP guest
  cuse                               # character devices in user space: snp-sim's /dev/sev-guest (sim)
)
stage_common() {  # ROOTDIR
  local r=$1
  mkdir -p "$r"/{bin,sbin,dev,proc,sys,run,tmp,etc/attestd,lib/modules,var/cache/attestd,root}
  install -m 0755 /bin/busybox "$r/bin/busybox"
  local a
  for a in $(/bin/busybox --list | sort); do
    case $a in busybox|init|linuxrc) continue ;; esac
    ln -s busybox "$r/bin/$a"
  done
  install -m 0755 "$ATTESTD" "$r/bin/attestd"
  install -m 0755 "$WORK/demo-app" "$r/bin/demo-app"
  install -m 0755 "$ROOT/images/init" "$r/init"
  install -m 0755 "$ROOT/images/udhcpc.script" "$r/etc/udhcpc.script"
  : > "$r/lib/modules/load"
  local m f
  for m in "${MODULES[@]}"; do
    f=$(find "$WORK/kernel/lib/modules/$KVER" -name "$m.ko*" | head -1)
    [ -n "$f" ] || die "module $m not in $KERNEL_DEB"
    case $f in
      *.xz) xz -dc "$f" > "$r/lib/modules/$m.ko" ;;
      *.zst) zstd -dcq "$f" > "$r/lib/modules/$m.ko" ;;
      *) cp "$f" "$r/lib/modules/$m.ko" ;;
    esac
    echo "$m" >> "$r/lib/modules/load"
  done
  printf '%s\n' "$KVER" > "$r/etc/kernel-release"
  # What attestd reports to MAA as the OS (AzureGuest's OSDistro and OSVersionMajor/Minor).
  {
    echo 'NAME="attestd guest"'
    echo 'ID=attestd'
    echo "VERSION_ID=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d.%H%M%S)"
  } > "$r/etc/os-release"
  # The console must exist before /init runs (the kernel opens it on the rootfs).
  mknod -m 0600 "$r/dev/console" c 5 1
  mknod -m 0666 "$r/dev/null" c 1 3
}

pack() {  # ROOTDIR OUTFILE
  local r=$1 out=$2
  chown -hR 0:0 "$r"
  find "$r" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  (cd "$r" && find . -mindepth 1 -printf '%P\n' | sort \
     | cpio --quiet -o -H newc --reproducible --owner=0:0) | gzip -n -9 > "$out.tmp"
  mv "$out.tmp" "$out"
}

# The demo application: static, no build paths in it.
log "building the demo application"
gcc -static -O2 -s -Wall -ffile-prefix-map="$ROOT"=. -o "$WORK/demo-app" "$ROOT/images/app/demo-app.c"

for variant in prod sim; do
  r=$WORK/root-$variant
  stage_common "$r"
  echo "$variant" > "$r/etc/attestd/variant"
  install -m 0644 "$ROOT/images/config/attestd-$variant.json" "$r/etc/attestd/config.json"
  if [ "$variant" = sim ]; then
    # The simulated AMD-SP and its keys: outside attestd's configuration, as the real
    # firmware is outside the guest.
    install -m 0755 "$SNPSIM" "$r/bin/snp-sim"
    mkdir -p "$r/etc/snp-sim"
    for f in "$SIM_KEYS"/*; do
      case $f in *_key.pem) install -m 0600 "$f" "$r/etc/snp-sim/" ;; *) install -m 0644 "$f" "$r/etc/snp-sim/" ;; esac
    done
  fi
  # Directories and files: fixed modes whatever the umask was.
  find "$r" -type d -exec chmod 0755 {} +
  chmod 1777 "$r/tmp"
  pack "$r" "$OUT/initramfs-$variant.cpio.gz"
  log "initramfs-$variant.cpio.gz: $(( $(stat -c %s "$OUT/initramfs-$variant.cpio.gz") / 1024 )) KiB"
done

# The kernel command line both variants boot with (measured in an SNP launch).
echo "console=ttyS0 panic=-1 rdinit=/init" > "$OUT/cmdline"
printf '%s\n' "$KERNEL_PKG" > "$OUT/kernel-package"

# The expected launch measurements (SNP launch digest: OVMF, kernel hashes table, VMSAs),
# with file names relative to the image folder.
OVMF=$(realpath "$OVMF")
ATTEST=$(realpath "$ATTEST")
for variant in prod sim; do
  measure=("$ATTEST" measure --ovmf "$OVMF" --kernel vmlinuz --initrd "initramfs-$variant.cpio.gz"
           --append "$(cat "$OUT/cmdline")" --vcpus $VCPUS --vcpu-type $VCPU_TYPE
           --guest-features $GUEST_FEATURES)
  (cd "$OUT" && "${measure[@]}" --json > "measurement-$variant.json.tmp") \
    || die "attest measure failed for the $variant variant"
  sed -n 's/^ *"measurement" : "\([0-9a-f]\{96\}\)",\{0,1\}$/\1/p' "$OUT/measurement-$variant.json.tmp" \
    > "$OUT/measurement-$variant.hex"
  [ -s "$OUT/measurement-$variant.hex" ] || die "no measurement in attest measure's JSON for the $variant variant"
  mv "$OUT/measurement-$variant.json.tmp" "$OUT/measurement-$variant.json"
  log "measurement-$variant: $(cat "$OUT/measurement-$variant.hex") (OVMF $(basename "$OVMF"), $VCPUS x $VCPU_TYPE, guest features $GUEST_FEATURES)"
done

# The UEFI image: signed UKIs, GPT disks, the production VHD.
bash "$ROOT/images/uefi.sh" --out "$OUT" "${SB_ARGS[@]}" || die "the UEFI image could not be built"

# The expected PCRs of each UKI's measured boot (attest measure --uki; docs/measured-boot.md):
# PCR 4 (the UKI's Authenticode digest), 7 (the Secure Boot variables of SB_VARS and the db
# entry that verifies the UKI) and 11 (systemd-stub's measurement of the UKI's sections),
# and a client policy pinning them (boot-policy-VARIANT.json).
SB_VARS=${SB_VARS:-/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd}
[ -f "$SB_VARS" ] || die "$SB_VARS missing: the UEFI variables the guest boots with (apt-get install ovmf, or SB_VARS=FILE)"
for variant in prod sim; do
  (cd "$OUT" && "$ATTEST" measure --uki "uki-$variant.efi" --vars "$SB_VARS" \
     --pcrs-out "pcrs-$variant.json" --policy-out "boot-policy-$variant.json" >/dev/null) \
    || die "attest measure --uki failed for the $variant variant"
  log "pcrs-$variant.json: $(tr -d ' \n' < "$OUT/pcrs-$variant.json" | cut -c1-120)…"
done

(cd "$OUT" && sha256sum vmlinuz initramfs-prod.cpio.gz initramfs-sim.cpio.gz cmdline \
   uki-prod.efi uki-sim.efi disk-prod.raw disk-sim.raw disk-prod.vhd pcrs-prod.json pcrs-sim.json \
   boot-policy-prod.json boot-policy-sim.json > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
rm -rf "$WORK"
log "built $OUT (kernel $KVER, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
cat "$OUT/SHA256SUMS" >&2
