#!/bin/sh
# The sync thread made to fail on purpose (TRIAGED_STORE_FAULT, a build
# with ./configure --enable-fault-injection; skipped otherwise): the first
# 20 fdatasyncs of the state database fail with EIO.  Commits still go in,
# so `triagectl show` finds a new incident at once, but nothing that waits
# for durability leaves the process: no request reaches the PagerDuty
# stand-in and a real snmpinform is not answered.  The daemon says it is
# degraded once; when syncs work again the trigger goes out exactly once,
# informs are answered, and the daemon says it recovered.
. "$(dirname "$0")/lib.sh"

"$TRIAGED" -V | grep -q "fault injection" ||
	{ echo "SKIP $SCENARIO: triaged built without --enable-fault-injection"; exit 77; }
command -v logger >/dev/null || { echo "SKIP $SCENARIO: no logger(1)"; exit 77; }
command -v snmpinform >/dev/null || { echo "SKIP $SCENARIO: no snmpinform"; exit 77; }

start_pd
conf_head
conf_pd
conf_snmp
cat >> "$CONF" <<'CONF'
rule "link" {
	match syslog message ~ "link (?<ifname>eth[0-9]+) down"
	key "{host}/if/{ifname}"
	summary "{host}: link {ifname} down"
	send "pd"
}
rule "trap" {
	match trap IF-MIB::linkDown
	key "{host}/trap"
}
CONF
FAILS=20
TRIAGED_STORE_FAULT="sync:1-$FAILS:eio"
export TRIAGED_STORE_FAULT
start_triaged
grep -q "TRIAGED_STORE_FAULT is set" "$T/triaged.log" || fail "the fault rules were not taken"
mkdir -p "$T/client"
export SNMPCONFPATH="$T/client" SNMP_PERSISTENT_DIR="$T/client" MIBS=""
inform() {
	snmpinform -v 2c -c public -t 1 -r 0 "127.0.0.1:$SNMP_PORT" '' \
		1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.7 i 7 >/dev/null 2>&1
}

logger -n 127.0.0.1 -P "$PORT" -T -t kernel "link eth1 down" || fail "logger failed"
# Visible as soon as committed, durable or not.
wait_incidents "any(i['key'].endswith('/if/eth1') for i in j['incidents'])" 10
wait_status "j['store']['sync_failures'] >= 1 and j['store']['degraded']" 10
inform && fail "an inform was answered while its trap could not be made durable"
sleep 1
[ "$(ctl --json status | json "j['store']['sync_failures']")" -lt $FAILS ] ||
	fail "the failing syncs were spent too early for this test"
pd GET /_state | python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(any(s.values()))' ||
	fail "a trigger left before its commit was durable: $(pd GET /_state)"
ctl status > "$T/status.txt" || fail "status while degraded"
grep -q "^DEGRADED since" "$T/status.txt" || fail "status does not say degraded: $(cat "$T/status.txt")"

# Every commit asks for a sync: a trickle of lines spends the failures.
n=0
until pd GET /_state | python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(not any(v.get("triggers") for v in s.values()))'; do
	n=$((n + 1)); [ $n -le 300 ] || fail "the trigger never left: $(ctl --json status)"
	logger -n 127.0.0.1 -P "$PORT" -T -t app "noise $n"
	sleep 0.1
done
inform || fail "an inform was not answered once syncs worked again"
wait_status "not j['store']['degraded']" 20
ctl --json status > "$T/status.json"
python3 - "$T/status.json" "$FAILS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["store"]
assert s["sync_failures"] == int(sys.argv[2]), s
assert s["syncs"] >= 1 and s["commits"] >= s["syncs"], s
print("%d commits, %d syncs, %d syncs failed" % (s["commits"], s["syncs"], s["sync_failures"]))
PY
sleep 1
pd GET /_requests > "$T/requests.json"
python3 - "$T/requests.json" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
acts = [r["body"]["event_action"] for r in reqs if isinstance(r.get("body"), dict)]
assert acts == ["trigger"], acts
PY
[ "$(grep -c 'DEGRADED: the state database refuses writes (Input/output error); commits are not made durable' "$T/triaged.log")" -eq 1 ] ||
	fail "degraded not said exactly once: $(grep DEGRADED "$T/triaged.log")"
[ "$(grep -c 'recovered: the state database accepts writes again' "$T/triaged.log")" -eq 1 ] ||
	fail "recovery not said exactly once"
stop_triaged
pass "$FAILS failed syncs: incident visible at once, nothing sent or answered until durable, one trigger after"
