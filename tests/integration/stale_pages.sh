#!/bin/sh
# Links that go down and come back while PagerDuty is unreachable are not
# paged when it returns: the never-delivered trigger and its resolve (and
# an acknowledge between them) are dropped together, counted, and the
# incident's timeline says so; an upstream with send-resolved-undelivered
# yes gets both.  A resolve whose trigger was delivered is dropped from the
# queue only with --force.
. "$(dirname "$0")/lib.sh"

start_pd --fault '{"mode":"refuse","for_seconds":600}'
conf_head
conf_pd
cat >> "$CONF" <<CONF
upstream "record" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 100ms
	backoff-max 300ms
	rate-limit off
	send-resolved-undelivered yes
}
rule "rec" {
	match syslog message ~ "rec (?<n>[0-9]+) down"
	resolve-on syslog message ~ "rec (?<n>[0-9]+) up"
	key "rec-{n}"
	send "record"
}
rule "svc" {
	match syslog message ~ "svc (?<n>[0-9]+) down"
	resolve-on syslog message ~ "svc (?<n>[0-9]+) up"
	key "svc-{n}"
	send "pd"
}
CONF
start_triaged
log() { logger -n 127.0.0.1 -P "$PORT" -d -t app "$1"; }
for n in 1 2 3; do log "svc $n down"; done
log "rec 1 down"
wait_status "j['events']['opened'] == 4"
# Let the triggers be tried (and refused) a few times first.
wait_status "[u for u in j['upstreams'] if u['name'] == 'pd'][0]['failures'] >= 6"
ctl ack svc-3 >/dev/null
log "svc 1 up"
log "svc 3 up"
log "rec 1 up"
wait_status "j['events']['resolved'] == 3 and j['outbox']['suppressed'] == 2"
ctl --json queue | json "sorted((d['key'], d['action']) for d in j['deliveries'])" > "$T/queue"
grep -qxF "[('rec-1', 'resolve'), ('rec-1', 'trigger'), ('svc-2', 'trigger')]" "$T/queue" ||
	fail "queue: $(cat "$T/queue")"
for k in svc-1 svc-3; do
	ctl --json show "$k" | json "[e['text'] for e in j['incident']['timeline']]" |
		grep -qF "resolved before delivery to pd: not sent" || fail "$k: not on its timeline"
done
ctl status | grep -q "2 triggers not sent, resolved before delivery" || fail "status: $(ctl status)"
ctl --json queue | json "j['stats']['suppressed']" | grep -qx 2 || fail "queue stats lack suppressed"

pd POST /_faults '{"mode":"normal"}' >/dev/null
wait_pd "s.get('rec-1', {}).get('history') == ['trigger', 'resolve'] and s.get('svc-2', {}).get('triggers') == 1"
sleep 1
pd GET /_requests > "$T/requests.json"
python3 - "$T/requests.json" <<'PY' || fail "PagerDuty heard of what resolved before delivery"
import json, sys
reqs = json.load(open(sys.argv[1]))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
keys = {r["body"]["dedup_key"] for r in reqs if isinstance(r.get("body"), dict)}
assert keys == {"rec-1", "svc-2"}, keys
PY

# svc-2's trigger was delivered: dropping its resolve would leave it open there.
pd POST /_faults '{"mode":"refuse","for_seconds":600}' >/dev/null
log "svc 2 up"
wait_status "j['events']['resolved'] == 4"
id=$(ctl --json queue | json "[d['id'] for d in j['deliveries'] if d['key'] == 'svc-2'][0]")
i=0
until out=$(ctl queue drop "$id" 2>&1) || echo "$out" | grep -q -- "--force"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "drop: $out"; sleep 0.1 # in flight: try again
done
echo "$out" | grep -q "trigger was delivered.*leaves the incident open upstream; use --force" ||
	fail "drop without --force: $out"
i=0
until out=$(ctl queue drop --force "$id" 2>&1); do
	i=$((i + 1)); [ $i -lt 50 ] || fail "drop --force: $out"; sleep 0.1
done
[ "$out" = "delivery $id dropped" ] || fail "drop --force says: $out"
pass "resolved before delivery: not sent, counted, on the timeline; sent with the option; drop needs --force"
