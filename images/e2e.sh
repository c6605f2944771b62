#!/usr/bin/env bash
# End to end on the sim guest image (make e2e; docs/image.md):
#  1. reproducibility: the image built again into another folder has the same bytes;
#  2. maa-emu on the host's loopback (trusting the image's snp-sim root, knowing the
#     image's measurement), swtpm + QEMU booting the sim image (qemu/run sim);
#  3. from the host: attest connect (every check) and attest request POST /generate;
#  4. the boot-to-attested time; everything stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE_OUT=${IMAGE_OUT:-$ROOT/build/image}
IMAGE_KEYS=${IMAGE_KEYS:-$ROOT/build/image-keys/sim}
BIN=${ATTESTD_BIN:-$ROOT/build/bin}
DEPS_DIR=${DEPS_DIR:-$ROOT/.deps}
WORK=$ROOT/build/e2e
STATE=$WORK/qemu

say() { printf 'e2e: %s\n' "$*"; }
fail() { printf 'e2e: FAIL: %s\n' "$*" >&2; exit 1; }

rm -rf "$WORK" && mkdir -p "$WORK"
MAA_PID=""
cleanup() {
  "$ROOT/qemu/run" stop --state "$STATE" 2>/dev/null || true
  if [ -n "$MAA_PID" ] && kill -0 "$MAA_PID" 2>/dev/null; then
    kill "$MAA_PID"; wait "$MAA_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# 1. Reproducible: a second build, elsewhere, byte for byte.
say "rebuilding the image to check reproducibility"
bash "$ROOT/images/build.sh" --deps "$DEPS_DIR" --attestd "$ROOT/build/static/attestd" --sim-keys "$IMAGE_KEYS" \
  --out "$WORK/image2" 2>"$WORK/rebuild.log" || fail "second image build failed (see $WORK/rebuild.log)"
for f in vmlinuz initramfs-prod.cpio.gz initramfs-sim.cpio.gz cmdline; do
  cmp -s "$IMAGE_OUT/$f" "$WORK/image2/$f" || fail "$f differs between two builds: not reproducible"
done
say "reproducible: two builds are identical ($(cut -c1-16 "$IMAGE_OUT/SHA256SUMS" | paste -sd' '))"

# 2. maa-emu on 127.0.0.1 (the guest reaches it as 10.0.2.2 through QEMU user networking).
MEASUREMENT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sim_measurement"])' \
  "$ROOT/images/config/attestd-sim.json")
"$BIN/maa-emu" --listen 127.0.0.1:0 --ca-out "$WORK/maa-ca.pem" --port-file "$WORK/maa.ports" \
  --trust-sim-root "$IMAGE_KEYS/ca_bundle.pem" --known-measurement "$MEASUREMENT" >"$WORK/maa-emu.log" 2>&1 &
MAA_PID=$!
for _ in $(seq 100); do [ -s "$WORK/maa.ports" ] && break; sleep 0.1; done
[ -s "$WORK/maa.ports" ] || fail "maa-emu did not start (see $WORK/maa-emu.log)"
MAA="https://localhost:$(cut -d' ' -f1 "$WORK/maa.ports")"
say "maa-emu at $MAA (pid $MAA_PID)"

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
T0=$(date +%s.%N)
URL=$("$ROOT/qemu/run" sim --port "$PORT" --maa "$MAA" --maa-ca "$WORK/maa-ca.pem" --image "$IMAGE_OUT" \
        --state "$STATE" --timeout "${E2E_BOOT_TIMEOUT:-300}") || fail "the guest did not come up (console: $STATE/console.log)"
T_UP=$(date +%s.%N)

# 3. The client, from the host.
FLAGS=(--maa "$MAA" --ca-file "$WORK/maa-ca.pem")
"$BIN/attest" connect "$URL" "${FLAGS[@]}" | tee "$WORK/connect.out" || fail "attest connect failed"
T_ATT=$(date +%s.%N)
grep -q "is an attested SEV-SNP VM" "$WORK/connect.out" || fail "connect: no verdict"
grep -q "compliance          azure-compliant-cvm" "$WORK/connect.out" || fail "connect: not compliant"
grep -q "channel             this TLS connection's key is the attested key" "$WORK/connect.out" || fail "connect: no channel binding"
ANSWER=$("$BIN/attest" request "$URL/generate" -d '{"input_text": "def print_hello_world():"}' "${FLAGS[@]}") \
  || fail "attest request failed"
[ "$ANSWER" = 'generated for {"input_text": "def print_hello_world():"}' ] || fail "unexpected answer: $ANSWER"
say "the application answered: $ANSWER"

# 4. Timing.
ACCEL=$(grep -o -- '-accel [a-z]*' "$STATE/qemu.cmd" | awk '{print $2}')
printf 'e2e: boot to attestd up: %.1f s; boot to attested: %.1f s (%s)\n' \
  "$(awk "BEGIN{print $T_UP - $T0}")" "$(awk "BEGIN{print $T_ATT - $T0}")" "$ACCEL"
grep -E '^init: ' "$STATE/console.log" | tail -3 | sed 's/^/e2e:   guest /'
say "PASS"
