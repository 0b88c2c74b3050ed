#!/bin/sh
# An alertmanager upstream against a real Alertmanager (Debian's
# prometheus-alertmanager, alone on loopback, resolve_timeout 10s): a
# trigger from logger appears in GET /api/v2/alerts with the documented
# labels and annotations, hostile text intact and valid; re-sending every
# 2s keeps it firing past resolve_timeout and past its first endsAt, across
# a restart and a reload of triaged too, with its count as it is then; an ack sends
# nothing; a resolve ends it and the receiver hears both; the Watchdog
# alert of `heartbeat every` fires.  Bad blocks fail triaged -t.
. "$(dirname "$0")/lib.sh"

start_am_receiver
AM=$(free_port)
start_am 1 "$AM"

conf_head
HTTP=$(free_port)
cat >> "$CONF" <<CONF
listen http 127.0.0.1:$HTTP
upstream "am" alertmanager {
	url "http://127.0.0.1:$AM/"
	resend 2s
	resend-resolved 4s
	heartbeat every 1s
	backoff-initial 100ms
	backoff-max 500ms
	rate-limit off
}
rule "svc down" {
	match syslog message ~ "svc (?<n>[a-z]+) down"
	resolve-on syslog message ~ "svc (?<n>[a-z]+) up"
	key "svc-{n}"
	component "svc-{n}"
	send "am"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "triaged -t refused the config"
start_triaged

python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'<11>Dec  4 09:00:00 h app: svc a down "q" \\ caf\xe9 \x1b[31m {{ .Labels }}', ("127.0.0.1", int(sys.argv[1])))
PY
svc_a="[x for x in a if x['labels'].get('key') == 'svc-a']"
am_alerts "$AM" "len($svc_a) == 1 and $svc_a[0]['status']['state'] == 'active'" >/dev/null \
	|| fail "the alert did not arrive: $(am_get "$AM")"
am_get "$AM" > "$T/alerts.json"
python3 - "$T/alerts.json" "$HTTP" > "$T/ends1" <<'PY' || fail "the alert: $(cat "$T/alerts.json")"
import json, sys
x = [x for x in json.load(open(sys.argv[1])) if x["labels"].get("key") == "svc-a"][0]
l, an = x["labels"], x["annotations"]
assert l == {"alertname": "svc down", "instance": "h", "severity": "error", "key": "svc-a",
             "component": "svc-a"}, l
assert 'svc a down "q" \\ caf\ufffd #033[31m {{ .Labels }}' in an["summary"], an["summary"]
assert an["description"] == 'svc a down "q" \\ caf\ufffd #033[31m {{ .Labels }}', an
assert an["count"] == "1" and an["agent"] == "it-host", an
assert an["first_seen"].endswith("Z") and an["last_seen"].endswith("Z"), an
assert an["ack_url"].startswith("http://127.0.0.1:%s/ack/" % sys.argv[2]), an
assert x["generatorURL"] == an["ack_url"], x
import urllib.request
page = urllib.request.urlopen(an["ack_url"], timeout=10).read().decode()
assert "svc-a" in page, page  # the incident's page: it acks only when asked
assert x["startsAt"] < x["endsAt"], x
print(x["endsAt"])
PY

# Alive past resolve_timeout (10s) and its first endsAt (8s ahead), with
# endsAt moving on, and across a restart of triaged in the middle; a
# repeat of the event shows in the re-sent alert's count.
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc a down again"
sleep 5
stop_triaged
sleep 1
start_triaged
sleep 7
am_alerts "$AM" "len($svc_a) == 1 and $svc_a[0]['status']['state'] == 'active' and $svc_a[0]['endsAt'] > '$(cat "$T/ends1")' and $svc_a[0]['annotations']['count'] == '2'" 1 \
	>/dev/null || fail "the alert expired while firing: $(am_get "$AM")"
ctl --json queue | json "[q['state'] for q in j['deliveries']]" | grep -q standing \
	|| fail "no standing delivery in the queue: $(ctl --json queue)"
# Standing is not a backlog: status counts it apart.
wait_status "[(u['queued'], u['standing'], u['state']) for u in j['upstreams']] == [(0, 1, 'ok')]"

# An acknowledge has no word in Alertmanager: nothing queued, nothing dead.
ctl ack svc-a >/dev/null
am_notified "any(n['status'] == 'firing' and n['alerts'][0]['labels'].get('key') == 'svc-a' for n in s['notifications'])" \
	>/dev/null || fail "the receiver was not notified of svc-a"

# A reload replaces the config the queues, the re-sends and the Watchdog use.
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] >= 1"

# The resolve ends it at once: the alert is resolved, the receiver hears so.
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc a up"
am_notified "any(n['status'] == 'resolved' and n['alerts'][0]['labels'].get('key') == 'svc-a' for n in s['notifications'])" \
	>/dev/null || fail "the resolve did not reach the receiver: $(am_notified False 1)"
am_alerts "$AM" "len($svc_a) == 0" 5 >/dev/null \
	|| fail "the resolved alert is still listed: $(am_get "$AM")"
# It is re-sent for resend-resolved, then leaves the queue.
wait_status "j['outbox']['pending'] == 0 and j['outbox']['dead'] == 0" 15

# The Watchdog: alertname Watchdog, instance the agent.
am_alerts "$AM" "any(x['labels'] == {'alertname': 'Watchdog', 'instance': 'it-host', 'severity': 'none'} and x['status']['state'] == 'active' for x in a)" 5 \
	>/dev/null || fail "no Watchdog: $(am_get "$AM")"
wait_status "j['heartbeats'][0]['sent'] >= 3 and j['heartbeats'][0]['state'] == 'ok'"

conf_errors 'upstream "a" alertmanager { resend 1m }|alertmanager upstream '"'a'"' needs a url' \
	'upstream "a" alertmanager { url "http://x:1" "http://x:1" }|url lists http://x:1 twice' \
	'upstream "a" alertmanager { url "http://x:1"; resend 500ms }|resend must be at least 1s' \
	'upstream "a" alertmanager { url "http://x:1"; heartbeat "http://x:2/p" every 1s }|expected '"'every'"' and a duration after heartbeat' \
	'upstream "a" alertmanager { url "http://x:1"; routing-key-file "/x" }|unknown keyword '"'routing-key-file'"
pass "labels and annotations as documented; kept firing past resolve_timeout and a restart; resolve ends it; Watchdog fires"
