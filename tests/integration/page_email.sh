#!/bin/sh
# page_email.sh - escalation policies paging by e-mail through a real SMTP
# server (aiosmtpd): a logger line of a rule with page "P" mails whoever
# is on call at level 1 (the mail carries an ack link); nobody acks, so level 2 mails bob after its
# delay; an ack stops the levels; a resolve mails "resolved" to those
# paged; a kill -9 between level 1 and level 2 neither pages level 1 again
# nor forgets level 2; CR, LF, NUL and Latin-1 bytes in a syslog message
# add no header to the mail; a mailbox that refuses (carol's) is
# dead-lettered and holds up nobody else's page.
. "$(dirname "$0")/lib.sh"

start_smtp --refuse carol@example.com
L1_PORT=$(free_port)
HTTP_PORT=$(free_port)

conf_head
cat >> "$CONF" <<CONF
listen syslog udp 127.0.0.1:$L1_PORT { charset latin1 }
listen http 127.0.0.1:$HTTP_PORT
escalation-max 4
notifier email {
	server "smtp://127.0.0.1:$SMTP_PORT"
	from "triaged@it-host"
	starttls no
	backoff-initial 1s
	backoff-max 2s
}
contact "alice" { email "alice@example.com" }
contact "bob" { email "bob@example.com" }
contact "carol" { email "carol@example.com" }
schedule "primary" { tz UTC; layer "l" { members "alice" } }
policy "P" {
	level { notify schedule "primary", contact "carol"; escalate-after 3s }
	level { notify contact "bob" }
}
rule "disk" {
	match syslog message ~ "disk (?<dev>[a-z]+) full"
	resolve-on syslog message ~ "disk (?<dev>[a-z]+) ok"
	key "disk/{dev}"
	page "P"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null || fail "triaged -t refused the config"
start_triaged

# count ADDR RE: messages to ADDR whose decoded subject matches the regex RE.
count() {
	"$SMTP_PY" - "$MAIL" "$1" "$2" <<'PY'
import email, email.header, glob, re, sys
n = 0
for f in glob.glob(sys.argv[1] + "/*.eml"):
    rcpt = open(f[:-4] + ".rcpt").read().split()
    msg = email.message_from_bytes(open(f, "rb").read())
    subj = str(email.header.make_header(email.header.decode_header(msg["Subject"] or "")))
    n += sys.argv[2] in rcpt and re.search(sys.argv[3], subj) is not None
print(n)
PY
}

# wait_mail N ADDR RE [SECONDS]: at least N such messages (at most 10 s by default).
wait_mail() {
	limit=$(( ${4:-10} * 10 ))
	i=0
	until [ "$(count "$2" "$3")" -ge "$1" ]; do
		i=$((i + 1))
		[ $i -lt $limit ] || fail "timed out waiting for $1 mail(s) to $2 about $3 ($(ls "$MAIL"))"
		sleep 0.1
	done
}

expect_mail() {
	got=$(count "$2" "$3")
	[ "$got" -eq "$1" ] || fail "$got mail(s) to $2 about '$3', expected $1"
}

say() {
	logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t storage "$1"
}

# sda escalates; sdb is acked at once; a hostile line pages too.
say "disk sda full"
say "disk sdb full"
"$SMTP_PY" - "$L1_PORT" <<'PY'
import socket, sys
msg = b"<11>Dec  5 00:00:00 h app: disk sdz full\r\nBcc: evil@example.com\r\n\x00caf\xe9 \xff"
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(msg, ("127.0.0.1", int(sys.argv[1])))
PY
wait_mail 1 alice@example.com "PAGE: " 5
wait_mail 1 alice@example.com sdb 5
# sdb is acked from alice's mail: its ack link, the page's button (a POST).
"$SMTP_PY" - "$MAIL" <<'PY' || fail "the ack link in the mail about sdb did not ack it"
import email, email.header, glob, sys, urllib.request
for f in glob.glob(sys.argv[1] + "/*.eml"):
    msg = email.message_from_bytes(open(f, "rb").read())
    subj = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    if "sdb" not in subj:
        continue
    body = msg.get_payload(decode=True).decode()
    url = [l.split(": ", 1)[1] for l in body.splitlines() if l.startswith("Acknowledge: ")][0]
    assert url.startswith("http://127.0.0.1:"), url
    assert urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"),
                                  timeout=10).status == 200
    sys.exit(0)
sys.exit("no mail about sdb")
PY
ctl show disk/sdb | grep -q "acknowledged: by ack link" || fail "not acked by the link: $(ctl show disk/sdb)"
wait_mail 1 alice@example.com sdz 5

# The hostile one: the headers triaged writes and none other; every line ends in CRLF.
"$SMTP_PY" - "$MAIL" <<'PY' || fail "a hostile message broke the mail's headers"
import email, email.header, glob, sys
for f in glob.glob(sys.argv[1] + "/*.eml"):
    raw = open(f, "rb").read()
    msg = email.message_from_bytes(raw)
    subj = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    if "sdz" not in subj:
        continue
    head = raw.split(b"\r\n\r\n", 1)[0]
    bare = raw.replace(b"\r\n", b"")
    assert b"\x00" not in raw and b"\r" not in bare and b"\n" not in bare, "raw CR, LF or NUL"
    names = sorted(k for k in msg.keys())
    assert names == sorted(["Date", "Message-ID", "From", "To", "Subject", "MIME-Version",
                            "Content-Type", "Content-Transfer-Encoding"]), names
    assert msg["To"] == "alice@example.com" and msg["From"] == "triaged@it-host"
    assert b"=?UTF-8?B?" in head, "no encoded-word for the non-ASCII subject"
    assert "Bcc" in subj and "\r" not in subj and "\n" not in subj, subj
    assert "caf\u00e9" in msg.get_payload(decode=True).decode(), "Latin-1 not decoded"
    sys.exit(0)
sys.exit("no mail about sdz")
PY

# carol's mailbox refuses: her pages are dead-lettered, in a queue of their own.
ctl --json queue | json '[d["state"] for d in j["deliveries"] if d["upstream"] == "email/carol"]' |
	grep -q "'dead'" || fail "carol's refused page is not dead-lettered: $(ctl queue)"

# Level 2 for sda and sdz 3 s later; not for sdb, acked.
wait_mail 1 bob@example.com sda 6
wait_mail 1 bob@example.com sdz 2
sleep 0.5
expect_mail 0 bob@example.com sdb
ctl show disk/sdb | grep -q "escalation through policy P stopped: acknowledged" ||
	fail "show does not say the ack stopped the escalation"

# A resolve tells alice and bob, once each.
say "disk sda ok"
wait_mail 1 alice@example.com "RESOLVED: " 5
wait_mail 1 bob@example.com "RESOLVED: " 5
expect_mail 1 alice@example.com "PAGE: .*sda"
ctl show disk/sda | grep -q "paging bob (level 2 of policy P) by email" ||
	fail "show does not list level 2's page"

# kill -9 between level 1 and level 2, once level 1's delivery is committed.
say "disk sdc full"
wait_mail 1 alice@example.com sdc 5
wait_status 'j["outbox"]["pending"] == 0' 5
kill -9 "$TRIAGED_PID"
wait "$TRIAGED_PID" 2>/dev/null || true
TRIAGED_PID=
start_triaged
wait_mail 1 bob@example.com sdc 6
sleep 1
expect_mail 1 alice@example.com "PAGE: .*sdc"
expect_mail 1 bob@example.com "PAGE: .*sdc"
ctl --json status | json 'j["oncall"]["escalations"]["pages"] >= 1' | grep -q True ||
	fail "status does not count the pages"

# escalation-max 4: sdb (acked), sdz, sdc and sdd are under way; sde is refused, and says so.
say "disk sdd full"
wait_mail 1 alice@example.com "PAGE: .*sdd" 5
say "disk sde full"
wait_status 'j["oncall"]["escalations"]["refused"] == 1 and j["oncall"]["escalations"]["active"] == 4' 5
ctl status | grep -q "^  escalations: 4 under way (max 4), 1 refused, [0-9]* pages, 0 unsent$" ||
	fail "status says: $(ctl status | grep escalations)"
ctl show disk/sde | grep -q "not paged through policy P: escalation-max (4)" ||
	fail "show does not say why sde was not paged"
expect_mail 0 alice@example.com sde

# triagectl page: a contact at once, a policy through its levels, an incident of its own to
# ack; within escalation-max too (sdz and sdc resolved make room for two).
say "disk sdz ok"
say "disk sdc ok"
wait_status 'j["oncall"]["escalations"]["active"] == 2' 5
ctl page bob "db1 is on fire" > "$T/page.out"
grep -q "paging bob: incident page/" "$T/page.out" || fail "page said: $(cat "$T/page.out")"
wait_mail 1 bob@example.com "PAGE: db1 is on fire" 5
key=$(ctl --json page P "the \"P\" way" | json 'j["key"]')
wait_mail 1 alice@example.com 'PAGE: the "P" way' 5
ctl ack "$key" >/dev/null
ctl show "$key" | grep -q "opened by .* with triagectl page P" || fail "show $key: no opener"
# Every page accepted since this start is in the page latency histogram, in status and /metrics.
pages=$(ctl --json status | json "j['page_latency']['count']")
[ "$pages" -ge 2 ] || fail "page latency counts $pages pages"
m=$(ctl metrics | sed -n 's/^triaged_page_delivery_seconds_count //p')
[ "${m:-0}" -ge "$pages" ] || fail "metrics: $(ctl metrics | grep page_delivery)"
if ctl page nobody "x" 2>"$T/err"; then fail "paged nobody"; fi
grep -q "no policy or contact named 'nobody'" "$T/err" || fail "page nobody said: $(cat "$T/err")"
if ctl page bob "x" 2>"$T/err"; then fail "paged beyond escalation-max"; fi
grep -q "escalation-max (4) escalations are under way" "$T/err" ||
	fail "page at the limit said: $(cat "$T/err")"
pass "pages by mail, level 2 after its delay, ack stops, resolve tells, kill -9 resumes, escalation-max, a refusing mailbox holds up nobody"
