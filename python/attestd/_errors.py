"""attestd's exceptions: one class per error name of docs/errors.md.

Every failure of the C++ library arrives as the class of its name, with the message the
``attest`` CLI prints and ``.code`` equal to the CLI's exit code::

    try:
        session = attestd.connect(url, maa=maa)
    except attestd.DebugMode as e:          # e.code == 30
        print(e)   # Attestation validation failed (enclave is in debug mode): ...
    except attestd.AttestationError as e:   # any other refusal
        print(e.name, e.code, e)

``NetworkError`` is also a ``requests.ConnectionError`` (and, for a timeout, raised as
``NetworkTimeout``, also a ``requests.ReadTimeout``), and ``Usage`` a ``ValueError``, so code
written for requests catches them as before.
"""

from __future__ import annotations

from typing import Dict, Type

import requests

__all__ = ["AttestationError", "error_for", "ERRORS"]


class AttestationError(Exception):
    """An attestation, verification or transport step failed; no data was trusted.

    ``name`` is the error's name (the class name, as in docs/errors.md), ``code`` the exit
    code ``attest`` would return, and ``str(e)`` the message it would print.
    """

    code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def name(self) -> str:
        """The error's name in docs/errors.md."""
        return getattr(type(self), "_error_name", type(self).__name__)

    def __str__(self) -> str:
        return self.message


class Internal(AttestationError):
    """An unexpected internal failure."""

    code = 1


class Usage(AttestationError, ValueError):
    """The call is wrong: an argument the API cannot use (the CLI's usage error)."""

    code = 2


class FileError(AttestationError):
    """A file could not be read or written."""

    code = 3


class MalformedInput(AttestationError):
    """Input is not in the expected encoding (hex, base64, JSON, PEM)."""

    code = 4


class MalformedReport(AttestationError):
    """An attestation report is truncated, oversized or inconsistent."""

    code = 5


class UnsupportedReportVersion(AttestationError):
    """The report's VERSION is not 2, 3, 4 or 5."""

    code = 6


class ReservedFieldSet(AttestationError):
    """A reserved report field or bit is not zero (or a must-be-one bit is 0)."""

    code = 7


class MalformedCertificate(AttestationError):
    """A certificate cannot be parsed."""

    code = 8


class MalformedCertTable(AttestationError):
    """An SNP certificate table is malformed."""

    code = 9


class MalformedHclReport(AttestationError):
    """An Azure HCL report is malformed."""

    code = 10


class RuntimeDataMismatch(AttestationError):
    """REPORT_DATA does not bind the runtime data (SHA-256 differs)."""

    code = 11


class MalformedPolicy(AttestationError):
    """A policy file is invalid."""

    code = 12


class CryptoError(AttestationError):
    """A cryptographic operation failed."""

    code = 13


class MalformedConfig(AttestationError):
    """The agent's configuration is invalid."""

    code = 14


class BadSignature(AttestationError):
    """The report (or token) signature does not verify."""

    code = 20


class UntrustedChain(AttestationError):
    """The certificate chain does not end at a trusted AMD root."""

    code = 21


class CertificateExpired(AttestationError):
    """A certificate is expired or not yet valid at the verification time."""

    code = 22


class MissingCertificate(AttestationError):
    """The certificate needed to verify is missing."""

    code = 23


class SigningKeyMismatch(AttestationError):
    """The report names another signing key (VCEK/VLEK) than the one given."""

    code = 24


class TcbMismatch(AttestationError):
    """REPORTED_TCB differs from the certificate's TCB (SPL) extensions."""

    code = 25


class ChipIdMismatch(AttestationError):
    """CHIP_ID differs from the VCEK's hwID."""

    code = 26


class ProductMismatch(AttestationError):
    """The report, certificate and root disagree on the product."""

    code = 27


class UnknownProduct(AttestationError):
    """The product (Milan, Genoa, Turin) cannot be determined."""

    code = 28


class QuoteInvalid(AttestationError):
    """The TPM quote is not signed by the attested vTPM key, or not over the PCR values."""

    code = 29


class DebugMode(AttestationError):
    """The guest policy allows debugging."""

    code = 30


class MigrationAgentAllowed(AttestationError):
    """The guest policy allows a migration agent."""

    code = 31


class SmtNotAllowed(AttestationError):
    """SMT is allowed or enabled but the policy forbids it."""

    code = 32


class VmplMismatch(AttestationError):
    """The report's VMPL is not allowed."""

    code = 33


class TcbTooLow(AttestationError):
    """A TCB component SVN is below the policy minimum."""

    code = 34


class GuestSvnTooLow(AttestationError):
    """GUEST_SVN is below the policy minimum."""

    code = 35


class MeasurementMismatch(AttestationError):
    """The launch measurement is not in the allow-list."""

    code = 36


class HostDataMismatch(AttestationError):
    """HOST_DATA differs from the policy."""

    code = 37


class ReportDataMismatch(AttestationError):
    """REPORT_DATA differs from the expected value."""

    code = 38


class IdKeyMismatch(AttestationError):
    """The ID key digest is not allowed."""

    code = 39


class AuthorKeyMismatch(AttestationError):
    """The author key digest is not allowed."""

    code = 40


class FirmwareTooOld(AttestationError):
    """The firmware version is below the policy minimum."""

    code = 41


class PolicyViolation(AttestationError):
    """Another guest policy or platform rule is violated."""

    code = 42


class PcrMismatch(AttestationError):
    """A PCR of the booted code is not a value the policy allows."""

    code = 43


class SecureBootDisabled(AttestationError):
    """The guest booted without UEFI Secure Boot."""

    code = 44


class EventLogMismatch(AttestationError):
    """The TCG event log does not replay to the quoted PCR values."""

    code = 45


class TestSigningEnabled(AttestationError):
    """The guest's OS booted with test signing enabled."""

    code = 46


class FlightSigningEnabled(AttestationError):
    """The guest's OS booted with flight signing enabled."""

    code = 47


class OsTypeMismatch(AttestationError):
    """The guest's OS type is not the one the policy requires."""

    code = 48


class MissingClaim(AttestationError):
    """A claim the attestation service always emits is missing or mistyped."""

    code = 49


class NotAnEnclave(AttestationError):
    """The token does not attest an SEV-SNP VM."""

    code = 50


class NonCompliantUvm(AttestationError):
    """The token lacks the required compliance status."""

    code = 51


class NonceMismatch(AttestationError):
    """The freshness proof does not cover our nonce."""

    code = 52


class ChannelBindingMismatch(AttestationError):
    """The TLS peer key is not the attested key."""

    code = 53


class TokenExpired(AttestationError):
    """The token's exp is in the past."""

    code = 54


class TokenNotYetValid(AttestationError):
    """The token's nbf is in the future."""

    code = 55


class UntrustedIssuer(AttestationError):
    """The token's issuer or key source is not the pinned MAA."""

    code = 56


class UnsupportedAlgorithm(AttestationError):
    """The token's algorithm is not RS256."""

    code = 57


class UnknownKey(AttestationError):
    """No trusted key has the token's kid."""

    code = 58


class MalformedToken(AttestationError):
    """The token is not a well-formed JWS."""

    code = 59


class MaaUnavailable(AttestationError):
    """The attestation service cannot be reached or refused."""

    code = 60


class NetworkError(AttestationError, requests.exceptions.ConnectionError):
    """A network request failed (connection, TLS, timeout, HTTP status)."""

    code = 61


class AgentOverloaded(AttestationError):
    """The agent is at a connection limit; retry after the time it gives."""

    code = 62


class DeviceError(AttestationError):
    """The evidence device failed."""

    code = 70


class NoEvidenceSource(AttestationError):
    """No evidence source is present."""

    code = 71


class AbiTooOld(AttestationError):
    """The guest policy's minimum ABI version is below the policy minimum."""

    code = 80


class PlatformMismatch(AttestationError):
    """A PLATFORM_INFO bit is not what the policy requires."""

    code = 81


class GuestPolicyMismatch(AttestationError):
    """A guest POLICY bit is not what the policy requires."""

    code = 82


class ProvisionalFirmware(AttestationError):
    """The firmware is provisional (committed and current differ)."""

    code = 83


class FamilyIdMismatch(AttestationError):
    """FAMILY_ID differs from the policy."""

    code = 84


class ImageIdMismatch(AttestationError):
    """IMAGE_ID differs from the policy."""

    code = 85


class ChipIdNotAllowed(AttestationError):
    """CHIP_ID is not in the policy's allow-list."""

    code = 86


class MitigationTooLow(AttestationError):
    """The launch mitigation vector lacks bits the policy requires."""

    code = 87


class IdBlockMissing(AttestationError):
    """The guest was launched without the ID block the policy requires."""

    code = 88


class CertificateRevoked(AttestationError):
    """A certificate of the chain is on AMD's revocation list."""

    code = 90


class CrlInvalid(AttestationError):
    """The revocation list is not signed by the ARK, or is out of date."""

    code = 91


class CrlUnavailable(AttestationError):
    """The revocation list the policy requires could not be had."""

    code = 92



class NetworkTimeout(NetworkError, requests.exceptions.ReadTimeout):
    """A NetworkError (61) that is a timeout: also a requests.Timeout, as requests raises."""

    _error_name = "NetworkError"


#: Every error class by its name.
ERRORS: Dict[str, Type[AttestationError]] = {
    cls.__name__: cls
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, AttestationError) and cls is not AttestationError
    and "_error_name" not in vars(cls)
}
_BY_CODE: Dict[int, Type[AttestationError]] = {cls.code: cls for cls in ERRORS.values()}

for _cls in ERRORS.values():
    # Tracebacks say attestd.DebugMode, as the guide's __main__.DebugMode.
    _cls.__module__ = "attestd"
    __all__.append(_cls.__name__)
AttestationError.__module__ = "attestd"
NetworkTimeout.__module__ = "attestd"
__all__.append("NetworkTimeout")


def error_for(code: int, name: str, message: str) -> AttestationError:
    """The exception for a library error (called by attestd._native)."""
    # The library words every timeout of the network layer so (net/: "… timed out").
    if name == "NetworkError" and "timed out" in message:
        return NetworkTimeout(message)
    cls = ERRORS.get(name) or _BY_CODE.get(code)
    if cls is None:  # a library newer than this file: still an AttestationError, with its code
        err = AttestationError(f"{name}: {message}")
        err.code = code
        return err
    return cls(message)
