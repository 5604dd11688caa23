"""DNS fixture for tests: a dnsmasq on 127.0.0.1 serving a made-up zone.

Why dnsmasq: it is a real DNS implementation (name compression,
additional sections, TCP), and it serves what delivery needs from its
configuration alone, as checked with dnsmasq 2.90 (Debian 12):
  - MX            mx-host=DOMAIN,TARGET,PREF
  - null MX       mx-host=DOMAIN,.,0 answers "MX 0 ." (RFC 7505)
  - A / AAAA      host-record=NAME,ADDR (one line per address)
  - CNAME         cname=ALIAS,TARGET (TARGET must be served here too)
  - NXDOMAIN      any other name under a zone given to local=/ZONE/
  - NODATA        a name that exists with other types only (e.g. TXT)
  - REFUSED       any name outside the local zones (--no-resolv: no
                  upstream), so nothing is ever forwarded off loopback
dnsmasq cannot make up SERVFAIL or silence by itself, so a tiny
standard-library responder runs next to it on loopback: servfail(DOMAIN)
forwards DOMAIN to a socket that answers SERVFAIL to every query, and
timeout(DOMAIN) to a UDP socket that never answers.  dnsmasq passes
SERVFAIL through as it is.

Use:
    with DnsServer([("MX", "example.test", "mx.example.test", 10),
                    ("A", "mx.example.test", "127.0.0.2")]) as dns:
        ... dns.addr ...   # "127.0.0.1:PORT"
Record tuples: ("MX", domain, target, pref), ("NULLMX", domain),
("A" or "AAAA", name, addr), ("CNAME", alias, target), ("TXT", name,
text), ("SERVFAIL", domain), ("TIMEOUT", domain).  zones (default
["test"]) are answered locally.  The dnsmasq query log is in dns.log().
Run it inside a network namespace (unshare -n) as the test scripts do;
it binds 127.0.0.1 only either way.
"""
import os
import random
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

DNSMASQ = "/usr/sbin/dnsmasq"
LOCALHOST = "127.0.0.1"


def bind_pair():
    """A UDP and a TCP socket bound to the same port on 127.0.0.1 (DNS
    answers on both).  The port the kernel picks for UDP may be a TCP
    client's local port at that moment: then another is taken."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((LOCALHOST, 0))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind((LOCALHOST, u.getsockname()[1]))
            return u, t
        except OSError:
            u.close()
            t.close()
    raise RuntimeError("no port free for both UDP and TCP")


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (dnsmasq uses both)."""
    u, t = bind_pair()
    port = u.getsockname()[1]
    u.close()
    t.close()
    return port


def build_query(name, qtype, tid=None):
    if tid is None:
        tid = random.randrange(65536)
    qname = b"".join(bytes([len(l)]) + l.encode("ascii")
                     for l in name.rstrip(".").split(".") if l) + b"\0"
    return struct.pack(">HHHHHH", tid, 0x0100, 1, 0, 0, 0) + qname + \
        struct.pack(">HH", qtype, 1)


def query(addr, name, qtype, timeout=2.0):
    """One UDP query: (rcode, ancount), or None on timeout."""
    host, port = addr.rsplit(":", 1)
    pkt = build_query(name, qtype)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(pkt, (host, int(port)))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            return None
    if len(data) < 12 or data[:2] != pkt[:2]:
        return None
    flags, _, ancount = struct.unpack(">HHH", data[2:8])
    return flags & 0xF, ancount


class _Responder:
    """SERVFAIL to every query (UDP and TCP) on one port; silence on
    another (a bound UDP socket nobody reads, so no ICMP either)."""

    def __init__(self):
        self.udp, self.tcp = bind_pair()
        self.port = self.udp.getsockname()[1]
        self.tcp.listen(8)
        self.silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.silent.bind((LOCALHOST, 0))
        self.silent_port = self.silent.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @staticmethod
    def _servfail(q):
        """The SERVFAIL answer to query q: its id and question only."""
        if len(q) < 12 or q[4:6] != b"\0\x01":
            return None
        i = 12
        while i < len(q) and q[i] != 0:     # uncompressed qname
            if q[i] & 0xC0:
                return None
            i += 1 + q[i]
        if i + 5 > len(q):
            return None
        flags = struct.unpack(">H", q[2:4])[0]
        # QR, the query's opcode and RD, RA, rcode 2 (SERVFAIL)
        out = 0x8000 | (flags & 0x7900) | 0x0080 | 2
        return q[:2] + struct.pack(">HHHHH", out, 1, 0, 0, 0) + \
            q[12:i + 5]

    def _loop(self):
        while not self.stopping:
            try:
                r, _, _ = select.select([self.udp, self.tcp], [], [], 0.1)
            except (OSError, ValueError):
                return
            if self.udp in r:
                q, peer = self.udp.recvfrom(65535)
                a = self._servfail(q)
                if a:
                    self.udp.sendto(a, peer)
            if self.tcp in r:
                self._tcp_one()

    def _tcp_one(self):
        conn, _ = self.tcp.accept()
        with conn:
            conn.settimeout(1)
            try:
                n = struct.unpack(">H", conn.recv(2))[0]
                q = b""
                while len(q) < n:
                    chunk = conn.recv(n - len(q))
                    if not chunk:
                        return
                    q += chunk
                a = self._servfail(q)
                if a:
                    conn.sendall(struct.pack(">H", len(a)) + a)
            except (OSError, struct.error):
                pass

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        for s in (self.udp, self.tcp, self.silent):
            s.close()


class DnsServer:
    def __init__(self, records=(), zones=("test",)):
        self.records = list(records)
        self.zones = list(zones)
        self.tmp = tempfile.mkdtemp(prefix="postern-dns-")
        self.conf = os.path.join(self.tmp, "dnsmasq.conf")
        self.logpath = os.path.join(self.tmp, "dnsmasq.log")
        self.errpath = os.path.join(self.tmp, "dnsmasq.stderr")
        self.proc = None
        self.port = None
        self.responder = None

    # -- configuration -------------------------------------------------
    def _lines(self):
        out = ["local=/%s/" % z for z in self.zones]
        for rec in self.records:
            kind, args = rec[0].upper(), rec[1:]
            if kind == "MX":
                domain, target, pref = args
                out.append("mx-host=%s,%s,%d" % (domain, target, pref))
            elif kind == "NULLMX":
                out.append("mx-host=%s,.,0" % args[0])
            elif kind in ("A", "AAAA"):
                out.append("host-record=%s,%s" % args)
            elif kind == "CNAME":
                out.append("cname=%s,%s" % args)
            elif kind == "TXT":
                out.append('txt-record=%s,"%s"' % args)
            elif kind == "SERVFAIL":
                out.append("server=/%s/%s#%d" % (args[0], LOCALHOST,
                                                 self.responder.port))
            elif kind == "TIMEOUT":
                out.append("server=/%s/%s#%d" % (
                    args[0], LOCALHOST, self.responder.silent_port))
            else:
                raise ValueError("unknown record %r" % (rec,))
            for a in args:
                if any(c in str(a) for c in "\n\r/#"):
                    raise ValueError("bad character in %r" % (rec,))
        return out

    # -- life cycle ----------------------------------------------------
    @property
    def addr(self):
        return "%s:%d" % (LOCALHOST, self.port)

    def start(self, timeout=5.0):
        self.responder = _Responder()
        with open(self.conf, "w") as f:
            f.write("\n".join(self._lines()) + "\n")
        for _ in range(3):      # the free port may be taken meanwhile
            self.port = free_port()
            self.logf = open(self.errpath, "ab")
            # --conf-file given: /etc/dnsmasq.conf is not read.
            # --user=root: no privilege drop, which would need "nobody"
            # to write the log; --pid-file= : no pid file.
            self.proc = subprocess.Popen(
                [DNSMASQ, "--no-daemon", "--keep-in-foreground",
                 "--no-resolv", "--no-hosts", "--no-poll",
                 "--bind-interfaces", "--listen-address=" + LOCALHOST,
                 "--port=%d" % self.port, "--conf-file=" + self.conf,
                 "--user=root", "--pid-file=", "--cache-size=0",
                 "--log-queries", "--log-facility=" + self.logpath],
                stdin=subprocess.DEVNULL, stdout=self.logf,
                stderr=self.logf)
            if self._wait_ready(timeout):
                return self
            self._kill()
        self.stop()
        raise RuntimeError("dnsmasq did not start:\n" +
                           self.log(self.errpath))

    def _wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if query(self.addr, "probe." + self.zones[0], 1,
                         timeout=0.2) is not None:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None:
            self.logf.close()
        self.proc = None

    def stop(self):
        self._kill()
        self.port = None
        if self.responder is not None:
            self.responder.stop()
            self.responder = None

    def log(self, path=None):
        """The query log (its stderr, which repeats it, is apart)."""
        try:
            with open(path or self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False


class Zone:
    """Records added one by one, then served: dnsmasq starts the first
    time .addr is read (the server's config needs it), so a test can set
    up its records before starting postern.
        z = Zone(); z.mx("d.test", "mx.d.test", 10); z.a("mx.d.test", ip)
        ... dns_server = z.addr ...; z.stop()
    zones: the zones answered locally, e.g. ("test", "google.com") to
    give a test domain an MX under a provider's real suffix."""

    def __init__(self, zones=("test",)):
        self.records = []
        self.zones = list(zones)
        self.server = None

    def mx(self, domain, target, pref):
        self.records.append(("MX", domain, target, pref))

    def null_mx(self, domain):
        self.records.append(("NULLMX", domain))

    def a(self, name, addr):
        self.records.append(("A", name, addr))

    def aaaa(self, name, addr):
        self.records.append(("AAAA", name, addr))

    def name(self, name):
        """A name that exists without A/AAAA/MX (NODATA for those)."""
        self.records.append(("TXT", name, "exists"))

    def servfail(self, domain):
        self.records.append(("SERVFAIL", domain))

    @property
    def addr(self):
        if self.server is None:
            self.server = DnsServer(self.records, self.zones).start()
        return self.server.addr

    def stop(self):
        if self.server is not None:
            self.server.cleanup()
            self.server = None
