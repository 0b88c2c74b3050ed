#!/bin/sh
# Pages by e-mail over TLS, against a real SMTP server (aiosmtpd) with a
# throwaway CA: STARTTLS required and AUTH, implicit TLS (smtps://); and
# what must not happen: a page sent in the clear to a server without
# STARTTLS when it is required, to a server whose certificate is not
# trusted, or with a password the server refuses (held, said in the queue).
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is not installed"
# A CA, and a certificate for 127.0.0.1 it signs.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=triaged test CA" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1 || fail "openssl: the CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/srv.key" \
	-out "$T/srv.csr" >/dev/null 2>&1 || fail "openssl: the request"
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/san.ext" -out "$T/srv.pem" >/dev/null 2>&1 || fail "openssl: signing"
printf 'pager:s3cret\n' > "$T/good.cred"
printf 'pager:wrong\n' > "$T/bad.cred"
chmod 600 "$T/good.cred" "$T/bad.cred"

# smtp_server ARGS...: a fresh SMTP server (the last one stopped, its mail gone).
smtp_server() {
	[ -f "$T/smtp.pid" ] && kill "$(cat "$T/smtp.pid")" 2>/dev/null || true
	rm -rf "$T/smtp.port" "$T/smtp.pid" "$T/mail"
	start_smtp "$@"
}

# run CASE URL STARTTLS CRED CAFILE: a fresh triaged (its own state) pages alice once.
run() {
	[ -n "$TRIAGED_PID" ] && stop_triaged
	conf_head
	sed -i "s|^state-dir .*|state-dir \"$T/state-$1\"|" "$CONF"
	cat >> "$CONF" <<CONF
notifier email {
	server "$2"
	from "triaged@it-host"
	starttls $3
	credentials-file "$4"
	${5:+ca-file "$5"}
	backoff-initial 1s
	backoff-max 2s
}
contact "alice" { email "alice@example.com" }
CONF
	start_triaged
	ctl page alice "disk $1 is failing" >/dev/null || fail "$1: page failed"
}

mails() { ls "$MAIL"/*.eml 2>/dev/null | wc -l; }
wait_mail() { # CASE: one mail came, with what it came over in $T/info
	i=0
	until [ "$(mails)" -ge 1 ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "$1: no mail: $(ctl queue)"; sleep 0.1
	done
	grep -q "disk $1 is failing" "$MAIL"/*.eml || fail "$1: another mail: $(cat "$MAIL"/*.eml)"
	cat "$MAIL"/*.info
}
# CASE WHAT: the page is still queued, with an error matching WHAT, and no mail came.
not_sent() {
	i=0
	until ctl --json queue | json "[d['last_error'] or '' for d in j['deliveries']]" |
		grep -qi "$2"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "$1: no error like '$2': $(ctl --json queue)"
		sleep 0.1
	done
	[ "$(mails)" -eq 0 ] || fail "$1: a mail was sent: $(cat "$MAIL"/*.eml)"
}

# STARTTLS required, AUTH over it.
smtp_server --cert "$T/srv.pem" --key "$T/srv.key" --login pager:s3cret
run starttls "smtp://127.0.0.1:$SMTP_PORT" required "$T/good.cred" "$T/ca.pem"
[ "$(wait_mail starttls)" = "tls=1 user=pager" ] || fail "starttls: came as $(cat "$MAIL"/*.info)"

# smtps://: TLS from the first byte.
smtp_server --cert "$T/srv.pem" --key "$T/srv.key" --implicit-tls --login pager:s3cret
run smtps "smtps://127.0.0.1:$SMTP_PORT" required "$T/good.cred" "$T/ca.pem"
[ "$(wait_mail smtps)" = "tls=1 user=pager" ] || fail "smtps: came as $(cat "$MAIL"/*.info)"

# The wrong password: 535, held (our credentials), nothing sent.
smtp_server --cert "$T/srv.pem" --key "$T/srv.key" --login pager:s3cret
run badpass "smtp://127.0.0.1:$SMTP_PORT" required "$T/bad.cred" "$T/ca.pem"
not_sent badpass 535
[ "$(ctl --json queue | json "j['stats']['held_alarms']")" -ge 1 ] ||
	fail "badpass: not held: $(ctl --json queue)"
grep -q "ALARM outbox: email/alice refuses our credentials" "$T/triaged.log" ||
	fail "badpass: no alarm in the log"
! grep -q "wrong" "$T/triaged.log" || fail "the password reached the log"

# A certificate signed by no CA triaged trusts: nothing goes out.
smtp_server --cert "$T/srv.pem" --key "$T/srv.key" --login pager:s3cret
run untrusted "smtp://127.0.0.1:$SMTP_PORT" required "$T/good.cred" ""
not_sent untrusted "certificate\|SSL\|TLS"

# STARTTLS required from a server that offers none: no page in the clear.
smtp_server
run cleartext "smtp://127.0.0.1:$SMTP_PORT" required "$T/good.cred" "$T/ca.pem"
not_sent cleartext "TLS\|SSL\|STARTTLS"
pass "mail over STARTTLS and smtps with AUTH; wrong password held, untrusted certificate and a server without STARTTLS sent nothing"
