#!/bin/sh
# One silence holds 700 incidents; when it is expired they are all let go,
# at most 256 a sweep tick (the rest wait for the next), and none is left
# suppressed.  The time from the expiry to the last one triggered is
# printed.
. "$(dirname "$0")/lib.sh"

N=700
conf_head
cat >> "$CONF" <<'CONF'
rule "disk" {
	match syslog message ~ "disk (?<dev>\S+) failed"
	key "{host}/disk/{dev}"
}
CONF
start_triaged
ctl silence add 'dev~^sd' for 1h >/dev/null || fail "silence add refused"
python3 - "$PORT" "$N" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    u.sendto(b"<11>Nov 26 09:00:00 edge-01 kernel: disk sd%d failed" % i, ("127.0.0.1", port))
PY
wait_status "j['incidents']['suppressed'] == $N" 30
start=$(date +%s.%N)
ctl silence expire 1 >/dev/null
wait_status "j['events']['released'] == $N and j['incidents']['triggered'] == $N" 30
end=$(date +%s.%N)
# Let go over several ticks, in id order: the first and the last differ in time.
first=$(ctl --json show edge-01/disk/sd0 | json "j['incident']['state_since']")
last=$(ctl --json show "edge-01/disk/sd$((N - 1))" | json "j['incident']['state_since']")
[ "$first" != "$last" ] || fail "all $N were let go in one tick"
ctl --json silence list | json "j['silences'][0]['state']" | grep -qx expired || fail "not expired"
pass "$N held incidents let go in $(python3 -c "print('%.1f' % ($end - $start))") s after the expiry"
