#!/bin/sh
# 500 answers and answers slower than the configured timeout are retried
# with backoff until the stand-in recovers; nothing is dead-lettered and
# the attempts and last error show in triagectl queue meanwhile.
. "$(dirname "$0")/lib.sh"

# The first ten answers are 500s, however long triaged takes to start.
start_pd --fault '{"mode":"status","status":500,"count":10}'
conf_head
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	timeout 500ms
	backoff-initial 200ms
	backoff-max 1s
}
rule "app" {
	match syslog program "app"
	key "app/{message}"
	send "pd"
}
CONF
start_triaged
logger -n 127.0.0.1 -P "$PORT" -d -t app "five-hundred"
i=0
until ctl --json queue | json "[d['attempts'] for d in j['deliveries']]" | grep -q "\[[1-9]"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "no retry after 500"; sleep 0.1
done
ctl queue | grep -q "HTTP 500" || fail "queue lacks the 500: $(ctl queue)"
wait_pd "s.get('app/five-hundred', {}).get('triggers') == 1" 40

pd POST /_faults '{"mode":"delay","seconds":2,"for_seconds":3}' >/dev/null
logger -n 127.0.0.1 -P "$PORT" -d -t app "slow"
i=0
until ctl queue | grep -qi "timed\? \?out"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "no timeout recorded: $(ctl queue)"; sleep 0.1
done
# The stand-in may see a timed-out request late (at-least-once); triaged
# keeps the delivery until an answer says it was accepted.
i=0
until [ "$(ctl --json queue | json "len(j['deliveries'])")" = 0 ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "queue not empty: $(ctl queue)"; sleep 0.1
done
wait_pd "s.get('app/slow', {}).get('triggers', 0) >= 1" 20
pass "500 and timeouts retried until delivered"
