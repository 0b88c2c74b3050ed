#!/bin/sh
# Local syslog keeps its program name: the real logger(1) on the unix
# listener (with and without -i, a long tag, the default tag, RFC 5424),
# glibc's syslog() format with and without LOG_PID and busybox's trailing
# newline sent as datagrams, logger to /dev/log when a private mount
# namespace can point /dev/log at the listener, and a Cisco IOS line over
# UDP: each incident carries the program (and pid) a rule on `program` sees.
. "$(dirname "$0")/lib.sh"

conf_head
cat >> "$CONF" <<'CONF'
rule "local" {
	match syslog program != ""
	key "{program}|{pid}|{message}"
	summary "{program}|{pid}|{message}"
}
default drop
CONF
start_triaged

L="logger -u $T/log.sock --socket-errors=on"
$L -t CRON "(root) CMD (run-parts /etc/cron.hourly)"
$L -t kernel "eth0: link down"
$L -i -t sshd "Accepted publickey for alice"
$L -t a-very-long-tag-name-that-is-longer-than-thirty-two-chars "long tag"
$L "default tag"
$L --rfc5424 -t app5424 "rfc5424 over unix"
python3 - "$T/log.sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
stamp = time.strftime("%b %e %H:%M:%S").encode()
for line in (b"<13>%s myident: glibc nopid" % stamp,
             b"<13>%s myident[4242]: glibc pid" % stamp,
             b"<30>%s udhcpc[345]: busybox lease\n" % stamp):
    s.sendto(line, sys.argv[1])
PY
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"<189>123: *Mar  1 00:01:02.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
         ("127.0.0.1", int(sys.argv[1])))
PY
want=10
# logger with no -u writes to /dev/log; point it at the listener where we may.
if unshare -m sh -c "mount -t tmpfs none /dev && ln -s '$T/log.sock' /dev/log && logger -t CRON '(alice) CMD (backup)'" 2>/dev/null; then
	want=11
fi

wait_incidents "len(j['incidents']) == $want"
ctl --json incidents | WANT=$want USER_NAME="$(id -un)" python3 -c '
import json, os, socket, sys
inc = {i["summary"]: i for i in json.load(sys.stdin)["incidents"]}
by = {s.split("|")[2]: s.split("|")[:2] for s in inc}
want = {
    "(root) CMD (run-parts /etc/cron.hourly)": ["CRON", ""],
    "eth0: link down": ["kernel", ""],
    "long tag": ["a-very-long-tag-name-that-is-longer-than-thirty-two-chars", ""],
    "default tag": [os.environ["USER_NAME"], ""],
    "rfc5424 over unix": ["app5424", ""],
    "glibc nopid": ["myident", ""],
    "glibc pid": ["myident", "4242"],
    "busybox lease": ["udhcpc", "345"],
    "Interface Gi0/1, changed state to down": ["%LINK-3-UPDOWN", ""],
}
if os.environ["WANT"] == "11":
    want["(alice) CMD (backup)"] = ["CRON", ""]
got_pid = by.pop("Accepted publickey for alice", None)
assert got_pid and got_pid[0] == "sshd" and got_pid[1].isdigit(), got_pid
assert by == want, (by, want)
host = socket.gethostname()
for s, i in inc.items():
    m = s.split("|")[2]
    # No hostname in the local formats: the configured one.  logger --rfc5424
    # names this host; the Cisco line has none, so its sender address.
    exp = host if m == "rfc5424 over unix" else "127.0.0.1" if m.startswith("Interface") else "it-host"
    assert i["host"] == exp, (m, i["host"], exp)
'
ctl incidents | grep -q "CRON" || fail "the incidents table does not show the CRON program"
pass "logger -u (tag, -i, long, default, 5424), glibc and busybox formats, Cisco: programs kept"
