#!/bin/sh
# triaged -t warns (file:line: warning:, exit 0) about a rule an earlier one
# hides, an unused upstream and a config where nothing sends; -t -W fails on
# them; the daemon logs them once at start and at a reload, and runs anyway.
. "$(dirname "$0")/lib.sh"

echo "0123456789abcdef0123456789abcdef" > "$T/pd.key"
DEAD_PORT=$(free_port) # nothing listens: deliveries only queue
conf_head
cp "$CONF" "$T/head.conf"
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$DEAD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
}
upstream "spare" pagerduty { routing-key-file "$T/pd.key" }
rule "ssh" { match syslog program "sshd"; send "pd" }
rule "ssh-fail" {
	match syslog program "sshd" and message ~ "Failed"
	send "pd"
}
rule "noise" { match any; drop }
rule "cron" { match syslog program "cron" }
CONF
cp "$CONF" "$T/warn.conf"
line() { grep -n "$1" "$CONF" | head -n 1 | cut -d: -f1; }
cat > "$T/want" <<WANT
$CONF:$(line '"ssh-fail"'): warning: rule 'ssh-fail' never matches: rule 'ssh' (line $(line '"ssh"')) comes first and matches everything it matches
$CONF:$(line '"cron"'): warning: rule 'cron' is never reached: rule 'noise' (line $(line '"noise"')) drops every event
$CONF:$(line '"spare"'): warning: upstream 'spare' is unused: no rule sends to it, nor does default send
WANT

"$TRIAGED" -t -c "$CONF" >"$T/out" 2>"$T/err" || fail "-t failed on a config with only warnings"
diff -u "$T/want" "$T/err" >&2 || fail "-t warnings differ"
grep -q "^$CONF: configuration OK (4 rules, 3 listeners); state directory $T/state\$" "$T/out" ||
	fail "-t: $(cat "$T/out")"
if "$TRIAGED" -t -W -c "$CONF" >"$T/out" 2>"$T/err"; then fail "-t -W accepted warnings"; fi
grep -q "^$CONF: 3 warnings, treated as errors (-W)\$" "$T/err" || fail "-t -W: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "-t -W said OK: $(cat "$T/out")"
if "$TRIAGED" -W -c "$CONF" 2>"$T/err"; then fail "-W without -t was taken"; fi

# Upstreams but no rule that sends: one warning, at the first upstream.
cp "$T/head.conf" "$CONF"
cat >> "$CONF" <<CONF
rule "ssh" { match syslog program "sshd" }
upstream "pd" pagerduty { routing-key-file "$T/pd.key" }
upstream "b" pagerduty { routing-key-file "$T/pd.key" }
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>"$T/err" || fail "-t failed on a config that sends nowhere"
echo "$CONF:$(line '"pd"'): warning: no rule sends anywhere, so incidents stay on this host although upstream 'pd' is configured (add send to a rule, or default send)" > "$T/want"
diff -u "$T/want" "$T/err" >&2 || fail "-t warnings differ for a config that sends nowhere"

# A config without warnings passes -t -W silently.
cp "$T/head.conf" "$CONF"
cat >> "$CONF" <<CONF
upstream "pd" pagerduty { routing-key-file "$T/pd.key" }
rule "ssh-fail" { match syslog program "sshd" and message ~ "Failed"; send "pd" }
rule "ssh" { match syslog program "sshd" }
rule "rest" { match any; drop }
CONF
cp "$CONF" "$T/clean.conf"
"$TRIAGED" -t -W -c "$CONF" >/dev/null 2>"$T/err" || fail "-t -W refused a clean config: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "warnings for a clean config: $(cat "$T/err")"

# The daemon starts with warnings and logs each one once; a reload logs them again.
cp "$T/warn.conf" "$CONF"
start_triaged
logger -n 127.0.0.1 -P "$PORT" -d -t sshd "Accepted key"
wait_incidents "[i['rule'] for i in j['incidents']] == ['ssh']"
n=$(grep -c ": warning: " "$T/triaged.log") || true
[ "$n" = 3 ] || fail "start logged $n warnings, not 3: $(cat "$T/triaged.log")"
grep -qF "$CONF:$(line '"cron"'): warning: rule 'cron' is never reached: rule 'noise' (line $(line '"noise"')) drops every event" "$T/triaged.log" ||
	fail "start did not log the warning as -t says it"
cp "$T/clean.conf" "$CONF"
ctl reload >/dev/null || fail "reload of a clean config refused"
cp "$T/warn.conf" "$CONF"
ctl reload >/dev/null || fail "reload with warnings refused"
n=$(grep -c ": warning: " "$T/triaged.log") || true
[ "$n" = 6 ] || fail "after two reloads, $n warnings logged, not 6"
kill -0 "$TRIAGED_PID" || fail "triaged died"
pass "-t warns with file:line and exits 0; -t -W fails; start and reload log the warnings once"
