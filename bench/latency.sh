#!/bin/sh
# latency.sh - from a triggering packet leaving the sender to its PagerDuty
# request arriving at the stand-in: distinct matching lines at a steady
# rate, each opening an incident that triaged commits and then sends.
# Usage: bench/latency.sh [COUNT] [RATE]   (defaults 2000 lines at 200/s)
# Needs the built triaged/triagectl (TRIAGED, TRIAGECTL, default ./).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TRIAGED=${TRIAGED:-$top/triaged}
TRIAGECTL=${TRIAGECTL:-$top/triagectl}
count=${1:-2000}
rate=${2:-200}
T=$(mktemp -d /tmp/triaged-lat.XXXXXX)
trap 'kill $(cat "$T"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$T"' EXIT

python3 "$top/tests/standins/pagerduty.py" --port 0 --control-port 0 --port-file "$T/ports" \
	--pidfile "$T/pd.pid" --max-records 1000000 --max-keys 1000000 >"$T/pd.log" 2>&1 &
i=0; until [ -f "$T/ports" ] && [ "$(wc -l < "$T/ports")" -ge 2 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "stand-in did not start"; exit 1; }; sleep 0.1; done
pd=$(sed -n 1p "$T/ports"); ctl=$(sed -n 2p "$T/ports")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo 0123456789abcdef0123456789abcdef > "$T/pd.key"
cat > "$T/triaged.conf" <<CONF
state-dir "$T/state"
control-socket "$T/ctl.sock"
listen syslog udp 127.0.0.1:$port
upstream "pd" pagerduty {
	url "http://127.0.0.1:$pd/v2/enqueue"
	routing-key-file "$T/pd.key"
	rate-limit off
}
rule "lat" {
	match syslog message ~ "^probe (?<n>[0-9]+)"
	key "probe-{n}"
	send "pd"
}
CONF
"$TRIAGED" -c "$T/triaged.conf" 2>"$T/triaged.log" &
echo $! > "$T/triaged.pid"
i=0; until "$TRIAGECTL" -s "$T/ctl.sock" status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "triaged did not start"; exit 1; }; sleep 0.1; done

python3 - "$port" "$ctl" "$count" "$rate" <<'PY'
import json, socket, sys, time, urllib.request
port, ctl, n, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = {}
start = time.time()
for i in range(n):
    due = start + i / rate
    while time.time() < due:
        time.sleep(max(0, min(0.001, due - time.time())))
    sent["probe-%d" % i] = time.time()
    u.sendto(b"<11>Nov 26 09:00:00 h app: probe %d" % i, ("127.0.0.1", port))
deadline = time.time() + 30
got = {}
while time.time() < deadline and len(got) < n:
    time.sleep(0.5)
    reqs = json.load(urllib.request.urlopen("http://127.0.0.1:%s/_requests" % ctl, timeout=10))
    reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
    for r in reqs:
        b = r.get("body")
        if isinstance(b, dict) and b.get("dedup_key") in sent and b["dedup_key"] not in got:
            got[b["dedup_key"]] = r["t"]
lat = sorted((got[k] - sent[k]) * 1000 for k in got)
def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))]
print("delivery latency, %d of %d incidents at %.0f/s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (len(lat), n, rate, pct(0.5), pct(0.9), pct(0.99), lat[-1]))
PY
