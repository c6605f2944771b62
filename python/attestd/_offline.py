"""Offline checks: an MAA token, or an SEV-SNP report with its certificates."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _native
from ._errors import Usage
from ._options import Jwks, PolicyArg, When, epoch, keys_for, policy_for, text

__all__ = ["verify_token", "verify_report"]

#: Bytes, or the path of a file holding them.
Evidence = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]

def _item(item: Evidence, what: str) -> Tuple[bool, bytes, str]:
    """(is a path, the bytes, the path or a description): the library reads paths itself,
    with the CLI's bounds and messages."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        return False, bytes(item), what
    if isinstance(item, (str, os.PathLike)):
        return True, b"", text(item, what)
    raise Usage(f"{what} must be bytes or a file path, not {type(item).__name__}")


def verify_token(token: Union[str, bytes], *, maa: str, policy: PolicyArg = None, jwks: Jwks = None,
                 ca_file: Optional[str] = None, nonce: Optional[str] = None, runtime_data: Any = None,
                 at: When = None, allow_plain_http_maa: bool = False) -> Dict[str, Any]:
    """Verifies an MAA token as ``attest verify-token`` does; returns its claims.

    The token must be an RS256 JWS signed by a key of the pinned instance ``maa`` (its
    keys fetched from ``maa``/certs, or given as ``jwks``), issued by it, within its
    lifetime at ``at`` (default now); then its SEV-SNP claims, and an Azure guest token's
    VM claims, must satisfy ``policy``. ``nonce`` must equal the token's "nonce" claim and
    ``runtime_data`` (a dict, or JSON text) its x-ms-runtime. Raises the
    :class:`~attestd.AttestationError` subclass of the first check that fails.
    """
    if isinstance(token, bytes):
        token = token.decode("ascii", errors="replace")
    if not isinstance(token, str):
        raise Usage(f"token must be a str, not {type(token).__name__}")
    if nonce is not None:
        nonce = text(nonce, "nonce")
    token = token.strip()
    if runtime_data is not None and not isinstance(runtime_data, str):
        runtime_data = json.dumps(runtime_data)
    keys = keys_for(maa, jwks=jwks, ca_file=ca_file, allow_plain_http_maa=allow_plain_http_maa)
    claims = _native.verify_token(token, keys, policy_for(policy), nonce=nonce, runtime_data=runtime_data,
                                  at=epoch(at))
    return json.loads(claims)


def verify_report(report: Evidence, certs: Union[Evidence, Sequence[Evidence]], *, policy: PolicyArg = None,
                  at: When = None, trust_sim_root: Union[None, str, "os.PathLike[str]", Sequence[Any]] = None
                  ) -> Dict[str, Any]:
    """Verifies an SEV-SNP report as ``attest verify-report`` does; returns what it holds.

    ``report`` is an SNP report or an Azure HCL report (whose runtime claims REPORT_DATA
    must bind), as bytes or a file. ``certs`` is the VCEK or VLEK, optionally with
    ASK/ASVK/ARK: PEM, DER or an extended report's certificate table, as bytes or a file,
    or a list of them. The chain must end at AMD's pinned root for the product (or at a
    ``trust_sim_root`` bundle, for snp-sim's test roots); the signature, REPORTED_TCB and
    CHIP_ID must match the certificate, at ``at`` (default now); then ``policy``.
    Returns ``{"product", "signing_key", "root", "root_origin", "verified_at", "hcl",
    "report": every field}``; raises the :class:`~attestd.AttestationError` subclass of the
    first check that fails.
    """
    report_item = _item(report, "the report")
    if isinstance(certs, (bytes, bytearray, memoryview, str, os.PathLike)):
        certs = [certs]
    cert_items: List[Tuple[bool, bytes, str]] = [_item(c, f"certificate {i + 1}") for i, c in enumerate(certs)]
    if not cert_items:
        raise Usage("certs is required (the VCEK or VLEK, and optionally ASK/ARK)")
    if trust_sim_root is None:
        roots: List[str] = []
    elif isinstance(trust_sim_root, (str, os.PathLike)):
        roots = [text(trust_sim_root, "trust_sim_root")]
    else:
        roots = [text(r, "trust_sim_root") for r in trust_sim_root]
    result = _native.verify_report(report_item, cert_items, policy_for(policy), at=epoch(at), trusted_roots=roots)
    return json.loads(result)
