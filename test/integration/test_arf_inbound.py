"""Complaints arriving on the MX (issue 24 item 3): a feedback report
(RFC 5965) of type abuse, delivered to a local mailbox, about a message
submitted here with AUTH counts one complaint for the mailbox that sent
it; the report is delivered unchanged.  Reports about mail that never
went through this server, of another type, or about an address that is
no mailbox here are logged and count nothing."""
import datetime
import json
import os

import pytest

from conftest import USER, run
from test_delivery import maildir_files, wait_for
from test_dsn_inbound import send_mx

HERE = os.path.dirname(os.path.abspath(__file__))
ARF = os.path.join(HERE, "..", "data", "arf")
REPORTER = "fbl@feedback.receiver.example"

pytestmark = pytest.mark.conf(delivery="yes", delivery_workers="2")


def report(name):
    with open(os.path.join(ARF, name), "rb") as f:
        return f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def stats(server):
    return json.loads(run("-d", server.dir, "stats", USER,
                          "--json").stdout)[0]


def test_abuse_report_counts_a_complaint(server):
    data = report("abuse.eml")
    send_mx(server, REPORTER, USER, data)
    (path,) = wait_for(lambda: maildir_files(server, USER), what="maildir")
    server.wait_log("complaint (abuse) for %s from fbl.receiver.example"
                    % USER, timeout=10)
    with open(path, "rb") as f:
        assert f.read().endswith(data)      # unchanged after Return-Path
    st = stats(server)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert st["totals"]["complaints"] == 1
    assert [(d["date"], d["complaints"]) for d in st["days"]
            if d["complaints"]] == [(today, 1)]
    assert not st["paused"]                 # complaints pause nobody
    # a report sent with a null sender is a complaint too, not a bounce
    send_mx(server, "", USER, data)
    wait_for(lambda: len(maildir_files(server, USER)) == 2, what="maildir")
    wait_for(lambda: stats(server)["totals"]["complaints"] == 2,
             what="second complaint")
    assert "DSN for" not in server.log()
    # the text forms show it, in the COMPLAINTS column of today's line
    for args in (("stats", USER), ("mailbox", "show", USER)):
        text = run("-d", server.dir, *args).stdout
        head = next(ln.split() for ln in text.splitlines()
                    if ln.split()[:1] == ["DATE"])
        line = next(ln.split() for ln in text.splitlines()
                    if ln.startswith(today))
        assert line[head.index("COMPLAINTS")] == "2", text


def test_reports_that_count_nothing(server):
    # about a message that never went through this server
    forged = report("abuse.eml").replace(b"(Postern) with ESMTPSA",
                                         b"(Postfix) with ESMTPSA")
    send_mx(server, REPORTER, USER, forged)
    server.wait_log("complaint (abuse) for %s: not counted: it returns no "
                    "message submitted here" % USER, timeout=10)
    # a recipient saying it is not spam
    send_mx(server, REPORTER, USER, report("not-spam.eml"))
    server.wait_log("feedback report (not-spam) for %s from %s: not a "
                    "complaint; not counted" % (USER, REPORTER), timeout=10)
    # about a sender that is no mailbox here
    other = report("abuse.eml").replace(b"user@example.test",
                                        b"someone@elsewhere.example")
    send_mx(server, REPORTER, USER, other)
    server.wait_log("complaint (abuse) for someone@elsewhere.example from "
                    "fbl.receiver.example: not a mailbox here; ignored",
                    timeout=10)
    # no Original-Mail-From: the returned From, not a mailbox either
    send_mx(server, REPORTER, USER, report("headers-only.eml"))
    server.wait_log("complaint (abuse) for other@example.test from "
                    "complaints@jmrp.receiver.example: not a mailbox here; "
                    "ignored", timeout=10)
    files = wait_for(lambda: len(maildir_files(server, USER)) == 4 and
                     maildir_files(server, USER), what="maildir")
    assert len(files) == 4                  # all delivered all the same
    assert stats(server)["totals"]["complaints"] == 0
