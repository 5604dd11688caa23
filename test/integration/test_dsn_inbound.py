"""Bounces arriving on the MX (issue 24 item 2): a DSN sent with a null
sender to a local mailbox is delivered unchanged and read; its hard
recipient faults go to the suppression list of the mailbox's domain,
its sender faults never do."""
import json
import os
import smtplib
import time

import pytest

from conftest import PASSWORD, USER, run
from test_delivery import maildir_files, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
DSN = os.path.join(HERE, "..", "data", "bounces", "two-recipients-dsn.eml")

pytestmark = pytest.mark.conf(delivery="yes", delivery_workers="2")


def suppressed(server, domain="example.test"):
    r = run("-d", server.dir, "suppress", "list", domain, "--json")
    return {row["address"]: row for row in json.loads(r.stdout)}


def send_mx(server, sender, rcpt, data):
    with smtplib.SMTP("127.0.0.1", server.ports["mx"], timeout=10) as s:
        s.ehlo("mx.remote.example")
        refused = s.sendmail(sender, [rcpt], data)
    assert refused == {}


def test_dsn_on_mx_suppresses_recipient_faults_only(server):
    with open(DSN, "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    send_mx(server, "", USER, data)
    (path,) = wait_for(lambda: maildir_files(server, USER), what="maildir")
    server.wait_log("DSN for %s: gone@remote.example reason=userunknown "
                    "fault=recipient suppress" % USER, timeout=10)
    server.wait_log("DSN for %s: fine@other.example reason=blocked "
                    "fault=sender not suppressed" % USER)
    with open(path, "rb") as f:
        delivered = f.read()
    assert delivered.endswith(data)      # unchanged after Return-Path
    rows = suppressed(server)
    assert list(rows) == ["gone@remote.example"]
    # and it counts as a recipient hard bounce of the mailbox
    st = json.loads(run("-d", server.dir, "stats", USER, "--json").stdout)
    assert st[0]["totals"]["bounced"] == 1
    assert rows["gone@remote.example"]["source"] == "dsn"
    assert rows["gone@remote.example"]["reason"].startswith(
        "bounce (DSN from in.remote.example): 550 5.1.1")
    # a later submission to the suppressed address is refused at RCPT
    with smtplib.SMTP("127.0.0.1", server.ports["submission"],
                      timeout=10) as s:
        s.starttls(context=server.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
        s.mail(USER)
        code, text = s.rcpt("gone@remote.example")
        assert code == 550 and b"suppressed for example.test" in text
        assert b"it hard-bounced on" in text
        code, _ = s.rcpt("fine@other.example")
        assert code == 250
        s.rset()


def test_backscatter_is_not_acted_on(server):
    """A bounce of a message that never went through this server (spam
    that forged a local sender) suppresses nobody."""
    with open(DSN, "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    data = data.replace(b"(Postern) with ESMTPSA", b"(Postfix) with ESMTPSA")
    send_mx(server, "", USER, data)
    wait_for(lambda: maildir_files(server, USER), what="maildir")
    server.wait_log("DSN for %s: not acted on: it returns no message "
                    "submitted here" % USER)
    assert suppressed(server) == {}


def test_mail_with_a_sender_is_not_read_as_a_dsn(server):
    with open(DSN, "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    send_mx(server, "someone@remote.example", USER, data)
    wait_for(lambda: maildir_files(server, USER), what="maildir")
    time.sleep(0.5)
    assert "DSN for" not in server.log()
    assert suppressed(server) == {}


# what a returned message of ours carries, so the guard lets these through
OURS = (b"Received: from c.example.test ([192.0.2.1])\r\n\tby "
        b"mail.example.test (Postern) with ESMTPSA id 0123456789ABCDEF01;"
        b"\r\n\tMon, 07 Dec 2026 06:00:00 +0000\r\n")


def test_garbage_and_what_lies_past_1_mib_are_ignored(server):
    garbage = (b"From: x@remote.example\r\nSubject: not a bounce\r\n"
               b"Content-Type: multipart/report; boundary=\"\"\r\n\r\n"
               b"--\r\n550 5.1.1 <a@b.example> no\r\n" + OURS +
               b"--\r\n")
    send_mx(server, "", USER, garbage)
    wait_for(lambda: maildir_files(server, USER), what="maildir")
    # a report whose delivery-status part starts after the first MiB
    filler = (b"x" * 78 + b"\r\n") * 14000
    late = (b"From: MAILER-DAEMON@remote.example\r\n"
            b"Content-Type: multipart/report; "
            b"report-type=delivery-status; boundary=\"B\"\r\n\r\n"
            b"--B\r\nContent-Type: text/plain\r\n\r\n" + OURS + filler +
            b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
            b"Final-Recipient: rfc822; late@remote.example\r\n"
            b"Action: failed\r\nStatus: 5.1.1\r\n"
            b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
            b"--B--\r\n")
    assert len(late) > 1024 * 1024
    send_mx(server, "", USER, late)
    files = wait_for(lambda: len(maildir_files(server, USER)) == 2 and
                     maildir_files(server, USER), what="maildir")
    assert max(os.path.getsize(p) for p in files) > len(late)
    time.sleep(0.5)
    assert suppressed(server) == {}
    assert "reason=" not in server.log()
