"""The per-domain suppression list: `postern suppress` and its
enforcement at RCPT on the submission listeners (550 5.1.1 with when and
why, per sending domain, pipelined, case-insensitive)."""
import calendar
import json
import os
import subprocess
import sys

from conftest import PASSWORD, run

OTHER = "other@other.test"
# 2026-11-20 14:03 UTC, as in the reply
BOUNCED = calendar.timegm((2026, 11, 20, 14, 3, 27, 0, 0, 0))


def suppress(server, *args, check=True):
    return run("-d", server.dir, "suppress", *args, check=check)


def sql(server, statement, *params):
    """Run one statement on the live database as its owner (the server's
    user), so no file in db/ changes hands."""
    db = os.path.join(server.dir, "db", "postern.db")
    st = os.stat(db)
    kw = {}
    if os.geteuid() == 0:
        kw = {"user": st.st_uid, "group": st.st_gid}
    code = ("import sqlite3, sys, json\n"
            "c = sqlite3.connect(sys.argv[1], timeout=10)\n"
            "c.execute(sys.argv[2], json.loads(sys.argv[3]))\n"
            "c.commit()\n")
    subprocess.run([sys.executable, "-c", code, db, statement,
                    json.dumps(params)], check=True, timeout=30, **kw)


def add_bounce(server, domain, addr, reason, when=BOUNCED):
    sql(server, "INSERT INTO suppression(domain_id, address, reason, "
        "source, created) SELECT id, ?, ?, 'bounce', ? FROM domain "
        "WHERE name = ?", addr, reason, when, domain)


def other_domain(server):
    run("-d", server.dir, "domain", "add", "other.test")
    run("-d", server.dir, "mailbox", "add", OTHER, "--password-stdin",
        input=PASSWORD + "\n")


def send(d, sender, rcpts):
    """One transaction with pipelined RCPTs: the RCPT replies in order."""
    d.expect("MAIL FROM:<%s>" % sender, 250, "2.1.0")
    d.send("".join("RCPT TO:<%s>\r\n" % r for r in rcpts))
    return [d.reply() for _ in rcpts]


def test_cli_add_list_remove(server):
    r = suppress(server, "add", "example.test", "Bob@Remote.Example",
                 "--reason", "550 5.1.1 user unknown")
    assert "bob@remote.example added" in r.stdout
    suppress(server, "add", "example.test", "carol@remote.example")
    r = suppress(server, "list")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["DOMAIN", "ADDRESS", "SOURCE", "CREATED",
                                "REASON"]
    assert lines[1].split()[:3] == ["example.test", "bob@remote.example",
                                    "manual"]
    assert lines[1].endswith("550 5.1.1 user unknown")
    assert "carol@remote.example" in lines[2]
    rows = json.loads(suppress(server, "list", "example.test",
                               "--json").stdout)
    assert [r["address"] for r in rows] == ["bob@remote.example",
                                            "carol@remote.example"]
    assert rows[0]["source"] == "manual"
    assert rows[0]["reason"] == "550 5.1.1 user unknown"
    assert rows[0]["domain"] == "example.test" and rows[0]["created"] > 0
    # adding again refreshes the entry
    suppress(server, "add", "example.test", "bob@remote.example",
             "--reason", "still gone")
    rows = json.loads(suppress(server, "list", "--json").stdout)
    assert rows[0]["reason"] == "still gone" and len(rows) == 2
    r = suppress(server, "remove", "example.test", "BOB@remote.example")
    assert "bob@remote.example removed" in r.stdout
    rows = json.loads(suppress(server, "list", "--json").stdout)
    assert [r["address"] for r in rows] == ["carol@remote.example"]


def test_cli_errors(server):
    r = suppress(server, "add", "nowhere.test", "a@b.example", check=False)
    assert r.returncode == 1
    assert "domain nowhere.test is not configured" in r.stderr
    r = suppress(server, "add", "example.test", "not an address",
                 check=False)
    assert r.returncode == 1 and "not a valid address" in r.stderr
    r = suppress(server, "add", "example.test", "a@b.example", "--reason",
                 "two\nlines", check=False)
    assert r.returncode == 1 and "printable ASCII" in r.stderr
    r = suppress(server, "remove", "example.test", "a@b.example",
                 check=False)
    assert r.returncode == 1
    assert "suppression example.test a@b.example: not suppressed" in \
        r.stderr
    r = suppress(server, "list", "nowhere.test", check=False)
    assert r.returncode == 1 and "nowhere.test" in r.stderr
    for args in ((), ("frobnicate",), ("add", "example.test"),
                 ("list", "a", "b"), ("remove", "example.test", "a@b",
                                      "--json")):
        r = suppress(server, *args, check=False)
        assert r.returncode == 2 and "usage" in r.stderr, args


def test_rcpt_suppressed_others_accepted(server):
    add_bounce(server, "example.test", "gone@remote.example",
               "550 5.1.1 user unknown")
    d = server.dialog()
    assert d.login()[0] == 235
    replies = send(d, "user@example.test", ["a@remote.example",
                                            "gone@remote.example",
                                            "b@remote.example"])
    assert [c for c, _ in replies] == [250, 550, 250]
    assert replies[1][1] == [
        "5.1.1 <gone@remote.example>: recipient suppressed for "
        "example.test: it hard-bounced on 2026-11-20 14:03 UTC (550 5.1.1 "
        "user unknown); after fixing, run: postern suppress remove "
        "example.test gone@remote.example"]
    d.expect("DATA", 354)
    d.send("Subject: t\r\n\r\nhello\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250, lines
    (msg,) = server.queued().values()
    assert [r["addr"] for r in msg.rcpts] == ["a@remote.example",
                                              "b@remote.example"]
    server.wait_log("recipient <gone@remote.example> suppressed for "
                    "example.test (bounce)")


def test_manual_entry_and_smtps(server):
    suppress(server, "add", "example.test", "x@remote.example",
             "--reason", "asked not to be mailed")
    d = server.dialog("smtps")
    assert d.login()[0] == 235
    (code, lines), = send(d, "user@example.test", ["x@remote.example"])
    assert code == 550
    assert lines[0].startswith("5.1.1 <x@remote.example>: recipient "
                               "suppressed for example.test: it was added "
                               "by hand on ")
    assert "(asked not to be mailed); after fixing, run: postern suppress " \
        "remove example.test x@remote.example" in lines[0]
    # every RCPT failed: DATA gets the pipelining answer
    d.expect("DATA", 554, "5.5.1")


def test_per_sending_domain(server):
    other_domain(server)
    suppress(server, "add", "example.test", "shared@remote.example")
    d = server.dialog()
    assert d.login()[0] == 235
    assert send(d, "user@example.test",
                ["shared@remote.example"])[0][0] == 550
    d2 = server.dialog()
    assert d2.login(user=OTHER)[0] == 235
    assert send(d2, OTHER, ["shared@remote.example"])[0][0] == 250


def test_remove_accepts_again_and_case_insensitive(server):
    suppress(server, "add", "example.test", "Mixed.Case@Remote.Example")
    d = server.dialog()
    assert d.login()[0] == 235
    code, lines = send(d, "USER@Example.TEST",
                       ["mixed.case@REMOTE.example"])[0]
    assert code == 550 and "recipient suppressed for example.test" in \
        lines[0]
    d.expect("RSET", 250)
    suppress(server, "remove", "EXAMPLE.test", "MIXED.case@remote.example")
    assert send(d, "user@example.test",
                ["Mixed.Case@Remote.Example"])[0][0] == 250


def test_null_sender_uses_the_users_domain(server):
    suppress(server, "add", "example.test", "n@remote.example")
    d = server.dialog()
    assert d.login()[0] == 235
    replies = send(d, "", ["n@remote.example", "Postmaster"])
    assert replies[0][0] == 550
    assert "recipient suppressed for example.test" in replies[0][1][0]
    assert replies[1] == (250, ["2.1.5 Ok"])


def test_reason_sanitised_and_reply_bounded(server):
    ugly = "550\t5.1.1 bad\r\nX-Injected: yes \x01\x7f end"
    medium = "m" * 60 + "@" + "d" * 60 + ".example"
    longest = "l" * 64 + "@" + ".".join(["d" * 60] * 3) + ".ex"
    add_bounce(server, "example.test", "ugly@remote.example", ugly)
    add_bounce(server, "example.test", medium, "r" * 255)
    add_bounce(server, "example.test", longest, "r" * 255)
    d = server.dialog()
    assert d.login()[0] == 235
    replies = send(d, "user@example.test", ["ugly@remote.example", medium,
                                            longest])
    for code, lines in replies:
        assert code == 550 and len(lines) == 1
        line = "550 " + lines[0]
        assert len(line) + 2 <= 512, len(line)
        assert all(32 <= ord(ch) <= 126 for ch in line), line
        assert lines[0].startswith("5.1.1 ")
    # control characters never reach the client
    assert "(550 5.1.1 bad  X-Injected: yes ?? end); after fixing" in \
        replies[0][1][0]
    # a long reason is cut to fit, visibly
    assert "(rrrr" in replies[1][1][0]
    assert "...); after fixing, run: postern suppress remove " \
        "example.test " + medium in replies[1][1][0]
    # if even the address does not fit twice: a shorter reply
    assert "suppressed" in replies[2][1][0]
    d.expect("NOOP", 250)


def test_store_error_is_451(server):
    d = server.dialog()
    assert d.login()[0] == 235
    sql(server, "DROP TABLE suppression")
    (code, lines), = send(d, "user@example.test", ["a@remote.example"])
    assert code == 451 and lines[0].startswith("4.3.0"), lines
    d.expect("NOOP", 250)


def test_explain_knows_the_reply(server):
    add_bounce(server, "example.test", "gone@remote.example",
               "550 5.1.1 user unknown")
    d = server.dialog()
    assert d.login()[0] == 235
    (code, lines), = send(d, "user@example.test", ["gone@remote.example"])
    r = run("explain", "%d %s" % (code, lines[0]))
    assert "[postern-suppressed]" in r.stdout
    assert "postern suppress remove DOMAIN ADDRESS" in r.stdout
