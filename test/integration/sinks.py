"""Receiving MTAs for delivery tests: aiosmtpd (Debian python3-aiosmtpd)
on a loopback address, told per recipient to accept, defer or reject.

    sink = Sink("127.0.0.2", port, rules={"b@x.test": ["451 4.2.0 later"]})
    ... sink.messages -> [Received(...)]

A rule is a list of replies used one per attempt, the last one repeating;
"250" (or any 2xx) accepts.  data_rules does the same for the reply to
the final dot.  tls=True offers STARTTLS with a throwaway certificate;
auth={"user": "pass"} requires AUTH (over TLS).

Connections are counted: sink.conns (every connection, each a Conn with
its senders and message count), sink.max_active (most open at once) and
sink.max_active_from[DOMAIN] (most open at once that carried mail from
DOMAIN; reset_max() starts a new window).  script=[...] answers the
first RCPTs of the sink, whatever the recipient, one reply each, before
the rules; close_after=N closes a connection without an error after N
messages, as Yahoo does.  gate=threading.Event(): every reply to the
final dot waits until the event is set (a transaction held open while
the test queues more).
"""
import asyncio
import os
import ssl
import subprocess
import tempfile
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Received:
    def __init__(self, mail_from, rcpts, data, mail_options, rcpt_options,
                 tls, auth_user, peer):
        self.mail_from = mail_from
        self.rcpts = rcpts
        self.data = data
        self.mail_options = mail_options
        self.rcpt_options = rcpt_options
        self.tls = tls
        self.auth_user = auth_user
        self.peer = peer

    def header(self, name):
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        for line in head.split("\r\n"):
            if line.lower().startswith(name.lower() + ":"):
                return line.split(":", 1)[1].strip()
        return None


def make_cert(directory, name="mx.test"):
    key = os.path.join(directory, "sink.key")
    crt = os.path.join(directory, "sink.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2",
                    "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:" + name], check=True,
                   capture_output=True)
    return crt, key


class Conn:
    def __init__(self):
        self.senders = []       # MAIL FROM of each transaction
        self.delivered = 0      # messages accepted on it
        self.domain = None      # the first sender's domain
        self.open = True


class _SMTP(SMTP):
    """aiosmtpd's server with the connection counted by its sink."""

    def __init__(self, handler, sink, **kwargs):
        super().__init__(handler, **kwargs)
        self._sink = sink
        self._conn = None

    def connection_made(self, transport):
        first = self._conn is None
        super().connection_made(transport)
        if first:
            self._conn = self._sink._opened()

    def connection_lost(self, exc):
        if self._conn is not None and self._conn.open:
            self._sink._closed(self._conn)
        super().connection_lost(exc)


class _Controller(Controller):
    def __init__(self, sink, handler, **kwargs):
        self._sink = sink
        super().__init__(handler, **kwargs)

    def factory(self):
        return _SMTP(self.handler, self._sink, **self.SMTP_kwargs)


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        conn = getattr(server, "_conn", None)
        if conn is not None:
            self.sink._mail(conn, address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        reply = self.sink._scripted() or \
            self.sink._next(self.sink.rules, address.lower())
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.append(rcpt_options)
            return "250 2.1.5 Ok"
        return reply

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        while self.sink.gate is not None and not self.sink.gate.is_set():
            await asyncio.sleep(0.02)
        key = envelope.rcpt_tos[0].lower() if envelope.rcpt_tos else ""
        reply = self.sink._next(self.sink.data_rules, key)
        auth = session.auth_data.login.decode() \
            if session.authenticated and session.auth_data else None
        msg = Received(envelope.mail_from, list(envelope.rcpt_tos),
                       envelope.original_content or envelope.content,
                       list(envelope.mail_options),
                       list(envelope.rcpt_options), session.ssl is not None,
                       auth, session.peer)
        conn = getattr(server, "_conn", None)
        with self.sink.lock:
            self.sink.attempts.append(msg)
            if reply.startswith("2"):
                self.sink.messages.append(msg)
                if conn is not None:
                    conn.delivered += 1
        if conn is not None and reply.startswith("2") and \
                self.sink.close_after and \
                conn.delivered >= self.sink.close_after:
            # runs once the reply is written (push, then drain yields);
            # close() flushes it, then the client sees the end
            asyncio.get_event_loop().call_soon(server.transport.close)
        return reply if not reply.startswith("2") else \
            "250 2.0.0 Ok: queued"


class Sink:
    def __init__(self, addr, port, rules=None, data_rules=None, tls=False,
                 auth=None, delay=0, cert_name="mx.test", script=None,
                 close_after=0, gate=None):
        self.delay = delay      # seconds before answering the final dot
        self.gate = gate
        self.script = list(script or [])
        self.close_after = close_after
        self.conns = []
        self.active = 0
        self.max_active = 0
        self.active_from = {}
        self.max_active_from = {}
        self.addr = addr
        self.port = port
        self.rules = rules or {}
        self.data_rules = data_rules or {}
        self.messages = []
        self.attempts = []
        self.lock = threading.Lock()
        self.counts = {}
        self.tmp = tempfile.mkdtemp(prefix="sink-")
        kwargs = {"enable_SMTPUTF8": True}
        if tls or auth:
            crt, key = make_cert(self.tmp, cert_name)
            self.cafile = crt
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(crt, key)
            kwargs["tls_context"] = ctx
        if auth:
            def authenticator(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and \
                    auth.get(data.login.decode()) == data.password.decode()
                return AuthResult(success=ok, handled=False, auth_data=data)
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=True)
        self.controller = _Controller(self, _Handler(self), hostname=addr,
                                      port=port, **kwargs)

    def _opened(self):
        conn = Conn()
        with self.lock:
            self.conns.append(conn)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        return conn

    def _closed(self, conn):
        with self.lock:
            conn.open = False
            self.active -= 1
            if conn.domain is not None:
                self.active_from[conn.domain] -= 1

    def _mail(self, conn, address):
        with self.lock:
            conn.senders.append(address)
            if conn.domain is None:
                d = address.rsplit("@", 1)[-1].lower()
                conn.domain = d
                self.active_from[d] = self.active_from.get(d, 0) + 1
                self.max_active_from[d] = max(
                    self.max_active_from.get(d, 0), self.active_from[d])

    def _scripted(self):
        with self.lock:
            return self.script.pop(0) if self.script else None

    def reset_max(self):
        """A new window for max_active and max_active_from."""
        with self.lock:
            self.max_active = self.active
            self.max_active_from = dict(self.active_from)

    def conns_from(self, domain):
        with self.lock:
            return [c for c in self.conns if c.domain == domain]

    def _next(self, rules, key):
        with self.lock:
            seq = rules.get(key) or rules.get("*") or ["250"]
            n = self.counts.get((id(rules), key), 0)
            self.counts[(id(rules), key)] = n + 1
            return seq[min(n, len(seq) - 1)]

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        try:
            self.controller.stop()
        except Exception:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()

    def rcpts(self):
        with self.lock:
            return sorted(r for m in self.messages for r in m.rcpts)
