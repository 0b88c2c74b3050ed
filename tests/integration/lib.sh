# lib.sh - shared helpers for integration scenarios.  Each scenario sources
# this, gets its own temporary state dir and loopback high ports, starts the
# real triaged, drives it with real clients and asserts through triagectl.
# Every wait is bounded; the scenario cleans up after itself on any exit.

set -eu

: "${TRIAGED:=$PWD/triaged}"
: "${TRIAGECTL:=$PWD/triagectl}"
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/triaged-it.XXXXXX")
TRIAGED_PID=
SCENARIO=$(basename "$0" .sh)

cleanup() {
	status=$?
	if [ -n "$TRIAGED_PID" ] && kill -0 "$TRIAGED_PID" 2>/dev/null; then
		kill -TERM "$TRIAGED_PID" 2>/dev/null || true
		wait "$TRIAGED_PID" 2>/dev/null || true
	fi
	for f in "$T"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	# What was stopped may still write under $T as it exits (a second
	# triaged saves net-snmp's state there): wait (bounded) before removing.
	for f in "$T"/*.pid; do
		_p=$(cat "$f" 2>/dev/null) || continue # gone: its process removed it on the way out
		_i=0
		# Alive and not a zombie (the shell reaps its children only at a wait).
		while [ -r "/proc/$_p/stat" ] && [ "$(awk '{ print $3 }' "/proc/$_p/stat" 2>/dev/null)" != Z ] &&
			[ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	done
	if [ "$status" -ne 0 ] && [ -f "$T/triaged.log" ]; then
		echo "--- triaged.log ($SCENARIO) ---" >&2
		tail -n 50 "$T/triaged.log" >&2
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit "$status"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL $SCENARIO: $*" >&2
	exit 1
}

pass() {
	echo "ok $SCENARIO: $*"
}

# A free TCP+UDP port in 20000-59999, or in $1-$2 (both protocols, so one
# number serves); nothing when none is found.
free_port() {
	python3 - "${1:-20000}" "${2:-59999}" <<'PY'
import random, socket, sys
for _ in range(200):
    p = random.randint(int(sys.argv[1]), int(sys.argv[2]))
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", p))
            s.close()
        print(p)
        break
    except OSError:
        continue
PY
}

PORT=$(free_port)
CONF="$T/triaged.conf"
SOCK="$T/control.sock"

# Write the common head of a config; the scenario appends its rules.
conf_head() {
	cat > "$CONF" <<CONF
state-dir "$T/state"
control-socket "$SOCK"
hostname "it-host"
listen syslog udp 127.0.0.1:$PORT { rcvbuf 8M }
listen syslog tcp 127.0.0.1:$PORT
listen syslog unix "$T/log.sock"
CONF
}

# Put $T/state on a tmpfs of size $1, so a scenario can fill it (needs root:
# skipped otherwise); unmounted at exit after triaged is stopped.
state_on_tmpfs() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP $SCENARIO: needs root to mount a tmpfs"; exit 77; }
	mkdir -p "$T/state"
	mount -t tmpfs -o size="$1" tmpfs "$T/state" ||
		{ echo "SKIP $SCENARIO: cannot mount a tmpfs"; exit 77; }
	trap 'status=$?; [ -n "$TRIAGED_PID" ] && kill "$TRIAGED_PID" 2>/dev/null; wait 2>/dev/null
umount "$T/state" 2>/dev/null || true; (exit $status); cleanup' EXIT INT TERM
}

ctl() {
	"$TRIAGECTL" -s "$SOCK" "$@"
}

# Start triaged in the background and wait (at most 10 s) for its control socket.
start_triaged() {
	"$TRIAGED" -d -c "$CONF" >>"$T/triaged.log" 2>&1 &
	TRIAGED_PID=$!
	i=0
	while ! ctl status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "triaged did not start"
		kill -0 "$TRIAGED_PID" 2>/dev/null || fail "triaged exited at start"
		sleep 0.1
	done
}

stop_triaged() {
	kill -TERM "$TRIAGED_PID"
	wait "$TRIAGED_PID" || fail "triaged exited with status $? on SIGTERM"
	TRIAGED_PID=
}

# json EXPR: evaluate a python expression over the JSON on stdin (bound to j).
json() {
	python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

# Wait (at most $2 seconds, default 10) until a python expression over
# `triagectl --json status` (bound to j) is true.
wait_status() {
	poll "${2:-10}" j "$1" cmd "$TRIAGECTL" -s "$SOCK" --json status >/dev/null \
		|| fail "timed out waiting for: $1"
}

# Like wait_status, over `triagectl --json incidents`.
wait_incidents() {
	poll "${2:-10}" j "$1" cmd "$TRIAGECTL" -s "$SOCK" --json incidents --state all >/dev/null \
		|| fail "timed out waiting for incidents: $1"
}

# poll SECONDS NAME EXPR cmd|url ...: tests/integration/poll.py, 10 tries a second.
poll() {
	limit=$(( $1 * 10 ))
	shift
	python3 "$TOP_SRCDIR/tests/integration/poll.py" "$limit" "$@"
}

# Start the PagerDuty stand-in on free ports; sets PD_PORT and PD_CTL
# (control port, which stays up while the API port refuses connections).
start_pd() {
	python3 "$TOP_SRCDIR/tests/standins/pagerduty.py" --port 0 --control-port 0 \
		--port-file "$T/pd.ports" --pidfile "$T/pd.pid" --record "$T/pd.requests" \
		"$@" >"$T/pd.log" 2>&1 &
	i=0
	until [ -s "$T/pd.ports" ] && [ "$(wc -l < "$T/pd.ports")" -ge 2 ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "PagerDuty stand-in did not start: $(cat "$T/pd.log")"
		sleep 0.1
	done
	PD_PORT=$(sed -n 1p "$T/pd.ports")
	PD_CTL=$(sed -n 2p "$T/pd.ports")
	echo "0123456789abcdef0123456789abcdef" > "$T/pd.key"
}

# start_smtp [smtp.py options]: a real SMTP server (aiosmtpd) on a free
# loopback port, each message a file in $MAIL; sets SMTP_PY (a python3 that
# has aiosmtpd: Debian's, when the first on PATH lacks it) and SMTP_PORT.
# The scenario is skipped when no python3 has aiosmtpd.
start_smtp() {
	SMTP_PY=
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import aiosmtpd' 2>/dev/null; then SMTP_PY=$py; break; fi
	done
	[ -n "$SMTP_PY" ] || { echo "skip $SCENARIO: no aiosmtpd (package python3-aiosmtpd)"; exit 77; }
	MAIL="$T/mail"
	"$SMTP_PY" "$TOP_SRCDIR/tests/standins/smtp.py" --dir "$MAIL" --port-file "$T/smtp.port" \
		--pidfile "$T/smtp.pid" "$@" >"$T/smtp.log" 2>&1 &
	i=0
	until [ -s "$T/smtp.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "SMTP server did not start: $(cat "$T/smtp.log")"
		sleep 0.1
	done
	SMTP_PORT=$(cat "$T/smtp.port")
}

# Append upstream "pd" for the stand-in (after start_pd) to the config:
# quick retries, no rate limit.
conf_pd() {
	cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 100ms
	backoff-max 300ms
	rate-limit off
}
CONF
}

# Append a trap listener on a free loopback port, $SNMP_PORT, taking v2c
# community "public" from loopback (after conf_head); skip the scenario
# when there is no snmptrap to send with.
conf_snmp() {
	command -v snmptrap >/dev/null || { echo "skip $SCENARIO: no snmptrap (package snmp)"; exit 77; }
	SNMP_PORT=$(free_port)
	cat >> "$CONF" <<CONF
listen snmp udp 127.0.0.1:$SNMP_PORT
snmp { community "public" from 127.0.0.0/8 }
CONF
}

# conf_link_rule [STATEMENT...]: append rule "interface down", which pairs
# the port's down and up lines that link() sends by key, with the given
# statements after its match, resolve-on, key and summary.
conf_link_rule() {
	{
		printf '%s\n' 'rule "interface down" {' \
			'	match syslog message ~ "Interface (?<ifname>\S+), changed state to down"' \
			'	resolve-on syslog message ~ "Interface (?<ifname>\S+), changed state to up"' \
			'	key "{host}/if/{ifname}"' \
			'	summary "{host}: interface {ifname} down"'
		for stmt in "$@"; do
			printf '\t%s\n' "$stmt"
		done
		printf '}\n'
	} >> "$CONF"
}

# link IFNAME down|up: a switch port's state change, as Cisco IOS words it,
# by real logger over UDP to the scenario's port.
link() {
	logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t "%LINK-3-UPDOWN" \
		"Interface $1, changed state to $2"
}

# pd GET|POST PATH [JSON]: talk to the stand-in's control port.
pd() {
	python3 - "$PD_CTL" "$@" <<'PY'
import sys, urllib.request
port, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), data=data, method=method,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

# Wait (at most $2 s, default 20) until a python expression over the
# stand-in's /_state (bound to s) is true.
wait_pd() {
	state=$(poll "${2:-20}" s "$1" url "http://127.0.0.1:$PD_CTL/_state") \
		|| fail "timed out waiting for the stand-in: $1 (state: $state)"
}

# Stand in for systemd's notify socket at $T/notify.sock for at most $1
# seconds (default 30): each line received goes to $T/notify.log with its
# time.  The caller exports NOTIFY_SOCKET for triaged.
start_notify_listener() {
	python3 - "$T/notify.sock" "$T/notify.log" "${1:-30}" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[3])
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
	i=0
	until [ -S "$T/notify.sock" ]; do i=$((i + 1)); [ $i -lt 50 ] || fail "no notify socket"; sleep 0.1; done
}

# start_am_receiver: the webhook receiver (tests/standins/am_receiver.py)
# that Alertmanager notifies; sets AMR_PORT.  Skips the scenario when the
# Debian package prometheus-alertmanager is not installed.
start_am_receiver() {
	AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}
	[ -x "$AM_BIN" ] || { echo "skip $SCENARIO: no $AM_BIN (package prometheus-alertmanager)"; exit 77; }
	python3 "$TOP_SRCDIR/tests/standins/am_receiver.py" --port-file "$T/amr.port" \
		--pidfile "$T/amr.pid" >"$T/amr.log" 2>&1 &
	i=0
	until [ -s "$T/amr.port" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the receiver did not start: $(cat "$T/amr.log")"
		sleep 0.1
	done
	AMR_PORT=$(cat "$T/amr.port")
	cat > "$T/am.yml" <<YML
global:
  resolve_timeout: ${AM_RESOLVE_TIMEOUT:-10s}
route:
  receiver: hook
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$AMR_PORT/notify
        send_resolved: true
YML
}

# start_am N WEB_PORT [CLUSTER_PORT PEER_PORT...]: a real Alertmanager on
# loopback, its data in $T/amN, pid in $T/amN.pid, log in $T/amN.log;
# without CLUSTER_PORT it runs alone (no gossip).  Waits until it is ready.
start_am() {
	n=$1 web=$2
	shift 2
	set -- "$@"
	if [ $# -eq 0 ]; then
		set -- "--cluster.listen-address="
	else
		cport=$1
		shift
		peers=
		for p in "$@"; do peers="$peers --cluster.peer=127.0.0.1:$p"; done
		# shellcheck disable=SC2086
		set -- "--cluster.listen-address=127.0.0.1:$cport" \
			"--cluster.advertise-address=127.0.0.1:$cport" $peers \
			--cluster.gossip-interval=50ms --cluster.pushpull-interval=1s \
			--cluster.peer-timeout=2s --cluster.settle-timeout=3s \
			--cluster.probe-interval=200ms --cluster.reconnect-interval=1s
	fi
	mkdir -p "$T/am$n"
	"$AM_BIN" --config.file="$T/am.yml" --storage.path="$T/am$n" \
		--web.listen-address="127.0.0.1:$web" "$@" >>"$T/am$n.log" 2>&1 &
	echo $! > "$T/am$n.pid"
	poll 20 r "r['cluster']['status'] in ('ready', 'disabled')" \
		url "http://127.0.0.1:$web/api/v2/status" >/dev/null \
		|| fail "Alertmanager $n did not start: $(tail -n 5 "$T/am$n.log")"
}

# stop_am N: kill Alertmanager N (SIGKILL: a node that dies, not one that says goodbye).
stop_am() {
	kill -KILL "$(cat "$T/am$1.pid")" 2>/dev/null || true
	rm -f "$T/am$1.pid"
}

# am_alerts PORT EXPR [SECONDS]: wait until a python expression over the
# alerts Alertmanager at PORT has (GET /api/v2/alerts, bound to a) is true.
am_alerts() {
	poll "${3:-20}" a "$2" url "http://127.0.0.1:$1/api/v2/alerts"
}

# am_get PORT: print the alerts Alertmanager at PORT has.
am_get() {
	python3 -c 'import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=10).read().decode())' \
		"http://127.0.0.1:$1/api/v2/alerts"
}

# am_notified EXPR [SECONDS]: the same over the receiver's state (s).
am_notified() {
	poll "${2:-20}" s "$1" url "http://127.0.0.1:$AMR_PORT/_state"
}

# start_agent NAME CONF: another triaged (the scenario's own is start_triaged),
# its control socket $T/NAME.sock, its log $T/NAME.log, its pid in $T/NAME.pid.
start_agent() {
	"$TRIAGED" -d -c "$2" >>"$T/$1.log" 2>&1 &
	echo $! > "$T/$1.pid"
	i=0
	until "$TRIAGECTL" -s "$T/$1.sock" status >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "$1 did not start: $(cat "$T/$1.log")"; sleep 0.1
	done
}

# conf_errors 'CONFIG|ERROR' ...: triaged -t refuses each one-line CONFIG
# with "bad.conf:1: ERROR" (a grep pattern).
conf_errors() {
	for bad in "$@"; do
		printf '%s\n' "${bad%%|*}" > "$T/bad.conf"
		"$TRIAGED" -t -c "$T/bad.conf" 2>"$T/err" && fail "triaged -t accepted: ${bad%%|*}"
		grep -q "bad.conf:1: ${bad#*|}" "$T/err" || fail "unclear error: $(cat "$T/err")"
	done
}

# fleet_head NAME SYSLOG_PORT SNMP_PORT: the head of a fleet agent's config
# (its own state, socket and ports; traps from loopback, IF-MIB loaded).
fleet_head() {
	cat <<CONF
state-dir "$T/$1"
control-socket "$T/$1.sock"
hostname "$1"
listen syslog udp 127.0.0.1:$2
listen snmp udp 127.0.0.1:$3
snmp { community "public" from 127.0.0.0/8; mibs "IF-MIB"; mib-dirs "$TOP_SRCDIR/tests/data/mibs" }
CONF
}

# start_fleet FN: two agents, as gear that sends to two receivers has:
# agent-a (the scenario's triaged, $SOCK, syslog on $PORT, traps on $A_SNMP)
# and agent-b (socket $T/agent-b.sock, $B_PORT, $B_SNMP), each configured by
# FN NAME SYSLOG_PORT SNMP_PORT.
start_fleet() {
	A_SNMP=$(free_port)
	B_PORT=$(free_port)
	B_SNMP=$(free_port)
	"$1" agent-a "$PORT" "$A_SNMP" > "$CONF"
	SOCK="$T/agent-a.sock"
	"$1" agent-b "$B_PORT" "$B_SNMP" > "$T/b.conf"
	start_triaged
	start_agent agent-b "$T/b.conf"
}

# tls_ca NAME: a throwaway CA, $T/NAME.pem and $T/NAME.key.
tls_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.pem" 2>/dev/null \
		|| fail "openssl cannot make the CA $1"
}

# tls_cert CA NAME DNSNAME [DAYS]: $T/NAME.pem and $T/NAME.key for DNSNAME
# (CN and SAN, with IP 127.0.0.1), signed by CA, good for servers and
# clients, for DAYS days (2).
tls_cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
		-keyout "$T/$2.key" -out "$T/$2.csr" 2>/dev/null || fail "openssl cannot make $2"
	printf 'subjectAltName=DNS:%s,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
		"$3" > "$T/$2.ext"
	openssl x509 -req -in "$T/$2.csr" -CA "$T/$1.pem" -CAkey "$T/$1.key" -CAcreateserial \
		-days "${4:-2}" -extfile "$T/$2.ext" -out "$T/$2.pem" 2>/dev/null \
		|| fail "openssl cannot sign $2"
}

# conf_tls OPTION...: a tls listener on a free port ($TPORT, named $TLS)
# serving $T/server.pem and server.key, with one OPTION a line; and a rule
# making one incident per program "tls-*", keyed by the program.
conf_tls() {
	TPORT=$(free_port)
	TLS="syslog/tls/127.0.0.1:$TPORT"
	{
		echo "listen syslog tls 127.0.0.1:$TPORT {"
		printf '\tcertificate "server.pem"\n\tkey "server.key"\n'
		for o in "$@"; do printf '\t%s\n' "$o"; done
		echo "}"
		printf 'rule "tls" {\n\tmatch syslog program ~ "^tls-"\n\tkey "{program}"\n'
		printf '\tsummary "{program}: {message}"\n}\n'
	} >> "$CONF"
}

# tls_stat FIELD: the $TLS listener's FIELD in status.
tls_stat() {
	ctl --json status | json "[l for l in j['listeners'] if l['name'] == '$TLS'][0]['$1']"
}

# wait_tls FIELD OP VALUE [SECONDS]: wait until the $TLS listener's FIELD compares so.
wait_tls() {
	wait_status "[l for l in j['listeners'] if l['name'] == '$TLS'][0]['$1'] $2 $3" "${4:-10}"
}

# start_rsyslogd PORT: rsyslogd -n with $T/rsyslog.conf, once its imudp
# input listens on PORT; stopped at the end.
start_rsyslogd() {
	mkdir -p "$T/rsyslog"
	rsyslogd -N1 -f "$T/rsyslog.conf" >"$T/rsyslog-check.log" 2>&1 \
		|| fail "rsyslogd rejects its config: $(cat "$T/rsyslog-check.log")"
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" >"$T/rsyslog.log" 2>&1 &
	echo $! > "$T/rsyslogd.pid"
	_i=0
	until ss -uln | grep -q ":$1 "; do
		_i=$((_i + 1)); [ $_i -lt 100 ] || fail "rsyslogd did not start: $(cat "$T/rsyslog.log")"
		sleep 0.1
	done
}

# tls_send PORT [s_client options...]: stdin to 127.0.0.1:PORT over TLS;
# returns when the server has had it and closed, or after 10 s.
tls_send() {
	_port=$1
	shift
	{ cat; sleep 0.3; } | timeout 10 openssl s_client -connect "127.0.0.1:$_port" -quiet \
		-no_ign_eof "$@" >/dev/null 2>&1 || true
}

# octet_frames PREFIX N: N RFC 5425 frames "LEN <13>1 - it-host PREFIX - - - PREFIX i".
octet_frames() {
	python3 - "$1" "$2" <<'PY'
import sys
p, n = sys.argv[1], int(sys.argv[2])
out = b""
for i in range(1, n + 1):
    m = ("<13>1 - it-host %s - - - %s %d" % (p, p, i)).encode()
    out += str(len(m)).encode() + b" " + m
sys.stdout.buffer.write(out)
PY
}
