"""DSN parameters (RFC 3461) on the submission and MX listeners: offered
in EHLO, checked at MAIL and RCPT (501 5.5.4 naming the parameter), and
carried into the queued envelope as sent."""
import pytest

from conftest import USER


def ehlo_keywords(lines):
    return [l.split()[0] for l in lines[1:]]


@pytest.mark.parametrize("kind", ["submission", "smtps", "mx"])
def test_ehlo_lists_dsn(server, kind):
    d = server.dialog(kind)
    assert "DSN" in ehlo_keywords(d.expect("EHLO client.example", 250))


def deliver(d, sender, rcpts):
    d.expect("MAIL FROM:<%s> RET=HDRS ENVID=abc+2Bd" % sender, 250,
             "2.1.0")
    d.send("RCPT TO:<%s> NOTIFY=SUCCESS,FAILURE "
           "ORCPT=rfc822;x+2By@example.org\r\n"
           "RCPT TO:<%s>\r\n"
           "RCPT TO:<%s> notify=never\r\n" % rcpts)
    assert [d.reply()[0] for _ in range(3)] == [250, 250, 250]
    d.expect("DATA", 354)
    d.send("Subject: dsn\r\n\r\nhello\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250, lines
    return lines[0].split()[-1]


def test_submission_params_reach_the_envelope(server):
    d = server.dialog()
    assert d.login()[0] == 235
    qid = deliver(d, USER, ("x@example.org", "y@example.org",
                            "z@example.org"))
    msg = server.queued()[qid]
    assert msg.ret == 2                   # DSN_RET_HDRS
    assert msg.envid == "abc+2Bd"         # xtext, as sent
    assert msg.notify == [2 | 4, 0, 1]    # SUCCESS|FAILURE, none, NEVER
    assert msg.orcpt == ["rfc822;x+2By@example.org", "", ""]
    assert "ret 1 2\n" in msg[0] and "envid 7 abc+2Bd\n" in msg[0]


def test_mx_params_reach_the_envelope(server):
    d = server.dialog("mx")
    d.expect("EHLO client.example", 250)
    qid = deliver(d, "someone@example.org", (USER, "postmaster", USER))
    msg = server.queued()[qid]
    assert (msg.ret, msg.envid) == (2, "abc+2Bd")
    assert msg.notify == [6, 0, 1]
    assert msg.orcpt[0] == "rfc822;x+2By@example.org"


@pytest.mark.conf(max_recipients=200)
def test_many_recipients_reach_the_envelope_in_order(server):
    """More recipients and ORCPTs than one IPC message holds (16 KiB):
    the smtp process sends the first with IPC_Q_OPEN and the rest one by
    one; the envelope has them all, in order, each with its own NOTIFY
    and ORCPT."""
    d = server.dialog()
    assert d.login()[0] == 235
    n = 120
    rcpts = ["r%03d-%s@example.org" % (i, "l" * 50) for i in range(n)]
    d.expect("MAIL FROM:<%s>" % USER, 250)
    d.send("".join("RCPT TO:<%s> NOTIFY=%s ORCPT=rfc822;o%03d-%s\r\n" %
                   (r, "NEVER" if i % 2 else "FAILURE", i, "o" * 90)
                   for i, r in enumerate(rcpts)))
    assert [d.reply()[0] for _ in range(n)] == [250] * n
    d.expect("DATA", 354)
    d.send("Subject: many\r\n\r\nhello\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250, lines
    msg = server.queued()[lines[0].split()[-1]]
    assert [r["addr"] for r in msg.rcpts] == rcpts
    assert msg.notify == [1 if i % 2 else 4 for i in range(n)]
    assert msg.orcpt == ["rfc822;o%03d-%s" % (i, "o" * 90)
                         for i in range(n)]


def test_no_params_no_dsn(server):
    d = server.dialog("mx")
    d.expect("EHLO client.example", 250)
    d.expect("MAIL FROM:<a@example.org>", 250)
    d.expect("RCPT TO:<%s>" % USER, 250)
    d.expect("DATA", 354)
    d.send("x\r\n.\r\n")
    assert d.reply()[0] == 250
    (msg,) = server.queued().values()
    assert (msg.ret, msg.envid, msg.notify, msg.orcpt) == (0, "", [0],
                                                             [""])


BAD_MAIL = [
    ("RET=NONE", "RET"),
    ("RET=FULL RET=HDRS", "RET"),
    ("ENVID=a+2b", "ENVID"),
    ("ENVID=" + "x" * 101, "ENVID"),
    ("ENVID=", "ENVID"),
]
BAD_RCPT = [
    ("NOTIFY=NEVER,SUCCESS", "NOTIFY"),
    ("NOTIFY=", "NOTIFY"),
    ("NOTIFY=SUCCESS,,DELAY", "NOTIFY"),
    ("NOTIFY=SOMETIMES", "NOTIFY"),
    ("ORCPT=rfc822", "ORCPT"),
    ("ORCPT=rfc822;a+zz@b", "ORCPT"),
    ("ORCPT=rfc822;" + "x" * 494, "ORCPT"),
    ("NOTIFY=NEVER NOTIFY=NEVER", "NOTIFY"),
]


@pytest.mark.conf(max_errors=100)
@pytest.mark.parametrize("kind", ["submission", "mx"])
def test_bad_params_are_501(server, kind):
    d = server.dialog(kind)
    if kind == "mx":
        d.expect("EHLO client.example", 250)
        sender, rcpt = "a@example.org", USER
    else:
        assert d.login()[0] == 235
        sender, rcpt = USER, "x@example.org"
    for params, kw in BAD_MAIL:
        lines = d.expect("MAIL FROM:<%s> %s" % (sender, params), 501,
                         "5.5.4 Bad DSN parameter " + kw)
        assert "(RFC 3461)" in lines[0], lines
    d.expect("MAIL FROM:<%s> RET=FULL" % sender, 250)
    for params, kw in BAD_RCPT:
        lines = d.expect("RCPT TO:<%s> %s" % (rcpt, params), 501,
                         "5.5.4 Bad DSN parameter " + kw)
        assert "expected " + kw in lines[0], lines
    # the reply quotes the parameter, bounded
    lines = d.expect("RCPT TO:<%s> ORCPT=rfc822;%s" % (rcpt, "y" * 494),
                     501, "ORCPT=rfc822;yyy")
    assert len(lines[0]) < 300
    # RFC 3461 §4: MAIL and RCPT lines may exceed 512 octets by the DSN
    # parameters, but stay bounded
    d.expect("RCPT TO:<%s> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;%s"
             % (rcpt, "y" * 493), 250, "2.1.5")
    d.expect("RCPT TO:<%s> ORCPT=rfc822;%s" % (rcpt, "y" * 1100), 500,
             "5.5.2 Error: line too long (limit 1076 octets)")
    d.expect("NOOP " + "x" * 600, 500, "limit 512 octets")
    # a parameter we do not offer is still 555, and the session goes on
    d.expect("RCPT TO:<%s> FOO=1" % rcpt, 555, "5.5.4 Unsupported "
             "parameter FOO=1")
    d.expect("RCPT TO:<%s> NOTIFY=DELAY" % rcpt, 250)
