#!/bin/sh
# A silence with hold and flap: a silenced port whose down outlasts its
# hold is held as suppressed at the hold's end, matched on a named capture
# of the event that fired it, and not sent; a silenced port that starts
# flapping in its hold is held too, and is sent as flapping when the
# silence is expired; a port the silence does not match pages as before.
# explain names the silence that would hold an incident.
. "$(dirname "$0")/lib.sh"

H=$(hostname)
start_pd
conf_head
conf_pd
conf_link_rule "hold 5s" "flap 3 in 1m quiet 1m" 'send "pd"'
start_triaged
key() { echo "$H/if/$1"; }
state_of() { ctl --json show "$(key "$1")" | json "j['incident']['state']"; }
last_state_line() {
	ctl --json show "$(key "$1")" |
		json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'state'][-1]"
}

ctl silence add 'ifname~^Gi0/[12]$' for 1h --comment "switch work" >/dev/null ||
	fail "silence add refused"

# explain: the silence for a port it matches, none for another.
out=$(ctl explain '<187>Dec  4 10:00:00 sw1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to down')
echo "$out" | grep -q 'held by silence 1 (switch work) until .*: recorded as suppressed' ||
	fail "explain does not name the silence: $out"
out=$(ctl explain '<187>Dec  4 10:00:00 sw1 %LINK-3-UPDOWN: Interface Gi0/3, changed state to down')
echo "$out" | grep -q 'held by' && fail "explain holds a port no silence matches: $out"

# Down for good: at the hold's end Gi0/1 is held by the silence, Gi0/3 is sent.
link Gi0/1 down
link Gi0/3 down
# Gi0/2 flaps within its hold: its third cycle starts flapping, held by the silence.
n=0
while [ $n -lt 3 ]; do
	link Gi0/2 down
	sleep 0.2
	link Gi0/2 up
	sleep 0.2
	n=$((n + 1))
done
wait_pd "s.get('$(key Gi0/3)', {}).get('triggers') == 1"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$(key Gi0/1)'] == ['suppressed']"
last_state_line Gi0/1 | grep -q "^suppressed: not resolved within its hold of 5s, held by silence 1 (switch work) until " ||
	fail "Gi0/1's hold end: $(ctl show "$(key Gi0/1)")"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$(key Gi0/2)'][0] == 'suppressed'"
last_state_line Gi0/2 | grep -q "^suppressed: 3 down/up cycles within 1m, held by silence 1 " ||
	fail "Gi0/2's flapping: $(ctl show "$(key Gi0/2)")"
sleep 1
pd GET /_state | json "sorted(k for k in j if '/if/' in k)" | grep -qx "\['$(key Gi0/3)'\]" ||
	fail "the stand-in heard of a silenced port: $(pd GET /_state)"

# Expired: what still fires is sent, Gi0/2 as flapping.
ctl silence expire 1 >/dev/null
wait_pd "s.get('$(key Gi0/1)', {}).get('triggers') == 1 and s.get('$(key Gi0/2)', {}).get('triggers') == 1"
[ "$(state_of Gi0/1)" = triggered ] || fail "Gi0/1 is $(state_of Gi0/1) after the silence ended"
[ "$(state_of Gi0/2)" = flapping ] || fail "Gi0/2 is $(state_of Gi0/2) after the silence ended"
pass "hold and flap ask the silence before sending; expiry sends what still fires; explain names it"
