#!/bin/sh
# flap: a switch port going down and up (Cisco's %LINK-3-UPDOWN lines, by
# real logger over UDP) pages once: its first cycles are blips within the
# hold (transient), the third within the window makes one flapping
# incident, sent once with its cycle count and updated as it goes on, never
# paged again, and resolved once after the quiet period.  A port that flaps
# and then stays down is an outage: open again as triggered, not resolved.
. "$(dirname "$0")/lib.sh"

H=$(hostname)
start_pd
conf_head
conf_pd
conf_link_rule "hold 5s" "flap 3 in 1m quiet 6s" 'send "pd"'
start_triaged
# CYCLES down/up cycles of port $1, a down and its up 0.2 s apart.
flap() {
	n=0
	while [ $n -lt "$2" ]; do
		link "$1" down
		sleep 0.2
		link "$1" up
		sleep 0.2
		n=$((n + 1))
	done
}
key() { echo "$H/if/$1"; }
show() { ctl --json show "$(key "$1")"; }

flap Gi0/5 6
ctl --json incidents --state flapping | json "[i['key'] for i in j['incidents']]" |
	grep -qF "'$(key Gi0/5)'" || fail "not flapping: $(ctl incidents)"
# What is checked next holds while it flaps and after: a loaded machine may
# let the quiet period pass before it is looked at.
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$(key Gi0/5)'][1:] == ['transient', 'transient']"
wait_incidents "[i['cycles'] for i in j['incidents'] if i['key'] == '$(key Gi0/5)'][0] == 6"
ctl show "$(key Gi0/5)" | grep -q "^cycles: *6 down/up" || fail "show: $(ctl show "$(key Gi0/5)")"
ctl show "$(key Gi0/5)" | grep -q "flapping: 3 down/up cycles within 1m" || fail "no flapping line"
[ "$(ctl --json status | json "j['events']['flapping']")" = 1 ] || fail "status: not counted"

# The stand-in: one alert, its trigger and updates, the last saying 6 cycles.
wait_pd "len([h for h in s['$(key Gi0/5)']['history'] if h == 'trigger']) >= 2"
pd GET /_requests > "$T/req.json"
python3 - "$T/req.json" "$(key Gi0/5)" <<'PY' || fail "PagerDuty's view: $(cat "$T/req.json" | head -c 3000)"
import json, sys
r = json.load(open(sys.argv[1]))
r = r["requests"] if isinstance(r, dict) else r
bodies = [q["body"] for q in r if isinstance(q.get("body"), dict)]
assert {b["dedup_key"] for b in bodies} == {sys.argv[2]}, bodies   # blips never went
triggers = [b for b in bodies if b["event_action"] == "trigger"]
assert bodies[:len(triggers)] == triggers, bodies   # a resolve, if any yet, comes last
first, last = triggers[0]["payload"], triggers[-1]["payload"]
assert first["custom_details"]["cycles"] == 3, first
assert first["summary"].startswith("flapping (3 cycles): "), first
assert last["custom_details"]["cycles"] == 6 and last["custom_details"]["flapping"], last
PY

# Quiet for 6 s, last seen up: resolved, and PagerDuty told once.
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$(key Gi0/5)'][0] == 'resolved'" 15
ctl show "$(key Gi0/5)" | grep -q "resolved: stable for 6s after 6 cycles" || fail "no settle line"
wait_pd "s['$(key Gi0/5)']['state'] == 'resolved'"
pd GET /_state | json "j['$(key Gi0/5)']" > "$T/st"
python3 - "$T/st" <<'PY' || fail "stand-in state: $(cat "$T/st")"
import ast, sys
st = ast.literal_eval(open(sys.argv[1]).read())
assert st["incidents"] == 1 and st["resolves"] == 1, st
h = st["history"]
assert h[-1] == "resolve" and set(h[:-1]) == {"trigger"}, h
PY

# Flapping that ends down: an outage, triggered again, resolved only by its up.
flap Gi0/6 3
link Gi0/6 down
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$(key Gi0/6)'][0] == 'triggered'" 15
ctl show "$(key Gi0/6)" | grep -q "triggered: down for 6s after 4 cycles: flapping no more" ||
	fail "no outage line: $(ctl show "$(key Gi0/6)")"
wait_pd "s['$(key Gi0/6)']['state'] == 'triggered' and s['$(key Gi0/6)']['resolves'] == 0"
link Gi0/6 up
wait_pd "s['$(key Gi0/6)']['state'] == 'resolved' and s['$(key Gi0/6)']['incidents'] == 1"
pass "a flapping port paged once, updated, resolved after its quiet period"
