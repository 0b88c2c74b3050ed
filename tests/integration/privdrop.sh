#!/bin/sh
# triaged -u USER started as root binds a port below 1024, hands its state
# directory to USER and runs as USER with no capabilities and no way back;
# LMDB files are created by USER.  Skipped when not root.
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
. "$(dirname "$0")/lib.sh"

U=triaged-it
if ! id "$U" >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$U" ||
		fail "cannot create the user $U"
fi
uid=$(id -u "$U")
gid=$(id -g "$U")

LOW=$(free_port 600 1023)
[ -n "$LOW" ] || { echo "skip: no free port in 600-1023 on 127.0.0.1"; exit 77; }

chmod 755 "$T" # the user must reach its directories inside
SOCK="$T/run/control.sock"
cat > "$CONF" <<CONF
state-dir "$T/state"
control-socket "$SOCK"
hostname "it-host"
listen syslog udp 127.0.0.1:$LOW
listen syslog tcp 127.0.0.1:$PORT
listen syslog unix "$T/log.sock"
rule "pd" {
	match syslog message ~ "privdrop (?<n>\S+)"
	key "pd/{n}"
}
CONF
mkdir -m 700 "$T/state" # exists, root's: triaged must hand it over

"$TRIAGED" -d -u "$U" -c "$CONF" >>"$T/triaged.log" 2>&1 &
TRIAGED_PID=$!
i=0
while ! ctl status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "triaged did not start"
	kill -0 "$TRIAGED_PID" 2>/dev/null || fail "triaged exited at start"
	sleep 0.1
done

st=/proc/$TRIAGED_PID/status
grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" "$st" ||
	fail "uids: $(grep ^Uid: "$st")"
grep -Eq "^Gid:[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid\$" "$st" ||
	fail "gids: $(grep ^Gid: "$st")"
grep -Eq "^Groups:[[:space:]]*$gid[[:space:]]*\$" "$st" || fail "groups: $(grep ^Groups: "$st")"
for c in CapInh CapPrm CapEff CapAmb; do
	grep -Eq "^$c:[[:space:]]+0+\$" "$st" || fail "capabilities left: $(grep ^$c: "$st")"
done
grep -Eq "^NoNewPrivs:[[:space:]]+1\$" "$st" || fail "no_new_privs is off"

logger -n 127.0.0.1 -P "$LOW" -d -t pdtest "privdrop low-port"
logger -u "$T/log.sock" -t pdtest "privdrop unix"
wait_incidents "{'pd/low-port', 'pd/unix'} <= {i['key'] for i in j['incidents']}"

# Everything in the state directory belongs to the user, LMDB files included.
[ "$(stat -c %u "$T/state")" = "$uid" ] || fail "the state dir is not the user's"
others=$(find "$T/state" ! -uid "$uid" | head -n 3)
[ -z "$others" ] || fail "not the user's: $others"
find "$T/state" -name data.mdb | grep -q . || fail "no LMDB files"
[ "$(stat -c %u "$SOCK")" = "$uid" ] || fail "the control socket is not the user's"

# The state dir's lock outlives the drop: a second start, as root, is refused.
if "$TRIAGED" -u "$U" -c "$CONF" 2>"$T/second.err"; then fail "a second triaged started"; fi
grep -qx "triaged: another triaged (pid $TRIAGED_PID) uses $T/state" "$T/second.err" ||
	fail "unclear: $(cat "$T/second.err")"
ctl status >/dev/null || fail "the first one lost its control socket"
stop_triaged
grep -q "running as $U" "$T/triaged.log" || fail "no 'running as' line"

# -u with an unknown user is refused.
if "$TRIAGED" -u no-such-user-triaged -c "$CONF" >"$T/bad.log" 2>&1; then
	fail "an unknown user was accepted"
fi
grep -q "unknown user" "$T/bad.log" || fail "no reason for the unknown user: $(cat "$T/bad.log")"
pass "ran as $U (uid $uid) with no capabilities, port $LOW bound"
