#!/bin/sh
# The TLS listener's certificate and key are read again on SIGHUP: after a
# new pair is written in place the next client sees the new certificate's
# fingerprint, on the same listener, with the connection that was open
# across the reload still delivering.  A broken certificate at a reload is
# refused with file:line in the log and status, and the running one stays.
# Status and metrics say when the certificate served expires.
# `triaged -t` fails with file:line when the files cannot be read or the
# key does not match the certificate.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is missing (tools/deps test)"
tls_ca ca
tls_cert ca one localhost
tls_cert ca two localhost 30
cp "$T/one.pem" "$T/server.pem"
cp "$T/one.key" "$T/server.key"

conf_head
conf_tls
tls_line=$(grep -n "listen syslog tls" "$CONF" | cut -d: -f1)

# -t: unreadable files and a key that is not the certificate's, at the listener's line.
fingerprint() {
	openssl x509 -noout -fingerprint -sha256 -in "$1" | cut -d= -f2
}
# The certificate's notAfter as status and metrics give it, and as openssl reads it.
expiry_status() {
	tls_stat tls_certificate_not_after
}
expiry_metric() {
	ctl metrics | awk -v l="$TLS" \
		'$1 == "triaged_listener_tls_certificate_expiry_timestamp_seconds{listener=\"" l "\"}" { print $2 }'
}
not_after() {
	date -u -d "$(openssl x509 -noout -enddate -in "$1" | cut -d= -f2)" +%s
}
expiry_is() {
	[ "$(expiry_metric)" = "$(not_after "$1")" ] \
		&& [ "$(date -u -d "$(expiry_status)" +%s)" = "$(not_after "$1")" ] \
		|| fail "expiry: status $(expiry_status), metric $(expiry_metric), $1 $(not_after "$1")"
}
served() {
	timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" </dev/null 2>/dev/null \
		| openssl x509 -noout -fingerprint -sha256 | cut -d= -f2
}
sed "s|\"server.key\"|\"missing.key\"|" "$CONF" > "$T/bad1.conf"
if "$TRIAGED" -t -c "$T/bad1.conf" 2>"$T/err"; then fail "-t accepted a missing key"; fi
grep -q "bad1.conf:$tls_line: cannot read key $T/missing.key: No such file" "$T/err" \
	|| fail "-t with a missing key: $(cat "$T/err")"
sed "s|\"server.key\"|\"two.key\"|" "$CONF" > "$T/bad2.conf"
if "$TRIAGED" -t -c "$T/bad2.conf" 2>"$T/err"; then fail "-t accepted a key of another certificate"; fi
grep -q "bad2.conf:$tls_line: key $T/two.key does not match certificate $T/server.pem" "$T/err" \
	|| fail "-t with a mismatched key: $(cat "$T/err")"
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "-t refused the good config"

start_triaged
[ "$(served)" = "$(fingerprint "$T/one.pem")" ] || fail "the first certificate is not served"
expiry_is "$T/one.pem"

# A connection open across the reload; then the new pair, in place.
{
	octet_frames tls-held 1
	i=0
	until [ -e "$T/reloaded" ] || [ $i -ge 300 ]; do i=$((i + 1)); sleep 0.1; done
	octet_frames tls-held 1
} | tls_send "$TPORT" &
echo $! > "$T/held.pid"
wait_incidents "any(i['key'] == 'tls-held' for i in j['incidents'])" 5
cp "$T/two.pem" "$T/server.pem"
cp "$T/two.key" "$T/server.key"
kill -HUP "$TRIAGED_PID"
wait_status "j['reloads'] == 1"
touch "$T/reloaded"
[ "$(served)" = "$(fingerprint "$T/two.pem")" ] || fail "the new certificate is not served after SIGHUP"
expiry_is "$T/two.pem"
grep -q "certificate and key reloaded from $T/server.pem" "$T/triaged.log" || fail "the reload is not logged"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-held'] == [2]" 10

# A broken certificate: refused, the running one stays.
echo "not a certificate" > "$T/server.pem"
kill -HUP "$TRIAGED_PID"
wait_status "j['reload_failures'] == 1"
ctl --json status | json "j['last_reload_error']" \
	| grep -q "$CONF:$tls_line: cannot load certificate $T/server.pem" \
	|| fail "status does not say why: $(ctl --json status | json "j['last_reload_error']")"
grep -q "reload refused.*$CONF:$tls_line: cannot load certificate" "$T/triaged.log" \
	|| fail "the log does not say why the reload was refused"
[ "$(served)" = "$(fingerprint "$T/two.pem")" ] || fail "the running certificate was not kept"
expiry_is "$T/two.pem"
octet_frames tls-after 3 | tls_send "$TPORT"
wait_incidents "[i['count'] for i in j['incidents'] if i['key'] == 'tls-after'] == [3]" 5
pass "SIGHUP serves the new certificate, keeps open connections; a broken one is refused with file:line"
