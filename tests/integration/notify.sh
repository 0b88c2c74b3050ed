#!/bin/sh
# Under systemd's notify protocol triaged sends READY=1 once it listens,
# watchdog pings at half of WATCHDOG_USEC, RELOADING/READY around a reload
# and STOPPING=1 on SIGTERM; a test socket stands in for systemd.
. "$(dirname "$0")/lib.sh"

conf_head
start_notify_listener() {
	python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.monotonic() + 30
with open(sys.argv[2], "a", buffering=1) as log:
    while time.monotonic() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        for line in msg.split("\n"):
            log.write("%.3f %s\n" % (time.monotonic(), line))
        if "STOPPING=1" in msg:
            break
PY
	echo $! > "$T/notify.pid"
}
start_notify_listener
i=0
until [ -S "$T/notify.sock" ]; do i=$((i + 1)); [ $i -lt 50 ] || fail "no notify socket"; sleep 0.1; done

export NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=400000
start_triaged
unset NOTIFY_SOCKET WATCHDOG_USEC
sleep 1.5
grep -q "READY=1" "$T/notify.log" || fail "no READY=1"
grep -q "STATUS=Running" "$T/notify.log" || fail "no STATUS="
pings=$(grep -c "WATCHDOG=1" "$T/notify.log" || true)
[ "$pings" -ge 3 ] || fail "only $pings watchdog pings in 1.5 s with WatchdogSec=0.4s"
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] == 1"
grep -q "RELOADING=1" "$T/notify.log" || fail "no RELOADING=1 on reload"
stop_triaged
i=0
until grep -q "STOPPING=1" "$T/notify.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "no STOPPING=1"; sleep 0.1
done
pass "READY, STATUS, $pings watchdog pings, RELOADING, STOPPING"
