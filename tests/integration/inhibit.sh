#!/bin/sh
# Inhibit statements through the real daemon, fed by snmptrap and logger:
# while a host's "host down" incident alerts, its "interface down" is
# recorded as suppressed and not sent, another host's is sent; a target
# that resolves first is never sent; kill -9 and a restart keep the
# inhibition, and the source's resolve sends what still fires.  explain
# names the inhibiting incident; a reload that drops a statement lets go of
# what it held; hostile bytes in an equal field (a host cannot hold
# any: the parser takes only letters, digits and .-_:) reach show and JSON
# escaped, and NUL, CR and LF in one neither join nor split what it holds.
. "$(dirname "$0")/lib.sh"

start_pd
conf_head
conf_pd
conf_snmp
cat >> "$CONF" <<'CONF'
inhibit "host down" suppresses "interface down" equal host
inhibit "rack down" suppresses "shelf down" equal rack
rule "host down" {
	match trap 1.3.6.1.4.1.99999.0.1
	resolve-on trap 1.3.6.1.4.1.99999.0.2
	key "{host}/host"
	send "pd"
}
rule "interface down" {
	match trap 1.3.6.1.6.3.1.1.5.3
	resolve-on trap 1.3.6.1.6.3.1.1.5.4
	key "{host}/if"
	send "pd"
}
rule "node down" {
	match syslog program = "mon" and message ~ "^node down$"
	resolve-on syslog program = "mon" and message ~ "^node up$"
	key "{host}/node"
	send "pd"
}
rule "port down" {
	match syslog program = "mon" and message ~ "^port (?<port>\S+) down$"
	resolve-on syslog program = "mon" and message ~ "^port (?<port>\S+) up$"
	key "{host}/port/{port}"
	send "pd"
}
rule "rack down" {
	match syslog program = "rack" and message ~ "^rack (?<rack>.+) down$"
	key "{host}/rack/{rack}"
	send "pd"
}
rule "shelf down" {
	match syslog program = "rack" and message ~ "^shelf (?<shelf>\S+) of (?<rack>.+) down$"
	key "{host}/shelf/{shelf}"
	send "pd"
}
rule "bgp down" {
	match syslog program = "bgpd" and message ~ "peer down"
	key "{host}/bgp"
	send "pd"
}
CONF
cp "$CONF" "$T/full.conf"
echo 'inhibit "node down" suppresses "port down", "bgp down" equal host, program' >> "$CONF"
cp "$CONF" "$T/both.conf"
start_triaged
H=$(hostname)
# trap FROM down|up|linkdown|linkup: host or link traps from the address FROM.
trap() {
	case $2 in
	down) oid=1.3.6.1.4.1.99999.0.1 ;; up) oid=1.3.6.1.4.1.99999.0.2 ;;
	linkdown) oid=1.3.6.1.6.3.1.1.5.3 ;; linkup) oid=1.3.6.1.6.3.1.1.5.4 ;;
	esac
	snmptrap -v 2c -c public --clientaddr="$1" "127.0.0.1:$SNMP_PORT" '' "$oid" \
		1.3.6.1.2.1.2.2.1.1.1 i 1 >/dev/null 2>&1 || fail "snmptrap from $1"
}
mon() { logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t "$1" "$2"; }
state_of() { ctl --json show "$1" | json "j['incident']['state']"; }
id_of() { ctl --json show "$1" | json "j['incident']['id']"; }
states() { ctl --json show "$1" | json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'state']"; }

# Host A (127.0.0.2) down: paged.  Its interface: held.  Host B's interface: paged.
trap 127.0.0.2 down
wait_pd "s.get('127.0.0.2/host', {}).get('triggers') == 1"
A=$(id_of 127.0.0.2/host)
trap 127.0.0.2 linkdown
wait_incidents "any(i['key'] == '127.0.0.2/if' and i['state'] == 'suppressed' for i in j['incidents'])"
states 127.0.0.2/if | grep -qF "suppressed: opened, inhibited by incident $A (127.0.0.2/host) of rule \"host down\"" \
	|| fail "the timeline does not name the inhibiting incident: $(states 127.0.0.2/if)"
trap 127.0.0.3 linkdown
wait_pd "s.get('127.0.0.3/if', {}).get('triggers') == 1"
states 127.0.0.3/if | grep -qxF "['triggered: opened']" || fail "B's interface: $(states 127.0.0.3/if)"
[ "$(state_of 127.0.0.2/if)" = suppressed ] || fail "A's interface is $(state_of 127.0.0.2/if)"

# The syslog statement, several targets, two fields: node down on this host holds
# its ports (one resolves first: never sent) and its bgp, not another program's.
mon mon "node down"
wait_pd "s.get('$H/node', {}).get('triggers') == 1"
N=$(id_of "$H/node")
mon mon "port p1 down"
mon mon "port p2 down"
wait_incidents "sorted(i['state'] for i in j['incidents'] if '/port/' in i['key']) == ['suppressed', 'suppressed']"
mon mon "port p2 up"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/port/p2'] == ['resolved']"
mon bgpd "peer down"
wait_pd "s.get('$H/bgp', {}).get('triggers') == 1"

# explain: what a new port going down would do now.
ctl explain "<29>Dec  4 10:00:00 $H mon: port p9 down" > "$T/explain" || fail "explain failed"
grep -qF "inhibited by incident $N ($H/node) of rule \"node down\": recorded as suppressed" "$T/explain" \
	|| fail "explain does not name the inhibiting incident: $(cat "$T/explain")"
ctl --json explain "<29>Dec  4 10:00:00 $H mon: port p9 down" | json "j['outcome']" \
	| grep -qF "inhibited by incident $N" || fail "explain --json: $(ctl --json explain "<29>Dec  4 10:00:00 $H mon: port p9 down")"

# kill -9 while A's interface and port p1 are held: after a restart both stay
# held, and the source's resolve sends them.
kill -KILL "$TRIAGED_PID"
wait "$TRIAGED_PID" 2>/dev/null || true
TRIAGED_PID=
start_triaged
[ "$(state_of 127.0.0.2/if)" = suppressed ] || fail "A's interface is $(state_of 127.0.0.2/if) after kill -9"
trap 127.0.0.2 up
wait_pd "s.get('127.0.0.2/if', {}).get('triggers') == 1 and s.get('127.0.0.2/host', {}).get('resolves') == 1"
[ "$(state_of 127.0.0.2/host)" = resolved ] || fail "A is $(state_of 127.0.0.2/host)"
[ "$(state_of 127.0.0.2/if)" = triggered ] || fail "A's interface is $(state_of 127.0.0.2/if)"
states 127.0.0.2/if | grep -qF "triggered: inhibition by incident $A ended" \
	|| fail "the release is not on the timeline: $(states 127.0.0.2/if)"
mon mon "node up"
wait_pd "s.get('$H/port/p1', {}).get('triggers') == 1"
[ "$(state_of "$H/port/p2")" = resolved ] || fail "p2 is $(state_of "$H/port/p2")"

# Hostile bytes in an equal field and in the inhibiting incident's key: shown escaped.
mon rack "$(printf 'rack r\033[2J1 down')"
wait_pd "any('/rack/' in k for k in s)"
R=$(ctl --json incidents --state all | json "[i['id'] for i in j['incidents'] if '/rack/' in i['key']][0]")
mon rack "$(printf 'shelf s1 of r\033[2J1 down')"
wait_incidents "any('/shelf/s1' in i['key'] and i['state'] == 'suppressed' for i in j['incidents'])"
ctl show "$H/shelf/s1" > "$T/s1.show"
ctl --json show "$H/shelf/s1" > "$T/s1.json"
grep -q "$(printf '\033')" "$T/s1.show" "$T/s1.json" && fail "a raw ESC reached show"
grep -qF "inhibited by incident $R ($H/rack/r#033[2J1) of rule" "$T/s1.show" \
	|| fail "the hostile source is not shown escaped: $(cat "$T/s1.show")"
json "[e['text'] for e in j['incident']['timeline'] if 'inhibited' in e['text']][0]" < "$T/s1.json" \
	| grep -qF "($H/rack/r#033[2J1)" || fail "show --json: $(cat "$T/s1.json")"

# A reload that drops the syslog statement lets go of what it held.
mon mon "node down"
wait_incidents "'triggered' in [i['state'] for i in j['incidents'] if i['key'] == '$H/node']"
mon mon "port p3 down"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$H/port/p3'] == ['suppressed']"
cp "$T/full.conf" "$CONF"
kill -HUP "$TRIAGED_PID"
wait_pd "s.get('$H/port/p3', {}).get('triggers') == 1"
[ "$(state_of "$H/port/p3")" = triggered ] || fail "p3 is $(state_of "$H/port/p3") after the reload"

sleep 1
pd GET /_state | json "sorted(k for k in j if '/port/p' in k and '$H' in k)" | grep -qx "\['$H/port/p1', '$H/port/p3'\]" \
	|| fail "the stand-in heard of a port it should not: $(pd GET /_state)"
# Counted since the restart: s1 and p3 held; A's interface, p1 and p3 sent.
wait_status "j['inhibit']['inhibited'] == 2 and j['inhibit']['released'] == 3 and j['inhibit']['statements'] == 2"
ctl status | grep -q "^inhibit: 2 statements; held 2 incidents, sent 3 when their source ended" \
	|| fail "status: $(ctl status)"
# The source index: counted (up to four entries per alerting source and
# statement, fewer for a statement a reload dropped), within its bound, in /metrics too.
entries=$(ctl --json status | json "j['inhibit']['index_entries']")
max=$(ctl --json status | json "j['inhibit']['index_max']")
[ "$entries" -gt 0 ] && [ "$entries" -le "$max" ] ||
	fail "inhibit index: $entries entries, at most $max"
ctl metrics | grep -qx "triaged_inhibit_index_entries $entries" ||
	fail "metrics: $(ctl metrics | grep inhibit_index)"
# replay counts what an inhibition held and sent: the running config (no
# syslog statement) against the first one, where p2 resolved while held and
# p3 is held still; A's interface pages in both, sent when host A came up.
"$TRIAGECTL" -c "$CONF" --json replay --since 1h --config "$T/both.conf" > "$T/replay.json" \
	|| fail "replay failed: $(cat "$T/replay.json")"
python3 - "$T/replay.json" "$H" <<'PY' || fail "replay: $(cat "$T/replay.json")"
import json, sys
r = json.load(open(sys.argv[1])); h = sys.argv[2]
ch = {c["key"]: c for c in r["changed"]}
assert ch[h + "/port/p2"]["pages_before"] == 1 and ch[h + "/port/p2"]["pages_after"] == 0, ch
assert ch[h + "/port/p3"]["pages_before"] == 1 and ch[h + "/port/p3"]["pages_after"] == 0, ch
assert "127.0.0.2/if" not in ch and h + "/port/p1" not in ch, ch
assert r["new"]["pages"] == r["current"]["pages"] - 2, r
PY
# NUL, CR and LF in an equal field: escaped at ingest ("#000"), so racks
# that differ only after a NUL are two racks: only the shelf of the rack
# that is down is held.
python3 - "$PORT" <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for msg in (b"rack q\x00a\r\n down", b"shelf s7 of q\x00a\r\n down", b"shelf s8 of q\x00b\r\n down"):
    u.sendto(b"<13>Dec  4 10:00:00 h9 rack: " + msg, ("127.0.0.1", int(sys.argv[1])))
PY
wait_incidents "len([i for i in j['incidents'] if i['key'].startswith('h9/shelf/')]) == 2"
[ "$(state_of h9/shelf/s7)" = suppressed ] || fail "the shelf of the rack down is $(state_of h9/shelf/s7)"
[ "$(state_of h9/shelf/s8)" = triggered ] || fail "a rack differing after a NUL held a shelf: $(states h9/shelf/s8)"
ctl show h9/shelf/s7 > "$T/s7.show"
grep -qF "(h9/rack/q#000a#015#012)" "$T/s7.show" || fail "NUL/CR/LF source not escaped: $(cat "$T/s7.show")"
tr -d '\n' < "$T/s7.show" | grep -q "$(printf '\r')" && fail "a raw CR reached show"

pass "host down held its interface, not another host's; kill -9; resolve sent it; explain; reload"
