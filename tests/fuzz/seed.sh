#!/usr/bin/env bash
# Seeds a libFuzzer corpus with genuine vectors: seed.sh TARGET VECTORS_DIR CORPUS_DIR
set -euo pipefail

target=${1:?usage: seed.sh TARGET VECTORS_DIR CORPUS_DIR}
vectors=${2:?usage: seed.sh TARGET VECTORS_DIR CORPUS_DIR}
corpus=${3:?usage: seed.sh TARGET VECTORS_DIR CORPUS_DIR}
mkdir -p "$corpus"

# Little-endian u32 as printf escapes.
le32() {
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
    $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# A GUID string as printf escapes, in RFC 4122 byte order (the hex digits in order).
guid_bytes() {
  local hex=${1//-/} out='' i
  for ((i = 0; i < 32; i += 2)); do out+="\\x${hex:i:2}"; done
  printf '%s' "$out"
}

# A certificate table {GUID, offset, length}... + zero entry, then the blobs.
# Arguments: pairs of GUID FILE.
cert_table() {
  local count=$(($# / 2)) offset table='' blobs=() guid file size
  offset=$(((count + 1) * 24))
  while (($#)); do
    guid=$1 file=$2
    shift 2
    size=$(wc -c <"$file")
    table+="$(guid_bytes "$guid")$(le32 "$offset")$(le32 "$size")"
    offset=$((offset + size))
    blobs+=("$file")
  done
  printf '%b' "$table"
  head -c 24 /dev/zero
  cat "${blobs[@]}"
}

case "$target" in
  fuzz_id_block)
    # virtee/sev's ID block and the ID_AUTH_INFO it signed for it (tests/vectors/id-block).
    { printf '%s' 'oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA' | base64 -d
      cat "$vectors/id-block/virtee-sev_id_auth.bin"; } >"$corpus/virtee-sev-id-block"
    cp "$vectors/id-block/virtee-sev_id_auth.bin" "$corpus/virtee-sev-id-auth"
    ;;
  fuzz_report)
    for f in "$vectors"/snp/*/report.bin "$vectors"/maa/sevsnpvm_request_snp_report.bin; do
      if [ -f "$f" ]; then cat "$f" >"$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"; fi
    done
    ;;
  fuzz_hcl)
    cat "$vectors/snp/trustee_azure_milan_hcl/hcl-report.bin" >"$corpus/azure-milan-hcl.bin"
    # The evidence file holds a second HCL report (v3 SNP report, "user-data" claim) as
    # padded base64url in its "hcl_report" string.
    evidence="$vectors/azure/hcl_evidence_with_user_data.json"
    if [ -f "$evidence" ]; then
      grep -o '"hcl_report": *"[^"]*"' "$evidence" | sed 's/.*: *"//; s/"$//' |
        tr -- '-_' '+/' | base64 -d >"$corpus/azure-milan-hcl-user-data.bin"
    fi
    ;;
  fuzz_cert_table)
    vcek=63da758d-e664-4564-adc5-f4b93be8accd
    vlek=a8074bc2-a25a-483e-aae6-39c045a0b8a1
    ask=4ab7b379-bbac-4fe4-a02f-05aef327c782
    ark=c0b406a4-a803-4952-9743-3fb6014cd0ae
    cert_table $vcek "$vectors/snp/virtee-sev_milan/vcek.der" \
      $ask "$vectors/snp/virtee-sev_milan/ca_bundle.pem" >"$corpus/milan-vcek-ask.bin"
    cert_table $vlek "$vectors/snp/trustee_milan_vlek/vlek.der" \
      $ark "$vectors/snp/trustee_milan_vlek/ca_bundle.pem" >"$corpus/milan-vlek-ark.bin"
    head -c 24 /dev/zero >"$corpus/empty-table.bin"
    ;;
  fuzz_token)
    for f in "$vectors"/maa/*.jwt; do
      tr -d '\n\r' <"$f" >"$corpus/$(basename "$f")"
    done
    ;;
  fuzz_policy)
    printf '%s' '{"allow_debug": false, "vmpls": [0], "min_tcb": {"snp": 8}, "min_firmware": "1.55.0", "compliance_status": null}' >"$corpus/policy.json"
    printf '%s' '{"platform_info": {"smt_enabled": false, "tsme_enabled": true}, "guest_policy": {"min_abi": "1.51", "single_socket": true, "cxl_allowed": false}, "min_launch_tcb": {"snp": 22}, "min_build": 3, "permit_provisional_firmware": false, "family_id": "00000000000000000000000000000000", "chip_ids": ["'"$(printf '%0128d' 0)"'"], "require_author_key": true, "min_launch_mitigation_vector": 11}' >"$corpus/policy-report-fields.json"
    awk 'BEGIN { printf "{\"trusted_id_keys\": [\"" } { printf "%s\\n", $0 } END { printf "\"]}" }' \
      "$(dirname "$0")/../data/policy/id-key.pub.pem" >"$corpus/policy-trusted-key.json"
    printf '%s' '{"measurements": ["d9912ba396ce409c2947841d93a5076b6839b898c22b4aae05edb3b2b058a99927f8cf9a4f8617ee695deb14795496c8"]}' >"$corpus/measurements.json"
    ;;
  fuzz_snp_frontends)
    # CUSE: SNP_GET_EXT_REPORT at its first, second and third step (msg_version 1,
    # req_data 0x1000, resp_data 0x2000; then certs_len 0x4000 at 0x3000).
    io='\x01\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf '\x00\x01\x00\x00' >"$corpus/cuse-step1.bin"
    printf "\\x00\\x01\\x00\\x00$io" >"$corpus/cuse-step2.bin"
    { printf "\\x00\\x01\\xc0\\x0f$io"; head -c 96 /dev/zero; printf '\x00\x30\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00'; } \
      >"$corpus/cuse-step3.bin"
    # SNP_GET_DERIVED_KEY at its last step: VMRK, every field selected (out: struct + 64).
    { printf "\\x00\\x02\\x60\\x00$io"; printf '\x01\x00\x00\x00\x00\x00\x00\x00\x3f'; head -c 23 /dev/zero; } \
      >"$corpus/cuse-derived-key.bin"
    # configfs-tsm: mkdir report/a, write inblob, read outblob, rmdir.
    { printf '\x01'; printf '\x00\x09/report/a\x00'; printf '\x03\x10/report/a/inblob\x05hello';
      printf '\x02\x11/report/a/outblob\x00'; printf '\x01\x09/report/a\x00'; } >"$corpus/tsm-sequence.bin"
    ;;
  fuzz_http_request)
    # Written by hand: the agent's own requests, the proxy's, and the framings a smuggler
    # plays with. The first byte cuts the wire into reads (1..16 bytes, or 0: all at once).
    req() { printf '%b' "$2" >"$corpus/$1"; }
    req attestation.bin '\x00POST /attestation HTTP/1.1\r\nHost: 10.0.0.4:8443\r\nContent-Type: application/json\r\nContent-Length: 55\r\n\r\n{"nonce":"q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83"}'
    req healthz-in-3-byte-reads.bin '\x03GET /healthz HTTP/1.1\r\nHost: agent\r\n\r\n'
    req pipelined.bin '\x05GET /attestation HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
    req proxied-query.bin '\x00POST /generate?model=tiny&q=a%20b+c HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n{}'
    req chunked-with-trailer.bin '\x07POST /generate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n4\r\nabcd\r\n0\r\nX-Trailer: smuggled\r\n\r\n'
    req expect-continue.bin '\x02PUT /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc'
    req http10.bin '\x00GET / HTTP/1.0\r\n\r\n'
    req cl-te.bin '\x00POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n'
    req two-lengths.bin '\x00POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'
    ;;
  fuzz_runtime_proof)
    # The runtime data of a batch of one and of two nonces, with MAA's genuine RSA key as
    # the TLS key (kid attestd-tls), and the proofs for the first nonce; runtime, NUL,
    # proof, NUL, nonce. Roots and paths follow RFC 6962 §2.1.
    python3 - "$vectors/maa/maa_signing_keys.json" "$corpus" <<'EOF'
import hashlib, json, sys
key = dict(json.load(open(sys.argv[1]))["keys"][0], kid="attestd-tls")
key = {k: key[k] for k in ("e", "kid", "kty", "n")}
leaf = lambda d: hashlib.sha256(b"\0" + d).digest()
node = lambda l, r: hashlib.sha256(b"\1" + l + r).digest()
a, b = bytes(range(32)), bytes(range(32, 64))
for name, root, count, path in (("one", leaf(a), 1, []), ("two", node(leaf(a), leaf(b)), 2, [leaf(b).hex()])):
    rt = {"agent": "attestd/0.1", "keys": [key], "nonces": {"alg": "sha256-merkle", "count": count, "root": root.hex()},
          "time": 1700000000}
    proof = {"count": count, "index": 0, "path": path}
    with open(f"{sys.argv[2]}/batch-of-{name}.bin", "wb") as f:
        f.write(json.dumps(rt, separators=(",", ":"), sort_keys=True).encode() + b"\0" +
                json.dumps(proof, separators=(",", ":")).encode() + b"\0" + a)
EOF
    ;;
  fuzz_jwks)
    cp "$vectors/maa/maa_signing_keys.json" "$corpus/maa-certs.json"
    # The HCL report's runtime claims: a JWK Set of the attestation and encryption keys.
    python3 - "$vectors/azure/hcl_evidence_with_user_data.json" "$corpus" <<'EOF'
import base64, json, sys
b64 = json.load(open(sys.argv[1]))["hcl_report"]
hcl = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
start = hcl.index(b'{"keys"')
claims, _ = json.JSONDecoder().raw_decode(hcl[start:].decode("utf-8", "replace"))
open(f"{sys.argv[2]}/hcl-runtime-claims.json", "w").write(json.dumps(claims))
EOF
    ;;
  fuzz_token_signed)
    # The genuine tokens' header and claims, NUL between. The SevSnpVm token came from
    # MAA's test instance in 2025: its jku, iss and times are moved to the instance and
    # time the harness pins (sharedweu, 2023-03-30), the rest is as MAA wrote it.
    python3 - "$vectors/maa" "$corpus" <<'EOF'
import base64, json, sys
dec = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
url = "https://sharedweu.weu.attest.azure.net"
for name in ("azureguest_sharedweu_2023", "sevsnpvm_sharedweu_token"):
    h, c, _ = open(f"{sys.argv[1]}/{name}.jwt").read().strip().split(".")
    header, claims = json.loads(dec(h)), json.loads(dec(c))
    if claims["iss"] != url:
        header["jku"], claims["iss"] = url + "/certs", url
        claims.update(iat=1680173374, nbf=1680173374, exp=1680202174)
    with open(f"{sys.argv[2]}/{name}.bin", "wb") as f:
        f.write(json.dumps(header, separators=(",", ":")).encode() + b"\0" +
                json.dumps(claims, separators=(",", ":")).encode())
EOF
    ;;
  fuzz_tpm_response)
    # The genuine Azure vTPM evidence as the TPM's responses: op byte, then u16-length-
    # prefixed responses (get_evidence: 64 bytes of report data first).
    python3 - "$vectors/azure/hcl_evidence_with_user_data.json" "$corpus" <<'EOF'
import base64, json, struct, sys
ev = json.load(open(sys.argv[1]))
hcl = base64.urlsafe_b64decode(ev["hcl_report"] + "=" * (-len(ev["hcl_report"]) % 4))
claims, _ = json.JSONDecoder().raw_decode(hcl[hcl.index(b'{"keys"'):].decode("utf-8", "replace"))
user_data = bytes.fromhex(claims["user-data"])
attest, sig = bytes.fromhex(ev["tpm_quote"]["message"]), bytes.fromhex(ev["tpm_quote"]["signature"])
pcrs = [bytes.fromhex(p) for p in ev["tpm_quote"]["pcrs"]]
ak = next(k for k in claims["keys"] if k["kid"] == "HCLAkPub")
n = base64.urlsafe_b64decode(ak["n"] + "=" * (-len(ak["n"]) % 4))
u16, u32 = (lambda v: struct.pack(">H", v)), (lambda v: struct.pack(">I", v))
b2 = lambda b: u16(len(b)) + b
def resp(params, sessions=False):
    body = (u32(len(params)) + params + b2(b"") + b"\1" + b2(b"")) if sessions else params
    return u16(0x8002 if sessions else 0x8001) + u32(10 + len(body)) + u32(0) + body
def nv_public(index, size):
    area = u32(index) + u16(0x000B) + u32(0x2006000A) + b2(b"") + u16(size)
    return resp(b2(area) + b2(u16(0x000B) + bytes(32)))
def nv_read(data, chunk=1024):
    return [nv_public(0x01400001, len(data))] + [resp(b2(data[i:i + chunk]), True) for i in range(0, len(data), chunk)]
quote = resp(b2(attest) + u16(0x0014) + u16(0x000B) + b2(sig), True)
pcr_read = resp(u32(42) + u32(1) + u16(0x000B) + b"\3\xff\0\0" + u32(8) + b"".join(b2(p) for p in pcrs[:8]))
public = u16(0x0001) + u16(0x000B) + u32(0x00050072) + b2(b"") + u16(0x0010) + u16(0x0014) + u16(0x000B) + u16(2048) + u32(0) + b2(n)
read_public = resp(b2(public) + b2(u16(0x000B) + bytes(32)) + b2(u16(0x000B) + bytes(32)))
seeds = {
    "get-random": (1, [resp(b2(bytes(range(16))))]),
    "nv-read-public": (2, [nv_public(0x01400001, len(hcl))]),
    "nv-read-hcl-report": (3, nv_read(hcl)),
    "quote": (4, [quote]),
    "pcr-read": (5, [pcr_read]),
    "read-public": (6, [read_public]),
    "nv-write": (8, [resp(b"", True)] * 3),
    "get-evidence": (9, [nv_public(0x01400002, 64), resp(b"", True)] + nv_read(hcl) + [quote, pcr_read]),
}
for name, (op, responses) in seeds.items():
    body = b"".join(b2(r) for r in responses)
    with open(f"{sys.argv[2]}/{name}.bin", "wb") as f:
        f.write(bytes([op]) + (user_data if op == 9 else b"") + body)
for name, op, raw in (("attest", 10, attest), ("signature", 11, u16(0x0014) + u16(0x000B) + b2(sig)), ("public", 12, public)):
    open(f"{sys.argv[2]}/{name}.bin", "wb").write(bytes([op]) + raw)
# AzureGuest's encryption key (no genuine vector has one): its public area as
# CreatePrimary returns it, with the genuine AK's modulus in its place, and a
# certification of it shaped as a TPM writes one (TPMS_ATTEST of type 0x8017).
enc = u16(0x0001) + u16(0x000B) + u32(0x00020432) + b2(bytes(32)) + u16(0x0010) + u16(0x0010) + u16(2048) + u32(0) + b2(n)
name = u16(0x000B) + bytes(32)
certify_info = (u32(0xFF544347) + u16(0x8017) + b2(name) + b2(b"") + bytes(8 + 4 + 4 + 1) + bytes(8) +
                b2(name) + b2(u16(0x000B) + bytes(32)))
creation = b2(b"") + b2(bytes(32)) + u16(0x8021) + u32(0x40000007) + b2(b"")
key_seeds = {
    "create-primary": (13, [resp(u32(0x80000000) + b2(enc) + creation + b2(name), True)]),
    "certify": (14, [resp(b2(certify_info) + u16(0x0014) + u16(0x000B) + b2(sig), True)]),
    "start-auth-session": (15, [resp(u32(0x03000000) + b2(bytes(32)))]),
    "policy-pcr": (16, [resp(b"")]),
    "rsa-decrypt": (17, [resp(b2(bytes(32)), True)]),
    "handles": (18, [resp(b"\0" + u32(1) + u32(2) + u32(0x80000000) + u32(0x80000001))]),
}
for name_, (op, responses) in key_seeds.items():
    open(f"{sys.argv[2]}/{name_}.bin", "wb").write(bytes([op]) + b"".join(b2(r) for r in responses))
for name_, op, raw in (("certify-attest", 19, certify_info), ("tpm2b-public", 20, b2(enc)),
                       ("pcr-selection", 21, u32(1) + u16(0x000B) + b"\3\xff\x1a\0")):
    open(f"{sys.argv[2]}/{name_}.bin", "wb").write(bytes([op]) + raw)
EOF
    ;;
  fuzz_event_log)
    # The real OVMF + swtpm boot's log (tests/data/boot), whole and cut to its first events.
    log="$(dirname "$0")/../data/boot/eventlog-sb-on.bin"
    cat "$log" >"$corpus/eventlog-sb-on.bin"
    head -c 4096 "$log" >"$corpus/eventlog-sb-on-head.bin"
    cat "$(dirname "$0")/../data/boot/eventlog-sb-off.bin" >"$corpus/eventlog-sb-off.bin"
    ;;
  fuzz_pe)
    # Debian's systemd-stub: the PE the UKI is built on (its headers fit in -max_len).
    stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
    if [ -f "$stub" ]; then head -c 8192 "$stub" >"$corpus/linuxx64-stub-head.efi"; fi
    ;;
  fuzz_uefi_vars)
    # Debian's snakeoil VARS cut to 8 KiB, with FvLength and the store Size shrunk to match.
    vars=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
    if [ -f "$vars" ]; then
      python3 - "$vars" "$corpus/snakeoil-vars-8k.fd" <<'EOF_PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read()[:8192])
struct.pack_into("<Q", d, 32, len(d))
store = struct.unpack_from("<H", d, 48)[0]
struct.pack_into("<I", d, store + 16, len(d) - store)
open(sys.argv[2], "wb").write(d)
EOF_PY
    fi
    ;;
  fuzz_azure_guest)
    # An AzureGuest request in the shape Microsoft's library sends (small byte fields, the
    # genuine SNP report, the head of the real boot log) and a sealed answer, each under
    # -max_len.
    python3 - "$vectors" "$(dirname "$0")/../data/boot/eventlog-sb-on.bin" "$corpus" <<'EOF_PY'
import base64, json, os, sys
vectors, log, corpus = sys.argv[1:4]
b64 = lambda b: base64.b64encode(b).decode()
report = open(os.path.join(vectors, "maa/sevsnpvm_request_snp_report.bin"), "rb").read()
proof = {"SnpReport": base64.urlsafe_b64encode(report).decode().rstrip("="),
         "VcekCertChain": b64(b"-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n")}
info = {"AttestationProtocolVersion": "2.0", "OSType": b64(b"Linux"), "OSDistro": b64(b"Debian GNU/Linux"),
        "OSVersionMajor": 12, "OSVersionMinor": 0, "OSBuild": b64(b"NotApplication"),
        "TcgLogs": b64(open(log, "rb").read()[:1024]), "ClientPayload": {"nonce": b64(b"ADE0101")},
        "TpmInfo": {"AikCert": "", "AikPub": b64(bytes(22)), "PcrQuote": b64(b"\xffTCG\x80\x18"),
                    "PcrSignature": b64(bytes(256)), "PcrSet": [0, 7],
                    "PCRs": [{"Index": 0, "Digest": b64(bytes(32))}, {"Index": 7, "Digest": b64(bytes(range(32)))}],
                    "EncKeyPub": b64(bytes(22)), "EncKeyCertifyInfo": b64(b"\xffTCG\x80\x17"),
                    "EncKeyCertifyInfoSignature": b64(bytes(256))},
        "IsolationInfo": {"Type": "SevSnp", "Evidence": {"Proof": b64(json.dumps(proof).encode()),
                                                         "RunTimeData": b64(b'{"keys":[]}')}}}
body = {"AttestationInfo": base64.urlsafe_b64encode(json.dumps(info).encode()).decode().rstrip("=")}
open(os.path.join(corpus, "request.json"), "w").write(json.dumps(body))
sealed = {"EncryptedInnerKey": b64(bytes(256)), "AuthenticationData": b64(bytes(16)), "Jwt": b64(b"a.b.c"),
          "EncryptionParams": {"BlockMode": "ChainingModeGCM", "BlockPadding": "PKCS7", "Cipher": "AES",
                               "KeySizeInBits": 256, "Iv": b64(bytes(12))}}
open(os.path.join(corpus, "sealed-token.txt"), "w").write(
    base64.urlsafe_b64encode(json.dumps(sealed).encode()).decode().rstrip("="))
EOF_PY
    ;;
  fuzz_crl)
    # No genuine AMD CRL is in the vectors: openssl (Debian's) writes CRLs in AMD's form,
    # RSASSA-PSS SHA-384, one empty and one revoking a serial, DER and PEM.
    work=$(mktemp -d)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ark.key" -out "$work/ark.pem" \
      -subj /CN=ARK-Milan -days 2 2>/dev/null
    : >"$work/index.txt"
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\ndefault_md=sha384\ndefault_crl_days=30\n' \
      "$work" >"$work/ca.cnf"
    crl() { openssl ca -batch -gencrl -config "$work/ca.cnf" -keyfile "$work/ark.key" -cert "$work/ark.pem" \
      -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -out "$1" 2>/dev/null; }
    crl "$work/empty.pem"
    openssl ca -batch -revoke "$work/ark.pem" -config "$work/ca.cnf" -keyfile "$work/ark.key" \
      -cert "$work/ark.pem" 2>/dev/null
    crl "$work/revoked.pem"
    for f in empty revoked; do
      cp "$work/$f.pem" "$corpus/$f.pem"
      openssl crl -in "$work/$f.pem" -outform DER -out "$corpus/$f.der"
    done
    rm -rf "$work"
    ;;
  *)
    echo "seed.sh: no seeds for $target" >&2
    ;;
esac
