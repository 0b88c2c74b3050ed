#!/bin/sh
# Silences through the real daemon: one suppresses what it matches and
# nothing else (the PagerDuty stand-in hears only the rest), also when an
# incident reaches its threshold during it; a suppressed
# incident that resolves is never sent; silences survive a restart; when
# one is expired, what still fires is sent then.  Hostile text in a
# comment and in a matcher reaches `silence list` escaped; silence-max is
# a limit, counted, and an expired silence makes room.
. "$(dirname "$0")/lib.sh"

start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
silence-max 3
rule "disk" {
	match syslog message ~ "disk (?<dev>\S+) failed"
	resolve-on syslog message ~ "disk (?<dev>\S+) ok"
	key "{host}/disk/{dev}"
	summary "{host}: disk {dev} failed"
	severity crit
	send "pd"
}
rule "slow" {
	match syslog message ~ "disk (?<dev>\S+) slow"
	key "{host}/slow/{dev}"
	severity crit
	threshold 2 in 5m
	send "pd"
}
CONF
start_triaged
H=$(hostname)
send() { logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t kernel "$1"; }
state_of() {
	ctl --json show "$H/disk/$1" | json "j['incident']['state']"
}

ctl silence add 'dev~^sd[ad]$' 'severity=critical' for 1h --comment "$(printf 'disk\033[31m swap\nnow')" \
	> "$T/add.out" || fail "silence add refused: $(cat "$T/add.out")"
grep -q "^silence 1 added, until " "$T/add.out" || fail "add said: $(cat "$T/add.out")"
ctl silence add 'dev=sdz' for 2h --start "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%MZ)" >/dev/null \
	|| fail "a pending silence was refused"

send "disk sda failed"
send "disk sdb failed"
send "disk sdd failed"
send "disk sda slow"
wait_pd "s.get('$H/disk/sdb', {}).get('triggers') == 1"
wait_incidents "len(j['incidents']) == 4"
# Below its threshold it is pending, as without a silence; reaching it, it is held.
ctl --json show "$H/slow/sda" | json "j['incident']['state']" | grep -qx pending || fail "slow not pending"
send "disk sda slow"
wait_incidents "[i['state'] for i in j['incidents'] if '/slow/' in i['key']] == ['suppressed']"
ctl --json show "$H/slow/sda" | json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'state'][-1]" \
	| grep -q "^suppressed: threshold reached, held by silence 1 " || fail "threshold: $(ctl show "$H/slow/sda")"
[ "$(state_of sda)" = suppressed ] || fail "sda is $(state_of sda), not suppressed"
[ "$(state_of sdd)" = suppressed ] || fail "sdd is $(state_of sdd), not suppressed"
[ "$(state_of sdb)" = triggered ] || fail "sdb is $(state_of sdb), not triggered"
ctl --json show "$H/disk/sda" | json "j['incident']['timeline'][0]['text']" \
	| grep -q "^suppressed: opened, held by silence 1 (disk#033\[31m swap#012now) until " \
	|| fail "the timeline does not name the silence: $(ctl show "$H/disk/sda")"
ctl --json incidents --state suppressed | json "sorted(i['key'] for i in j['incidents'])" \
	| grep -qx "\['$H/disk/sda', '$H/disk/sdd', '$H/slow/sda'\]" || fail "incidents --state suppressed is wrong"
wait_status "j['incidents']['suppressed'] == 3 and j['events']['suppressed'] == 3"
ctl status | grep -q "3 suppressed" || fail "status does not count suppressed incidents"

# A suppressed incident that resolves closes without a word upstream.
send "disk sdd ok"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'].endswith('/sdd')] == ['resolved']"

# Hostile text: a comment and a matcher with control characters list escaped.
ctl silence add "dev=$(printf 'x\033[2J')" for 10m >/dev/null || fail "third silence refused"
ctl silence list > "$T/list"
grep -q "$(printf '\033')" "$T/list" && fail "a raw ESC reached silence list"
grep -q 'dev=x#033\[2J' "$T/list" || fail "the hostile matcher is not shown escaped: $(cat "$T/list")"
ctl --wide silence list | grep -q 'disk#033\[31m swap#012now' || fail "the comment is not shown escaped"
ctl --json silence list | json "[s['state'] for s in j['silences']]" \
	| grep -qx "\['active', 'pending', 'active'\]" || fail "states: $(ctl --json silence list)"
ctl --json silence list | json "j['silences'][0]['creator']" | grep -q "uid $(id -u)" \
	|| fail "the creator is not the peer"

# The limit: a fourth is refused and counted; an expired one makes room.
ctl silence add 'dev=sdy' for 1h 2>"$T/err" && fail "a fourth silence was accepted"
grep -q "silence-max" "$T/err" || fail "unclear refusal: $(cat "$T/err")"
wait_status "j['silences']['refused'] == 1 and j['silences']['count'] == 3 and j['silences']['max'] == 3"
ctl silence expire 3 | grep -qx "silence 3 expired" || fail "expire said something else"
ctl silence expire 3 2>"$T/err" && fail "expiring twice was accepted"
grep -q "already expired" "$T/err" || fail "unclear: $(cat "$T/err")"
ctl silence add 'dev=sdy' for 1h >/dev/null || fail "an expired silence did not make room"
wait_status "j['silences']['pruned'] == 1 and j['silences']['count'] == 3"
ctl silence add 'program~.*' for 1h 2>"$T/err" && fail "a silence matching everything was accepted"
grep -q "would silence everything" "$T/err" || fail "unclear: $(cat "$T/err")"

# A restart keeps the silences, and sda stays held.
stop_triaged
start_triaged
ctl --json silence list | json "[s['id'] for s in j['silences']]" | grep -qx "\[1, 2, 4\]" \
	|| fail "silences after a restart: $(ctl --json silence list)"
send "disk sda failed"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'].endswith('/disk/sda')] == [2]"
[ "$(state_of sda)" = suppressed ] || fail "sda was released by a restart"

# Expiry sends what still fires (sda), not what resolved (sdd).
ctl silence expire 1 >/dev/null
wait_pd "s.get('$H/disk/sda', {}).get('triggers') == 1 and s.get('$H/slow/sda', {}).get('triggers') == 1"
[ "$(state_of sda)" = triggered ] || fail "sda is $(state_of sda) after the silence ended"
ctl --json show "$H/disk/sda" \
	| json "any(e['text'] == 'triggered: silence 1 ended' for e in j['incident']['timeline'])" \
	| grep -qx True || fail "the release is not on the timeline: $(ctl show "$H/disk/sda")"
sleep 1
pd GET /_state | json "sorted(k for k in j if '/disk/' in k or '/slow/' in k)" \
	| grep -qx "\['$H/disk/sda', '$H/disk/sdb', '$H/slow/sda'\]" || fail "the stand-in heard of sdd: $(pd GET /_state)"
wait_status "j['events']['released'] == 2 and j['incidents']['suppressed'] == 0"
pass "a silence held sda and sdd, not sdb; sdd resolved unsent; expiry sent sda; limit, restart, escaping"
