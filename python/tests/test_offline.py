"""attestd.verify_token and attestd.verify_report: offline checks, on tokens from maa-emu
and on genuine AMD reports (tests/vectors)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

import attestd
import subprocess

from conftest import BIN, GOOD, OTHER, VECTORS

TODAY = datetime(2026, 11, 23, tzinfo=timezone.utc)  # within the vectors' certificates' validity


@pytest.fixture
def token(agent, client_args) -> str:
    """A genuine token from maa-emu, as an attested agent hands it out."""
    return attestd.connect(agent.url, **client_args).attestation.token


def test_a_token_verifies_and_gives_its_claims(token, client_args):
    claims = attestd.verify_token(token, **client_args)
    assert claims["iss"] == client_args["maa"]
    assert claims["x-ms-sevsnpvm-launchmeasurement"] == GOOD
    assert claims["x-ms-compliance-status"] == "azure-compliant-cvm"
    # bytes and surrounding whitespace, as read from a file
    assert attestd.verify_token((token + "\n").encode(), **client_args) == claims


def test_a_token_checked_offline_with_a_jwks(token, world):
    jwks = requests.get(world.maa + "/certs", verify=str(world.ca), timeout=10).json()
    claims = attestd.verify_token(token, maa=world.maa, jwks=jwks)
    assert claims["x-ms-sevsnpvm-launchmeasurement"] == GOOD


def test_a_jwks_given_again_is_parsed_once_and_every_token_still_checked(token, world):
    jwks = requests.get(world.maa + "/certs", verify=str(world.ca), timeout=10).json()
    from attestd import _options
    before = _options._static_keys.cache_info()
    first = attestd.verify_token(token, maa=world.maa, jwks=jwks)
    assert attestd.verify_token(token, maa=world.maa, jwks=jwks) == first
    assert _options._static_keys.cache_info().hits >= before.hits + 1
    header, claims, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(attestd.BadSignature):
        attestd.verify_token(".".join([header, claims, flipped]), maa=world.maa, jwks=jwks)
    # Another JWK Set is other text: its own keys, not the ones kept for the first.
    renamed = {"keys": [dict(k, kid="renamed-" + k["kid"]) for k in jwks["keys"]]}
    with pytest.raises(attestd.UnknownKey):
        attestd.verify_token(token, maa=world.maa, jwks=renamed)
    # Bounded: many sets keep at most 16.
    for i in range(20):
        attestd.verify_token(token, maa=world.maa, jwks=dict(jwks, comment=str(i)))
    assert _options._static_keys.cache_info().currsize <= 16


def test_an_expired_token_is_token_expired(token, client_args):
    claims = attestd.verify_token(token, **client_args)
    after = datetime.fromtimestamp(claims["exp"], timezone.utc) + timedelta(hours=1)
    with pytest.raises(attestd.TokenExpired) as e:
        attestd.verify_token(token, at=after, **client_args)
    assert e.value.code == 54
    with pytest.raises(attestd.TokenExpired):
        attestd.verify_token(token, at=after.timestamp(), **client_args)
    with pytest.raises(attestd.TokenNotYetValid):
        attestd.verify_token(token, at=claims["nbf"] - 3600, **client_args)


def test_a_token_against_a_policy_and_expectations(token, client_args):
    with pytest.raises(attestd.MeasurementMismatch):
        attestd.verify_token(token, policy={"measurements": [OTHER]}, **client_args)
    with pytest.raises(attestd.RuntimeDataMismatch):
        attestd.verify_token(token, runtime_data={"keys": []}, **client_args)
    with pytest.raises(attestd.NonceMismatch):
        attestd.verify_token(token, nonce="not-the-nonce", **client_args)


def test_a_tampered_token_is_refused(token, client_args):
    header, claims, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(attestd.BadSignature):
        attestd.verify_token(".".join([header, claims, flipped]), **client_args)
    with pytest.raises(attestd.MalformedToken):
        attestd.verify_token("not a token", **client_args)


def vector(path: str) -> str:
    return str(VECTORS / "snp" / path)


def test_a_genuine_report_verifies_from_files_or_bytes():
    result = attestd.verify_report(vector("virtee-sev_milan/report.bin"), vector("virtee-sev_milan/vcek.der"), at=TODAY)
    assert result["product"] == "Milan"
    assert result["signing_key"] == "VCEK"
    assert result["hcl"] is False
    assert result["verified_at"] == "2026-11-23T00:00:00Z"
    assert result["report"]["version"] >= 2
    with open(vector("virtee-sev_milan/report.bin"), "rb") as r, open(vector("virtee-sev_milan/vcek.der"), "rb") as c:
        from_bytes = attestd.verify_report(r.read(), [c.read(), vector("virtee-sev_milan/ca_bundle.pem")], at=TODAY)
    assert from_bytes["report"] == result["report"]


def test_the_genuine_debug_report_is_debug_mode_with_the_clis_message():
    with pytest.raises(attestd.DebugMode) as e:
        attestd.verify_report(vector("go-sev-guest_milan/report.bin"), vector("go-sev-guest_milan/vcek.der"),
                              at=TODAY)
    assert str(e.value) == ("Attestation validation failed (enclave is in debug mode): the guest policy allows "
                            "debugging")
    # allowed by a policy that says so
    assert attestd.verify_report(vector("go-sev-guest_milan/report.bin"), vector("go-sev-guest_milan/vcek.der"),
                                 at=TODAY, policy={"allow_debug": True})["product"] == "Milan"


def test_an_hcl_report_verifies_with_its_runtime_claims_bound():
    result = attestd.verify_report(vector("trustee_azure_milan_hcl/hcl-report.bin"),
                                   vector("trustee_azure_milan_hcl/vcek.der"), at=TODAY)
    assert result["hcl"] is True


def test_a_tampered_report_is_a_bad_signature():
    with open(vector("virtee-sev_milan/report.bin"), "rb") as f:
        report = bytearray(f.read())
    report[0x90] ^= 1  # MEASUREMENT
    with pytest.raises(attestd.BadSignature) as e:
        attestd.verify_report(report, vector("virtee-sev_milan/vcek.der"), at=TODAY)
    assert e.value.code == 20


def test_broken_inputs_are_named():
    with pytest.raises(attestd.MalformedReport) as e:
        attestd.verify_report(b"\0" * 100, vector("virtee-sev_milan/vcek.der"), at=TODAY)
    assert "the report" in str(e.value)
    with pytest.raises(attestd.MalformedCertificate) as c:
        attestd.verify_report(vector("virtee-sev_milan/report.bin"), b"not a certificate", at=TODAY)
    assert "certificate 1" in str(c.value)
    # Files are read as the CLI reads them, with its messages.
    with pytest.raises(attestd.FileError) as f:
        attestd.verify_report("/nonexistent/report.bin", vector("virtee-sev_milan/vcek.der"))
    cli = subprocess.run([str(BIN / "attest"), "verify-report", "/nonexistent/report.bin", "--certs",
                          vector("virtee-sev_milan/vcek.der")], capture_output=True, text=True)
    assert cli.returncode == 3 and cli.stderr.strip() == f"attest verify-report: FileError: {f.value}"
    with pytest.raises(attestd.FileError) as big:
        attestd.verify_report("/dev/zero", vector("virtee-sev_milan/vcek.der"))
    assert "limit" in str(big.value)
    with pytest.raises(attestd.SigningKeyMismatch):  # a VLEK for a VCEK-signed report
        attestd.verify_report(vector("virtee-sev_milan/report.bin"), vector("trustee_milan_vlek/vlek.der"), at=TODAY)
    with pytest.raises(attestd.Usage):
        attestd.verify_report(vector("virtee-sev_milan/report.bin"), [], at=TODAY)
    with pytest.raises(attestd.Usage):
        attestd.verify_report(12, vector("virtee-sev_milan/vcek.der"))


def test_an_expired_certificate_is_certificate_expired():
    with pytest.raises(attestd.CertificateExpired):
        attestd.verify_report(vector("virtee-sev_milan/report.bin"), vector("virtee-sev_milan/vcek.der"),
                              at=datetime(2040, 1, 1, tzinfo=timezone.utc))
