"""Integration test harness: a real `postern serve` on free loopback ports.

Each test that asks for the `server` fixture gets a fresh data directory
(made by `postern init`), the domain example.test with the mailbox
user@example.test (password PASSWORD), and a running server whose log is
kept in memory for assertions.  Config overrides come from
@pytest.mark.conf(key=value, ...).  The server is stopped with SIGTERM
and must exit 0.
"""
import base64
import hashlib
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import struct
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("POSTERN_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "postern")
HOST = "mail.example.test"
# Sanitizer builds run several times slower (make asan sets 4): every
# wait for the server scales with it, so no test needs a fast machine.
TIME_SCALE = float(os.environ.get("POSTERN_TIME_SCALE") or 1)


def scaled(seconds):
    return seconds * TIME_SCALE

USER = "user@example.test"
PASSWORD = "correct horse battery"


def pytest_configure(config):
    config.addinivalue_line("markers", "conf(**kw): postern.conf overrides")


def wait_for(pred, timeout=15, what="condition"):
    """pred()'s first true value, polled every 50 ms for timeout seconds
    (scaled for sanitizer builds); AssertionError naming what if none."""
    deadline = time.time() + scaled(timeout)
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def free_port(family=socket.AF_INET, addr="127.0.0.1"):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def run(*args, input=None, check=True):
    return subprocess.run([BIN, *args], input=input, capture_output=True,
                          text=True, check=check, timeout=scaled(60))


def live_members(pgid):
    """Pids of process group pgid that are alive.  A process counts
    until all of its threads are zombies: a killed leader shows "Z" while
    its other threads are still exiting and holding its files (sockets
    included)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            tasks = os.listdir("/proc/%s/task" % name)
            states = []
            for tid in tasks:
                with open("/proc/%s/task/%s/stat" % (name, tid)) as f:
                    stat = f.read()
                # pid (comm) state ppid pgrp ...: comm may hold spaces
                fields = stat[stat.rindex(")") + 2:].split()
                states.append(fields[0])
        except OSError:
            continue
        if int(fields[2]) == pgid and any(st != "Z" for st in states):
            out.append(int(name))
    return out


class Server:
    def __init__(self, conf, env=None):
        # env: variables added to the server's environment (e.g. the
        # POSTERN_TEST_CLOCK hook of lib/clock.h); None adds nothing
        self.env = dict(env) if env else None
        self.tmp = tempfile.mkdtemp(prefix="postern-test-")
        os.chmod(self.tmp, 0o755)  # the server's user must reach DIR
        self.dir = os.path.join(self.tmp, "data")
        run("-d", self.dir, "init", "--hostname", HOST)
        # no DKIM key: RSA key generation would cost every test 0.3 s;
        # the tests that sign add their keys themselves
        run("-d", self.dir, "domain", "add", "example.test", "--dkim",
            "none")
        run("-d", self.dir, "mailbox", "add", USER, "--password-stdin",
            input=PASSWORD + "\n")
        # three distinct ports, none of those conf names already (a
        # test's "admin": "127.0.0.1:PORT" was picked free before any
        # of these was bound, so the kernel may offer it again)
        taken = {int(m.group(1)) for v in conf.values()
                 for m in [re.search(r":(\d+)$", str(v))] if m}
        self.ports = {}
        while (len(set(self.ports.values())) < 3 or
               set(self.ports.values()) & taken):
            self.ports = {k: free_port()
                          for k in ("submission", "smtps", "mx")}
        self.settings = {
            "hostname": HOST,
            "submission": "127.0.0.1:%d" % self.ports["submission"],
            "smtps": "127.0.0.1:%d" % self.ports["smtps"],
            "mx": "127.0.0.1:%d" % self.ports["mx"],
            "log_level": "debug",
            "shutdown_grace": "5s",
            "delivery": "no",
        }
        self.settings.update({k: str(v) for k, v in conf.items()})
        self.write_conf()
        self.cafile = os.path.join(self.dir, "certs", HOST, "fullchain.pem")
        self.proc = None
        self.logpath = os.path.join(self.tmp, "server.log")

    def write_conf(self, extra_lines=()):
        with open(os.path.join(self.dir, "postern.conf"), "w") as f:
            f.write("# written by the test harness\n")
            for k, v in self.settings.items():
                f.write("%s = %s\n" % (k, v))
            for line in extra_lines:
                f.write(line + "\n")

    def start(self, wait=True):
        self.logf = open(self.logpath, "ab")
        self.logf.seek(0, 2)
        self.log_start = self.logf.tell()  # readiness of this run only
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen([BIN, "-d", self.dir, "serve"],
                                     stdout=self.logf, stderr=self.logf,
                                     stdin=subprocess.DEVNULL,
                                     start_new_session=True, env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        deadline = time.time() + scaled(timeout)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited: %s" % self.log())
            # the parent's "postern started" (the children's pids) and
            # the smtp process's "ready" come from two processes, in
            # either order
            text = self.log()[self.log_start:]
            if "smtp: ready" in text and "postern started:" in text:
                return
            time.sleep(0.02)
        raise AssertionError("server not ready: %s" % self.log())

    def log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("latin-1")

    def wait_log(self, text, timeout=5):
        deadline = time.time() + scaled(timeout)
        while time.time() < deadline:
            if text in self.log():
                return
            time.sleep(0.02)
        raise AssertionError("%r not in log:\n%s" % (text, self.log()))

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(scaled(timeout))
        finally:
            if self.proc.poll() is None:
                self.kill9()

    def kill9(self):
        """Kill the whole process tree at once, like a power cut."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)
        # children may outlive the parent by a moment; once dead, they
        # wait as zombies until init reaps them, which is no concern
        deadline = time.time() + 5
        while time.time() < deadline and live_members(self.proc.pid):
            time.sleep(0.005)

    def queue_files(self):
        q = os.path.join(self.dir, "spool", "queue")
        return sorted(os.listdir(q))

    def message_files(self):
        """queue_files() without the empty NNNNNNNN.free files the
        spool keeps for reuse (spool_pool.c): what holds a message."""
        q = os.path.join(self.dir, "spool", "queue")
        out = []
        for name in self.queue_files():
            try:
                if (name.endswith(".free") and
                        os.path.getsize(os.path.join(q, name)) == 0):
                    continue
            except FileNotFoundError:
                continue
            out.append(name)
        return out

    def queued(self):
        """Committed messages: {id: Queued}.  Those of the spool log
        (spool_log_messages) and any ID.msg file: content, envelope,
        then a fixed-size trailer giving the envelope's offset and
        length (envelope.h), as queue_inject still writes them."""
        q = os.path.join(self.dir, "spool", "queue")
        out = spool_log_messages(q)
        for name in os.listdir(q):
            if not name.endswith(".msg"):
                continue
            path = os.path.join(q, name)
            try:
                with open(path, "rb") as f:
                    ino = os.fstat(f.fileno()).st_ino
                    data = f.read()
                # delivered meanwhile: the spool pool renames the file
                # away and empties it for reuse (spool_pool.c)
                if os.stat(path).st_ino != ino:
                    continue
            except FileNotFoundError:
                continue        # delivered and removed meanwhile
            if data[-60:].count(b" ") != 3 and not os.path.exists(path):
                continue
            magic, version, off, length = data[-60:].split(b" ")
            assert magic == b"postern-trailer" and version == b"1", name
            off, length = int(off), int(length)
            assert off + length + 60 == len(data), name
            raw = data[off:off + length]
            env = raw.decode("utf-8")
            assert env.startswith("postern-envelope 1\n")
            assert env.endswith("end 0 \n")
            out[name[:-4]] = Queued(env, data[:off], raw)
        return out

    def client_context(self, check_hostname=True):
        """Trusts only this server's self-signed certificate.  Clients
        that connect to 127.0.0.1 by address (smtplib) cannot check the
        name, but still verify the certificate."""
        ctx = ssl.create_default_context(cafile=self.cafile)
        ctx.check_hostname = check_hostname
        return ctx

    def dialog(self, kind="submission", tls=None, greet=True):
        return Dialog(self, kind, tls=tls, greet=greet)

    def auth_ok(self, user, password):
        """Whether AUTH PLAIN with these credentials gets 235 on the
        implicit-TLS port."""
        d = self.dialog("smtps")
        d.expect("EHLO c.example", 250)
        code, _ = d.cmd("AUTH PLAIN " + plain_token(user, password))
        d.close()
        return code == 235

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def submission(srv, timeout=5):
    """An smtplib client on srv's submission port, after STARTTLS and
    AUTH as USER."""
    s = smtplib.SMTP("127.0.0.1", srv.ports["submission"], timeout=timeout)
    try:
        s.starttls(context=srv.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
    except BaseException:
        s.close()
        raise
    return s


def parse_envelope(raw):
    """The "KEY LEN VALUE\\n" lines of an envelope (envelope.h), by their
    explicit lengths: ({key: value} of the single fields, [recipients]),
    each recipient {"addr", "notify", "orcpt"} (its DSN parameters)."""
    magic = b"postern-envelope 1\n"
    assert raw.startswith(magic)
    pos, fields, rcpts = len(magic), {}, []
    while pos < len(raw):
        sp1 = raw.index(b" ", pos)
        sp2 = raw.index(b" ", sp1 + 1)
        key = raw[pos:sp1].decode()
        n = int(raw[sp1 + 1:sp2])
        value = raw[sp2 + 1:sp2 + 1 + n].decode("utf-8")
        assert raw[sp2 + 1 + n:sp2 + 2 + n] == b"\n", key
        pos = sp2 + 2 + n
        if key == "rcpt":
            rcpts.append({"addr": value, "notify": 0, "orcpt": ""})
        elif key == "notify":
            rcpts[-1]["notify"] = int(value)
        elif key == "orcpt":
            rcpts[-1]["orcpt"] = value
        else:
            assert key not in fields, key
            fields[key] = value
    return fields, rcpts


SEG_NAME = re.compile(r"[0-9A-F]{16}\.seg")


def spool_log_records(qdir):
    """Every whole, valid record of the spool log's segments, read as
    docs/ARCHITECTURE.md ("The spool log") describes them and written
    independently of queue/seglog.c: [(segment, offset, envelope bytes,
    content bytes, done)], in order.  A segment's scan stops at the
    first record that fails a check."""
    out = []
    for name in sorted(n for n in os.listdir(qdir) if SEG_NAME.fullmatch(n)):
        segno = int(name[:16], 16)
        try:
            with open(os.path.join(qdir, name), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue                # reclaimed meanwhile
        done = set()
        try:
            with open(os.path.join(qdir, name[:16] + ".done"), "rb") as f:
                dl = f.read()
        except FileNotFoundError:
            dl = b""
        for i in range(0, len(dl) - 15, 16):
            a, b = struct.unpack_from("<QQ", dl, i)
            if a ^ b == 0xFFFFFFFFFFFFFFFF:
                done.add(a)
        off = 0
        while len(data) - off >= 40:
            if data[off:off + 4] != b"PSG1":
                break
            elen, clen, sno = struct.unpack_from("<IQQ", data, off + 4)
            end = off + 40 + elen + clen
            if elen > 16 << 20 or clen > 1 << 30 or sno != segno or \
                    end > len(data):
                break
            h = hashlib.sha256(data[off:off + 24] + data[off + 40:end])
            if h.digest()[:16] != data[off + 24:off + 40]:
                break
            out.append((segno, off, data[off + 40:off + 40 + elen],
                        data[off + 40 + elen:end], off in done))
            off = end
    return out


def spool_log_messages(qdir):
    """{id: Queued} of the spool log's records not done."""
    out = {}
    for _, _, raw, content, done in spool_log_records(qdir):
        if done:
            continue
        env = raw.decode("utf-8")
        assert env.startswith("postern-envelope 1\n")
        assert env.endswith("end 0 \n")
        q = Queued(env, content, raw)
        out[q.fields["id"]] = q
    return out


class Queued(tuple):
    """One committed message: the tuple (envelope text, content bytes),
    plus the envelope parsed: .fields, .rcpts and the DSN parameters
    (RFC 3461) .ret (0 none, 1 FULL, 2 HDRS), .envid (xtext as sent),
    .notify and .orcpt (one per recipient, in order)."""

    def __new__(cls, env, content, raw):
        self = super().__new__(cls, (env, content))
        self.fields, self.rcpts = parse_envelope(raw)
        return self

    @property
    def ret(self):
        return int(self.fields["ret"])

    @property
    def envid(self):
        return self.fields["envid"]

    @property
    def notify(self):
        return [r["notify"] for r in self.rcpts]

    @property
    def orcpt(self):
        return [r["orcpt"] for r in self.rcpts]


class Dialog:
    """A raw SMTP client that shows every reply exactly as sent."""

    def __init__(self, server, kind, tls=None, greet=True):
        self.server = server
        self.sock = socket.create_connection(
            ("127.0.0.1", server.ports[kind]), timeout=scaled(10))
        if tls is None:
            tls = kind == "smtps"
        if tls:
            self.sock = server.client_context().wrap_socket(
                self.sock, server_hostname=HOST)
        self.buf = b""
        if greet:
            self.banner = self.reply()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; buffered %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def reply(self):
        """One whole reply: returns (code, [text lines]) and the raw
        first line is in self.last."""
        lines = []
        while True:
            line = self.readline()
            assert len(line) >= 3 and line[:3].isdigit(), line
            lines.append(line)
            if len(line) == 3 or line[3] == " ":
                break
            assert line[3] == "-", line
        self.last = lines[-1]
        return int(lines[0][:3]), [l[4:] for l in lines]

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def expect(self, line, code, text=None):
        c, lines = self.cmd(line)
        assert c == code, (line, c, lines)
        if text is not None:
            assert text in " ".join(lines), (line, lines)
        return lines

    def starttls(self):
        self.expect("STARTTLS", 220)
        assert self.buf == b""
        self.sock = self.server.client_context().wrap_socket(
            self.sock, server_hostname=HOST)

    def login(self, user=USER, password=PASSWORD):
        """EHLO, STARTTLS if needed, EHLO, AUTH PLAIN."""
        self.expect("EHLO client.example", 250)
        if not isinstance(self.sock, ssl.SSLSocket):
            self.starttls()
            self.expect("EHLO client.example", 250)
        token = base64.b64encode(
            b"\0" + user.encode() + b"\0" + password.encode()).decode()
        return self.cmd("AUTH PLAIN " + token)

    def closed(self, timeout=5):
        """True once the server has closed the connection."""
        self.sock.settimeout(scaled(timeout))
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def conf_markers(request):
    """The test's @pytest.mark.conf(...) settings, merged."""
    conf = {}
    for m in request.node.iter_markers("conf"):
        conf.update(m.kwargs)
    return conf


def finish(srv):
    """Stop a fixture's server: it must exit 0, and its log must hold no
    password and no sanitizer report."""
    try:
        rc = srv.stop()
        assert rc == 0, "server exited %s\n%s" % (rc, srv.log())
        log = srv.log()
        assert PASSWORD not in log
        assert "AddressSanitizer" not in log and "runtime error" not in log, log
    finally:
        shutil.rmtree(srv.tmp, ignore_errors=True)


@pytest.fixture
def server(request):
    srv = Server(conf_markers(request)).start()
    yield srv
    finish(srv)


@pytest.fixture
def unstarted(request):
    """A configured data directory whose server the test starts itself."""
    srv = Server(conf_markers(request))
    yield srv
    srv.cleanup()


def plain_token(user=USER, password=PASSWORD):
    return base64.b64encode(
        b"\0" + user.encode() + b"\0" + password.encode()).decode()


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()
