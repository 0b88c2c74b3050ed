"""standin.py - what the HTTP stand-ins share: their common command line
and how they serve, so each stand-in file holds only the service it
imitates.

    ap = standin.arguments(record=True)      # --port-file, --pidfile, --lifetime
    ap.add_argument(...)                     # the stand-in's own options
    a = ap.parse_args()
    standin.serve(a, Handler[, Handler2])    # returns after --lifetime seconds

Each handler gets its own server on 127.0.0.1 (loopback only) and a port
the kernel picks; the ports are written to --port-file one a line, in the
order given, through a rename so a test polling for the file never reads
half of it.  The pid goes to --pidfile first, so a test that sees the
ports can always stop the process.  The process exits after --lifetime
seconds (default 120) whatever happens, so a test that dies cannot leave
it behind.  Python's own directory search finds this module beside the
stand-in that imports it, whatever the current directory.
"""
import argparse
import os
import threading
import time
from http.server import ThreadingHTTPServer


def arguments(record=False):
    """An ArgumentParser holding the options every stand-in takes."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--pidfile", required=True)
    if record:
        ap.add_argument("--record", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    return ap


def scripted(specs):
    """Parse --answer KEY=STATUS,STATUS,... options into {KEY: [STATUS, ...]}."""
    answers = {}
    for spec in specs:
        key, statuses = spec.split("=", 1)
        answers[key] = [int(s) for s in statuses.split(",")]
    return answers


def serve(a, *handlers):
    """Serve each handler on its own loopback port until --lifetime is over."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), h) for h in handlers]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(a.pidfile, "w") as f:
        f.write(str(os.getpid()))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join("%d\n" % srv.server_address[1] for srv in servers))
    os.rename(tmp, a.port_file)
    time.sleep(a.lifetime)
