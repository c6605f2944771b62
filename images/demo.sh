#!/usr/bin/env bash
# make demo (the README's main command): boot the sim guest image, attest it from the
# host, use its application over the attested channel, show a refusal, shut down.
# Everything is local: maa-emu plays Microsoft Azure Attestation on 127.0.0.1, snp-sim
# plays the AMD Secure Processor inside the guest (CUSE /dev/sev-guest, FUSE
# configfs-tsm), QEMU (KVM or TCG) runs the guest with a swtpm vTPM. Then the same
# guest boots Azure-style (the signed UKI under OVMF with Secure Boot, the vTPM's PCRs
# pinned by the client) and a client expecting another UKI is refused.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE_OUT=${IMAGE_OUT:-$ROOT/build/image}
IMAGE_KEYS=${IMAGE_KEYS:-$ROOT/build/image-keys/sim}
BIN=${ATTESTD_BIN:-$ROOT/build/bin}
WORK=$ROOT/build/demo

if [ -t 1 ]; then step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else step() { printf '\n== %s\n' "$*"; }; fi
say() { printf 'demo: %s\n' "$*"; }
fail() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

rm -rf "$WORK" && mkdir -p "$WORK"
# shellcheck source=images/session.sh
. "$ROOT/images/session.sh"

MEASUREMENT=$(cat "$IMAGE_OUT/measurement-sim.hex")
step "1. The image: $IMAGE_OUT"
say "kernel $(cat "$IMAGE_OUT/kernel-package"), initramfs-sim $(( $(stat -c %s "$IMAGE_OUT/initramfs-sim.cpio.gz") / 1024 )) KiB"
say "its expected SEV-SNP launch measurement (attest measure): $MEASUREMENT"

step "2. Microsoft Azure Attestation, emulated: maa-emu"
start_maa "$MEASUREMENT"
say "$MAA (pid $MAA_PID), vouching for that measurement only"

step "3. Boot the guest: attestd starts at boot inside it"
boot
say "attestd is up at $URL, $(secs "$T_BOOT" "$T_UP") s after QEMU started ($ACCEL)"

step "4. attest connect: every check, on one TLS connection"
"$BIN/attest" connect "$URL" "${FLAGS[@]}" || fail "attest connect failed"
T_ATT=$(now)
say "boot to attested: $(secs "$T_BOOT" "$T_ATT") s"

step "5. attest request: the application, only after the attestation succeeded"
echo "\$ attest request $URL/generate -d '{\"input_text\": \"def print_hello_world():\"}'"
"$BIN/attest" request "$URL/generate" -d '{"input_text": "def print_hello_world():"}' "${FLAGS[@]}" \
  || fail "attest request failed"

step "5b. The same from Python, as BlindBox's guide writes it (docs/python.md)"
echo "\$ python3 docs/examples/generate.py $URL --maa $MAA"
echo "      with attestd.connect(url, maa=maa) as session:    # every check, on one TLS connection"
echo "          res = session.post(\"/generate\", json={\"input_text\": \"def print_hello_world():\"})"
PYTHONPATH="$ROOT/build/python" /usr/bin/python3 "$ROOT/docs/examples/generate.py" "$URL" "${FLAGS[@]}" \
  || fail "the Python example failed"

step "6. A client that expects other code: refused"
printf '{"measurements": ["%s"]}\n' "$(printf '%096d' 0)" > "$WORK/policy-other-code.json"
echo "\$ attest connect $URL --policy policy-other-code.json   # allows only 000…000"
rc=0
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --policy "$WORK/policy-other-code.json" || rc=$?
[ $rc -eq 36 ] || fail "expected exit 36 (MeasurementMismatch), got $rc"
say "exit $rc: MeasurementMismatch (docs/errors.md)"
echo "\$ python3 docs/examples/generate.py $URL --maa $MAA --policy policy-other-code.json"
rc=0
PYTHONPATH="$ROOT/build/python" /usr/bin/python3 "$ROOT/docs/examples/generate.py" "$URL" "${FLAGS[@]}" \
  --policy "$WORK/policy-other-code.json" || rc=$?
[ $rc -eq 36 ] || fail "expected the Python client to exit 36 (attestd.MeasurementMismatch), got $rc"
say "exit $rc: attestd.MeasurementMismatch, raised before anything was sent"

step "7. Azure-style: the signed UKI under OVMF with Secure Boot, the code in the vTPM's PCRs"
"$ROOT/qemu/run" stop --state "$STATE" >/dev/null 2>&1
say "on Azure the SNP measurement is the paravisor's firmware: the client pins PCRs 4, 7 and 11 instead"
say "expected PCRs (attest measure --uki uki-sim.efi): $(tr -d ' \n' < "$IMAGE_OUT/pcrs-sim.json")"
boot_guest azure
say "attestd is up at $URL, $(secs "$T_BOOT" "$T_UP") s after QEMU started ($ACCEL)"
say "it attests through MAA's AzureGuest protocol: the token is the guide's azurevm token (secureboot,"
say "x-ms-azurevm-* from the boot log, the SNP claims under x-ms-isolation-tee), sealed to a key in the vTPM"
echo "\$ attest connect $URL --policy boot-policy-sim.json"
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --policy "$IMAGE_OUT/boot-policy-sim.json" || fail "attest connect failed"
say "boot to attested: $(secs "$T_BOOT" "$(now)") s"

step "8. A client that expects another UKI (PCR 11 of another command line): refused"
# What a client holds that measured the same image with another command line: another PCR
# 11, whose .cmdline contents event differs (make e2e builds that UKI for real).
/usr/bin/python3 - "$IMAGE_OUT/boot-policy-sim.json" "$WORK/policy-other-uki.json" <<'PY'
import hashlib, json, sys
p = json.load(open(sys.argv[1]))
events = p["boot_events"]["11"]
contents = [e for e in events if e["description"] == ".cmdline"][-1]
contents["digest"] = hashlib.sha256(b"console=ttyS0 panic=-1 rdinit=/init quiet").hexdigest()
pcr = bytes(32)
for e in events:
    pcr = hashlib.sha256(pcr + bytes.fromhex(e["digest"])).digest()
p["pcrs"]["11"] = [pcr.hex()]
json.dump(p, open(sys.argv[2], "w"), indent=2)
PY
echo "\$ attest connect $URL --policy policy-other-uki.json   # its UKI's command line ends in 'quiet'"
rc=0
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --policy "$WORK/policy-other-uki.json" 2>"$WORK/other-uki.err" || rc=$?
cat "$WORK/other-uki.err" >&2
[ $rc -eq 43 ] || fail "expected exit 43 (PcrMismatch), got $rc"
grep -q "PCR 11: section .cmdline differs" "$WORK/other-uki.err" || fail "the refusal does not name the command line"
say "exit $rc: PcrMismatch (docs/errors.md)"

step "9. Shut down"
session_cleanup
MAA_PID=""
say "done; logs in $WORK (guest console: $STATE/console.log)"
