#!/bin/sh
# A real rsyslogd forwards to triaged over TCP, with octet-counted framing
# (RFC 5424 template) and with traditional LF framing (RFC 3164 template):
# every line arrives, parsed, and dedups into one incident per program.
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || fail "rsyslogd is not installed"
: "${FORWARD_LINES:=500}"
conf_head
cat >> "$CONF" <<'CONF'
rule "forwarded" {
	match syslog program ~ "^fw-" and message ~ "^hop (?<n>[0-9]+)$"
	key "{host}/{program}"
	summary "{program} via rsyslog"
}
CONF
start_triaged

RPORT=$(free_port)
cat > "$T/rsyslog.conf" <<RCONF
global(workDirectory="$T/rsyslog")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$RPORT" rcvbufSize="8m")
if \$programname == 'fw-octet' then {
	action(type="omfwd" target="127.0.0.1" port="$PORT" protocol="tcp"
	       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
if \$programname == 'fw-lf' then {
	action(type="omfwd" target="127.0.0.1" port="$PORT" protocol="tcp"
	       TCP_Framing="traditional" template="RSYSLOG_ForwardFormat")
}
RCONF
start_rsyslogd "$RPORT"

for tag in fw-octet fw-lf; do
	seq "$FORWARD_LINES" | sed 's/^/hop /' | logger -n 127.0.0.1 -P "$RPORT" -d -t "$tag"
done
wait_incidents "sorted(i['count'] for i in j['incidents']) == [$FORWARD_LINES, $FORWARD_LINES]" 30
ctl --json incidents | python3 -c '
import json, socket, sys
inc = json.load(sys.stdin)["incidents"]
keys = sorted(i["key"] for i in inc)
h = socket.gethostname()
assert keys == [h + "/fw-lf", h + "/fw-octet"], keys
'
ctl --json status | json "j['events']['malformed']" | grep -qx 0 || fail "malformed lines"
pass "$FORWARD_LINES lines each through rsyslog, octet-counted and LF"
