#!/bin/sh
# The raw-event log in zstd segments, on a small tmpfs: every line sent is
# listed by `triagectl events`, the segments pass `zstd -t`, the log stays
# within max-size by deleting whole segments, numbering goes on across a
# kill -9, and a full disk costs only the log: said once, counted, incidents
# go on, and it writes again by itself when space returns.
. "$(dirname "$0")/lib.sh"

command -v zstd >/dev/null || fail "zstd is not installed (tools/deps test)"
state_on_tmpfs 24m

conf_head
cat >> "$CONF" <<'CONF'
event-log { max-size 1M }
rule "app" { match syslog program "app"; key "app/{host}" }
CONF
start_triaged

send() { # send FIRST LAST: one UDP line per number, with text that compresses poorly
	python3 - "$PORT" "$1" "$2" <<'PY'
import os, socket, sys, time
port, a, b = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(a, b + 1):
    u.sendto(b"<14>Dec  4 02:00:00 db-1 app: line %d %s" % (i, os.urandom(60).hex().encode()),
             ("127.0.0.1", port))
    if i % 200 == 0:
        time.sleep(0.005)
PY
}
evlog() { ctl --json status | json "j['store']['event_log']$1"; }

# 1. What came is on disk, numbered, readable, and each segment is zstd.
send 1 100
logger -n 127.0.0.1 -P "$PORT" -d -t app "$(printf 'hostile \033[31mred\033[0m \001 end')"
wait_status "j['store']['event_log']['records'] >= 101"
ctl --json events --limit 101 > "$T/ev.json" || fail "events failed"
python3 - "$T/ev.json" <<'PY' || fail "events: $(head -c 600 "$T/ev.json")"
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
ids = [e["id"] for e in ev]
assert ids == list(range(101, 0, -1)), ids[:5]
assert "hostile \x1b[31mred" in ev[0]["text"], ev[0]  # as received, escaped by JSON
assert b"\x1b" not in open(sys.argv[1], "rb").read()
assert all(e["text"].startswith("<14>") for e in ev[1:]), ev[1]
PY
ctl events > "$T/ev.txt" || fail "events table failed"
! grep -q "$(printf '\033')" "$T/ev.txt" || fail "a raw ESC reached the events table"
for f in "$T"/state/eventlog/*.zst; do
	zstd -q -t "$f" || fail "$f is not a valid zstd stream"
done

# 2. Far past max-size: whole segments go, the rest stays within 1M, newest kept.
send 1000 40999
wait_status "j['events']['received'] >= 40000" 30
i=0
until [ "$(evlog "['pending_bytes']")" = 0 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the log's writer did not catch up"; sleep 0.1
done
bytes=$(evlog "['bytes']")
pruned=$(evlog "['pruned_segments']")
[ "$bytes" -le 1048576 ] || fail "the log holds $bytes bytes, more than max-size"
[ "$bytes" -gt $((1048576 * 3 / 4)) ] || fail "the log holds only $bytes bytes"
[ "$pruned" -gt 0 ] || fail "nothing was pruned"
disk=$(du -sb "$T/state/eventlog" | cut -f1)
[ "$disk" -le $((1048576 + 65536)) ] || fail "$disk bytes on disk under eventlog/"
newest=$(ctl --json events --limit 1 | json "j['events'][0]['id']")

# 3. kill -9 and start again: the numbering goes on after what was written.
sleep 0.5
kill -9 "$TRIAGED_PID"
wait "$TRIAGED_PID" 2>/dev/null || true
TRIAGED_PID=
start_triaged
send 50000 50000
wait_status "j['store']['event_log']['records'] > 0 and j['store']['event_log']['pending_bytes'] == 0"
after=$(ctl --json events --limit 1 | json "j['events'][0]['id']")
[ "$after" -eq $((newest + 1)) ] || fail "numbering after the kill: $after after $newest"
ctl --json events --limit 2 | json "j['events'][1]['id']" | grep -qx "$newest" ||
	fail "the last event before the kill is gone"

# 4. A full disk: the log says so once and drops what it cannot write; incidents go on.
dd if=/dev/zero of="$T/state/filler" bs=64k 2>/dev/null || true
send 60000 62000
python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    b"<14>Dec  4 02:00:00 other-host app: on a full disk", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
i=0
until [ "$(evlog "['dropped']")" -gt 0 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "nothing counted as dropped on a full disk"
	send 63000 63100
	sleep 0.1
done
kill -0 "$TRIAGED_PID" || fail "triaged died when the log's disk filled"
[ "$(grep -c 'event log: cannot write' "$T/triaged.log")" -eq 1 ] ||
	fail "the full disk not said exactly once: $(grep -c 'event log: cannot write' "$T/triaged.log")"
rm -f "$T/state/filler"
i=0
until grep -q 'event log: writing to .* again' "$T/triaged.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the log did not write again when space returned"
	send $((70000 + i)) $((70000 + i))
	sleep 0.2
done
wait_incidents "any(i['key'] == 'app/other-host' for i in j['incidents'])" 30
send 80000 80000
wait_status "j['store']['event_log']['pending_bytes'] == 0"
ctl --json events --limit 1 | json "j['events'][0]['text']" | grep -q "line 80000 " ||
	fail "the log does not hold what came after the disk had room again"
dropped=$(evlog "['dropped']")
pass "event log: 1M kept within its size ($bytes bytes, $pruned segments pruned), numbering across kill -9, $dropped events dropped from the log on a full disk and said once"
