#!/bin/sh
# triagectl replay: the raw-event log run through the running config and a
# new one in scratch stores.  Two daemons take the same syslog lines and
# traps live, one with each config; replaying the first one's log must give
# the incidents and pages each of them made live, and say what the new
# config changes (keys that vanish, pages saved), sending nothing.
. "$(dirname "$0")/lib.sh"

command -v snmptrap >/dev/null || { echo "skip $SCENARIO: no snmptrap (package snmp)"; exit 77; }
start_pd
SNMP_A=$(free_port)
rules() { # $1: extra statements for the ssh rule; $2: extra rules
	cat <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
}
rule "ssh" {
	match syslog program = "sshd" and message ~ "Failed password for (?<user>[a-z]+)"
	key "ssh/{user}"
	send "pd"
	$1
}
rule "disk" {
	match syslog message ~ "No space left on (?<dev>\\\\S+)"
	resolve-on syslog message ~ "space freed on (?<dev>\\\\S+)"
	key "disk/{dev}"
	send "pd"
}
$2
rule "link" {
	match trap 1.3.6.1.6.3.1.1.5.3
	key "{host}/if/{var.1.3.6.1.2.1.2.2.1.1}"
	send "pd"
}
CONF
}
conf_head
echo "listen snmp udp 127.0.0.1:$SNMP_A" >> "$CONF"
echo 'snmp { community "public" from 127.0.0.0/8 }' >> "$CONF"
rules "" "" >> "$CONF"
start_triaged

# The second daemon: the new config, its own state, ports and socket.
B=$T/b
mkdir -p "$B"
PORT_B=$(free_port)
SNMP_B=$(free_port)
cat > "$T/new.conf" <<CONF
state-dir "$B/state"
control-socket "$B/control.sock"
hostname "it-host"
listen syslog udp 127.0.0.1:$PORT_B
listen snmp udp 127.0.0.1:$SNMP_B
snmp { community "public" from 127.0.0.0/8 }
CONF
rules "threshold 3 in 1m" 'rule "cron" {
	match syslog program = "CRON"
	drop
}' >> "$T/new.conf"
"$TRIAGED" -d -c "$T/new.conf" >>"$T/b.log" 2>&1 &
B_PID=$!
i=0
until "$TRIAGECTL" -s "$B/control.sock" status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the second triaged did not start"; sleep 0.1
done
ctlb() { "$TRIAGECTL" -s "$B/control.sock" "$@"; }

send() { # $1 program, $2 message: to both daemons
	for p in "$PORT" "$PORT_B"; do
		logger --rfc3164 -n 127.0.0.1 -P "$p" -d -t "$1" -p auth.err "$2" || fail "logger failed"
	done
}
send sshd "Failed password for alice from 192.0.2.1 port 22"
send sshd "Failed password for bob from 192.0.2.2 port 22"
send sshd "Failed password for bob from 192.0.2.2 port 23"
send sshd "Failed password for bob from 192.0.2.2 port 24"
send CRON "(root) CMD (run-parts /etc/cron.hourly)"
send CRON "(root) CMD (run-parts /etc/cron.hourly)"
send kernel "write failed: No space left on sda1"
send kernel "space freed on sda1"
# A sender's hostile bytes (ESC, Latin-1, a C1 control) in a key, sent raw.
python3 - "$PORT" "$PORT_B" <<'PY' || fail "the raw line was not sent"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in sys.argv[1:]:
    s.sendto(b"<11>Dec  4 10:00:00 sw9 kernel: No space left on sd\x1b[2J\xe9\xc2\x9b", ("127.0.0.1", int(p)))
PY
for p in "$SNMP_A" "$SNMP_B"; do
	for i in 3 4; do
		snmptrap -v 2c -c public "127.0.0.1:$p" '' .1.3.6.1.6.3.1.1.5.3 \
			.1.3.6.1.2.1.2.2.1.1.$i i $i >/dev/null 2>&1 || fail "snmptrap failed"
	done
done
wait_status "j['events']['received'] == 11"
i=0
until [ "$(ctlb --json status | json "j['events']['received']")" = 11 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the second daemon did not get every event"; sleep 0.1
done

ctl --json incidents --state all > "$T/inc_a.json"
ctlb --json incidents --state all > "$T/inc_b.json"

i=0
until [ "$(pd GET /_requests | json "len(j['requests'] if isinstance(j, dict) else j)")" -eq 13 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the daemons' deliveries did not all arrive"; sleep 0.1
done
"$TRIAGECTL" -c "$CONF" --json replay --since 1h > "$T/r1.json" || fail "replay failed: $(cat "$T/r1.json")"
"$TRIAGECTL" -c "$CONF" --json replay --since 1h --config "$T/new.conf" > "$T/r2.json" ||
	fail "replay --config failed"
"$TRIAGECTL" -c "$CONF" replay --since 1h --config "$T/new.conf" > "$T/r2.txt" || fail "replay (table) failed"
python3 - "$T" <<'PY' || fail "replay does not agree with what the daemons did live"
import json, sys
t = sys.argv[1]
r1 = json.load(open(t + "/r1.json")); r2 = json.load(open(t + "/r2.json"))
a = json.load(open(t + "/inc_a.json"))["incidents"]; b = json.load(open(t + "/inc_b.json"))["incidents"]
def paged(incs):  # every rule sends: an incident that ever triggered paged
    return sum(1 for i in incs if i["state"] != "pending" and i["state"] != "expired")
assert r1["events"] == 11, r1
assert r1["current"]["incidents"] == len(a), (r1["current"], len(a))
assert r1["current"]["pages"] == paged(a), (r1["current"], paged(a))
assert r2["current"] == r1["current"], (r2["current"], r1["current"])
assert r2["new"]["incidents"] == len(b), (r2["new"], len(b))
assert r2["new"]["pages"] == paged(b), (r2["new"], paged(b))
# alice's one failure stays pending under "threshold 3": no page for her.
ch = {c["key"]: c for c in r2["changed"]}
assert ch["ssh/alice"]["pages_before"] == 1 and ch["ssh/alice"]["pages_after"] == 0, ch
assert r2["new"]["dropped"] == 2 and r2["current"]["dropped"] == 2, r2
assert r2["new"]["noise_reduction"] > r2["current"]["noise_reduction"], r2
# The hostile key is listed as the daemon made it live, repaired at ingest.
hk = [i["key"] for i in a if i["key"].startswith("disk/sd") and i["key"] != "disk/sda1"]
assert len(hk) == 1 and "\x1b" not in hk[0], hk
assert hk[0] in [k["key"] for k in r1["paged"]], (hk, r1["paged"])
PY
python3 - "$T/r2.txt" "$T/r2.json" <<'PY' || fail "raw control bytes reached replay's output"
import sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    bad = [c for c in b if (c < 0x20 and c != 0x0a) or c == 0x7f]
    assert not bad, (p, bad[:5])
    assert "\x9b" not in b.decode("utf-8"), p
PY
grep -q "replayed 11 events of the last 1h" "$T/r2.txt" || fail "table: $(cat "$T/r2.txt")"
grep -q "ssh/alice  (rule ssh): 1 pages -> 0" "$T/r2.txt" || fail "table: $(cat "$T/r2.txt")"
# Nothing was sent by replay: the stand-in heard only the two daemons, A's six
# triggers and one resolve, B's five triggers (alice below threshold) and one resolve.
n=$(pd GET /_requests | json "len(j['requests'] if isinstance(j, dict) else j)")
[ "$n" -eq 13 ] || fail "the stand-in got $n requests, not the daemons' 13"
if "$TRIAGECTL" -c "$CONF" replay --since soon 2>"$T/err"; then fail "a bad --since was taken"; fi
sed "s/^/  /" "$T/r2.txt"
kill -TERM "$B_PID"; wait "$B_PID" || true
pass "replay: the current and a new config give the incidents and pages each made live"
