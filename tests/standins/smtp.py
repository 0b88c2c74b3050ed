"""smtp.py - an SMTP server for tests: aiosmtpd on 127.0.0.1, each message
kept as DIR/N.eml (the DATA as received, CRLF line ends) beside DIR/N.rcpt
(the envelope's recipients, one a line).

    python3 tests/standins/smtp.py --dir DIR --port-file FILE --pidfile FILE [--port N]
        [--refuse ADDR]... [--cert PEM --key PEM [--implicit-tls]]
        [--login USER:PASSWORD]

A recipient given to --refuse is refused for good (550), as a mailbox that
does not exist is.  With --cert and --key the server offers STARTTLS and
requires it before MAIL; with --implicit-tls it speaks TLS from the first
byte instead (smtps).  With --login it requires AUTH (PLAIN or LOGIN, over
TLS only) with that user and password, and answers 535 to any other.
Each message's DIR/N.info says how it came: "tls=1 user=NAME".

Needs python3-aiosmtpd.  Writes the port it listens on to --port-file once
it accepts connections.
"""
import argparse
import asyncio
import os
import socket
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


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
        user = session.auth_data.decode() if session.authenticated else "-"
        with open(base + ".info", "w") as f:
            tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
            f.write("tls=%d user=%s\n" % (tls, user))
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--refuse", action="append", default=[])
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--login")
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
    kw = {}
    if a.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)
        if a.implicit_tls:
            kw["ssl_context"] = tls
        else:
            kw.update(tls_context=tls, require_starttls=True)
    if a.login:
        user, password = a.login.encode().split(b":", 1)

        def check(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user and auth_data.password == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data.login)

        # aiosmtpd counts only STARTTLS as TLS; smtps is TLS from the start.
        kw.update(authenticator=check, auth_required=True, auth_require_tls=not a.implicit_tls)
    ctl = Controller(MailDir(a.dir, a.refuse), hostname="127.0.0.1", port=port, **kw)
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
