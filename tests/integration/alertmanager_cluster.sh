#!/bin/sh
# Two triaged agents into a three-node Alertmanager cluster (Debian's
# prometheus-alertmanager, gossiping on loopback): the same SNMP trap to
# both agents is one alert on every node and ONE notification at the
# cluster's receiver.  Killing a node mid-run loses nothing: a new trap
# still reaches the other two and is notified, the agents' queues to the
# dead node retry without holding up the others, and once the node is back
# the queues catch up and it shows every firing alert again.
. "$(dirname "$0")/lib.sh"

command -v snmptrap >/dev/null || { echo "skip $SCENARIO: no snmptrap (package snmp)"; exit 77; }
start_am_receiver
W1=$(free_port); W2=$(free_port); W3=$(free_port)
C1=$(free_port); C2=$(free_port); C3=$(free_port)
start_am 1 "$W1" "$C1" "$C2" "$C3"
start_am 2 "$W2" "$C2" "$C1" "$C3"
start_am 3 "$W3" "$C3" "$C1" "$C2"
am_alerts "$W1" "True" >/dev/null
poll 20 s "len(s['cluster']['peers']) == 3" url "http://127.0.0.1:$W1/api/v2/status" >/dev/null \
	|| fail "the cluster did not form: $(tail -n 5 "$T/am1.log")"

# agent NAME SYSLOG_PORT SNMP_PORT: a config of its own, the same rule and peers.
agent_conf() {
	fleet_head "$@"
	cat <<CONF
upstream "am" alertmanager {
	url "http://127.0.0.1:$W1" "http://127.0.0.1:$W2" "http://127.0.0.1:$W3"
	resend 2s
	backoff-initial 200ms
	backoff-max 1s
	connect-timeout 1s
	rate-limit off
}
rule "link" { match trap IF-MIB::linkDown; key "{host}/if/{IF-MIB::ifIndex}"; summary "{host}: ifIndex {IF-MIB::ifIndex} down"; send "am" }
CONF
}
start_fleet agent_conf

# trap IFINDEX: the same linkDown to both agents, as gear with two receivers sends it.
trap_both() {
	for p in "$A_SNMP" "$B_SNMP"; do
		snmptrap -v 1 -c public -M "$TOP_SRCDIR/tests/data/mibs" -m IF-MIB "127.0.0.1:$p" \
			IF-MIB::ifMIB 127.0.0.9 2 0 '' IF-MIB::ifIndex."$1" i "$1" || fail "snmptrap to $p"
	done
}
# ifx N: the alerts (a) about ifIndex N.
ifx() { echo "[x for x in a if x['annotations']['summary'].endswith('ifIndex $1 down')]"; }
# notified N: the firing notifications (s) that carry ifIndex N.
notified() {
	echo "[n for n in s['notifications'] if n['status'] == 'firing' and any(x['annotations']['summary'].endswith('ifIndex $1 down') for x in n['alerts'])]"
}

trap_both 3
for w in "$W1" "$W2" "$W3"; do
	am_alerts "$w" "len($(ifx 3)) == 1 and $(ifx 3)[0]['labels']['instance'] == '127.0.0.9' and $(ifx 3)[0]['labels']['alertname'] == 'link'" \
		>/dev/null || fail "ifIndex 3 is not one alert on :$w: $(am_get "$w")"
done
am_notified "len($(notified 3)) >= 1" >/dev/null || fail "ifIndex 3 was not notified: $(am_notified False 1)"
# The other nodes wait their turn (peer-timeout 2s each) and find it sent: still one.
sleep 6
am_notified "len($(notified 3)) == 1 and len(s['notifications']) == 1" 1 >/dev/null \
	|| fail "not one notification for one trap to two agents: $(am_notified False 1)"

# Node 2 dies.  A new trap reaches nodes 1 and 3 and is notified; ifIndex 3 stays.
stop_am 2
trap_both 4
for w in "$W1" "$W3"; do
	am_alerts "$w" "len($(ifx 4)) == 1 and len($(ifx 3)) == 1" 10 >/dev/null \
		|| fail "node :$w lost or missed an alert: $(am_get "$w")"
done
am_notified "len($(notified 4)) >= 1" >/dev/null || fail "ifIndex 4 was not notified: $(am_notified False 1)"
for s in "$SOCK" "$T/agent-b.sock"; do
	poll 10 j "any(u['name'].endswith(':$W2') and u['state'] == 'failing' for u in j['upstreams']) and all(u['state'] == 'ok' for u in j['upstreams'] if not u['name'].endswith(':$W2'))" \
		cmd "$TRIAGECTL" -s "$s" --json status >/dev/null \
		|| fail "the dead peer's queue: $("$TRIAGECTL" -s "$s" --json status)"
done

# Back: the agents' queues catch up, and it shows every firing alert again.
start_am 2 "$W2" "$C2" "$C1" "$C3"
am_alerts "$W2" "len($(ifx 3)) == 1 and len($(ifx 4)) == 1" 15 >/dev/null \
	|| fail "node 2 did not catch up: $(am_get "$W2")"
for s in "$SOCK" "$T/agent-b.sock"; do
	"$TRIAGECTL" -s "$s" --json status | json "j['outbox']['dead']" | grep -qx 0 \
		|| fail "a dead letter: $("$TRIAGECTL" -s "$s" --json queue)"
done
pass "one alert and one notification from two agents; a node killed mid-run lost nothing and caught up"
