#!/bin/sh
# With the upstream refusing connections and outbox-max reached, the least
# severe pending trigger is shed, counted and logged; resolves are never
# shed; what is kept is delivered once the upstream returns.
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
# A resolve is never shed: the least severe trigger left (svc-4) makes room.
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc 1 up"
wait_status "j['events']['resolved'] == 1"
sleep 0.5
ctl --json queue | json "sorted((d['key'], d['action']) for d in j['deliveries'])" \
	| grep -qF "[('svc-1', 'resolve'), ('svc-1', 'trigger'), ('svc-2', 'trigger'), ('svc-3', 'trigger')]" \
	|| fail "unexpected queue: $(ctl queue)"
pd POST /_faults '{"mode":"normal"}' >/dev/null
wait_pd "sorted(k for k in s if s[k]['triggers']) == ['svc-1', 'svc-2', 'svc-3'] and s['svc-1']['history'] == ['trigger', 'resolve']" 30
pass "outbox-max: least severe triggers shed and logged, the resolve kept, the rest delivered"
