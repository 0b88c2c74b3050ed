"""poll.py - the bounded waits of lib.sh in one process.

Spawning python3 for every poll cost more CPU than the daemons under test
(about half a core per waiting scenario under ASan), so a wait polls from
here: up to LIMIT tries, 0.1 s apart, of a command's (or a URL's) JSON
until a python expression over it, bound to NAME, is true.

    poll.py LIMIT NAME EXPR cmd ARG...
    poll.py LIMIT NAME EXPR url URL

Exits 0 when the expression held, 1 after the last try, printing the last
JSON (or error) seen, cut to 2000 characters.
"""
import json
import subprocess
import sys
import time
import urllib.request


def fetch(kind, args):
    if kind == "url":
        with urllib.request.urlopen(args[0], timeout=10) as r:
            return r.read().decode()
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main():
    limit, name, expr, kind, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    code = compile("bool(%s)" % expr, "<wait>", "eval")
    last = ""
    for i in range(max(limit, 1)):
        if i:
            time.sleep(0.1)
        try:
            last = fetch(kind, args)
            # globals, not locals: a comprehension in EXPR sees only globals
            if eval(code, {"json": json, "sys": sys, name: json.loads(last)}):
                return 0
        except Exception as e:  # a daemon not up yet, a key not there yet
            last = last or repr(e)
    print(last[:2000])
    return 1


sys.exit(main())
