# Sourced by images/e2e.sh and images/demo.sh: one maa-emu on the host's loopback and
# the sim guest under QEMU (qemu/run sim), both stopped by their PIDs on exit.
# The caller sets ROOT, IMAGE_OUT, IMAGE_KEYS, BIN, WORK and defines say/fail.
# shellcheck shell=bash

STATE=$WORK/qemu
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-300}
MAA_PID=""

now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.1f\", $2 - $1}"; }

session_cleanup() {
  "$ROOT/qemu/run" stop --state "$STATE" 2>/dev/null || true
  if [ -n "$MAA_PID" ] && kill -0 "$MAA_PID" 2>/dev/null; then
    kill "$MAA_PID"; wait "$MAA_PID" 2>/dev/null || true
  fi
}
trap session_cleanup EXIT

# start_maa MEASUREMENT: maa-emu on 127.0.0.1 (the guest reaches it as 10.0.2.2 through
# QEMU user networking), trusting the image's snp-sim root and vouching for MEASUREMENT.
# Sets MAA (its URL), ADMIN (its admin URL), FLAGS (attest's --maa/--ca-file).
start_maa() {
  "$BIN/maa-emu" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --ca-out "$WORK/maa-ca.pem" \
    --port-file "$WORK/maa.ports" --trust-sim-root "$IMAGE_KEYS/ca_bundle.pem" \
    --known-measurement "$1" >"$WORK/maa-emu.log" 2>&1 &
  MAA_PID=$!
  local _
  for _ in $(seq 100); do [ -s "$WORK/maa.ports" ] && break; sleep 0.1; done
  [ -s "$WORK/maa.ports" ] || fail "maa-emu did not start (see $WORK/maa-emu.log)"
  MAA="https://localhost:$(cut -d' ' -f1 "$WORK/maa.ports")"
  ADMIN="http://127.0.0.1:$(cut -d' ' -f2 "$WORK/maa.ports")"
  FLAGS=(--maa "$MAA" --ca-file "$WORK/maa-ca.pem")
  PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
}

# known_measurements JSON-LIST: what maa-emu vouches for from now on.
known_measurements() {
  curl -sf -X PUT --data "{\"measurements\": $1}" "$ADMIN/known-measurements" >/dev/null \
    || fail "maa-emu's admin port did not take the measurements"
}

# boot_guest MODE [qemu/run arguments]: boots the image (sim: the kernel directly, snp-sim's
# SNP devices; azure: the sim UKI from its disk under OVMF with Secure Boot and a vTPM, the
# paravisor emulator inside) and waits for attestd. Sets URL, T_BOOT (QEMU started), T_UP,
# ACCEL; later boots reuse the accelerator that worked.
ACCEL_ARGS=(${E2E_ACCEL:+--accel "$E2E_ACCEL"})  # E2E_ACCEL=tcg|kvm: no probing
boot_guest() {
  local mode=$1; shift
  URL=$("$ROOT/qemu/run" "$mode" --port "$PORT" --maa "$MAA" --maa-ca "$WORK/maa-ca.pem" --image "$IMAGE_OUT" \
          --state "$STATE" --timeout "$BOOT_TIMEOUT" "${ACCEL_ARGS[@]}" "$@") \
    || fail "the guest did not come up (console: $STATE/console.log)"
  T_UP=$(now)
  T_BOOT=$(cat "$STATE/boot.t0")
  ACCEL=$(grep -o -- '-accel [a-z]*' "$STATE/qemu.cmd" | awk '{print $2}')
  ACCEL_ARGS=(--accel "$ACCEL")
}
boot() { boot_guest sim "$@"; }
