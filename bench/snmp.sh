#!/usr/bin/env bash
# snmp.sh - trap throughput of triaged against snmptrapd, on the same
# workload in one run: COUNT SNMPv2c linkDown traps from 100 interfaces,
# sent as fast as one sender can, to (1) triaged with a linkDown rule that
# keeps one incident per interface, (2) snmptrapd logging each trap to a
# file, (3) snmptrapd running a traphandle (a fork per trap; it gets
# HANDLER_COUNT traps, it would take too long otherwise).  Each is watched
# until it has processed all it will (QUIET seconds without progress); the
# rate is traps processed per second between the first send and the last
# progress.  Prints a table and the ratios triaged/snmptrapd; CPU is the
# daemon's user+system time over the run (/proc/PID/stat), per trap processed.
#
# With RATES (traps per second, e.g. "30000 60000 90000"), each rate is then
# sent paced (COUNT traps) to a fresh triaged and a fresh snmptrapd logging
# to a file, and the loss and CPU per trap of each are printed; the highest
# rate with less than 0.1% lost is each daemon's lossless rate, and their
# ratio is printed last.  SENT/S is the rate the sender reached.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL  [./triaged ./triagectl from the repo top]
#   SNMPTRAPD           [snmptrapd on PATH, else bench/.cache/snmptrapd, unpacked
#                       with apt-get download + dpkg -x: never installed or started]
#   COUNT [200000]  HANDLER_COUNT [3000]  QUIET [1]  TIMEOUT [120]  RATES []
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
CACHE=$BENCH/.cache
: "${TRIAGED:=$TOP/triaged}"
: "${TRIAGECTL:=$TOP/triagectl}"
: "${COUNT:=200000}"
: "${HANDLER_COUNT:=3000}"
: "${QUIET:=1}"
: "${TIMEOUT:=120}"
: "${RATES:=}"
W=$(mktemp -d "${TMPDIR:-/tmp}/triaged-snmpbench.XXXXXX")
DPID=

say() { printf '%s\n' "$*" >&2; }
die() { say "snmp.sh: $*"; exit 1; }
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
stop_daemon() {
	if [ -n "$DPID" ]; then kill -TERM "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; fi
	DPID=
}
cleanup() { status=$?; stop_daemon; rm -rf "$W"; exit "$status"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

find_snmptrapd() {
	if [ -n "${SNMPTRAPD:-}" ]; then return; fi
	if command -v snmptrapd >/dev/null; then SNMPTRAPD=$(command -v snmptrapd); return; fi
	if [ ! -x "$CACHE/snmptrapd/usr/sbin/snmptrapd" ]; then
		mkdir -p "$CACHE/debs"
		(cd "$CACHE/debs" && apt-get download snmptrapd) >&2 || die "cannot fetch snmptrapd"
		dpkg -x "$CACHE"/debs/snmptrapd_*.deb "$CACHE/snmptrapd"
	fi
	SNMPTRAPD=$CACHE/snmptrapd/usr/sbin/snmptrapd
}

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# send PORT N [RATE]: N v2c linkDown traps for ifIndex 1..100 (hand-encoded, one
# sender), paced at RATE per second when given; prints the rate it reached.
send() {
	python3 - "$1" "$2" "${3:-0}" "$TOP/tests/integration" <<'PY'
import socket, sys, time
sys.path.insert(0, sys.argv[4])
from snmp_trap import linkdown
pkts = [linkdown(1, i) for i in range(1, 101)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addr = ("127.0.0.1", int(sys.argv[1]))
count, rate = int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
if rate == 0:
    for n in range(count):
        s.sendto(pkts[n % 100], addr)
else:
    n = 0
    while n < count:
        due = min(count, int((time.perf_counter() - t0) * rate) + 1)
        if n >= due:
            time.sleep(0.0005)
        while n < due:
            s.sendto(pkts[n % 100], addr)
            n += 1
print("%.0f" % (count / max(time.perf_counter() - t0, 1e-6)))
PY
}

# CPU seconds (user + system) of process $1 so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# measure NAME N PROGRESS-COMMAND [RATE]: send N traps to $P (paced at RATE),
# print "NAME processed/N seconds rate CPU-us/trap lost% sent/s".
measure() {
	local name=$1 n=$2 probe=$3 t0 last=0 tlast cur quiet c0 c1 sent
	c0=$(cpu "$DPID")
	t0=$(now); tlast=$t0
	sent=$(send "$P" "$n" "${4:-0}")
	while :; do
		cur=$($probe 2>/dev/null || echo 0)
		if [ "$cur" != "$last" ]; then last=$cur; tlast=$(now); fi
		[ "$cur" -ge "$n" ] && break
		quiet=$(python3 -c "print(int($(now) - $tlast >= $QUIET or $(now) - $t0 >= $TIMEOUT))")
		[ "$quiet" = 1 ] && break
		sleep 0.1
	done
	c1=$(cpu "$DPID")
	python3 -c "print('%-24s %8d/%-8d %8.2f s %10.0f traps/s %7.1f us %7.2f%% %9s' % ('$name', $last, $n, $tlast - $t0, $last / max($tlast - $t0, 1e-6), ($c1 - $c0) * 1e6 / max($last, 1), 100.0 * ($n - $last) / $n, '$sent'))"
}

triaged_received() {
	"$TRIAGECTL" -s "$W/ctl.sock" --json status |
	    python3 -c "import json,sys; print(sum(l['received'] for l in json.load(sys.stdin)['listeners']))"
}
# One line per trap in $W/out, after HEADER lines (snmptrapd's own start line).
lines() { echo $(( $(wc -l < "$W/out") - HEADER )); }

# run_triaged [RATE]
run_triaged() {
	rm -rf "$W/state"
	cat > "$W/triaged.conf" <<CONF
state-dir "$W/state"
control-socket "$W/ctl.sock"
event-log off
listen snmp udp 127.0.0.1:$P { rcvbuf 8M }
snmp { community "public" }
rule "link down" {
	match trap IF-MIB::linkDown
	key "{host}/if/{IF-MIB::ifIndex}"
	summary "{host}: interface {IF-MIB::ifDescr} down"
}
CONF
	"$TRIAGED" -c "$W/triaged.conf" 2>"$W/triaged.log" &
	DPID=$!
	for _ in $(seq 100); do "$TRIAGECTL" -s "$W/ctl.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
	measure "triaged" "$COUNT" triaged_received "${1:-0}"
	stop_daemon
}

# run_snmptrapd NAME N LOG EXTRA-CONF [RATE]: snmptrapd logging to LOG; progress is lines of $W/out.
run_snmptrapd() {
	local name=$1 n=$2
	: > "$W/out"; mkdir -p "$W/trapd"
	# The same 8M receive buffer as triaged's (-C: no other config file is read), and
	# no NOTIFICATION-LOG-MIB table: kept by default, it more than doubles a trap's CPU.
	printf '%s\n' "authCommunity log,execute public" "doNotRetainNotificationLogs yes" \
	    "[snmp] serverRecvBuf 8388608" "$4" > "$W/snmptrapd.conf"
	SNMPCONFPATH="$W/trapd" SNMP_PERSISTENT_DIR="$W/trapd" MIBS="" \
	    "$SNMPTRAPD" -f -n -C -c "$W/snmptrapd.conf" -Lf "$3" -F '%B %N %v\n' \
	    "udp:127.0.0.1:$P" 2>"$W/snmptrapd.err" &
	DPID=$!
	sleep 1
	measure "$name" "$n" lines "${5:-0}"
	stop_daemon
}

[ -x "$TRIAGED" ] || die "no $TRIAGED (build first, or set TRIAGED)"
find_snmptrapd
printf '#!/bin/sh\ncat >/dev/null\necho trap >> "%s"\n' "$W/out" > "$W/handler"
chmod +x "$W/handler"
printf '%-24s %17s %10s %16s %10s %8s %9s\n' DAEMON PROCESSED TIME RATE CPU/TRAP LOST SENT/S
P=$(port); r1=$(run_triaged); echo "$r1"
P=$(port); r2=$(HEADER=1 run_snmptrapd snmptrapd-logfile "$COUNT" "$W/out" ""); echo "$r2"
P=$(port); r3=$(HEADER=0 run_snmptrapd snmptrapd-traphandle "$HANDLER_COUNT" /dev/null \
    "traphandle default $W/handler"); echo "$r3"
rate() { awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "traps/s") print $i }' <<< "$1"; }
python3 -c "print('triaged/snmptrapd-logfile %.1fx, triaged/snmptrapd-traphandle %.1fx' % ($(rate "$r1") / max($(rate "$r2"), 1), $(rate "$r1") / max($(rate "$r3"), 1)))"
[ -n "$RATES" ] || exit 0

# Paced steps: loss and CPU per trap of each daemon at each rate.
printf '\n%-8s %-24s %17s %10s %16s %10s %8s %9s\n' RATE DAEMON PROCESSED TIME RATE CPU/TRAP \
    LOST SENT/S
best_t=0 best_s=0
lossless() { awk '{ l = $(NF-1); sub("%", "", l); exit !(l + 0 < 0.1) }' <<< "$1"; }
for rate in $RATES; do
	P=$(port); r=$(run_triaged "$rate"); printf '%-8s %s\n' "$rate" "$r"
	if lossless "$r"; then best_t=$rate; fi
	P=$(port); r=$(HEADER=1 run_snmptrapd snmptrapd-logfile "$COUNT" "$W/out" "" "$rate")
	printf '%-8s %s\n' "$rate" "$r"
	if lossless "$r"; then best_s=$rate; fi
done
python3 -c "print('lossless (< 0.1%% lost): triaged %d/s, snmptrapd-logfile %d/s, ratio %.1fx' % ($best_t, $best_s, $best_t / max($best_s, 1)))"
