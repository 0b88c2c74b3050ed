#!/bin/sh
# triagectl explain: a syslog line and an SNMP trap (MIB names) read as the
# listeners would, each rule tried with the condition that failed and what
# the event had there, then the key and what would happen now, against the
# live store: a new incident, a count in an open one, a threshold, a drop,
# a resolve.  Nothing is written: the store and counters stay as they were.
# Hostile bytes in the line reach the table and the JSON escaped.
. "$(dirname "$0")/lib.sh"

MIBS_DIR="$TOP_SRCDIR/tests/data/mibs"
SNMP_PORT=$(free_port)
start_pd
conf_head
cat >> "$CONF" <<CONF
listen snmp udp 127.0.0.1:$SNMP_PORT
snmp {
	community "public" from 127.0.0.0/8
	mibs "IF-MIB" "SNMPv2-MIB"
	mib-dirs "$MIBS_DIR"
}
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
}
rule "cron noise" {
	match syslog program = "CRON"
	drop
}
rule "ssh failures" {
	match syslog program = "sshd" and message ~ "Failed password for (?<user>\\\\S+)"
	key "ssh/{host}/{user}"
	threshold 3 in 1m
	send "pd"
}
rule "disk" {
	match syslog severity <= err and message ~ "No space left"
	send "pd"
}
rule "interface down" {
	match trap IF-MIB::linkDown
	resolve-on trap IF-MIB::linkUp
	key "{host}/if/{IF-MIB::ifIndex}"
	send "pd"
}
CONF
start_triaged

# A line no rule takes: each rule's reason, then the default (drop).
out=$(ctl explain '<30>Dec  4 10:00:00 web1 nginx[1]: GET /')
echo "$out" > "$T/none.txt"
grep -q 'cron noise .*no match' "$T/none.txt" || fail "rule 1 not shown: $out"
grep -q 'failed: syslog program = "CRON"\|failed: program = "CRON"' "$T/none.txt" ||
	fail "the failed condition is not named: $out"
grep -q 'it had: nginx' "$T/none.txt" || fail "what the event had is not said: $out"
grep -q 'failed: severity <= err' "$T/none.txt" || fail "disk's failing part: $out"
grep -q 'it had: info' "$T/none.txt" || fail "the severity it had: $out"
grep -q 'no rule matched, and the default is drop: dropped' "$T/none.txt" || fail "default: $out"

# A drop rule.
ctl explain '<78>Dec  4 10:00:00 web1 CRON[5]: (root) CMD (run-parts)' | grep -q 'dropped by rule cron noise (drop)' ||
	fail "the drop is not explained"

# The threshold: a new key is pending, then counts move, and explain itself writes nothing.
line='<38>Dec  4 10:00:00 web1 sshd[7]: Failed password for alice from 192.0.2.9 port 22'
out=$(ctl explain "$line")
echo "$out" | grep -q 'key: *ssh/web1/alice' || fail "key: $out"
echo "$out" | grep -q 'opens incident ssh/web1/alice, pending: it triggers at 3 occurrences within 60s' ||
	fail "pending: $out"
ctl explain "$line" >/dev/null
[ "$(ctl --json incidents | json "len(j['incidents'])")" = 0 ] || fail "explain opened an incident"
[ "$(ctl --json status | json "j['events']['received']")" = 0 ] || fail "explain was counted as received"
logger_udp() { logger --rfc3164 -n 127.0.0.1 -P "$PORT" -d -t sshd -p auth.info "$1"; }
logger_udp "Failed password for alice from 192.0.2.9 port 22"
wait_incidents "len(j['incidents']) == 1"
k=$(ctl --json incidents | json "j['incidents'][0]['key']")
h=${k#ssh/}; h=${h%/alice}
out=$(ctl explain "<38>Dec  4 10:00:01 $h sshd[7]: Failed password for alice from 192.0.2.9 port 22")
echo "$out" | grep -q "counts in pending incident $k (2 of 3 within the window): nothing sent yet" ||
	fail "the count in a pending incident: $out"

# An immediate rule with an upstream.
out=$(ctl explain '<27>Dec  4 10:00:00 db1 kernel: write failed: No space left on device')
echo "$out" | grep -q 'opens incident disk/db1/[0-9a-f]* and triggers it' || fail "disk: $out"
echo "$out" | grep -q 'sends a trigger to pd' || fail "where it goes: $out"

# A trap, with MIB names, and its resolve-on.
out=$(ctl explain --trap IF-MIB::linkDown IF-MIB::ifIndex.3 i 3 IF-MIB::ifDescr.3 s Gi0/3)
echo "$out" | grep -q 'interface down .*match' || fail "the trap's rule: $out"
echo "$out" | grep -q 'key: *127.0.0.1/if/3' || fail "the trap's key: $out"
snmptrap -v 2c -c public "127.0.0.1:$SNMP_PORT" '' .1.3.6.1.6.3.1.1.5.3 \
	.1.3.6.1.2.1.2.2.1.1.3 i 3 >/dev/null 2>&1 || fail "snmptrap failed"
wait_incidents "any(i['key'] == '127.0.0.1/if/3' for i in j['incidents'])"
ctl explain --trap IF-MIB::linkUp IF-MIB::ifIndex.3 i 3 | grep -q 'resolves incident 127.0.0.1/if/3 (triggered)' ||
	fail "the resolve-on is not explained"
ctl explain --trap IF-MIB::linkDown IF-MIB::ifIndex.3 i 3 |
	grep -q 'counts in open incident 127.0.0.1/if/3 (triggered, occurrence 2 after 1): nothing new is sent' ||
	fail "a repeat of an open incident"
# The raw-event log lists what came in, numbered; explain --event reads one again,
# a trap with its fields (not only its text), as the running config sees it now.
ctl events > "$T/events.txt" || fail "events failed"
grep -q 'trap .*127.0.0.1 .*linkDown' "$T/events.txt" || fail "events: $(cat "$T/events.txt")"
id=$(ctl --json events | json "[e['id'] for e in j['events'] if e['type'] == 'trap'][0]")
ctl explain --event "$id" > "$T/ev.txt" || fail "explain --event failed"
grep -q 'interface down .*match' "$T/ev.txt" || fail "explain --event $id: $(cat "$T/ev.txt")"
grep -q 'counts in open incident 127.0.0.1/if/3' "$T/ev.txt" || fail "explain --event: $(cat "$T/ev.txt")"
id=$(ctl --json events | json "[e['id'] for e in j['events'] if e['type'] == 'syslog'][0]")
ctl explain --event "$id" | grep -q 'ssh failures .*match' || fail "explain --event of a line"
if ctl explain --event 999999 2>"$T/err"; then fail "a missing event was explained"; fi
grep -q 'no event 999999 in the raw-event log' "$T/err" || fail "missing event: $(cat "$T/err")"
if ctl explain --trap IF-MIB::noSuchTrap 2>"$T/err"; then fail "an unknown trap OID was explained"; fi
grep -q 'unknown trap OID IF-MIB::noSuchTrap' "$T/err" || fail "unknown OID: $(cat "$T/err")"
if ctl explain --trap IF-MIB::linkDown IF-MIB::ifIndex.3 i 2>"$T/err"; then fail "two words taken"; fi

# Hostile bytes: Latin-1, ESC, a C1 control; the table and the JSON stay clean and readable.
hostile=$(printf '<27>Dec  4 10:00:00 sw1 port: Gi0/1 ca\351 \033[31mred\302\233 No space left')
ctl explain --listener "syslog/udp/127.0.0.1:$PORT" "$hostile" > "$T/hostile.txt" || fail "hostile line refused"
ctl --json explain "$hostile" > "$T/hostile.json" || fail "hostile line refused (json)"
python3 - "$T/hostile.txt" "$T/hostile.json" <<'PY' || fail "raw control bytes reached the output"
import json, sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    bad = [c for c in b if (c < 0x20 and c not in (0x0a,)) or c == 0x7f]
    assert not bad, (p, bad[:5])
    t = b.decode("utf-8")
    assert "\x9b" not in t, p
j = json.load(open(sys.argv[2]))
assert "red" in j["event"]["message"], j["event"]
assert j["outcome"], j
PY
# The same bytes received for real: listed by events, explained by --event, both clean.
python3 - "$PORT" <<'PY' || fail "the raw line was not sent"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"<27>Dec  4 10:00:00 sw1 port: Gi0/1 ca\xe9 \x1b[31mred\xc2\x9b No space left", ("127.0.0.1", int(sys.argv[1])))
PY
i=0
until ctl --json events | json "[e['id'] for e in j['events'] if 'red' in e.get('text', '')]" | grep -q '[0-9]'; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the hostile line is not in the raw-event log"; sleep 0.1
done
ctl --wide events > "$T/hevents.txt" || fail "events failed"
ctl --json events > "$T/hevents.json" || fail "events --json failed"
id=$(json "[e['id'] for e in j['events'] if 'red' in e.get('text', '')][0]" < "$T/hevents.json")
ctl explain --event "$id" > "$T/hev.txt" || fail "explain --event of the hostile line failed"
python3 - "$T/hevents.txt" "$T/hevents.json" "$T/hev.txt" <<'PY' || fail "raw control bytes reached events"
import sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    bad = [c for c in b if (c < 0x20 and c != 0x0a) or c == 0x7f]
    assert not bad, (p, bad[:5])
    assert "\x9b" not in b.decode("utf-8"), p
    assert "red" in b.decode("utf-8"), p
PY
if ctl explain --listener nope 'x' 2>"$T/err"; then fail "an unknown listener was taken"; fi
grep -q 'no listener named nope' "$T/err" || fail "unknown listener: $(cat "$T/err")"
pass "explain: rules, failing conditions, keys and outcomes for lines and traps; nothing written"
