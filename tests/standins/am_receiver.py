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
import json
import threading
import time
from http.server import BaseHTTPRequestHandler

import standin

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
    standin.serve(standin.arguments().parse_args(), Receiver)


if __name__ == "__main__":
    main()
