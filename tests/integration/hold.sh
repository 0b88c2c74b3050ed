#!/bin/sh
# hold: a link that comes back within the hold is recorded as transient and
# nothing reaches PagerDuty; one that stays down is sent when the hold ends,
# within a few ms of it; a triaged killed with -9 in the middle of a hold
# still sends at the hold's end after a restart; a person's resolve within
# the hold is transient too.  Real logger lines, Cisco's words.
. "$(dirname "$0")/lib.sh"

HOLD=5 # long enough for a kill -9 and an ASan restart on a loaded machine
H=$(hostname)
start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
rule "interface down" {
	match syslog message ~ "Interface (?<ifname>\S+), changed state to down"
	resolve-on syslog message ~ "Interface (?<ifname>\S+), changed state to up"
	key "{host}/if/{ifname}"
	summary "{host}: interface {ifname} down"
	component "{ifname}"
	hold ${HOLD}s
	send "pd"
}
CONF
start_triaged
state_of() { ctl --json show "$H/if/$1" | json "j['incident']['state']"; }
requests() {
	pd GET /_requests | python3 -c "
import json, sys
r = json.load(sys.stdin)
r = r['requests'] if isinstance(r, dict) else r
print(json.dumps([q for q in r if isinstance(q.get('body'), dict)]))"
}
# Milliseconds from the hold's end (first seen + HOLD) to when KEY triggered.
late_ms() {
	ctl --json show "$H/if/$1" | json "round(1000 * (
	__import__('datetime').datetime.fromisoformat(j['incident']['state_since'][:-1]) -
	__import__('datetime').datetime.fromisoformat(j['incident']['first_seen'][:-1])
	).total_seconds()) - 1000 * $HOLD"
}

# A blip: down and up within the hold.
link Gi0/1 down
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/if/Gi0/1'] == ['pending']"
link Gi0/1 up
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/if/Gi0/1'] == ['transient']"
ctl --json incidents --state transient | json "[i['key'] for i in j['incidents']]" |
	grep -qF "'$H/if/Gi0/1'" || fail "not listed as transient"
ctl show "$H/if/Gi0/1" | grep -q "transient: resolve-on matched within its hold, never sent" ||
	fail "the timeline does not say transient: $(ctl show "$H/if/Gi0/1")"

# An outage: down for good, sent when the hold ends.
link Gi0/2 down
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/if/Gi0/2'] == ['pending']"
ctl show "$H/if/Gi0/2" | grep -q "pending: opened, held for ${HOLD}s" || fail "no hold on the timeline"
wait_pd "s.get('$H/if/Gi0/2', {}).get('triggers') == 1" $((HOLD + 10))
[ "$(state_of Gi0/2)" = triggered ] || fail "Gi0/2 is $(state_of Gi0/2)"
late=$(late_ms Gi0/2)
echo "the hold ended ${late} ms after its deadline"
[ "$late" -ge 0 ] && [ "$late" -lt 500 ] || fail "the hold ended ${late} ms from its deadline"
requests > "$T/req.json"
first=$(ctl --json show "$H/if/Gi0/2" | json "j['incident']['first_seen']")
python3 - "$T/req.json" "$HOLD" "$H" "$first" <<'PY' || fail "PagerDuty's view is wrong: $(cat "$T/req.json")"
import datetime, json, sys
reqs, hold = json.load(open(sys.argv[1])), float(sys.argv[2])
keys = [r["body"]["dedup_key"] for r in reqs]
assert keys == [sys.argv[3] + "/if/Gi0/2"], keys   # the blip never went
p = reqs[0]["body"]["payload"]
assert p["component"] == "Gi0/2", p     # expanded when the hold began
assert p["custom_details"]["first_event"].endswith("changed state to down"), p
end = datetime.datetime.fromisoformat(sys.argv[4][:-1]).replace(
    tzinfo=datetime.timezone.utc).timestamp() + hold
print("PagerDuty had the trigger %.0f ms after the hold's end" % (1000 * (reqs[0]["t"] - end)))
PY
link Gi0/2 up
wait_pd "s.get('$H/if/Gi0/2', {}).get('history') == ['trigger', 'resolve']"

# A person's resolve within the hold: transient as well.
link Gi0/4 down
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/if/Gi0/4'] == ['pending']"
ctl resolve "$H/if/Gi0/4" >/dev/null
[ "$(state_of Gi0/4)" = transient ] || fail "Gi0/4 is $(state_of Gi0/4)"

ctl --json status | json "(j['incidents']['transient'], j['events']['held'], j['events']['transient'])" \
	> "$T/counts"
grep -qxF "(2, 3, 2)" "$T/counts" || fail "status counts: $(cat "$T/counts")"

# kill -9 in the middle of a hold: the restarted daemon sends it at the hold's end.
link Gi0/3 down
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/if/Gi0/3'] == ['pending']"
kill -KILL "$TRIAGED_PID"
wait "$TRIAGED_PID" 2>/dev/null || true
TRIAGED_PID=
start_triaged
[ "$(state_of Gi0/3)" = pending ] || fail "Gi0/3 is $(state_of Gi0/3) after the restart"
wait_pd "s.get('$H/if/Gi0/3', {}).get('triggers') == 1" $((HOLD + 10))
late=$(late_ms Gi0/3)
echo "after kill -9, the hold ended ${late} ms after its deadline"
[ "$late" -ge 0 ] && [ "$late" -lt 500 ] || fail "after a restart the hold ended ${late} ms off"
sleep 1
requests | json "sorted(set(r['body']['dedup_key'] for r in j))" > "$T/keys"
grep -qxF "['$H/if/Gi0/2', '$H/if/Gi0/3']" "$T/keys" || fail "sent: $(cat "$T/keys")"
ctl status | grep -q "2 transient" || fail "status: $(ctl status)"
pass "blips transient and unsent, outages sent at the hold's end, across kill -9"
