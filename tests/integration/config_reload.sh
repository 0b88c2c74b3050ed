#!/bin/sh
# triaged -t reports file:line for a broken config and exits non-zero; a
# SIGHUP or `triagectl reload` with a broken config keeps the old rules; a
# good reload applies new rules without losing incidents.
. "$(dirname "$0")/lib.sh"

conf_head
cat >> "$CONF" <<'CONF'
rule "v1" {
	match syslog program "app"
	key "v1/{message}"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null || fail "triaged -t rejects a good config"

cp "$CONF" "$T/good.conf"
printf 'rule "broken" {\n\tmatch syslog severity <= bogus\n}\n' >> "$CONF"
line=$(grep -n 'severity <= bogus' "$CONF" | cut -d: -f1)
if "$TRIAGED" -t -c "$CONF" 2>"$T/err"; then fail "triaged -t accepted a broken config"; fi
grep -q "^$CONF:$line: " "$T/err" || fail "no file:line in: $(cat "$T/err")"

cp "$T/good.conf" "$CONF"
start_triaged
send() { logger -n 127.0.0.1 -P "$PORT" -d -t app "$1"; }
send one
wait_incidents "[i['key'] for i in j['incidents']] == ['v1/one']"

printf 'rule "broken" {\n\tmatch syslog severity <= bogus\n}\n' >> "$CONF"
kill -HUP "$TRIAGED_PID"
wait_status "j['reload_failures'] == 1"
ctl --json status | json "j['last_reload_error']" | grep -q "$CONF:$line:" \
	|| fail "status does not say why the reload was refused"
if ctl reload 2>"$T/err"; then fail "triagectl reload accepted a broken config"; fi
grep -q "$CONF:$line:" "$T/err" || fail "triagectl reload: $(cat "$T/err")"
send two
wait_incidents "sorted(i['key'] for i in j['incidents']) == ['v1/one', 'v1/two']"

sed 's/"v1\//"v2\//' "$T/good.conf" > "$CONF"
ctl reload || fail "a good reload was refused"
send three
wait_incidents "sorted(i['key'] for i in j['incidents']) == ['v1/one', 'v1/two', 'v2/three']"
kill -0 "$TRIAGED_PID" || fail "triaged died"
pass "broken config refused with file:line; old rules kept; good reload applied"
