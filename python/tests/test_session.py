"""attestd.connect and Session against real attestd processes and maa-emu on loopback."""

from __future__ import annotations

import concurrent.futures
import json

import pytest
import requests

import attestd
from conftest import GOOD, Application


def test_the_guides_example_runs_over_the_attested_connection(agent, client_args):
    with attestd.connect(agent.url, **client_args) as session:
        res = session.post("/generate", json={"input_text": "def print_hello_world():"})
        assert res.status_code == 200
        assert res.text == 'generated for {"input_text": "def print_hello_world():"}'
        assert res.ok and res.reason == "OK"
        res.raise_for_status()
        claims = session.claims
        assert claims["x-ms-compliance-status"] == "azure-compliant-cvm"
        assert claims["iss"] == client_args["maa"]
        a = session.attestation
        assert a.measurement == GOOD
        assert a.debuggable is False
        assert a.guest["vmpl"] == 0 and a.guest["compliance"] == "azure-compliant-cvm"
        assert 0 <= a.nonce_index < a.batch_size
        assert len(a.nonce) == 64 and len(a.tls_key_sha256) == 64
        assert a.token.count(".") == 2
        assert a.agent == f"127.0.0.1:{agent.port}"
        assert a.vm is None and a.boot is None  # a SevSnpVm token, no vTPM
        assert session.attestations == 1


def test_responses_behave_as_requests_responses(agent, client_args):
    session = attestd.connect(agent.url, **client_args)
    echo = session.get("/echo", params={"q": "a b"}, headers={"X-Trace": "t1"})
    assert echo.headers["content-type"] == "application/json"
    assert echo.headers["Content-Type"] == "application/json"  # case-insensitive, as in requests
    doc = echo.json()
    assert doc["method"] == "GET" and doc["path"] == "/echo?q=a+b"
    assert doc["headers"]["x-trace"] == "t1"
    assert doc["headers"]["user-agent"].startswith("attestd-python/")
    assert isinstance(echo.content, bytes) and echo.content == echo.text.encode()
    assert echo.url == agent.url + "/echo?q=a+b"
    for method in ("put", "patch", "delete"):
        answer = getattr(session, method)("/echo", data=b"payload").json()
        assert answer["method"] == method.upper()
        assert answer["body"] == "payload"
    # Bodies as requests takes them: str, a file, a generator of chunks.
    assert session.post("/echo", data="text").json()["body"] == "text"
    import io

    assert session.post("/echo", data=io.BytesIO(b"from a file")).json()["body"] == "from a file"
    assert session.post("/echo", data=(c for c in [b"gen", "erated"])).json()["body"] == "generated"
    with pytest.raises(attestd.Usage, match="chunks must be bytes or str"):
        session.post("/echo", data=iter([5]))  # bytes(5) would have sent five NUL bytes
    assert session.head("/echo").status_code == 200
    assert session.request("OPTIONS", "/echo").json()["method"] == "OPTIONS"
    # A full URL of the same origin works too.
    assert session.get(agent.url + "/echo").json()["path"] == "/echo"

    missing = session.get("/nowhere")
    assert missing.status_code == 404 and missing.reason == "Not Found"
    with pytest.raises(requests.HTTPError) as e:
        missing.raise_for_status()
    assert "404" in str(e.value)
    assert session.get("/teapot").status_code == 418

    # Cookies the application sets come back, as with requests.
    session.get("/cookie")
    assert session.cookies.get("session-id") == "s3cr3t"
    assert session.get("/echo").json()["headers"]["cookie"] == "session-id=s3cr3t"

    # Field values are octets, read as Latin-1 as requests reads them.
    assert session.get("/latin1").headers["x-name"] == "caf\u00e9"
    # requests' auth handlers resend through the response's connection.
    assert session.get("/echo").connection is not None
    # A compressed body is decoded, as urllib3 would.
    squeezed = session.get("/gzip", headers={"Accept-Encoding": "gzip"})
    assert squeezed.text == "squeezed " * 100
    # Everything went over the one attested connection.
    assert session.attestations == 1
    session.close()


def test_requests_to_another_origin_are_refused_before_anything_is_sent(agent, client_args):
    session = attestd.connect(agent.url, **client_args)
    before = len(Application.seen)
    for url in ("https://example.com/generate", f"http://127.0.0.1:{agent.port}/generate",
                f"https://127.0.0.2:{agent.port}/generate", f"https://127.0.0.1:{agent.port + 1}/x"):
        with pytest.raises(attestd.Usage) as e:
            session.post(url, json={})
        assert "is not on the attested agent" in str(e.value)
        assert e.value.code == 2
    assert len(Application.seen) == before


def test_a_connection_that_breaks_is_attested_again_before_the_next_request(agents, client_args):
    first = agents("restart-a")
    session = attestd.connect(first.url, **client_args)
    assert session.post("/generate", data="one").text == "generated for one"
    key_before = session.attestation.tls_key_sha256
    nonce_before = session.attestation.nonce
    # The agent restarts on the same port: a new process, a new TLS key.
    first.stop()
    second = agents("restart-b", port=first.port)
    assert session.post("/generate", data="two").text == "generated for two"
    assert session.attestations == 2
    assert session.attestation.tls_key_sha256 != key_before
    assert session.attestation.nonce != nonce_before
    second.stop()
    # Now the agent that answers is debuggable: the re-attestation refuses it, and the
    # request never reaches the application.
    agents("restart-debug", "--sim-policy", "0xB0000", port=first.port)
    Application.seen.clear()
    with pytest.raises(attestd.DebugMode):
        session.post("/generate", data="three")
    assert not any("three" in line for line in Application.seen)
    # Nothing is attested now: the claims of the earlier, good attestation are gone.
    with pytest.raises(attestd.Usage, match="not attested"):
        session.claims
    with pytest.raises(attestd.DebugMode):  # and it stays refused
        session.get("/echo")


def test_a_connection_closed_while_idle_is_attested_again(agents, client_args):
    agent = agents("idle", "--idle-timeout-ms", "300")
    session = attestd.connect(agent.url, **client_args)
    assert session.get("/echo").status_code == 200
    import time

    time.sleep(1.0)  # the agent closes the idle connection
    assert session.get("/echo").status_code == 200
    assert session.attestations == 2


def test_one_session_is_safe_from_several_threads(agent, client_args):
    session = attestd.connect(agent.url, **client_args)

    def call(i: int) -> str:
        return session.post("/generate", data=f"thread {i}").text

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(call, range(40)))
    assert answers == [f"generated for thread {i}" for i in range(40)]
    assert session.attestations == 1


def test_a_closed_session_refuses_requests(agent, client_args):
    session = attestd.connect(agent.url, **client_args)
    session.close()
    with pytest.raises(attestd.Usage, match="closed"):
        session.get("/echo")


def test_policy_is_a_dict_or_a_file(agent, client_args, tmp_path):
    policy = {"measurements": [GOOD], "vmpls": [0]}
    assert attestd.connect(agent.url, policy=policy, **client_args).attestation.measurement == GOOD
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    assert attestd.connect(agent.url, policy=str(path), **client_args).attestation.measurement == GOOD
    assert attestd.connect(agent.url, policy=path, **client_args).attestation.measurement == GOOD
    with pytest.raises(attestd.MalformedPolicy) as e:
        attestd.connect(agent.url, policy={"measurments": [GOOD]}, **client_args)
    assert "measurments" in str(e.value)
    with pytest.raises(attestd.FileError):
        attestd.connect(agent.url, policy=str(tmp_path / "missing.json"), **client_args)


def test_keys_may_be_given_as_a_jwks(agent, world, client_args):
    jwks = requests.get(world.maa + "/certs", verify=str(world.ca), timeout=10).json()
    session = attestd.connect(agent.url, maa=world.maa, jwks=jwks)
    assert session.post("/generate", data="x").text == "generated for x"
    # The keys are pinned, but so is the issuer: the same keys for another URL are refused.
    with pytest.raises(attestd.UntrustedIssuer) as e:
        attestd.connect(agent.url, maa="https://attest.example", jwks=jwks)
    assert e.value.code == 56


def test_a_timeout_is_a_requests_timeout_and_the_next_request_gets_its_own_answer(agent, client_args):
    session = attestd.connect(agent.url, **client_args)
    with pytest.raises(attestd.NetworkTimeout) as e:
        session.get("/slow", timeout=0.3)
    assert isinstance(e.value, requests.Timeout) and isinstance(e.value, attestd.NetworkError)
    assert e.value.code == 61 and e.value.name == "NetworkError"
    # The late answer to /slow is never taken for the next request's: a new connection.
    assert session.post("/generate", data="next").text == "generated for next"
    assert session.attestations == 2


def test_a_forked_child_attests_on_its_own_connection_with_fresh_randomness(agent, client_args):
    import os

    session = attestd.connect(agent.url, **client_args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own attestation, its own nonce; the parent's connection untouched
        try:
            answer = session.post("/generate", data="child").text
            line = f"{answer}|{session.attestations}|{session.attestation.nonce}"
        except BaseException as e:  # report anything to the parent
            line = f"error {type(e).__name__}: {e}"
        os.write(write_end, line.encode())
        os._exit(0)
    os.close(write_end)
    child = b""
    while chunk := os.read(read_end, 4096):
        child += chunk
    os.waitpid(pid, 0)
    answer, attestations, child_nonce = child.decode().split("|")
    assert answer == "generated for child" and attestations == "2"
    # The parent's connection still works, and its next attestation's nonce is not the child's.
    assert session.post("/generate", data="parent").text == "generated for parent"
    assert session.attestations == 1
    assert session.attest().nonce != child_nonce


def test_threads_attesting_while_others_send_never_send_unattested(agent, client_args):
    session = attestd.connect(agent.url, **client_args)

    def send(i: int) -> str:
        if i % 5 == 0:
            session.attest()
            return "attested"
        return session.post("/generate", data=f"t{i}").text

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(30)))
    assert answers == ["attested" if i % 5 == 0 else f"generated for t{i}" for i in range(30)]
    assert session.attestations == 7
