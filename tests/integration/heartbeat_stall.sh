#!/bin/sh
# A heartbeat URL on a server that accepts the connection, reads the
# request and never answers: the pings do not pile up (never two
# connections open at once), each stuck one times out within 3/4 of the
# interval and is counted (timed_out, failed, /metrics), and the next one
# goes when due (none skipped, one connection per interval).
. "$(dirname "$0")/lib.sh"

# The stalling server: "open T" and "close T" per connection in $T/stall.log.
python3 - "$T" <<'PY' &
import os, socket, sys, threading, time
t = sys.argv[1]
log = open(t + "/stall.log", "a", buffering=1)
lock = threading.Lock()
def note(what):
    with lock:
        log.write("%s %.3f\n" % (what, time.monotonic()))
def hold(c):
    note("open")
    try:
        while c.recv(4096):
            pass # read the request, answer nothing
    except OSError:
        pass
    note("close")
    c.close()
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(t + "/stall.pid", "w").write(str(os.getpid()))
open(t + "/stall.port", "w").write(str(s.getsockname()[1]))
s.settimeout(1)
end = time.monotonic() + 60 # bounded: gone by itself
while time.monotonic() < end and os.path.exists(t + "/stall.pid"):
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    threading.Thread(target=hold, args=(c,), daemon=True).start()
PY
i=0
until [ -s "$T/stall.port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the stalling server did not start"; sleep 0.1
done
STALL=$(cat "$T/stall.port")
printf 'secret\n' > "$T/hook.secret"

conf_head
cat >> "$CONF" <<CONF
upstream "hook" webhook {
	url "http://127.0.0.1:$STALL/events"
	secret-file "$T/hook.secret"
	heartbeat "http://127.0.0.1:$STALL/ping/check-1" every 2s
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "triaged -t refused the config"
start_triaged

hb="j['heartbeats'][0]"
wait_status "$hb['sent'] >= 4 and $hb['timed_out'] >= 3" 15
ctl --json status > "$T/status.json"
python3 - "$T" <<'PY' || fail "heartbeats: $(cat "$T/stall.log"; json "$hb" < "$T/status.json")"
import json, sys
t = sys.argv[1]
hb = json.load(open(t + "/status.json"))["heartbeats"][0]
assert hb["state"] == "failing" and hb["skipped"] == 0, hb
assert hb["failed"] >= hb["timed_out"] >= hb["sent"] - 1, hb
ev = [l.split() for l in open(t + "/stall.log")]
opens, depth, most = [], 0, 0
for what, at in ev:
    depth += 1 if what == "open" else -1
    most = max(most, depth)
    if what == "open":
        opens.append(float(at))
assert most == 1, "%d pings in flight at once" % most
assert len(opens) >= hb["sent"] - 1, (opens, hb)
# Each stuck one was given up (closed) within 3/4 of the interval, plus slack.
closes = [float(at) for what, at in ev if what == "close"]
for o, c in zip(opens, closes):
    assert c - o < 1.5 + 0.5, (o, c)
# The next went when due: one every 2s, none skipped.
gaps = [b - a for a, b in zip(opens, opens[1:])]
assert all(1.5 < g < 2.6 for g in gaps), gaps
PY
ctl metrics | grep -q '^triaged_heartbeat_timed_out_total{upstream="hook"} [3-9]' ||
	fail "no timeouts in metrics: $(ctl metrics | grep heartbeat)"
grep -q "heartbeat of upstream hook failing" "$T/triaged.log" || fail "the failure was not logged"
grep -q "check-1" "$T/triaged.log" && fail "the heartbeat URL reached the log"
rm -f "$T/stall.pid"
pass "a stalled heartbeat URL: one ping in flight, each timed out and counted, the next on time"
