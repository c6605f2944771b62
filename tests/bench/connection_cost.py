#!/usr/bin/env python3
"""What one kept-alive attested-TLS connection costs attestd in memory (docs/net.md).

Starts attestd (snp-sim evidence; no MAA needed), opens N TLS connections from distinct
loopback addresses (under the per-peer limit), sends one request on each and keeps them
open, and reports attestd's VmRSS growth per connection. The default max_connections is
sized from this number. Usage: connection_cost.py BIN_DIR TMP_DIR [N]
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_connection(ctx, port, source):
    raw = socket.socket()
    raw.bind((source, 0))
    raw.connect(("127.0.0.1", port))
    s = ctx.wrap_socket(raw, server_hostname="attestd")
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: attestd\r\n\r\n")
    s.recv(4096)
    return s


def main():
    bin_dir, tmp = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    os.makedirs(tmp, exist_ok=True)
    subprocess.run([f"{bin_dir}/snp-sim", "keygen", "--out", f"{tmp}/sim", "--product", "Milan", "--seed", "cost"],
                   check=True, capture_output=True)
    port_file = f"{tmp}/port"
    if os.path.exists(port_file):
        os.remove(port_file)
    agent = subprocess.Popen([f"{bin_dir}/attestd", "--listen", "127.0.0.1:0", "--maa-url", "https://127.0.0.1:9",
                              "--evidence", "sim", "--sim-keys", f"{tmp}/sim", "--port-file", port_file],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline:
                raise RuntimeError("attestd did not start")
            time.sleep(0.05)
        port = int(open(port_file).read())
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        warm = [open_connection(ctx, port, "127.0.9.1") for _ in range(20)]
        time.sleep(0.5)
        before = rss_kib(agent.pid)
        held = [open_connection(ctx, port, f"127.0.{10 + i // 50}.{1 + i % 50}") for i in range(n)]
        time.sleep(0.5)
        after = rss_kib(agent.pid)
        print(json.dumps({"connections": n, "attestd_rss_before_kib": before, "attestd_rss_after_kib": after,
                          "kib_per_connection": round((after - before) / n, 1)}))
        for s in warm + held:
            s.close()
    finally:
        agent.terminate()
        agent.wait(timeout=10)


if __name__ == "__main__":
    main()
