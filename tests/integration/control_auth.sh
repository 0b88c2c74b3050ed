#!/bin/sh
# The control socket takes who asks from the kernel: an unprivileged member
# of control-group may read (incidents, show, status, queue, silence list,
# oncall, override list) but not act (ack, note, resolve, reload, queue
# retry/drop, send-test, silence add/expire, override add/remove) until it joins
# control-admin-group; the timeline names the real user and --who is only
# a note after it; someone outside control-group cannot connect.  A request
# over 64 KiB is refused, a client that never reads its replies is dropped
# and the daemon answers others all along.  Skipped when not root.
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v useradd >/dev/null && command -v runuser >/dev/null ||
	{ echo "skip: needs useradd and runuser"; exit 77; }
. "$(dirname "$0")/lib.sh"

# Unique names, removed at exit after lib.sh's cleanup has stopped triaged.
U=tdu$$
OTHER=tdo$$
VIEW=tdview$$
ADMIN=tdadm$$
accounts_cleanup() {
	st=$?
	set +e
	for f in "$T"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	userdel -f "$U" 2>/dev/null
	userdel -f "$OTHER" 2>/dev/null
	groupdel "$VIEW" 2>/dev/null
	groupdel "$ADMIN" 2>/dev/null
	(exit "$st")
	cleanup
}
trap accounts_cleanup EXIT INT TERM

groupadd "$VIEW" || fail "groupadd $VIEW"
groupadd "$ADMIN" || fail "groupadd $ADMIN"
useradd -M -N -G "$VIEW" -s /usr/sbin/nologin "$U" || fail "useradd $U"
useradd -M -N -s /usr/sbin/nologin "$OTHER" || fail "useradd $OTHER"
uid=$(id -u "$U")
chmod 755 "$T" # the users must reach the socket inside
runuser -u "$U" -- test -x "$TRIAGECTL" || { echo "skip: $U cannot run $TRIAGECTL"; exit 77; }

uctl() {
	runuser -u "$U" -- "$TRIAGECTL" -s "$SOCK" "$@"
}

# refused COMMAND ARGS...: uctl ARGS... must exit 1 saying COMMAND is not permitted.
refused() {
	cmd=$1
	shift
	if uctl "$@" 2>"$T/err"; then fail "$U could $*"; else rc=$?; fi
	[ "$rc" -eq 1 ] || fail "$* exited $rc, not 1"
	grep -q "permission denied: $cmd needs root" "$T/err" || fail "unclear refusal: $(cat "$T/err")"
}

# The state text of the last state change of incident $1.
last_state() {
	ctl --json show "$1" | json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'state'][-1]"
}

write_conf() {
	cat > "$CONF" <<CONF
state-dir "$T/state"
control-socket "$SOCK"
hostname "it-host"
control-group "$VIEW"
$1
listen syslog udp 127.0.0.1:$PORT
contact "alice" {}
contact "bob" {}
schedule "ops" { layer "all" { members "alice" } }
rule "disk" {
	match syslog message ~ "I/O error, dev (?<dev>\S+)"
	key "disk/{dev}"
	summary "disk {dev} failing: I/O errors reported by the kernel on this device"
}
CONF
}
write_conf "control-admin-group \"$ADMIN\""
start_triaged
[ "$(stat -c %a:%G "$SOCK")" = "660:$VIEW" ] || fail "socket is $(stat -c %a:%G "$SOCK")"
for i in 1 2 3 4 5 6; do
	logger -n 127.0.0.1 -P "$PORT" -d -p kern.err -t kernel "I/O error, dev sd$i here"
done
wait_incidents "len(j['incidents']) == 6"

# A client that asks 1,000 times and never reads is dropped after 10s; others
# are served meanwhile (the checks below run while it is stuck).
python3 - "$SOCK" "$T/slow.pid" <<'PY' &
import os, socket, sys, time
open(sys.argv[2], "w").write(str(os.getpid()))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"command":"incidents"}\n' * 1000)
time.sleep(30)
PY
for i in 1 2 3 4 5; do
	timeout 5 "$TRIAGECTL" -s "$SOCK" status >/dev/null || fail "status while a client is stuck"
	sleep 0.2
done

# Reading works for a member of control-group, tables and JSON.
uctl incidents | grep -q "disk/sd1" || fail "incidents as $U"
uctl show disk/sd1 | grep -q "state: *triggered" || fail "show as $U"
uctl status | grep -q "^triaged" || fail "status as $U"
uctl queue | grep -q "queue empty" || fail "queue as $U"
uctl --json incidents | json "len(j['incidents'])" | grep -qx 6 || fail "--json incidents"
uctl --json show disk/sd1 | json "j['incident']['key']" | grep -qx disk/sd1 || fail "--json show"
uctl --json status | json "j['control']['clients'] >= 1" | grep -qx True || fail "--json status"
uctl --json queue | json "j['ok']" | grep -qx True || fail "--json queue"
uctl silence list | grep -qx "no silences" || fail "silence list as $U"
uctl oncall | grep -q "^ops  *alice " || fail "oncall as $U: $(uctl oncall)"
uctl override list | grep -qx "no overrides" || fail "override list as $U"

# -c finds the socket in a config it can read although the key file it
# names cannot be read by this user and a rule in it has a typo.
printf 'secret\n' > "$T/secret.key"
chmod 600 "$T/secret.key"
{ cat "$CONF"; printf 'upstream "pd" pagerduty { routing-key-file "secret.key" }\n'
  printf 'rule "typo" { matchh any }\n'; } > "$T/ops.conf"
chmod 644 "$T/ops.conf"
runuser -u "$U" -- "$TRIAGECTL" -c "$T/ops.conf" status | grep -q "^triaged" ||
	fail "triagectl -c as $U with an unreadable key file"
if "$TRIAGED" -t -c "$T/ops.conf" >/dev/null 2>&1; then fail "ops.conf is a valid config"; fi

# Acting does not, whatever --who claims.
refused ack ack disk/sd1 --who root
refused resolve resolve disk/sd1
refused reload reload
refused queue-retry queue retry --all
refused queue-drop queue drop 1
grep -q "you are $U (uid $uid)" "$T/err" || fail "the refusal does not say who: $(cat "$T/err")"
refused send-test send-test pd
refused silence-add silence add 'dev=sd1' for 1h
refused silence-expire silence expire 1
refused note note disk/sd1 "a note"
refused override-add override add ops bob now 1h
refused override-remove override remove 1
refused page page bob "wake up"
ctl --json show disk/sd1 | json "j['incident']['state']" | grep -qx triggered ||
	fail "a refused ack changed the incident"
ctl --json show disk/sd1 | json "[e for e in j['incident']['timeline'] if e['kind'] == 'comment']" |
	grep -qx "\[\]" || fail "a refused note reached the timeline"
ctl --json status | json "j['control']['refused_permission']" | grep -qx 12 ||
	fail "refusals not counted"

# Outside control-group there is no connecting at all.
if runuser -u "$OTHER" -- "$TRIAGECTL" -s "$SOCK" status 2>"$T/err"; then
	fail "$OTHER connected"
else
	rc=$?
fi
[ "$rc" -eq 1 ] || fail "$OTHER: exit $rc, not 1"
grep -q "Permission denied; only root, the user triaged runs as and members of its control-group" \
	"$T/err" || fail "unclear: $(cat "$T/err")"

# In control-admin-group (a new login picks it up) the user acts, as itself.
usermod -aG "$ADMIN" "$U" || fail "usermod"
uctl ack disk/sd1 || fail "ack as a member of $ADMIN"
[ "$(last_state disk/sd1)" = "acknowledged: by $U (uid $uid)" ] ||
	fail "timeline: $(last_state disk/sd1)"
uctl note disk/sd1 "by root: it was me" || fail "note as a member of $ADMIN"
ctl --json show disk/sd1 |
	json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'comment'][-1]" |
	grep -qx "by $U (uid $uid): by root: it was me" || fail "a note does not name its writer"
uctl --who "root" resolve disk/sd1 || fail "resolve with --who"
[ "$(last_state disk/sd1)" = "resolved: by $U (uid $uid): root" ] ||
	fail "--who is not a note: $(last_state disk/sd1)"
# A note has its control characters escaped, as at ingest, and is cut at 200 bytes.
long=$(python3 -c "print('\u00e9' * 150)")
uctl --who "$(printf 'x\033[2Jy')$long" ack disk/sd2 || fail "ack with a long note"
want="acknowledged: by $U (uid $uid): x#033[2Jy$(python3 -c "print('\u00e9' * 95)")"
[ "$(last_state disk/sd2)" = "$want" ] || fail "note: $(last_state disk/sd2)"
uctl reload || fail "reload as a member of $ADMIN"
uctl silence add 'dev=sd9' for 1h --comment "as $U" >/dev/null || fail "silence add as a member of $ADMIN"
ctl --json silence list | json "j['silences'][-1]['creator']" | grep -qx "$U (uid $uid)" ||
	fail "the silence's creator: $(ctl --json silence list)"
uctl override add ops bob now 1h >/dev/null || fail "override add as a member of $ADMIN"
ctl --json override list | json "j['overrides'][-1]['creator']" | grep -qx "$U (uid $uid)" ||
	fail "the override's creator: $(ctl --json override list)"

# control-admin-group takes effect at reload.
write_conf ""
ctl reload || fail "reload without control-admin-group"
if uctl ack disk/sd3 2>"$T/err"; then fail "ack after the admin group was removed"; fi
grep -q "no control-admin-group is set" "$T/err" || fail "unclear: $(cat "$T/err")"
ctl ack disk/sd3 || fail "root could not ack"
[ "$(last_state disk/sd3)" = "acknowledged: by root (uid 0)" ] ||
	fail "root's ack: $(last_state disk/sd3)"
pass "read as a control-group member, acted only in control-admin-group, as itself"

# A request line over 64 KiB gets an error and the connection is closed.
python3 - "$SOCK" > "$T/big" <<'PY' || fail "oversized request: $(cat "$T/big")"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b'{"command":"status","pad":"' + b"a" * (70 * 1024) + b'"}\n')
got = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
except ConnectionResetError:
    pass  # closed with our request's tail unread
sys.stdout.write(got.decode())
PY
grep -q '"request too large' "$T/big" || fail "no 'request too large': $(head -c 300 "$T/big")"
[ "$(wc -l < "$T/big")" -eq 1 ] || fail "more than one reply to an oversized request"

wait_status "j['control']['dropped_slow'] == 1" 20
timeout 5 "$TRIAGECTL" -s "$SOCK" status >/dev/null || fail "status after the drop"
ctl --json status | json "j['control']['too_large']" | grep -qx 1 || fail "too_large not counted"
ctl --json status | json "j['control']['clients']" | grep -qx 1 || fail "clients left connected"
stop_triaged
pass "oversized request refused, a non-reading client dropped, status answered throughout"

# An unknown group is a file:line error.
write_conf "control-admin-group \"nosuch$$\""
if "$TRIAGED" -t -c "$CONF" 2>"$T/err"; then fail "triaged -t took an unknown group"; fi
grep -q "triaged.conf:5: control-admin-group: unknown group 'nosuch$$'" "$T/err" ||
	fail "unclear: $(cat "$T/err")"

# With -u, a user outside control-group cannot be given the socket: triaged
# stops and says what to do; a member (its groups kept) can.
write_conf ""
sed -i "s|^control-socket .*|control-socket \"$T/run/control.sock\"|" "$CONF"
SOCK="$T/run/control.sock"
if "$TRIAGED" -d -u "$OTHER" -c "$CONF" >"$T/bad.log" 2>&1; then fail "started as $OTHER"; fi
grep -q "run triaged as root, or add its user ($OTHER) to group $VIEW" "$T/bad.log" ||
	fail "unclear: $(cat "$T/bad.log")"
! grep -q "Sanitizer" "$T/bad.log" || fail "$(cat "$T/bad.log")"
rm -rf "$T/run" # made for $OTHER
"$TRIAGED" -d -u "$U" -c "$CONF" >>"$T/triaged.log" 2>&1 &
TRIAGED_PID=$!
i=0
until uctl status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "triaged -u $U did not start"
	kill -0 "$TRIAGED_PID" 2>/dev/null || fail "triaged -u $U exited at start"
	sleep 0.1
done
[ "$(stat -c %U:%G "$SOCK")" = "$U:$VIEW" ] || fail "socket is $(stat -c %U:%G "$SOCK")"
uctl ack disk/sd4 || fail "the daemon's own user could not act"
stop_triaged
pass "unknown groups refused, control-group needs the daemon's user in it"
