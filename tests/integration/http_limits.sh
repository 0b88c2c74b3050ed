#!/bin/sh
# The HTTP listener at max-connections: with 4 idle connections held open,
# a fifth is closed at once without an answer and counted
# (connections_refused in status and /metrics); meanwhile a syslog line
# still becomes an incident and triagectl still answers (the loop never
# waits on the listener); once the idle ones close, /metrics answers again.
. "$(dirname "$0")/lib.sh"

HP=$(free_port)
conf_head
cat >> "$CONF" <<CONF
listen http 127.0.0.1:$HP { max-connections 4 }
rule "svc" {
	match syslog message ~ "svc (?<n>[a-z]+) down"
	key "svc-{n}"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "triaged -t refused the config"
start_triaged

# Four idle connections, held until $T/release appears (at most 8 s: the
# listener closes a connection idle for 10 s); then whether the server had
# closed any of them, in $T/held.
python3 - "$HP" "$T" <<'PY' &
import os, socket, sys, time
port, t = int(sys.argv[1]), sys.argv[2]
open(t + "/holder.pid", "w").write(str(os.getpid()))
conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
open(t + "/opened", "w").write("4")
end = time.monotonic() + 8
while not os.path.exists(t + "/release") and time.monotonic() < end:
    time.sleep(0.05)
closed = 0
for c in conns:
    c.setblocking(False)
    try:
        closed += c.recv(1) == b""
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
    c.close()
open(t + "/held", "w").write("closed %d" % closed)
os.unlink(t + "/holder.pid")
PY
i=0
until [ -s "$T/opened" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the idle connections did not open"
	sleep 0.1
done
wait_status "j['http']['connections'] == 4" 5

# A fifth, asking for /metrics: closed without a byte of answer.
python3 - "$HP" > "$T/fifth" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
try:
    s.sendall(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
    print("answered" if s.recv(4096) else "closed")
except ConnectionResetError:
    print("closed")
except socket.timeout:
    print("not served")
PY
grep -qx closed "$T/fifth" || fail "the fifth connection was $(cat "$T/fifth")"
wait_status "j['http']['connections_refused'] == 1 and j['http']['connections'] == 4" 5

# The other inputs go on meanwhile.
logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t app "svc a down"
wait_incidents "len(j['incidents']) == 1 and j['incidents'][0]['key'] == 'svc-a'" 5
ctl --json status | json "j['http']['connections']" | grep -qx 4 || fail "the idle ones were let go early"

touch "$T/release"
i=0
until [ -s "$T/held" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the holder did not finish"
	sleep 0.1
done
grep -qx "closed 0" "$T/held" || fail "the server closed idle connections early: $(cat "$T/held")"
wait_status "j['http']['connections'] == 0" 5

# Served again, and the refusal is there for an operator.
python3 - "$HP" > "$T/metrics" <<'PY'
import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5)
assert r.status == 200, r.status
sys.stdout.write(r.read().decode())
PY
grep -qx "triaged_http_connections_refused_total 1" "$T/metrics" ||
	fail "no refusal in /metrics: $(grep http_conn "$T/metrics")"
grep -qx "triaged_http_connections 1" "$T/metrics" ||
	fail "/metrics does not count its own connection: $(grep http_conn "$T/metrics")"
grep -q "http: 4 connections open (max-connections), closing a new one" "$T/triaged.log" ||
	fail "the refusal was not logged"
pass "a fifth connection over max-connections 4 is closed and counted; syslog goes on; /metrics after"
