"""Turning the API's arguments into the native library's (policies, MAA keys, times)."""

from __future__ import annotations

import functools
import json
import math
import os
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Union

from . import _native
from ._errors import MalformedInput, MalformedPolicy, Usage

#: A policy: a dict (docs/policy.md), the path of a JSON policy file, or None (the default).
PolicyArg = Union[None, Dict[str, Any], str, "os.PathLike[str]"]
#: An MAA instance's keys: a JWK Set as a dict or a file, or None (fetched from MAA/certs).
Jwks = Union[None, Dict[str, Any], str, "os.PathLike[str]"]
#: A verification time: an aware datetime (naive ones are UTC), seconds since the epoch, or None (now).
When = Union[None, datetime, int, float]


# The latest time a verification may be asked for (the library's clock is 64-bit seconds).
_MAX_EPOCH = 2**62


def text(value: Any, what: str) -> str:
    """A string argument that goes to the library whole: no NUL, which C would cut it at."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise Usage(f"{what} must be a string, not {type(value).__name__}")
    if "\0" in value:
        raise Usage(f"{what} {value!r} contains a NUL character")
    return value


def policy_for(policy: PolicyArg) -> _native.Policy:
    if policy is None:
        return _native.Policy()
    if isinstance(policy, dict):
        try:
            document = json.dumps(policy, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise MalformedPolicy(f"policy: not JSON: {e}") from None
        return _native.Policy.from_json(document)
    if isinstance(policy, (str, os.PathLike)):
        return _native.Policy.from_file(text(policy, "policy"))
    raise Usage(f"policy must be a dict, a file path or None, not {type(policy).__name__}")


def keys_for(maa: str, *, jwks: Jwks, ca_file: Optional[str], allow_plain_http_maa: bool) -> _native.MaaKeys:
    if not isinstance(maa, str) or not maa:
        raise Usage("maa must be the URL of the MAA instance you trust, e.g. https://sharedweu.weu.attest.azure.net")
    maa = text(maa, "maa")
    ca = text(ca_file, "ca_file") if ca_file is not None else ""
    if jwks is None:
        return _native.MaaKeys(maa, ca_file=ca, allow_plain_http=bool(allow_plain_http_maa))
    if isinstance(jwks, dict):
        try:
            document = json.dumps(jwks, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise MalformedInput(f"jwks: not JSON: {e}") from None
        return _static_keys(maa, document, bool(allow_plain_http_maa))
    if isinstance(jwks, (str, os.PathLike)):
        return _native.MaaKeys(maa, jwks_path=text(jwks, "jwks"), allow_plain_http=bool(allow_plain_http_maa))
    raise Usage(f"jwks must be a dict, a file path or None, not {type(jwks).__name__}")


@functools.lru_cache(maxsize=16)
def _static_keys(maa: str, document: str, allow_plain_http: bool) -> _native.MaaKeys:
    """The keys of a JWK Set given as a dict, parsed once per exact JSON text (keys with
    certificate chains cost a tenth of a token check to parse). Only the parsing is kept:
    every token is still checked in full against them. Failures are not kept."""
    return _native.MaaKeys(maa, jwks_json=document, allow_plain_http=allow_plain_http)


def seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 < value <= 3600:
        raise Usage(f"{what} must be a number of seconds, more than 0 and at most 3600, not {value!r}")
    return float(value)


def epoch(at: When) -> Optional[int]:
    if at is None:
        return None
    if isinstance(at, datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return int(at.timestamp())
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at) \
            or not -_MAX_EPOCH < at < _MAX_EPOCH:
        raise Usage(f"at must be a datetime or seconds since the epoch, not {at!r}")
    return int(at)
