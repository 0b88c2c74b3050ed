#!/bin/sh
# Inputs are read before deliveries while they keep up, and drop to the
# normal priority when a read leaves more waiting (src/input_priority.h).
# A stopped daemon lets 5,000 datagrams pile up in its UDP socket; once it
# runs again one dispatch (at most 1,024 datagrams and 2 ms) cannot take
# them all, so the listener counts itself backlogged, and then every line
# is still read: none lost, the counts add up.  A trickle afterwards is
# read without a backlog.
. "$(dirname "$0")/lib.sh"

conf_head
echo "default drop" >> "$CONF"
start_triaged
kill -STOP "$TRIAGED_PID"
python3 - "$PORT" <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5000):
    u.sendto(b"<14>Dec  4 09:00:00 h app: udp line %d" % i, ("127.0.0.1", int(sys.argv[1])))
PY
kill -CONT "$TRIAGED_PID"
udp="[l for l in j['listeners'] if l['proto'] == 'udp'][0]"
wait_status "$udp['received'] + $udp['dropped'] >= 5000" 20
ctl --json status | json "$udp" > "$T/udp.txt"
[ "$(ctl --json status | json "($udp['received'], $udp['dropped'])")" = "(5000, 0)" ] ||
	fail "not all 5000 read: $(cat "$T/udp.txt")"
b=$(ctl --json status | json "$udp['backlogged']")
[ "$b" -ge 1 ] || fail "5000 datagrams waiting, yet no read left any: $(cat "$T/udp.txt")"
# A backlogged dispatch read at least one full recvmmsg of 32 datagrams.
[ "$b" -le $((5000 / 32)) ] || fail "backlogged $b times for 5000 datagrams: $(cat "$T/udp.txt")"
for i in 1 2 3 4 5 6 7 8 9 10; do
	logger -n 127.0.0.1 -P "$PORT" -d -t app "trickle $i"
	sleep 0.05
done
wait_status "$udp['received'] >= 5010" 10
[ "$(ctl --json status | json "$udp['backlogged']")" -eq "$b" ] ||
	fail "a trickle counted as a backlog: $(ctl --json status | json "$udp")"
stop_triaged
pass "5000 datagrams waiting: read in $b backlogged dispatches and drained, none lost"
