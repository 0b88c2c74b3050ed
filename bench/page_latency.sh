#!/usr/bin/env bash
# page_latency.sh - from the packet to the pager: the time from sending a
# syslog line (UDP, loopback) that a rule pages on, with no hold, until a
# real SMTP server (tests/standins/smtp.py, aiosmtpd) has the page's mail.
# COUNT lines, each its own incident, RATE a second; the mail's arrival is
# the time the server wrote it (its file's mtime, same clock as the sender).
# Prints p50/p90/p99/max in ms; see bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   COUNT [300]  RATE [20]  PY [/usr/bin/python3, which has aiosmtpd]
set -eu

. "$(dirname "$0")/lib.sh"
: "${COUNT:=300}"
: "${RATE:=20}"
: "${PY:=/usr/bin/python3}"
"$PY" -c 'import aiosmtpd' 2>/dev/null || die "$PY has no aiosmtpd (python3-aiosmtpd)"

start_smtp
conf_head
cat >> "$CONF" <<CONF
escalation-max 100000
notifier email {
	server "smtp://127.0.0.1:$SMTP_PORT"
	from "triaged@bench"
	starttls no
}
contact "oncall" { email "oncall@example.com" }
policy "P" { level { notify contact "oncall" } }
rule "page" {
	match syslog program "bench" and message ~ "^down (?<n>\\\\d+)"
	key "bench/{n}"
	summary "bench {n} is down"
	severity critical
	page "P"
}
CONF
start_triaged

# Send COUNT lines at RATE, noting each one's send time; then wait for the mails.
"$PY" - "$PORT" "$COUNT" "$RATE" "$MAIL" "$T/sent" <<'PY'
import os, re, socket, sys, time
port, count, rate, maildir, sentf = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = {}
t0 = time.time()
for i in range(1, count + 1):
    due = t0 + (i - 1) / rate
    wait = due - time.time()
    if wait > 0:
        time.sleep(wait)
    sent[i] = time.time()
    u.sendto(b"<11>Dec  5 03:00:00 db-1 bench: down %d" % i, ("127.0.0.1", port))
deadline = time.time() + 60
got = {}
while len(got) < count and time.time() < deadline:
    for f in os.listdir(maildir):
        if not f.endswith(".eml") or f in got.values():
            continue
        p = os.path.join(maildir, f)
        m = re.search(rb"bench (\d+) is down", open(p, "rb").read())
        if m:
            got[int(m.group(1))] = f
    time.sleep(0.05)
lat = sorted((os.stat(os.path.join(maildir, f)).st_mtime_ns / 1e9 - sent[i]) * 1000
             for i, f in got.items())
def q(p):
    return lat[min(len(lat) - 1, int(p * len(lat)))]
print("| %d at %g/s | %d | %.1f | %.1f | %.1f | %.1f |" % (count, rate, len(lat), q(0.5), q(0.9), q(0.99), lat[-1]))
PY
pages=$(ctl --json status | json "j['page_latency']['count']")
say "triaged counted $pages pages; its own page latency p99 under $(ctl --json status | json "j['page_latency']['p99_lt_usec']") us"
stop_triaged
