#!/usr/bin/env bash
# scale.sh - does the cost of a delivery grow with the backlog?  For each
# size N: N distinct incidents are queued while the PagerDuty stand-in
# refuses connections, then the stand-in answers (202) and the outbox drains
# with `rate-limit off`.  Prints, per N, the drain rate and triaged's CPU per
# delivery over the drain (utime + stime from /proc/PID/stat), the CPU
# per incident while queueing, and triaged's peak RSS (VmHWM) and peak
# anonymous RSS (RssAnon, sampled).  During each drain, bench/loadgen sends
# UDP_RATE lines/s that no rule matches (lost = sent - received by the
# listener) and bench/probe_latency.py sends a fresh "probe N" UDP line
# every 20 ms and times it until `show probe/N` finds the incident.
# Then STORED incidents are stored (no upstream) and triaged's anonymous
# RSS is read.  Loopback and high ports only; every wait is bounded.  See
# bench/README.md and the first section of bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   SIZES                incidents queued, one run each ["1000 10000 100000"]
#   BACKOFF_MAX          the upstream's backoff-max [2s]: with a longer one, a
#                        triaged that waits for each item's own retry time
#                        after the upstream returns shows it as a slow drain
#   REFUSE_MIN           seconds the stand-in refuses at least [5]
#   TIMEOUT              longest wait for queueing or for the drain, s [600]
#   PIN [1 with 2 CPUs or more, else 0]
#                        1: triaged's loop on CPU 0; its sync thread, every
#                        thread of the stand-in, the senders and this
#                        script's own polling on CPU 1.  The stand-in plays
#                        a PagerDuty on another machine; sharing triaged's
#                        two cores with it (PIN=0) measures the stand-in
#   UDP_RATE [20000]     lines/s of UDP chatter during each drain (0: none)
#   STORED [1000000]     incidents stored for the RSS run (0: no such run)
#   PERF                 a file prefix: `perf record -g` of triaged over each
#                        drain into PERF.N.data
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
: "${TRIAGED:=$TOP/triaged}"
: "${TRIAGECTL:=$TOP/triagectl}"
: "${SIZES:=1000 10000 100000}"
: "${BACKOFF_MAX:=2s}"
: "${REFUSE_MIN:=5}"
: "${TIMEOUT:=600}"
: "${PIN:=$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}"
: "${UDP_RATE:=20000}"
: "${STORED:=1000000}"

HZ=$(getconf CLK_TCK)
TOP_SRCDIR=$TOP
# The integration helpers: a temporary dir $T removed on exit, free_port,
# start_pd/pd for the stand-in, and the cleanup that stops what they started.
. "$TOP/tests/integration/lib.sh"

say() { printf '%s\n' "$*" >&2; }
die() { say "scale.sh: $*"; exit 1; }
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
pin() { [ "$PIN" = 1 ] && printf 'taskset -c %s' "$1" || true; }
# This script's own polling (curl, python3 -c) stays off triaged's CPU too.
[ "$PIN" != 1 ] || taskset -pc 1 $$ >/dev/null

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
	UPORT=$(free_port)
	rm -rf "$T/state"
	cat > "$T/triaged.conf" <<CONF
state-dir "$T/state"
control-socket "$SOCK"
hostname "scale"
event-log off
outbox-max $((n * 2))
listen syslog tcp 127.0.0.1:$PORT
listen syslog udp 127.0.0.1:$UPORT { rcvbuf 4M }
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-max $BACKOFF_MAX
	rate-limit off
}
rule "disk" {
	match syslog message ~ "I/O error, dev (?<dev>\\\\S+), sector (?<sector>[0-9]+)"
	key "{host}/disk/{dev}/{sector}"
	max-open $((n * 2))
	${SEND:-send "pd"}
}
rule "probe" {
	match syslog message ~ "^probe (?<n>[0-9]+)"
	key "probe/{n}"
	max-open 1000000
}
CONF
	$(pin 0) "$TRIAGED" -c "$T/triaged.conf" >"$T/triaged.log" 2>&1 &
	TRIAGED_PID=$!
	for _ in $(seq 100); do
		ctl status >/dev/null 2>&1 && { pin_sync_thread; return 0; }
		kill -0 "$TRIAGED_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "triaged did not start: $(cat "$T/triaged.log")"
}

# PIN=1: the event loop keeps CPU 0 to itself; the sync thread, which
# mostly sleeps in fdatasync, goes with the stand-in to CPU 1, as an
# unpinned scheduler would put it beside the loop, not on top of it.
pin_sync_thread() {
	[ "$PIN" = 1 ] || return 0
	local task
	for task in /proc/"$TRIAGED_PID"/task/*; do
		[ "$(cat "$task/comm")" = triaged-sync ] && taskset -p -c 1 "${task##*/}" >/dev/null
	done
	return 0
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

# Wait until triaged has queued n deliveries (asked once a second, for a
# listing of one: only the counters matter here).
wait_queued() {
	local n=$1 t0 q
	t0=$(now)
	while :; do
		q=$(ctl --json queue --limit 1 2>/dev/null |
		    python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["queued"])' ||
		    echo 0)
		[ "$q" -ge "$n" ] && return 0
		awk -v a="$(now)" -v b="$t0" -v t="$TIMEOUT" 'BEGIN { exit !(a - b > t) }' &&
		    die "only $q of $n queued after ${TIMEOUT}s"
		sleep 1
	done
}

# RssAnon of triaged, in KiB.
anon_kib() {
	awk '/^RssAnon:/ { print $2 }' "/proc/$TRIAGED_PID/status"
}

# Lines the UDP listener received, from status.
udp_received() {
	ctl --json status | python3 -c '
import json, sys
print(sum(l["received"] for l in json.load(sys.stdin)["listeners"] if l["proto"] == "udp"))'
}

# UDP_RATE lines/s that no rule matches, in 1 s chunks until $T/stop
# exists; the number sent goes to $T/udp.sent.
udp_load() {
	local chunks=0
	while [ "$UDP_RATE" -gt 0 ] && [ ! -e "$T/stop" ] && [ "$chunks" -lt "$TIMEOUT" ]; do
		$(pin 1) "$BENCH/loadgen" -n "$UDP_RATE" -r "$UDP_RATE" -m 0 127.0.0.1 "$UPORT" \
		    >/dev/null 2>&1 || break
		chunks=$((chunks + 1))
	done
	echo $((chunks * UDP_RATE)) > "$T/udp.sent"
}

run_one() {
	local n=$1 t0 t1 c0 c1 q0 q1 got last=-1 still=0 anon=0 a
	start_pd --max-records 16 --fault '{"mode":"refuse","for_seconds":3600}'
	[ "$PIN" = 1 ] && taskset -a -pc 1 "$(cat "$T/pd.pid")" >/dev/null
	start_scale_triaged "$n"
	q0=$(cpu_ticks); t0=$(now)
	send_lines "$n"
	wait_queued "$n"
	q1=$(cpu_ticks); t1=$(now)
	local queue_s
	queue_s=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
	# Let the refusals run into backoff, as an outage would.
	sleep "$REFUSE_MIN"
	local perf_pid= load_pid probe_pid udp0
	if [ -n "${PERF:-}" ]; then
		perf record -q --call-graph dwarf,16384 -F 999 -p "$TRIAGED_PID" -o "$PERF.$n.data" 2>/dev/null &
		perf_pid=$!
		sleep 0.5
	fi
	rm -f "$T/stop"
	udp0=$(udp_received)
	udp_load & load_pid=$!
	# Real-time priority: the stand-in keeps CPU 1 busy, and the probe must
	# not measure its own wait for a time slice.
	$(pin 1) chrt -f 50 python3 "$BENCH/probe_latency.py" "$UPORT" "$SOCK" "$T/stop" > "$T/probe.json" &
	probe_pid=$!
	ctl --json status > "$T/status0.json"
	c0=$(cpu_ticks); t0=$(now)
	pd POST /_faults '{"mode":"normal"}' >/dev/null
	while :; do
		got=$(accepted)
		a=$(anon_kib); [ "$a" -le "$anon" ] || anon=$a
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
	touch "$T/stop"
	# triaged's own figure: its last 1,024 incidents from line to durable
	# (during a long drain all of them probes) and its last commits.
	# The loop's dispatches over the drain: the histogram's growth since
	# the drain began; the longest is over the whole run.
	ctl --json status | python3 -c '
import json, sys
j = json.load(sys.stdin)
j0 = json.load(open(sys.argv[1]))
l = j["latency"]
f = lambda o: "%.1f / %.1f" % (o["p50_usec"] / 1000, o["p99_usec"] / 1000)
b = [x["count"] - y["count"] for x, y in zip(j["loop"]["buckets"], j0["loop"]["buckets"])]
n, seen, p99 = sum(b), 0, 0
for i, c in enumerate(b):
    seen += c
    if seen >= 0.99 * n:
        p99 = 2 ** i
        break
print(f(l["incident"]), "|", f(l["commit"]), "|", f(l["durable"]), "| %d / %.3f / %.1f" % (
    n, p99 / 1000, j["loop"]["max_usec"] / 1000))
print("dispatches over the drain by duration: " + ", ".join(
    "<%gms: %d" % (2 ** i / 1000, c) for i, c in enumerate(b) if c and 2 ** i >= 512), file=sys.stderr)
print("longest dispatch %.1f ms at %s; before the drain %.1f ms at %s" % (
    j["loop"]["max_usec"] / 1000, j["loop"]["max_at"], j0["loop"]["max_usec"] / 1000,
    j0["loop"]["max_at"]), file=sys.stderr)' "$T/status0.json" > "$T/own.txt"
	wait "$load_pid" "$probe_pid" || true
	[ -z "$perf_pid" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
	sleep 1 # what is still in the socket buffer is read, not lost
	local rss sent recvd probes
	rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$TRIAGED_PID/status")
	recvd=$(( $(udp_received) - udp0 ))
	probes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["probes"])' "$T/probe.json")
	sent=$(( $(cat "$T/udp.sent") + probes ))
	stop_all
	python3 - "$T/probe.json" "$n" "$t0" "$t1" "$c0" "$c1" "$q0" "$q1" "$HZ" "$queue_s" \
	    "$rss" "$anon" "$sent" "$recvd" "$T/own.txt" <<'PY'
import json, sys
pr = json.load(open(sys.argv[1]))
n, t0, t1, c0, c1, q0, q1, hz = (float(x) for x in sys.argv[2:10])
qs, rss, anon, sent, recvd = sys.argv[10], sys.argv[11], int(sys.argv[12]), int(sys.argv[13]), int(sys.argv[14])
wall, cpu = t1 - t0, (c1 - c0) / hz
own = open(sys.argv[15]).read().strip()
print("| %d | %.2f | %.0f | %.2f | %.0f | %s | %.0f | %s / %s / %s | %s | %d | %d | %d | %s | %.1f |" % (
    n, wall, n / wall, cpu, cpu * 1e6 / n, qs, (q1 - q0) / hz * 1e6 / n,
    pr["p50_ms"], pr["p99_ms"], pr["max_ms"], own, pr["missing"], sent, sent - recvd, rss, anon / 1024))
PY
}

# STORED incidents, none sent anywhere: what does holding them cost in memory?
run_stored() {
	local n=$1 t0 t1
	PD_PORT=${PD_PORT:-9} SEND=" " start_scale_triaged "$n"
	t0=$(now)
	send_lines "$n"
	local have=0
	while [ "$have" -lt "$n" ]; do
		sleep 1
		have=$(ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["incidents"]["total"])')
		awk -v a="$(now)" -v b="$t0" -v t="$TIMEOUT" 'BEGIN { exit !(a - b > t) }' &&
		    die "only $have of $n stored after ${TIMEOUT}s"
	done
	t1=$(now)
	local anon hwm db
	anon=$(anon_kib)
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$TRIAGED_PID/status")
	ctl status >/dev/null # a control request with all of them stored
	# The state database's pages in use: what a peak RSS of mapped pages can reach.
	db=$(find "$T" -name data.mdb -path '*db*' -exec du -k {} + | awk '{ s += $1 } END { print s + 0 }')
	stop_all
	awk -v n="$n" -v s="$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')" -v anon="$anon" -v hwm="$hwm" \
	    -v db="$db" 'BEGIN { printf "| %d | %.1f | %.1f | %.1f | %.1f |\n", n, s, anon / 1024, hwm / 1024, db / 1024 }'
}

[ -x "$TRIAGED" ] || die "no triaged at $TRIAGED (set TRIAGED=)"
[ -x "$TRIAGECTL" ] || die "no triagectl at $TRIAGECTL (set TRIAGECTL=)"
if [ ! -x "$BENCH/loadgen" ] || [ "$BENCH/loadgen.c" -nt "$BENCH/loadgen" ]; then
	cc -O2 -o "$BENCH/loadgen" "$BENCH/loadgen.c" || die "cannot build bench/loadgen"
fi
say "triaged: $TRIAGED; sizes: $SIZES; backoff-max $BACKOFF_MAX; PIN=$PIN; UDP_RATE=$UDP_RATE"
echo "| queued | drain s | deliveries/s | triaged CPU s | CPU µs/delivery | queueing s | queueing CPU µs/incident | probe: new line → incident p50 / p99 / max ms | triaged's own: line → incident p50 / p99 ms | commit p50 / p99 ms | commit → durable p50 / p99 ms | loop dispatches / p99 under / longest ms | probes missing | UDP sent | UDP lost | peak RSS MiB | peak anon RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	run_one "$n"
done
if [ "$STORED" -gt 0 ]; then
	echo
	echo "| stored incidents | storing s | anon RSS MiB | peak RSS MiB | state database on disk MiB |"
	echo "|---:|---:|---:|---:|---:|"
	run_stored "$STORED"
fi
