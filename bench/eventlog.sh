#!/usr/bin/env bash
# eventlog.sh - what the raw-event log costs and takes: for each setting,
# start a fresh triaged, send COUNT real syslog lines (the Loghub samples
# in ../shared/data, repeated) over TCP, wait until all were received and
# the log's writer is idle, and report the CPU each of triaged's threads
# spent per line (from /proc/PID/task/*/stat, so other load on the
# machine does not count) and the log's size on disk per million lines.
# The "cap" setting first fills a small log past its max-size and then
# measures a second storm, so every block written also deletes a segment.
# Prints one Markdown table; see bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   COUNT [1000000]      lines per storm
#   SETTINGS ["off empty cap"]
#   DATA                 the Loghub directory [../shared/data/loghub from the repo top]
#   TIMEOUT [300]        longest wait for a storm to be taken, seconds
set -eu

. "$(dirname "$0")/lib.sh"
: "${COUNT:=1000000}"
: "${SETTINGS:=off empty cap}"
: "${DATA:=$TOP/../shared/data/loghub}"
: "${TIMEOUT:=300}"
[ -r "$DATA/Linux_2k.log" ] || die "no Loghub samples in $DATA (set DATA)"
TICK=$(getconf CLK_TCK)

# The lines of every sample, each with a syslog priority, once, in one file.
for f in "$DATA"/*_2k.log; do sed 's/^/<30>/' "$f"; done > "$T/lines"

storm() { # send COUNT lines over TCP, LF-framed, and wait until all were received
	local before i=0
	before=$(ctl --json status | json "j['events']['received']")
	python3 - "$PORT" "$COUNT" "$T/lines" <<'PY'
import socket, sys
port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lines = [l.rstrip(b"\n") + b"\n" for l in open(path, "rb")]
chunk = b"".join(lines)
s = socket.create_connection(("127.0.0.1", port))
full, rest = divmod(count, len(lines))
for _ in range(full):
    s.sendall(chunk)
s.sendall(b"".join(lines[:rest]))
s.close()
PY
	while [ "$(ctl --json status | json "j['events']['received']")" -lt $((before + COUNT)) ]; do
		i=$((i + 1))
		[ $i -lt $((TIMEOUT * 5)) ] || die "the storm was not taken within ${TIMEOUT}s"
		sleep 0.2
	done
	poll 60 j "j['store'].get('event_log', {}).get('pending_bytes', 0) == 0" \
		cmd "$TRIAGECTL" -s "$SOCK" --json status >/dev/null || die "the log's writer did not finish"
}

# CPU ticks per thread name of triaged, "name ticks" lines.
ticks() {
	for s in /proc/"$TRIAGED_PID"/task/*/stat; do
		sed 's/^[0-9]* (\(.*\)) [A-Z] /\1 /' "$s" | awk '{ print $1, $12 + $13 }'
	done | awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }' | sort
}
us_per_line() { # before after name
	awk -v n="$3" -v c="$COUNT" -v hz="$TICK" 'NR == FNR { b[$1] = $2; next }
	    $1 == n { printf "%.2f", ($2 - b[$1]) * 1e6 / hz / c; f = 1 } END { if (!f) printf "-" }' "$1" "$2"
}
log_bytes() { # the log's files on disk, whichever kind this build keeps
	du -sb "$T/state/eventlog" "$T/state/events" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

run() {
	local setting=$1 log
	case $setting in
	off) log="off" ;;
	empty) log="{ max-size 1024M }" ;;
	cap) log="{ max-size 16M }" ;;
	esac
	rm -rf "$T/state"
	conf_head
	cat >> "$CONF" <<CONF
event-log $log
rule "auth" { match syslog message ~ "authentication failure.*rhost=(?<rhost>\\\\S+)"; key "{host}/auth/{rhost}" }
rule "rest" { match syslog severity <= debug; drop }
CONF
	start_triaged
	[ "$setting" = cap ] && storm # past the cap before the measured storm
	ticks > "$T/t0"
	storm
	ticks > "$T/t1"
	local bytes per_m
	bytes=$(log_bytes)
	per_m=$(awk -v b="$bytes" -v c="$COUNT" 'BEGIN { printf "%.1f", b / c * 1e6 / 1048576 }')
	[ "$setting" = cap ] && per_m="(capped: $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"
	printf '| %s | %s | %s | %s | %s |\n' "$setting" "$(us_per_line "$T/t0" "$T/t1" triaged)" \
	    "$(us_per_line "$T/t0" "$T/t1" triaged-evlog)" "$(us_per_line "$T/t0" "$T/t1" triaged-sync)" \
	    "$per_m"
	stop_triaged
}

say "triaged: $TRIAGED; $COUNT Loghub lines per storm over TCP"
echo "| event log | loop thread µs/line | log writer µs/line | sync thread µs/line | log MiB per 1M lines |"
echo "|---|---:|---:|---:|---:|"
for s in $SETTINGS; do
	run "$s"
done
