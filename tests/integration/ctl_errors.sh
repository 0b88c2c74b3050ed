#!/bin/sh
# triagectl says clearly when the daemon is not running and exits 1; it
# acknowledges through the socket, and --json works on every verb.
. "$(dirname "$0")/lib.sh"

if ctl status 2>"$T/err"; then fail "status succeeded with no daemon"; fi
grep -q "is triaged running" "$T/err" || fail "unclear message: $(cat "$T/err")"
ctl status >/dev/null 2>&1 || [ $? -eq 1 ] || fail "exit status is not 1"

conf_head
cat >> "$CONF" <<'CONF'
rule "disk" {
	match syslog severity <= err and message ~ "I/O error, dev (?<dev>\S+)"
	key "{host}/disk/{dev}"
}
CONF
start_triaged
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "control socket mode is $(stat -c %a "$SOCK")"
logger -n 127.0.0.1 -P "$PORT" -d -p kern.err -t kernel "blk_update_request: I/O error, dev sda, sector 42"
logger -n 127.0.0.1 -P "$PORT" -d -p kern.info -t kernel "I/O error, dev sdb, but only info"
wait_incidents "len(j['incidents']) == 1"
key="$(hostname)/disk/sda,"
for verb in status incidents "show $key" "ack $key"; do
	# shellcheck disable=SC2086
	ctl --json $verb | json "j['ok']" | grep -qx True || fail "--json $verb"
done
ctl --json show "$key" | json "j['incident']['state']" | grep -qx acknowledged || fail "ack"
if ctl ack "$key" 2>"$T/err"; then fail "a second ack succeeded"; fi
grep -q "already acknowledged" "$T/err" || fail "unclear: $(cat "$T/err")"
if ctl show nosuchkey 2>/dev/null; then fail "show of a missing key succeeded"; fi
ctl bogus 2>/dev/null && fail "an unknown verb succeeded"
[ $? -eq 2 ] || fail "an unknown verb should exit 2"
ctl incidents --state acknowledged | grep -q "disk/sda" || fail "state filter"
ctl incidents --state triggered | grep -q "no incidents" || fail "state filter (empty)"
pass "not running, socket mode, --json, ack, filters"
