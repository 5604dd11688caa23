"""Per-mailbox sending health and auto-pause (issue 24 item 3,
docs/ACCOUNTS.md "Sending health and auto-pause") over real sockets:
postern delivers to scripted sinks on loopback found through the test
DNS server (dnsfix.py); some recipients get `550 5.1.1` (they do not
exist), others `550 5.7.1 ... blocked` (the sender is refused).  Only
the first go to the suppression list; the mailbox is paused once its
rate passes health_bounce_rate over health_window recipients (or two
providers block it), and the next MAIL FROM gets the exact 451 4.7.1
text; the pause ends when the clock (POSTERN_TEST_CLOCK, lib/clock.h)
passes it, and `postern mailbox resume` ends it at once.  The counters
show in `postern stats` and `mailbox show`."""
import json
import os
import smtplib
import subprocess
import time

import pytest

from conftest import BIN, PASSWORD, USER, Server, free_port, scaled, wait_for
from dnsfix import Zone
from sinks import Sink

DAY = 86400
BLOCKED = ("550 5.7.1 [127.0.0.1] Our system has detected an unusual rate "
           "of unsolicited mail originating from your IP address. To "
           "protect our users from spam, mail sent from your IP address "
           "has been blocked.")
SINK_PORT = free_port()


class Clock:
    """The offset file the server and the CLI read on every call."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "clock")
        self.set(0)

    def set(self, offset):
        self.offset = offset
        with open(self.path, "w") as f:
            f.write("%d\n" % offset)


@pytest.fixture
def dns():
    d = Zone()
    yield d
    d.stop()


@pytest.fixture
def mkserver():
    made = []

    def make(dns, **conf):
        settings = {"delivery": "yes", "dns_server": dns.addr,
                    "outbound_port": SINK_PORT, "retry_min": "1s",
                    "retry_max": "2s", "timeout_connect": "2s",
                    "timeout_outbound": "5s", "delivery_workers": "4"}
        settings.update(conf)
        s = Server(settings)
        s.clock = Clock(s.tmp)
        s.env = {"POSTERN_TEST_CLOCK": s.clock.path}
        made.append(s)
        return s.start()

    yield make
    for s in made:
        s.cleanup()


def ctl(srv, *args, check=True):
    """postern -d DIR ARGS under the server's fake clock."""
    return subprocess.run([BIN, "-d", srv.dir, *args], capture_output=True,
                          text=True, check=check, timeout=scaled(60),
                          env=dict(os.environ, **srv.env))



def client(srv):
    c = smtplib.SMTP("127.0.0.1", srv.ports["submission"], timeout=30)
    c.starttls(context=srv.client_context(check_hostname=False))
    c.login(USER, PASSWORD)
    return c


def submit(srv, rcpts):
    with client(srv) as c:
        c.sendmail(USER, rcpts, b"Subject: health\r\n\r\nhello\r\n")


def mail_from(srv, sender=USER):
    """The reply to MAIL FROM of a fresh session: (code, text)."""
    with client(srv) as c:
        code, text = c.mail(sender)
        if code == 250:
            c.rset()
        return code, text.decode()


def stats(srv, what=USER):
    return json.loads(ctl(srv, "stats", what, "--json").stdout)[0]


def utc(t):
    """The end of a pause as the 451 shows it: the minute, rounded up."""
    return time.strftime("%Y-%m-%d %H:%M UTC",
                         time.gmtime((t + 59) // 60 * 60))


def paused_text(until, why, user=USER):
    return ("4.7.1 mailbox paused until %s: %s; postern mailbox resume %s"
            % (utc(until), why, user))


def wait_paused(srv):
    wait_for(lambda: stats(srv)["paused"], what="pause")
    return stats(srv)


def hard_sink_dns(dns):
    dns.mx("hard.test", "mx.hard.test", 10)
    dns.a("mx.hard.test", "127.0.0.2")
    return {"gone%d@hard.test" % i: ["550 5.1.1 <gone%d@hard.test>: no "
                                     "such user" % i] for i in range(6)}


def test_bounce_rate_pauses_and_expires(dns, mkserver):
    """window 10, 10%: two unknown recipients of ten pause the mailbox;
    they are suppressed, the delivered one is not; the 451 names the
    figures; the pause ends when the clock passes it."""
    with Sink("127.0.0.2", SINK_PORT, rules=hard_sink_dns(dns)) as sink:
        srv = mkserver(dns, health_window=10, health_bounce_rate="10%")
        start = int(time.time())
        submit(srv, ["gone0@hard.test", "ok@hard.test"])
        wait_for(lambda: sink.rcpts() == ["ok@hard.test"], what="delivery")
        wait_for(lambda: stats(srv)["totals"]["bounced"] == 1,
                 what="first bounce counted")
        # 1 of 10 is 10%: not more than the limit
        assert mail_from(srv) == (250, "2.1.0 Ok")
        submit(srv, ["gone1@hard.test"])
        js = wait_paused(srv)
        until = js["paused_until"]
        assert start + DAY <= until <= int(time.time()) + DAY
        why = "2 of the last 10 recipients did not exist (20% > 10%)"
        assert js["reason"] == why and js["pauses"] == 1
        assert js["totals"] == {"submitted": 3, "delivered": 1,
                                "deferred": 0, "bounced": 2,
                                "sender_fault": 0, "complaints": 0}
        assert mail_from(srv) == (451, paused_text(until, why))
        srv.wait_log("health: mailbox %s paused until %d" % (USER, until))
        srv.wait_log("sender refused: mailbox %s paused until" % USER)
        # only the unknown recipients are suppressed
        sup = ctl(srv, "suppress", "list", "example.test", "--json").stdout
        assert "gone0@hard.test" in sup and "gone1@hard.test" in sup
        assert "ok@hard.test" not in sup
        # mailbox show has it, with today's counts
        show = json.loads(ctl(srv, "mailbox", "show", USER,
                              "--json").stdout)["health"]
        assert show["paused"] and show["reason"] == why
        assert len(show["days"]) == 7
        assert show["days"][-1]["bounced"] == 2
        text = ctl(srv, "mailbox", "show", USER).stdout
        assert "health:         paused until %s: %s" % (
            time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(until)),
            why) in text
        assert "resume: postern mailbox resume %s" % USER in text
        # a minute before the end, still paused; past it, not
        srv.clock.set(until - int(time.time()) - 60)
        assert mail_from(srv)[0] == 451
        srv.clock.set(until - int(time.time()) + 1)
        assert mail_from(srv) == (250, "2.1.0 Ok")
        assert not stats(srv)["paused"]
        srv.wait_log("health: mailbox %s: pause ended at %d" % (USER, until))


def test_resume_ends_the_pause_at_once(dns, mkserver):
    with Sink("127.0.0.2", SINK_PORT, rules=hard_sink_dns(dns)):
        srv = mkserver(dns, health_window=4, health_bounce_rate="25%")
        submit(srv, ["gone0@hard.test", "gone1@hard.test", "a@hard.test"])
        js = wait_paused(srv)
        why = "2 of the last 4 recipients did not exist (50% > 25%)"
        assert mail_from(srv) == (451, paused_text(js["paused_until"],
                                                   why))
        # the null sender is no way around it
        assert mail_from(srv, "") == (451, paused_text(js["paused_until"],
                                                       why))
        r = ctl(srv, "mailbox", "resume", USER)
        assert r.stdout == "postern: mailbox %s resumed\n" % USER
        assert mail_from(srv) == (250, "2.1.0 Ok")
        assert mail_from(srv, "") == (250, "2.1.0 Ok")
        # the window started again: one more bounce is 25%, not more
        submit(srv, ["gone2@hard.test", "b@hard.test"])
        wait_for(lambda: stats(srv)["totals"]["bounced"] == 3,
                 what="bounce counted")
        assert mail_from(srv) == (250, "2.1.0 Ok")
        submit(srv, ["gone3@hard.test"])
        js = wait_paused(srv)
        assert js["pauses"] == 2
        r = ctl(srv, "mailbox", "resume", "nobody@example.test",
                check=False)
        assert r.returncode == 1


def test_two_providers_blocking_pause(dns, mkserver):
    """550 5.7.1 blocked from two providers: the sender's fault, never
    suppressed, counted per provider; two of them pause the mailbox."""
    dns.mx("one.test", "mx.prov-a.test", 10)
    dns.a("mx.prov-a.test", "127.0.0.2")
    dns.mx("two.test", "mx.prov-b.test", 10)
    dns.a("mx.prov-b.test", "127.0.0.3")
    rules_a = {"real@one.test": [BLOCKED]}
    rules_b = {"real@two.test": [BLOCKED]}
    with Sink("127.0.0.2", SINK_PORT, rules=rules_a), \
            Sink("127.0.0.3", SINK_PORT, rules=rules_b):
        srv = mkserver(dns)
        submit(srv, ["real@one.test", "ok@one.test"])
        wait_for(lambda: stats(srv)["totals"]["sender_fault"] == 1,
                 what="block counted")
        assert mail_from(srv) == (250, "2.1.0 Ok")
        submit(srv, ["real@two.test"])
        js = wait_paused(srv)
        why = js["reason"]
        assert why in ("2 providers blocked the sender (prov-a.test, "
                       "prov-b.test)", "2 providers blocked the sender "
                       "(prov-b.test, prov-a.test)")
        assert mail_from(srv) == (451, paused_text(js["paused_until"],
                                                   why))
        assert js["days"][-1]["providers"] == {"prov-a.test": 1,
                                               "prov-b.test": 1}
        sup = ctl(srv, "suppress", "list", "--json").stdout
        assert "real@" not in sup
        text = ctl(srv, "stats", USER).stdout
        assert "prov-a.test:1 prov-b.test:1" in text


def test_domain_pause(dns, mkserver):
    """Most of a domain's mailboxes paused (3 of 4): the others' MAIL FROM
    is refused too, until `mailbox resume DOMAIN`."""
    srv = mkserver(dns)
    others = ["b@example.test", "c@example.test", "d@example.test"]
    for a in others:
        subprocess.run([BIN, "-d", srv.dir, "mailbox", "add", a,
                        "--password-stdin"], input=PASSWORD + "\n",
                       text=True, check=True, capture_output=True)
    db = os.path.join(srv.dir, "db", "postern.db")
    until = int(time.time()) + 3600
    code = ("import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], timeout=10)\n"
            "c.execute(\"UPDATE mailbox SET health_paused_until = ?, "
            "health_reason = 'test' WHERE address != ?\", "
            "(int(sys.argv[2]), sys.argv[3]))\n"
            "c.commit()\n")
    st = os.stat(db)
    kw = {"user": st.st_uid, "group": st.st_gid} if os.geteuid() == 0 \
        else {}
    subprocess.run(["python3", "-c", code, db, str(until), USER],
                   check=True, **kw)
    assert mail_from(srv) == (451, "4.7.1 domain paused until %s: 3 of the "
                              "4 mailboxes of example.test are paused; "
                              "postern mailbox resume example.test"
                              % utc(until))
    rows = json.loads(ctl(srv, "stats", "example.test", "--json").stdout)
    assert sorted(m["address"] for m in rows) == sorted(others + [USER])
    assert [m["domain_paused"] for m in rows] == [True] * 4
    r = ctl(srv, "mailbox", "resume", "example.test")
    assert r.stdout.count("resumed") == 4
    assert mail_from(srv) == (250, "2.1.0 Ok")
