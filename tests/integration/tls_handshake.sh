#!/bin/sh
# TLS handshakes run on the event loop, not a thread per connection: a
# client that opens a TLS connection and stalls in its handshake holds up
# nobody (another client's frames arrive meanwhile) and is closed after
# handshake-timeout, counted in status and metrics.  Stalled handshakes
# count against max-connections like any connection: while they fill it
# new connections are refused, and once they are timed out clients get
# through again.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is missing (tools/deps test)"
tls_ca ca
tls_cert ca server localhost

conf_head
conf_tls 'handshake-timeout 4s' 'max-connections 3'
start_triaged

# stall N: N connections that send the first bytes of a ClientHello and
# no more; prints, per connection, the seconds until the server closed it.
stall() {
	python3 - "$TPORT" "$1" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a record header, cut short
    socks.append((s, time.monotonic()))
print("open", flush=True)
for s, t0 in socks:
    s.settimeout(15)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    print("%.1f" % (time.monotonic() - t0), flush=True)
PY
}

stall 1 > "$T/stall1" &
echo $! > "$T/stall1.pid"
wait_tls connections '==' 1 5
octet_frames tls-fast 20 | tls_send "$TPORT" -CAfile "$T/ca.pem" -verify_return_error
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-fast'] == [20]" 5
[ "$(tls_stat tls_handshake_timeouts)" = 0 ] || fail "the stalled handshake ended before another client got through"
wait "$(cat "$T/stall1.pid")"
rm -f "$T/stall1.pid"
secs=$(tail -n 1 "$T/stall1")
python3 -c "import sys; sys.exit(not 3.8 <= float('$secs') <= 7)" \
	|| fail "the stalled handshake was closed after ${secs}s, not 4s"
[ "$(tls_stat tls_handshake_timeouts)" = 1 ] || fail "the timeout is not counted"

# Three stalled handshakes fill max-connections 3: the next client is refused...
stall 3 > "$T/stall3" &
echo $! > "$T/stall3.pid"
wait_tls connections '==' 3 5
octet_frames tls-late 5 | tls_send "$TPORT" -CAfile "$T/ca.pem"
wait_tls refused '>=' 1 5
[ "$(tls_stat received)" = 20 ] || fail "a client over max-connections got frames through"
# ...until the stalled ones are timed out.
wait "$(cat "$T/stall3.pid")"
rm -f "$T/stall3.pid"
[ "$(tls_stat tls_handshake_timeouts)" = 4 ] || fail "timeouts: $(tls_stat tls_handshake_timeouts), not 4"
octet_frames tls-late 5 | tls_send "$TPORT" -CAfile "$T/ca.pem"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-late'] == [5]" 5
ctl metrics | grep -q "^triaged_listener_tls_handshake_timeouts_total{listener=\"$TLS\"} 4\$" \
	|| fail "metrics lack the handshake timeouts"
grep -q "no TLS handshake within 4000 ms" "$T/triaged.log" || fail "the timeout is not logged"
pass "a stalled handshake blocks nobody and is closed after 4s; stalled ones count against max-connections"
