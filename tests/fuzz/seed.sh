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
    # configfs-tsm: mkdir report/a, write inblob, read outblob, rmdir.
    { printf '\x01'; printf '\x00\x09/report/a\x00'; printf '\x03\x10/report/a/inblob\x05hello';
      printf '\x02\x11/report/a/outblob\x00'; printf '\x01\x09/report/a\x00'; } >"$corpus/tsm-sequence.bin"
    ;;
  *)
    echo "seed.sh: no seeds for $target" >&2
    ;;
esac
