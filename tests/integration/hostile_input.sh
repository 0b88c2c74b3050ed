#!/bin/sh
# Hostile bytes at every input: Latin-1, invalid UTF-8, overlongs, a cut
# sequence, NUL, ESC, CR/LF, DEL, C1 and a 60 KiB line, through UDP (a
# utf-8 and a latin1 listener), TCP (octet-counted and LF), the unix
# socket, the journal and a trap OctetString, matched by rules whose key
# and summary carry the text and that send to the PagerDuty stand-in, plus
# an upstream that answers with hostile text.  The daemon stays up; every
# triagectl verb answers valid JSON with the text readable; every request
# the stand-in got is valid JSON; no table, no --json output and no log
# line carries a raw control byte.
. "$(dirname "$0")/lib.sh"

command -v snmptrap >/dev/null || fail "snmptrap is missing (Debian package snmp; tools/deps test)"
JR=
for p in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
	[ -x "$p" ] && JR=$p && break
done
[ -n "$JR" ] || fail "systemd-journal-remote is missing (tools/deps test)"

MIBS_DIR="$TOP_SRCDIR/tests/data/mibs"
L1_PORT=$(free_port)
SNMP_PORT=$(free_port)

# One journal entry whose MESSAGE is binary (export format's length-prefixed form).
mkdir -p "$T/journal"
python3 - <<'PY' | "$JR" -o "$T/journal/h.journal" - 2>"$T/jr.log" || fail "systemd-journal-remote: $(cat "$T/jr.log")"
import struct, sys, time
msg = b"HX journal caf\xe9 \x1b[31mred\r\nFORGED \x00 nul \xc2\x9b c1"
out = sys.stdout.buffer
out.write(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=1000\n" % int(time.time() * 1e6))
out.write(b"_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=vm\nPRIORITY=3\n")
out.write(b"SYSLOG_IDENTIFIER=hx\nMESSAGE\n" + struct.pack("<Q", len(msg)) + msg + b"\n\n")
PY

start_pd
conf_head
cat >> "$CONF" <<CONF
listen syslog udp 127.0.0.1:$L1_PORT { charset latin1 }
listen snmp udp 127.0.0.1:$SNMP_PORT
snmp {
	community "public" from 127.0.0.0/8
	mibs "IF-MIB"
	mib-dirs "$MIBS_DIR"
}
journal {
	directory "$T/journal"
	start head
}
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-max 1s
}
rule "hx" {
	match message ~ "^HX (?<what>.*)\$"
	key "{host}/hx/{what}"
	summary "{host}: {what}"
	severity crit
	send "pd"
}
rule "trap" {
	match trap IF-MIB::linkDown
	key "{host}/trap/{IF-MIB::ifDescr}"
	summary "{host}: link {IF-MIB::ifDescr} down"
	send "pd"
}
default keep
CONF
start_triaged

# An upstream that answers with control characters and bad text: dead-lettered, shown safely.
pd POST /_faults '{"mode":"status","status":400,"count":1,"body":{"status":"invalid event","message":"evil \u001b[31m\r\nFORGED LOG LINE","errors":["c1 \u0085\u009b here"]}}' >/dev/null
python3 -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"<10>Dec  4 02:00:00 vm hx: HX dead \x1b[2J", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
i=0
until ctl --json queue | json "any(d['state'] == 'dead' for d in j['deliveries'])" | grep -qx True; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the 400 answer did not dead-letter the delivery"
	sleep 0.1
done

# Every payload through every syslog transport; the tag makes each key distinct.
python3 - "$PORT" "$L1_PORT" "$T/log.sock" > "$T/sent" <<'PY'
import socket, sys, time
port, l1port, usock = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
payloads = {
    b"latin1": b"caf\xe9 backup failed",
    b"invalid": b"bad \xff\xfe\xfd bytes",
    b"overlong": b"overlong \xc0\xaf slash",
    b"cutseq": b"cut \xe2\x82",
    b"nul": b"nul \x00 inside",
    b"esc": b"esc \x1b[31mred\x1b[0m \x1b]0;title\x07",
    b"crlf": b"crlf \r\nFORGED LOG LINE",
    b"c1": b"c1 \xc2\x9b31m \xc2\x85",
    b"del": b"del \x7f",
    b"big": b"big " + b"\xe9\x1b" * 30000,
}
def line(transport, tag):
    return b"<10>Dec  4 02:00:00 vm hx: HX " + transport + b" " + tag + b" " + payloads[tag]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
x = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
oc = socket.create_connection(("127.0.0.1", port))
lf = socket.create_connection(("127.0.0.1", port))
for tag in payloads:
    u.sendto(line(b"udp", tag), ("127.0.0.1", port))
    u.sendto(line(b"l1", tag), ("127.0.0.1", l1port))
    x.sendto(line(b"unix", tag), usock)
    m = line(b"tcp", tag)
    oc.sendall(b"%d " % len(m) + m)
    lf.sendall(line(b"lf", tag) + b"\n")
    print(tag.decode())
    time.sleep(0.01)
oc.close()
lf.close()
PY
snmptrap -v 2c -c public "127.0.0.1:$SNMP_PORT" '' 1.3.6.1.6.3.1.1.5.3 \
	1.3.6.1.2.1.2.2.1.1.7 i 7 1.3.6.1.2.1.2.2.1.2.7 x "E9 1B 5B 33 31 6D 0D 0A 00 FF 41" \
	|| fail "snmptrap"

# udp, l1, unix and tcp keep each message whole: 4 x 10, plus journal, trap and dead.
wait_incidents "sum(1 for i in j['incidents'] if i['rule'] == 'hx') >= 42 and any(i['rule'] == 'trap' for i in j['incidents'])" 30
kill -0 "$TRIAGED_PID" || fail "triaged died"

# Every verb, as JSON and as a table, into files checked below.
ctl --json incidents --state all > "$T/out.incidents.json"
python3 - "$T/out.incidents.json" > "$T/keys" <<'PY'
import json, sys
for i in json.load(open(sys.argv[1]))["incidents"]:
    print(i["key"])
PY
n=0
while IFS= read -r key; do
	n=$((n + 1))
	ctl --json show "$key" > "$T/out.show$n.json" || fail "show --json of key $n"
	ctl show "$key" > "$T/out.show$n.txt" || fail "show of key $n"
done < "$T/keys"
[ "$n" -ge 44 ] || fail "only $n incidents"
for verb in status incidents queue; do
	ctl --json $verb > "$T/out.$verb.json" || fail "--json $verb"
	ctl $verb > "$T/out.$verb.txt" || fail "$verb"
done
ctl incidents --state all > "$T/out.all.txt"

# Everything the stand-in was sent: wait until each hx and trap trigger arrived.
sent=$(json "sum(1 for i in j['incidents'] if i['rule'] in ('hx', 'trap')) - 1" < "$T/out.incidents.json")
wait_pd "sum(1 for k, v in s.items() if v.get('triggers')) >= $sent" 30
pd GET /_requests > "$T/requests.json"
kill -0 "$TRIAGED_PID" || fail "triaged died"
stop_triaged

python3 - "$T" <<'PY'
import glob, json, os, re, sys
T = sys.argv[1]
bad = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")

def clean(path, allow_tab=False):
    text = open(path, "rb").read().decode("utf-8")  # strict: raises on bad UTF-8
    m = bad.search(text)
    assert m is None, "%s: raw control %r at %d" % (path, m.group(), m.start())
    assert allow_tab or "\t" not in text, path + ": TAB"
    return text

for f in sorted(glob.glob(T + "/out.*")):
    text = clean(f)
    if f.endswith(".json"):
        j = json.loads(text)
        assert j["ok"] is True, (f, j)
clean(T + "/triaged.log")
log = open(T + "/triaged.log", encoding="utf-8").read()
assert not any(l.startswith("FORGED") for l in log.splitlines()), "a forged log line"

incs = {i["key"]: i for i in json.load(open(T + "/out.incidents.json"))["incidents"]}
def one(prefix):
    got = [i for k, i in incs.items() if k.startswith(prefix)]
    assert len(got) == 1, (prefix, sorted(incs)[:60])
    return got[0]
for t in ("udp", "l1", "unix", "tcp"):
    l1 = t == "l1"
    assert one("vm/hx/%s latin1 " % t)["key"].endswith("caf\u00e9 backup failed" if l1 else "caf\ufffd backup failed")
    assert one("vm/hx/%s esc " % t)["summary"].startswith("vm: %s esc esc #033[31mred#033[0m #033]0;title#007" % t)
    assert one("vm/hx/%s crlf " % t)["key"].endswith("crlf #015#012FORGED LOG LINE")
    assert one("vm/hx/%s nul " % t)["key"].endswith("nul #000 inside")
    assert one("vm/hx/%s del " % t)["key"].endswith("del #177")
    if l1:
        # Latin-1 reads the UTF-8 bytes of U+009B as two characters; 0x9B is C1 itself.
        assert one("vm/hx/l1 c1 ")["key"].endswith("c1 \u00c2#233" + "31m \u00c2#205")
        assert one("vm/hx/l1 invalid ")["key"].endswith("bad \u00ff\u00fe\u00fd bytes")
    else:
        assert one("vm/hx/%s c1 " % t)["key"].endswith("c1 #23331m #205")
        assert one("vm/hx/%s invalid " % t)["key"].endswith("bad \ufffd\ufffd\ufffd bytes")
        assert one("vm/hx/%s overlong " % t)["key"].endswith("overlong \ufffd\ufffd slash")
        assert one("vm/hx/%s cutseq " % t)["key"].endswith("cut \ufffd")
    big = one("vm/hx/%s big " % t)
    assert len(big["key"].encode()) <= 255 and re.search("#[0-9a-f]{16}$", big["key"]), big["key"]
    assert len(big["summary"].encode()) <= 1024, len(big["summary"].encode())
j = one("vm/hx/journal ")
assert j["key"] == "vm/hx/journal caf\ufffd #033[31mred#015#012FORGED #000 nul #233 c1", j["key"]
trap = [i for i in incs.values() if i["rule"] == "trap"]
assert len(trap) == 1 and trap[0]["key"] == "127.0.0.1/trap/\ufffd#033[31m#015#012#000\ufffdA", trap
assert all(len(k.encode()) <= 255 for k in incs), "a key over 255 bytes"

# The stand-in: every request was valid JSON with the text readable; keys and summaries agree.
reqs = json.load(open(T + "/requests.json"))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
assert reqs, "no requests"
for r in reqs:
    assert isinstance(r.get("body"), dict) and "raw" not in r, r
    assert r["status"] in (202, 400), r
sent = {r["body"]["dedup_key"]: r["body"] for r in reqs if r["body"].get("event_action") == "trigger"}
for k, i in incs.items():
    if i["rule"] in ("hx", "trap"):
        assert k in sent, "no trigger for " + k
        assert sent[k]["payload"]["summary"] == i["summary"][:1024], k

# The dead letter keeps the upstream's words, escaped; the log says why without raw bytes.
q = json.load(open(T + "/out.queue.json"))
dead = [d for d in q["deliveries"] if d["state"] == "dead"]
assert len(dead) == 1 and "evil #033[31m#015#012FORGED LOG LINE" in dead[0]["last_error"], dead
assert "#205#233" in dead[0]["last_error"], dead[0]["last_error"]
# The same words reach status's upstream table (checked above for raw bytes) escaped.
st = json.load(open(T + "/out.status.json"))
assert any("#033[31m" in (u.get("last_error") or "") for u in st["upstreams"]), st["upstreams"]
assert "vm/hx/dead #033[2J" in log and "evil #033[31m#015#012FORGED" in log, log[-2000:]
assert "opened incident" in log and "vm/hx/udp esc esc #033[31mred" in log
print("checked", len(incs), "incidents,", len(reqs), "requests")
PY
pass "hostile bytes at every input: daemon up, JSON valid, no raw control byte in tables, JSON or log"
