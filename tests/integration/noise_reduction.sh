#!/bin/sh
# The worked example of the README, end to end: half an hour of a small
# site (tests/scenarios/noisy_site.py: cron and login chatter, ssh
# scanners, firewall blocks, links that blip; a failing RAID member, a
# flapping port, a link down for good, the OOM killer, a filling disk) sent
# 30 times faster by syslog and SNMP into triaged with
# etc/examples/noisy-site.conf, its durations divided by 30 too.  One page
# per real problem, and at least 95% of the noise pages no one.
. "$(dirname "$0")/lib.sh"

SPEED=30
start_pd
conf_head
conf_snmp
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
}
default drop
CONF
# The example's rules, each duration divided by SPEED (30s -> 1s, 10m -> 20s).
python3 - "$TOP_SRCDIR/etc/examples/noisy-site.conf" "$SPEED" >> "$CONF" <<'PY' || fail "cannot scale the example"
import re, sys
units = {"s": 1, "m": 60, "h": 3600}
def scale(m):
    secs = int(m.group(2)) * units[m.group(3)] / float(sys.argv[2])
    return "%dms" % round(secs * 1000)
text = open(sys.argv[1]).read().split("# --- rules (the test takes what follows) ---")[1]
print(re.sub(r'\b(hold|in|quiet|auto-resolve) (\d+)([smh])\b',
             lambda m: m.group(1) + " " + scale(m), text))
PY
start_triaged
python3 "$TOP_SRCDIR/tests/scenarios/noisy_site.py" send --syslog-port "$PORT" \
	--snmp-port "$SNMP_PORT" --speed "$SPEED" > "$T/sent.json" || fail "the sender failed"
sleep 2 # the last holds end and quiet periods pass (scaled)
pd GET /_requests > "$T/requests.json"
python3 "$TOP_SRCDIR/tests/scenarios/noisy_site.py" score --requests "$T/requests.json" \
	--sent "$T/sent.json" > "$T/score.json" || fail "noise reduction: $(cat "$T/score.json")"
cat "$T/score.json"
pass "noisy site: one page per real problem, $(json "j['noise_quiet_pct']" < "$T/score.json")% of noise quiet"
