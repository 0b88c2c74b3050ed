#!/bin/sh
# Under systemd's notify protocol triaged sends READY=1 once it listens,
# watchdog pings at half of WATCHDOG_USEC, RELOADING/READY around a reload
# and STOPPING=1 on SIGTERM; a test socket stands in for systemd.
. "$(dirname "$0")/lib.sh"

conf_head
start_notify_listener
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
