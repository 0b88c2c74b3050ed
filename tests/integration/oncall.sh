#!/bin/sh
# On call through the real daemon: `triagectl oncall --at` on both sides
# of a handoff and of the spring change of the clocks in Berlin, the rota
# of a follow-the-sun schedule for 14 days, overrides added, listed and
# removed changing the answer and kept across a restart, override-max a
# limit (counted in status) that ended overrides make room in, and a
# contact's hostile name escaped in the tables and the JSON.
. "$(dirname "$0")/lib.sh"

conf_head
printf 'contact "mal\033[31m\tx" { sms "+15550100" }\n' >> "$CONF"
cat >> "$CONF" <<'CONF'
override-max 2
contact "alice" { email "alice@example.com"; tz "Europe/Berlin"; chat "https://hooks.example.com/services/T0/B0/s3cr3t" }
contact "bob" {}
contact "carol" {}
contact "dave" {}
schedule "ops" {
	tz "Europe/Berlin"
	layer "weekday" { rotation daily handoff 09:00; start 2026-03-27; members "alice", "bob" }
}
schedule "sun" {
	tz "UTC"
	layer "apac" { rotation weekly handoff mon 00:00; members "carol", "dave"; restrict 00:00-08:00 }
	layer "emea" { rotation weekly handoff mon 08:00; members "alice", "bob"; restrict 08:00-16:00 }
	layer "amer" { rotation weekly handoff mon 16:00; members "bob", "alice"; restrict 16:00-24:00 }
}
CONF
printf 'schedule "hostile" {\n\tlayer "l" { members "mal\033[31m\tx" }\n}\n' >> "$CONF"
"$TRIAGED" -t -c "$CONF" >/dev/null || fail "the config does not load"
start_triaged

# who AT: the contact on call in ops at AT (UTC), then until when.
who() {
	ctl --json oncall ops --at "$1" | json "j['schedules'][0]['oncall']['name'] + ' ' + j['schedules'][0]['until']"
}
# 09:00 CET is 08:00 UTC; the day after the clocks change, 09:00 CEST is 07:00 UTC.
[ "$(who 2026-03-27T07:59:59Z)" = "bob 2026-03-27T08:00:00.000Z" ] || fail "before the handoff: $(who 2026-03-27T07:59:59Z)"
[ "$(who 2026-03-27T08:00Z)" = "alice 2026-03-28T08:00:00.000Z" ] || fail "at the handoff: $(who 2026-03-27T08:00Z)"
[ "$(who 2026-03-29T06:59:59Z)" = "bob 2026-03-29T07:00:00.000Z" ] || fail "before the change: $(who 2026-03-29T06:59:59Z)"
[ "$(who 2026-03-29T07:00Z)" = "alice 2026-03-30T07:00:00.000Z" ] || fail "after the change: $(who 2026-03-29T07:00Z)"
# A chat webhook URL is a secret: shown up to its host only.
ctl --json oncall ops --at 2026-03-27T08:00Z > "$T/alice.json"
! grep -q "s3cr3t" "$T/alice.json" || fail "the chat webhook's secret path is shown: $(cat "$T/alice.json")"
grep -q '"https://hooks.example.com/..."' "$T/alice.json" || fail "no chat host: $(cat "$T/alice.json")"
ctl --utc oncall ops --at 2026-03-29T07:00Z | grep -q "^ops  *alice  *2026-03-30 07:00:00 UTC weekday$" ||
	fail "table: $(ctl --utc oncall ops --at 2026-03-29T07:00Z)"

# The rota: three regions of eight hours for 14 days, a week each.
ctl --json oncall sun --at 2026-12-07T00:00Z --next 14d > "$T/rota.json"
json "len(j['schedules'][0]['rota'])" < "$T/rota.json" | grep -qx 42 || fail "rota: $(cat "$T/rota.json")"
json "' '.join(s['contact']['name'] for s in j['schedules'][0]['rota'][:3])" < "$T/rota.json" |
	grep -qx "carol alice bob" || fail "first day: $(cat "$T/rota.json")"
json "' '.join(s['contact']['name'] for s in j['schedules'][0]['rota'][21:24])" < "$T/rota.json" |
	grep -qx "dave bob alice" || fail "second week: $(cat "$T/rota.json")"
ctl --utc oncall sun --at 2026-12-07T00:00Z --next 14d | grep -c " UTC " | grep -qx 43 ||
	fail "rota table: $(ctl --utc oncall sun --at 2026-12-07T00:00Z --next 14d)"

# Hostile bytes in a contact's name: escaped in the table, valid JSON with them.
ctl oncall hostile | grep -q "mal#033\[31m#011x" || fail "table: $(ctl oncall hostile | od -c | head)"
if ctl oncall hostile | grep -q "$(printf '\033')"; then fail "an escape reached the terminal"; fi
ctl --json oncall hostile | json "j['schedules'][0]['oncall']['name']" | od -c | grep -q '033' ||
	fail "JSON lost the name: $(ctl --json oncall hostile)"
ctl --json oncall hostile | json "j['schedules'][0]['oncall']['sms']" | grep -qx "+15550100" ||
	fail "the contact's channels: $(ctl --json oncall hostile)"

# An override changes the answer while it lasts, and only then.
day=$(date -u -d '+2 days' +%Y-%m-%d)
ctl override add ops carol "${day}T10:00Z" 4h > "$T/add.out" || fail "override add: $(cat "$T/add.out")"
grep -q "^override 1 added, until ${day}T14:00:00.000Z" "$T/add.out" || fail "add said: $(cat "$T/add.out")"
at_who() { ctl --json oncall ops --at "$1" | json "j['schedules'][0]['oncall']['name'] + ' ' + j['schedules'][0]['by']"; }
[ "$(at_who "${day}T09:59:59Z")" != "carol override" ] || fail "the override began early"
[ "$(at_who "${day}T10:00Z")" = "carol override" ] || fail "override: $(at_who "${day}T10:00Z")"
[ "$(at_who "${day}T14:00Z")" != "carol override" ] || fail "the override did not end"
ctl override list | grep -q "^ *1 pending ops  *carol " || fail "list: $(ctl override list)"
if ctl override add ops zed now 1h 2>"$T/err"; then fail "an unknown contact was taken"; fi
grep -q "no such contact" "$T/err" || fail "unclear: $(cat "$T/err")"
if ctl override add ops carol now 2026-01-01T00:00Z 2>"$T/err"; then fail "an override in the past was taken"; fi

# Across a restart.
stop_triaged
start_triaged
[ "$(at_who "${day}T10:00Z")" = "carol override" ] || fail "after a restart: $(at_who "${day}T10:00Z")"

# override-max 2: the third is refused and counted; removing one makes room.
ctl override add ops dave now 1h >/dev/null || fail "second override"
if ctl override add ops bob now 1h 2>"$T/err"; then fail "a third override beyond override-max"; fi
grep -q "2 overrides are kept, the most override-max allows (2)" "$T/err" || fail "unclear: $(cat "$T/err")"
ctl --json status | json "(j['oncall']['count'], j['oncall']['max'], j['oncall']['refused'])" |
	grep -qx "(2, 2, 1)" || fail "status: $(ctl --json status | json "j['oncall']")"
ctl status | grep -qx "  overrides: 2 kept (override-max 2), 1 refused" ||
	fail "status table: $(ctl status)"
[ "$(ctl --json oncall ops | json "j['schedules'][0]['oncall']['name']")" = dave ] || fail "dave is not on call now"
ctl override remove 2 | grep -qx "override 2 removed" || fail "remove"
if ctl override remove 2 2>"$T/err"; then fail "removed twice"; fi
grep -q "no override with id 2" "$T/err" || fail "unclear: $(cat "$T/err")"
[ "$(ctl --json oncall ops | json "j['schedules'][0]['by']")" = weekday ] || fail "still overridden after remove"
ctl override add ops bob now 2s >/dev/null || fail "no room after a remove"
# One that has ended makes room for the next, and is pruned (counted).
sleep 3
ctl override list | grep -q "^ *3 ended " || fail "not ended: $(ctl override list)"
ctl override add ops bob now 1h >/dev/null || fail "an ended override kept the room"
ctl --json status | json "(j['oncall']['count'], j['oncall']['pruned'])" | grep -qx "(2, 1)" ||
	fail "pruning: $(ctl --json status | json "j['oncall']")"

pass "handoffs and DST by --at, a 14-day follow-the-sun rota, overrides kept across a restart and bounded, hostile names escaped"
