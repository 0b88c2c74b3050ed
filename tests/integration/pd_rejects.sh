#!/bin/sh
# A 400 dead-letters the delivery with the stand-in's error text, visible in
# triagectl queue; a 401 holds the upstream with an alarm and drops
# nothing; `triagectl queue retry --all` sends the held ones once fixed.
. "$(dirname "$0")/lib.sh"

start_pd
conf_head
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-max 60s
}
rule "app" {
	match syslog program "app"
	key "app/{message}"
	send "pd"
}
CONF
start_triaged
# The stand-in rejects the next event as invalid: 400 with errors[].
pd POST /_faults '{"mode":"status","status":400,"count":1}' >/dev/null
logger -n 127.0.0.1 -P "$PORT" -d -t app "first"
i=0
until ctl --json queue | json "[d['state'] for d in j['deliveries']]" | grep -q dead; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no dead letter: $(ctl queue)"; sleep 0.1
done
ctl queue > "$T/queue.txt"
grep -q "dead" "$T/queue.txt" || fail "queue does not show the dead letter"
grep -q "HTTP 400: Bad Request" "$T/queue.txt" || fail "queue lacks the stand-in's error text: $(cat "$T/queue.txt")"

pd POST /_faults '{"mode":"status","status":401}' >/dev/null
logger -n 127.0.0.1 -P "$PORT" -d -t app "second"
i=0
until grep -q "ALARM" "$T/triaged.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no alarm for 401"; sleep 0.1
done
ctl --json queue | json "[u['held'] for u in j['upstreams']]" | grep -q True || fail "not held"
ctl --json queue | json "len([d for d in j['deliveries'] if d['state'] == 'pending'])" | grep -qx 1 \
	|| fail "the held delivery is not pending"
pd POST /_faults '{"mode":"normal"}' >/dev/null
ctl queue retry --all >/dev/null
# --all retries the dead letter too: both arrive.
wait_pd "s.get('app/second', {}).get('triggers') == 1 and s.get('app/first', {}).get('triggers') == 1"

pd POST /_faults '{"mode":"status","status":400,"count":1}' >/dev/null
logger -n 127.0.0.1 -P "$PORT" -d -t app "third"
i=0
until ctl --json queue | json "[d['state'] for d in j['deliveries']]" | grep -q dead; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no second dead letter"; sleep 0.1
done
id=$(ctl --json queue | json "[d['id'] for d in j['deliveries'] if d['state'] == 'dead'][0]")
ctl queue drop "$id" >/dev/null || fail "queue drop"
ctl --json queue | json "len(j['deliveries'])" | grep -qx 0 || fail "queue not empty after drop"
pass "400 dead-lettered with its reason; 401 held, alarmed, retried, delivered; drop"
