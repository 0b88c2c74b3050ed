#!/bin/sh
# 100,000 identical matching lines by UDP and 1,000 by TCP give one incident
# whose count is exact, UDP loss aside, and the counters explain any loss.
. "$(dirname "$0")/lib.sh"

: "${DEDUP_UDP:=100000}"
: "${DEDUP_TCP:=1000}"
conf_head
cat >> "$CONF" <<'CONF'
rule "link" {
	match syslog message ~ "link (?<ifname>eth[0-9]+) failed"
	key "{host}/if/{ifname}"
}
CONF
start_triaged

python3 - "$PORT" "$DEDUP_UDP" "$DEDUP_TCP" <<'PY'
import socket, sys
port, nudp, ntcp = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
line = b"<11>Nov 26 09:00:00 edge-01 kernel: link eth3 failed"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(nudp):
    u.sendto(line, ("127.0.0.1", port))
t = socket.create_connection(("127.0.0.1", port))
frame = b"%d %s" % (len(line), line)
t.sendall(frame * ntcp)
t.close()
PY

total=$((DEDUP_UDP + DEDUP_TCP))
# Everything sent is either received or counted as dropped by the kernel.
wait_status "sum(l['received'] + l['dropped'] for l in j['listeners']) >= $total" 60
ctl --json status > "$T/status.json"
ctl --json incidents --state all > "$T/inc.json"
python3 - "$T/status.json" "$T/inc.json" "$total" <<'PY'
import json, sys
st, inc, total = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
received = sum(l["received"] for l in st["listeners"])
dropped = sum(l["dropped"] for l in st["listeners"])
assert received + dropped == total, (received, dropped, total)
assert len(inc["incidents"]) == 1, inc
i = inc["incidents"][0]
assert i["key"] == "edge-01/if/eth3", i
assert i["count"] == received, (i["count"], received)
print("received %d, kernel drops %d" % (received, dropped))
PY
ctl show edge-01/if/eth3 > "$T/show.txt"
grep -q "timeline:" "$T/show.txt" || fail "show has no timeline"
grep -q "triggered: opened" "$T/show.txt" || fail "timeline lacks the opening"
grep -q "#100000\|#10000 " "$T/show.txt" || fail "timeline lacks the power-of-ten marks"
pass "$total lines, one incident, exact count"
