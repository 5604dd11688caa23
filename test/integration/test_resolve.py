"""The resolver (src/queue/resolve.c) against a local dnsmasq.

The C side is the unit test binary build/test/resolve_test (built by
`make unit`); with POSTERN_TEST_DNS set it runs its DNS cases against the
zone below, whose names and expected results are listed in
test/unit/resolve_test.c: keep the two in step.  The fixture itself is
checked first with plain queries, so a failure says which side is wrong.
Nothing here uses the system resolver: every query goes to 127.0.0.1.
"""
import os
import subprocess

import pytest

from conftest import BIN, free_port
from dnsfix import DnsServer, query

UNIT = os.path.join(os.path.dirname(os.path.abspath(BIN)), "test",
                    "resolve_test")

T_A, T_MX, T_AAAA = 1, 15, 28


def zone():
    r = [
        ("MX", "mx.test", "mx1.mx.test", 10),
        ("MX", "mx.test", "mx2.mx.test", 10),
        ("MX", "mx.test", "mx3.mx.test", 20),
        ("MX", "mx.test", "noaddr.mx.test", 30),
        ("MX", "mx.test", "mx1.mx.test", 40),
        ("A", "mx1.mx.test", "127.0.0.11"),
        ("AAAA", "mx1.mx.test", "::11"),
        ("A", "mx2.mx.test", "127.0.0.12"),
        ("AAAA", "mx3.mx.test", "::13"),
        ("MX", "shared.test", "a.shared.test", 10),
        ("MX", "shared.test", "b.shared.test", 20),
        ("MX", "shared.test", "c.shared.test", 30),
        ("A", "a.shared.test", "127.0.0.21"),
        ("A", "b.shared.test", "127.0.0.21"),
        ("A", "b.shared.test", "127.0.0.22"),
        ("A", "c.shared.test", "127.0.0.21"),
        ("MX", "noaddr.test", "none.noaddr.test", 10),
        ("A", "implicit.test", "127.0.0.31"),
        ("AAAA", "implicit.test", "::31"),
        ("AAAA", "v6only.test", "::41"),
        ("NULLMX", "nullmx.test"),
        ("TXT", "nodata.test", "no mail here"),
        ("SERVFAIL", "fail.test"),
        ("TIMEOUT", "slow.test"),
        ("MX", "part.test", "mx.fail.test", 10),
        ("MX", "part.test", "ok.part.test", 20),
        ("A", "ok.part.test", "127.0.0.51"),
        ("MX", "tmp.test", "mx.fail.test", 10),
        ("MX", "tmpmix.test", "gone.tmpmix.test", 10),
        ("MX", "tmpmix.test", "mx.fail.test", 20),
        ("MX", "cname.test", "alias.cname.test", 10),
        ("CNAME", "alias.cname.test", "real.cname.test"),
        ("A", "real.cname.test", "127.0.0.61"),
        ("CNAME", "cnamemx.test", "mx.test"),
        ("MX", "many.test", "many.many.test", 10),
    ]
    for i in range(1, 21):
        r.append(("MX", "big.test", "h%d.big.test" % i, i))
        r.append(("A", "h%d.big.test" % i, "127.0.1.%d" % i))
    for i in range(1, 11):
        r.append(("A", "many.many.test", "127.0.2.%d" % i))
        r.append(("AAAA", "many.many.test", "::2:%d" % i))
    return r


@pytest.fixture(scope="module")
def dns():
    with DnsServer(zone()) as d:
        yield d


def test_fixture_answers(dns):
    """The fixture serves what resolve_test.c expects of it."""
    assert query(dns.addr, "mx.test", T_MX) == (0, 5)
    assert query(dns.addr, "nullmx.test", T_MX) == (0, 1)
    assert query(dns.addr, "mx1.mx.test", T_AAAA) == (0, 1)
    assert query(dns.addr, "nx.test", T_A) == (3, 0)        # NXDOMAIN
    assert query(dns.addr, "nodata.test", T_MX) == (0, 0)   # NODATA
    assert query(dns.addr, "sf.fail.test", T_A) == (2, 0)   # SERVFAIL
    assert query(dns.addr, "outside.example", T_A) == (5, 0)  # REFUSED
    assert query(dns.addr, "x.slow.test", T_A, timeout=0.3) is None
    assert query(dns.addr, "alias.cname.test", T_A) == (0, 2)


def test_resolver(dns):
    if not os.access(UNIT, os.X_OK):
        pytest.skip("%s not built (make unit builds it)" % UNIT)
    env = dict(os.environ, POSTERN_TEST_DNS=dns.addr,
               POSTERN_TEST_DNS_CLOSED="127.0.0.1:%d" % free_port())
    p = subprocess.run([UNIT], env=env, capture_output=True, text=True,
                       timeout=120)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out + "\n--- dnsmasq log:\n" + dns.log()
    assert "SKIPPED" not in out, out
    assert "AddressSanitizer" not in out and "runtime error" not in out, out
