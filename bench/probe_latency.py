#!/usr/bin/env python3
"""probe_latency.py - how long a new syslog line takes to become an incident.

Every INTERVAL seconds one UDP line "probe N" (a fresh key each time) goes
to triaged; then the control socket is asked for incident "probe/N" until
it is there (the read transaction sees only what was committed, so this is
"received -> durable and visible").  Stops when STOP_FILE exists or after
MAX_PROBES; prints one JSON object: probes, found, p50/p99/max in ms.

usage: probe_latency.py UDP_PORT CONTROL_SOCKET STOP_FILE [INTERVAL] [MAX_PROBES]
Loopback only; every wait is bounded (a probe gives up after 5 s).
"""
import json
import os
import socket
import sys
import time

GIVE_UP = 5.0


def ask(path, key):
    """One request per connection, as triagectl does; True when the key exists."""
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(2.0)
    c.connect(path)
    c.sendall(json.dumps({"command": "show", "key": key}).encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = c.recv(65536)
        if not chunk:
            break
        buf += chunk
    c.close()
    return json.loads(buf or b"{}").get("ok", False)


def probe(udp, port, path, n):
    """Latency in ms of probe n, or None when it never showed up."""
    key = "probe/%d" % n
    line = b"<11>Dec  4 09:00:00 h prober: probe %d" % n
    t0 = time.monotonic()
    udp.sendto(line, ("127.0.0.1", port))
    while time.monotonic() - t0 < GIVE_UP:
        if ask(path, key):
            return (time.monotonic() - t0) * 1000.0
        time.sleep(0.0005)
    return None


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p / 100.0))], 2)


def main():
    port, path, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.02
    max_probes = int(sys.argv[5]) if len(sys.argv) > 5 else 100000
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lat, lost, n = [], 0, 0
    while not os.path.exists(stop) and n < max_probes:
        n += 1
        ms = probe(udp, port, path, n)
        if ms is None:
            lost += 1
        else:
            lat.append(ms)
        time.sleep(interval)
    print(json.dumps({"probes": n, "found": len(lat), "missing": lost,
                      "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
                      "max_ms": round(max(lat), 2) if lat else None}))


if __name__ == "__main__":
    main()
