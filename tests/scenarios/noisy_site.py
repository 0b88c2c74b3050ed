#!/usr/bin/env python3
"""noisy_site.py - half an hour of a small site's syslog and traps, labelled.

Noise: cron and login chatter, ssh scanners, firewall blocks, interfaces
that blip for a few seconds.  Five real problems: a RAID member failing, a
switch port flapping for ten minutes, a link that goes down for good, the
OOM killer hitting one service again and again, a filling disk.  The events
are sent in scenario time divided by --speed (60: the half hour in 30 s),
syslog as RFC 3164 over UDP the way Linux hosts and Cisco gear send it,
traps with snmptrap (IF-MIB linkDown/linkUp by number).

  noisy_site.py send --syslog-port P --snmp-port Q [--speed 60] [--seed 1]
  noisy_site.py score --requests FILE     (the PagerDuty stand-in's /_requests)

`send` prints a JSON summary (events by label) on stdout; `score` reads the
triggers the stand-in received, assigns each to the problem its summary
names (or to noise), and prints: pages per problem, noise events and noise
pages, and the share of noise that paged no one.  Exit 1 unless every
problem paged exactly once and >= 95% of noise events paged no one.
Python 3 standard library and the snmptrap client only.
"""

import argparse
import json
import random
import re
import socket
import subprocess
import sys
import time

DURATION = 1800

# A problem's pages are the triggers whose summary matches its pattern.
PROBLEMS = {
    "raid": r"md0|DegradedArray",
    "flap": r"(GigabitEthernet|Gi)0/5\b|if/5\b",
    "link-down": r"(GigabitEthernet|Gi)0/7\b|if/7\b",
    "oom": r"Out of memory|oom",
    "disk": r"No space left",
}

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def bsd_time(t):
    tm = time.localtime(t)
    return "%s %2d %02d:%02d:%02d" % (MONTHS[tm.tm_mon - 1], tm.tm_mday, tm.tm_hour,
                                       tm.tm_min, tm.tm_sec)


def events(rng):
    """(scenario second, label, kind, payload) in time order."""
    ev = []

    def sl(t, label, pri, host, tag, msg):
        ev.append((t, label, "syslog", (pri, host, tag, msg)))

    def trap(t, label, up, ifindex):
        ev.append((t, label, "trap", (up, ifindex)))

    for host in ("web1", "web2", "db1"):  # cron every minute
        for t in range(0, DURATION, 60):
            sl(t + rng.random(), "noise", 78, host, "CRON[%d]" % rng.randint(1000, 9999),
               "(root) CMD (run-parts /etc/cron.hourly)")
    for t in range(5, DURATION, 20):  # logins and logouts
        user = rng.choice(["alice", "bob", "deploy"])
        sl(t, "noise", 38, "web1", "systemd-logind[412]", "New session %d of user %s." %
           (rng.randint(1, 9999), user))
        sl(t + 8, "noise", 38, "web1", "systemd-logind[412]", "Removed session %d." %
           rng.randint(1, 9999))
    for burst in range(12):  # ssh scanners: bursts of guesses from many addresses
        t0 = burst * 150 + rng.random() * 30
        src = "203.0.113.%d" % rng.randint(1, 254)
        for i in range(25):
            user = rng.choice(["admin", "root", "test", "oracle", "ubuntu"])
            sl(t0 + i * 0.4, "noise", 38, "web2", "sshd[%d]" % rng.randint(1000, 9999),
               "Failed password for invalid user %s from %s port %d ssh2" %
               (user, src, rng.randint(30000, 60000)))
    for t in range(3, DURATION, 4):  # firewall blocks
        sl(t, "noise", 4, "fw1", "kernel",
           "[UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.%d DST=192.0.2.10 PROTO=TCP DPT=%d" %
           (rng.randint(1, 254), rng.choice([23, 445, 3389, 8080])))
    for t, port in ((200, 2), (900, 3), (1500, 4)):  # blips: down for 3 s, then up
        sl(t, "noise", 187, "sw1", "%LINK-3-UPDOWN",
           "Interface GigabitEthernet0/%d, changed state to down" % port)
        sl(t + 3, "noise", 189, "sw1", "%LINK-3-UPDOWN",
           "Interface GigabitEthernet0/%d, changed state to up" % port)
        trap(t, "noise", False, port)
        trap(t + 3, "noise", True, port)
    # Problems.
    for t in range(300, DURATION, 240):  # mdadm repeats its warning
        sl(t, "raid", 2, "db1", "mdadm[733]", "DegradedArray event detected on md device /dev/md0")
    for i in range(30):  # Gi0/5 flaps for ten minutes, every 20 s
        t = 400 + i * 20
        sl(t, "flap", 187, "sw1", "%LINK-3-UPDOWN",
           "Interface GigabitEthernet0/5, changed state to down")
        sl(t + 6, "flap", 189, "sw1", "%LINK-3-UPDOWN",
           "Interface GigabitEthernet0/5, changed state to up")
        trap(t, "flap", False, 5)
        trap(t + 6, "flap", True, 5)
    sl(600, "link-down", 187, "sw1", "%LINK-3-UPDOWN",  # Gi0/7 goes down for good
       "Interface GigabitEthernet0/7, changed state to down")
    trap(600, "link-down", False, 7)
    for t in range(700, DURATION, 120):  # the OOM killer, same service each time
        sl(t, "oom", 3, "web2", "kernel", "Out of memory: Killed process %d (java) "
           "total-vm:8123456kB, anon-rss:4123456kB" % rng.randint(1000, 30000))
    for t in range(1200, DURATION, 30):  # the disk fills
        sl(t, "disk", 3, "db1", "postgres[991]",
           "could not write to file \"base/16384/2619\": No space left on device")
    ev.sort(key=lambda e: e[0])
    return ev


def send(args):
    rng = random.Random(args.seed)
    evs = events(rng)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.time()
    base = time.time()  # syslog timestamps: now, as a live sender's
    counts = {}
    for t, label, kind, p in evs:
        delay = start + t / args.speed - time.time()
        if delay > 0:
            time.sleep(delay)
        counts[label] = counts.get(label, 0) + 1
        if kind == "syslog":
            pri, host, tag, msg = p
            line = "<%d>%s %s %s: %s" % (pri, bsd_time(base + t / args.speed), host, tag, msg)
            sock.sendto(line.encode(), ("127.0.0.1", args.syslog_port))
        else:
            up, ifindex = p
            oid = ".1.3.6.1.6.3.1.1.5.%d" % (4 if up else 3)
            subprocess.run(["snmptrap", "-v", "2c", "-c", "public",
                            "127.0.0.1:%d" % args.snmp_port, "", oid,
                            ".1.3.6.1.2.1.2.2.1.1.%d" % ifindex, "i", str(ifindex),
                            ".1.3.6.1.2.1.2.2.1.2.%d" % ifindex, "s",
                            "GigabitEthernet0/%d" % ifindex], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    json.dump({"events": len(evs), "by_label": counts}, sys.stdout)
    print()


def score(args):
    reqs = json.load(open(args.requests))
    reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
    labels = json.load(open(args.sent))["by_label"]
    pages = {p: 0 for p in PROBLEMS}
    noise_pages = []
    open_keys = set()
    for r in reqs:
        b = r.get("body")
        if not isinstance(b, dict) or r.get("status") != 202:
            continue
        # As PagerDuty: a trigger for an alert already open (an update) pages no one.
        key, action = b.get("dedup_key"), b.get("event_action")
        if action == "resolve":
            open_keys.discard(key)
        if action != "trigger" or key in open_keys:
            continue
        open_keys.add(key)
        summary = json.dumps(b.get("payload", {})) + " " + str(b.get("dedup_key"))
        hit = [p for p, rx in PROBLEMS.items() if re.search(rx, summary)]
        if hit:
            pages[hit[0]] += 1
        else:
            noise_pages.append(b.get("payload", {}).get("summary"))
    noise = labels.get("noise", 0)
    quiet = 100.0 * (noise - len(noise_pages)) / noise if noise else 100.0
    ok = all(n == 1 for n in pages.values()) and quiet >= 95.0
    json.dump({"pages": pages, "noise_events": noise, "noise_pages": len(noise_pages),
               "noise_pages_summaries": noise_pages[:20], "noise_quiet_pct": round(quiet, 2),
               "ok": ok}, sys.stdout, indent=2)
    print()
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--syslog-port", type=int, required=True)
    s.add_argument("--snmp-port", type=int, required=True)
    s.add_argument("--speed", type=float, default=60.0)
    s.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("score")
    c.add_argument("--requests", required=True)
    c.add_argument("--sent", required=True)
    args = ap.parse_args()
    if args.cmd == "send":
        send(args)
        return 0
    return score(args)


if __name__ == "__main__":
    sys.exit(main())
