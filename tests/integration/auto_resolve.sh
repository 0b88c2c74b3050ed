#!/bin/sh
# auto-resolve and threshold windows run from the deadline index: a quiet
# incident resolves itself, a pending one expires below its threshold, and
# after a reload the current rule decides (an early deadline is filed again;
# a shortened rule files every open incident again, a few hundred a tick).
. "$(dirname "$0")/lib.sh"

rules() {
	conf_head
	cat >> "$CONF" <<CONF
rule "quiet" {
	match syslog message ~ "quiet (?<n>\S+)"
	key "quiet/{n}"
	auto-resolve $1
}
rule "rare" {
	match syslog message ~ "rare (?<n>\S+)"
	key "rare/{n}"
	threshold 3 in 4s
}
CONF
}
state_of() {
	ctl --json show "$1" | json "j['incident']['state']"
}
send() { logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t T "$1"; }

rules 2s
start_triaged
send "quiet a"
send "rare a"
send "quiet b"
wait_incidents "len(j['incidents']) == 3"
[ "$(state_of rare/a)" = pending ] || fail "rare/a should be pending"
wait_incidents "sorted(i['state'] for i in j['incidents']) == ['expired', 'resolved', 'resolved']" 10
ctl show quiet/a | grep -q "auto-resolved after a quiet period" || fail "no auto-resolve line"
# The sweep's timer is set for the next deadline, not a 1 s tick: met within a few ms.
late=$(ctl --json incidents --state resolved | json "round(1000 * max(
	(__import__('datetime').datetime.fromisoformat(i['resolved_at'].replace('Z', '+00:00')) -
	 __import__('datetime').datetime.fromisoformat(i['last_seen'].replace('Z', '+00:00'))
	).total_seconds() - 2 for i in j['incidents']))")
echo "auto-resolve met its deadline ${late} ms late"
[ "$late" -ge 0 ] && [ "$late" -lt 500 ] || fail "auto-resolve ${late} ms late"
ctl show rare/a | grep -q "expired: below its threshold" || fail "no expiry line"

# A longer auto-resolve after a reload: the 5s deadline comes due and is
# filed again (5s: a loaded machine reloads well within it).
rules 5s
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] >= 1"
send "quiet c"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == 'quiet/c'] == ['triggered']"
rules 1h
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] >= 2"
sleep 6
[ "$(state_of quiet/c)" = triggered ] || fail "quiet/c resolved under the old rule"

# A shorter one after a reload: quiet/c, filed for an hour, is filed again
# and resolves within seconds, not in an hour.
rules 2s
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] >= 3"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == 'quiet/c'] == ['resolved']" 8
grep -q "rule quiet now expires incidents sooner" "$T/triaged.log" || fail "the refile is not logged"
pass "auto-resolve and threshold expiry from the deadline index"
