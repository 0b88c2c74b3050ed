#!/usr/bin/env bash
# scale.sh - does the cost of a delivery grow with the backlog?  For each
# size N: N distinct incidents are queued while the PagerDuty stand-in
# refuses connections, then the stand-in answers (202) and the outbox drains
# with `rate-limit off`.  Prints, per N, the drain rate and triaged's CPU per
# delivery over the drain (utime + stime from /proc/PID/stat), the CPU
# per incident while queueing, and triaged's peak RSS (VmHWM).  Loopback and high ports only; every wait is
# bounded.  See bench/README.md and the first section of bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   SIZES                incidents queued, one run each ["1000 10000 100000"]
#   BACKOFF_MAX          the upstream's backoff-max [2s]: with a longer one, a
#                        triaged that waits for each item's own retry time
#                        after the upstream returns shows it as a slow drain
#   REFUSE_MIN           seconds the stand-in refuses at least [5]
#   TIMEOUT              longest wait for queueing or for the drain, s [600]
#   PIN [0]              1: triaged on CPU 0, stand-in and sender on CPU 1
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
: "${TRIAGED:=$TOP/triaged}"
: "${TRIAGECTL:=$TOP/triagectl}"
: "${SIZES:=1000 10000 100000}"
: "${BACKOFF_MAX:=2s}"
: "${REFUSE_MIN:=5}"
: "${TIMEOUT:=600}"
: "${PIN:=0}"

HZ=$(getconf CLK_TCK)
TOP_SRCDIR=$TOP
# The integration helpers: a temporary dir $T removed on exit, free_port,
# start_pd/pd for the stand-in, and the cleanup that stops what they started.
. "$TOP/tests/integration/lib.sh"

say() { printf '%s\n' "$*" >&2; }
die() { say "scale.sh: $*"; exit 1; }
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
pin() { [ "$PIN" = 1 ] && printf 'taskset -c %s' "$1" || true; }

stop_all() {
	[ -z "$TRIAGED_PID" ] || stop_triaged
	[ -f "$T/pd.pid" ] && kill "$(cat "$T/pd.pid")" 2>/dev/null || true
	rm -f "$T/pd.pid" "$T/pd.ports" "$T/pd.requests"
}

# Deliveries the stand-in accepted (202), from its counters: cheap to ask,
# and asking costs triaged nothing.
accepted() {
	pd GET /_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["by_status"].get("202", 0))'
}

# utime + stime of triaged, in clock ticks.
cpu_ticks() {
	local stat
	read -r stat < "/proc/$TRIAGED_PID/stat"
	stat=${stat##*) } # the command name may hold spaces
	set -- $stat
	echo $(( ${12} + ${13} ))
}

# Like lib.sh's, without -d: per-incident debug lines would be measured too.
start_scale_triaged() {
	local n=$1
	PORT=$(free_port)
	rm -rf "$T/state"
	cat > "$T/triaged.conf" <<CONF
state-dir "$T/state"
control-socket "$SOCK"
hostname "scale"
event-log off
outbox-max $((n * 2))
listen syslog tcp 127.0.0.1:$PORT
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-max $BACKOFF_MAX
	rate-limit off
}
rule "disk" {
	match syslog message ~ "I/O error, dev (?<dev>\\\\S+), sector (?<sector>[0-9]+)"
	key "{host}/disk/{dev}/{sector}"
	send "pd"
}
CONF
	$(pin 0) "$TRIAGED" -c "$T/triaged.conf" >"$T/triaged.log" 2>&1 &
	TRIAGED_PID=$!
	for _ in $(seq 100); do
		ctl status >/dev/null 2>&1 && return 0
		kill -0 "$TRIAGED_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "triaged did not start: $(cat "$T/triaged.log")"
}

# N distinct "I/O error" lines over TCP (no loss), one sector each.
send_lines() {
	$(pin 1) python3 - "$PORT" "$1" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
buf = []
for i in range(n):
    buf.append(b"<11>Dec  4 09:00:00 h kernel: I/O error, dev sd%c, sector %d\n"
               % (97 + i % 26, i))
    if len(buf) == 1000:
        s.sendall(b"".join(buf)); buf = []
s.sendall(b"".join(buf))
s.close()
PY
}

# Wait until triaged has queued n deliveries (asked once a second: the
# answer lists every delivery, so it is not asked during the drain).
wait_queued() {
	local n=$1 t0 q
	t0=$(now)
	while :; do
		q=$(ctl --json queue 2>/dev/null |
		    python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["queued"])' ||
		    echo 0)
		[ "$q" -ge "$n" ] && return 0
		awk -v a="$(now)" -v b="$t0" -v t="$TIMEOUT" 'BEGIN { exit !(a - b > t) }' &&
		    die "only $q of $n queued after ${TIMEOUT}s"
		sleep 1
	done
}

run_one() {
	local n=$1 t0 t1 c0 c1 q0 q1 got last=-1 still=0
	start_pd --max-records 16 --fault '{"mode":"refuse","for_seconds":3600}'
	[ "$PIN" = 1 ] && taskset -pc 1 "$(cat "$T/pd.pid")" >/dev/null
	start_scale_triaged "$n"
	q0=$(cpu_ticks); t0=$(now)
	send_lines "$n"
	wait_queued "$n"
	q1=$(cpu_ticks); t1=$(now)
	local queue_s
	queue_s=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
	# Let the refusals run into backoff, as an outage would.
	sleep "$REFUSE_MIN"
	c0=$(cpu_ticks); t0=$(now)
	pd POST /_faults '{"mode":"normal"}' >/dev/null
	while :; do
		got=$(accepted)
		[ "$got" -ge "$n" ] && break
		if [ "$got" = "$last" ]; then
			still=$((still + 1))
			[ "$still" -lt $((TIMEOUT * 4)) ] || die "drain stuck at $got of $n"
		else
			still=0
		fi
		last=$got
		sleep 0.25
	done
	c1=$(cpu_ticks); t1=$(now)
	local rss
	rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$TRIAGED_PID/status")
	stop_all
	awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v q0="$q0" -v q1="$q1" \
	    -v hz="$HZ" -v qs="$queue_s" -v rss="$rss" 'BEGIN {
		wall = t1 - t0; cpu = (c1 - c0) / hz
		printf "| %d | %.2f | %.0f | %.2f | %.0f | %s | %.0f | %s |\n", n, wall, n / wall,
		    cpu, cpu * 1e6 / n, qs, (q1 - q0) / hz * 1e6 / n, rss
	}'
}

[ -x "$TRIAGED" ] || die "no triaged at $TRIAGED (set TRIAGED=)"
[ -x "$TRIAGECTL" ] || die "no triagectl at $TRIAGECTL (set TRIAGECTL=)"
say "triaged: $TRIAGED; sizes: $SIZES; backoff-max $BACKOFF_MAX; PIN=$PIN"
echo "| queued | drain s | deliveries/s | triaged CPU s | CPU µs/delivery | queueing s | queueing CPU µs/incident | peak RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	run_one "$n"
done
