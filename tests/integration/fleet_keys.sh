#!/bin/sh
# Two agents (different hostnames, state and ports) receive the same syslog
# line and the same SNMP trap, as gear that sends to two receivers does:
# their default keys are equal, so PagerDuty sees one incident for each
# problem, triggered twice, not two incidents.
. "$(dirname "$0")/lib.sh"

command -v snmptrap >/dev/null || { echo "skip $SCENARIO: no snmptrap (package snmp)"; exit 77; }
start_pd
# agent NAME PORT SNMP_PORT: a config of its own, the same rules.
agent_conf() {
	fleet_head "$@"
	cat <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 100ms
	rate-limit off
}
rule "disk" { match syslog message ~ "I/O error"; send "pd" }
rule "link" { match trap IF-MIB::linkDown; send "pd" }
CONF
}
start_fleet agent_conf

for p in "$PORT" "$B_PORT"; do
	printf '<11>Dec  4 09:00:00 sw1 kernel: I/O error, dev sda, sector 42' \
		| python3 -c "import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.stdin.buffer.read(), ('127.0.0.1', int(sys.argv[1])))" "$p"
done
for p in "$A_SNMP" "$B_SNMP"; do
	snmptrap -v 1 -c public -M "$TOP_SRCDIR/tests/data/mibs" -m IF-MIB "127.0.0.1:$p" \
		IF-MIB::ifMIB 127.0.0.9 2 0 '' IF-MIB::ifIndex.3 i 3 || fail "snmptrap to $p"
done
wait_pd "len(s) == 2 and all(v['triggers'] == 2 for v in s.values())"
keys() { "$TRIAGECTL" -s "$1" --json incidents | json "sorted(i['key'] for i in j['incidents'])"; }
[ "$(keys "$SOCK")" = "$(keys "$T/agent-b.sock")" ] \
	|| fail "the agents' keys differ: $(keys "$SOCK") / $(keys "$T/agent-b.sock")"
pd GET /_state | json "sorted((k, v['triggers'], v['incidents']) for k, v in j.items())" \
	| grep -q "^\[('disk/sw1/[0-9a-f]*', 2, 1), ('link/127.0.0.9/[0-9a-f]*', 2, 1)\]$" \
	|| fail "PagerDuty did not see one incident per problem: $(pd GET /_state)"
pass "two agents, the same line and trap: equal keys, one PagerDuty incident each"
