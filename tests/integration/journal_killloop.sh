#!/bin/sh
# SIGKILL triaged again and again while it reads a journal of distinct
# entries, restarting it each time: the cursor is committed in the batch
# that holds the events read up to it, so in the end every entry is in an
# incident exactly once, none skipped, none counted twice.
# JOURNAL_KILL_ENTRIES (default 100000) entries, a kill every 0.02 to 0.25 s
# (an optimized build reads them all in about a second).
. "$(dirname "$0")/lib.sh"

: "${JOURNAL_KILL_ENTRIES:=100000}"
JR=
for p in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
	[ -x "$p" ] && JR=$p && break
done
[ -n "$JR" ] || fail "systemd-journal-remote is missing (tools/deps test)"

mkdir -p "$T/journal"
python3 - "$JOURNAL_KILL_ENTRIES" <<'PY' | "$JR" -o "$T/journal/k.journal" - 2>"$T/jr.log" ||
import sys
out = sys.stdout
for i in range(1, int(sys.argv[1]) + 1):
    out.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (1700000000000000 + i, i))
    out.write("_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=kl\nPRIORITY=3\n")
    out.write("SYSLOG_IDENTIFIER=kl\nMESSAGE=entry %d done\n\n" % i)
PY
	fail "systemd-journal-remote: $(cat "$T/jr.log")"

conf_head
cat >> "$CONF" <<CONF
event-log off
journal {
	directory "$T/journal"
	start head
}
rule "entries" {
	match journal message ~ "^entry (?<n>[0-9]+) done"
	key "e/{n}"
	max-open 100000
}
CONF

# Kill while reading, at random points, until a run reads to the end.
kills=0
start_triaged
while :; do
	python3 -c 'import random, time; time.sleep(random.uniform(0.02, 0.25))'
	done_=$(ctl --json status 2>/dev/null | json "j['incidents']['total']" 2>/dev/null) || done_=0
	[ "$done_" -ge "$JOURNAL_KILL_ENTRIES" ] && break
	kill -KILL "$TRIAGED_PID"
	wait "$TRIAGED_PID" 2>/dev/null || true
	kills=$((kills + 1))
	[ $kills -lt 400 ] || fail "not done after 400 kills"
	start_triaged
done
wait_status "j['incidents']['total'] == $JOURNAL_KILL_ENTRIES" 30
sleep 1
ctl --json incidents --state all --limit 1000000 > "$T/inc.json"
python3 - "$T/inc.json" "$JOURNAL_KILL_ENTRIES" <<'PY'
import json, sys
inc = json.load(open(sys.argv[1]))["incidents"]
n = int(sys.argv[2])
counts = {int(i["key"].split("/")[1]): i["count"] for i in inc}
missing = [k for k in range(1, n + 1) if k not in counts]
twice = [k for k, c in counts.items() if c != 1]
assert not missing, "skipped: %d, first %s" % (len(missing), missing[:10])
assert not twice, "counted more than once: %d, first %s" % (len(twice), twice[:10])
assert len(counts) == n, len(counts)
PY
[ "$kills" -ge 3 ] || fail "only $kills kills: the run was too short to test anything"
stop_triaged
pass "$kills kills while reading $JOURNAL_KILL_ENTRIES journal entries: each in exactly one incident, once"
