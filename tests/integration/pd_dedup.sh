#!/bin/sh
# 100,000 identical matching lines give exactly one trigger at the
# PagerDuty stand-in; the resolving line gives one resolve with the same
# dedup_key; a later incident acknowledged with triagectl sends acknowledge.
. "$(dirname "$0")/lib.sh"

: "${PD_LINES:=100000}"
start_pd
conf_head
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
}
rule "link" {
	match syslog message ~ "link (?<ifname>eth[0-9]+) (failed|down)"
	resolve-on syslog message ~ "link (?<ifname>eth[0-9]+) up"
	key "{host}/if/{ifname}"
	summary "{host}: link {ifname} down"
	severity crit
	component "{ifname}"
	send "pd"
}
CONF
start_triaged

python3 - "$PORT" "$PD_LINES" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
for _ in range(n):
    u.sendto(b"<11>Nov 26 09:00:00 edge-01 kernel: link eth3 failed", ("127.0.0.1", port))
PY
wait_status "sum(l['received'] + l['dropped'] for l in j['listeners']) >= $PD_LINES" 60
wait_pd "s.get('edge-01/if/eth3', {}).get('triggers') == 1"
python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"<13>Nov 26 09:00:01 edge-01 kernel: link eth3 up", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
wait_pd "s['edge-01/if/eth3']['history'] == ['trigger', 'resolve']"
sleep 1
pd GET /_requests > "$T/requests.json"
python3 - "$T/requests.json" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
bodies = [r["body"] for r in reqs if isinstance(r.get("body"), dict)]
assert [b["event_action"] for b in bodies] == ["trigger", "resolve"], bodies
t, r = bodies
assert t["dedup_key"] == r["dedup_key"] == "edge-01/if/eth3", bodies
assert t["routing_key"] == "0123456789abcdef0123456789abcdef"
p = t["payload"]
assert p["severity"] == "critical" and p["source"] == "edge-01", p
assert p["summary"] == "edge-01: link eth3 down" and p["component"] == "eth3", p
assert p["custom_details"]["first_event"] == "link eth3 failed", p
assert t["client"] == "triaged", t
print("trigger then resolve, dedup_key", t["dedup_key"])
PY

logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t kernel "link eth4 down"
wait_pd "s.get('$(hostname)/if/eth4', {}).get('triggers') == 1"
ctl ack "$(hostname)/if/eth4"
wait_pd "s['$(hostname)/if/eth4']['history'] == ['trigger', 'acknowledge']"
ctl --json queue | json "len(j['deliveries'])" | grep -qx 0 || fail "the queue is not empty"
grep -q "routing\|0123456789abcdef0123456789abcdef" "$T/triaged.log" && fail "the routing key reached the log"
pass "one trigger for $PD_LINES lines, resolve and acknowledge with the same dedup_key"
