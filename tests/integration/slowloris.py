#!/usr/bin/env python3
"""A slowloris wave against attestd, for the load tests (loopback only, bounded).

Opens COUNT attested-TLS connections to 127.0.0.1:PORT from SOURCES loopback addresses
(127.0.6.1 ...), completes each handshake, then sends a request line and trickles header
fields, one every INTERVAL_MS, never ending the header. Stops by itself after LIMIT_S.
Prints one JSON object: for each connection, the seconds from its first byte until the
agent closed it (null: never), and the status line it answered (or "").
Usage: slowloris.py PORT COUNT SOURCES INTERVAL_MS LIMIT_S
"""
import json
import selectors
import socket
import ssl
import sys
import time


def main():
    port, count, sources, interval_ms, limit_s = (int(a) for a in sys.argv[1:6])
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conns = []
    for i in range(count):
        raw = socket.socket()
        raw.bind((f"127.0.6.{1 + i % sources}", 0))
        raw.settimeout(10)
        raw.connect(("127.0.0.1", port))
        s = ctx.wrap_socket(raw, server_hostname="attestd")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: attestd\r\n")
        s.setblocking(False)
        conns.append({"sock": s, "start": time.monotonic(), "cut": None, "answer": b""})
    sel = selectors.DefaultSelector()
    for i, c in enumerate(conns):
        sel.register(c["sock"], selectors.EVENT_READ, i)
    end = time.monotonic() + limit_s
    next_send = time.monotonic() + interval_ms / 1000
    while time.monotonic() < end and any(c["cut"] is None for c in conns):
        for key, _ in sel.select(timeout=max(0.0, next_send - time.monotonic())):
            c = conns[key.data]
            try:
                data = c["sock"].recv(4096)
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except (ssl.SSLError, OSError):
                data = b""
            if data:
                c["answer"] += data
            else:
                c["cut"] = time.monotonic() - c["start"]
                sel.unregister(c["sock"])
        if time.monotonic() >= next_send:
            next_send += interval_ms / 1000
            for c in conns:
                if c["cut"] is None:
                    try:
                        c["sock"].send(b"X-Slow: 1\r\n")
                    except (ssl.SSLWantWriteError, BlockingIOError):
                        pass
                    except (ssl.SSLError, OSError):
                        c["cut"] = time.monotonic() - c["start"]
                        sel.unregister(c["sock"])
    print(json.dumps({"cut_after_s": [c["cut"] for c in conns],
                      "status": [c["answer"].split(b"\r\n", 1)[0].decode("latin-1") for c in conns]}))
    for c in conns:
        c["sock"].close()


if __name__ == "__main__":
    main()
