#!/usr/bin/env python3
"""chat.py - a Slack-style incoming webhook for tests: records every POST
body as it came and answers as Slack does: 200 "ok"; 400 "invalid_payload"
when the body is not a JSON object with a text; 404 "no_service" for a
hook given with --gone; other statuses from --answer, once each.

    chat.py --port-file F --pidfile P --record R
            [--answer /hooks/x=500,429,...] [--gone /hooks/y]

Each request is appended to R as a JSON line: {"path", "status",
"content_type", "body"} with body the raw bytes as Latin-1 text, so a test
sees exactly what was sent.  A 429 carries Retry-After: 1.  Loopback only;
it exits after --lifetime seconds (default 120) whatever happens.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler

import standin

LOCK = threading.Lock()


def make_handler(a, answers):
    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def decide(self, raw):
            if self.path in a.gone:
                return 404, b"no_service"
            try:
                j = json.loads(raw.decode("utf-8"))
                ok = isinstance(j, dict) and isinstance(j.get("text"), str)
            except ValueError:
                ok = False
            if not ok:
                return 400, b"invalid_payload"
            with LOCK:
                queue = answers.get(self.path, [])
                status = queue.pop(0) if queue else 200
            return status, b"ok" if status == 200 else b"rate_limited" if status == 429 else b"error"

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = self.decide(raw)
            with LOCK, open(a.record, "a") as f:
                f.write(json.dumps({"path": self.path, "status": status,
                                    "content_type": self.headers.get("Content-Type", ""),
                                    "body": raw.decode("latin-1")}) + "\n")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(answer)

    return Hook


def main():
    ap = standin.arguments(record=True)
    ap.add_argument("--answer", action="append", default=[])
    ap.add_argument("--gone", action="append", default=[])
    a = ap.parse_args()
    standin.serve(a, make_handler(a, standin.scripted(a.answer)))


if __name__ == "__main__":
    main()
