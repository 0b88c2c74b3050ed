#!/bin/sh
# A real rsyslogd (rsyslog-openssl's ossl driver, x509/name: it checks our
# certificate's name, we check its) forwards over TLS with RFC 5425
# octet-counted framing into a listener with `verify-peer required`: every
# line arrives and dedups into one incident.  Its second action, with a
# certificate from another CA, is refused and counted: none of its lines
# arrive.
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || fail "rsyslogd is not installed"
command -v openssl >/dev/null || fail "openssl is missing (tools/deps test)"
: "${FORWARD_LINES:=500}"
tls_ca ca
tls_ca other-ca
tls_cert ca server localhost
tls_cert ca relay relay.example.net
tls_cert other-ca stranger relay.example.net

conf_head
conf_tls 'ca "ca.pem"' 'verify-peer required' 'allowed-names "relay.example.net"'
cat >> "$CONF" <<CONF
rule "forwarded" {
	match syslog program ~ "^fw-" and message ~ "^hop (?<n>[0-9]+)$"
	key "{host}/{program}"
	summary "{program} via rsyslog over TLS"
}
CONF
start_triaged

RPORT=$(free_port)
cat > "$T/rsyslog.conf" <<RCONF
global(workDirectory="$T/rsyslog" defaultNetstreamDriver="ossl"
       defaultNetstreamDriverCAFile="$T/ca.pem"
       defaultNetstreamDriverCertFile="$T/relay.pem"
       defaultNetstreamDriverKeyFile="$T/relay.key")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$RPORT" rcvbufSize="8m")
if \$programname == 'fw-tls' then {
	action(type="omfwd" target="127.0.0.1" port="$TPORT" protocol="tcp"
	       StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="x509/name"
	       StreamDriverPermittedPeers="localhost"
	       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
if \$programname == 'fw-stranger' then {
	action(type="omfwd" target="127.0.0.1" port="$TPORT" protocol="tcp"
	       StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="anon"
	       StreamDriver.CAFile="$T/ca.pem" StreamDriver.CertFile="$T/stranger.pem"
	       StreamDriver.KeyFile="$T/stranger.key"
	       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
	       action.resumeRetryCount="2" action.resumeInterval="1")
}
RCONF
start_rsyslogd "$RPORT"

seq "$FORWARD_LINES" | sed 's/^/hop /' | logger -n 127.0.0.1 -P "$RPORT" -d -t fw-tls
wait_incidents "[i['count'] for i in j['incidents']] == [$FORWARD_LINES]" 30
seq 5 | sed 's/^/hop /' | logger -n 127.0.0.1 -P "$RPORT" -d -t fw-stranger
wait_tls tls_handshake_failures '>=' 1 20
sleep 1
ctl --json incidents | python3 -c '
import json, socket, sys
inc = json.load(sys.stdin)["incidents"]
keys = [(i["key"], i["count"]) for i in inc]
assert keys == [(socket.gethostname() + "/fw-tls", int(sys.argv[1]))], keys
' "$FORWARD_LINES" || fail "the stranger's lines arrived, or lines were lost"
grep -q "client certificate: \(unable to get local issuer certificate\|certificate verify failed\)" \
	"$T/triaged.log" || fail "the stranger's refusal is not logged: $(grep TLS "$T/triaged.log")"
pass "$FORWARD_LINES lines through rsyslog over TLS; a relay with another CA's certificate refused"
