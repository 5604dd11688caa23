"""A small authoritative DNS server on 127.0.0.1 for delivery tests,
standard library only.  dnsmasq (Debian dnsmasq-base) cannot publish a
null MX (RFC 7505: "MX 0 .") nor answer SERVFAIL on demand, and both are
cases postern must handle, so the tests use this instead.  It answers UDP
queries for MX, A and AAAA from its tables: a known name without the
asked type gets NOERROR with no answer (NODATA), an unknown name NXDOMAIN,
a name marked with servfail() SERVFAIL.  Every answer is authoritative.

    d = DnsServer()
    d.mx("example.test", "mx.example.test", 10)
    d.a("mx.example.test", "127.0.0.2")
    ... server config: dns_server = d.addr
    d.stop()
"""
import socket
import struct
import threading

T_A, T_MX, T_AAAA = 1, 15, 28


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def _decode_name(data, off):
    labels = []
    while True:
        n = data[off]
        off += 1
        if n == 0:
            break
        labels.append(data[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels).lower(), off


class DnsServer:
    def __init__(self):
        self.records = {}       # name -> {type: [rdata bytes]}
        self.failing = set()
        self.queries = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _add(self, name, rtype, rdata):
        with self.lock:
            self.records.setdefault(name.lower().rstrip("."), {}) \
                .setdefault(rtype, []).append(rdata)

    def mx(self, domain, host, pref):
        self._add(domain, T_MX, struct.pack("!H", pref) + _encode_name(host))

    def null_mx(self, domain):
        self._add(domain, T_MX, struct.pack("!H", 0) + b"\0")

    def a(self, name, addr):
        self._add(name, T_A, socket.inet_pton(socket.AF_INET, addr))

    def aaaa(self, name, addr):
        self._add(name, T_AAAA, socket.inet_pton(socket.AF_INET6, addr))

    def name(self, name):
        """A name that exists with no records (NODATA for everything)."""
        with self.lock:
            self.records.setdefault(name.lower().rstrip("."), {})

    def servfail(self, name):
        with self.lock:
            self.failing.add(name.lower().rstrip("."))

    def _answer(self, query):
        ident, flags, qd = struct.unpack("!HHH", query[:6])
        name, off = _decode_name(query, 12)
        qtype, qclass = struct.unpack("!HH", query[off:off + 4])
        question = query[12:off + 4]
        with self.lock:
            self.queries.append((name, qtype))
            failing = name in self.failing
            known = name in self.records
            rdatas = list(self.records.get(name, {}).get(qtype, []))
        rd = flags & 0x0100
        if failing:
            rcode, rdatas = 2, []
        elif not known:
            rcode, rdatas = 3, []
        else:
            rcode = 0
        hdr = struct.pack("!HHHHHH", ident, 0x8400 | rd | rcode, 1,
                          len(rdatas), 0, 0)
        body = b""
        for rdata in rdatas:
            body += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60,
                                              len(rdata)) + rdata
        return hdr + question + body

    def _serve(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            try:
                self.sock.sendto(self._answer(data), peer)
            except (IndexError, struct.error, OSError):
                continue

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()
