#!/bin/sh
# With the upstream refusing connections and outbox-max reached, the least
# severe pending trigger is shed, counted, logged and noted on its incident's
# timeline; resolves are never shed, but the resolve of a shed trigger is
# not queued at all; what is kept is delivered once the upstream returns
# (with send-resolved-undelivered yes, a resolve's own undelivered trigger too).
. "$(dirname "$0")/lib.sh"

start_pd --fault '{"mode":"refuse","for_seconds":600}'
conf_head
cat >> "$CONF" <<CONF
outbox-max 4
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 200ms
	backoff-max 1s
	send-resolved-undelivered yes
}
rule "svc" {
	match syslog message ~ "svc (?<n>[0-9]+) down"
	resolve-on syslog message ~ "svc (?<n>[0-9]+) up"
	key "svc-{n}"
	send "pd"
}
CONF
start_triaged
# Severities crit (2), err (3), warning (4), info (6): two of each.
for n in 1 2 3 4 5 6 7 8; do
	case $n in 1|2) p=crit ;; 3|4) p=err ;; 5|6) p=warning ;; *) p=info ;; esac
	logger -n 127.0.0.1 -P "$PORT" -d -p "user.$p" -t app "svc $n down"
done
wait_status "j['events']['opened'] == 8"
sleep 0.5
ctl --json queue > "$T/q.json"
python3 - "$T/q.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))
keys = sorted(d["key"] for d in q["deliveries"])
assert keys == ["svc-1", "svc-2", "svc-3", "svc-4"], keys
assert q["stats"]["shed"] == 4, q["stats"]
PY
grep -q "shedding" "$T/triaged.log" || fail "shedding was not logged"
# up N...: send "svc N up" for each, wait until RESOLVED incidents are resolved in
# all, and check the queue holds svc-1's trigger and resolve and svc-2's and
# svc-3's triggers, or fail with WHY.
up_then_queue() {
	resolved=$1 why=$2
	shift 2
	for n in "$@"; do
		logger -n 127.0.0.1 -P "$PORT" -d -t app "svc $n up"
	done
	wait_status "j['events']['resolved'] == $resolved"
	sleep 0.5
	ctl --json queue | json "sorted((d['key'], d['action']) for d in j['deliveries'])" \
		| grep -qF "[('svc-1', 'resolve'), ('svc-1', 'trigger'), ('svc-2', 'trigger'), ('svc-3', 'trigger')]" \
		|| fail "$why: $(ctl queue)"
}
# A resolve is never shed: the least severe trigger left (svc-4) makes room.
up_then_queue 1 "unexpected queue" 1
# A shed trigger never reaches PagerDuty, so neither may its resolve: not for
# svc-4 (shed from the queue to make room) nor svc-7 (shed as it came).
up_then_queue 3 "the resolve of a shed trigger was queued" 4 7
for k in svc-4 svc-7; do
	ctl --json show "$k" | json "[e['text'] for e in j['incident']['timeline']]" \
		| grep -qF "trigger to pd shed: the outbox is full" || fail "$k: shedding not on its timeline"
done
pd POST /_faults '{"mode":"normal"}' >/dev/null
wait_pd "sorted(k for k in s if s[k]['triggers']) == ['svc-1', 'svc-2', 'svc-3'] and s['svc-1']['history'] == ['trigger', 'resolve']" 30
sleep 1
pd GET /_state | json "sorted(s for s in j)" | grep -qF "['svc-1', 'svc-2', 'svc-3']" \
	|| fail "PagerDuty heard of a shed incident: $(pd GET /_state)"
pass "outbox-max: least severe triggers shed and logged, the resolve kept, the rest delivered; no resolve for a shed trigger"
