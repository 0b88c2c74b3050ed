#!/usr/bin/env bash
# memory.sh - triaged's memory, idle and after a storm, with anonymous
# memory (the heap: what triaged itself holds) apart from file-backed pages
# (the LMDB maps and the binary's pages, which the kernel may drop and read
# back).  For each EVENT_LOG setting: start a fresh triaged, read
# /proc/PID/status and smaps when idle, send COUNT RFC 3164 lines over TCP
# (lossless; 1 in 100 a disk error that a rule makes an incident of, the
# rest chatter a rule drops) with bench/loadgen, wait until all were
# received and committed, and read again, then once more after SETTLE
# seconds.  Prints one Markdown table; see bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   COUNT [1000000]      lines in the storm
#   EVENT_LOG ["on off"] the raw-event log settings to run
#   SETTLE [5]           seconds after the storm before the last reading
#   TIMEOUT [300]        longest wait for the storm to be taken, seconds
set -eu

. "$(dirname "$0")/lib.sh"
: "${COUNT:=1000000}"
: "${EVENT_LOG:=on off}"
: "${SETTLE:=5}"
: "${TIMEOUT:=300}"
[ -x "$BENCH/loadgen" ] || cc -O2 -o "$BENCH/loadgen" "$BENCH/loadgen.c" || die "cannot build loadgen"

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$TRIAGED_PID/status"; }
# Resident KiB of the LMDB files' mappings (state database and event log).
lmdb_kib() {
	awk '/\.mdb$/ { m = 1; next } /^[0-9a-f]+-[0-9a-f]+ / { m = 0 } m && $1 == "Rss:" { s += $2 }
	    END { print s + 0 }' "/proc/$TRIAGED_PID/smaps"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() { # event-log phase
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(mib "$(kib VmRSS)")" \
	    "$(mib "$(kib RssAnon)")" "$(mib "$(kib RssFile)")" "$(mib "$(lmdb_kib)")" \
	    "$(mib "$(kib RssShmem)")" "$(mib "$(kib VmHWM)")"
}

run() {
	local log=$1 i=0
	rm -rf "$T/state"
	conf_head
	cat >> "$CONF" <<CONF
event-log $log
rule "disk" { match syslog message ~ "I/O error, dev (?<dev>\\\\S+)"; key "{host}/disk/{dev}" }
rule "noise" { match syslog program "app"; drop }
CONF
	start_triaged
	sleep 1
	row "$log" idle
	"$BENCH/loadgen" -T -n "$COUNT" 127.0.0.1 "$PORT" >/dev/null
	while [ "$(ctl --json status | json "j['events']['received']")" -lt "$COUNT" ]; do
		i=$((i + 1))
		[ $i -lt $((TIMEOUT * 2)) ] || die "the storm was not taken within ${TIMEOUT}s"
		sleep 0.5
	done
	wait_status "j['events']['batches'] > 0 and j['incidents']['total'] >= 1" 30
	row "$log" "after $COUNT lines"
	sleep "$SETTLE"
	row "$log" "${SETTLE}s later"
	stop_triaged
}

say "triaged: $TRIAGED; $COUNT lines over TCP, 1 in 100 an incident's"
echo "| event log | when | RSS MiB | anonymous MiB | file-backed MiB | of which LMDB maps MiB | shmem MiB | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for log in $EVENT_LOG; do
	run "$log"
done
