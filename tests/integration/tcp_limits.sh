#!/bin/sh
# TCP syslog under a connection flood: 2,000 idle connections from one
# address get max-connections-per-source (32) slots and the rest are
# refused, while another address still gets through, and the flooding
# address does again once its connections are gone.  An idle connection is
# closed at idle-timeout, its unterminated last line delivered; one that
# keeps talking is not.  Out of file descriptors, connections are refused
# without the loop spinning.  Bad limits fail `triaged -t` with file:line.
. "$(dirname "$0")/lib.sh"

FLOOD=2000
IDLE_PORT=$(free_port)
while [ "$IDLE_PORT" = "$PORT" ]; do IDLE_PORT=$(free_port); done

printf 'listen syslog tcp 127.0.0.1:%s {\n max-connections 8\n%s\n}\n' "$PORT" \
	" max-connections-per-source 9" > "$T/bad.conf"
if "$TRIAGED" -t -c "$T/bad.conf" >/dev/null 2>"$T/err"; then fail "triaged -t took a bad limit"; fi
grep -qF "$T/bad.conf:1: max-connections-per-source 9 is more than max-connections 8" "$T/err" ||
	fail "unclear -t message: $(cat "$T/err")"
printf 'listen syslog tcp 127.0.0.1:%s { idle-timeout never }\n' "$PORT" > "$T/bad.conf"
if "$TRIAGED" -t -c "$T/bad.conf" >/dev/null 2>"$T/err"; then fail "triaged -t took a bad timeout"; fi
grep -qF "$T/bad.conf:1: expected a duration like 30s, got 'never'" "$T/err" ||
	fail "unclear -t message: $(cat "$T/err")"

conf_head
cat >> "$CONF" <<CONF
listen syslog tcp 127.0.0.1:$IDLE_PORT { name "idle"; idle-timeout 2s }
rule "probe" {
	match syslog message ~ "limits-probe (?<n>\\S+)"
	key "probe/{n}"
}
CONF
start_triaged

main="[l for l in j['listeners'] if l['name'] == 'syslog/tcp/127.0.0.1:$PORT'][0]"
idle="[l for l in j['listeners'] if l['name'] == 'idle'][0]"
incident() {
	wait_incidents "any(i['key'] == 'probe/$1' for i in j['incidents'])" "${2:-10}"
}

# The flood: FLOOD connections from 127.0.0.1, held open until told to close.
python3 - "$PORT" "$FLOOD" "$T/flood.ready" "$T/flood.release" <<'PY' >"$T/flood.log" 2>&1 &
import os, resource, socket, sys, time
port, n, ready, release = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < n + 64:
    sys.exit("the hard open file limit %d is below %d" % (hard, n + 64))
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, hard))
socks, reset = [], 0
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
    except ConnectionResetError:
        reset += 1  # refused so fast that the reset came before connect returned
    socks.append(s)
open(ready, "w").write("%d reset at connect\n" % reset)
end = time.monotonic() + 25
while not os.path.exists(release) and time.monotonic() < end:
    time.sleep(0.05)
for s in socks:
    s.close()
PY
echo $! > "$T/flood.pid"
i=0
until [ -s "$T/flood.ready" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the flood did not connect: $(cat "$T/flood.log")"
	kill -0 "$(cat "$T/flood.pid")" 2>/dev/null || fail "the flood failed: $(cat "$T/flood.log")"
	sleep 0.1
done
wait_status "$main['refused_per_source'] >= $FLOOD - 32 and $main['connections'] <= 32" 15
ctl --json status | json "$main['refused']" | grep -qx 0 || fail "max-connections was reached"

# Another address is not locked out.
python3 - "$PORT" <<'PY' || fail "cannot send from 127.0.0.2"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.2", 0))
s.settimeout(5)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"<11>1 - it-client app - - - limits-probe other-source\n")
s.close()
PY
incident other-source

# The flooding address is not: logger's connection (and its one retry) is refused.
before=$(ctl --json status | json "$main['refused_per_source']")
logger -T -n 127.0.0.1 -P "$PORT" -t app "limits-probe refused" 2>/dev/null || true
wait_status "$main['refused_per_source'] >= $before + 1" 5
if ctl --json incidents --state all | json "[i['key'] for i in j['incidents']]" |
	grep -q "probe/refused"; then
	fail "a refused connection's line became an incident"
fi

# Once the flood's connections close, that address gets through again.
touch "$T/flood.release"
i=0
while kill -0 "$(cat "$T/flood.pid")" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the flood did not exit"
	sleep 0.1
done
wait_status "$main['connections'] == 0" 10
logger -T -n 127.0.0.1 -P "$PORT" -t app "limits-probe after-flood" || fail "logger -T failed"
incident after-flood
pass "$FLOOD connections from one address: per-source refusals counted, others still served"

# Idle timeout: a silent connection sees EOF after about 2 s, one that talks
# every 0.5 s stays open.
python3 - "$IDLE_PORT" > "$T/idle.out" <<'PY' || fail "idle check: $(cat "$T/idle.out")"
import select, socket, sys, time
port = int(sys.argv[1])
quiet = socket.create_connection(("127.0.0.1", port), timeout=5)
talker = socket.create_connection(("127.0.0.1", port), timeout=5)
# An LF-framed line without its LF: delivered when the connection ends.
quiet.sendall(b"<11>1 - it-client app - - - limits-probe unterminated")
start = next_send = time.monotonic()
closed_after = None
while time.monotonic() - start < 10:
    now = time.monotonic()
    if now >= next_send:
        talker.sendall(b"<14>1 - it-client app - - - keepalive\n")
        next_send += 0.5
    if closed_after is not None and now - start >= max(closed_after + 1.5, 4.5):
        break
    r, _, _ = select.select([talker] + ([quiet] if closed_after is None else []), [], [], 0.1)
    if talker in r:
        sys.exit("the talking connection was closed after %.1f s" % (now - start))
    if quiet in r:
        try:
            data = quiet.recv(100)
        except ConnectionResetError:
            data = b""
        if data:
            sys.exit("unexpected data %r" % data)
        closed_after = now - start
        quiet.close()
if closed_after is None:
    sys.exit("the idle connection was not closed in 10 s")
talker.close()
print("%.2f" % closed_after)
PY
after=$(cat "$T/idle.out")
python3 -c "import sys; sys.exit(not 1.5 <= $after <= 5)" ||
	fail "the idle connection was closed after $after s, not about 2 s"
ctl --json status | json "$idle['idle_closed']" | grep -qx 1 || fail "idle_closed is not 1"
incident unterminated
pass "idle connection closed after $after s (idle-timeout 2s), unterminated line delivered"

# Out of descriptors: with the soft limit lowered to 8 above what triaged
# has open, connections from four addresses are accepted until EMFILE, then
# refused and counted, and the loop does not spin while they stay queued,
# nor while a control client waits that cannot be accepted either.
refused=$(ctl --json status | json "$main['refused']")
nfd=$(ls "/proc/$TRIAGED_PID/fd" | wc -l)
python3 - "$TRIAGED_PID" "$PORT" "$((nfd + 8))" "$SOCK" >"$T/emfile.out" <<'PY' || fail "EMFILE: $(cat "$T/emfile.out")"
import os, resource, socket, sys, time
pid, port, limit, ctlsock = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, hard))
def cpu_ticks():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime + stime
socks = []
try:
    for i in range(40):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.%d" % (3 + i % 4), 0))
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionResetError:
            pass
        socks.append(s)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(ctlsock)  # queued: the daemon has no descriptor to accept it with
    socks.append(c)
    time.sleep(0.3)
    t0 = cpu_ticks()
    time.sleep(1)
    used = cpu_ticks() - t0
finally:
    for s in socks:
        s.close()
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
print(used)
sys.exit(0 if used < os.sysconf("SC_CLK_TCK") // 3 else 1)
PY
wait_status "$main['refused'] >= $refused + 20 and $main['connections'] == 0" 10
logger -T -n 127.0.0.1 -P "$PORT" -t app "limits-probe after-emfile" || fail "logger -T failed"
incident after-emfile
pass "out of descriptors: refused, counted, $(cat "$T/emfile.out") CPU ticks in 1 s, served after"

# A reload that shortens idle-timeout applies to connections already open.
python3 - "$PORT" "$T/held.ready" > "$T/held.out" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
open(sys.argv[2], "w").close()
s.settimeout(10)
start = time.monotonic()
try:
    data = s.recv(100)
except ConnectionResetError:
    data = b""
print("eof after %.1f" % (time.monotonic() - start) if data == b"" else "data %r" % data)
PY
held=$!
echo "$held" > "$T/held.pid"
i=0
until [ -e "$T/held.ready" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "cannot connect"
	sleep 0.1
done
sed -i "s|^\(listen syslog tcp 127.0.0.1:$PORT\)\$|\1 { idle-timeout 1s }|" "$CONF"
ctl reload >/dev/null || fail "reload refused"
wait "$held"
grep -q "^eof after" "$T/held.out" || fail "not closed after the reload: $(cat "$T/held.out")"
ctl --json status | json "$main['idle_closed']" | grep -qx 1 || fail "idle_closed is not 1"
pass "idle-timeout shortened by a reload: open connection $(cat "$T/held.out") s"
