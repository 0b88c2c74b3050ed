#!/bin/sh
# Incidents pruned by retention while their trigger and resolve still wait
# for an unreachable upstream are delivered all the same, in order, and
# their delivery notes have nowhere to go without harm (the upstream asks
# for the resolves of undelivered triggers: send-resolved-undelivered yes).
. "$(dirname "$0")/lib.sh"

: "${N:=10}"
# Refused until the pruning has been seen, however slow the machine.
start_pd --fault '{"mode":"refuse","for_seconds":600}'
conf_head
cat >> "$CONF" <<CONF
retention { max-age 1s }
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 500ms
	backoff-max 2s
	rate-limit off
	send-resolved-undelivered yes
}
rule "svc" {
	match syslog message ~ "service (?<n>[0-9]+) down"
	resolve-on syslog message ~ "service (?<n>[0-9]+) up"
	key "svc-{n}"
	send "pd"
}
CONF
start_triaged
python3 - "$PORT" "$N" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
t = socket.create_connection(("127.0.0.1", port))
for what in (b"down", b"up"):
    for i in range(n):
        t.sendall(b"<11>Nov 26 09:00:00 h app: service %d %s\n" % (i, what))
t.close()
PY
wait_status "j['store']['pruned'] == $N and j['store']['resolved_incidents'] == 0" 10
ctl --json queue | json "len(j['deliveries'])" | grep -qx $((2 * N)) \
	|| fail "deliveries were lost with their incidents: $(ctl queue)"
pd POST /_faults '{"mode":"normal"}' >/dev/null
wait_pd "len([k for k in s if k.startswith('svc-') and s[k]['triggers'] >= 1 and s[k]['resolves'] >= 1]) == $N" 30
ctl --json queue | json "len([d for d in j['deliveries'] if d['state'] == 'dead'])" | grep -qx 0 \
	|| fail "a delivery of a pruned incident went dead"
ctl status >/dev/null || fail "triagectl status failed"
pass "$N pruned incidents delivered after the upstream came back"
