#!/bin/sh
# failover-after through the real daemon, the PagerDuty stand-in and a real
# SMTP server (aiosmtpd): while PagerDuty takes deliveries, a rule that
# sends and pages leaves the page to it; once PagerDuty has accepted
# nothing for failover-after, what waits for it is mailed to the on-call
# contact, and so is every new incident; when it is back, its queue drains
# and new incidents are left to it again.
. "$(dirname "$0")/lib.sh"

start_smtp

start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
failover-after 2s
notifier email {
	server "smtp://127.0.0.1:$SMTP_PORT"
	from "triaged@it-host"
	starttls no
}
contact "alice" { email "alice@example.com" }
policy "P" { level { notify contact "alice" } }
rule "svc" {
	match syslog message ~ "svc (?<n>[a-z]+) down"
	key "svc-{n}"
	send "pd"
	page "P"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null || fail "triaged -t refused the config"
start_triaged

# mails TEXT: how many mails to alice have TEXT in their subject.
mails() {
	"$SMTP_PY" - "$MAIL" "$1" <<'PY'
import email, email.header, glob, sys
n = 0
for f in glob.glob(sys.argv[1] + "/*.eml"):
    msg = email.message_from_bytes(open(f, "rb").read())
    subj = str(email.header.make_header(email.header.decode_header(msg["Subject"] or "")))
    n += msg["To"] == "alice@example.com" and sys.argv[2] in subj
print(n)
PY
}
wait_mail() {
	i=0
	until [ "$(mails "$1")" -ge 1 ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "no mail about '$1' ($(ls "$MAIL" 2>/dev/null))"; sleep 0.1
	done
}
say() { logger -n 127.0.0.1 -P "$PORT" -d -t app "$1"; }

# PagerDuty takes it: nobody is mailed.
say "svc a down"
wait_pd "s.get('svc-a', {}).get('triggers') == 1"
ctl --json show svc-a | json "[e['text'] for e in j['incident']['timeline']]" \
	| grep -qF "not paged through policy P: its upstreams take deliveries (failover-after 2s)" \
	|| fail "the timeline does not say why nobody was mailed: $(ctl show svc-a)"

# PagerDuty refuses: b waits for it, then is mailed once it has failed for 2 s.
pd POST /_faults '{"mode":"refuse","for_seconds":600}' >/dev/null
say "svc b down"
sleep 1
[ "$(mails "svc b down")" -eq 0 ] || fail "b was mailed before failover-after"
wait_mail "svc b down"
grep -q "failover: upstream pd has accepted nothing for 2s" "$T/triaged.log" || fail "failover not logged"
wait_status "j['failover']['upstreams'] == ['pd'] and j['failover']['caught_up'] == 1"

# In failover, a new incident is mailed at once.
say "svc c down"
wait_mail "svc c down"

# PagerDuty is back: its queue drains, and d is left to it again.
pd POST /_faults '{"mode":"normal"}' >/dev/null
wait_pd "all(s.get(k, {}).get('triggers') == 1 for k in ('svc-b', 'svc-c'))" 30
wait_status "j['failover']['upstreams'] == []"
say "svc d down"
wait_pd "s.get('svc-d', {}).get('triggers') == 1"
sleep 1
[ "$(mails "svc d down")" -eq 0 ] || fail "d was mailed although PagerDuty took it"
[ "$(mails "svc a down")" -eq 0 ] || fail "a was mailed although PagerDuty took it"
[ "$(mails "svc b down")" -eq 1 ] || fail "b mailed $(mails "svc b down") times"
grep -q "failover: upstream pd takes deliveries again" "$T/triaged.log" || fail "the return not logged"
# a, b (before the 2 s were up) and d were left to PagerDuty; b was caught up.
wait_status "j['failover']['left_to_upstream'] == 3 and j['failover']['caught_up'] == 1"

printf 'failover-after 0s\n' > "$T/bad.conf"
"$TRIAGED" -t -c "$T/bad.conf" 2>"$T/err" && fail "triaged -t accepted failover-after 0s"
grep -q "bad.conf:1: failover-after must be at least 1s" "$T/err" || fail "unclear error: $(cat "$T/err")"
pass "left to PagerDuty while it answers; mailed once it has failed for failover-after; left to it again on its return"
