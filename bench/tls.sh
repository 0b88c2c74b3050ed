#!/usr/bin/env bash
# tls.sh - what TLS costs triaged: the same COUNT octet-counted lines (RFC
# 5424, 1 in 100 a disk error a rule makes an incident of, the rest
# chatter a rule drops) sent over one TCP connection and over one TLS 1.3
# connection (Python's ssl, the OpenSSL default cipher), each to a fresh
# triaged; then HANDSHAKES TLS connections one after the other, each
# sending one line.  Reports lines/s until triaged has received them all,
# and triaged's CPU (user + system, /proc/PID/stat) per line and per
# handshake.  Prints one Markdown table; see bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   TRIAGED, TRIAGECTL   binaries [./triaged ./triagectl from the repo top]
#   COUNT [1000000]      lines per transport
#   HANDSHAKES [2000]    connections in the handshake row
#   TIMEOUT [300]        longest wait for a row, seconds
set -eu

. "$(dirname "$0")/lib.sh"
: "${COUNT:=1000000}"
: "${HANDSHAKES:=2000}"
: "${TIMEOUT:=300}"
tls_ca ca
tls_cert ca server localhost

# send.py MODE: MODE is tcp, tls or handshakes; prints one table row.
cat > "$T/send.py" <<'PY'
import json, os, socket, ssl, subprocess, sys, time
mode, port, pid, count, hs, ctl, sock, ca, timeout = sys.argv[1:]
port, pid, count, hs, timeout = int(port), int(pid), int(count), int(hs), float(timeout)
tick = os.sysconf("SC_CLK_TCK")

def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick

def received():
    j = json.loads(subprocess.run([ctl, "-s", sock, "--json", "status"], capture_output=True).stdout)
    return sum(l["received"] for l in j["listeners"] if l["proto"] in ("tcp", "tls"))

def frames(n, start=0):
    out = []
    for i in range(start, start + n):
        if i % 100 == 0:
            m = "<11>1 2026-12-05T03:00:00Z bench-host kernel - - - I/O error, dev sd%s, sector %d" % ("abcd"[i // 100 % 4], i)
        else:
            m = "<13>1 2026-12-05T03:00:00Z bench-host app 1234 - - request %d served in 12ms" % i
        b = m.encode()
        out.append(b"%d %s" % (len(b), b))
    return b"".join(out)

ctx = ssl.create_default_context(cafile=ca)
def connect(tls):
    s = socket.create_connection(("127.0.0.1", port))
    return ctx.wrap_socket(s, server_hostname="localhost") if tls else s

def wait(n, t0):
    while received() < n:
        if time.monotonic() - t0 > timeout:
            sys.exit("timed out: %d of %d received" % (received(), n))
        time.sleep(0.05)

if mode in ("tcp", "tls"):
    data = frames(count)
    c0, t0 = cpu(), time.monotonic()
    s = connect(mode == "tls")
    s.sendall(data)
    s.close()
    wait(count, t0)
    t, c = time.monotonic() - t0, cpu() - c0
    print("| %s, 1 connection | %d lines | %.0f lines/s | %.2f µs per line |" % (mode.upper(), count, count / t, c / count * 1e6))
else:
    one = frames(1)
    c0, t0 = cpu(), time.monotonic()
    for _ in range(hs):
        s = connect(True)
        s.sendall(one)
        s.close()
    wait(hs, t0)
    t, c = time.monotonic() - t0, cpu() - c0
    print("| TLS, a connection per line | %d handshakes | %.0f handshakes/s | %.0f µs per handshake |" % (hs, hs / t, c / hs * 1e6))
PY

echo "| transport | sent | rate | triaged CPU |"
echo "|---|---:|---:|---:|"
for mode in tcp tls handshakes; do
	rm -rf "$T/state"
	conf_head
	conf_tls
	cat >> "$CONF" <<CONF
event-log off
rule "disk" { match syslog message ~ "I/O error, dev (?<dev>\\\\S+)"; key "{host}/disk/{dev}" }
rule "noise" { match syslog program "app"; drop }
CONF
	start_triaged
	port=$PORT
	[ "$mode" = tcp ] || port=$TPORT
	python3 "$T/send.py" "$mode" "$port" "$TRIAGED_PID" "$COUNT" "$HANDSHAKES" "$TRIAGECTL" \
		"$SOCK" "$T/ca.pem" "$TIMEOUT" || die "$mode: failed"
	stop_triaged
done
