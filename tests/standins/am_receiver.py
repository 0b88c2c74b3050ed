#!/usr/bin/env python3
"""am_receiver.py - the webhook receiver an Alertmanager under test notifies:
records every notification it POSTs (Alertmanager's webhook JSON) and
answers 200.

    am_receiver.py --port-file F --pidfile P
    GET http://127.0.0.1:PORT/_state  {"notifications": [{"status": "firing",
        "groupKey": ..., "alerts": [{"status":..., "labels": {...}}, ...]}, ...]}

Loopback only; it exits after --lifetime seconds (default 120) whatever
happens, so a test that dies cannot leave it behind.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
NOTIFICATIONS = []


class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(n))
        body["received_at"] = time.time()
        with LOCK:
            NOTIFICATIONS.append(body)
        self.answer(b"{}")

    def do_GET(self):
        with LOCK:
            self.answer(json.dumps({"notifications": NOTIFICATIONS}).encode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    with open(a.pidfile, "w") as f:
        f.write("%d\n" % os.getpid())
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(a.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
