#!/bin/sh
# One triaged per state directory.  A second start on the same config, or
# on another config naming the same state dir, fails at once saying which
# pid holds it, and the first keeps every socket: its unix socket still
# receives, its control socket answers, its UDP port is its alone.  Once
# it stops (or is killed) a new one starts.  Sockets below the state dir
# get their directories made, and relative paths follow the file that
# says them, whatever directory triaged is started in.
. "$(dirname "$0")/lib.sh"

SNMP_PORT=$(free_port)
OTHER_PORT=$(free_port)
conf_head
cat >> "$CONF" <<CONF
listen snmp udp 127.0.0.1:$SNMP_PORT
rule "demo" {
	match syslog program "oi-demo"
	key "oi/{message}"
}
rule "trap" { match trap IF-MIB::linkDown; key "oi/trap" }
default drop
CONF
start_triaged
FIRST=$TRIAGED_PID
inode() { stat -c %i "$1"; }
LOG_INODE=$(inode "$T/log.sock")
SOCK_INODE=$(inode "$SOCK")

# What a second one must not touch in the state dir: net-snmp's files
# (trap names are read with MIBs) and the lock file.
state_files() { find "$T/state/snmp" "$T/state/triaged.lock" -printf '%p %s %T@\n' | sort; }

# second_start CONFIG: run a second triaged (bounded); it must fail, fast,
# naming the first one's pid and the state directory.
second_start() {
	state_files > "$T/files.before"
	t0=$(date +%s%N)
	if timeout 20 "$TRIAGED" -c "$1" >"$T/second.out" 2>"$T/second.err"; then
		fail "a second triaged on $1 started"
	fi
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ $ms -lt 3000 ] || fail "the second triaged took ${ms}ms to give up"
	grep -qx "triaged: another triaged (pid $FIRST) uses $T/state" "$T/second.err" ||
		fail "unclear: $(cat "$T/second.err")"
	! grep -q Sanitizer "$T/second.err" || fail "$(cat "$T/second.err")"
	state_files | diff "$T/files.before" - >&2 || fail "the second one wrote in the state dir"
}

# first_intact N: the first one is alive with its sockets unreplaced, and
# line N (once each) reaches it over the unix socket, UDP and TCP.
first_intact() {
	kill -0 "$FIRST" || fail "the first triaged died"
	[ "$(inode "$T/log.sock")" = "$LOG_INODE" ] || fail "the unix socket was replaced"
	[ "$(inode "$SOCK")" = "$SOCK_INODE" ] || fail "the control socket was replaced"
	ctl status >/dev/null || fail "the control socket does not answer"
	logger -u "$T/log.sock" --socket-errors=on -t oi-demo "unix $1" || fail "unix socket refused"
	logger -n 127.0.0.1 -P "$PORT" -d -t oi-demo "udp $1"
	logger -n 127.0.0.1 -P "$PORT" -T -t oi-demo "tcp $1" || fail "tcp refused"
	wait_incidents "{'oi/unix $1', 'oi/udp $1', 'oi/tcp $1'} <= {i['key'] for i in j['incidents']}"
}

second_start "$CONF"
first_intact 1
ms1=$ms
pass "a second start on the same config fails in ${ms1}ms naming pid $FIRST; the first keeps its sockets"

# Another config, other ports and sockets, one of them taken (the issue's
# case), but the same state dir: refused before anything is touched.
python3 -c "import socket,sys,time
s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()
open(sys.argv[2], 'w').write('x'); time.sleep(30)" "$OTHER_PORT" "$T/busy.ready" &
echo $! > "$T/busy.pid"
i=0
until [ -s "$T/busy.ready" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no busy port"; sleep 0.1; done
cat > "$T/other.conf" <<CONF
state-dir "$T/state"
control-socket "$T/other.sock"
listen syslog udp 127.0.0.1:$OTHER_PORT
listen syslog tcp 127.0.0.1:$OTHER_PORT
listen syslog unix "$T/other-log.sock"
CONF
second_start "$T/other.conf"
[ ! -e "$T/other.sock" ] && [ ! -e "$T/other-log.sock" ] || fail "the refused one made sockets"
first_intact 2
kill "$(cat "$T/busy.pid")"
pass "another config on the same state dir is refused as well"

# A reload keeps the lock (and the sockets).
kill -HUP "$FIRST"
wait_status "j['reloads'] == 1"
second_start "$CONF"
first_intact 3
pass "the lock holds across a reload"

# No SO_REUSEADDR on the UDP ports: nobody else can bind them, even with it.
for p in "$PORT" "$SNMP_PORT"; do
	python3 -c "import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(('127.0.0.1', int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)" "$p" || fail "UDP port $p could be bound a second time with SO_REUSEADDR"
done
pass "UDP ports $PORT (syslog) and $SNMP_PORT (snmp) cannot be shared"

# After a clean stop the lock is free and the next one starts; after a
# kill -9 too (the kernel drops the lock), replacing the stale sockets.
[ "$(cat "$T/state/triaged.lock")" = "$FIRST" ] || fail "lock file: $(cat "$T/state/triaged.lock")"
stop_triaged
[ ! -s "$T/state/triaged.lock" ] || fail "a stopped triaged left its pid"
start_triaged
FIRST=$TRIAGED_PID
kill -KILL "$FIRST"
wait "$FIRST" 2>/dev/null || true
TRIAGED_PID=
[ -S "$T/log.sock" ] || fail "no stale socket to replace"
start_triaged
FIRST=$TRIAGED_PID
LOG_INODE=$(inode "$T/log.sock")
SOCK_INODE=$(inode "$SOCK")
first_intact 4
second_start "$CONF"
stop_triaged
pass "restarts after SIGTERM and after SIGKILL"

# First start of a config in a subdirectory, started from /, with no SNMP
# listener: the state dir does not exist yet and the sockets live in
# subdirectories of it, one of them named through an included file.
mkdir -p "$T/site/conf.d"
cat > "$T/site/triaged.conf" <<CONF
state-dir "var"
control-socket "var/run/control.sock"
hostname "it-host"
include "conf.d/*.conf"
rule "demo" {
	match syslog program "oi-demo"
	key "oi/{message}"
}
rule "trap" { match trap IF-MIB::linkDown; key "oi/trap" }
default drop
CONF
cat > "$T/site/conf.d/listen.conf" <<CONF
listen syslog unix "../var/sock/dev/log"
listen syslog udp 127.0.0.1:$PORT
CONF
out=$(cd / && "$TRIAGED" -t -c "$T/site/triaged.conf") || fail "-t: $out"
[ "$out" = "$T/site/triaged.conf: configuration OK (2 rules, 2 listeners); state directory $T/site/var" ] ||
	fail "-t said: $out"
[ ! -e "$T/site/var" ] || fail "-t wrote in the state dir: $(find "$T/site/var")"
CONF="$T/site/triaged.conf"
SOCK="$T/site/var/run/control.sock"
cd /
start_triaged
cd - >/dev/null
FIRST=$TRIAGED_PID
for d in var/sock var/sock/dev var/run; do
	[ "$(stat -c %a "$T/site/$d")" = 755 ] || fail "$d is $(stat -c %a "$T/site/$d")"
done
logger -u "$T/site/var/sock/dev/log" --socket-errors=on -t oi-demo "fresh" || fail "fresh socket"
wait_incidents "'oi/fresh' in {i['key'] for i in j['incidents']}"
(cd "$T" && "$TRIAGED" -c site/triaged.conf 2>"$T/second.err") && fail "a second one started"
grep -qx "triaged: another triaged (pid $FIRST) uses $T/site/var" "$T/second.err" ||
	fail "unclear: $(cat "$T/second.err")"
stop_triaged
pass "first start makes the state dir and socket dirs (0755); paths follow their file"

# A socket whose directory is missing outside the state dir: file:line.
echo "listen syslog unix \"$T/nowhere/log\"" > "$T/site/conf.d/listen.conf"
if "$TRIAGED" -c "$CONF" 2>"$T/bad.err"; then fail "started with a missing directory"; fi
grep -q "^triaged: $T/site/conf.d/listen.conf:1: cannot listen on unix $T/nowhere/log: No such file or directory\$" \
	"$T/bad.err" || fail "unclear: $(cat "$T/bad.err")"
[ ! -e "$T/nowhere" ] || fail "made a directory outside the state dir"
: > "$T/site/conf.d/listen.conf"
sed -i "s|^control-socket .*|control-socket \"$T/nowhere/ctl.sock\"|" "$CONF"
if "$TRIAGED" -c "$CONF" 2>"$T/bad.err"; then fail "started with a missing directory"; fi
grep -q "^triaged: $CONF:2: cannot listen on control socket $T/nowhere/ctl.sock: No such file or directory\$" \
	"$T/bad.err" || fail "unclear: $(cat "$T/bad.err")"
pass "a missing directory elsewhere is a file:line error"
