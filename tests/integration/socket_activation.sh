#!/bin/sh
# Under systemd-socket-activate triaged adopts the passed UDP socket by name
# and the TCP one by address, binds the unix listener itself and closes a
# passed socket nothing asked for.  Lines sent before triaged starts and
# while it restarts wait in the kernel and are received once it is up.
command -v systemd-socket-activate >/dev/null || { echo "skip: no systemd-socket-activate"; exit 77; }
. "$(dirname "$0")/lib.sh"

STRAY=$(free_port)
conf_head
sed -i "s|^listen syslog udp .*|listen syslog udp 127.0.0.1:$PORT { name \"syslog-udp\" }|" "$CONF"
cat >> "$CONF" <<'CONF'
rule "sa" {
	match syslog message ~ "sa-test (?<n>\S+)"
	key "sa/{n}"
}
CONF

# The loop stands in for systemd restarting the service: it keeps the
# passed sockets open between runs and starts triaged each time $T/go
# appears, with LISTEN_PID naming triaged itself.
cat > "$T/loop.sh" <<'SH'
T=$1; shift
# Bounded: when the test's directory goes (it ended, even by failing), so does the loop.
while [ -d "$T" ]; do
	while [ ! -e "$T/go" ]; do [ -d "$T" ] || exit 0; sleep 0.05; done
	rm -f "$T/go"
	sh -c 'echo $$ > "$0/triaged.run"; LISTEN_PID=$$ exec "$@"' "$T" "$@" >>"$T/triaged.log" 2>&1
done
SH
# systemd-socket-activate opens one kind of socket; the outer one passes its
# UDP socket through the inner one, which adds two TCP sockets.
systemd-socket-activate -d -l "127.0.0.1:$PORT" --fdname=syslog-udp \
	systemd-socket-activate -l "127.0.0.1:$PORT" -l "127.0.0.1:$STRAY" \
	--fdname=syslog-udp:unknown:stray \
	sh "$T/loop.sh" "$T" "$TRIAGED" -d -c "$CONF" >"$T/activate.log" 2>&1 &
echo $! > "$T/activate.pid"

# Let the loop start triaged and wait (at most 10 s) until it answers.
go() {
	touch "$T/go"
	i=0
	until [ -s "$T/triaged.run" ] && ctl status >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "triaged did not start under socket activation"
		sleep 0.1
	done
	TRIAGED_PID=$(cat "$T/triaged.run")
}
# triaged is the loop's child, not ours: stop it and wait for it to be gone.
stop_run() {
	kill -TERM "$TRIAGED_PID"
	i=0
	while kill -0 "$TRIAGED_PID" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "triaged did not stop"; sleep 0.1
	done
	TRIAGED_PID=
}
send_udp() { logger -n 127.0.0.1 -P "$PORT" -d -t satest "sa-test $1"; }
send_tcp() { logger -n 127.0.0.1 -P "$PORT" -T --octet-count -t satest "sa-test $1"; }
tcp_up() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$PORT" 2>/dev/null; }

# Before triaged ever ran: the datagram wakes the activators, the TCP line
# waits in the listen backlog.
i=0
until ss -lun | grep -q "127.0.0.1:$PORT "; do i=$((i + 1)); [ $i -lt 100 ] || fail "no UDP socket: $(cat "$T/activate.log")"; sleep 0.05; done
send_udp before-udp
i=0
until tcp_up; do i=$((i + 1)); [ $i -lt 100 ] || fail "no TCP socket: $(cat "$T/activate.log")"; sleep 0.05; done
send_tcp before-tcp
[ ! -s "$T/triaged.run" ] || fail "triaged started too early"

go
wait_incidents "{'sa/before-udp', 'sa/before-tcp'} <= {i['key'] for i in j['incidents']}"
grep -q "listening on udp 127.0.0.1:$PORT (socket passed" "$T/triaged.log" || fail "UDP socket not adopted"
grep -q "listening on tcp 127.0.0.1:$PORT (socket passed" "$T/triaged.log" || fail "TCP socket not adopted"
grep -q "listening on unix $T/log.sock\$" "$T/triaged.log" || fail "unix listener not bound by triaged"
grep -q "passed socket stray (tcp 127.0.0.1:$STRAY), closing it" "$T/triaged.log" || fail "stray socket not closed"
logger -u "$T/log.sock" -t satest "sa-test unix"
wait_incidents "'sa/unix' in {i['key'] for i in j['incidents']}"

# A reload keeps the adopted sockets.
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] == 1"
send_udp after-reload
wait_incidents "'sa/after-reload' in {i['key'] for i in j['incidents']}"

# A restart: lines sent while triaged is down arrive once it is back.
stop_run
: > "$T/triaged.run"
send_udp restart-udp
send_tcp restart-tcp
go
wait_incidents "{'sa/restart-udp', 'sa/restart-tcp'} <= {i['key'] for i in j['incidents']}"
stop_run # the loop (activate.pid) is stopped by the cleanup
pass "lines sent before start and during a restart were received"
