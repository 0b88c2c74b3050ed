#!/bin/sh
# The real logger(1) over UDP, TCP (octet counting and LF framing) and the
# unix socket, in RFC 3164 and RFC 5424, each becomes its own incident with
# the host, program and message it was sent with.
. "$(dirname "$0")/lib.sh"

conf_head
echo "listen syslog udp [::1]:$PORT" >> "$CONF"
cat >> "$CONF" <<'CONF'
rule "demo" {
	match syslog program "it-demo"
	key "{host}/{message}"
	summary "{host} {program}: {message}"
}
default drop
CONF
start_triaged

L="logger -t it-demo"
$L -n 127.0.0.1 -P "$PORT" -d --rfc3164 "udp 3164"
$L -n 127.0.0.1 -P "$PORT" -d --rfc5424 "udp 5424"
$L -n 127.0.0.1 -P "$PORT" -T --octet-count --rfc5424 "tcp octet 5424"
$L -n 127.0.0.1 -P "$PORT" -T --rfc3164 "tcp lf 3164"
$L -u "$T/log.sock" --socket-errors=on "unix local"
$L -n ::1 -P "$PORT" -d --rfc5424 "udp ipv6"
logger -t other -n 127.0.0.1 -P "$PORT" -d "not for this rule"

wait_incidents "len(j['incidents']) == 6"
ctl --json incidents | python3 -c '
import json, socket, sys
inc = {i["summary"].split(": ", 1)[1]: i for i in json.load(sys.stdin)["incidents"]}
want = ["udp 3164", "udp 5424", "tcp octet 5424", "tcp lf 3164", "unix local", "udp ipv6"]
assert sorted(inc) == sorted(want), sorted(inc)
host = socket.gethostname()
for m in want:
    i = inc[m]
    assert i["state"] == "triggered" and i["count"] == 1, i
    assert i["rule"] == "demo", i
    # logger names this host in the message; the local socket fallback is the config hostname.
    assert i["host"] in (host, "it-host"), i
    assert i["key"] == i["host"] + "/" + m, i
'
ctl --json status | python3 -c '
import json, sys
j = json.load(sys.stdin)
by = {l["proto"]: l for l in j["listeners"] if "::1" not in l["address"]}
v6 = [l for l in j["listeners"] if "::1" in l["address"]]
assert by["udp"]["received"] == 3, by
assert v6[0]["received"] == 1, v6
assert by["tcp"]["received"] == 2, by
assert by["unix"]["received"] == 1, by
# Only connections are streams: the unix socket takes datagrams.
assert [l["proto"] for l in j["listeners"] if l["stream"]] == ["tcp"], j["listeners"]
assert not by["unix"]["stream"] and not by["udp"]["stream"], by
assert j["events"]["dropped_by_default"] == 1, j["events"]
assert j["events"]["malformed"] == 0, j["events"]
'
ctl incidents | grep -q "tcp octet 5424" || fail "the table does not list the TCP incident"
# The stream listeners' table (after its CONNECTIONS header) has the TCP one alone.
ctl status | sed -n '/^LISTENER  *CONNECTIONS/,/^[^ ]*$/p' > "$T/streams"
grep -q "^LISTENER  *CONNECTIONS" "$T/streams" || fail "no stream listeners' table: $(cat "$T/streams")"
[ "$(grep -vc '^LISTENER' "$T/streams")" -eq 1 ] || fail "stream table: $(cat "$T/streams")"
grep -q "$T/log.sock" "$T/streams" && fail "the unix datagram listener is in the stream table"
pass "udp (v4, v6), tcp (octet, lf), unix; rfc3164 and rfc5424; only tcp in the stream table"
