#!/usr/bin/env python3
"""twilio.py - a stand-in for Twilio's Messages API, for tests.

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json
    Authorization: Basic base64(AccountSid:AuthToken)
    Content-Type: application/x-www-form-urlencoded    To=...&From=...&Body=...

As Twilio answers: 201 and the Message resource when sent; 400 with Twilio's
error JSON ({"code", "message", "more_info", "status"}) for a bad request
(21211: the To number is not valid, 21602: no Body, 21604: no To, 21603: no
From); 401 (20003) when the basic auth is not the account's; 404 (20404)
for another account's path; 429 (20429) with Retry-After; 500 (20500).

    twilio.py --port-file F --pidfile P --record R --sid AC... --token T
              [--answer +NUMBER=STATUS,STATUS,...]   (each answer once, then 201)
              [--invalid +NUMBER]                    (always 400, code 21211)

Every request is appended to R as a JSON line: {"to", "from", "body",
"auth_ok", "status", "content_type"}.  Loopback only; it exits after
--lifetime seconds (default 120) whatever happens.
"""
import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import standin

LOCK = threading.Lock()


def error(code, message, status):
    return status, {"code": code, "message": message, "status": status,
                    "more_info": "https://www.twilio.com/docs/errors/%d" % code}


def make_handler(a, answers):
    path = "/2010-04-01/Accounts/%s/Messages.json" % a.sid
    auth = "Basic " + base64.b64encode(("%s:%s" % (a.sid, a.token)).encode()).decode()

    class Messages(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send(self, status, obj, retry_after=None):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(body)

        def decide(self, auth_ok, form):
            to, frm, body = (form.get(k, [None])[0] for k in ("To", "From", "Body"))
            if self.path != path:
                return error(20404, "The requested resource %s was not found" % self.path, 404)
            if not auth_ok:
                return error(20003, "Authenticate", 401)
            if to is None:
                return error(21604, "A 'To' phone number is required.", 400)
            if frm is None:
                return error(21603, "A 'From' phone number is required.", 400)
            if not body:
                return error(21602, "Message body is required.", 400)
            with LOCK:
                queue = answers.get(to, [])
                status = queue.pop(0) if queue else 201
            if to in a.invalid or status == 400:
                return error(21211, "The 'To' number %s is not a valid phone number." % to, 400)
            if status == 429:
                return error(20429, "Too Many Requests", 429)
            if status >= 500:
                return error(20500, "Internal Server Error", status)
            return 201, {"sid": "SM%032x" % int(time.time() * 1e6), "status": "queued",
                         "to": to, "from": frm, "body": body, "account_sid": a.sid,
                         "num_segments": str(1 + len(body.encode()) // 161)}

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ctype = self.headers.get("Content-Type", "")
            form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            auth_ok = self.headers.get("Authorization", "") == auth
            status, obj = self.decide(auth_ok, form)
            with LOCK, open(a.record, "a") as f:
                f.write(json.dumps({"to": form.get("To", [None])[0],
                                    "from": form.get("From", [None])[0],
                                    "body": form.get("Body", [None])[0], "auth_ok": auth_ok,
                                    "status": status, "content_type": ctype}) + "\n")
            self.send(status, obj, "1" if status == 429 else None)

    return Messages


def main():
    ap = standin.arguments(record=True)
    ap.add_argument("--sid", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--answer", action="append", default=[])
    ap.add_argument("--invalid", action="append", default=[])
    a = ap.parse_args()
    standin.serve(a, make_handler(a, standin.scripted(a.answer)))


if __name__ == "__main__":
    main()
