#!/bin/sh
# Random bytes at every listener for GARBAGE_SECONDS (default 60): triaged
# does not crash, counts what it could not parse, closes only the broken
# TCP streams, and normal lines sent meanwhile still become incidents.
. "$(dirname "$0")/lib.sh"

: "${GARBAGE_SECONDS:=60}"
conf_head
cat >> "$CONF" <<'CONF'
max-message 2K
rule "canary" {
	match syslog program "canary"
	key "{message}"
}
CONF
start_triaged

python3 - "$PORT" "$T/log.sock" "$GARBAGE_SECONDS" <<'PY'
import os, random, socket, subprocess, sys, time
port, unix_path, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
rnd = random.Random(1234)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ux = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
end = time.monotonic() + seconds
sent = canaries = 0
tcp = None
while time.monotonic() < end:
    blob = os.urandom(rnd.choice((1, 7, 100, 1500, 4000)))
    udp.sendto(blob, ("127.0.0.1", port))
    try:
        ux.sendto(blob, unix_path)
    except OSError:
        pass  # a full unix queue is back-pressure, not an error
    try:
        if tcp is None:
            tcp = socket.create_connection(("127.0.0.1", port), timeout=2)
        tcp.sendall(blob)
    except OSError:
        tcp = None  # triaged closed a stream it could not frame: open another
    sent += 1
    if sent % 500 == 0:
        # A stream that starts like an octet count, then breaks it.
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as oc:
                oc.sendall(b"9x" + os.urandom(64))
        except OSError:
            pass
    if sent % 2000 == 0:
        canaries += 1
        subprocess.run(["logger", "-n", "127.0.0.1", "-P", str(port), "-d", "-t", "canary",
                        "canary %d" % canaries], check=True)
        time.sleep(0.01)
print("garbage datagrams %d, canaries %d" % (sent, canaries))
open(os.path.join(os.path.dirname(unix_path), "canaries"), "w").write(str(canaries))
PY
canaries=$(cat "$T/canaries")
kill -0 "$TRIAGED_PID" || fail "triaged died"
wait_incidents "len([i for i in j['incidents'] if i['rule'] == 'canary']) >= $canaries * 9 // 10" 30
ctl --json status > "$T/status.json"
python3 - "$T/status.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
malformed = sum(l["malformed"] for l in j["listeners"])
assert malformed > 0, j["listeners"]
assert j["events"]["malformed"] == malformed, j
tcp = [l for l in j["listeners"] if l["proto"] == "tcp"][0]
assert tcp["bad_frames"] > 0, tcp
print("malformed %d, bad tcp frames %d" % (malformed, tcp["bad_frames"]))
PY
logger -n 127.0.0.1 -P "$PORT" -T -t canary "after the storm"
wait_incidents "any(i['key'] == 'after the storm' for i in j['incidents'])"
pass "${GARBAGE_SECONDS}s of random bytes survived"
