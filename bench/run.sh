#!/usr/bin/env bash
# run.sh - peer benchmark: triaged, rsyslog and syslog-ng on the same UDP
# syslog workload, in one run.  Each daemon in turn is started on a loopback
# high port with an equivalent config (1 line in MATCH_EVERY is a disk error
# that must reach an output, the rest is chatter a rule drops), gets the same
# lines from bench/loadgen, and is watched until it has processed all it
# will.  Prints one table (medians over REPEAT runs) and the ratios
# triaged/rsyslog and triaged/syslog-ng.  See bench/README.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   RSYSLOGD             [rsyslogd]
#   SYSLOG_NG_ROOT       unpacked syslog-ng-core [bench/.cache/syslog-ng, fetched
#                        with apt-get download + dpkg -x when missing and
#                        FETCH_SYSLOG_NG=1]
#   DAEMONS              ["triaged rsyslog syslog-ng"]
#   WORKLOADS            ["flood rate"]  flood: sender as fast as it can;
#                        rate: RATE lines/s [150000]; rate:N: N lines/s;
#                        hostile: a flood whose every line ends in a
#                        Latin-1 byte and an ESC sequence (loadgen -x);
#                        tcp: a flood over one TCP connection, RFC 6587
#                        octet counting (loadgen -T): lossless for every daemon
#   COUNT [1000000]  MATCH_EVERY [100]  REPEAT [3]
#   QUIET [1]            seconds without progress that mean "done"
#   TIMEOUT [120]        longest wait for a daemon to finish, seconds
#   PIN [0]              1: daemon on CPU 0, sender on CPU 1 (taskset)
#   WAIT_IDLE [0]        wait up to this many seconds before each run for the
#                        machine to be idle (< 0.1 CPU busy); 0: only warn
#   SUSTAINED            a rising series of UDP rates, e.g. "100000 200000 300000":
#                        instead of the runs above, one instance of each daemon
#                        gets STEP_SECONDS [60] at each rate in turn; prints per
#                        step the lines lost (sent - processed, and the kernel's
#                        drops on the socket) and, for triaged, the event loop's
#                        p99 and longest dispatch during the step (from the
#                        `loop` histogram of `triagectl status --json`)
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
CACHE=$BENCH/.cache
: "${TRIAGED:=$TOP/triaged}"
: "${TRIAGECTL:=$TOP/triagectl}"
: "${RSYSLOGD:=rsyslogd}"
: "${SYSLOG_NG_ROOT:=$CACHE/syslog-ng}"
: "${FETCH_SYSLOG_NG:=1}"
: "${DAEMONS:=triaged rsyslog syslog-ng}"
: "${WORKLOADS:=flood rate}"
: "${COUNT:=1000000}"
: "${MATCH_EVERY:=100}"
: "${RATE:=150000}"
: "${REPEAT:=3}"
: "${QUIET:=1}"
: "${TIMEOUT:=120}"
: "${PIN:=0}"
: "${WAIT_IDLE:=0}"
: "${SUSTAINED:=}"
: "${STEP_SECONDS:=60}"

HZ=$(getconf CLK_TCK)
W=$(mktemp -d "${TMPDIR:-/tmp}/triaged-bench.XXXXXX")
DPID=
exec {SLEEPFD}<> <(:) # read -t on this fd sleeps without a fork

cleanup() {
	status=$?
	stop_daemon
	rm -rf "$W"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }
nap() { read -r -t "$1" -u "$SLEEPFD" _ || true; }
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }

# --- setup ---------------------------------------------------------------

build_tools() {
	mkdir -p "$CACHE"
	if [ ! -x "$BENCH/loadgen" ] || [ "$BENCH/loadgen.c" -nt "$BENCH/loadgen" ]; then
		cc -O2 -o "$BENCH/loadgen" "$BENCH/loadgen.c" || die "cannot build loadgen"
	fi
	if [ ! -f "$CACHE/rcvbufforce.so" ] || [ "$BENCH/rcvbufforce.c" -nt "$CACHE/rcvbufforce.so" ]; then
		cc -O2 -shared -fPIC -o "$CACHE/rcvbufforce.so" "$BENCH/rcvbufforce.c" -ldl ||
		    die "cannot build rcvbufforce.so"
	fi
}

# syslog-ng-core conflicts with rsyslog in apt, so it is unpacked, not installed.
fetch_syslog_ng() {
	local deb
	[ "$FETCH_SYSLOG_NG" = 1 ] && command -v apt-get >/dev/null || return 1
	say "fetching syslog-ng-core into $SYSLOG_NG_ROOT"
	mkdir -p "$CACHE/debs" "$SYSLOG_NG_ROOT"
	(cd "$CACHE/debs" && apt-get download syslog-ng-core libivykis0 libnet1) >&2 || return 1
	for deb in "$CACHE"/debs/*.deb; do
		dpkg -x "$deb" "$SYSLOG_NG_ROOT" || return 1
	done
}

sng_env() {
	local r=$SYSLOG_NG_ROOT
	SNG_BIN=$r/usr/sbin/syslog-ng
	SNG_CTL=$r/usr/sbin/syslog-ng-ctl
	SNG_MOD=$(echo "$r"/usr/lib/syslog-ng/3.*)
	SNG_LIBS=$r/usr/lib/syslog-ng:$r/usr/lib/x86_64-linux-gnu
}

have_syslog_ng() {
	local f
	sng_env
	[ -x "$SNG_BIN" ] || fetch_syslog_ng || return 1
	sng_env
	for f in "$SNG_BIN" "$SNG_MOD"/libafsocket.so "$SNG_MOD"/libaffile.so \
	    "$SNG_MOD"/libsyslogformat.so; do
		[ -e "$f" ] || return 1
		if LD_LIBRARY_PATH=$SNG_LIBS ldd "$f" | grep -q 'not found'; then
			say "syslog-ng: $f has unresolved libraries"
			return 1
		fi
	done
}

# Keep only the daemons that can run here.
check_daemons() {
	local d ok=
	for d in $DAEMONS; do
		case $d in
		triaged)
			if [ -x "$TRIAGED" ] && [ -x "$TRIAGECTL" ]; then ok="$ok $d"
			else say "skipping triaged: no $TRIAGED or $TRIAGECTL (set TRIAGED/TRIAGECTL)"; fi ;;
		rsyslog)
			if command -v "$RSYSLOGD" >/dev/null; then ok="$ok $d"
			else say "skipping rsyslog: no $RSYSLOGD"; fi ;;
		syslog-ng)
			if have_syslog_ng; then ok="$ok $d"
			else say "skipping syslog-ng: not found under $SYSLOG_NG_ROOT"; fi ;;
		*) die "unknown daemon $d" ;;
		esac
	done
	DAEMONS=${ok# }
	[ -n "$DAEMONS" ] || die "no daemon to benchmark"
}

# --- sockets and processes -------------------------------------------------

port_in_use() {
	local hex
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6 2>/dev/null |
	    grep -q "$hex"
}

free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	die "no free port"
}

# "rx_queue_bytes kernel_drops" of the UDP socket bound to 127.0.0.1:$1.
sock_state() {
	awk -v want="$(printf '0100007F:%04X' "$1")" '
	    function hex(s, i, n) {
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789ABCDEF", substr(toupper(s), i, 1)) - 1
		return n
	    }
	    $2 == want { split($5, q, ":"); rx += hex(q[2]); drops += $NF; n++ }
	    END { printf "%d %d %d\n", rx, drops, n }' /proc/net/udp
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# Non-idle jiffies of the whole machine: shows what else ran during a run.
machine_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# Busy CPUs (e.g. 0.05) over half a second, before a run starts.
busy_now() {
	local b0 b1
	b0=$(machine_busy)
	nap 0.5
	b1=$(machine_busy)
	awk -v d="$((b1 - b0))" -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz / 0.5 }'
}

# Other work on the machine skews every figure: wait for quiet (bounded), or warn.
wait_idle() {
	local b i=0
	while :; do
		b=$(busy_now)
		awk -v b="$b" 'BEGIN { exit !(b < 0.1) }' && return 0
		if [ "$i" -ge "$((WAIT_IDLE * 2))" ]; then
			say "  warning: machine busy ($b CPUs) before this run; see 'other CPU s'"
			return 0
		fi
		i=$((i + 1))
	done
}

pin_daemon() { if [ "$PIN" = 1 ]; then echo "taskset -c 0"; fi; }
pin_sender() { if [ "$PIN" = 1 ]; then echo "taskset -c 1"; fi; }

stop_daemon() {
	local i
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$DPID" 2>/dev/null || break
		nap 0.1
	done
	kill -KILL "$DPID" 2>/dev/null || true
	wait "$DPID" 2>/dev/null || true
	DPID=
}

# Wait (at most 10 s) until the daemon has bound its UDP port.
wait_bound() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$DPID" 2>/dev/null || { say "$1 exited at start:"; tail -n 20 "$D/log" >&2; return 1; }
		set -- "$1" "$(sock_state "$PORT")"
		[ "${2##* }" -gt 0 ] && return 0
		nap 0.1
	done
	say "$1 did not bind 127.0.0.1:$PORT"
	return 1
}

# --- triaged -----------------------------------------------------------------

ctl() { "$TRIAGECTL" -s "$D/control.sock" "$@"; }

start_triaged() {
	cat > "$D/triaged.conf" <<EOF
state-dir "$D/state"
control-socket "$D/control.sock"
hostname "bench-triaged"
listen syslog udp 127.0.0.1:$PORT { rcvbuf 32M }
listen syslog tcp 127.0.0.1:$PORT
rule "disk" {
	match syslog message ~ "I/O error, dev (?<dev>\\S+)"
	key "{host}/disk/{dev}"
}
rule "noise" { match syslog program "app"; drop }
EOF
	mkdir -p "$D/state"
	$(pin_daemon) "$TRIAGED" -c "$D/triaged.conf" >"$D/log" 2>&1 &
	DPID=$!
	wait_bound triaged || return 1
	local i
	for i in $(seq 1 100); do
		ctl status >/dev/null 2>&1 && return 0
		nap 0.1
	done
	say "triaged: control socket never answered"
	return 1
}

triaged_json() { ctl --json status 2>/dev/null; }

# What moves while triaged works: listener and pipeline counters (not
# events.batches, which also counts timer-driven commits of an idle daemon).
progress_triaged() {
	triaged_json | jq -r '[(.listeners | map(.received + .dropped) | add),
	    (.events | del(.batches) | to_entries | map(.value) | add)] | @tsv' 2>/dev/null ||
	    echo down
}

# "processed matched incidents"
counts_triaged() {
	triaged_json | jq -r '[(.listeners | map(.received) | add), .events.matched,
	    .incidents.total] | @tsv' | tr '\t' ' '
}

# --- rsyslog -----------------------------------------------------------------

start_rsyslog() {
	cat > "$D/rsyslog.conf" <<EOF
global(workDirectory="$D")
module(load="impstats" interval="1" format="json" resetCounters="off"
       log.syslog="off" log.file="$D/impstats.json")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$PORT" rcvbufSize="32m")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$PORT")
if (\$msg contains "I/O error") then {
	action(type="omfile" file="$D/matched.log")
}
stop
EOF
	$(pin_daemon) "$RSYSLOGD" -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" >"$D/log" 2>&1 &
	DPID=$!
	wait_bound rsyslog
}

out_size() { [ -f "$D/matched.log" ] && wc -c < "$D/matched.log" || echo 0; }
out_lines() { [ -f "$D/matched.log" ] && wc -l < "$D/matched.log" || echo 0; }

# impstats only writes once a second, so it is read for the totals, not timing.
progress_rsyslog() { out_size; }

counts_rsyslog() {
	nap 1.2 # one more impstats interval, so its last record is final
	jq -rs '([map(select(.origin == "imudp" and .submitted != null)) | last | .submitted // 0]
	    + [map(select(.origin == "imtcp" and .submitted != null)) | last | .submitted // 0]
	    | add) as $s
	    | (map(select(.name == "main Q")) | last) as $q
	    | "\($s - $q."discarded.full" - $q."discarded.nf")"' \
	    < <(sed 's/^[^{]*//' "$D/impstats.json") | tr -d '\n'
	echo " $(out_lines) -"
}

# --- syslog-ng ---------------------------------------------------------------

start_syslog_ng() {
	cat > "$D/syslog-ng.conf" <<EOF
@version: 3.38
options { stats_freq(0); };
source s_bench {
	network(transport("udp") ip("127.0.0.1") port($PORT) so-rcvbuf(33554432)
	        flags(no-multi-line));
	syslog(transport("tcp") ip("127.0.0.1") port($PORT) flags(no-multi-line)
	        log-iw-size(100000) max-connections(10));
};
filter f_disk { message("I/O error" type(string) flags(substring)); };
destination d_match { file("$D/matched.log"); };
log { source(s_bench); filter(f_disk); destination(d_match); };
EOF
	# syslog-ng asks for SO_RCVBUF only, capped at net.core.rmem_max;
	# the shim forces it like triaged and rsyslog do as root.
	LD_PRELOAD=$CACHE/rcvbufforce.so LD_LIBRARY_PATH=$SNG_LIBS \
	    $(pin_daemon) "$SNG_BIN" -F --no-caps --module-path="$SNG_MOD" \
	    -f "$D/syslog-ng.conf" -p "$D/syslog-ng.pid" -R "$D/persist" -c "$D/ctl" \
	    --stderr >"$D/log" 2>&1 &
	DPID=$!
	wait_bound syslog-ng
}

sng_processed() {
	LD_LIBRARY_PATH=$SNG_LIBS "$SNG_CTL" stats -c "$D/ctl" 2>/dev/null |
	    awk -F';' '$1 == "source" && $2 == "s_bench" && $5 == "processed" { print $6 }'
}

progress_syslog_ng() { echo "$(sng_processed) $(out_size)"; }
counts_syslog_ng() { echo "$(sng_processed) $(out_lines) -"; }

# --- one measurement ---------------------------------------------------------

# Poll every 20 ms until nothing moved for QUIET seconds and the socket is
# empty; sets END to the last time anything moved (not before the sender's end).
wait_done() {
	local daemon=$1 sender_end=$2 sig prev='' last deadline t sock
	last=$sender_end
	deadline=$(awk -v n="$(now)" -v t="$TIMEOUT" 'BEGIN { printf "%.6f", n + t }')
	while :; do
		t=$(now)
		sock=$(sock_state "$PORT")
		sig="$sock $("progress_${daemon//-/_}")"
		if [ "$sig" != "$prev" ]; then
			prev=$sig
			last=$t
		fi
		if awk -v t="$t" -v l="$last" -v q="$QUIET" -v e="$sender_end" -v rx="${sock%% *}" \
		    'BEGIN { exit !(rx == 0 && t - (l > e ? l : e) >= q) }'; then
			break
		fi
		if awk -v t="$t" -v d="$deadline" 'BEGIN { exit !(t > d) }'; then
			say "$daemon: still busy after ${TIMEOUT}s, measuring anyway"
			break
		fi
		nap 0.02
	done
	END=$(awk -v l="$last" -v e="$sender_end" 'BEGIN { printf "%.6f", (l > e ? l : e) }')
}

kv() { printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# run_one DAEMON WORKLOAD REP: appends one line to $W/runs.tsv
run_one() {
	local daemon=$1 workload=$2 rep=$3 rate=0 lgflags= cpu0 cpu1 busy0 busy1 out counts
	local sent sender_cpu start sender_rate processed matched incidents rss drops
	D=$W/$daemon-$workload-$rep
	mkdir -p "$D"
	PORT=$(free_port)
	case $workload in
	flood) ;;
	hostile) lgflags=-x ;;
	tcp) lgflags=-T ;;
	rate) rate=$RATE ;;
	rate:*) rate=${workload#rate:} ;;
	*) die "unknown workload $workload" ;;
	esac
	wait_idle
	"start_${daemon//-/_}" || { stop_daemon; return 1; }
	nap 0.5 # let startup work settle before the CPU baseline
	cpu0=$(cpu_ticks "$DPID")
	busy0=$(machine_busy)
	out=$($(pin_sender) "$BENCH/loadgen" -n "$COUNT" -m "$MATCH_EVERY" -r "$rate" $lgflags \
	    127.0.0.1 "$PORT") || { say "loadgen failed: $out"; stop_daemon; return 1; }
	wait_done "$daemon" "$(kv "$out" end)"
	cpu1=$(cpu_ticks "$DPID")
	busy1=$(machine_busy)
	rss=$(peak_rss_kib "$DPID")
	drops=$(sock_state "$PORT" | awk '{ print $2 }')
	counts=$("counts_${daemon//-/_}")
	stop_daemon
	read -r processed matched incidents <<<"$counts"
	sent=$(kv "$out" sent)
	start=$(kv "$out" start)
	sender_rate=$(kv "$out" rate)
	sender_cpu=$(kv "$out" cpu)
	awk -v OFS='\t' -v d="$daemon" -v w="$workload" -v r="$rep" -v s="$sent" \
	    -v p="$processed" -v m="$matched" -v i="$incidents" -v st="$start" -v en="$END" \
	    -v c="$((cpu1 - cpu0))" -v hz="$HZ" -v rss="$rss" -v sr="$sender_rate" \
	    -v b="$((busy1 - busy0))" -v sc="$sender_cpu" -v k="$drops" 'BEGIN {
		wall = en - st; cpu = c / hz
		print d, w, r, s, p, s - p, 100 * (s - p) / s, m, i, wall, p / wall, cpu,
		    (p > 0 ? 1e6 * cpu / p : 0), rss / 1024, sr, sc, b / hz - cpu - sc, k
	    }' >> "$W/runs.tsv"
	tail -n 1 "$W/runs.tsv" | awk -F'\t' '{ printf "  %-9s %-5s #%s: %d/%d processed, %.0f msg/s, %.2f CPU s, %.1f MiB\n",
	    $1, $2, $3, $5, $4, $11, $12, $14 }' >&2
}

# --- sustained rates ---------------------------------------------------------

# The processed count of a running daemon (rsyslog's from impstats, a second behind).
processed_now() {
	"counts_${1//-/_}" | awk '{ print $1 }'
}

# The loop histogram's bucket counts, space-separated (triaged only).
loop_buckets() {
	triaged_json | jq -r '[.loop.buckets[].count] | map(tostring) | join(" ")'
}

# "p99 max" upper bounds in ms of the dispatches between two bucket readings.
loop_step() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) { d[i] = y[i] - x[i]; t += d[i] }
		for (i = 1; i <= n && c < 0.99 * t; i++) c += d[i]
		p = i - 1
		for (i = n; i > 0 && d[i] == 0; i--) ;
		printf "%g %g\n", 2 ^ (p - 1) / 1000, 2 ^ (i - 1) / 1000
	}'
}

# One instance of daemon, STEP_SECONDS at each rate of SUSTAINED: rows into $W/steps.tsv.
run_sustained() {
	local daemon=$1 rate out p0 p1 k0 k1 b0 b1 sent stall
	D=$W/$daemon-sustained
	mkdir -p "$D"
	PORT=$(free_port)
	wait_idle
	"start_${daemon//-/_}" || { stop_daemon; return 1; }
	nap 1
	for rate in $SUSTAINED; do
		p0=$(processed_now "$daemon")
		k0=$(sock_state "$PORT" | awk '{ print $2 }')
		[ "$daemon" = triaged ] && b0=$(loop_buckets)
		out=$($(pin_sender) "$BENCH/loadgen" -n $((rate * STEP_SECONDS)) -m "$MATCH_EVERY" \
		    -r "$rate" 127.0.0.1 "$PORT") || { say "loadgen failed: $out"; break; }
		wait_done "$daemon" "$(kv "$out" end)"
		p1=$(processed_now "$daemon")
		k1=$(sock_state "$PORT" | awk '{ print $2 }')
		stall="- -"
		[ "$daemon" = triaged ] && b1=$(loop_buckets) && stall=$(loop_step "$b0" "$b1")
		sent=$(kv "$out" sent)
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$daemon" "$rate" "$(kv "$out" rate)" "$sent" \
		    "$((p1 - p0))" "$((k1 - k0))" "${stall// /$'\t'}" >> "$W/steps.tsv"
		say "  $daemon at $rate/s: $((p1 - p0)) of $sent processed, $((k1 - k0)) dropped by the kernel"
	done
	stop_daemon
}

report_sustained() {
	echo "| daemon | asked lines/s | sent lines/s | sent | processed | lost | lost % | kernel drops | loop p99 under ms | longest dispatch under ms |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' '{ printf "| %s | %d | %.0f | %d | %d | %d | %.3f | %d | %s | %s |\n",
	    $1, $2, $3, $4, $5, $4 - $5, 100 * ($4 - $5) / $4, $6, $7, $8 }' "$W/steps.tsv"
}

main_sustained() {
	local d
	command -v jq >/dev/null || die "jq is needed"
	build_tools
	check_daemons
	say "daemons: $DAEMONS; sustained UDP steps of ${STEP_SECONDS}s at: $SUSTAINED lines/s"
	: > "$W/steps.tsv"
	for d in $DAEMONS; do
		run_sustained "$d" || say "$d sustained failed, see above"
	done
	mkdir -p "$CACHE"
	cp "$W/steps.tsv" "$CACHE/last-sustained.tsv"
	echo
	echo "$(date -u +%FT%TZ)  $(nproc) CPUs  commit $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo none)  sustained ${STEP_SECONDS}s steps, 1 in $MATCH_EVERY matching"
	echo
	report_sustained
}

# --- report ------------------------------------------------------------------

# Median of every numeric column per (daemon, workload), as a Markdown table.
report() {
	local w d
	echo "| workload | daemon | sent | processed | lost % | matched out | wall s | msg/s | CPU s | CPU µs/msg | peak RSS MiB | sender msg/s | other CPU s |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for w in $WORKLOADS; do
		for d in $DAEMONS; do
			awk -F'\t' -v d="$d" -v w="$w" '$1 == d && $2 == w' "$W/runs.tsv" > "$W/sel"
			[ -s "$W/sel" ] || continue
			printf '| %s | %s' "$w" "$d"
			for c in 4 5 7 8 10 11 12 13 14 15 17; do
				cut -f "$c" "$W/sel" | sort -g | awk -v c="$c" '{ v[NR] = $1 }
				    END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					  f = (c == 7 || c == 10 || c == 12) ? "%.2f" : (c == 13 || c == 14 || c == 17) ? "%.1f" : "%.0f"
					  printf " | " f, m }'
			done
			echo " |"
		done > "$W/rows.$w"
		cat "$W/rows.$w"
	done
	echo
	for w in $WORKLOADS; do
		for d in $DAEMONS; do
			[ "$d" = triaged ] && continue
			awk -F'|' -v w="$w" -v d="$d" '
			    function t(s) { gsub(/ /, "", s); return s }
			    t($2) == w && t($3) == "triaged" { tr = t($9); tc = t($11); tm = t($12) }
			    t($2) == w && t($3) == d { pr = t($9); pc = t($11); pm = t($12) }
			    END { if (tr == "" || pr == "") exit
				  printf "%s: triaged/%s  throughput %.2f  CPU per message %.2f  peak RSS %.2f\n",
				      w, d, tr / pr, tc / pc, tm / pm }' "$W/rows.$w"
		done
	done
}

main() {
	local rep w d
	command -v jq >/dev/null || die "jq is needed"
	build_tools
	check_daemons
	say "daemons: $DAEMONS; workloads: $WORKLOADS (rate $RATE/s); $COUNT lines, 1 in $MATCH_EVERY matching, $REPEAT runs each"
	: > "$W/runs.tsv"
	for rep in $(seq 1 "$REPEAT"); do
		for w in $WORKLOADS; do
			for d in $DAEMONS; do
				run_one "$d" "$w" "$rep" || say "$d $w #$rep failed, see above"
			done
		done
	done
	mkdir -p "$CACHE"
	{
		printf 'daemon\tworkload\trep\tsent\tprocessed\tlost\tlost_pct\tmatched\tincidents\twall_s\tmsg_per_s\tcpu_s\tcpu_us_per_msg\trss_mib\tsender_rate\tsender_cpu_s\tother_cpu_s\tkernel_drops\n'
		cat "$W/runs.tsv"
	} > "$CACHE/last-run.tsv"
	echo
	echo "$(date -u +%FT%TZ)  $(nproc) CPUs  commit $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo none)  $COUNT lines, 1 in $MATCH_EVERY matching, rate workload $RATE/s, median of $REPEAT"
	echo
	report
	say "(raw runs in $CACHE/last-run.tsv)"
}

if [ -n "$SUSTAINED" ]; then
	main_sustained "$@"
else
	main "$@"
fi
