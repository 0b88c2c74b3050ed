#!/bin/sh
# Maintenance windows through the real daemon: a window in force now
# (computed from date, in UTC) suppresses what it matches and nothing
# else; a restart keeps what it holds; a reload that drops a window sends
# what that one held; the end of the window sends what still fires.
# `silence list` shows the windows and when the next one starts; a bad
# block fails triaged -t with file:line.
. "$(dirname "$0")/lib.sh"

# The windows start at the current minute and end IN_FORCE seconds from
# now: time enough for what must happen while they are in force, on a
# loaded machine too, with no wait for a minute boundary.
IN_FORCE=60
CLOCK=$(date -u +%H:%M:%S)
NOW=${CLOCK%:*}
SEC=${CLOCK##*:}
LENGTH=$((${SEC#0} + IN_FORCE))s

start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
maintenance "swap" {
	every day $NOW for $LENGTH tz "UTC"
	match dev = sda
}
maintenance "other" {
	every day $NOW for $LENGTH tz "UTC"
	match dev = sdc
}
maintenance "patch night" {
	every mon,wed 22:00 for 2h tz "Europe/Berlin"
	match host ~ "^db-"
}
rule "disk" {
	match syslog message ~ "disk (?<dev>\S+) failed"
	key "{host}/disk/{dev}"
	send "pd"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "triaged -t refused the config"
start_triaged
H=$(hostname)
send() { logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t kernel "$1"; }
state_of() { ctl --json show "$H/disk/$1" | json "j['incident']['state']"; }

send "disk sda failed"
send "disk sdb failed"
send "disk sdc failed"
wait_pd "s.get('$H/disk/sdb', {}).get('triggers') == 1"
wait_incidents "len(j['incidents']) == 3"
[ "$(state_of sda)" = suppressed ] || fail "sda is $(state_of sda), not suppressed"
[ "$(state_of sdc)" = suppressed ] || fail "sdc is $(state_of sdc), not suppressed"
ctl --json show "$H/disk/sda" | json "j['incident']['timeline'][0]['text']" \
	| grep -q '^suppressed: opened, held by maintenance "swap" until ' \
	|| fail "the timeline does not name the window: $(ctl show "$H/disk/sda")"

ctl --json silence list > "$T/list.json"
json "[(w['name'], w['active']) for w in j['maintenance']]" < "$T/list.json" \
	| grep -qx "\[('swap', True), ('other', True), ('patch night', False)\]" \
	|| fail "windows listed: $(cat "$T/list.json")"
json "j['maintenance'][2]['schedule']" < "$T/list.json" \
	| grep -qx "every mon,wed 22:00 for 2h tz Europe/Berlin" || fail "schedule shown wrong"
NEXT=$(json "j['maintenance'][2]['start']" < "$T/list.json")
python3 - "$NEXT" <<'PY' || fail "the next patch night is not a Monday or Wednesday 22:00 in Berlin: $NEXT"
import sys, datetime, zoneinfo
t = datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
b = t.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
now = datetime.datetime.now(datetime.timezone.utc)
assert b.weekday() in (0, 2) and (b.hour, b.minute) == (22, 0), b
assert now < t < now + datetime.timedelta(days=7), t
PY
ctl silence list | grep -q "^patch night *waiting" || fail "silence list: $(ctl silence list)"

# A restart keeps what the window holds.
stop_triaged
start_triaged
[ "$(state_of sda)" = suppressed ] || fail "a restart released sda"

# A reload without "other" sends what it held.
sed -i '/^maintenance "other"/,/^}/d' "$CONF"
ctl reload >/dev/null || fail "reload refused"
wait_pd "s.get('$H/disk/sdc', {}).get('triggers') == 1"
[ "$(state_of sda)" = suppressed ] || fail "the reload released sda too"

# The end of the window sends sda.
wait_pd "s.get('$H/disk/sda', {}).get('triggers') == 1" $((IN_FORCE + 30))
ctl --json show "$H/disk/sda" \
	| json "any(e['text'] == 'triggered: maintenance \"swap\" ended' for e in j['incident']['timeline'])" \
	| grep -qx True || fail "the release is not on the timeline: $(ctl show "$H/disk/sda")"
wait_status "j['events']['released'] == 2 and j['incidents']['suppressed'] == 0"

cat > "$T/bad.conf" <<'CONF'
maintenance "x" {
	every day 25:00 for 1h
	match host = a
}
CONF
"$TRIAGED" -t -c "$T/bad.conf" 2>"$T/err" && fail "triaged -t accepted 25:00"
grep -q "bad.conf:2: expected a time of day like 02:00, got '25:00'" "$T/err" \
	|| fail "unclear error: $(cat "$T/err")"
pass "a window in force held sda and sdc, not sdb; restart kept them; reload and the end sent them"
