#!/bin/sh
# A syslog message of the listener's max-message (64 KiB by default),
# octet-counted over TCP, through the raw-event log: stored whole, and one
# 100 bytes longer cut at exactly 64 KiB (counted truncated); both are
# listed by `triagectl events` byte for byte, their control bytes escaped
# by JSON and never raw on a terminal, and `triagectl replay` reads them
# back whole: the keys captured from their last bytes come out as live.
. "$(dirname "$0")/lib.sh"

start_pd
conf_head
conf_pd
cat >> "$CONF" <<'CONF'
rule "big" {
	match syslog program "big" and message ~ "^HEAD(?<h>[0-9a-f]{8}) .* TAIL(?<t>[0-9a-f]{8})$"
	key "big/{h}/{t}"
	send "pd"
}
CONF
start_triaged

# $T/m1, exactly 65536 bytes; $T/m2, 65636 whose first 65536 end in its TAIL.
python3 - "$PORT" "$T" <<'PY'
import os, socket, sys
port, t = int(sys.argv[1]), sys.argv[2]
MAX = 64 * 1024
def message(h, tail, extra):
    head = b"<14>Dec  4 02:00:00 h big: HEAD" + h + b" "
    end = b" TAIL" + tail
    unit = b"x\x1b[31m\x01caf\xc3\xa9 \xe2\x82\xac\t\x7f "
    fill = unit * ((MAX - len(head) - len(end)) // len(unit))
    fill += b"y" * (MAX - len(head) - len(end) - len(fill))
    m = head + fill + end
    assert len(m) == MAX
    return m + extra
m1 = message(b"0123abcd", b"89abcdef", b"")
m2 = message(b"4567cdef", b"0badf00d", b" EXTRA TAILffffffff" * 5 + b"z" * 5)
assert len(m2) == MAX + 100
open(t + "/m1", "wb").write(m1)
open(t + "/m2", "wb").write(m2)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"%d %s%d %s" % (len(m1), m1, len(m2), m2))
s.close()
PY
tcp="[l for l in j['listeners'] if l['proto'] == 'tcp'][0]"
wait_status "$tcp['received'] == 2 and j['store']['event_log']['pending_bytes'] == 0 and \
j['store']['event_log']['records'] == 2"
ctl --json status | json "$tcp['truncated']" | grep -qx 1 || fail "the longer one was not counted truncated"
wait_incidents "len(j['incidents']) == 2"

ctl --json events --limit 2 > "$T/ev.json" || fail "events failed"
ctl --json incidents > "$T/inc.json"
python3 - "$T" <<'PY' || fail "events: $(head -c 300 "$T/ev.json")"
import json, sys
t = sys.argv[1]
ev = json.load(open(t + "/ev.json"))["events"]
m1, m2 = open(t + "/m1", "rb").read(), open(t + "/m2", "rb").read()
assert [e["id"] for e in ev] == [2, 1], ev
assert ev[1]["text"].encode() == m1, "m1 differs"
assert ev[0]["text"].encode() == m2[:64 * 1024], "m2 is not cut at 65536: %d" % len(ev[0]["text"].encode())
raw = open(t + "/ev.json", "rb").read()
assert not any(c < 0x20 and c != 0x0a or c == 0x7f for c in raw), "a raw control byte in the JSON"
keys = sorted(i["key"] for i in json.load(open(t + "/inc.json"))["incidents"])
assert keys == ["big/0123abcd/89abcdef", "big/4567cdef/0badf00d"], keys
PY
ctl events > "$T/ev.txt" || fail "events table failed"
python3 - "$T/ev.txt" <<'PY' || fail "a raw control byte reached the events table"
import sys
b = open(sys.argv[1], "rb").read()
assert not any(c < 0x20 and c not in (0x0a,) or c == 0x7f for c in b), b[:200]
PY

"$TRIAGECTL" -c "$CONF" --json replay --since 1h > "$T/r.json" || fail "replay failed: $(cat "$T/r.json")"
python3 - "$T/r.json" <<'PY' || fail "replay: $(head -c 600 "$T/r.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["events"] == 2 and r.get("unreadable", 0) == 0, r
paged = sorted(k["key"] for k in r["paged"])
assert paged == ["big/0123abcd/89abcdef", "big/4567cdef/0badf00d"], paged
PY
pass "64 KiB stored whole, 64 KiB + 100 cut at 64 KiB; events byte-exact and escaped; replay reads both whole"
