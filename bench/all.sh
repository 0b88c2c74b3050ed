#!/usr/bin/env bash
# all.sh - every peer comparison in one run, one after the other on the same
# machine with the same binaries, into one Markdown report on stdout:
#   1. syslog floods over UDP and TCP, and a paced UDP rate, against rsyslog
#      and syslog-ng (run.sh, WORKLOADS="flood tcp rate");
#   2. the sustained UDP steps against rsyslog, with triaged's loop stalls
#      (run.sh with SUSTAINED);
#   3. SNMP traps against snmptrapd, as fast as one sender can and at paced
#      rates (snmp.sh with RATES).
# Each part prints its own table and ratios; the knobs of run.sh and snmp.sh
# pass through (COUNT, REPEAT, PIN, ...), and these choose the parts:
#   SUSTAINED ["100000 200000 300000 400000"]  STEP_SECONDS [60]
#   TRAP_RATES ["30000 60000 90000 120000"]    PARTS ["syslog sustained traps"]
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
: "${SUSTAINED_STEPS:=${SUSTAINED:-100000 200000 300000 400000}}"
: "${STEP_SECONDS:=60}"
: "${TRAP_RATES:=30000 60000 90000 120000}"
: "${PARTS:=syslog sustained traps}"
export STEP_SECONDS

echo "# triaged against its peers, $(date -u +%FT%TZ), $(nproc) CPUs"
for part in $PARTS; do
	echo
	case $part in
	syslog)
		echo "## Syslog: UDP flood, TCP flood, paced UDP"
		SUSTAINED= WORKLOADS="${WORKLOADS:-flood tcp rate}" "$BENCH/run.sh"
		;;
	sustained)
		echo "## Sustained UDP: ${STEP_SECONDS}s at each rate, one instance"
		SUSTAINED="$SUSTAINED_STEPS" DAEMONS="${SUSTAINED_DAEMONS:-triaged rsyslog}" "$BENCH/run.sh"
		;;
	traps)
		echo "## SNMP traps"
		RATES="$TRAP_RATES" "$BENCH/snmp.sh"
		;;
	*)
		echo "all.sh: unknown part $part" >&2
		exit 2
		;;
	esac
done
