#!/usr/bin/env bash
# End to end on the sim guest image (make e2e; docs/image.md). Everything runs on this
# machine: maa-emu on the host's loopback, swtpm + QEMU booting the sim image, in which
# snp-sim's CUSE /dev/sev-guest and FUSE configfs-tsm play the AMD-SP, and the client.
#  1. reproducibility: the image built again into another folder has the same bytes
#     (UKIs, disks and the VHD too), and the UEFI image checks out (images/check-uefi.sh);
#  2. boot 1 (the image's own measurement, policy 0x30000), from the host:
#     attest connect (every check) and attest request POST /generate     -> success
#     launched with an ID block: a client pinning its keys                -> success
#     a client pinning another ID key                                     -> IdKeyMismatch
#     a client policy allowing another measurement only                  -> MeasurementMismatch
#     maa-emu no longer vouching for the image's measurement             -> NonCompliantUvm
#     a guest reboot                                                      -> new TLS key, fresh token
#     the guide's example in Python (attestd.connect, session.post)       -> success, and
#       MeasurementMismatch; one Python session across the reboot        -> attested again
#  3. boot 2, snp-sim launching the guest with the debug policy bit,
#     attestd reading /dev/sev-guest (CUSE) instead of configfs-tsm      -> DebugMode (CLI, Python)
#  4. boot 3, Azure-style: the sim UKI from its GPT disk under OVMF with Secure Boot and a
#     swtpm vTPM, the paravisor emulator in the guest, attestd on azure-vtpm speaking MAA's
#     AzureGuest protocol (the token printed in the guide's shape); the client
#     pins the PCRs make image computed (boot-policy-sim.json):
#     attest connect, and every computed PCR equal to the quoted, replayed one -> success
#     a client expecting another UKI (its command line changed)             -> PcrMismatch
#     this boot's answers spliced (attestd-tests e2e_measured_boot):
#       a quote of an earlier batch -> NonceMismatch, an altered event log -> EventLogMismatch
#     boot 4, the same disk with Secure Boot off                            -> SecureBootDisabled
#  5. the boot-to-attested times; everything stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE_OUT=${IMAGE_OUT:-$ROOT/build/image}
IMAGE_KEYS=${IMAGE_KEYS:-$ROOT/build/image-keys/sim}
BIN=${ATTESTD_BIN:-$ROOT/build/bin}
DEPS_DIR=${DEPS_DIR:-$ROOT/.deps}
OVMF=${OVMF:-$ROOT/tests/vectors/measure/ovmf_AmdSev_suffix.bin}
WORK=$ROOT/build/e2e

say() { printf 'e2e: %s\n' "$*"; }
fail() { printf 'e2e: FAIL: %s\n' "$*" >&2; exit 1; }
json_field() {  # FILE KEY...: a field of a JSON document
  /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v=v[k]
print(v)' "$@"
}

rm -rf "$WORK" && mkdir -p "$WORK"
# shellcheck source=images/session.sh
. "$ROOT/images/session.sh"

# 1. Reproducible: a second build, elsewhere, byte for byte.
say "rebuilding the image to check reproducibility"
bash "$ROOT/images/build.sh" --deps "$DEPS_DIR" --attestd "$ROOT/build/static/attestd" \
  --snp-sim "$ROOT/build/static/snp-sim" --attest "$BIN/attest" --ovmf "$OVMF" --sim-keys "$IMAGE_KEYS" \
  --out "$WORK/image2" 2>"$WORK/rebuild.log" || fail "second image build failed (see $WORK/rebuild.log)"
for f in vmlinuz initramfs-prod.cpio.gz initramfs-sim.cpio.gz cmdline measurement-prod.hex measurement-sim.hex \
         uki-prod.efi uki-sim.efi disk-prod.raw disk-sim.raw disk-prod.vhd SHA256SUMS; do
  cmp -s "$IMAGE_OUT/$f" "$WORK/image2/$f" || fail "$f differs between two builds: not reproducible"
done
say "reproducible: two builds are identical ($(cut -c1-16 "$IMAGE_OUT/SHA256SUMS" | paste -sd' '))"
# The UEFI image: the UKIs' sections and signatures, the disks, the VHD.
bash "$ROOT/images/check-uefi.sh" "$IMAGE_OUT" | sed 's/^/e2e: /' || fail "the UEFI image is not what make image should write"
MEASUREMENT=$(cat "$IMAGE_OUT/measurement-sim.hex")
say "the sim image's launch measurement: $MEASUREMENT"

start_maa "$MEASUREMENT"
say "maa-emu at $MAA (pid $MAA_PID)"

# The guide's example with the Python package (docs/examples/generate.py), as built by make.
python_example() { PYTHONPATH="$ROOT/build/python" /usr/bin/python3 "$ROOT/docs/examples/generate.py" "$@"; }
# expect_python_failure NAME EXIT_CODE [FLAGS]: the Python example must be refused with that error.
expect_python_failure() {
  local name=$1 code=$2 rc=0; shift 2
  python_example "$URL" "${FLAGS[@]}" "$@" >"$WORK/python-$name.out" 2>"$WORK/python-$name.err" || rc=$?
  [ $rc -eq "$code" ] || fail "python $name: exited $rc, expected $code: $(cat "$WORK/python-$name.err")"
  grep -q "^attestd.$name: " "$WORK/python-$name.err" || fail "python $name: not raised as attestd.$name: $(cat "$WORK/python-$name.err")"
  [ ! -s "$WORK/python-$name.out" ] || fail "python $name: the application answered a refused client"
  say "python refused as expected: $(head -1 "$WORK/python-$name.err")"
}

# expect_failure NAME EXIT_CODE: attest connect must fail with that error.
expect_failure() {
  local name=$1 code=$2 rc=0; shift 2
  "$BIN/attest" connect "$URL" "${FLAGS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  [ $rc -eq "$code" ] || fail "$name: attest connect exited $rc, expected $code: $(cat "$WORK/$name.err")"
  grep -q "$name" "$WORK/$name.err" || fail "$name: the error does not name it: $(cat "$WORK/$name.err")"
  say "refused as expected: $(head -1 "$WORK/$name.err")"
}
wait_healthz() {
  local deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
  until curl -sk --max-time 3 "$URL/healthz" 2>/dev/null | grep -q '"ok"'; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "attestd did not come back after the reboot (console: $STATE/console.log)"
    ! grep -q "Kernel panic" "$STATE/console.log" || fail "the guest panicked after the reboot (console: $STATE/console.log)"
    sleep 0.5
  done
}

# 2. Boot 1: the image as built, launched with an ID block (qemu/run --id-key: snp-sim
# checks it as the AMD-SP does and reports the key digests). The keys are
# virtee/sev-snp-measure's public test keys.
ID_KEY=$ROOT/tests/vectors/id-block/sev-snp-measure_id_key.pem
AUTHOR_KEY=$ROOT/tests/vectors/id-block/sev-snp-measure_author_key.pem
ID_BLOCK_OUT=$("$BIN/attest" measure --launch-digest "$MEASUREMENT" --id-key "$ID_KEY" --author-key "$AUTHOR_KEY") \
  || fail "attest measure could not sign the ID block"
ID_KEY_DIGEST=$(sed -n 's/^id-key-digest=//p' <<<"$ID_BLOCK_OUT")
AUTHOR_KEY_DIGEST=$(sed -n 's/^author-key-digest=//p' <<<"$ID_BLOCK_OUT")
boot --id-key "$ID_KEY" --author-key "$AUTHOR_KEY"
"$BIN/attest" connect "$URL" "${FLAGS[@]}" | tee "$WORK/connect.out" || fail "attest connect failed"
T_ATT=$(now)
grep -q "is an attested SEV-SNP VM" "$WORK/connect.out" || fail "connect: no verdict"
grep -q "compliance          azure-compliant-cvm" "$WORK/connect.out" || fail "connect: not compliant"
grep -q "measurement         $MEASUREMENT" "$WORK/connect.out" || fail "connect: not the image's measurement"
grep -q "channel             this TLS connection's key is the attested key" "$WORK/connect.out" || fail "connect: no channel binding"
grep -q "configfs-tsm present" "$STATE/console.log" || fail "the guest had no configfs-tsm (snp-sim's FUSE front-end)"
grep -q "/dev/sev-guest present" "$STATE/console.log" || fail "the guest had no /dev/sev-guest (snp-sim's CUSE front-end)"
grep -q "evidence=tsm" "$STATE/console.log" || fail "attestd in the guest did not use configfs-tsm"
ANSWER=$("$BIN/attest" request "$URL/generate" -d '{"input_text": "def print_hello_world():"}' "${FLAGS[@]}") \
  || fail "attest request failed"
[ "$ANSWER" = 'generated for {"input_text": "def print_hello_world():"}' ] || fail "unexpected answer: $ANSWER"
say "the application answered: $ANSWER"
# The same in Python, as the guide writes it: attestd.connect, then session.post.
ANSWER=$(python_example "$URL" "${FLAGS[@]}" 2>"$WORK/python-example.err") \
  || fail "the Python example failed: $(cat "$WORK/python-example.err")"
[ "$ANSWER" = 'generated for {"input_text": "def print_hello_world():"}' ] || fail "python: unexpected answer: $ANSWER"
say "python: $(cat "$WORK/python-example.err"); the application answered: $ANSWER"
BOOT1="$(secs "$T_BOOT" "$T_UP") s to attestd up, $(secs "$T_BOOT" "$T_ATT") s to attested"

# A client that pins the ID and author keys, and one that pins another ID key.
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --id-key-digest "$ID_KEY_DIGEST" --author-key-digest "$AUTHOR_KEY_DIGEST" \
  > "$WORK/id-block.out" || fail "attest connect pinning the guest's ID and author keys failed"
expect_failure IdKeyMismatch 39 --id-key-digest "$(printf '%096d' 0)"

# A client that allows another measurement only.
printf '{"measurements": ["%s"]}\n' "$(printf '%096d' 0)" > "$WORK/other-measurement.json"
expect_failure MeasurementMismatch 36 --policy "$WORK/other-measurement.json"
expect_python_failure MeasurementMismatch 36 --policy "$WORK/other-measurement.json"

# Azure no longer vouches for the image.
known_measurements '[]'
expect_failure NonCompliantUvm 51
known_measurements "[\"$MEASUREMENT\"]"

# A reboot: a new TLS key, a fresh token. A Python session open across it attests the
# rebooted guest again by itself before its next request.
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --json > "$WORK/before-reboot.json" || fail "attest connect failed"
T_REBOOT=$(now)
PYTHONPATH="$ROOT/build/python" /usr/bin/python3 - "$URL" "$MAA" "$WORK/maa-ca.pem" "$ROOT/qemu/run" "$STATE" \
  "$BOOT_TIMEOUT" <<'PY' > "$WORK/python-reboot.out" 2>&1 || fail "python across the reboot: $(tail -5 "$WORK/python-reboot.out")"
import subprocess, sys, time
import attestd
url, maa, ca, run, state, boot_timeout = sys.argv[1:]
session = attestd.connect(url, maa=maa, ca_file=ca)
before = session.post("/generate", data="before").text  # the guest's application ends it with a newline
assert before == "generated for before\n", before
key = session.attestation.tls_key_sha256
subprocess.run([run, "reboot", "--state", state], check=True)
deadline = time.monotonic() + float(boot_timeout)
while True:
    try:
        answer = session.post("/generate", data="after")  # attests the rebooted guest first
        break
    except attestd.NetworkError as e:  # still booting
        if time.monotonic() > deadline:
            raise
        time.sleep(0.5)
assert answer.text == "generated for after\n", answer.text
assert session.attestations == 2, session.attestations
assert session.attestation.tls_key_sha256 != key
print(f"one session: attested {session.attestations} times, TLS key {key[:16]}… -> "
      f"{session.attestation.tls_key_sha256[:16]}…")
PY
say "python: $(tail -1 "$WORK/python-reboot.out")"
wait_healthz
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --json > "$WORK/after-reboot.json" || fail "attest connect after the reboot failed"
T_REATT=$(now)
KEY1=$(json_field "$WORK/before-reboot.json" tls_key_sha256)
KEY2=$(json_field "$WORK/after-reboot.json" tls_key_sha256)
[ "$KEY1" != "$KEY2" ] || fail "the guest kept its TLS key across the reboot ($KEY1)"
JTI1=$(json_field "$WORK/before-reboot.json" claims jti)
JTI2=$(json_field "$WORK/after-reboot.json" claims jti)
[ "$JTI1" != "$JTI2" ] || fail "the same token after the reboot"
[ "$(json_field "$WORK/after-reboot.json" claims iat)" -ge "$(json_field "$WORK/before-reboot.json" claims iat)" ] \
  || fail "the token after the reboot is older"
[ "$(grep -c "starting attestd (run 1)" "$STATE/console.log")" -ge 2 ] || fail "no second boot in the console log"
! grep -q "Kernel panic" "$STATE/console.log" || fail "the guest panicked (console: $STATE/console.log)"
say "after the reboot: TLS key ${KEY1:0:16}… -> ${KEY2:0:16}…, a new token (jti ${JTI2:0:16}…), attested $(secs "$T_REBOOT" "$T_REATT") s after the reset"

# 3. Boot 2: snp-sim launches the guest debuggable (policy bit 19); attestd takes its
# reports through the CUSE /dev/sev-guest this time (SNP_GET_EXT_REPORT and its retry).
"$ROOT/qemu/run" stop --state "$STATE" >/dev/null 2>&1
boot --policy 0xB0000 --evidence sev-guest
grep -q "evidence=sev-guest" "$STATE/console.log" || fail "attestd in the guest did not use /dev/sev-guest"
expect_failure DebugMode 30
expect_python_failure DebugMode 30

# 4. Boot 3: Azure-style. The SNP report is the paravisor's; the guest's code is in the PCRs.
"$ROOT/qemu/run" stop --state "$STATE" >/dev/null 2>&1
BOOT_POLICY=$IMAGE_OUT/boot-policy-sim.json
boot_guest azure
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --policy "$BOOT_POLICY" | tee "$WORK/azure-connect.out" \
  || fail "attest connect to the Azure-style guest failed"
T_ATT=$(now)
grep -q "evidence=azure-vtpm" "$STATE/console.log" || fail "attestd in the Azure-style guest did not use the vTPM"
grep -q "secure boot         on" "$WORK/azure-connect.out" || fail "connect: Secure Boot not shown on"
AZURE="$(secs "$T_BOOT" "$T_UP") s to attestd up, $(secs "$T_BOOT" "$T_ATT") s to attested"
"$BIN/attest" connect "$URL" "${FLAGS[@]}" --policy "$BOOT_POLICY" --json > "$WORK/azure-connect.json" \
  || fail "attest connect --json failed"
# What make image computed from the UKI is what the real boot measured: the quoted PCRs,
# which the event log replays to (the client checked that).
/usr/bin/python3 - "$IMAGE_OUT/pcrs-sim.json" "$WORK/azure-connect.json" <<'PY' || fail "a computed PCR differs from the booted guest's"
import json, sys
computed = json.load(open(sys.argv[1]))
booted = json.load(open(sys.argv[2]))["boot"]["pcrs"]
for pcr, value in computed.items():
    if booted.get(pcr) != value:
        sys.exit(f"PCR {pcr}: computed {value}, booted {booted.get(pcr)}")
print("e2e: computed PCRs " + ", ".join(sorted(computed, key=int)) + " equal the booted guest's quoted, replayed PCRs")
PY
# attestd spoke MAA's AzureGuest protocol: the token has the shape of the one in BlindBox's
# guide (Microsoft's guest attestation client's), with the VM's boot claims.
grep -q "maa_protocol=azureguest" "$STATE/console.log" || fail "attestd in the Azure-style guest did not use AzureGuest"
/usr/bin/python3 - "$WORK/azure-connect.json" <<'PY' || fail "the AzureGuest token does not have the guide's shape"
import json, sys
claims = json.load(open(sys.argv[1]))["claims"]
tee = claims["x-ms-isolation-tee"]
checks = [
    (claims.get("x-ms-attestation-type") == "azurevm", "x-ms-attestation-type azurevm"),
    (claims.get("x-ms-azurevm-attestation-protocol-ver") == "2.0", "x-ms-azurevm-attestation-protocol-ver 2.0"),
    (claims.get("secureboot") is True, "secureboot true"),
    (claims.get("x-ms-azurevm-ostype") == "Linux", "x-ms-azurevm-ostype Linux"),
    (all(claims.get("x-ms-azurevm-" + f) is False for f in
         ("bootdebug-enabled", "kerneldebug-enabled", "hypervisordebug-enabled", "testsigning-enabled",
          "flightsigning-enabled")), "the debug and signing flags false"),
    (claims.get("x-ms-azurevm-debuggersdisabled") is True, "x-ms-azurevm-debuggersdisabled true"),
    (tee.get("x-ms-attestation-type") == "sevsnpvm", "x-ms-isolation-tee.x-ms-attestation-type sevsnpvm"),
    (tee.get("x-ms-compliance-status") == "azure-compliant-cvm", "x-ms-isolation-tee.x-ms-compliance-status"),
    (tee.get("x-ms-sevsnpvm-is-debuggable") is False, "x-ms-isolation-tee.x-ms-sevsnpvm-is-debuggable false"),
    (any(k.get("kid") == "HCLAkPub" for k in tee["x-ms-runtime"]["keys"]), "HCLAkPub in the TEE's x-ms-runtime"),
    ("nonce" in claims["x-ms-runtime"]["client-payload"], "x-ms-runtime.client-payload.nonce"),
    ([k.get("kid") for k in claims["x-ms-runtime"]["keys"]] == ["TpmEphemeralEncryptionKey"],
     "x-ms-runtime.keys: TpmEphemeralEncryptionKey"),
]
bad = [what for ok, what in checks if not ok]
if bad:
    sys.exit("missing or wrong: " + ", ".join(bad))
shown = {k: v for k, v in claims.items() if k not in ("x-ms-isolation-tee", "x-ms-runtime")}
shown["x-ms-isolation-tee"] = {k: v for k, v in tee.items() if k != "x-ms-runtime"}
shown["x-ms-isolation-tee"]["x-ms-runtime"] = "{keys: [HCLAkPub], user-data, vm-configuration…}"
shown["x-ms-runtime"] = claims["x-ms-runtime"]
for line in json.dumps(shown, indent=1, sort_keys=True).splitlines():
    print("e2e:   " + line[:140])
print("e2e: the Azure-style guest's AzureGuest token has the guide's shape (above, abridged)")
PY
ANSWER=$("$BIN/attest" request "$URL/generate" -d '{"input_text": "measured"}' "${FLAGS[@]}" --policy "$BOOT_POLICY") \
  || fail "attest request to the Azure-style guest failed"
say "the application answered: $ANSWER"
ANSWER=$(python_example "$URL" "${FLAGS[@]}" --policy "$BOOT_POLICY" 2>"$WORK/python-azure.err") \
  || fail "the Python example against the Azure-style guest failed: $(cat "$WORK/python-azure.err")"
grep -q "measured boot with PCRs" "$WORK/python-azure.err" || fail "python: the measured boot was not checked"
say "python: $(cat "$WORK/python-azure.err"); the application answered: $ANSWER"

# A client that expects another UKI: the same kernel and initramfs, another command line.
OTHER=$WORK/other-uki
mkdir -p "$OTHER"
cp "$IMAGE_OUT"/vmlinuz "$IMAGE_OUT"/initramfs-prod.cpio.gz "$IMAGE_OUT"/initramfs-sim.cpio.gz "$IMAGE_OUT"/kernel-package "$OTHER/"
echo "$(cat "$IMAGE_OUT/cmdline") quiet" > "$OTHER/cmdline"
SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0) bash "$ROOT/images/uefi.sh" --out "$OTHER" \
  2>"$WORK/other-uki.log" || fail "building the other UKI failed (see $WORK/other-uki.log)"
"$BIN/attest" measure --uki "$OTHER/uki-sim.efi" --vars /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd \
  --policy-out "$WORK/other-uki-policy.json" >/dev/null || fail "attest measure --uki failed on the other UKI"
expect_failure PcrMismatch 43 --policy "$WORK/other-uki-policy.json"
grep -q "PCR 11: section .cmdline differs" "$WORK/PcrMismatch.err" || fail "PcrMismatch does not name the command line: $(cat "$WORK/PcrMismatch.err")"

# This boot's own answers, spliced: a quote of an earlier batch, an altered event log.
E2E_PORT=$PORT E2E_MAA=$MAA E2E_MAA_CA=$WORK/maa-ca.pem E2E_POLICY=$BOOT_POLICY \
  "${ATTESTD_TESTS:-$ROOT/build/tests/attestd-tests}" --run_test=e2e_measured_boot --log_level=error \
  --report_level=no --color_output=no > "$WORK/splice.log" 2>&1 || fail "spliced answers: $(cat "$WORK/splice.log")"
say "refused as expected: a quote of an earlier batch (NonceMismatch), an altered event log (EventLogMismatch), a changed PCR value or signature (QuoteInvalid)"

# Boot 4: the same disk, Secure Boot off.
"$ROOT/qemu/run" stop --state "$STATE" >/dev/null 2>&1
boot_guest azure --secure-boot off
expect_failure SecureBootDisabled 44 --policy "$BOOT_POLICY"

# 5. Timing.
say "boot to attested ($ACCEL): $BOOT1"
say "Azure-style boot to attested ($ACCEL): $AZURE"
grep -E '^init: ' "$STATE/console.log" | tail -3 | sed 's/^/e2e:   guest /'
say "PASS"
