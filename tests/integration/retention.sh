#!/bin/sh
# Bounds on the store: 20,000 distinct keys from one rule with max-open 100
# stay within 101 open incidents and every event is counted in one of them;
# resolved incidents are pruned oldest-resolved first past max-resolved, and
# all of them past max-age, while triagectl keeps working.
. "$(dirname "$0")/lib.sh"

: "${FLOOD:=20000}"
rules() {
	cat >> "$CONF" <<CONF
retention { max-age $1; max-resolved 50 }
rule "flood" {
	match syslog message ~ "^flood "
	key "{host}/x/{message}"
	max-open 100
}
rule "link" {
	match syslog message ~ "^link (?<n>[0-9]+) down"
	resolve-on syslog message ~ "^link (?<n>[0-9]+) up"
	key "{host}/link/{n}"
}
CONF
}
conf_head
rules 1d
start_triaged

# send FIRST LAST FORMAT: numbered lines over one TCP connection, in order.
send() {
	python3 - "$PORT" "$1" "$2" "$3" <<'PY'
import socket, sys
port, first, last, fmt = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t = socket.create_connection(("127.0.0.1", port))
out = []
for i in range(first, last + 1):
    line = b"<11>Nov 26 09:00:00 edge-01 app: " + (fmt % i).encode()
    out.append(b"%d %s" % (len(line), line))
t.sendall(b"".join(out))
t.close()
PY
}

send 1 "$FLOOD" "flood %d"
wait_status "j['events']['received'] >= $FLOOD" 30
ctl --json status > "$T/status.json"
ctl --json incidents --state all --limit 100000 > "$T/inc.json"
python3 - "$T/status.json" "$T/inc.json" "$FLOOD" <<'PY'
import json, sys
st, inc, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
flood = [i for i in inc["incidents"] if i["rule"] == "flood"]
opened = [i for i in flood if i["state"] != "resolved"]
assert len(opened) <= 101, len(opened)
assert sum(i["count"] for i in flood) == st["events"]["received"] == n, \
    (sum(i["count"] for i in flood), st["events"]["received"])
over = [i for i in flood if i["key"] == "flood/overflow"]
assert len(over) == 1 and over[0]["count"] == n - 100, over
assert st["events"]["folded"] == n - 100, st["events"]
PY
ctl show flood/overflow | grep -q "folded" || fail "the overflow incident does not say why"

# 80 incidents opened, then resolved in order: only the newest 50 resolved stay.
send 1 80 "link %d down"
send 1 80 "link %d up"
wait_status "j['store']['pruned'] == 30 and j['store']['resolved_incidents'] == 50" 15
ctl --json incidents --state resolved --limit 1000 > "$T/res.json"
python3 - "$T/res.json" <<'PY'
import json, sys
keys = sorted(int(i["key"].rsplit("/", 1)[1]) for i in json.load(open(sys.argv[1]))["incidents"])
assert keys == list(range(31, 81)), keys
PY
ctl show "edge-01/link/10" 2>"$T/err" && fail "a pruned incident is still shown"
ctl show "edge-01/link/31" | grep -q resolved || fail "a kept incident is gone"

# max-age 2s after a reload: every resolved incident goes, open ones stay.
conf_head
rules 2s
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] == 1"
wait_status "j['store']['pruned'] == 80 and j['store']['resolved_incidents'] == 0" 15
ctl --json status | json "j['store']['resolved_incidents']" | grep -qx 0
ctl show flood/overflow | grep -q "folded" || fail "an open incident was pruned"
ctl --json incidents --state all --limit 1000 | json "len(j['incidents'])" | grep -qx 101 \
	|| fail "open incidents changed"
pass "max-open held $FLOOD keys to 101 incidents with exact counts; retention pruned oldest first"
