#!/bin/sh
# Journal entries in a fixture journal (made by systemd-journal-remote from
# export format) become incidents by the rules; entries above the priority
# filter are not read; after a restart nothing is replayed and entries
# written meanwhile, to a second journal file, arrive (cursor resume).
. "$(dirname "$0")/lib.sh"

JR=
for p in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
	[ -x "$p" ] && JR=$p && break
done
if [ -z "$JR" ]; then
	echo "SKIP $SCENARIO: systemd-journal-remote is not installed"
	exit 77
fi

BOOT=0123456789abcdef0123456789abcdef
SEQ=0
# entry PRIORITY IDENTIFIER HOST MESSAGE: one entry in export format.
entry() {
	SEQ=$((SEQ + 1))
	printf '__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n' \
		$((1700000000000000 + SEQ * 1000000)) $((SEQ * 1000)) "$BOOT"
	printf '_HOSTNAME=%s\nPRIORITY=%s\nSYSLOG_IDENTIFIER=%s\n_SYSTEMD_UNIT=%s.service\n' \
		"$3" "$1" "$2" "$2"
	printf '_COMM=%s\nMESSAGE=%s\n\n' "$2" "$4"
}

mkdir -p "$T/journal"
{
	entry 3 disk-check web-01 "disk /dev/sda failing"
	entry 6 disk-check web-01 "disk /dev/sdb failing"   # info: above warning, not read
	entry 4 disk-check web-02 "disk /dev/sdc failing"
	entry 2 disk-check web-01 "disk /dev/sda failing"   # same key: count 2
	entry 3 cron web-01 "disk /dev/sdd failing"	    # another program: no rule
	entry 7 disk-check web-03 "disk /dev/sde failing"   # debug: not read
} | "$JR" -o "$T/journal/a.journal" - 2>"$T/jr.log" || fail "systemd-journal-remote: $(cat "$T/jr.log")"

conf_head
cat >> "$CONF" <<CONF
journal {
	directory "$T/journal"
	start head
	priority <= warning
}
rule "disk" {
	match journal program "disk-check" and message ~ "disk (?<dev>/dev/\\\\w+) failing"
	key "{host}/{dev}"
	summary "{dev} failing on {host} ({_SYSTEMD_UNIT})"
}
rule "unit" {
	match journal field "_SYSTEMD_UNIT" = "cron.service"
	key "cron/{host}"
}
CONF
start_triaged

# Four entries pass the filter: three for "disk" (two incidents), one for "unit".
wait_status "j['events']['received'] == 4" 10
wait_incidents "len(j['incidents']) == 3" 10
ctl --json incidents --state all > "$T/inc1.json"
python3 - "$T/inc1.json" <<'PY'
import json, sys
inc = {i["key"]: i for i in json.load(open(sys.argv[1]))["incidents"]}
assert set(inc) == {"web-01//dev/sda", "web-02//dev/sdc", "cron/web-01"}, inc
a = inc["web-01//dev/sda"]
assert a["count"] == 2, a
assert a["host"] == "web-01", a
assert a["summary"] == "/dev/sda failing on web-01 (disk-check.service)", a
assert inc["web-02//dev/sdc"]["host"] == "web-02", inc
assert inc["cron/web-01"]["rule"] == "unit", inc
PY
stop_triaged

# Written while triaged is down, to a second file in the same directory, later
# (the pipeline's left side is a subshell: SEQ did not move there).
SEQ=10
{
	entry 1 disk-check web-04 "disk /dev/sdf failing"
	entry 6 disk-check web-04 "disk /dev/sdg failing"   # info: not read
	entry 3 disk-check web-01 "disk /dev/sda failing"   # count 3
} | "$JR" -o "$T/journal/b.journal" - 2>"$T/jr.log" || fail "systemd-journal-remote: $(cat "$T/jr.log")"

start_triaged
wait_incidents "len(j['incidents']) == 4" 10
# The new entries, and nothing replayed: exactly two events this run.
wait_status "j['events']['received'] == 2" 10
sleep 1
ctl --json status | json "j['events']['received']" > "$T/received"
[ "$(cat "$T/received")" = 2 ] || fail "expected 2 events after the restart, got $(cat "$T/received")"
ctl --json incidents --state all > "$T/inc2.json"
python3 - "$T/inc2.json" <<'PY'
import json, sys
inc = {i["key"]: i for i in json.load(open(sys.argv[1]))["incidents"]}
assert set(inc) == {"web-01//dev/sda", "web-02//dev/sdc", "cron/web-01", "web-04//dev/sdf"}, inc
assert inc["web-01//dev/sda"]["count"] == 3, inc["web-01//dev/sda"]
assert inc["web-02//dev/sdc"]["count"] == 1, inc
assert inc["cron/web-01"]["count"] == 1, inc
assert inc["web-04//dev/sdf"]["host"] == "web-04", inc
PY

# A reload with the same journal block keeps the reader and replays nothing.
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] == 1" 10
sleep 1
ctl --json status | json "j['events']['received']" > "$T/received"
[ "$(cat "$T/received")" = 2 ] || fail "a reload replayed entries: $(cat "$T/received") events"

# A changed block reopens the journal where it was: the older info entries
# it now lets through are behind the cursor and stay unread.
sed -i 's/priority <= warning/priority <= info/' "$CONF"
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] == 2" 10
sleep 1
ctl --json status | json "j['events']['received']" > "$T/received"
[ "$(cat "$T/received")" = 2 ] || fail "reopening replayed entries: $(cat "$T/received") events"

# An entry written while triaged runs arrives without a restart.
SEQ=20
entry 0 disk-check web-05 "disk /dev/sdh failing" |
	"$JR" -o "$T/journal/c.journal" - 2>"$T/jr.log" || fail "systemd-journal-remote: $(cat "$T/jr.log")"
wait_incidents "any(i['key'] == 'web-05//dev/sdh' for i in j['incidents'])" 10
stop_triaged

# start tail (the default), fresh state: the first start reads nothing old,
# yet remembers where "now" was, so what arrives while it is down is read.
CONF="$T/tail.conf"
SOCK="$T/tail.sock"
cat > "$CONF" <<CONF
state-dir "$T/state-tail"
control-socket "$SOCK"
journal { directory "$T/journal" }
default keep
CONF
start_triaged
sleep 1
ctl --json status | json "j['events']['received']" > "$T/received"
[ "$(cat "$T/received")" = 0 ] || fail "start tail read $(cat "$T/received") old entries"
stop_triaged
SEQ=30
entry 3 disk-check web-06 "disk /dev/sdi failing" |
	"$JR" -o "$T/journal/d.journal" - 2>"$T/jr.log" || fail "systemd-journal-remote: $(cat "$T/jr.log")"
start_triaged
wait_status "j['events']['received'] == 1" 10
wait_incidents "len(j['incidents']) == 1 and j['incidents'][0]['host'] == 'web-06'" 10
stop_triaged
pass "journal entries became incidents, filtered by priority, resumed after a restart"
