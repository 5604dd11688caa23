"""Provider-aware delivery (docs/DELIVERABILITY.md): destinations whose
MX hosts share a provider's suffix share its connection cap; a
connection carries at most the provider's messages; a provider's reply
holds the scope its text names, with Google's recovery (no connection
for 10 minutes, then one, then one more per clean interval), and the
hold survives a restart.  The test DNS server serves google.com and
yahoodns.net zones locally, so test domains get MX hosts under the real
suffixes; the sinks on 127.0.0.x count connections; the server's clock
for the holds is moved through POSTERN_TEST_CLOCK (lib/clock.h)."""
import json
import os
import smtplib
import threading
import time

import pytest

from conftest import HOST, PASSWORD, USER, Server, free_port, run, wait_for
from dnsfix import Zone
from sinks import Sink

SINK_PORT = None
GOOGLE_MX = "aspmx.l.google.com"
YAHOO_MX = "mta5.am0.yahoodns.net"
DKIM_421 = ("421-4.7.28 [127.0.0.1] Our system has detected an unusual "
            "rate of\r\n421-4.7.28 unsolicited mail originating from your "
            "DKIM domain a.test. To\r\n421 4.7.28 protect our users from "
            "spam, mail from your domain has been rate limited.")


def sink_port():
    global SINK_PORT
    if SINK_PORT is None:
        SINK_PORT = free_port()
    return SINK_PORT



def submit_many(server, sender, rcpts, subject="m"):
    """One message per recipient over one session; the subjects are
    SUBJECT-0, SUBJECT-1 ..."""
    with smtplib.SMTP("127.0.0.1", server.ports["submission"],
                      timeout=20) as s:
        s.starttls(context=server.client_context(check_hostname=False))
        s.login(sender, PASSWORD)
        for i, rcpt in enumerate(rcpts):
            msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s-%d\r\n"
                   "Message-ID: <%s.%d.%f@x.test>\r\n\r\nHello.\r\n" % (
                       sender, rcpt, subject, i, subject, i, time.time()))
            assert s.sendmail(sender, [rcpt], msg.encode()) == {}


def subjects(sink, sender_domain=None):
    with sink.lock:
        msgs = list(sink.messages)
    return [m.header("Subject") for m in msgs
            if sender_domain is None or
            m.mail_from.endswith("@" + sender_domain)]


class Clock:
    """The offset file of POSTERN_TEST_CLOCK."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "clock")
        self.set(0)

    def set(self, seconds):
        with open(self.path + ".tmp", "w") as f:
            f.write("%d\n" % seconds)
        os.rename(self.path + ".tmp", self.path)


@pytest.fixture
def dns():
    d = Zone(zones=("test", "google.com", "yahoodns.net"))
    yield d
    d.stop()


@pytest.fixture
def mkserver():
    made = []

    def make(dns, providers=None, senders=(), wait=True, **conf):
        settings = {"delivery": "yes", "dns_server": dns.addr,
                    "outbound_port": sink_port(), "retry_min": "1s",
                    "retry_max": "2s", "timeout_connect": "2s",
                    "timeout_outbound": "5s", "delivery_workers": "4"}
        settings.update(conf)
        s = Server(settings)
        made.append(s)
        s.clock = Clock(s.tmp)
        s.env = {"POSTERN_TEST_CLOCK": s.clock.path}
        if providers is not None:
            with open(os.path.join(s.dir, "providers.conf"), "w") as f:
                f.write(providers)
        for addr in senders:
            domain = addr.split("@")[1]
            run("-d", s.dir, "domain", "add", domain, "--dkim", "none")
            run("-d", s.dir, "mailbox", "add", addr, "--password-stdin",
                input=PASSWORD + "\n")
        return s.start(wait=wait)

    yield make
    for s in made:
        s.cleanup()


def queue_holds(srv):
    env = dict(os.environ, POSTERN_TEST_CLOCK=srv.clock.path)
    import subprocess
    from conftest import BIN
    r = subprocess.run([BIN, "-d", srv.dir, "queue", "holds", "--json"],
                       capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout)["holds"]


def google_domains(dns, n, addr="127.0.0.2"):
    names = ["g%d.test" % i for i in range(1, n + 1)]
    for d in names:
        dns.mx(d, GOOGLE_MX, 10)
    dns.a(GOOGLE_MX, addr)
    return names


def test_gmail_dkim_hold_then_slow_start(dns, mkserver):
    doms = google_domains(dns, 4)
    sink = Sink("127.0.0.2", sink_port(), script=[DKIM_421], delay=0.3)
    with sink:
        srv = mkserver(dns, providers="provider google per_connection=1\n",
                       senders=("alice@a.test", "bob@b.test"))
        # the 421 names the DKIM domain (no key: the sender's domain)
        submit_many(srv, "alice@a.test", ["first@g1.test"], "first")
        srv.wait_log("hold google dkim=a.test until")
        assert "(421 4.7.28" in srv.log()
        held = queue_holds(srv)
        assert [(h["provider"], h["scope"], h["value"], h["connections"])
                for h in held] == [("google", "dkim", "a.test", 0)]
        assert held[0]["until"] - held[0]["since"] == 600
        assert "4.7.28" in held[0]["reason"]
        a_conns = len(sink.conns_from("a.test"))
        assert a_conns == 1
        # 20 more from a.test over the provider's four domains
        rcpts = ["u%d@%s" % (i, doms[i % 4]) for i in range(20)]
        submit_many(srv, "alice@a.test", rcpts, "a")
        # b.test, on the same IP, flows during the hold
        submit_many(srv, "bob@b.test", ["v%d@%s" % (i, doms[i % 4])
                                        for i in range(4)], "b")
        wait_for(lambda: len(subjects(sink, "b.test")) == 4,
                 what="b.test delivered during the hold")
        time.sleep(1.5)
        assert len(sink.conns_from("a.test")) == a_conns
        # the hold is on disk: a restart keeps it
        srv.stop()
        srv.start()
        srv.wait_log("hold google dkim=a.test kept from before the start")
        srv.clock.set(9 * 60)
        time.sleep(2.5)
        assert len(sink.conns_from("a.test")) == a_conns, \
            "a connection for a.test during the 10 minutes"
        assert subjects(sink, "a.test") == []
        # after 10 minutes: one connection at a time
        sink.reset_max()
        srv.clock.set(600 + 1)
        wait_for(lambda: len(subjects(sink, "a.test")) >= 4, 20,
                 "a.test delivered with one connection")
        assert sink.max_active_from["a.test"] == 1
        srv.wait_log("hold google dkim=a.test: 1 connection now")
        # each clean interval (5 minutes) one more
        for allowed in (2, 3):
            sink.reset_max()
            srv.clock.set(600 + 1 + (allowed - 1) * 300)
            before = len(subjects(sink, "a.test"))
            wait_for(lambda: sink.max_active_from["a.test"] >= allowed, 20,
                     "%d connections for a.test" % allowed)
            assert sink.max_active_from["a.test"] == allowed
            wait_for(lambda: len(subjects(sink, "a.test")) >= before + 2, 20,
                     "a.test delivered with %d connections" % allowed)
            assert sink.max_active_from["a.test"] == allowed
            srv.wait_log("hold google dkim=a.test: %d connections now"
                         % allowed)
        # at the provider's cap (5) the hold is lifted; all delivered once
        srv.clock.set(600 + 1 + 4 * 300)
        wait_for(lambda: len(subjects(sink, "a.test")) == 21, 30,
                 "every a.test message delivered")
        srv.wait_log("hold google dkim=a.test lifted")
        got = subjects(sink, "a.test")
        assert len(set(got)) == 21
        assert sink.max_active <= 5
        assert queue_holds(srv) == []
        wait_for(lambda: not srv.queued(), what="queue empty")


def test_reused_connection_gives_back_its_hold_slot_between_jobs(
        dns, mkserver):
    """A hold on a.test allows one connection, and the connection that
    carries a.test's message holds it.  When that connection takes more
    work, the slot goes back first, so a.test's next message may ride
    it too instead of waiting for the connection's end (one worker: no
    other connection could take it meanwhile)."""
    doms = google_domains(dns, 1)
    gate = threading.Event()
    gate.set()
    sink = Sink("127.0.0.2", sink_port(), script=[DKIM_421], gate=gate)
    with sink:
        srv = mkserver(dns, senders=("alice@a.test", "bob@b.test"),
                       delivery_workers="1", retry_min="1h",
                       retry_max="2h")
        submit_many(srv, "alice@a.test", ["first@" + doms[0]], "first")
        srv.wait_log("hold google dkim=a.test until")
        srv.clock.set(600 + 1)              # one connection allowed
        gate.clear()
        submit_many(srv, "alice@a.test", ["a1@" + doms[0]], "a1")
        wait_for(lambda: len(sink.conns_from("a.test")) == 2,
                 what="a1's connection")
        submit_many(srv, "alice@a.test", ["a2@" + doms[0]], "a2")
        submit_many(srv, "bob@b.test", ["b1@" + doms[0]], "b1")
        wait_for(lambda: srv.log().count(": scheduled") == 4,
                 what="all four scheduled")
        gate.set()
        wait_for(lambda: len(sink.messages) == 3, what="a1, a2, b1")
        # the 421'd first connection, then one that carried all three
        assert [c.delivered for c in sink.conns_from("a.test")] == [0, 3]
        assert sorted(subjects(sink)) == ["a1-0", "a2-0", "b1-0"]


def test_gmail_text_without_scope_holds_all_three(dns, mkserver):
    doms = google_domains(dns, 1)
    reply = "421 4.7.28 Try again later, unusual rate of mail."
    with Sink("127.0.0.2", sink_port(), script=[reply]):
        srv = mkserver(dns, senders=("alice@a.test",))
        submit_many(srv, "alice@a.test", ["x@" + doms[0]])
        srv.wait_log("hold google spf=a.test until")
        scopes = sorted((h["scope"], h["value"]) for h in queue_holds(srv))
        assert [s for s, _ in scopes] == ["dkim", "ip", "spf"]
        assert ("ip", "127.0.0.1") in scopes
        text = run("-d", srv.dir, "queue", "holds").stdout
        assert "google ip=127.0.0.1: no connection until " in text
        assert "421 4.7.28 Try again later" in text
        assert text.endswith("-- 3 holds\n")
        listing = run("-d", srv.dir, "queue", "list").stdout
        assert "-- 3 holds on providers (postern queue holds)" in listing
        # explain of the same reply says what delivery does, and holds
        out = run("-d", srv.dir, "explain", reply).stdout
        assert ("From google, postern's delivery takes this reply as a "
                "throttle") in out
        assert out.count("  held now: google ") == 3
        assert "held now: google ip=127.0.0.1: no connection until" in out


def yahoo_run(dns, mkserver, providers, n=45):
    dns.mx("yahoo.test", YAHOO_MX, 10)
    dns.a(YAHOO_MX, "127.0.0.3")
    sink = Sink("127.0.0.3", sink_port(), close_after=20)
    with sink:
        srv = mkserver(dns, providers=providers, delivery="no",
                       delivery_workers="1")
        submit_many(srv, USER, ["y%d@yahoo.test" % i for i in range(n)])
        # all queued first, so one job carries them all
        srv.stop()
        srv.settings["delivery"] = "yes"
        srv.write_conf()
        srv.start()
        wait_for(lambda: len(sink.messages) >= n, 30, "all delivered")
        wait_for(lambda: not srv.queued(), what="queue empty")
        time.sleep(0.5)
        got = subjects(sink)
        assert sorted(got) == sorted("m-%d" % i for i in range(n))
        assert len(sink.attempts) == n      # nothing sent twice
        assert "status=deferred" not in srv.log()
        assert srv.log().count("status=sent") == n
        return sink


def test_yahoo_messages_per_connection(dns, mkserver):
    # the shipped table: 20 a connection, then a new one; the sink's
    # close after 20 is never reached
    sink = yahoo_run(dns, mkserver, None)
    counts = [c.delivered for c in sink.conns if c.senders]
    assert counts == [20, 20, 5]


def test_yahoo_closes_after_20_reconnect(dns, mkserver):
    # more per connection than the receiver takes: it closes without an
    # error after 20, postern connects again for the rest, no retries
    sink = yahoo_run(dns, mkserver, "provider yahoo per_connection=50\n")
    counts = [c.delivered for c in sink.conns if c.senders]
    assert counts[:2] == [20, 20] and sum(counts) == 45


def test_provider_connection_cap_across_domains(dns, mkserver):
    # eight domains, one provider (Google: 5 connections), eight workers
    doms = google_domains(dns, 8)
    sink = Sink("127.0.0.2", sink_port(), delay=0.4)
    with sink:
        srv = mkserver(dns, delivery="no", delivery_workers="8")
        submit_many(srv, USER, ["c%d@%s" % (i, doms[i % 8])
                                for i in range(24)])
        srv.stop()
        srv.settings["delivery"] = "yes"
        srv.write_conf()
        srv.start()
        wait_for(lambda: len(sink.messages) == 24, 30, "all delivered")
        assert sink.max_active == 5
        assert len(set(subjects(sink))) == 24
        assert "status=deferred" not in srv.log()


def test_provider_cap_from_providers_conf(dns, mkserver):
    doms = google_domains(dns, 4)
    sink = Sink("127.0.0.2", sink_port(), delay=0.3)
    with sink:
        srv = mkserver(dns, providers="# two at most\n"
                       "provider google connections=2\n",
                       delivery="no", delivery_workers="4")
        submit_many(srv, USER, ["c%d@%s" % (i, doms[i % 4])
                                for i in range(8)])
        srv.stop()
        srv.settings["delivery"] = "yes"
        srv.write_conf()
        srv.start()
        wait_for(lambda: len(sink.messages) == 8, 30, "all delivered")
        assert sink.max_active == 2


def test_bad_providers_conf_fails_the_start(dns, mkserver):
    srv = mkserver(dns, providers="provider google connections=lots\n",
                   wait=False)
    assert srv.proc.wait(timeout=15) != 0
    assert "providers.conf line 1: provider google: bad" in srv.log()


def warmup_of(srv, addr):
    env = dict(os.environ, POSTERN_TEST_CLOCK=srv.clock.path)
    import subprocess
    from conftest import BIN
    r = subprocess.run([BIN, "-d", srv.dir, "mailbox", "show", addr,
                        "--json"], capture_output=True, text=True, env=env,
                       check=True)
    return json.loads(r.stdout)["warmup"]


def test_gmail_421_freezes_the_senders_ramp_once(dns, mkserver):
    """A 4.7.28 for a mailbox's mail freezes its warm-up ramp (issue 24:
    adverse signals freeze it and step it down by a quarter); the 421
    that meets the next try while it is frozen does not step it down
    again."""
    doms = google_domains(dns, 1)
    with Sink("127.0.0.2", sink_port(), script=[DKIM_421, DKIM_421]):
        srv = mkserver(dns, senders=("alice@a.test", "bob@b.test"))
        run("-d", srv.dir, "mailbox", "set", "alice@a.test", "warmup", "on")
        assert warmup_of(srv, "alice@a.test")["allowance"] == 5
        submit_many(srv, "alice@a.test", ["first@" + doms[0]])
        srv.wait_log("alice@a.test: warm-up frozen for 3 days at 3 a day")
        w = warmup_of(srv, "alice@a.test")
        assert (w["allowance"], w["step_downs"]) == (3, 1)
        assert w["frozen_until"] > 0
        # after the hold, the retry meets the second 421: no second step
        srv.clock.set(600 + 1)
        wait_for(lambda: srv.log().count("hold google dkim=a.test until")
                 == 2, 20, "the second 421")
        w = warmup_of(srv, "alice@a.test")
        assert (w["allowance"], w["step_downs"]) == (3, 1)
        assert srv.log().count("warm-up frozen") == 1
        # bob has no ramp: his mail is held the same, nothing to freeze
        assert "bob@b.test: warm-up" not in srv.log()
