"""attestd.Session: a requests.Session whose every request goes over one attested TLS
connection to an attestd agent, attested again whenever that connection ends."""

from __future__ import annotations

import email.message
import io
import os
import threading
import time
import types
import urllib.parse
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from typing import Any, Dict, List, Optional, Tuple, Union

import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from . import _native
from ._errors import Usage
from ._options import Jwks, PolicyArg, keys_for, policy_for, seconds, text

__all__ = ["Attestation", "Session", "connect"]

__version__ = "0.1.0"

# A body the application sent compressed is decoded up to this size.
_MAX_DECODED_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Attestation:
    """What one attestation of the agent proved (every field was verified).

    ``claims`` are the MAA token's claims; ``guest`` the SEV-SNP facts read from them
    (``compliance``, ``debuggable``, ``vmpl``, ``measurement``, ``host_data``,
    ``report_data``, ``reported_tcb``, ...); ``vm`` the VM layer of an Azure guest
    (azurevm) token and ``boot`` the measured boot on the vTPM path, or None.
    ``nonce`` is the fresh nonce this client sent, found as leaf ``nonce_index`` of
    ``batch_size`` in the agent's Merkle tree; ``tls_key_sha256`` is the SHA-256 of the
    attested TLS key, the key of this very connection.
    """

    agent: str
    token: str
    claims: Dict[str, Any]
    nonce: str
    nonce_index: int
    batch_size: int
    tls_key_sha256: str
    guest: Dict[str, Any]
    vm: Optional[Dict[str, Any]] = None
    boot: Optional[Dict[str, Any]] = None
    attested_at: float = field(default_factory=time.time)

    @property
    def measurement(self) -> str:
        """The guest's launch measurement (hex)."""
        return self.guest["measurement"]

    @property
    def debuggable(self) -> bool:
        return bool(self.guest["debuggable"])

    @classmethod
    def _from_summary(cls, text: str) -> "Attestation":
        import json

        s = json.loads(text)
        return cls(agent=s["agent"], token=s["token"], claims=s["claims"], nonce=s["nonce"],
                   nonce_index=s["nonce_index"], batch_size=s["batch_size"], tls_key_sha256=s["tls_key_sha256"],
                   guest=s["guest"], vm=s.get("vm"), boot=s.get("boot"))


def _origin(url: str) -> Tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise Usage(f"agent URL {url!r}: expected https://host[:port][/path]")
    try:
        port = parts.port or 443
    except ValueError:
        raise Usage(f"agent URL {url!r}: bad port") from None
    return parts.hostname.lower(), port


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    # A generator or other iterable (requests would send it chunked): sent whole.
    chunks = []
    for chunk in body:
        if isinstance(chunk, str):
            chunks.append(chunk.encode("utf-8"))
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            chunks.append(bytes(chunk))
        else:
            raise Usage(f"a request body's chunks must be bytes or str, not {type(chunk).__name__}")
    return b"".join(chunks)


def _decoded(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise requests.exceptions.ContentDecodingError(f"the application's Content-Encoding {encoding!r} is not supported")
    wbits = 16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS
    try:
        d = zlib.decompressobj(wbits)
        out = d.decompress(body, _MAX_DECODED_BODY)
        if d.unconsumed_tail:
            raise requests.exceptions.ContentDecodingError(
                f"the application's {encoding} body decodes to more than {_MAX_DECODED_BODY} bytes")
        return out + d.flush()
    except zlib.error as e:
        raise requests.exceptions.ContentDecodingError(f"the application's {encoding} body does not decode: {e}") from None


class _Raw(io.BytesIO):
    """Response.raw: the body, and the header block requests reads cookies from."""

    def __init__(self, body: bytes, headers: List[Tuple[str, str]]) -> None:
        super().__init__(body)
        msg = email.message.Message()
        for name, value in headers:
            msg[name] = value
        self._original_response = types.SimpleNamespace(msg=msg)


class _AttestedAdapter(requests.adapters.BaseAdapter):
    """Sends a prepared request over the session's attested connection."""

    def __init__(self, session: "Session") -> None:
        super().__init__()
        self._session = session

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Union[None, float, Tuple[Optional[float], Optional[float]]] = None, verify: Any = True,
             cert: Any = None, proxies: Any = None) -> requests.Response:
        # verify, cert and proxies do not apply: the server is trusted by attestation, not
        # by a CA, and the connection is direct (a proxy would be the relay clients refuse).
        url = request.url or ""
        self._session._check_origin(url)
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(k, v) for k, v in request.headers.items()
                   if k.lower() not in ("content-length", "transfer-encoding")]
        if isinstance(timeout, tuple):
            timeout = max((t for t in timeout if t is not None), default=None)
        started = time.monotonic()
        status, raw_headers, body = self._session._exchange(
            request.method or "GET", target, headers, _body_bytes(request.body),
            None if timeout is None else seconds(timeout, "timeout"))
        # Field values are octets (RFC 9110 5.5); read as Latin-1, as http.client does.
        answer_headers = [(name, value.decode("latin-1")) for name, value in raw_headers]
        response = self._response(request, status, answer_headers, body, time.monotonic() - started)
        response.connection = self  # as requests' HTTPAdapter sets it (auth handlers resend through it)
        return response

    @staticmethod
    def _response(request: requests.PreparedRequest, status: int, headers: List[Tuple[str, str]], body: bytes,
                  elapsed: float) -> requests.Response:
        r = requests.Response()
        r.status_code = status
        try:
            r.reason = HTTPStatus(status).phrase
        except ValueError:
            r.reason = ""
        joined: CaseInsensitiveDict = CaseInsensitiveDict()
        for name, value in headers:
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        r.headers = joined
        if request.method != "HEAD":
            body = _decoded(body, joined.get("content-encoding", ""))
        r._content = body
        r._content_consumed = True
        r.raw = _Raw(body, headers)
        r.encoding = get_encoding_from_headers(joined)
        r.url = request.url or ""
        r.request = request
        r.elapsed = timedelta(seconds=elapsed)
        requests.cookies.extract_cookies_to_jar(r.cookies, request, r.raw)
        return r

    def close(self) -> None:
        pass


class Session(requests.Session):
    """A requests.Session for one attestd agent, over one attested TLS connection.

    Creating it attests the agent (see :func:`connect`) and raises the
    :class:`~attestd.AttestationError` subclass of the first check that fails. Requests
    (``get``, ``post``, ``put``, ``delete``, ``request``, ...) take a path such as
    ``"/generate"`` or a URL of the same origin, and go over that same attested connection;
    a URL of any other origin is refused (``Usage``). When the connection has ended (the
    agent closed it, restarted, or a request failed), the next request attests the agent
    again, on a new connection, before anything is sent. The session may be shared by
    threads: requests take turns on the one connection.
    """

    def __init__(self, url: str, *, maa: str, policy: PolicyArg = None, jwks: Jwks = None,
                 ca_file: Optional[str] = None, timeout: float = 30.0, allow_plain_http_maa: bool = False) -> None:
        super().__init__()
        self.url = url = text(url, "url")
        self._origin = _origin(url)
        self._base = url if url.endswith("/") else url + "/"
        self._timeout = seconds(timeout, "timeout")
        self._keys = keys_for(maa, jwks=jwks, ca_file=ca_file, allow_plain_http_maa=allow_plain_http_maa)
        self._policy = policy_for(policy)
        self._lock = threading.RLock()
        self._native: Optional[_native.Session] = None
        self._pid = os.getpid()  # the process whose connection _native is
        self._attestation: Optional[Attestation] = None
        self._attestations = 0
        self._closed = False
        # No proxy, netrc or CA bundle from the environment: trust comes from attestation.
        self.trust_env = False
        self.headers["User-Agent"] = f"attestd-python/{__version__}"
        self.headers["Accept-Encoding"] = "identity"
        self.adapters.clear()
        self._adapter = _AttestedAdapter(self)
        self.attest()

    # -- attestation ---------------------------------------------------------------------

    def attest(self) -> Attestation:
        """Attests the agent now, on a new connection, and returns what was proved."""
        with self._lock:
            if self._closed:
                raise Usage("the session is closed")
            self._drop_connection()
            native = _native.Session.attest(self.url, self._keys, self._policy, self._timeout)
            self._attestation = Attestation._from_summary(native.summary())
            self._native, self._pid = native, os.getpid()
            self._attestations += 1
            return self._attestation

    def _drop_connection(self) -> None:
        """Forgets the connection and what proved it (nothing is attested until attest())."""
        if self._native is not None and self._pid != os.getpid():
            # A forked child's copy of its parent's TLS connection: the parent still uses
            # it, so the child closes only its own descriptor, without a TLS close.
            self._native.abandon()
        self._native = None
        self._attestation = None

    @property
    def attestation(self) -> Attestation:
        """The latest attestation (the one the current connection was proved by)."""
        with self._lock:
            if self._attestation is None:
                raise Usage("the session is not attested: its last attestation failed (the next request "
                            "attests the agent again)")
            return self._attestation

    @property
    def claims(self) -> Dict[str, Any]:
        """The verified claims of the latest attestation's MAA token."""
        return self.attestation.claims

    @property
    def attestations(self) -> int:
        """How many times this session attested the agent (1, plus one per reconnection)."""
        return self._attestations

    # -- requests ------------------------------------------------------------------------

    def request(self, method: Union[str, bytes], url: Union[str, bytes], *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """As requests.Session.request; ``url`` may be a path of the agent (``"/generate"``)."""
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        if not urllib.parse.urlsplit(url).scheme:
            url = urllib.parse.urljoin(self._base, url)
        return super().request(method, url, *args, **kwargs)

    def get_adapter(self, url: str) -> requests.adapters.BaseAdapter:
        self._check_origin(url)
        return self._adapter

    def _check_origin(self, url: str) -> None:
        try:
            origin = _origin(url)
        except Usage:
            origin = None
        if origin != self._origin:
            raise Usage(f"{url!r} is not on the attested agent {self.url!r}: this session sends requests "
                        f"only to the agent it attested")

    def _exchange(self, method: str, target: str, headers: List[Tuple[str, str]], body: bytes,
                  timeout: Optional[float]) -> Tuple[int, List[Tuple[str, str]], bytes]:
        with self._lock:
            if self._closed:
                raise Usage("the session is closed")
            # A new connection, attested, when this one ended or belongs to the parent of a
            # forked process (whose TLS state cannot be shared).
            if self._native is None or self._pid != os.getpid() or not self._native.usable():
                self.attest()
            assert self._native is not None
            return self._native.request(method, target, headers, body, timeout)

    def close(self) -> None:
        """Closes the attested connection; the session cannot be used afterwards."""
        with self._lock:
            self._closed = True
            self._drop_connection()
        super().close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"attested {self._attestations}x"
        return f"<attestd.Session {self.url} ({state})>"


def connect(url: str, *, maa: str, policy: PolicyArg = None, jwks: Jwks = None, ca_file: Optional[str] = None,
            timeout: float = 30.0, allow_plain_http_maa: bool = False) -> Session:
    """Attests the attestd agent at ``url`` and returns a session on the attested connection.

    One TLS connection is opened and, before anything else is sent on it, checked
    completely: a fresh 32-byte nonce goes to the agent; the MAA token it answers with must
    be signed by the pinned instance ``maa`` (RS256, issuer, lifetime) and satisfy
    ``policy`` (SEV-SNP, not debuggable, compliant, measurements, TCB, ...); the runtime
    data must be the token's; our nonce must be in its Merkle tree (``NonceMismatch``); the
    attested TLS key must be this connection's (``ChannelBindingMismatch``); and on an Azure
    vTPM the quote, event log and PCRs must hold (``QuoteInvalid``, ``EventLogMismatch``,
    ``PcrMismatch``, ...). Any failure raises its :class:`~attestd.AttestationError`.

    ``policy`` is a dict, or the path of a JSON policy file (docs/policy.md); None is the
    default (not debuggable, no migration agent, ``azure-compliant-cvm``). ``jwks`` gives
    the instance's keys (a dict or a file) instead of fetching ``maa``/certs over HTTPS
    (``ca_file``: the CA bundle for that). ``timeout`` bounds each network step, in seconds.
    ``allow_plain_http_maa`` accepts ``http://127.0.0.1:PORT`` for a local emulator.
    """
    return Session(url, maa=maa, policy=policy, jwks=jwks, ca_file=ca_file, timeout=timeout,
                   allow_plain_http_maa=allow_plain_http_maa)
