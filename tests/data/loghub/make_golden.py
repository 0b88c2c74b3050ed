#!/usr/bin/env python3
"""Write the golden expectations for the syslog parser's loghub tests.

This is the independent oracle: a plain regex over the loghub file format
("Mmm dd hh:mm:ss host tag[pid]: message"), written without looking at the
C parser.  Output is TSV, one row per input line:

    line number, host, program, pid, message

with backslash, tab, CR and LF escaped as \\, \t, \r and \n.  Only trailing
CR, LF and NUL are stripped from a line; trailing spaces belong to the message.
The word after the host is the program when it is "prog:", "prog[pid]:",
"prog[pid] " or, as rsyslog reads it, a bare word with a letter followed by
a space ("syslogd 1.4.1: restart." gives program "syslogd").  Otherwise
there is no program and the message starts after the host's spaces (e.g.
"-- root[2421]: ROOT LOGIN ON tty2").

Usage: make_golden.py [DIR]   (default: the directory of this script)
"""

import os
import re
import sys

FILES = ("Linux_2k", "OpenSSH_2k")

LINE = re.compile(
    rb"^[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d "
    rb"(?P<host>[^ ]+) +"
    rb"(?:(?P<prog>[A-Za-z0-9_./()@+-]*[A-Za-z_./()@+-][A-Za-z0-9_./()@+-]*)"
    rb"(?:\[(?P<pid>[^\]]*)\])?:(?: |$)"
    rb"|(?P<bprog>[A-Za-z0-9_./()@+-]*[A-Za-z_./()@+-][A-Za-z0-9_./()@+-]*)\[(?P<bpid>[^\]]*)\] "
    rb"|(?P<wprog>[A-Za-z0-9_./()@+-]*[A-Za-z][A-Za-z0-9_./()@+-]*) )?"
    rb"(?P<msg>.*)$",
    re.DOTALL,
)


def esc(b):
    s = b.decode("latin-1")
    return (s.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\r", "\\r").replace("\n", "\\n"))


def golden(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    rows = []
    for num, line in enumerate(lines, 1):
        line = line.rstrip(b"\r\n\0")
        m = LINE.match(line)
        if m is None:
            sys.exit("%s:%d: does not match the loghub format" % (path, num))
        rows.append("\t".join((str(num), esc(m["host"]), esc(m["prog"] or m["bprog"] or m["wprog"] or b""),
                               esc(m["pid"] or m["bpid"] or b""), esc(m["msg"]))))
    return rows


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name in FILES:
        rows = golden(os.path.join(here, name + ".log"))
        with open(os.path.join(here, name + ".golden"), "w", newline="\n") as f:
            f.write("\n".join(rows) + "\n")
        print("%s.golden: %d lines" % (name, len(rows)))


if __name__ == "__main__":
    main()
