#!/usr/bin/env python3
"""pagerduty.py - a PagerDuty Events API v2 stand-in for tests.

Python 3 standard library only.  Serves POST /v2/enqueue on 127.0.0.1 and
answers the way the documented API does; keeps a per-dedup_key alert state
machine; records every API request; injects faults (status codes with
Retry-After, delays, dropped connections, refused connections) on demand.

See README.md next to this file for every knob and for the PagerDuty
documentation each behaviour is taken from.  Short version of the sources:

  [TRIGGER]  "Send an Alert Event", https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
             (PagerDuty/developer-docs docs/events-API-v2/02-Trigger-Events.md)
  [OVERVIEW] "Events API v2 Overview", https://developer.pagerduty.com/docs/events-api-v2/overview/
             (PagerDuty/developer-docs docs/events-API-v2/01-Overview.md)
  [LIMITS]   "Events API Rate Limits"
             (PagerDuty/developer-docs docs/events-API-v2/05-Rate-Limits.md)
  [OPENAPI]  https://raw.githubusercontent.com/PagerDuty/api-schema/main/reference/events-v2/openapiv3.json
  [V2PAGE]   https://v2.developer.pagerduty.com/docs/send-an-event-events-api-v2 (202/400 examples)
  [OBSERVED] bodies PagerDuty really sent, quoted in public issues (README lists them).

Control endpoints (never recorded, never faulted):
  GET  /_state     per-dedup_key state machine
  GET  /_requests  recorded API requests (?since=SEQ to page)
  GET  /_stats     counts by status, by action, by fault
  GET  /_faults    the fault in force
  POST /_faults    set the fault (JSON spec, see README)
  POST /_reset     forget state, records, stats; fault back to normal
"""

import argparse
import collections
import datetime
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

# ---------------------------------------------------------------- constants

HOST = "127.0.0.1"

# [OVERVIEW] "Size Limits: Events API payloads are limited to 512 KB".
PD_MAX_EVENT_BYTES = 512 * 1024
# Bodies above this are not even drained: the connection is closed.
HARD_MAX_BODY = 4 * 1024 * 1024

# [TRIGGER] parameter table.
ROUTING_KEY_LEN = 32
DEDUP_KEY_MAX = 255
SUMMARY_MAX = 1024
ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")

RECORDED_HEADERS = ("host", "user-agent", "content-type", "content-length",
                    "transfer-encoding", "expect", "connection", "accept",
                    "accept-encoding")

# Bounds on fault parameters.
MAX_FOR_SECONDS = 3600.0
MAX_DELAY_SECONDS = 300.0
MAX_RETRY_AFTER = 86400

# --------------------------------------------------------- response bodies

# [V2PAGE]/[OPENAPI] 202 example: {"status":"success","message":"Event processed","dedup_key":...}
def body_success(dedup_key):
    return {"status": "success", "message": "Event processed",
            "dedup_key": dedup_key}


# [V2PAGE] 400 example: {"status":"invalid event","message":"Event object is invalid","errors":[...]}
def body_invalid(errors):
    return {"status": "invalid event", "message": "Event object is invalid",
            "errors": list(errors)}


# [OPENAPI] components.responses.Error example:
#   {"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]}
def body_unrecognized(error):
    return {"status": "Unrecognized object",
            "message": "Event object format is unrecognized",
            "errors": [error]}


# [OBSERVED] PagerDuty/go-pagerduty event_v2_test.go and a Cumulus NetQ log of a
# real 429: {"status":"throttle exceeded","message":"Requests for this service
# are arriving too quickly.  Please retry later."} (two spaces before
# "Please"; go-pagerduty also shows "errors":["Enhance Your Calm."]).
def body_throttle():
    return {"status": "throttle exceeded",
            "message": "Requests for this service are arriving too quickly.  "
                       "Please retry later.",
            "errors": ["Enhance Your Calm."]}


# [OBSERVED] go-pagerduty's 404 fixture: {"status":"Not Found","message":"Not Found","errors":["Not Found"]}.
# Other non-2xx statuses reuse that generic shape ([OPENAPI] Error schema:
# status, message, errors[]); PagerDuty's exact 5xx/401 bodies are not documented.
def body_generic(status, reason):
    return {"status": reason, "message": reason, "errors": [reason]}


REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}

# --------------------------------------------------------------- validation

_ALNUM = re.compile(r"^[A-Za-z0-9]*$")
# ISO 8601 date-time, extended (2015-07-17T08:42:58.315+0000 as in [TRIGGER]
# and [OVERVIEW] PD-CEF "Timestamp (ISO 8601)") or basic format.
_ISO_EXT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?"
    r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$")
_ISO_BASIC = re.compile(
    r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(?:(\d{2})(?:[.,]\d{1,9})?)?"
    r"(?:Z|[+-]\d{2}(?:\d{2})?)?$")


def iso8601_ok(s):
    m = _ISO_EXT.match(s) or _ISO_BASIC.match(s)
    if not m:
        return False
    y, mo, d, h, mi, sec = m.groups()
    try:
        datetime.datetime(int(y), int(mo), int(d), int(h), int(mi),
                          int(sec or 0) if (sec or "0") != "60" else 59)
    except ValueError:
        return False
    return True


def is_blank(v):
    return v is None or (isinstance(v, str) and v.strip() == "")


def validate_event(ev, strict_timestamp=True):
    """Return a list of error strings (empty when the event is valid).

    Messages marked [OBSERVED] are verbatim from real PagerDuty responses;
    the others follow the same pattern (the exact real wording is unknown).
    """
    errs = []
    rk = ev.get("routing_key")
    if not isinstance(rk, str):
        rk = "" if rk is None else None
    if rk is None:
        errs.append("'routing_key' must be a string")
    else:
        if len(rk) != ROUTING_KEY_LEN:
            # [OBSERVED] envato/pagerduty#70, blockpane/tenderduty#10
            errs.append("Length of 'routing_key' is incorrect "
                        "(should be 32 characters)")
        if not _ALNUM.match(rk):
            # [OBSERVED] blockpane/tenderduty#10
            errs.append("'routing_key' cannot contain non-alphanumeric "
                        "characters.")

    action = ev.get("event_action")
    if is_blank(action):
        # [OBSERVED] go-pagerduty event_v2_test.go
        errs.append("'event_action' is missing or blank")
    elif action not in ACTIONS:
        errs.append("'event_action' is invalid (must be one of: trigger, "
                    "acknowledge, resolve)")
        action = None

    dk = ev.get("dedup_key")
    if dk is not None and not isinstance(dk, str):
        errs.append("'dedup_key' must be a string")
    elif isinstance(dk, str):
        if len(dk) > DEDUP_KEY_MAX:
            errs.append("'dedup_key' is too long (maximum is 255 characters)")
    # [OPENAPI] dedup_key "Required unless the event_type is trigger".
    if action in ("acknowledge", "resolve") and is_blank(dk):
        errs.append("'dedup_key' is missing or blank")

    if action == "trigger":
        p = ev.get("payload")
        if p is None:
            errs.append("'payload' is missing or blank")
        elif not isinstance(p, dict):
            errs.append("'payload' must be an object")
        else:
            s = p.get("summary")
            if is_blank(s):
                errs.append("'payload.summary' is missing or blank")
            elif not isinstance(s, str):
                errs.append("'payload.summary' must be a string")
            elif len(s) > SUMMARY_MAX:
                # [OBSERVED] dagster-io/dagster#19567, livepeer/stream-tester#354
                # (the "maiximum" typo is PagerDuty's).
                errs.append("'summary' is too long (maiximum is 1024 "
                            "characters)")
            src = p.get("source")
            if is_blank(src):
                # [OBSERVED] louislam/uptime-kuma#7319, solana-developer-platform#576
                errs.append("'payload.source' is missing or blank")
            elif not isinstance(src, str):
                errs.append("'payload.source' must be a string")
            sev = p.get("severity")
            if is_blank(sev):
                # [OBSERVED] SigNoz/signoz#9536
                errs.append("'payload.severity' is missing or blank")
            elif sev not in SEVERITIES:
                errs.append("'payload.severity' is invalid (must be one of: "
                            "critical, error, warning, info)")
            ts = p.get("timestamp")
            if ts is not None:
                if not isinstance(ts, str) or (strict_timestamp
                                               and not iso8601_ok(ts)):
                    errs.append("'payload.timestamp' is not a valid "
                                "ISO 8601 timestamp")
            for f in ("component", "group", "class"):
                v = p.get(f)
                if v is not None and not isinstance(v, str):
                    errs.append("'payload.%s' must be a string" % f)
            cd = p.get("custom_details")
            if cd is not None and not isinstance(cd, dict):
                errs.append("'payload.custom_details' must be an object")
        for f in ("client", "client_url"):
            v = ev.get(f)
            if v is not None and not isinstance(v, str):
                errs.append("'%s' must be a string" % f)
        # [TRIGGER] "Context Properties"/[OPENAPI] Images, Links: arrays of
        # objects; images[].src and links[].href are required.
        for f, req in (("images", "src"), ("links", "href")):
            v = ev.get(f)
            if v is None:
                continue
            if not isinstance(v, list):
                errs.append("'%s' must be an array" % f)
                continue
            for i, item in enumerate(v):
                if not isinstance(item, dict):
                    errs.append("'%s[%d]' must be an object" % (f, i))
                elif is_blank(item.get(req)) or not isinstance(item.get(req), str):
                    errs.append("'%s[%d].%s' is missing or blank" % (f, i, req))
    return errs

# ------------------------------------------------------------------- faults


class FaultError(ValueError):
    pass


def _num(spec, name, lo, hi, default=None, integer=False):
    v = spec.get(name, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FaultError("%s must be a number" % name)
    if integer and int(v) != v:
        raise FaultError("%s must be an integer" % name)
    if not (lo <= v <= hi):
        raise FaultError("%s must be in [%s, %s]" % (name, lo, hi))
    return int(v) if integer else float(v)


def normalize_fault(spec):
    """Check a fault spec and return a normalized copy."""
    if not isinstance(spec, dict):
        raise FaultError("fault spec must be a JSON object")
    known = {"mode", "status", "retry_after", "for_seconds", "every", "count",
             "seconds", "body", "reset"}
    extra = set(spec) - known
    if extra:
        raise FaultError("unknown fault field(s): %s" % ", ".join(sorted(extra)))
    mode = spec.get("mode", "normal")
    if mode not in ("normal", "status", "delay", "refuse", "drop"):
        raise FaultError("mode must be normal, status, delay, refuse or drop")
    out = {"mode": mode}
    if mode == "normal":
        return out
    out["for_seconds"] = _num(spec, "for_seconds", 0, MAX_FOR_SECONDS)
    if mode == "refuse":
        for f in ("every", "count", "status", "seconds"):
            if f in spec:
                raise FaultError("refuse mode takes only for_seconds")
        return out
    out["every"] = _num(spec, "every", 1, 1_000_000, integer=True)
    out["count"] = _num(spec, "count", 1, 1_000_000, integer=True)
    out["retry_after"] = _num(spec, "retry_after", 0, MAX_RETRY_AFTER,
                              integer=True)
    if mode == "status":
        out["status"] = _num(spec, "status", 200, 599, integer=True)
        if out["status"] is None:
            raise FaultError("status mode needs status")
    elif mode == "delay":
        out["seconds"] = _num(spec, "seconds", 0, MAX_DELAY_SECONDS)
        if out["seconds"] is None:
            raise FaultError("delay mode needs seconds")
        out["status"] = _num(spec, "status", 200, 599, integer=True)
    elif mode == "drop":
        r = spec.get("reset", False)
        if not isinstance(r, bool):
            raise FaultError("reset must be true or false")
        out["reset"] = r
    if "body" in spec:
        if mode not in ("status", "delay"):
            raise FaultError("body only applies to status and delay modes")
        out["body"] = spec["body"]
    return {k: v for k, v in out.items() if v is not None}

# ------------------------------------------------------------------ the app


class StandIn:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.keys = set(args.keys) if args.keys else None
        self.records = collections.deque(maxlen=args.max_records)
        self.seq = 0
        self.state = collections.OrderedDict()
        self.stats = self._new_stats()
        self.rate = {}                       # routing_key -> deque of times
        self.fault = {"mode": "normal"}
        self.fault_meta = {}
        self.record_fp = None
        self.record_bytes = 0
        self.record_truncated = False
        if args.record:
            self.record_fp = open(args.record, "a", encoding="utf-8")
        self.stop = threading.Event()
        self.api = None                      # ManagedServer for the API port
        self.control = None                  # ManagedServer for --control-port
        self.conn_seq = 0

    def _new_stats(self):
        return {"requests": 0, "by_status": {}, "by_action": {},
                "by_fault": {}, "connections": 0, "noops": 0,
                "rate_limited": 0}

    # -- faults ------------------------------------------------------------

    def set_fault(self, spec):
        f = normalize_fault(spec)
        with self.lock:
            self.fault = f
            now = time.time()
            self.fault_meta = {"installed": now, "seen": 0, "applied": 0,
                               "until": (now + f["for_seconds"])
                               if f.get("for_seconds") is not None else None}
        if f["mode"] == "refuse":
            if self.fault_meta["until"] is None and self.control is None:
                with self.lock:
                    self.fault = {"mode": "normal"}
                raise FaultError("refuse without for_seconds needs "
                                 "--control-port (nothing could end it)")
            self.api.refuse(f.get("for_seconds"))
        else:
            self.api.reopen()
        return self.fault_view()

    def fault_view(self):
        with self.lock:
            v = dict(self.fault)
            m = self.fault_meta
            if m:
                v["applied"] = m.get("applied", 0)
                if m.get("until") is not None:
                    v["remaining_seconds"] = round(max(0.0, m["until"] - time.time()), 3)
            return v

    def pick_fault(self):
        """Decide whether the fault in force applies to this API request.
        Returns the fault spec or None."""
        with self.lock:
            f = self.fault
            if f["mode"] in ("normal", "refuse"):
                return None
            m = self.fault_meta
            now = time.time()
            if m.get("until") is not None and now >= m["until"]:
                self.fault = {"mode": "normal"}
                self.fault_meta = {}
                return None
            m["seen"] += 1
            if f.get("every") and m["seen"] % f["every"] != 0:
                return None
            m["applied"] += 1
            if f.get("count") and m["applied"] >= f["count"]:
                self.fault = {"mode": "normal"}
                self.fault_meta = {}
            return dict(f)

    def refuse_ended(self):
        with self.lock:
            if self.fault.get("mode") == "refuse":
                self.fault = {"mode": "normal"}
                self.fault_meta = {}

    # -- rate limit ----------------------------------------------------------

    def rate_check(self, rk):
        """[LIMITS]: ~120 calls/minute per integration key, "calculated over
        a 60 second window looking back from the current time".  Returns
        None when admitted, else seconds until a slot frees up."""
        limit = self.args.rate_limit
        if not limit:
            return None
        now = time.monotonic()
        with self.lock:
            dq = self.rate.get(rk)
            if dq is None:
                if len(self.rate) >= self.args.max_keys:
                    self.rate.pop(next(iter(self.rate)))
                dq = self.rate[rk] = collections.deque()
            while dq and now - dq[0] >= 60.0:
                dq.popleft()
            if len(dq) >= limit:
                return max(0.0, 60.0 - (now - dq[0]))
            dq.append(now)
            return None

    # -- state machine -------------------------------------------------------

    def apply_event(self, ev, dedup_key):
        """[TRIGGER] "Alert De-Duplication" and "Event Action Behavior"."""
        action = ev["event_action"]
        rk = ev["routing_key"]
        now = time.time()
        with self.lock:
            st = self.state.get(dedup_key)
            if st is None:
                if len(self.state) >= self.args.max_keys:
                    self.state.popitem(last=False)
                st = {"state": None, "triggers": 0, "acks": 0, "resolves": 0,
                      "noops": 0, "incidents": 0, "routing_key": rk,
                      "history": [], "first_seen": now}
                self.state[dedup_key] = st
            st["last_seen"] = now
            noop = False
            if action == "trigger":
                st["triggers"] += 1
                if st["state"] in (None, "resolved"):
                    # New alert; "New trigger events with the same dedup_key
                    # as a resolved incident won't re-open the incident.
                    # Instead, a new incident will be created."
                    st["state"] = "triggered"
                    st["incidents"] += 1
                    st["routing_key"] = rk
                # triggered stays triggered (deduplicated); acknowledged stays
                # acknowledged ("won't generate any additional notifications,
                # even if it receives new trigger events").
                p = ev.get("payload") or {}
                st["summary"] = p.get("summary")
                st["severity"] = p.get("severity")
            else:
                if action == "acknowledge":
                    st["acks"] += 1
                else:
                    st["resolves"] += 1
                # "Once the alert is resolved, any further events with the
                # same dedup_key will ... be dropped (for acknowledge and
                # resolve events)"; and "acknowledge or resolve events sent
                # via a different routing_key from the original will be
                # dropped."  Unknown keys: nothing to act on, dropped too.
                if st["state"] in (None, "resolved") or st["routing_key"] != rk:
                    noop = True
                else:
                    st["state"] = ("acknowledged" if action == "acknowledge"
                                   else "resolved")
            if noop:
                st["noops"] += 1
                self.stats["noops"] += 1
            st["history"].append(action + (":noop" if noop else ""))
            if len(st["history"]) > self.args.max_history:
                del st["history"][0]
            return noop

    # -- recording -----------------------------------------------------------

    def record(self, rec):
        with self.lock:
            self.seq += 1
            rec["seq"] = self.seq
            self.records.append(rec)
            s = self.stats
            s["requests"] += 1
            k = ("dropped" if rec.get("status") is None
                 else str(rec.get("status")))
            s["by_status"][k] = s["by_status"].get(k, 0) + 1
            a = rec.get("action")
            if a:
                s["by_action"][a] = s["by_action"].get(a, 0) + 1
            fm = (rec.get("fault") or {}).get("mode")
            if fm:
                s["by_fault"][fm] = s["by_fault"].get(fm, 0) + 1
            if self.record_fp and not self.record_truncated:
                line = json.dumps(rec, separators=(",", ":"),
                                  ensure_ascii=False) + "\n"
                n = len(line.encode("utf-8"))
                if self.record_bytes + n > self.args.record_max_bytes:
                    self.record_truncated = True
                    line = json.dumps({"truncated": True, "seq": self.seq}) + "\n"
                self.record_fp.write(line)
                self.record_fp.flush()
                self.record_bytes += n

    def reset(self):
        with self.lock:
            self.records.clear()
            self.state.clear()
            self.rate.clear()
            self.stats = self._new_stats()
        self.set_fault({"mode": "normal"})

    def close(self):
        with self.lock:
            if self.record_fp:
                self.record_fp.close()
                self.record_fp = None

# ----------------------------------------------------------------- servers


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, app, managed, control_only):
        self.app = app
        self.managed = managed
        self.control_only = control_only
        super().__init__(addr, handler)

    def handle_error(self, request, client_address):
        # A peer that went away (refuse mode shuts connections) is normal.
        if self.app.args.verbose:
            super().handle_error(request, client_address)

    def process_request(self, request, client_address):
        if not self.managed.conn_enter(request):
            try:
                request.close()
            except OSError:
                pass
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.managed.conn_leave(request)
        super().shutdown_request(request)


class ManagedServer:
    """One listening port that can be closed (connections refused) and
    reopened on the same port."""

    def __init__(self, app, port, control_only, name):
        self.app = app
        self.port = port
        self.control_only = control_only
        self.name = name
        self.lock = threading.Lock()
        self.srv = None
        self.thread = None
        self.conns = set()
        self.timer = None
        self.gen = 0

    def conn_enter(self, sock):
        with self.lock:
            if len(self.conns) >= self.app.args.max_conns:
                return False
            self.conns.add(sock)
        if not self.control_only:
            with self.app.lock:
                self.app.stats["connections"] += 1
        return True

    def conn_leave(self, sock):
        with self.lock:
            self.conns.discard(sock)

    def start(self):
        with self.lock:
            if self.srv is not None:
                return
            srv = Server((HOST, self.port), Handler, self.app, self,
                         self.control_only)
            self.port = srv.server_address[1]
            self.srv = srv
            self.thread = threading.Thread(target=srv.serve_forever,
                                           kwargs={"poll_interval": 0.1},
                                           name=self.name, daemon=True)
            self.thread.start()

    def _close_listener(self, drop_conns):
        with self.lock:
            srv, self.srv = self.srv, None
            conns = list(self.conns) if drop_conns else []
        if srv is not None:
            srv.shutdown()
            srv.server_close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def refuse(self, for_seconds, skip_sock=None):
        """Close the listening socket (new connections get ECONNREFUSED) and
        shut established ones; reopen after for_seconds."""
        with self.lock:
            if self.timer:
                self.timer.cancel()
                self.timer = None
            self.gen += 1
            gen = self.gen
        self._close_listener(drop_conns=True)
        if for_seconds is not None:
            t = threading.Timer(for_seconds, self._refuse_over, args=(gen,))
            t.daemon = True
            with self.lock:
                self.timer = t
            t.start()

    def _refuse_over(self, gen):
        with self.lock:
            if gen != self.gen:
                return
            self.timer = None
        if self.app.stop.is_set():
            return
        self.app.refuse_ended()
        for attempt in range(50):             # bounded: ~5 s of retries
            try:
                self.start()
                return
            except OSError as e:
                if attempt == 49:
                    sys.stderr.write("pagerduty-standin: cannot reopen port "
                                     "%d: %s\n" % (self.port, e))
                time.sleep(0.1)

    def reopen(self):
        with self.lock:
            self.gen += 1
            if self.timer:
                self.timer.cancel()
                self.timer = None
        if not self.app.stop.is_set():
            self.start()

    def stop(self):
        with self.lock:
            self.gen += 1
            if self.timer:
                self.timer.cancel()
                self.timer = None
        self._close_listener(drop_conns=True)


class BodyError(Exception):
    def __init__(self, status, body, close=True):
        super().__init__(status)
        self.status = status
        self.body = body
        self.close = close


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pagerduty-standin/1"

    def version_string(self):
        return self.server_version

    def setup(self):
        self.timeout = self.server.app.args.idle_timeout
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle and
        # the client's delayed ACK add 40 ms to every keep-alive answer.
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.server.app.lock:
            self.server.app.conn_seq += 1
            self.conn_id = self.server.app.conn_seq
        self.req_on_conn = 0

    def log_message(self, fmt, *a):
        if self.server.app.args.verbose:
            sys.stderr.write("pagerduty-standin: %s %s\n"
                             % (self.address_string(), fmt % a))

    def parse_request(self):
        self.t_arrival = time.time()
        self.req_on_conn += 1
        return super().parse_request()

    # -- plumbing ------------------------------------------------------------

    def read_body(self):
        """Read the request body (Content-Length or chunked), bounded."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(1026)
                if not line:
                    raise BodyError(400, body_unrecognized("truncated chunked body"))
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BodyError(400, body_unrecognized("bad chunk size"))
                if size == 0:
                    # trailers
                    for _ in range(100):
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                if len(out) + size > HARD_MAX_BODY:
                    raise BodyError(400, body_invalid(
                        ["Event is too large (maximum is 512 KB)"]))
                chunk = self.rfile.read(size)
                if len(chunk) != size:
                    raise BodyError(400, body_unrecognized("truncated chunked body"))
                out += chunk
                self.rfile.readline(3)
            return bytes(out)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
            if n < 0:
                raise ValueError
        except ValueError:
            raise BodyError(400, body_unrecognized("bad Content-Length"))
        if n > HARD_MAX_BODY:
            raise BodyError(400, body_invalid(
                ["Event is too large (maximum is 512 KB)"]), close=True)
        data = self.rfile.read(n)
        if len(data) != n:
            raise BodyError(400, body_unrecognized("truncated body"))
        return data

    def send_json(self, status, obj, extra_headers=None, close=False):
        if isinstance(obj, (bytes, str)):
            data = obj.encode("utf-8") if isinstance(obj, str) else obj
            ctype = "text/plain; charset=utf-8"
        else:
            data = json.dumps(obj, separators=(",", ":")).encode("utf-8")
            ctype = "application/json"
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()
        return data

    def hdr_subset(self):
        return {h: self.headers.get(h) for h in RECORDED_HEADERS
                if self.headers.get(h) is not None}

    # -- dispatch --------------------------------------------------------------

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        path = urlsplit(self.path).path
        if path.startswith("/_"):
            return self.control(path)
        if self.server.control_only:
            body = self._drain_quiet()
            return self.send_json(404, body_generic(404, "Not Found"))
        return self.api(path)

    def _drain_quiet(self):
        try:
            return self.read_body()
        except BodyError as e:
            self.close_connection = True
            return None

    # -- control endpoints ---------------------------------------------------------

    def control(self, path):
        app = self.server.app
        try:
            raw = self.read_body()
        except BodyError as e:
            return self.send_json(e.status, e.body, close=True)
        q = parse_qs(urlsplit(self.path).query)
        if self.command == "GET" and path == "/_state":
            with app.lock:
                snap = json.loads(json.dumps(app.state))
            return self.send_json(200, snap)
        if self.command == "GET" and path == "/_requests":
            try:
                since = int((q.get("since") or ["0"])[0] or 0)
            except ValueError:
                return self.send_json(400, {"status": "bad since"})
            with app.lock:
                snap = [r for r in app.records if r["seq"] > since]
            return self.send_json(200, snap)
        if self.command == "GET" and path == "/_stats":
            with app.lock:
                snap = json.loads(json.dumps(app.stats))
                snap["keys"] = len(app.state)
                snap["recorded"] = len(app.records)
            snap["fault"] = app.fault_view()
            snap["port"] = app.api.port
            snap["listening"] = app.api.srv is not None
            return self.send_json(200, snap)
        if self.command == "GET" and path == "/_faults":
            return self.send_json(200, app.fault_view())
        if self.command == "POST" and path == "/_faults":
            try:
                spec = json.loads(raw.decode("utf-8") or "{}")
                f = normalize_fault(spec)
            except (ValueError, UnicodeDecodeError) as e:
                return self.send_json(400, {"status": "invalid fault",
                                            "message": str(e)})
            if f["mode"] == "refuse" and not self.server.control_only:
                if f.get("for_seconds") is None and app.control is None:
                    return self.send_json(400, {
                        "status": "invalid fault",
                        "message": "refuse without for_seconds needs "
                                   "--control-port"})
                # Answer first (this connection is about to be shut).
                self.send_json(200, dict(f), close=True)
                threading.Thread(target=self._set_fault_quiet, args=(spec,),
                                 daemon=True).start()
                return None
            try:
                view = app.set_fault(spec)
            except FaultError as e:
                return self.send_json(400, {"status": "invalid fault",
                                            "message": str(e)})
            return self.send_json(200, view)
        if self.command == "POST" and path == "/_reset":
            app.reset()
            return self.send_json(200, {"status": "reset"})
        return self.send_json(404, body_generic(404, "Not Found"))

    def _set_fault_quiet(self, spec):
        try:
            self.server.app.set_fault(spec)
        except FaultError:
            pass

    # -- the API ---------------------------------------------------------------

    def api(self, path):
        app = self.server.app
        rec = {"t": self.t_arrival, "method": self.command, "path": self.path,
               "headers": self.hdr_subset(), "peer_port": self.client_address[1],
               "conn": self.conn_id, "req_on_conn": self.req_on_conn}
        status, resp, headers, close = None, None, {}, False
        try:
            raw = self.read_body()
        except BodyError as e:
            rec["raw"] = None
            rec["status"] = e.status
            rec["response"] = e.body
            self.send_json(e.status, e.body, close=e.close)
            rec["t_done"] = time.time()
            app.record(rec)
            return
        ev = None
        try:
            ev = json.loads(raw.decode("utf-8"))
            rec["body"] = ev
        except (ValueError, UnicodeDecodeError):
            rec["raw"] = raw[:65536].decode("utf-8", "replace")
        if isinstance(ev, dict):
            a = ev.get("event_action")
            if isinstance(a, str):
                rec["action"] = a[:32]

        fault = app.pick_fault()
        if fault:
            rec["fault"] = fault
            mode = fault["mode"]
            if mode == "drop":
                rec["status"] = None
                rec["t_done"] = time.time()
                app.record(rec)
                self.close_connection = True
                if fault.get("reset"):
                    try:
                        self.connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
                    except OSError:
                        pass
                return
            if mode == "delay":
                if app.stop.wait(fault["seconds"]):
                    # Shutting down mid-delay: go away without an answer.
                    rec["status"] = None
                    rec["t_done"] = time.time()
                    app.record(rec)
                    self.close_connection = True
                    return
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            st = fault.get("status")
            if st is not None:
                if "body" in fault:
                    resp = fault["body"]
                elif st == 429:
                    resp = body_throttle()
                else:
                    resp = body_generic(st, REASONS.get(st, "Error"))
                status = st

        if status is None:
            status, resp, extra = self.process(path, raw, ev, rec)
            headers.update(extra)
        rec["status"] = status
        rec["response"] = resp
        try:
            self.send_json(status, resp, headers, close=close)
        finally:
            rec["t_done"] = time.time()
            app.record(rec)

    def process(self, path, raw, ev, rec):
        """The real API behaviour.  Returns (status, body, headers)."""
        app = self.server.app
        a = app.args
        if path != "/v2/enqueue" or self.command != "POST":
            # Only alert events are implemented (not /v2/change/enqueue).
            return 404, body_generic(404, "Not Found"), {}
        if len(raw) > PD_MAX_EVENT_BYTES:
            # [OVERVIEW] 512 KB limit; the status PagerDuty uses is not
            # documented - 400 is the stand-in's choice.
            return 400, body_invalid(["Event is too large (maximum is 512 KB)"]), {}
        if not a.lenient_content_type:
            ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ct != "application/json":
                # [OPENAPI] requestBody content is application/json only; the
                # real answer to other types is not documented.
                return 400, body_unrecognized(
                    "Content-Type must be application/json"), {}
        if ev is None and "raw" in rec:
            return 400, body_unrecognized("JSON parse error"), {}
        if not isinstance(ev, dict):
            # [OVERVIEW]/[OPENAPI] "POST a JSON object".
            return 400, body_unrecognized("Event object must be a JSON object"), {}

        errs = validate_event(ev, strict_timestamp=not a.lenient_timestamp)
        if errs:
            return 400, body_invalid(errs), {}
        rk = ev["routing_key"]
        if app.keys is not None and rk not in app.keys:
            # [OBSERVED] robusta-dev/robusta#571: a key PagerDuty does not
            # know gets "400, Bad Request, Invalid routing key" (status,
            # reason, response.text) - a plain-text body.
            if a.unknown_key_response == "json":
                return 400, body_invalid(["Invalid routing key"]), {}
            return 400, "Invalid routing key", {}
        wait = app.rate_check(rk)
        if wait is not None:
            # [LIMITS] "429 - Request Limit Exceeded ... PagerDuty will not
            # ingest the event".  Retry-After is not documented; optional.
            with app.lock:
                app.stats["rate_limited"] += 1
            rec["rate_limited"] = True
            h = {}
            if a.rate_limit_retry_after:
                h["Retry-After"] = str(int(wait + 0.999))
            return 429, body_throttle(), h
        dk = ev.get("dedup_key")
        if ev["event_action"] == "trigger" and is_blank(dk):
            # [TRIGGER] "If omitted, it will be generated automatically by
            # PagerDuty and returned" - "a unique UUID".
            dk = uuid.uuid4().hex
            rec["generated_dedup_key"] = True
        rec["dedup_key"] = dk
        if app.apply_event(ev, dk):
            rec["noop"] = True
        return 202, body_success(dk), {}

# --------------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="PagerDuty Events API v2 stand-in (127.0.0.1 only)")
    p.add_argument("--port", type=int, default=0,
                   help="API port; 0 picks a free one (printed on stdout)")
    p.add_argument("--control-port", type=int, default=None,
                   help="extra port serving only /_* (stays up in refuse mode); "
                        "0 picks one, printed as the second stdout line")
    p.add_argument("--port-file", help="write the port(s) here, one a line")
    p.add_argument("--pidfile", help="write the pid here; removed on exit")
    p.add_argument("--record", metavar="FILE",
                   help="append every API request as one JSON line")
    p.add_argument("--record-max-bytes", type=int, default=64 * 1024 * 1024)
    p.add_argument("--keys", nargs="*", default=None, metavar="KEY",
                   help="known routing keys (others get 400 Invalid routing key)")
    p.add_argument("--keys-file", help="known routing keys, one a line")
    p.add_argument("--unknown-key-response", choices=("text", "json"),
                   default="text")
    p.add_argument("--rate-limit", type=int, default=0, metavar="N",
                   help="N events per 60 s per routing key, then 429 (0 = off)")
    p.add_argument("--rate-limit-retry-after", action="store_true",
                   help="send Retry-After on rate-limit 429s")
    p.add_argument("--fault", metavar="JSON",
                   help='initial fault, e.g. \'{"mode":"status","status":429,'
                        '"retry_after":5,"for_seconds":30}\'')
    p.add_argument("--lenient-content-type", action="store_true")
    p.add_argument("--lenient-timestamp", action="store_true",
                   help="accept any string as payload.timestamp")
    p.add_argument("--max-conns", type=int, default=64)
    p.add_argument("--max-records", type=int, default=10000)
    p.add_argument("--max-keys", type=int, default=10000)
    p.add_argument("--max-history", type=int, default=200)
    p.add_argument("--idle-timeout", type=float, default=30.0,
                   help="seconds a keep-alive connection may idle")
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args(argv)
    if a.keys_file:
        with open(a.keys_file, encoding="utf-8") as f:
            a.keys = (a.keys or []) + [l.strip() for l in f if l.strip()]
    for n in ("max_conns", "max_records", "max_keys", "max_history"):
        if getattr(a, n) < 1:
            p.error("--%s must be >= 1" % n.replace("_", "-"))
    if not (0 <= a.port <= 65535):
        p.error("--port out of range")
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = StandIn(args)
    initial = None
    if args.fault:
        try:
            initial = normalize_fault(json.loads(args.fault))
        except (ValueError, FaultError) as e:
            sys.stderr.write("pagerduty-standin: --fault: %s\n" % e)
            return 2

    app.api = ManagedServer(app, args.port, False, "api")
    try:
        app.api.start()
        if args.control_port is not None:
            app.control = ManagedServer(app, args.control_port, True, "control")
            app.control.start()
    except OSError as e:
        sys.stderr.write("pagerduty-standin: bind: %s\n" % e)
        return 1
    if initial is not None:
        try:
            app.set_fault(initial)
        except FaultError as e:
            sys.stderr.write("pagerduty-standin: --fault: %s\n" % e)
            app.api.stop()
            return 2

    ports = [str(app.api.port)]
    if app.control:
        ports.append(str(app.control.port))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(ports) + "\n")
        os.replace(tmp, args.port_file)
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(tmp, args.pidfile)
    print("\n".join(ports), flush=True)

    def on_signal(signum, frame):
        app.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    while not app.stop.wait(0.5):
        pass

    app.api.stop()
    if app.control:
        app.control.stop()
    app.close()
    if args.pidfile:
        try:
            os.unlink(args.pidfile)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
