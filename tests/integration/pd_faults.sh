#!/bin/sh
# The stand-in refuses connections, then answers 429 with Retry-After, then
# 202: every incident is delivered, none dead-lettered, each key's
# trigger comes before its resolve, and nothing is sent inside a
# Retry-After pause (resolves of triggers not yet delivered are sent too:
# send-resolved-undelivered yes).  The issue's full run: PD_INCIDENTS=1000
# PD_REFUSE=60 PD_THROTTLE=30 PD_RETRY_AFTER=5.
. "$(dirname "$0")/lib.sh"

: "${PD_INCIDENTS:=300}" "${PD_REFUSE:=6}" "${PD_THROTTLE:=6}" "${PD_RETRY_AFTER:=2}"
start_pd --fault "{\"mode\":\"refuse\",\"for_seconds\":$PD_REFUSE}"
conf_head
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 500ms
	backoff-max 4s
	rate-limit off
	send-resolved-undelivered yes
}
rule "svc" {
	match syslog message ~ "service (?<n>[0-9]+) (?<what>down|up)" and message ~ "down"
	resolve-on syslog message ~ "service (?<n>[0-9]+) up"
	key "svc-{n}"
	send "pd"
}
CONF
start_triaged
python3 - "$PORT" "$PD_INCIDENTS" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
t = socket.create_connection(("127.0.0.1", port))
for i in range(n):
    t.sendall(b"<11>Nov 26 09:00:00 h app: service %d down\n" % i)
for i in range(0, n, 2):  # half of them recover before the upstream does
    t.sendall(b"<13>Nov 26 09:00:01 h app: service %d up\n" % i)
t.close()
PY
sleep "$PD_REFUSE"
pd POST /_faults "{\"mode\":\"status\",\"status\":429,\"retry_after\":$PD_RETRY_AFTER,\"for_seconds\":$PD_THROTTLE}" >/dev/null
n2=$((PD_INCIDENTS / 2))
wait_pd "len([k for k in s if k.startswith('svc-') and s[k]['triggers'] >= 1]) == $PD_INCIDENTS and len([k for k in s if s[k]['resolves'] >= 1]) == $n2" $((PD_REFUSE + PD_THROTTLE + 120))
pd GET /_requests > "$T/requests.json"
ctl --json queue > "$T/queue.json"
python3 - "$T/requests.json" "$T/queue.json" "$PD_RETRY_AFTER" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
queue = json.load(open(sys.argv[2]))
retry_after = float(sys.argv[3])
assert not [d for d in queue["deliveries"] if d["state"] == "dead"], queue
# Per key: the first accepted action is a trigger and no trigger follows an accepted resolve.
seen = {}
for r in sorted(reqs, key=lambda r: r.get("t", 0)):  # arrival order; records land as handlers finish
    b = r.get("body")
    if not isinstance(b, dict) or r.get("status") != 202:
        continue
    seen.setdefault(b["dedup_key"], []).append(b["event_action"])
for k, acts in seen.items():
    assert acts[0] == "trigger", (k, acts)
    if "resolve" in acts:
        assert "trigger" not in acts[acts.index("resolve"):], (k, acts)
# No request inside a Retry-After pause: after each 429, nothing for retry_after seconds.
times = sorted((r["t"], r.get("status")) for r in reqs)
for i, (t, st) in enumerate(times):
    if st == 429:
        later = [u for u, _ in times[i + 1:] if u < t + retry_after - 0.05]
        # requests already in flight when the 429 came back may still land
        assert len(later) <= 8, (t, later[:10])
print("delivered %d keys; %d requests" % (len(seen), len(reqs)))
PY
pass "refused ${PD_REFUSE}s, 429 for ${PD_THROTTLE}s: $PD_INCIDENTS incidents delivered in order"
