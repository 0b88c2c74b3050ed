#!/bin/sh
# group: interface-down traps (real snmptrap, relayed with snmpTrapAddress
# as a forwarder does, each address a host block names) fold by host into
# one parent incident per switch.  Three within the wait: one trigger at
# its end naming 3 members; a fourth later: one update, no new page; a
# fifth beyond `max 4` is counted, not listed; another switch: its own
# group; all members up: the parent's resolve.  kill -9 during a wait: the
# trigger still goes at its end, once.  Hostile bytes in a grouped field
# reach show and JSON escaped.
. "$(dirname "$0")/lib.sh"

start_pd
conf_head
conf_pd
conf_snmp
cat >> "$CONF" <<CONF
host "sw1" { address 192.0.2.11 }
host "sw2" { address 192.0.2.12 }
host "sw3" { address 192.0.2.13 }
host "sw4" { address 192.0.2.14 }
host "sw5" { address 192.0.2.15 }
rule "interface down" {
	match trap IF-MIB::linkDown
	resolve-on trap IF-MIB::linkUp
	key "{host}/if/{IF-MIB::ifDescr}"
	summary "interface down on {host}: {IF-MIB::ifDescr}"
	group-by host wait 5s interval 3s max 4
	send "pd"
}
rule "link down (syslog)" {
	match syslog program = "%LINK-3-UPDOWN" and
		message ~ "^Interface (?<ifname>[^,]+), changed state to down"
	key "{host}/if/{ifname}"
	group-by host ifname wait 1s
	send "pd"
}
rule "service down" {
	match syslog program = "svc" and message ~ "^(?<svc>\\S+) down"
	resolve-on syslog program = "svc" and message ~ "^(?<svc>\\S+) up"
	key "{host}/svc/{svc}"
	hold 2s
	group-by host wait 1s
	send "pd"
}
CONF
start_triaged

mkdir -p "$T/client"
export SNMPCONFPATH="$T/client" SNMP_PERSISTENT_DIR="$T/client" MIBDIRS="$TOP_SRCDIR/tests/data/mibs" MIBS="SNMPv2-MIB"
# trap down|up SWITCH N: linkDown/linkUp for GigabitEthernet0/N, relayed for 192.0.2.SWITCH.
trap_if() {
	oid=1.3.6.1.6.3.1.1.5.3
	if [ "$1" = up ]; then oid=1.3.6.1.6.3.1.1.5.4; fi
	snmptrap -v 2c -c public "127.0.0.1:$SNMP_PORT" '' "$oid" \
		1.3.6.1.2.1.2.2.1.1.$3 i "$3" 1.3.6.1.2.1.2.2.1.2.$3 s "GigabitEthernet0/$3" \
		1.3.6.1.6.3.18.1.3.0 a "192.0.2.1$2" || fail "snmptrap"
}
P1="interface down/group:sw1"
P2="interface down/group:sw2"
P3="interface down/group:sw3"
now() { python3 -c 'import time; print(time.time())'; }
# pd_triggers KEY: the trigger bodies the stand-in got for KEY, as JSON.
pd_triggers() {
	pd GET /_requests | python3 -c '
import json, sys
r = json.load(sys.stdin)
r = r["requests"] if isinstance(r, dict) else r
b = [q["body"] for q in r if isinstance(q.get("body"), dict)]
print(json.dumps([x for x in b if x["dedup_key"] == sys.argv[1] and x["event_action"] == "trigger"]))' "$1"
}

# Three ports of sw1 within the wait: pending, nothing sent; then one trigger.
t0=$(now)
trap_if down 1 1
trap_if down 1 2
trap_if down 1 3
wait_incidents "[i['state'] for i in j['incidents'] if i['key'].startswith('sw1/')] == ['grouped'] * 3"
ctl --json show "$P1" | json "(j['incident']['state'], j['incident']['count'])" |
	grep -qF "('pending', 3)" || fail "parent not pending with 3: $(ctl show "$P1")"
wait_pd "s.get('$P1', {}).get('triggers') == 1" 20
first=$(pd GET /_state | json "j['$P1']['first_seen']")
python3 -c "import sys; sys.exit(not ($first - $t0 >= 4.5))" || fail "sent $first, before the wait from $t0"
pd_triggers "$P1" | json "[(x['payload']['custom_details']['count'], x['payload']['summary']) for x in j]" |
	grep -qF "[(3, '3 incidents: interface down on sw1: GigabitEthernet0/1')]" ||
	fail "trigger: $(pd_triggers "$P1")"
# No member went on its own.
pd GET /_state | json "sorted(j)" | grep -q "sw1/if" && fail "a member was sent: $(pd GET /_state)"

# show lists the members; a member names its parent.
ctl show "$P1" > "$T/show"
grep -q "^members: *3, 3 open; page sent" "$T/show" || fail "show: $(cat "$T/show")"
for n in 1 2 3; do
	grep -q "^sw1/if/GigabitEthernet0/$n  *grouped  *sw1  *1" "$T/show" || fail "member $n: $(cat "$T/show")"
done
ctl show "sw1/if/GigabitEthernet0/2" | grep -q "^group: *$P1 (triggered)" ||
	fail "member show: $(ctl show sw1/if/GigabitEthernet0/2)"

# A fourth later: one update after the interval, no new incident upstream.
trap_if down 1 4
wait_pd "s['$P1']['triggers'] == 2" 20
pd_triggers "$P1" | json "[x['payload']['custom_details']['count'] for x in j]" | grep -qF "[3, 4]" ||
	fail "update: $(pd_triggers "$P1")"
[ "$(pd GET /_state | json "j['$P1']['incidents']")" = 1 ] || fail "a second PagerDuty incident"
# The timeline says the upstream was updated, not that the group flaps.
poll 10 j "[e['state'] for e in j['incident']['timeline'] if e['kind'] == 'delivery'] == ['triggered', 'updated']" \
	cmd "$TRIAGECTL" -s "$SOCK" --json show "$P1" >/dev/null || fail "update's delivery: $(ctl show "$P1")"
# A fifth is beyond max 4: counted in the parent, not listed; counted in status.
trap_if down 1 5
wait_status "j['groups']['unlisted'] == 1"
ctl show "$P1" | grep -q "^(4 listed of 5)" || fail "unlisted: $(ctl show "$P1")"
ctl status | grep -q "^  5 members joined, 1 beyond group-by max" || fail "status: $(ctl status)"
ctl status | grep -q "^groups: 1 opened, 1 sent, [12] updates, 0 resolved" || fail "status: $(ctl status)"

# Another switch: its own group.
trap_if down 2 1
wait_pd "s.get('$P2', {}).get('triggers') == 1" 20
# explain names the group a port would join, and that its page went.
ctl explain --trap 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.9 i 9 1.3.6.1.2.1.2.2.1.2.9 s Gi0/9 \
	1.3.6.1.6.3.18.1.3.0 a 192.0.2.12 > "$T/explain" || fail "explain: $(cat "$T/explain")"
grep -qF "grouped into $P2 (2 members; its page was sent, an update follows within its interval)" \
	"$T/explain" || fail "explain: $(cat "$T/explain")"
[ "$(pd GET /_state | json "j['$P1']['triggers']")" -le 3 ] || fail "sw2 re-sent sw1"

# All of sw1's members up: the parent resolves, its resolve sent once.
for n in 1 2 3 4; do trap_if up 1 $n; done
sleep 1
[ "$(ctl --json show "$P1" | json "j['incident']['state']")" != resolved ] || fail "resolved with a member open"
trap_if up 1 5
wait_pd "s['$P1']['state'] == 'resolved' and s['$P1']['resolves'] == 1" 20
ctl show "$P1" | grep -q "resolved: all 5 members closed" || fail "no resolve line: $(ctl show "$P1")"
# A port of sw1 down again opens a new group.
trap_if down 1 1
wait_pd "s['$P1']['incidents'] == 2" 20

# kill -9 during a wait: after the restart the trigger still goes at its end, once.
t0=$(now)
trap_if down 3 1
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$P3'] == ['pending']"
ctl explain --trap 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.9 i 9 1.3.6.1.2.1.2.2.1.2.9 s Gi0/9 \
	1.3.6.1.6.3.18.1.3.0 a 192.0.2.13 | grep -q "grouped into $P3 (2 members; its page goes at " ||
	fail "explain in the wait"
kill -9 "$TRIAGED_PID"
wait "$TRIAGED_PID" 2>/dev/null || true
start_triaged
wait_pd "s.get('$P3', {}).get('triggers') == 1" 20
first=$(pd GET /_state | json "j['$P3']['first_seen']")
python3 -c "import sys; sys.exit(not ($first - $t0 >= 4.5))" || fail "sw3 sent early"
sleep 2
[ "$(pd GET /_state | json "j['$P3']['triggers']")" = 1 ] || fail "sw3 sent twice"

# Hostile bytes in a grouped field: escaped in show and in JSON.
python3 - "$PORT" <<'PY'
import socket, sys
line = b"<187>Dec  4 10:00:00 sw9 %LINK-3-UPDOWN: Interface Gi\x1b[31m\x9b2J\xff/1, changed state to down"
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(line, ("127.0.0.1", int(sys.argv[1])))
PY
wait_incidents "[i for i in j['incidents'] if i['key'].startswith('link down (syslog)/group:')]"
ctl --json incidents --state all > "$T/all.json"
key=$(json "[i['key'] for i in j['incidents'] if i['key'].startswith('link down (syslog)/group:')][0]" < "$T/all.json")
ctl show "$key" > "$T/hostile" 2>&1 || fail "show hostile: $(cat "$T/hostile")"
grep -q "$(printf '\033')" "$T/hostile" && fail "a raw ESC reached the terminal"
grep -q "$(printf '\302\233')" "$T/hostile" && fail "a raw C1 CSI reached the terminal"
grep -q "^members: *1" "$T/hostile" || fail "hostile show: $(cat "$T/hostile")"
ctl --json show "$key" | grep -q "$(printf '\033')" && fail "a raw ESC in JSON"

# NUL, CR and LF in a grouped field: escaped at ingest ("#000", as rsyslog
# does), so two ports that differ only after a NUL are two groups, and no
# group key or show line carries a raw control byte.
python3 - "$PORT" <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for name in (b"Gi\x00a/2", b"Gi\x00b/2", b"Gi\r\nc/3"):
    u.sendto(b"<187>Dec  4 10:00:00 sw8 %LINK-3-UPDOWN: Interface " + name +
             b", changed state to down", ("127.0.0.1", int(sys.argv[1])))
PY
wait_incidents "len([i for i in j['incidents'] if i['key'].startswith('link down (syslog)/group:sw8')]) == 3"
ctl --json incidents --state all > "$T/sw8.json"
python3 - "$T/sw8.json" <<'PY' || fail "NUL/CR/LF group keys: $(cat "$T/sw8.json")"
import json, sys
keys = sorted(i["key"] for i in json.load(open(sys.argv[1]))["incidents"]
              if i["key"].startswith("link down (syslog)/group:sw8"))
# A '/' inside a value is escaped in a group key, so values cannot run together.
assert keys == ["link down (syslog)/group:sw8/Gi#000a\\/2", "link down (syslog)/group:sw8/Gi#000b\\/2",
                "link down (syslog)/group:sw8/Gi#015#012c\\/3"], keys
PY
ctl show 'link down (syslog)/group:sw8/Gi#015#012c\/3' > "$T/crlf" 2>&1 || fail "show CR/LF: $(cat "$T/crlf")"
tr -d '\n' < "$T/crlf" | grep -q "$(printf '\r')" && fail "a raw CR reached the terminal"
grep -q "^members: *1" "$T/crlf" || fail "CR/LF show: $(cat "$T/crlf")"

# A silence on the parent's host holds it at the end of its wait; expired,
# the parent goes then.
ctl silence add 'host=sw4' for 1h --comment "line card swap" >/dev/null || fail "silence add"
trap_if down 4 1
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == 'interface down/group:sw4'] == ['suppressed']" 20
ctl --json show "interface down/group:sw4" | json "j['incident']['timeline'][-1]['text']" |
	grep -q "^suppressed: its wait of 5s ended with 1 member, held by silence 1 (line card swap) until " ||
	fail "silence: $(ctl show "interface down/group:sw4")"
ctl show "interface down/group:sw4" | grep -q "^members: *1, 1 open; page held " ||
	fail "silence: $(ctl show "interface down/group:sw4")"
pd GET /_state | json "sorted(j)" | grep -q "sw4" && fail "a silenced group was sent"
ctl silence expire 1 >/dev/null || fail "silence expire"
wait_pd "s.get('interface down/group:sw4', {}).get('triggers') == 1" 20

# A reload that shortens the wait: a group in its wait is sent sooner.
sed 's/group-by host wait 5s/group-by host wait 10m/' "$CONF" > "$T/long.conf" && cp "$T/long.conf" "$CONF"
ctl reload >/dev/null || fail "reload (10m)"
trap_if down 5 1
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == 'interface down/group:sw5'] == ['pending']"
sed 's/group-by host wait 10m/group-by host wait 1s/' "$CONF" > "$T/short.conf" && cp "$T/short.conf" "$CONF"
ctl reload >/dev/null || fail "reload (1s)"
wait_pd "s.get('interface down/group:sw5', {}).get('triggers') == 1" 20

# With hold: a service back within its hold is transient and joins no
# group; one still down when its hold ends joins (real logger).
H=$(hostname)
svc() { logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t svc "$1 $2"; }
svc nginx down
svc nginx up
svc postgres down
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == 'service down/group:$H'] == ['triggered']" 20
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/svc/nginx'] == ['transient']"
ctl --json show "service down/group:$H" | json "[m['key'] for m in j['incident']['group']['list']]" |
	grep -qF "['$H/svc/postgres']" || fail "hold and group: $(ctl show "service down/group:$H")"
ctl --json show "$H/svc/nginx" | json "'parent' in j['incident']" | grep -q False ||
	fail "a transient member joined"

# replay counts one page per group, none for its members, as it went live.
wait_incidents "[i for i in j['incidents'] if i['key'].startswith('link down (syslog)/group:') and i['state'] == 'triggered']"
ctl --json incidents --state all > "$T/live.json"
"$TRIAGECTL" -c "$CONF" --json replay --since 1h > "$T/replay.json" || fail "replay: $(cat "$T/replay.json")"
python3 - "$T" <<'PY' || fail "replay does not agree with what went live"
import json, sys
t = sys.argv[1]
r = json.load(open(t + "/replay.json"))
live = json.load(open(t + "/live.json"))["incidents"]
parents = [i for i in live if "/group:" in i["key"]]
paged = [i for i in parents if i["state"] not in ("pending",)]
assert r["current"]["pages"] == len(paged), (r["current"], [(i["key"], i["state"]) for i in parents])
assert r["current"]["incidents"] == len(live), (r["current"], len(live))
PY
pass "three downs one page, one update, own group per switch, resolve with the last member, restart keeps the wait"
