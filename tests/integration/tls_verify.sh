#!/bin/sh
# Syslog over TLS (RFC 5425) with `verify-peer required` and allowed-names:
# openssl s_client with a certificate from the listener's CA and an allowed
# name gets octet-counted frames through as incidents; a client without a
# certificate, one whose name is not allowed and one from another CA are
# refused and counted in status and metrics, and nothing of theirs
# arrives.  Hostile bytes over TLS go through the same parser as TCP's and
# reach no output raw; a broken octet count closes only that connection;
# plain text sent to the TLS port is a handshake failure; a port check
# (connect, close without a byte) is none, and is not logged.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is missing (tools/deps test)"
tls_ca ca
tls_ca other-ca
tls_cert ca server localhost
tls_cert ca good client.example.net
tls_cert ca rogue rogue.example.net
tls_cert other-ca stranger client.example.net

conf_head
conf_tls 'ca "ca.pem"' 'verify-peer required' 'allowed-names "client.example.net" "relay.example.net"'
start_triaged

octet_frames tls-good 50 | tls_send "$TPORT" -CAfile "$T/ca.pem" -verify_return_error \
	-cert "$T/good.pem" -key "$T/good.key"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-good'] == [50]"

octet_frames tls-nocert 5 | tls_send "$TPORT" -CAfile "$T/ca.pem"
wait_tls tls_handshake_failures == 1
octet_frames tls-rogue 5 | tls_send "$TPORT" -CAfile "$T/ca.pem" -cert "$T/rogue.pem" -key "$T/rogue.key"
wait_tls tls_handshake_failures == 2
octet_frames tls-stranger 5 | tls_send "$TPORT" -CAfile "$T/ca.pem" \
	-cert "$T/stranger.pem" -key "$T/stranger.key"
wait_tls tls_handshake_failures == 3
grep -q "failed: peer did not return a certificate" "$T/triaged.log" \
	|| fail "the refusal of a client without a certificate is not logged"
[ "$(tls_stat received)" = 50 ] || fail "refused clients' frames were received: $(tls_stat received)"

# Hostile bytes, as over TCP: escaped at ingest, raw in no output.
python3 - <<'PY' > "$T/hostile"
m = b"<11>1 - it-host tls-hx - - - caf\xe9 \x1b[31mred\r\nFORGED \x00 nul \x7f \xc2\x9b"
import sys; sys.stdout.buffer.write(str(len(m)).encode() + b" " + m)
PY
tls_send "$TPORT" -CAfile "$T/ca.pem" -cert "$T/good.pem" -key "$T/good.key" < "$T/hostile"
wait_incidents "any(i['key'] == 'tls-hx' for i in j['incidents'])"
ctl --json incidents > "$T/inc.json"
ctl incidents > "$T/inc.txt"
json "[i['summary'] for i in j['incidents'] if i['key'] == 'tls-hx'][0]" < "$T/inc.json" > "$T/sum"
grep -q 'red' "$T/sum" || fail "the hostile summary lost its text: $(cat "$T/sum")"
for f in "$T/inc.json" "$T/inc.txt" "$T/sum" "$T/triaged.log"; do
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$f"; then
		fail "a raw control byte in $(basename "$f")"
	fi
done

# A broken octet count closes that connection only; bytes that are not TLS fail the handshake.
printf '12x <13>1 - it-host tls-bad - - - x' | tls_send "$TPORT" -CAfile "$T/ca.pem" \
	-cert "$T/good.pem" -key "$T/good.key"
wait_tls bad_frames == 1
printf '<13>plain text on the tls port\n' | python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.settimeout(5)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
' "$TPORT"
wait_tls tls_handshake_failures == 4
[ "$(tls_stat connections)" = 0 ] || fail "connections left open: $(tls_stat connections)"

ctl status > "$T/status"
grep -q "^LISTENER  *TLS_HANDSHAKE_FAILURES  *TLS_HANDSHAKE_TIMEOUTS\$" "$T/status" \
	&& grep -Eq "^syslog/tls/.* +4 +0\$" "$T/status" || fail "status: $(cat "$T/status")"
ctl metrics > "$T/metrics"
# The Python client's parser (Debian's python3-prometheus-client) agrees.
/usr/bin/python3 - "$T/metrics" "$TLS" <<'PY' || fail "metrics: $(grep tls_handshake "$T/metrics")"
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
def value(fam):
    return [s.value for s in fams[fam].samples if s.labels.get("listener") == sys.argv[2]]
assert fams["triaged_listener_tls_handshake_failures"].type == "counter"
assert value("triaged_listener_tls_handshake_failures") == [4], value("triaged_listener_tls_handshake_failures")
assert value("triaged_listener_tls_handshake_timeouts") == [0]
PY
octet_frames tls-good 1 | tls_send "$TPORT" -CAfile "$T/ca.pem" -cert "$T/good.pem" -key "$T/good.key"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-good'] == [51]"

# A monitor's port checks (connect, close at once) are no handshake
# failures (neither counted nor logged: one path); a sender after them is
# served as before.
python3 -c '
import socket, sys
for _ in range(5):
    socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()
' "$TPORT"
octet_frames tls-good 1 | tls_send "$TPORT" -CAfile "$T/ca.pem" -cert "$T/good.pem" -key "$T/good.key"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-good'] == [52]"
wait_tls connections == 0
[ "$(tls_stat tls_handshake_failures)" = 4 ] ||
	fail "port checks counted as failures: $(tls_stat tls_handshake_failures)"
pass "allowed client through, no-cert, other-name and other-CA clients refused and counted"
