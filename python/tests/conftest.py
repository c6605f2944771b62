"""The world of the Python package's tests, all on loopback: snp-sim keys, maa-emu over
HTTPS, a small application, and attestd processes (sim evidence) in front of it.

The Makefile (`make test-python`) gives the programs, vectors and a scratch folder through
ATTESTD_BIN, ATTESTD_VECTORS and ATTESTD_TMP. Every process started here is stopped by its
PID when its test (or the session) ends.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

BIN = Path(os.environ.get("ATTESTD_BIN", Path(__file__).resolve().parents[2] / "build" / "bin"))
VECTORS = Path(os.environ.get("ATTESTD_VECTORS", Path(__file__).resolve().parents[2] / "tests" / "vectors"))
TMP = Path(os.environ.get("ATTESTD_TMP", "/tmp/attestd-python-tests"))

GOOD = "a" * 96   # the measurement maa-emu vouches for
OTHER = "b" * 96  # one it does not


def wait_for_file(path: Path, seconds: float = 20.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            text = path.read_text()
            if text.endswith("\n"):
                return text
        time.sleep(0.02)
    raise TimeoutError(f"{path} did not appear within {seconds} s")


class Process:
    """A background program whose output goes to a log; stopped by SIGTERM to its PID."""

    def __init__(self, argv: List[str], log: Path) -> None:
        self.log = log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
        return self.proc.returncode


class Application(BaseHTTPRequestHandler):
    """The application behind the agent (it sees only what the agent forwards)."""

    protocol_version = "HTTP/1.1"
    seen: List[str] = []  # "METHOD /path body", every request received
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes, headers: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with Application.lock:
            Application.seen.append(f"{self.command} {self.path} {body.decode('utf-8', 'replace')}")
        path = self.path.split("?")[0]
        if path == "/generate" and self.command == "POST":
            self._answer(200, b"generated for " + body, {"Content-Type": "text/plain; charset=utf-8"})
        elif path == "/echo":
            doc = {"method": self.command, "path": self.path, "body": body.decode("utf-8", "replace"),
                   "headers": {k.lower(): v for k, v in self.headers.items()}}
            self._answer(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})
        elif path == "/cookie":
            self._answer(200, b"set", {"Set-Cookie": "session-id=s3cr3t; Path=/"})
        elif path == "/gzip":
            self._answer(200, gzip.compress(b"squeezed " * 100),
                         {"Content-Encoding": "gzip", "Content-Type": "text/plain"})
        elif path == "/latin1":
            self.send_response(200)
            self.send_header("X-Name", "caf\u00e9")  # http.server writes it as Latin-1
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            time.sleep(1.5)
            self._answer(200, b"late")
        elif path == "/teapot":
            self._answer(418, b"short and stout", {"Content-Type": "text/plain"})
        else:
            self._answer(404, b"no such page", {"Content-Type": "text/plain"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


@dataclass
class World:
    dir: Path
    keys: Path
    ca: Path
    maa: str
    admin: str
    app_port: int
    agents: List["Agent"] = field(default_factory=list)

    def fault(self, spec: Optional[dict]) -> None:
        """Sets (a dict) or clears (None) maa-emu's faults through its admin endpoint."""
        import urllib.request

        if spec is None:
            req = urllib.request.Request(self.admin + "/faults", method="DELETE")
        else:
            req = urllib.request.Request(self.admin + "/faults", data=json.dumps(spec).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200


class Agent:
    """One attestd process with sim evidence, in front of the world's application."""

    def __init__(self, world: World, name: str, *extra: str, measurement: str = GOOD, port: int = 0) -> None:
        self.world, self.name = world, name
        port_file = world.dir / f"attestd-{name}.port"
        if port_file.exists():
            port_file.unlink()
        argv = [str(BIN / "attestd"), "--listen", f"127.0.0.1:{port}", "--maa-url", world.maa,
                "--maa-ca-file", str(world.ca), "--upstream", f"http://127.0.0.1:{world.app_port}",
                "--port-file", str(port_file), "--evidence", "sim", "--sim-keys", str(world.keys),
                "--sim-measurement", measurement, *extra]
        self.process = Process(argv, world.dir / f"attestd-{name}.log")
        try:
            self.port = int(wait_for_file(port_file).strip())
        except TimeoutError:
            self.process.stop()
            raise RuntimeError(f"attestd did not start: {self.process.log.read_text()}") from None
        self.url = f"https://127.0.0.1:{self.port}"

    def stop(self) -> None:
        assert self.process.stop() == 0, f"attestd exited badly: {self.process.log.read_text()}"


@pytest.fixture(scope="session")
def world() -> Iterator[World]:
    d = TMP / f"world.{os.getpid()}"
    d.mkdir(parents=True, exist_ok=True)
    keys = d / "sim"
    subprocess.run([str(BIN / "snp-sim"), "keygen", "--out", str(keys), "--product", "Milan", "--seed",
                    "python-tests"], check=True, capture_output=True)
    ca = d / "maa-ca.pem"
    ports = d / "maa.ports"
    maa = Process([str(BIN / "maa-emu"), "--listen", "127.0.0.1:0", "--ca-out", str(ca), "--port-file", str(ports),
                   "--admin-listen", "127.0.0.1:0", "--trust-sim-root", str(keys / "ca_bundle.pem"),
                   "--known-measurement", GOOD, "--seed", "python-tests"], d / "maa-emu.log")
    app = ThreadingHTTPServer(("127.0.0.1", 0), Application)
    app.daemon_threads = True
    serving = threading.Thread(target=app.serve_forever, daemon=True)
    serving.start()
    try:
        port, admin_port = wait_for_file(ports).split()
        yield World(dir=d, keys=keys, ca=ca, maa=f"https://localhost:{port}", admin=f"http://127.0.0.1:{admin_port}",
                    app_port=app.server_address[1])
    finally:
        app.shutdown()
        app.server_close()
        maa.stop()


@pytest.fixture
def agents(world: World) -> Iterator:
    """Starts agents for one test: agents("name", *flags, measurement=...); all stopped after it."""
    started: List[Agent] = []

    def start(name: str, *extra: str, measurement: str = GOOD, port: int = 0) -> Agent:
        agent = Agent(world, name, *extra, measurement=measurement, port=port)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        if agent.process.proc.poll() is None:
            agent.stop()


@pytest.fixture
def agent(agents) -> Agent:
    """A well-behaved agent: SEV-SNP, not debuggable, a measurement MAA vouches for."""
    return agents("good")


@pytest.fixture
def client_args(world: World) -> dict:
    """What every connect() in these tests passes: the emulator, pinned, and its CA."""
    return {"maa": world.maa, "ca_file": str(world.ca)}
