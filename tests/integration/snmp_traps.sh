#!/bin/sh
# SNMP notifications with the real net-snmp clients: v1 (its host the agent
# address in the trap), v2c trap, v2c inform, v3 authPriv trap (sender's
# engine ID) and v3 inform (ours); bad community and bad v3 password
# counted and dropped; linkDown/linkUp paired
# by key with MIB names in the summary; a flood of 10,000 traps from 100
# interfaces gives 100 incidents.
. "$(dirname "$0")/lib.sh"

command -v snmptrap >/dev/null || { echo "skip $SCENARIO: no snmptrap (package snmp)"; exit 77; }
MIBS_DIR="$TOP_SRCDIR/tests/data/mibs"
SNMP_PORT=$(free_port)
ANY_PORT=$(free_port)
conf_head
cat >> "$CONF" <<CONF
listen snmp udp 127.0.0.1:$SNMP_PORT { rcvbuf 4M }
listen snmp udp [::]:$ANY_PORT
snmp {
	community "public" from 127.0.0.0/8 ::1
	community "elsewhere" from 192.0.2.0/24
	user "netops" auth sha "netops-auth" priv aes "netops-priv" engine-id 0x8000000001020304
	user "netops" auth sha "netops-auth" priv aes "netops-priv"
	user "informer" auth sha256 "informer-auth" priv aes "informer-priv"
	user "fleet" auth sha512 "fleet-auth" priv aes256 "fleet-priv"
	mibs "IF-MIB" "SNMPv2-MIB"
	mib-dirs "$MIBS_DIR"
}
rule "interface down" {
	match trap IF-MIB::linkDown
	resolve-on trap IF-MIB::linkUp
	key "{host}/if/{IF-MIB::ifIndex}"
	summary "{host}: interface {IF-MIB::ifDescr} down ({version} {community}{user}): {message}"
	severity crit
}
rule "cold start" {
	match trap under SNMPv2-MIB::snmpTraps and var SNMPv2-MIB::sysName ~ "^core"
	key "{host}/cold/{SNMPv2-MIB::sysName}"
}
CONF
start_triaged

# The clients read no host configuration either, and keep their state here.
mkdir -p "$T/client"
export SNMPCONFPATH="$T/client" SNMP_PERSISTENT_DIR="$T/client" MIBDIRS="$MIBS_DIR" MIBS="IF-MIB:SNMPv2-MIB"
A="127.0.0.1:$SNMP_PORT"
V3="-u netops -l authPriv -a SHA -A netops-auth -x AES -X netops-priv"
V3I="-u informer -l authPriv -a SHA-256 -A informer-auth -x AES -X informer-priv"

snmptrap -v 1 -c public "$A" IF-MIB::ifMIB 127.0.0.9 2 0 '' IF-MIB::ifIndex.1 i 1 \
	IF-MIB::ifDescr.1 s eth1 || fail "snmptrap v1"
snmptrap -v 2c -c public "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.2 i 2 IF-MIB::ifDescr.2 s eth2 \
	|| fail "snmptrap v2c"
snmpinform -v 2c -c public -t 3 -r 1 "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.3 i 3 \
	IF-MIB::ifDescr.3 s eth3 || fail "v2c inform not answered"
# shellcheck disable=SC2086
snmptrap -v 3 -e 0x8000000001020304 $V3 "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.4 i 4 \
	IF-MIB::ifDescr.4 s eth4 || fail "snmptrap v3"
# shellcheck disable=SC2086
snmpinform -v 3 $V3I -t 3 -r 1 "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.5 i 5 \
	IF-MIB::ifDescr.5 s eth5 || fail "v3 inform not answered"
snmptrap -v 2c -c public "$A" '' SNMPv2-MIB::coldStart SNMPv2-MIB::sysName.0 s core-1
# The same user name for traps (device's engine) and informs (ours), as the man page shows.
# shellcheck disable=SC2086
snmpinform -v 3 $V3 -t 3 -r 1 "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.6 i 6 \
	IF-MIB::ifDescr.6 s eth6 || fail "v3 inform by the trap user not answered"
wait_incidents "len(j['incidents']) == 7"
for i in 1 2 3 4 5; do
	h=127.0.0.1
	if [ $i = 1 ]; then h=127.0.0.9; fi # a v1 trap's host is the agent address it names
	ctl --json show "$h/if/$i" | json "j['incident']['summary']" >"$T/sum"
	grep -q "interface eth$i down" "$T/sum" || fail "summary of if $i: $(cat "$T/sum")"
	grep -q "IF-MIB::linkDown IF-MIB::ifIndex.$i = INTEGER: $i, IF-MIB::ifDescr.$i = STRING: eth$i" \
		"$T/sum" || fail "snmptrapd-style rendering of if $i: $(cat "$T/sum")"
done
grep -q "(3 informer)" "$T/sum" || fail "v3 user not in the summary: $(cat "$T/sum")"
ctl --json show 127.0.0.1/if/6 | json "j['incident']['summary']" | grep -q "(3 netops)" \
	|| fail "v3 inform by netops"
ctl --json show 127.0.0.9/if/1 | json "j['incident']['summary']" | grep -q "(1 public)" \
	|| fail "v1 trap version/community"
ctl --json show 127.0.0.1/cold/core-1 >/dev/null || fail "subtree match on coldStart"

# Refused: a wrong community, one allowed only from elsewhere, a wrong v3 password.
snmptrap -v 2c -c private "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.9 i 9
snmptrap -v 2c -c elsewhere "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.9 i 9
# shellcheck disable=SC2086
snmptrap -v 3 -e 0x8000000001020304 -u netops -l authPriv -a SHA -A wrong-password \
	-x AES -X netops-priv "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.9 i 9
wait_status "sum(l['unauthorized'] for l in j['listeners'] if l['name'].startswith('snmp/')) == 3"
grep -q "dropping a notification from 127.0.0.1" "$T/triaged.log" || fail "no log line for the drops"
ctl --json show 127.0.0.1/if/9 >/dev/null 2>&1 && fail "a refused trap made an incident"

# Garbage, a cut trap, and a request (no notification, left unanswered): malformed.
m0=$(ctl --json status | json "sum(l['malformed'] for l in j['listeners'] if l['name'].startswith('snmp/'))")
python3 - "$SNMP_PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for d in (b"\x30\x03\x02\x01", b"<13>not SNMP", bytes.fromhex("3069020101040670756" "26c6963a75c0204")):
    s.sendto(d, ("127.0.0.1", int(sys.argv[1])))
PY
snmpget -v 2c -c public -t 1 -r 0 "$A" SNMPv2-MIB::sysDescr.0 >/dev/null 2>&1 && fail "a get was answered"
wait_status "sum(l['malformed'] for l in j['listeners'] if l['name'].startswith('snmp/')) == $m0 + 4"

# linkUp resolves its linkDown, by key.
snmptrap -v 2c -c public "$A" '' IF-MIB::linkUp IF-MIB::ifIndex.2 i 2 IF-MIB::ifDescr.2 s eth2
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '127.0.0.1/if/2'] == ['resolved']"

# 10,000 v2c linkDown traps from 100 interfaces (a python encoder: one
# snmptrap process each would take minutes): 100 incidents, 100 each.
python3 - "$SNMP_PORT" "$TOP_SRCDIR/tests/integration" <<'PY'
import socket, sys, time
sys.path.insert(0, sys.argv[2])
from snmp_trap import linkdown
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in range(10000):
    s.sendto(linkdown(n, 100 + n % 100), ("127.0.0.1", int(sys.argv[1])))
    if n % 200 == 199: time.sleep(0.01)
PY
wait_status "sum(l['received'] for l in j['listeners'] if l['name'].startswith('snmp/')) == 10008" 30
wait_incidents "len([i for i in j['incidents'] if '/if/1' in i['key'] and len(i['key']) == len('127.0.0.1/if/100') and i['count'] == 100]) == 100" 30
# A user without engine-id takes v3 traps from any device's engine; a wrong password still fails.
for e in 0x80001f8880aaaaaaaa01 0x80001f8880aaaaaaaa02; do
	snmptrap -v 3 -e $e -u fleet -l authPriv -a SHA-512 -A fleet-auth -x AES-256 -X fleet-priv \
		"$A" '' IF-MIB::linkDown IF-MIB::ifIndex.${e#0x80001f8880aaaaaaaa} i 2${e#0x80001f8880aaaaaaaa}
done
snmptrap -v 3 -e 0x80001f8880aaaaaaaa03 -u fleet -l authPriv -a SHA-512 -A fleet-wrong \
	-x AES-256 -X fleet-priv "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.203 i 203
wait_incidents "len([i for i in j['incidents'] if i['key'] in ('127.0.0.1/if/201', '127.0.0.1/if/202')]) == 2"
wait_status "sum(l['unauthorized'] for l in j['listeners'] if l['name'].startswith('snmp/')) == 4"
grep -q "learned engine ID 0x80001f8880aaaaaaaa02 of user fleet" "$T/triaged.log" || fail "no learned engine log"
# "[::]" takes IPv4 and IPv6 senders alike.
snmptrap -v 2c -c public "127.0.0.1:$ANY_PORT" '' IF-MIB::linkDown IF-MIB::ifIndex.61 i 61 \
	|| fail "snmptrap to [::] over IPv4"
snmptrap -v 2c -c public "udp6:[::1]:$ANY_PORT" '' IF-MIB::linkDown IF-MIB::ifIndex.62 i 62 \
	|| fail "snmptrap to [::] over IPv6"
wait_incidents "len([i for i in j['incidents'] if i['key'] in ('127.0.0.1/if/61', '::1/if/62')]) == 2"
# Informs to it are answered over both (the session's IPv6 transport sends the Response).
snmpinform -v 2c -c public -t 3 -r 1 "127.0.0.1:$ANY_PORT" '' IF-MIB::linkDown IF-MIB::ifIndex.63 \
	i 63 || fail "v2c inform to [::] over IPv4 not answered"
snmpinform -v 2c -c public -t 3 -r 1 "udp6:[::1]:$ANY_PORT" '' IF-MIB::linkDown IF-MIB::ifIndex.64 \
	i 64 || fail "v2c inform to [::] over IPv6 not answered"

# With triaged stopped, snmpinform keeps retrying; the inform is delivered
# (and answered) once triaged is back, and nothing else is lost.
stop_triaged
snmpinform -v 2c -c public -t 1 -r 15 "$A" '' IF-MIB::linkDown IF-MIB::ifIndex.77 i 77 \
	IF-MIB::ifDescr.77 s eth77 > "$T/late.out" 2>&1 &
echo $! > "$T/inform.pid"
sleep 2
start_triaged
wait "$(cat "$T/inform.pid")" || fail "the inform sent while triaged was down was never answered"
rm -f "$T/inform.pid"
wait_incidents "any(i['key'].endswith('/if/77') for i in j['incidents'])"
pass "v1, v2c, v2c inform, v3 trap and inform; refusals counted; down/up paired; 10000 traps, 100 incidents; engine IDs learned; IPv4 and IPv6 traps and informs on [::]; an inform sent while stopped arrives after start"
