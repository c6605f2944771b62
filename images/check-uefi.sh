#!/usr/bin/env bash
# Checks the UEFI image that make image wrote (docs/image.md, "The UEFI image"), from the
# outside, with other tools than the ones that built it where there are any:
#   - each UKI has .osrel, .cmdline, .linux, .initrd, and their bytes are the image's own
#     os-release (ID=attestd, its variant), cmdline (no newline), vmlinuz and initramfs;
#   - each UKI's signature verifies with the signing certificate (sbverify), and not with
#     another certificate;
#   - each disk is a GPT with one EFI system partition whose \EFI\BOOT\BOOTX64.EFI is the UKI;
#   - disk-prod.vhd is a fixed VHD (valid footer checksum) of disk-prod.raw, whole MiB;
#   - the production UKI's initramfs holds no emulator (snp-sim) and no test keys.
# Usage: images/check-uefi.sh IMAGE_DIR [CERT]   (CERT: default the ovmf snakeoil cert)
# Prints one line per check; exit 1 at the first that fails.
set -euo pipefail

IMAGE=${1:?usage: images/check-uefi.sh IMAGE_DIR [CERT]}
CERT=${2:-/usr/share/ovmf/PkKek-1-snakeoil.pem}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { printf 'check-uefi: ok: %s\n' "$*"; }
fail() { printf 'check-uefi: FAIL: %s\n' "$*" >&2; exit 1; }

# section UKI NAME OUT: the section's bytes (its virtual size, from its file offset).
section() {
  local line size off
  line=$(objdump -h "$1" | awk -v n="$2" '$2 == n {print $3, $6}')
  [ -n "$line" ] || fail "$(basename "$1") has no $2 section"
  read -r size off <<<"$line"
  python3 -c 'import sys; f=open(sys.argv[1],"rb"); f.seek(int(sys.argv[2],16)); sys.stdout.buffer.write(f.read(int(sys.argv[3],16)))' \
    "$1" "$off" "$size" > "$3"
}

for variant in prod sim; do
  uki=$IMAGE/uki-$variant.efi
  [ -f "$uki" ] || fail "$uki missing"
  section "$uki" .linux "$TMP/linux"
  cmp -s "$TMP/linux" "$IMAGE/vmlinuz" || fail "uki-$variant: .linux is not vmlinuz"
  section "$uki" .initrd "$TMP/initrd"
  cmp -s "$TMP/initrd" "$IMAGE/initramfs-$variant.cpio.gz" || fail "uki-$variant: .initrd is not initramfs-$variant.cpio.gz"
  section "$uki" .cmdline "$TMP/cmdline"
  [ "$(cat "$TMP/cmdline")" = "$(cat "$IMAGE/cmdline")" ] && [ "$(tail -c1 "$TMP/cmdline" | od -An -c | tr -d ' ')" != '\n' ] \
    || fail "uki-$variant: .cmdline is not '$(cat "$IMAGE/cmdline")' without a newline"
  section "$uki" .osrel "$TMP/osrel"
  grep -qx 'ID=attestd' "$TMP/osrel" && grep -qx "VARIANT_ID=$variant" "$TMP/osrel" && grep -q '^VERSION_ID=' "$TMP/osrel" \
    || fail "uki-$variant: .osrel lacks ID=attestd, VERSION_ID or VARIANT_ID=$variant: $(cat "$TMP/osrel")"
  ok "uki-$variant.efi: .osrel, .cmdline, .linux, .initrd hold the image's files"

  sbverify --cert "$CERT" "$uki" >/dev/null 2>&1 || fail "uki-$variant: signature does not verify with $CERT"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/other.key" -out "$TMP/other.pem" -subj /CN=other -days 1 2>/dev/null
  if sbverify --cert "$TMP/other.pem" "$uki" >/dev/null 2>&1; then fail "uki-$variant: verifies with an unrelated certificate"; fi
  ok "uki-$variant.efi: signed by $(openssl x509 -in "$CERT" -noout -subject)"

  disk=$IMAGE/disk-$variant.raw
  sgdisk -p "$disk" > "$TMP/gpt" 2>&1 || fail "disk-$variant.raw: no valid GPT: $(cat "$TMP/gpt")"
  parts=$(awk '$1 ~ /^[0-9]+$/' "$TMP/gpt")
  [ "$(echo "$parts" | wc -l)" -eq 1 ] && [ "$(echo "$parts" | awk '{print $1, $6}')" = "1 EF00" ] \
    || fail "disk-$variant.raw: expected one EF00 partition, got: $parts"
  start=$(echo "$parts" | awk '{print $2}')
  MTOOLS_SKIP_CHECK=1 mcopy -n -i "$disk@@$(( start * 512 ))" ::/EFI/BOOT/BOOTX64.EFI "$TMP/bootx64.efi" \
    || fail "disk-$variant.raw: no \\EFI\\BOOT\\BOOTX64.EFI in the ESP"
  cmp -s "$TMP/bootx64.efi" "$uki" || fail "disk-$variant.raw: \\EFI\\BOOT\\BOOTX64.EFI is not uki-$variant.efi"
  ok "disk-$variant.raw: GPT, one ESP (EF00) whose \\EFI\\BOOT\\BOOTX64.EFI is uki-$variant.efi"
done

section "$IMAGE/uki-prod.efi" .initrd "$TMP/initrd-prod"
emulators=$(gzip -dc "$TMP/initrd-prod" | cpio -t --quiet | grep -E 'snp-sim|_key\.pem$' || true)
[ -z "$emulators" ] || fail "uki-prod.efi's initramfs holds emulator files: $emulators"
ok "uki-prod.efi: no snp-sim and no test keys in its initramfs"

vhd=$IMAGE/disk-prod.vhd
raw_size=$(stat -c %s "$IMAGE/disk-prod.raw")
[ "$(stat -c %s "$vhd")" -eq $(( raw_size + 512 )) ] || fail "disk-prod.vhd is not disk-prod.raw plus a 512-byte footer"
cmp -s -n "$raw_size" "$vhd" "$IMAGE/disk-prod.raw" || fail "disk-prod.vhd's data is not disk-prod.raw"
python3 - "$vhd" "$raw_size" <<'EOF' || fail "disk-prod.vhd: bad footer"
import struct, sys
f = open(sys.argv[1], "rb"); f.seek(-512, 2); ft = f.read(512)
assert ft[:8] == b"conectix", "no conectix cookie"
assert struct.unpack(">I", ft[60:64])[0] == 2, "not a fixed disk"
assert struct.unpack(">Q", ft[48:56])[0] == int(sys.argv[2]), "current size is not the raw disk's"
assert int(sys.argv[2]) % (1 << 20) == 0, "size is not a whole number of MiB"
z = ft[:64] + b"\0\0\0\0" + ft[68:]
assert struct.unpack(">I", ft[64:68])[0] == (~sum(z) & 0xffffffff), "checksum does not match"
EOF
ok "disk-prod.vhd: fixed VHD of disk-prod.raw, $(( raw_size / 1048576 )) MiB, footer checksum valid"
