"""Every refusal arrives as the exception of its name, with the CLI's message and code."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Callable

import pytest
import requests

import attestd
from attestd import _native
from conftest import BIN, OTHER, Application


def expect(error: type, code: int, call: Callable[[], object]) -> attestd.AttestationError:
    with pytest.raises(error) as e:
        call()
    assert isinstance(e.value, attestd.AttestationError)
    assert e.value.code == code
    assert e.value.name == error.__name__
    return e.value


def attest_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "attest"), *args], capture_output=True, text=True, timeout=60)


def test_a_debuggable_guest_is_debug_mode_with_the_guides_message(agents, client_args):
    agent = agents("debug", "--sim-policy", "0xB0000")
    e = expect(attestd.DebugMode, 30, lambda: attestd.connect(agent.url, **client_args))
    assert str(e).startswith("Attestation validation failed (enclave is in debug mode)")
    # The same message as the CLI's, after its "attest connect: DebugMode: ".
    cli = attest_cli("connect", agent.url, "--maa", client_args["maa"], "--ca-file", client_args["ca_file"])
    assert cli.returncode == 30
    assert cli.stderr.strip() == f"attest connect: DebugMode: {e}"
    # Tracebacks name it as the guide does (__main__.DebugMode there, attestd.DebugMode here).
    assert f"{type(e).__module__}.{type(e).__name__}" == "attestd.DebugMode"


def test_a_measurement_azure_does_not_know_is_non_compliant_uvm(agents, client_args):
    agent = agents("unknown", measurement=OTHER)
    e = expect(attestd.NonCompliantUvm, 51, lambda: attestd.connect(agent.url, **client_args))
    assert str(e).startswith("Attestation validation failed (non-compliant uvm).")


def test_a_policy_with_other_code_is_a_measurement_mismatch(agent, client_args):
    expect(attestd.MeasurementMismatch, 36,
           lambda: attestd.connect(agent.url, policy={"measurements": [OTHER]}, **client_args))


def test_a_host_data_pin_that_differs_is_host_data_mismatch(agent, client_args):
    expect(attestd.HostDataMismatch, 37,
           lambda: attestd.connect(agent.url, policy={"host_data": "11" * 32}, **client_args))


def _tls_relay(identity_dir: Path, handle: Callable[[bytes], bytes]) -> int:
    """A TLS server with a key of its own (not the agent's) that answers each request with
    handle(request bytes); returns its port. Serves until the test process ends."""
    key, cert = identity_dir / "relay.key", identity_dir / "relay.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=attestd", "-days", "1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            raw, _ = listener.accept()
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    conn.settimeout(10)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), 0)
                    while len(body) < length:
                        body += conn.recv(65536)
                    conn.sendall(handle(head + b"\r\n\r\n" + body))
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def _http_answer(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\nConnection: close\r\n\r\n" + body)


def _agent_answer(agent_port: int, request: bytes) -> bytes:
    """The request forwarded to the genuine agent, over TLS; its answer's body."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", agent_port), timeout=10) as raw:
        with context.wrap_socket(raw) as conn:
            conn.sendall(request.replace(b"\r\n", b"\r\nConnection: close\r\n", 1))
            data = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
    return data.partition(b"\r\n\r\n")[2]


def test_a_replayed_answer_is_a_nonce_mismatch(agent, client_args, tmp_path):
    nonce = "A" * 43  # base64url of 32 bytes
    request = (b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
               str(len(json.dumps({"nonce": nonce}))).encode() + b"\r\n\r\n" + json.dumps({"nonce": nonce}).encode())
    captured = _agent_answer(agent.port, request)
    assert b'"token"' in captured
    port = _tls_relay(tmp_path, lambda _request: _http_answer(captured))
    e = expect(attestd.NonceMismatch, 52, lambda: attestd.connect(f"https://127.0.0.1:{port}", **client_args))
    assert "nonce" in str(e)


def test_a_relay_with_another_tls_key_is_a_channel_binding_mismatch(agent, client_args, tmp_path):
    port = _tls_relay(tmp_path, lambda request: _http_answer(_agent_answer(agent.port, request)))
    before = len(Application.seen)
    expect(attestd.ChannelBindingMismatch, 53, lambda: attestd.connect(f"https://127.0.0.1:{port}", **client_args))
    assert len(Application.seen) == before  # nothing reached the application


def test_a_forged_token_signature_is_bad_signature(world, agent, client_args):
    world.fault({"answer": "forged-signature", "count": -1})
    try:
        expect(attestd.BadSignature, 20, lambda: attestd.connect(agent.url, **client_args))
    finally:
        world.fault(None)
    assert attestd.connect(agent.url, **client_args).attestations == 1  # and it recovers


def test_maa_down_is_maa_unavailable(world, agent, client_args):
    world.fault({"status": 503, "count": -1})
    try:
        e = expect(attestd.MaaUnavailable, 60, lambda: attestd.connect(agent.url, **client_args))
        assert "503" in str(e) or "ServiceUnavailable" in str(e)
    finally:
        world.fault(None)


def test_an_unreachable_agent_is_a_network_error_that_requests_code_also_catches(client_args):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    e = expect(attestd.NetworkError, 61, lambda: attestd.connect(f"https://127.0.0.1:{port}", **client_args))
    assert isinstance(e, requests.ConnectionError)
    assert isinstance(e, requests.RequestException)


def test_plain_http_to_maa_is_refused_unless_asked_for_on_loopback(agent):
    expect(attestd.Usage, 2, lambda: attestd.connect(agent.url, maa="http://attest.example"))
    expect(attestd.Usage, 2, lambda: attestd.connect(agent.url, maa="http://127.0.0.1:1"))
    # Allowed on loopback when asked for: accepted, and then it is the pinned instance, which
    # did not issue this agent's token.
    expect(attestd.UntrustedIssuer, 56,
           lambda: attestd.connect(agent.url, maa="http://127.0.0.1:1", allow_plain_http_maa=True))


def test_bad_arguments_are_usage_errors_that_are_also_value_errors(agent, client_args):
    for bad in ({"timeout": 0}, {"timeout": -1}, {"timeout": float("nan")}, {"timeout": 7200}, {"policy": 42},
                {"jwks": 3}):
        args = dict(client_args)
        args.update(bad)
        e = expect(attestd.Usage, 2, lambda: attestd.connect(agent.url, **args))
        assert isinstance(e, ValueError)
    for url in ("http://127.0.0.1:1", "ftp://x", "https://", "https://host:99999"):
        expect(attestd.Usage, 2, lambda: attestd.connect(url, **client_args))


def test_every_error_name_of_the_library_has_its_class():
    names = {name: code for name, code, _ in _native.error_codes() if name != "Ok"}
    assert names == {name: cls.code for name, cls in attestd.ERRORS.items()}
    for name, code in names.items():
        cls = getattr(attestd, name)
        assert issubclass(cls, attestd.AttestationError)
        assert cls.__doc__
        assert name in attestd.__all__
    # The CLI lists the same table.
    listed = attest_cli("errors").stdout.split("\n")
    assert {line.split()[1]: int(line.split()[0]) for line in listed if line.strip() and line.split()[1] != "Ok"} \
        == names


def test_an_unattested_servers_non_utf8_error_text_is_still_an_attestation_error(client_args, tmp_path):
    body = b'{"error": {"code": "Oops", "message": "caf\xe9 \xff"}}'
    answer = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
              str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    port = _tls_relay(tmp_path, lambda _request: answer)
    with pytest.raises(attestd.AttestationError) as e:
        attestd.connect(f"https://127.0.0.1:{port}", **client_args)
    assert "caf" in str(e.value)


def test_hostile_arguments_are_named_errors(agent, client_args):
    expect(attestd.MalformedPolicy, 12, lambda: attestd.connect(agent.url, policy={"measurements": {1}},
                                                                 **client_args))
    expect(attestd.MalformedPolicy, 12, lambda: attestd.connect(agent.url, policy={"x": float("nan")},
                                                                 **client_args))
    expect(attestd.Usage, 2, lambda: attestd.connect(agent.url, policy="/etc/passwd\0x", **client_args))
    expect(attestd.Usage, 2, lambda: attestd.connect(agent.url + "\0", **client_args))
    expect(attestd.Usage, 2, lambda: attestd.connect(agent.url, maa=client_args["maa"] + "\0",
                                                     ca_file=client_args["ca_file"]))
    expect(attestd.Usage, 2, lambda: attestd.verify_report("/etc/passwd\0", b"x"))
    expect(attestd.Usage, 2, lambda: attestd.verify_token("a.b.c", at=10**30, **client_args))
    expect(attestd.Usage, 2, lambda: attestd.verify_token("a.b.c", at=float("inf"), **client_args))
    expect(attestd.MalformedToken, 59, lambda: attestd.verify_token("\0.\0.\0", **client_args))
