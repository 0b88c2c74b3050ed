#!/bin/sh
# The store made to fail on purpose (TRIAGED_STORE_FAULT, a build with
# ./configure --enable-fault-injection; skipped otherwise): the 50th put
# meets a full map, so its batch is aborted and redone in a grown map from
# the events the pipeline holds; then commits 10 to 13 fail with EIO and
# 14 to 16 with ENOSPC, a disk that refuses writes for about ten seconds.
# Lines keep coming over TCP from logger(1) meanwhile.  The daemon says it
# is degraded once (log, triagectl status), holds what it accepts, recovers
# by itself, and every line sent is in an incident's count.
. "$(dirname "$0")/lib.sh"

"$TRIAGED" -V | grep -q "fault injection" ||
	{ echo "SKIP $SCENARIO: triaged built without --enable-fault-injection"; exit 77; }
command -v logger >/dev/null || { echo "SKIP $SCENARIO: no logger(1)"; exit 77; }

conf_head
cat >> "$CONF" <<'CONF'
rule "fault" {
	match syslog message ~ "^fault (?<n>\d+)"
	key "fault/{n}"
	max-open 100000
}
CONF
TRIAGED_STORE_FAULT="put:50:map_full,commit:10-13:eio,commit:14-16:enospc"
export TRIAGED_STORE_FAULT
start_triaged
grep -q "TRIAGED_STORE_FAULT is set" "$T/triaged.log" || fail "the fault rules were not taken"

sent=0
# send N: N new lines over one TCP connection, numbered on from the last.
send() {
	seq $((sent + 1)) $((sent + $1)) | sed 's/^/fault /' |
		logger -T -n 127.0.0.1 -P "$PORT" -t app || fail "logger failed"
	sent=$((sent + $1))
}
degraded() {
	ctl --json status | json "j['store']['degraded']" | grep -qx True
}

# A burst at a time, each committed on its own, until the commits fail.
i=0
until degraded; do
	i=$((i + 1)); [ $i -le 60 ] || fail "never degraded after $sent lines"
	send 20
	sleep 0.2
done
ctl status > "$T/status.txt" || fail "status while degraded"
grep -q "^DEGRADED since" "$T/status.txt" || fail "status does not say degraded: $(cat "$T/status.txt")"
# Accepted while the commits fail: held in memory, written when they work again.
for _ in 1 2 3 4 5; do send 20; sleep 0.2; done
degraded || fail "recovered before the ENOSPC commits were spent"

# Nothing more is sent: the held events' own retries must end it.
i=0
while degraded; do
	i=$((i + 1)); [ $i -le 300 ] || fail "still degraded after 30 s"
	sleep 0.1
done
send 100
wait_incidents "sum(i['count'] for i in j['incidents']) >= $sent" 20

ctl --json incidents --state all --limit 1000000 > "$T/inc.json"
ctl --json status > "$T/status.json"
python3 - "$T/inc.json" "$T/status.json" "$sent" <<'PY'
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
st = json.load(open(sys.argv[2]))
sent = int(sys.argv[3])
counts = {int(i["key"].split("/")[1]): i["count"] for i in incs}
tcp = sum(l["received"] for l in st["listeners"] if l["proto"] == "tcp")
assert tcp == sent, "sent %d, the TCP listener received %d" % (sent, tcp)
assert sum(counts.values()) == sent, "sent %d, in incidents %d" % (sent, sum(counts.values()))
wrong = [n for n in range(1, sent + 1) if counts.get(n) != 1]
assert not wrong, "lines not counted exactly once: %s" % wrong[:10]
s = st["store"]
assert s["commit_failures"] == 7, s
assert s["batches_redone"] >= 1 and s["map_grows"] >= 1, s
assert not s["degraded"], s
print("%d lines, %d commits failed, %d batch(es) (%d events) redone, map grew %d times" %
      (sent, s["commit_failures"], s["batches_redone"], s["events_redone"], s["map_grows"]))
PY
[ "$(grep -c 'DEGRADED: the state database refuses writes' "$T/triaged.log")" -eq 1 ] ||
	fail "degraded not said exactly once"
[ "$(grep -c 'recovered: the state database accepts writes again' "$T/triaged.log")" -eq 1 ] ||
	fail "recovery not said exactly once"
grep -q "redoing the batch in a grown map" "$T/triaged.log" || fail "no batch was redone"
stop_triaged
pass "injected map-full and 7 failed commits: degraded once, recovered by itself, $sent of $sent lines counted"
