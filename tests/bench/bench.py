#!/usr/bin/python3
"""make bench: attestd's report verification beside OpenSSL (python3-cryptography).

Both verify the same genuine vector the same way in the same run: the ASK by the ARK
and the VCEK by the ASK (RSASSA-PSS SHA-384, salt 48), the report by the VCEK (ECDSA
P-384 over SHA-384 of bytes 0..0x29F, R/S little-endian). "cached" skips the chain.
"""
import json
import os
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

VECTORS = os.environ.get("ATTESTD_VECTORS", "../shared/vectors")
BENCH = sys.argv[1]
VECTOR = "snp/virtee-sev_milan"
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))


def load():
    d = os.path.join(VECTORS, VECTOR)
    report = open(os.path.join(d, "report.bin"), "rb").read()
    vcek = x509.load_der_x509_certificate(open(os.path.join(d, "vcek.der"), "rb").read())
    pem = open(os.path.join(d, "ca_bundle.pem"), "rb").read()
    end = b"-----END CERTIFICATE-----"
    bundle = [x509.load_pem_x509_certificate(block + end) for block in pem.split(end) if b"BEGIN" in block]
    ark = next(c for c in bundle if c.subject == c.issuer)
    ask = next(c for c in bundle if c.subject.rfc4514_string().find("CN=SEV-Milan") >= 0)
    return report, vcek, ask, ark


def verify_pss(issuer, cert):
    issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                               padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
                               hashes.SHA384())


def verify_report(report, vcek):
    r = int.from_bytes(report[0x2A0:0x2A0 + 72], "little")
    s = int.from_bytes(report[0x2E8:0x2E8 + 72], "little")
    vcek.public_key().verify(encode_dss_signature(r, s), report[:0x2A0], ec.ECDSA(hashes.SHA384()))


def per_second(op):
    op()
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(8):
            op()
        n += 8
        elapsed = time.perf_counter() - start
        if elapsed >= SECONDS:
            return n / elapsed


def main():
    report, vcek, ask, ark = load()

    def cold():
        verify_pss(ark, ark)
        verify_pss(ark, ask)
        verify_pss(ask, vcek)
        verify_report(report, vcek)

    def cached():
        verify_report(report, vcek)

    ossl_cold, ossl_cached = per_second(cold), per_second(cached)
    ours = json.loads(subprocess.run([BENCH, VECTOR, str(SECONDS)], check=True, capture_output=True,
                                     text=True).stdout)
    print(f"SEV-SNP report + chain verification ({VECTOR}), {SECONDS:g} s per row, same machine, same run")
    print(f"{'':28}{'attestd (mbedTLS)':>20}{'OpenSSL (python3-cryptography)':>34}{'ratio':>8}")
    for name, a, o in (("cold (chain + report)", ours["attestd_cold_per_s"], ossl_cold),
                       ("verified-chain cache", ours["attestd_cached_per_s"], ossl_cached)):
        print(f"{name:28}{a:>16.0f} /s{o:>30.0f} /s{a / o:>8.2f}")


if __name__ == "__main__":
    main()
