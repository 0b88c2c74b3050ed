#!/bin/sh
# One switch, three names: its Cisco syslog line names it "sw2-mgmt", its
# traps come from its address (127.0.0.1 here), a forwarder relays others
# with snmpTrapAddress.0.  Without a host block the same port going down is
# two incidents; after a reload that adds one, it is one incident (count 2)
# under the canonical name, the original kept in {original-host}, and a
# linkUp trap resolves what the syslog line opened.  triaged -t warns
# about a rule testing host against a name the block renames.
. "$(dirname "$0")/lib.sh"

command -v snmptrap >/dev/null || { echo "skip $SCENARIO: no snmptrap (package snmp)"; exit 77; }
SNMP_PORT=$(free_port)
conf_head
cat >> "$CONF" <<'CONF'
rule "link down (syslog)" {
	match syslog program = "%LINK-3-UPDOWN" and
		message ~ "^Interface (?<ifname>[^,]+), changed state to down"
	resolve-on syslog program = "%LINK-3-UPDOWN" and
		message ~ "^Interface (?<ifname>[^,]+), changed state to up"
	key "{host}/if/{ifname}"
	summary "{host}: {ifname} down (as {original-host})"
}
rule "link down (trap)" {
	match trap IF-MIB::linkDown
	resolve-on trap IF-MIB::linkUp
	key "{host}/if/{IF-MIB::ifDescr}"
	summary "{host}: {IF-MIB::ifDescr} down (as {original-host})"
}
CONF
cat >> "$CONF" <<CONF
listen snmp udp 127.0.0.1:$SNMP_PORT
snmp { community "public" from 127.0.0.0/8 }
CONF
cp "$CONF" "$T/plain.conf"
start_triaged

mkdir -p "$T/client"
export SNMPCONFPATH="$T/client" SNMP_PERSISTENT_DIR="$T/client" MIBDIRS="$TOP_SRCDIR/tests/data/mibs" MIBS="SNMPv2-MIB"
# cisco HOST STATE IF: the line an IOS switch with `logging origin-id hostname` sends.
cisco() {
	python3 - "$PORT" "$1" "$2" "$3" <<'PY'
import socket, sys
port, host, state, ifname = sys.argv[1:]
line = "<187>126: %s: *Mar  1 00:01:02.123: %%LINK-3-UPDOWN: Interface %s, changed state to %s" % (
    host, ifname, state)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(line.encode(), ("127.0.0.1", int(port)))
PY
}
# send_trap FROM down|up N [ADDRESS]: linkDown/linkUp for GigabitEthernet0/N from
# the address FROM, with snmpTrapAddress.0 = ADDRESS as a forwarder adds it.
send_trap() {
	oid=1.3.6.1.6.3.1.1.5.3 relayed=
	if [ "$2" = up ]; then oid=1.3.6.1.6.3.1.1.5.4; fi
	if [ -n "${4:-}" ]; then relayed="1.3.6.1.6.3.18.1.3.0 a $4"; fi
	# shellcheck disable=SC2086
	snmptrap -v 2c -c public --clientaddr="$1" "127.0.0.1:$SNMP_PORT" '' "$oid" \
		1.3.6.1.2.1.2.2.1.1.$3 i "$3" 1.3.6.1.2.1.2.2.1.2.$3 s "GigabitEthernet0/$3" $relayed \
		|| fail "snmptrap from $1"
}
keys() {
	ctl --json incidents --state all | json "sorted('%s %d %s' % (i['key'], i['count'], i['state']) for i in j['incidents'])"
}

# Without aliases: the line names the switch, the trap its address; two incidents.
cisco sw2-mgmt down GigabitEthernet0/1
send_trap 127.0.0.1 down 1
wait_incidents "len(j['incidents']) == 2"
ctl --json show "sw2-mgmt/if/GigabitEthernet0/1" >/dev/null || fail "syslog incident: $(keys)"
ctl --json show "127.0.0.1/if/GigabitEthernet0/1" >/dev/null || fail "trap incident: $(keys)"

# The host block, added by a reload.
cat >> "$CONF" <<'CONF'
host "sw2" {
	address 127.0.0.1 192.0.2.12
	name "sw2.example.net" "sw2-mgmt"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null || fail "triaged -t refused the host block"
ctl reload || fail "reload with the host block refused"
# A rule on the name the block renames would never match: -t says so.
{ cat "$CONF"; printf 'rule "mgmt" { match host "sw2-mgmt" }\n'; } > "$T/lint.conf"
"$TRIAGED" -t -c "$T/lint.conf" 2>"$T/lint.err" || fail "-t failed on a warning"
grep -q "lint.conf:[0-9]*: warning: rule 'mgmt' tests host against 'sw2-mgmt', a name of host 'sw2'" \
	"$T/lint.err" || fail "no warning for a host test on an alias: $(cat "$T/lint.err")"
if "$TRIAGED" -t -W -c "$T/lint.conf" 2>/dev/null; then fail "-t -W accepted it"; fi

cisco SW2-MGMT down GigabitEthernet0/3
send_trap 127.0.0.1 down 3
wait_incidents "[(i['count'], i['state']) for i in j['incidents'] if '/if/GigabitEthernet0/3' in i['key']] == [(2, 'triggered')]"
ctl --json show "sw2/if/GigabitEthernet0/3" > "$T/show.json" || fail "no incident under sw2: $(keys)"
json "j['incident']['summary']" < "$T/show.json" | grep -qx "sw2: GigabitEthernet0/3 down (as SW2-MGMT)" \
	|| fail "summary: $(json "j['incident']['summary']" < "$T/show.json")"
# The trap's linkUp resolves what the syslog line opened: one key.
send_trap 127.0.0.1 up 3
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == 'sw2/if/GigabitEthernet0/3'] == ['resolved']"

# A hostname no block knows: the sender's address says which switch it is.
cisco Switch down GigabitEthernet0/4
wait_incidents "any(i['key'] == 'sw2/if/GigabitEthernet0/4' for i in j['incidents'])"
ctl --json show "sw2/if/GigabitEthernet0/4" | json "j['incident']['summary']" \
	| grep -qx "sw2: GigabitEthernet0/4 down (as Switch)" || fail "fallback summary"

# A forwarder at 127.0.0.2 relays sw2's trap, naming it in snmpTrapAddress.0;
# its own traps keep its address.
send_trap 127.0.0.2 down 5 192.0.2.12
send_trap 127.0.0.2 down 6
wait_incidents "{'sw2/if/GigabitEthernet0/5', '127.0.0.2/if/GigabitEthernet0/6'} <= {i['key'] for i in j['incidents']}"
ctl --json show "sw2/if/GigabitEthernet0/5" | json "j['incident']['summary']" \
	| grep -qx "sw2: GigabitEthernet0/5 down (as 192.0.2.12)" || fail "relayed summary"

# Back without the block: the names are apart again.
cp "$T/plain.conf" "$CONF"
ctl reload || fail "reload without the host block refused"
cisco sw2-mgmt down GigabitEthernet0/7
send_trap 127.0.0.1 down 7
wait_incidents "{'sw2-mgmt/if/GigabitEthernet0/7', '127.0.0.1/if/GigabitEthernet0/7'} <= {i['key'] for i in j['incidents']}"
ctl --json show "sw2/if/GigabitEthernet0/7" >/dev/null 2>&1 && fail "aliases outlived their reload"
kill -0 "$TRIAGED_PID" || fail "triaged died"
pass "syslog and trap for one port: two incidents without aliases, one (count 2) with; trap resolves it; unknown hostname by sender; snmpTrapAddress.0 of a relay; reload applies and removes the map; -t warns about a host test on an alias"
