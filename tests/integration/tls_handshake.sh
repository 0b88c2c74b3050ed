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
conf_tls 'handshake-timeout 6s' 'max-connections 3'
start_triaged

# stall N [probe]: N connections that send the first bytes of a ClientHello
# and no more; with probe, one more right after them, which prints
# "refused" when the server closes it at once; then, per stalled
# connection, the seconds until the server closed it.
stall() {
	python3 - "$TPORT" "$@" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"  # a record header, cut short
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hello)
    socks.append((s, time.monotonic()))
if len(sys.argv) > 3:
    p = socket.create_connection(("127.0.0.1", port))
    p.settimeout(3)
    try:
        p.sendall(hello)
        print("refused" if p.recv(4096) == b"" else "answered", flush=True)
    except ConnectionResetError:
        print("refused", flush=True)
    except OSError as e:
        print("probe: %s" % e, flush=True)
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
wait_tls connections '==' 1 10
octet_frames tls-fast 20 | tls_send "$TPORT" -CAfile "$T/ca.pem" -verify_return_error
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-fast'] == [20]" 15
# The daemon logs in the order it acts: the frames came while the stalled client was open.
awk '/opened incident .*tls-fast/ && !f { f = NR } /no TLS handshake within/ && !t { t = NR }
	END { exit !(f && (!t || f < t)) }' "$T/triaged.log" \
	|| fail "the stalled handshake ended before another client got through"
wait "$(cat "$T/stall1.pid")"
rm -f "$T/stall1.pid"
secs=$(tail -n 1 "$T/stall1")
python3 -c "import sys; sys.exit(not 5.8 <= float('$secs') <= 10)" \
	|| fail "the stalled handshake was closed after ${secs}s, not 6s"
[ "$(tls_stat tls_handshake_timeouts)" = 1 ] || fail "the timeout is not counted"

# Three stalled handshakes fill max-connections 3: the next client is refused...
stall 3 probe > "$T/stall3" &
echo $! > "$T/stall3.pid"
wait_tls refused '==' 1 10
# ...until the stalled ones are timed out.
wait "$(cat "$T/stall3.pid")"
rm -f "$T/stall3.pid"
[ "$(head -n 1 "$T/stall3")" = refused ] || fail "the client over max-connections: $(head -n 1 "$T/stall3")"
[ "$(tls_stat tls_handshake_timeouts)" = 4 ] || fail "timeouts: $(tls_stat tls_handshake_timeouts), not 4"
octet_frames tls-late 5 | tls_send "$TPORT" -CAfile "$T/ca.pem"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-late'] == [5]" 15
ctl metrics | grep -q "^triaged_listener_tls_handshake_timeouts_total{listener=\"$TLS\"} 4\$" \
	|| fail "metrics lack the handshake timeouts"
grep -q "no TLS handshake within 6000 ms" "$T/triaged.log" || fail "the timeout is not logged"
pass "a stalled handshake blocks nobody and is closed after 6s; stalled ones count against max-connections"
