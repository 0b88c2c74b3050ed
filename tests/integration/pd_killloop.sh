#!/bin/sh
# SIGKILL triaged every 2 s while distinct incidents pour in, restarting it
# each time: every incident committed before a kill reaches the PagerDuty
# stand-in, in order per key, and duplicates are bounded by what was in
# flight at the kills (a resolve that comes before its trigger was delivered
# is sent too: send-resolved-undelivered yes).  The issue's full run:
# KILL_SECONDS=120 KILL_INCIDENTS=10000.
. "$(dirname "$0")/lib.sh"

: "${KILL_SECONDS:=20}" "${KILL_INCIDENTS:=4000}"
start_pd --max-records 500000 --max-keys 200000
conf_head
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 200ms
	backoff-max 2s
	rate-limit off
	send-resolved-undelivered yes
}
rule "svc" {
	match syslog message ~ "service (?<n>[0-9]+) down"
	resolve-on syslog message ~ "service (?<n>[0-9]+) up"
	key "svc-{n}"
	send "pd"
}
CONF
start_triaged

# The sender: each incident's "down" then, for every third, its "up", over
# TCP, reconnecting while triaged is down (bounded by the run's length).
# A line whose send failed is not sent again: a resend after a kill could
# open a second incarnation of the key and blur the order check.
python3 - "$PORT" "$KILL_INCIDENTS" "$KILL_SECONDS" <<'PY' &
import socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start, sock, i = time.monotonic(), None, 0
deadline = start + secs + 30
while i < n and time.monotonic() < deadline:
    due = start + secs * i / n
    if time.monotonic() < due:
        time.sleep(min(0.01, due - time.monotonic()))
        continue
    line = b"<11>Nov 26 09:00:00 h app: service %d down\n" % i
    if i % 3 == 0:
        line += b"<13>Nov 26 09:00:01 h app: service %d up\n" % i
    try:
        if sock is None:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
    except OSError:
        time.sleep(0.05)
        continue
    try:
        sock.sendall(line)
    except OSError:
        sock = None
    i += 1
PY
echo $! > "$T/sender.pid"

kills=0
end=$(( $(date +%s) + KILL_SECONDS ))
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 2
	kill -KILL "$TRIAGED_PID"
	wait "$TRIAGED_PID" 2>/dev/null || true
	kills=$((kills + 1))
	start_triaged
done
wait "$(cat "$T/sender.pid")" || true
rm -f "$T/sender.pid"

# Everything committed is in the store; all of it must reach the stand-in.
ctl --json incidents --state all --limit 1000000 > "$T/incidents.json"
i=0
until [ "$(ctl --json queue | json "len(j['deliveries'])")" = 0 ]; do
	i=$((i + 1)); [ $i -lt 600 ] || fail "the outbox does not drain: $(ctl queue | head)"; sleep 0.1
done
pd GET /_requests > "$T/requests.json"
python3 - "$T/incidents.json" "$T/requests.json" "$kills" <<'PY'
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
reqs = json.load(open(sys.argv[2]))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
kills = int(sys.argv[3])
acts = {}
for r in sorted(reqs, key=lambda r: r.get("t", 0)):
    b = r.get("body")
    if isinstance(b, dict) and r.get("status") == 202:
        acts.setdefault(b["dedup_key"], []).append(b["event_action"])
missing = [i["key"] for i in incs if i["key"] not in acts or "trigger" not in acts[i["key"]]]
assert not missing, ("committed but never delivered", len(missing), missing[:10])
lost_resolves = [i["key"] for i in incs if i["state"] == "resolved" and "resolve" not in acts.get(i["key"], [])]
assert not lost_resolves, ("resolved but resolve never delivered", lost_resolves[:10])
for k, a in acts.items():
    assert a[0] == "trigger", (k, a)
    if "resolve" in a:
        assert "trigger" not in a[a.index("resolve"):], (k, a)
dups = sum(len(a) - len(set(a)) for a in acts.values())
assert dups <= 8 * kills, (dups, kills)
print("%d kills, %d incidents committed, all delivered; %d duplicate requests" % (kills, len(incs), dups))
PY
pass "kill -9 every 2 s for ${KILL_SECONDS}s: 0 committed incidents lost"
