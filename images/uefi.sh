#!/usr/bin/env bash
# The UEFI image of the attestd guest (docs/image.md, "The UEFI image"), from what
# images/build.sh left in OUT (vmlinuz, initramfs-VARIANT.cpio.gz, cmdline):
#
#   uki-VARIANT.efi    a Unified Kernel Image: Debian's systemd-boot-efi stub with the
#                      sections .osrel, .cmdline, .linux, .initrd added by objcopy (as
#                      systemd-stub(7) of systemd 252 shows; bookworm has no ukify), signed
#                      for Secure Boot with sbsign
#   disk-VARIANT.raw   a GPT disk with one EFI system partition (FAT32) holding the UKI as
#                      \EFI\BOOT\BOOTX64.EFI, built without loop devices or mounts
#   disk-prod.vhd      the production disk as a fixed VHD (Azure's format for custom images)
#
# Reproducible like the rest of the image: every time is SOURCE_DATE_EPOCH, every
# identifier (FAT volume id, GPT GUIDs, VHD UUID) is derived from fixed names or content.
#
# Usage: images/uefi.sh --out DIR [--sb-key KEY --sb-cert CERT]
#   Without --sb-key/--sb-cert the UKIs are signed with the test key pair of Debian's
#   ovmf package (PkKek-1-snakeoil, enrolled by OVMF_VARS_4M.snakeoil.fd): for tests only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/image
SB_KEY=""
SB_CERT=""
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
SNAKEOIL_PASS=snakeoil   # Debian's published test password (ovmf's README.Debian)
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --sb-key) SB_KEY=$2; shift 2 ;;
    --sb-cert) SB_CERT=$2; shift 2 ;;
    *) echo "usage: images/uefi.sh --out DIR [--sb-key KEY --sb-cert CERT]" >&2; exit 2 ;;
  esac
done

log() { printf 'image: %s\n' "$*" >&2; }
die() { printf 'image: error: %s\n' "$*" >&2; exit 1; }

for tool in faketime objcopy objdump sbsign sbverify mkfs.vfat mmd mcopy sgdisk qemu-img openssl python3; do
  command -v $tool >/dev/null || die "$tool missing: run scripts/image-deps.sh"
done
[ -f "$STUB" ] || die "$STUB missing: run scripts/image-deps.sh (systemd-boot-efi)"
for f in vmlinuz initramfs-prod.cpio.gz initramfs-sim.cpio.gz cmdline; do
  [ -f "$OUT/$f" ] || die "$OUT/$f missing: images/build.sh writes it"
done
if [ -n "$SB_KEY$SB_CERT" ]; then
  [ -f "$SB_KEY" ] && [ -f "$SB_CERT" ] || die "SB_KEY and SB_CERT must both name files (got '$SB_KEY', '$SB_CERT')"
fi
[ -n "${SOURCE_DATE_EPOCH:-}" ] || die "SOURCE_DATE_EPOCH is not set (images/build.sh sets it)"
export LC_ALL=C TZ=UTC

WORK=$OUT/uefi-work
rm -rf "$WORK"
mkdir -p "$WORK"
# The decrypted test key lives only in WORK, mode 0600, and is removed on every exit.
trap 'rm -rf "$WORK"' EXIT

# --- the signing key ---------------------------------------------------------------------
if [ -z "$SB_KEY" ]; then
  (umask 077 && openssl pkey -in "$SNAKEOIL_KEY" -passin "pass:$SNAKEOIL_PASS" -out "$WORK/sb.key") \
    || die "cannot decrypt $SNAKEOIL_KEY with the password '$SNAKEOIL_PASS'"
  SB_KEY=$WORK/sb.key
  SB_CERT=$SNAKEOIL_CERT
  SIGNER="the ovmf package's snakeoil TEST key"
else
  SIGNER="$(openssl x509 -in "$SB_CERT" -noout -subject 2>/dev/null || echo "$SB_CERT")"
fi

# --- the UKI -----------------------------------------------------------------------------
# objcopy writes the current time into the PE header and sbsign into the signature's
# signingTime attribute, and neither reads SOURCE_DATE_EPOCH: faketime stops their clock
# there. -f: an absolute, frozen time (without it faketime starts the clock there and lets
# it run, so a slower run signs a second later and the bytes differ).
BUILD_TIME=$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')
at_build_time() { TZ=UTC faketime -f "$BUILD_TIME" "$@"; }

# uuid_of NAME: a fixed RFC 4122 (version 4 layout) UUID derived from NAME.
uuid_of() {
  python3 -c 'import hashlib,sys,uuid; b=bytearray(hashlib.sha256(sys.argv[1].encode()).digest()[:16])
b[6]=(b[6]&0x0f)|0x40; b[8]=(b[8]&0x3f)|0x80; print(uuid.UUID(bytes=bytes(b)))' "$1"
}

# The stub's own sections end below the first added section; each added section starts
# on a 4 KiB boundary (a multiple of the stub's SectionAlignment) after the one before.
SECTION_ALIGN=4096
align_up() { echo $(( ($1 + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN )); }
# sections FILE: "NAME VMA SIZE" per section (decimal), from objdump -h.
sections() {
  objdump -h "$1" | while read -r idx name size vma _; do
    [[ $idx =~ ^[0-9]+$ ]] && echo "$name $(( 0x$vma )) $(( 0x$size ))"
  done
}
stub_end() {
  local name vma size max=0
  while read -r name vma size; do (( vma + size > max )) && max=$(( vma + size )); done < <(sections "$STUB")
  echo $max
}

# check_sections UKI: the four sections are there, each aligned, none overlapping another.
check_sections() {
  local name vma size last=0 bad=0 seen=" "
  while read -r name vma size; do
    (( vma >= last )) || { printf 'section %s at 0x%x overlaps the one before (ending at 0x%x)\n' "$name" "$vma" "$last"; bad=1; }
    last=$(( vma + size )); seen+="$name "
    case $name in .osrel|.cmdline|.linux|.initrd)
      (( vma % SECTION_ALIGN == 0 )) || { printf 'section %s at 0x%x is not %d-aligned\n' "$name" "$vma" $SECTION_ALIGN; bad=1; } ;;
    esac
  done < <(sections "$1")
  for name in .osrel .cmdline .linux .initrd; do
    [[ $seen == *" $name "* ]] || { echo "section $name missing"; bad=1; }
  done
  return $bad
}

make_uki() {  # VARIANT
  local variant=$1 dir=$WORK/uki-$1
  mkdir -p "$dir"
  {
    echo 'NAME="attestd guest"'
    echo 'ID=attestd'
    echo "VERSION_ID=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d.%H%M%S)"
    echo "VARIANT_ID=$variant"
    echo "PRETTY_NAME=\"attestd guest ($variant, $(cat "$OUT/kernel-package" 2>/dev/null || echo linux))\""
  } > "$dir/osrel"
  # The stub measures and passes the section as it is: no trailing newline.
  printf '%s' "$(cat "$OUT/cmdline")" > "$dir/cmdline"
  cp "$OUT/vmlinuz" "$dir/linux"
  cp "$OUT/initramfs-$variant.cpio.gz" "$dir/initrd"
  local args=() vma; vma=$(align_up "$(stub_end)")
  local s
  for s in osrel cmdline linux initrd; do
    args+=(--add-section ".$s=$dir/$s" --change-section-vma ".$s=$(printf '0x%x' "$vma")")
    vma=$(align_up $(( vma + $(stat -c %s "$dir/$s") )))
  done
  at_build_time objcopy "${args[@]}" "$STUB" "$dir/unsigned.efi" || die "objcopy could not build the $variant UKI"
  check_sections "$dir/unsigned.efi" >"$dir/sections.err" \
    || die "the $variant UKI's sections are wrong: $(cat "$dir/sections.err")"
  at_build_time sbsign --key "$SB_KEY" --cert "$SB_CERT" --output "$dir/signed.efi" "$dir/unsigned.efi" 2>"$dir/sbsign.log" \
    || die "sbsign failed for the $variant UKI: $(cat "$dir/sbsign.log")"
  sbverify --cert "$SB_CERT" "$dir/signed.efi" >/dev/null 2>&1 \
    || die "the signed $variant UKI does not verify against $SB_CERT"
  touch -d "@$SOURCE_DATE_EPOCH" "$dir/signed.efi"
  mv "$dir/signed.efi" "$OUT/uki-$variant.efi"
  log "uki-$variant.efi: $(( $(stat -c %s "$OUT/uki-$variant.efi") / 1024 )) KiB, signed by $SIGNER"
}

# --- the disk ----------------------------------------------------------------------------
MIB=1048576
make_disk() {  # VARIANT
  local variant=$1 uki=$OUT/uki-$1.efi esp=$WORK/esp-$1.img disk=$WORK/disk-$1.raw
  # FAT32 needs at least 65525 clusters: 64 MiB of 512-byte clusters, or more for the UKI.
  local esp_mib=$(( ($(stat -c %s "$uki") * 5 / 4) / MIB + 8 ))
  [ $esp_mib -ge 64 ] || esp_mib=64
  # --invariant: a fixed volume id (1234-ABCD) and fixed times in the boot sector.
  mkfs.vfat -F 32 -S 512 -s 1 -n ATTESTD --invariant \
    -C "$esp" $(( esp_mib * 1024 )) >/dev/null || die "mkfs.vfat failed for the $variant ESP"
  # mtools stamps new entries with the current time unless SOURCE_DATE_EPOCH says otherwise;
  # -m keeps the UKI's own mtime (SOURCE_DATE_EPOCH as well).
  MTOOLS_SKIP_CHECK=1 mmd -i "$esp" ::/EFI ::/EFI/BOOT || die "mmd failed"
  MTOOLS_SKIP_CHECK=1 mcopy -m -i "$esp" "$uki" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy failed"
  # GPT: the ESP from 1 MiB to 1 MiB before the end (the backup table's room).
  local total=$(( esp_mib + 2 ))
  truncate -s $(( total * MIB )) "$disk"
  sgdisk --clear --disk-guid="$(uuid_of "attestd-disk-$variant")" \
    --new=1:2048:$(( (esp_mib + 1) * 2048 - 1 )) --typecode=1:ef00 \
    --partition-guid=1:"$(uuid_of "attestd-esp-$variant")" --change-name=1:"EFI system partition" \
    "$disk" >/dev/null || die "sgdisk failed for the $variant disk"
  dd if="$esp" of="$disk" bs=$MIB seek=1 conv=notrunc status=none
  mv "$disk" "$OUT/disk-$variant.raw"
  log "disk-$variant.raw: $total MiB (GPT, ESP FAT32 with \\EFI\\BOOT\\BOOTX64.EFI)"
}

# --- the VHD -----------------------------------------------------------------------------
# qemu-img writes the footer with the current time and a random UUID: both are replaced by
# SOURCE_DATE_EPOCH and a UUID derived from the disk's SHA-256, and the footer's checksum
# recomputed (VHD specification, "Hard Disk Footer Format").
make_vhd() {  # VARIANT
  local variant=$1 raw=$OUT/disk-$1.raw vhd=$WORK/disk-$1.vhd
  qemu-img convert -q -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$vhd" \
    || die "qemu-img could not write the $variant VHD"
  python3 - "$vhd" "$SOURCE_DATE_EPOCH" "$(sha256sum "$raw" | cut -c1-64)" <<'EOF' || die "cannot fix the VHD footer"
import struct, sys, uuid
path, epoch, digest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "r+b") as f:
    f.seek(-512, 2)
    footer = bytearray(f.read(512))
    if footer[0:8] != b"conectix" or struct.unpack(">I", footer[60:64])[0] != 2:
        sys.exit("not a fixed VHD footer")
    VHD_EPOCH = 946684800  # 2000-01-01T00:00:00Z
    struct.pack_into(">I", footer, 24, max(epoch - VHD_EPOCH, 0))
    b = bytearray(bytes.fromhex(digest)[:16]); b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80
    footer[68:84] = uuid.UUID(bytes=bytes(b)).bytes
    struct.pack_into(">I", footer, 64, 0)
    struct.pack_into(">I", footer, 64, ~sum(footer) & 0xffffffff)
    f.seek(-512, 2)
    f.write(footer)
EOF
  local size; size=$(( $(stat -c %s "$vhd") - 512 ))
  [ $(( size % MIB )) -eq 0 ] || die "the VHD's disk is $size bytes, not a whole number of MiB (Azure refuses it)"
  mv "$vhd" "$OUT/disk-$variant.vhd"
  log "disk-$variant.vhd: fixed VHD, $(( size / MIB )) MiB"
}

for variant in prod sim; do
  make_uki "$variant"
  make_disk "$variant"
done
make_vhd prod
