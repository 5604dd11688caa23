"""The warm-up ramp enforced by the server (docs/ACCOUNTS.md, "Warm-up
ramp"), over real sockets with smtplib and the server's clock moved by
the POSTERN_TEST_CLOCK hook (lib/clock.h): day by day the first 451
comes at the scheduled count with the exact text, two clients with the
same credentials share one budget, and a freeze steps the allowance
down by a quarter and holds it until the freeze ends.

The fake time is put at noon UTC of each day, so a test running across
a real midnight still sees the days it asked for.
"""
import json
import os
import smtplib
import subprocess
import time

import pytest

from conftest import (BIN, PASSWORD, USER, Server, conf_markers, finish,
                      scaled)

DAY = 86400


class Clock:
    """The offset file the server and the CLI read on every call."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "clock")
        now = int(time.time())
        self.noon = now - now % DAY + DAY // 2     # today, 12:00 UTC
        self.set_day(1)

    def set_day(self, day):
        """Ramp day `day` (1 = today), at noon UTC."""
        with open(self.path, "w") as f:
            f.write("%d\n" % (self.noon + (day - 1) * DAY - int(time.time())))


@pytest.fixture
def ramp(request):
    """A server whose clock the test moves, with USER's ramp on (day 1
    is the fake clock's first day)."""
    srv = Server(conf_markers(request))
    clock = Clock(srv.tmp)
    srv.env = {"POSTERN_TEST_CLOCK": clock.path}
    srv.clock = clock
    srv.ctl("mailbox", "set", USER, "warmup", "on")
    srv.start()
    yield srv
    finish(srv)


def _ctl(srv, *args, check=True):
    """postern -d DIR ARGS under the server's fake clock."""
    return subprocess.run([BIN, "-d", srv.dir, *args], capture_output=True,
                          text=True, check=check, timeout=scaled(60),
                          env=dict(os.environ, **srv.env))


Server.ctl = _ctl


def client(srv):
    c = smtplib.SMTP("127.0.0.1", srv.ports["submission"], timeout=30)
    c.starttls(context=srv.client_context(check_hostname=False))
    c.login(USER, PASSWORD)
    return c


def send(c, n_rcpt=1):
    """One message; the RCPT replies as (code, text) in order."""
    code, _ = c.mail(USER)
    assert code == 250
    replies = []
    for i in range(n_rcpt):
        code, text = c.rcpt("r%d@example.org" % i)
        replies.append((code, text.decode()))
    if any(code == 250 for code, _ in replies):
        code, _ = c.data(b"Subject: ramp\r\n\r\nhello\r\n")
        assert code == 250
    else:
        c.rset()
    return replies


def fill(c, n):
    """n messages of one recipient each, all accepted."""
    for _ in range(n):
        assert send(c) == [(250, "2.1.5 Ok")]


def refused(day, total, sent, allowance):
    return (451, "4.7.1 warm-up day %d of %d: %d of %d recipients sent "
            "today; more at 00:00 UTC" % (day, total, sent, allowance))


def show(srv):
    return json.loads(srv.ctl("mailbox", "show", USER, "--json").stdout)


@pytest.mark.conf(warmup_target=45)
def test_ramp_day_by_day(ramp):
    """5 on day 1, +2 a day, to 45 (warmup_target) on day 21."""
    for day in range(1, 7):
        ramp.clock.set_day(day)
        allowance = 5 + 2 * (day - 1)
        c = client(ramp)
        fill(c, allowance)
        assert send(c) == [refused(day, 21, allowance, allowance)]
        c.quit()
        js = show(ramp)["warmup"]
        assert js["day"] == day and js["days"] == 21
        assert js["allowance"] == allowance
        assert js["sent_today"] == allowance
        assert js["target"] == 45 and js["frozen_until"] == 0
    # the log says it too
    ramp.wait_log("warm-up day 6 of 21: 15 of 15 recipients today")


@pytest.mark.conf(warmup_target=45)
def test_recipients_count_within_a_message(ramp):
    """The ramp counts recipients: a message to three on day 1 (5 allowed)
    after three sent gets two accepted and the third refused."""
    c = client(ramp)
    fill(c, 3)
    assert send(c, 3) == [(250, "2.1.5 Ok"), (250, "2.1.5 Ok"),
                          refused(1, 21, 5, 5)]
    assert send(c) == [refused(1, 21, 5, 5)]
    c.quit()


def test_two_clients_share_one_budget(ramp):
    """Two sessions with the same credentials, open at once, alternate:
    together they get day 2's 7, the 8th recipient is refused to both."""
    ramp.clock.set_day(2)
    a, b = client(ramp), client(ramp)
    for i in range(7):
        assert send(a if i % 2 == 0 else b) == [(250, "2.1.5 Ok")]
    assert send(b) == [refused(2, 24, 7, 7)]
    assert send(a) == [refused(2, 24, 7, 7)]
    a.quit()
    b.quit()
    # the next day the budget is fresh for both
    ramp.clock.set_day(3)
    a, b = client(ramp), client(ramp)
    fill(a, 5)
    fill(b, 4)
    assert send(a) == [refused(3, 24, 9, 9)]
    a.quit()
    b.quit()


@pytest.mark.conf(warmup_target=45)
def test_freeze_steps_down_and_holds(ramp):
    """Day 6 (15 allowed): a freeze for 3 days holds 11 (15 less a
    quarter) on days 6 to 8; from day 9 the ramp climbs again by 2 a day
    from 11, so it now reaches 45 on day 26."""
    ramp.clock.set_day(6)
    c = client(ramp)
    fill(c, 4)
    out = ramp.ctl("mailbox", "warmup-freeze", USER).stdout
    assert "at 11 recipients a day" in out
    fill(c, 7)
    assert send(c) == [refused(6, 26, 11, 11)]
    c.quit()
    js = show(ramp)["warmup"]
    assert js["allowance"] == 11 and js["step_downs"] == 1
    assert js["frozen_until"] > 0
    ramp.clock.set_day(8)
    c = client(ramp)
    fill(c, 11)
    assert send(c) == [refused(8, 26, 11, 11)]
    c.quit()
    ramp.clock.set_day(10)
    c = client(ramp)
    fill(c, 13)
    assert send(c) == [refused(10, 26, 13, 13)]
    c.quit()
    assert show(ramp)["warmup"]["frozen_until"] == 0


def test_warmup_off_sends_freely(ramp):
    """warmup off: no ramp question at all for new sessions."""
    ramp.ctl("mailbox", "set", USER, "warmup", "off")
    c = client(ramp)
    fill(c, 8)
    c.quit()
    assert show(ramp)["warmup"] is None
    r = ramp.ctl("mailbox", "warmup-freeze", USER, check=False)
    assert r.returncode == 1 and "warm-up is off" in r.stderr
