#!/bin/sh
# A webhook upstream through the real daemon: each trigger, acknowledge and
# resolve is POSTed as version 1 JSON, signed with HMAC-SHA256 under the
# secret; a 500 and a 429 are retried, a 400 makes the delivery dead, and a
# receiver that does not know the signature (401) holds the upstream.  The
# upstream's heartbeat URL is pinged every second.
# Hostile text arrives as valid JSON.  Bad blocks fail triaged -t.
. "$(dirname "$0")/lib.sh"

printf 's3cret-shared-with-the-receiver\n' > "$T/hook.secret"
python3 "$TOP_SRCDIR/tests/standins/webhook.py" --port-file "$T/hook.ports" \
	--pidfile "$T/hook.pid" --record "$T/hook.bodies" --secret s3cret-shared-with-the-receiver &
i=0
until [ -s "$T/hook.ports" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the webhook stand-in did not start"; sleep 0.1
done
HOOK=$(sed -n 1p "$T/hook.ports")
HOOK_CTL=$(sed -n 2p "$T/hook.ports")
hook_state() { poll "${2:-20}" s "$1" url "http://127.0.0.1:$HOOK_CTL/_state"; }
script() {
	python3 -c "import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(), method='POST'))" \
		"http://127.0.0.1:$HOOK_CTL/_script" "$1"
}

conf_head
cat >> "$CONF" <<CONF
upstream "hook" webhook {
	url "http://127.0.0.1:$HOOK/events"
	secret-file "$T/hook.secret"
	heartbeat "http://127.0.0.1:$HOOK/ping/check-1" every 1s
	backoff-initial 100ms
	backoff-max 300ms
	rate-limit off
}
rule "svc" {
	match syslog message ~ "svc (?<n>[a-z]+) down"
	resolve-on syslog message ~ "svc (?<n>[a-z]+) up"
	key "svc-{n}"
	send "hook"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "triaged -t refused the config"
start_triaged

# A trigger that meets a 500 and a 429 first arrives, signed, once accepted.
script '["500", "429"]'
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'<11>Dec  4 09:00:00 h app: svc a down "q" \\ caf\xe9 \x1b[31m', ("127.0.0.1", int(sys.argv[1])))
PY
hook_state "[r['status'] for r in s['received']] == [500, 429, 200]" >/dev/null \
	|| fail "the trigger was not retried to acceptance: $(hook_state True 1)"
hook_state "all(r['signed'] and r['event'] == 'trigger' and r['key'] == 'svc-a' for r in s['received'])" 1 \
	>/dev/null || fail "unsigned or wrong: $(hook_state True 1)"
python3 - "$T/hook.bodies" <<'PY' || fail "the body: $(tail -n 1 "$T/hook.bodies")"
import json, sys
b = json.loads(open(sys.argv[1], "rb").read().splitlines()[-1])
assert b["version"] == 1 and b["event"] == "trigger" and b["key"] == "svc-a", b
i = b["incident"]
assert i["rule"] == "svc" and i["host"] == "h" and i["state"] == "triggered" and i["count"] == 1, i
assert i["severity"] == "error" and i["syslog_severity"] == 3, i
assert 'svc a down "q" \\ caf\ufffd #033[31m' in i["summary"], i["summary"]
assert b["agent"]["host"] == "it-host", b["agent"]
PY

# An ack and a resolve follow, in order.
ctl ack svc-a >/dev/null
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc a up"
hook_state "[r['event'] for r in s['received'] if r['status'] == 200] == ['trigger', 'acknowledge', 'resolve']" \
	>/dev/null || fail "acknowledge and resolve: $(hook_state True 1)"

# The heartbeat: a GET every second since the start, none of them logged with its URL.
hook_state "len(s['pings']) >= 3 and set(s['pings']) == {'/ping/check-1'}" >/dev/null \
	|| fail "heartbeat pings: $(hook_state True 1)"
wait_status "j['heartbeats'][0]['name'] == 'hook' and j['heartbeats'][0]['sent'] >= 3 and j['heartbeats'][0]['state'] == 'ok' and j['heartbeats'][0]['last_ok']"
grep -q "check-1" "$T/triaged.log" && fail "the heartbeat URL reached the log"

# A 400 is final: the delivery is dead, not retried.
script '["400"]'
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc b down"
wait_status "j['outbox']['dead'] == 1"
sleep 1
hook_state "len([r for r in s['received'] if r['key'] == 'svc-b']) == 1" 1 >/dev/null \
	|| fail "a 400 was retried: $(hook_state True 1)"

# A wrong secret: the receiver says 401 and the upstream holds what it has.
stop_triaged
printf 'not-the-secret\n' > "$T/hook.secret"
start_triaged
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc c down"
wait_status "any(u['name'] == 'hook' and u['state'] != 'ok' and u['queued'] == 1 for u in j['upstreams'])" 20
hook_state "any(r['key'] == 'svc-c' and not r['signed'] for r in s['received'])" >/dev/null \
	|| fail "the unsigned request: $(hook_state True 1)"

conf_errors 'upstream "w" webhook { secret-file "/nonexistent" }|cannot read secret file /nonexistent' \
	'upstream "w" webhook { rate-limit off }|webhook upstream '"'w'"' needs a url' \
	'upstream "w" webhook { url "http://127.0.0.1:1/"; heartbeat "http://127.0.0.1:1/p" every 0s }|a heartbeat'"'"'s interval must be at least 1s' \
	'upstream "w" webhook { url "http://127.0.0.1:1/"; heartbeat "http://127.0.0.1:1/p" 1m }|expected '"'every'"' and a duration' \
	'upstream "w" webhook { url "http://127.0.0.1:1/"; routing-key-file "/x" }|unknown keyword '"'routing-key-file'"
pass "signed version 1 bodies; 500 and 429 retried, 400 dead, 401 held; ack and resolve follow"
