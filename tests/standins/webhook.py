#!/usr/bin/env python3
"""webhook.py - a webhook receiver for tests: records every POST and checks
its X-Triaged-Signature (HMAC-SHA256 of the body under --secret) before
answering.  The answers come from a script of statuses given on the control
port; when the script is used up, 200.

    webhook.py --port-file F --pidfile P --record R --secret S
    POST http://127.0.0.1:CTL/_script  ["500", "429", "200", ...]
    GET  http://127.0.0.1:CTL/_state   {"received": [{"event":..., "key":..., "signed": true}, ...],
                                        "pings": [path of each GET to the hook port, ...]}

Loopback only; it exits after --lifetime seconds (default 120) whatever
happens, so a test that dies cannot leave it behind.
"""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler

import standin

LOCK = threading.Lock()
STATE = {"received": [], "script": [], "pings": []}


def make_handler(secret, record):
    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, body=b"{}"):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with LOCK:
                STATE["pings"].append(self.path)
            self.answer(200, b"OK")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            sig = self.headers.get("X-Triaged-Signature", "")
            want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(sig, want)
            with LOCK:
                status = int(STATE["script"].pop(0)) if STATE["script"] else 200
                try:
                    j = json.loads(body)
                except ValueError:
                    j = {}
                STATE["received"].append({"event": j.get("event"), "key": j.get("key"),
                                          "signed": signed, "status": status})
                with open(record, "ab") as f:
                    f.write(body + b"\n")
            self.answer(status if signed else 401)

    return Hook


def make_control():
    class Control(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            with LOCK:
                body = json.dumps(STATE).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with LOCK:
                STATE["script"] = [str(s) for s in json.loads(body)]
            self.send_response(204)
            self.end_headers()

    return Control


def main():
    ap = standin.arguments(record=True)
    ap.add_argument("--secret", required=True)
    a = ap.parse_args()
    standin.serve(a, make_handler(a.secret, a.record), make_control())


if __name__ == "__main__":
    main()
