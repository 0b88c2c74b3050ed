#!/bin/sh
# resolve-on pairs a "down" with its "up" by key; the next "down" opens a new
# incarnation; state survives a restart.
. "$(dirname "$0")/lib.sh"

conf_head
conf_link_rule "severity crit"
start_triaged
send() { logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t LINK "$1"; }

send "Interface Gi0/1, changed state to down"
send "Interface Gi0/2, changed state to down"
wait_incidents "len(j['incidents']) == 2"
send "Interface Gi0/1, changed state to up"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'].endswith('/if/Gi0/1')] == ['resolved']"
ctl --json show "$(hostname)/if/Gi0/2" | json "j['incident']['severity']" | grep -qx crit \
	|| fail "severity crit not applied"

stop_triaged
start_triaged
send "Interface Gi0/1, changed state to down"
wait_incidents "sorted(i['state'] for i in j['incidents'] if i['key'].endswith('/if/Gi0/1')) == ['resolved', 'triggered']"
ctl --json show "$(hostname)/if/Gi0/1" | json "j['incident']['state']" | grep -qx triggered \
	|| fail "show does not return the newest incarnation"
ctl resolve "$(hostname)/if/Gi0/2"
ctl --json show "$(hostname)/if/Gi0/2" | json "j['incident']['state']" | grep -qx resolved \
	|| fail "triagectl resolve did not resolve"
ctl resolve "$(hostname)/if/Gi0/2" 2>"$T/err" && fail "resolving twice should fail"
grep -q "no open incident" "$T/err" || fail "unclear message: $(cat "$T/err")"
pass "down/up paired, new incarnation, restart kept state"
