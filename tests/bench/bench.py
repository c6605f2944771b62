#!/usr/bin/python3
"""make bench: attestd beside peers nobody here wrote, on the same inputs in the same run.

1. SEV-SNP report + chain verification vs OpenSSL (python3-cryptography): the ASK by the
   ARK and the VCEK by the ASK (RSASSA-PSS SHA-384, salt 48), the report by the VCEK
   (ECDSA P-384 over SHA-384 of bytes 0..0x29F, R/S little-endian); "cached" skips the
   chain.
2. MAA token verification vs PyJWT (python3-jwt): RS256 signature, iss, exp/nbf, then
   the SEV-SNP claims; a new token each time, and the same token again. PyJWT keeps no
   cache, so its "same token" row repeats the full check.
3. The agent (no peer): attestd with the sim evidence source and maa-emu over HTTPS, as
   processes on 127.0.0.1 sharing this machine's cores with the clients; fresh
   attestations per second and p50/p99 latency for 1, 10 and 100 clients, batch window 0
   and the default, with the MAA calls they caused; a new connection + attestation; the
   agent's resident memory; the static binaries' sizes (make static).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

VECTORS = os.environ.get("ATTESTD_VECTORS", "tests/vectors")
BENCH = sys.argv[1]
VECTOR = "snp/virtee-sev_milan"
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))


def per_second(op):
    """Operations per CPU second of this process, as attestd-bench counts them (bench.h)."""
    op()
    n, start = 0, time.process_time()
    while True:
        for _ in range(8):
            op()
        n += 8
        elapsed = time.process_time() - start
        if elapsed >= SECONDS:
            return n / elapsed


def ours(*args):
    return json.loads(subprocess.run([BENCH, *args], check=True, capture_output=True, text=True).stdout)


def table(title, rows, peer):
    print(title + ", per CPU second")
    print(f"{'':28}{'attestd':>14}{peer:>34}{'ratio':>8}")
    for name, a, o in rows:
        print(f"{name:28}{a:>12.0f}/s{o:>32.0f}/s{a / o:>8.2f}")
    print()


def report_bench():
    d = os.path.join(VECTORS, VECTOR)
    report = open(os.path.join(d, "report.bin"), "rb").read()
    vcek = x509.load_der_x509_certificate(open(os.path.join(d, "vcek.der"), "rb").read())
    pem = open(os.path.join(d, "ca_bundle.pem"), "rb").read()
    end = b"-----END CERTIFICATE-----"
    bundle = [x509.load_pem_x509_certificate(block + end) for block in pem.split(end) if b"BEGIN" in block]
    ark = next(c for c in bundle if c.subject == c.issuer)
    ask = next(c for c in bundle if "CN=SEV-Milan" in c.subject.rfc4514_string())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)

    def verify_report():
        r = int.from_bytes(report[0x2A0:0x2A0 + 72], "little")
        s = int.from_bytes(report[0x2E8:0x2E8 + 72], "little")
        vcek.public_key().verify(encode_dss_signature(r, s), report[:0x2A0], ec.ECDSA(hashes.SHA384()))

    def cold():
        for issuer, cert in ((ark, ark), (ark, ask), (ask, vcek)):
            issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes, pss, hashes.SHA384())
        verify_report()

    peer_cold, peer_cached = per_second(cold), per_second(verify_report)
    mine = ours("report", VECTOR, str(SECONDS))
    table(f"SEV-SNP report + chain verification ({VECTOR})",
          [("cold (chain + report)", mine["attestd_cold_per_s"], peer_cold),
           ("verified-chain cache", mine["attestd_cached_per_s"], peer_cached)],
          "OpenSSL (python3-cryptography)")


def token_bench():
    with tempfile.TemporaryDirectory() as out:
        mine = ours("token", out, str(SECONDS))
        tokens = open(os.path.join(out, "tokens.txt")).read().split()
        jwk = json.load(open(os.path.join(out, "jwks.json")))["keys"][0]
    key = jwt.PyJWK(jwk).key
    issuer = mine["issuer"]

    def check(token):
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, options={"verify_aud": False})
        assert claims["x-ms-attestation-type"] == "sevsnpvm"
        assert claims["x-ms-sevsnpvm-is-debuggable"] is False
        assert claims["x-ms-compliance-status"] == "azure-compliant-cvm"

    counter = iter(range(1 << 62))
    peer_new = per_second(lambda: check(tokens[next(counter) % len(tokens)]))
    peer_same = per_second(lambda: check(tokens[0]))
    table(f"MAA token verification ({len(tokens)} RS256 tokens, RSA-2048)",
          [("new token each time", mine["attestd_new_per_s"], peer_new),
           ("same token again (cache)", mine["attestd_cached_per_s"], peer_same)],
          "PyJWT (python3-jwt)")


def agent_bench():
    bindir = os.environ.get("ATTESTD_BIN", "build/bin")
    missing = [p for p in ("attestd", "maa-emu", "snp-sim") if not os.path.exists(os.path.join(bindir, p))]
    if missing:
        print(f"attestd agent: not built ({', '.join(missing)} missing in {bindir}: run make)\n")
        return
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run([BENCH, "agent", os.path.join(out, "agent.json"), str(SECONDS)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.stderr.write(run.stderr)
            sys.exit(f"bench: attestd-bench agent failed (exit {run.returncode})")
        mine = json.load(open(os.path.join(out, "agent.json")))

    def window(w):
        return f"{w['window_ms']} ms" + (" (default)" if w["default"] else "")

    def row(label, r, extra=""):
        calls = f"{r['maa_requests']}/{r['maa_emu_attest_requests']}"
        line = (f"{label:16}{r['clients']:>8}{r['per_s']:>14.0f}/s{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}"
                f"{r['attestations']:>14}{calls:>16}{r['batches']:>10}{extra}")
        if r["errors"]:
            line += f"   {r['errors']} errors, first: {r.get('first_error', '')[:120]}"
        print(line)

    print(f"attestd agent: fresh attestations, POST /attestation with a new nonce ({mine['cores']} cores shared by"
          f" the clients, attestd and maa-emu)")
    header = (f"{'batch window':16}{'clients':>8}{'attestations/s':>16}{'p50 ms':>10}{'p99 ms':>10}"
              f"{'attestations':>14}{'MAA calls*':>16}{'batches':>10}")
    print("on a connection each client opened beforehand")
    print(header)
    for w in mine["windows"]:
        for r in w["runs"]:
            row(window(w), r)
    print("new TCP + TLS connection, then the attestation, then close (1 client)")
    print(header + f"{'handshake p50':>16}")
    for w in mine["windows"]:
        row(window(w), w["connect"], f"{w['connect']['connect_p50_ms']:>13.1f} ms")
    print("* MAA calls: attestd's maa_requests (GET /healthz) / attest requests maa-emu received (GET /stats)")
    print()
    print("attestd resident memory after its runs (/proc/PID/status)")
    for w in mine["windows"]:
        m = w["memory"]
        print(f"  window {window(w):14}  VmRSS {m.get('VmRSS_kib', 0):>7} KiB   VmHWM {m.get('VmHWM_kib', 0):>7} KiB")
    print("CPU over all of a window's runs (warm-ups included), per attestation answered")
    for w in mine["windows"]:
        n = sum(r["attestations"] + r["clients"] for r in w["runs"]) + w["connect"]["attestations"]
        print(f"  window {window(w):14}  attestd {1000 * w['attestd_cpu_s'] / n:>6.2f} ms   maa-emu"
              f" {1000 * w['maa_emu_cpu_s'] / n:>6.2f} ms   ({n} attestations)")
    print("static binaries (make static: fully static, stripped)")
    for name, size in mine["static_bytes"].items():
        shown = f"{size // 1024:>7} KiB" if size is not None else "    not built (make static)"
        print(f"  build/static/{name:10}{shown}")
    print()


if __name__ == "__main__":
    # BENCH_SECTIONS=report,token runs only those sections (default: all).
    sections = os.environ.get("BENCH_SECTIONS", "report,token,agent").split(",")
    unknown = set(sections) - {"report", "token", "agent"}
    if unknown:
        sys.exit(f"bench: unknown BENCH_SECTIONS {', '.join(sorted(unknown))} (report, token, agent)")
    print(f"{SECONDS:g} s per row, same machine, same run\n")
    for name, run in (("report", report_bench), ("token", token_bench), ("agent", agent_bench)):
        if name in sections:
            run()
