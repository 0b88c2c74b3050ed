"""smtp.py - an SMTP server for tests: aiosmtpd on 127.0.0.1, each message
kept as DIR/N.eml (the DATA as received, CRLF line ends) beside DIR/N.rcpt
(the envelope's recipients, one a line).

    python3 tests/standins/smtp.py --dir DIR --port-file FILE --pidfile FILE [--port N]
        [--refuse ADDR]...

A recipient given to --refuse is refused for good (550), as a mailbox that
does not exist is.

Needs python3-aiosmtpd.  Writes the port it listens on to --port-file once
it accepts connections.
"""
import argparse
import asyncio
import os
import socket

from aiosmtpd.controller import Controller


class MailDir:
    def __init__(self, directory, refuse):
        self.dir = directory
        self.refuse = set(refuse)
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.dir, "%06d" % self.n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--refuse", action="append", default=[])
    a = ap.parse_args()
    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    os.makedirs(a.dir, exist_ok=True)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    ctl = Controller(MailDir(a.dir, a.refuse), hostname="127.0.0.1", port=port)
    ctl.start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
