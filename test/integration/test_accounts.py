"""Accounts and auth policies over real sockets: soft lock, per-client
lock, hints, sender identity, host/domain match, daily limits, and the
account commands that drive them."""
import calendar
import json
import os
import re
import smtplib
import socket
import subprocess
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, b64, plain_token, run,
                      scaled)


def pctl(server, *args, input=None, check=True):
    return run("-d", server.dir, *args, input=input, check=check)


def add_mailbox(server, addr, password="pw-" + "x" * 12):
    pctl(server, "mailbox", "add", addr, "--password-stdin",
         input=password + "\n")
    return password


def try_auth(server, user, password, kind="smtps"):
    d = server.dialog(kind)
    if kind == "smtps":
        d.expect("EHLO c.example", 250)
        code, lines = d.cmd("AUTH PLAIN " + plain_token(user, password))
    else:
        code, lines = d.login(user, password)
    d.close()
    return code, lines


# --- soft lock ----------------------------------------------------------------

LOCK_RE = re.compile(r"^4\.7\.0 Too many failed logins: this login is "
                     r"temporarily locked until (\d{4}-\d\d-\d\d "
                     r"\d\d:\d\d:\d\d) UTC; try again after that or ask "
                     r"the server's administrator to unlock it$")


def lock_time_of(line):
    """The Unix time a 454 lock reply names (and the reply's exact form)."""
    m = LOCK_RE.match(line)
    assert m, line
    return calendar.timegm(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))


def utc(t):
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="1m",
                  auth_lock_time="1h")
def test_lockout_then_454_even_with_right_password_then_unlock(server):
    for _ in range(3):
        assert try_auth(server, USER, "wrong")[0] == 535
    code, lines = try_auth(server, USER, PASSWORD)
    assert code == 454 and len(lines) == 1
    until = lock_time_of(lines[0])
    assert abs(until - (time.time() + 3600)) < 120
    out = pctl(server, "mailbox", "show", USER).stdout
    assert "locked:         yes, until %s" % utc(until) in out
    assert "wrong password" in out and "127.0.0.1" in out
    # the refused right password is recorded, with a date, not an epoch
    assert "locked until %s (right password)" % utc(until) in out
    assert not re.search(r"\b1[0-9]{9}\b", out), out
    js = json.loads(pctl(server, "mailbox", "show", USER, "--json").stdout)
    assert js["locked"] is True and js["locked_until"] > time.time()
    assert js["recent_failures"][0]["reason"].startswith("locked")
    pctl(server, "mailbox", "unlock", USER)
    assert try_auth(server, USER, PASSWORD)[0] == 235
    js = json.loads(pctl(server, "mailbox", "show", USER, "--json").stdout)
    assert js["locked"] is False


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="1m",
                  auth_lock_time="1h")
def test_success_resets_the_failure_count(server):
    for _ in range(2):
        assert try_auth(server, USER, "wrong")[0] == 535
    assert try_auth(server, USER, PASSWORD)[0] == 235
    for _ in range(2):
        assert try_auth(server, USER, "wrong")[0] == 535
    assert try_auth(server, USER, PASSWORD)[0] == 235


@pytest.mark.conf(auth_fail_limit=2, auth_fail_window="1m",
                  auth_lock_time="1h")
def test_unknown_users_are_answered_like_real_ones(server):
    real, ghost = [], []
    for _ in range(3):
        real.append(try_auth(server, USER, "wrong"))
        ghost.append(try_auth(server, "ghost@example.test", "wrong"))
    # both locked, indistinguishably: the same codes and texts, and lock
    # times as far apart as the attempts were (a second at most here)
    assert [c for c, _ in real] == [c for c, _ in ghost]
    assert real[:-1] == ghost[:-1]
    assert real[-1][0] == ghost[-1][0] == 454
    assert abs(lock_time_of(real[-1][1][0]) -
               lock_time_of(ghost[-1][1][0])) <= 1
    server.wait_log("user=ghost@example.test reason=locked until")


@pytest.mark.conf(auth_fail_limit=2, auth_fail_window="1m",
                  auth_lock_time="1h", auth_ip_fail_limit=50)
def test_one_mailbox_retrying_locks_only_that_mailbox(server):
    other = add_mailbox(server, "other@example.test")
    for _ in range(6):
        try_auth(server, USER, "stale password from the platform")
    assert try_auth(server, USER, PASSWORD)[0] == 454
    # the same client address still serves every other mailbox
    assert try_auth(server, "other@example.test", other)[0] == 235
    d = server.dialog("mx")
    assert d.banner[0] == 220


@pytest.mark.conf(auth_fail_limit=100, auth_fail_window="1m",
                  auth_lock_time="1h", auth_ip_fail_limit=4)
def test_password_spraying_locks_the_client(server):
    for i in range(4):
        assert try_auth(server, "user%d@example.test" % i, "guess")[0] == 535
    s = socket.create_connection(("127.0.0.1", server.ports["submission"]))
    s.settimeout(5)
    data = s.recv(1000)
    assert data.startswith(b"421 4.7.0 ")
    assert b"Too many failed authentications" in data
    m = re.search(rb"temporarily locked until (\S+ \S+) UTC", data)
    assert m, data
    until = calendar.timegm(time.strptime(m.group(1).decode(),
                                          "%Y-%m-%d %H:%M:%S"))
    assert abs(until - (time.time() + 3600)) < 120
    server.wait_log("locked after failed logins for many usernames")


@pytest.mark.conf(auth_fail_limit=2, auth_fail_window="1m",
                  auth_lock_time="1h")
def test_lock_is_explained_the_same_everywhere(server):
    """The 454 text, `check` and `explain` all say locked, until when,
    and whose move it is; none of them blames the server's database."""
    for _ in range(2):
        assert try_auth(server, USER, "wrong")[0] == 535
    code, lines = try_auth(server, USER, PASSWORD)
    reply = "%d %s" % (code, lines[0])
    until = utc(lock_time_of(lines[0]))
    txt = run("explain", reply).stdout
    assert "login temporarily locked" in txt.lower(), txt
    prov = txt.split("Provider reply")[1].split("Enhanced code")[0]
    assert "locked" in prov and "sender" in prov, txt
    assert "database" not in prov and "unavailable" not in prov, txt
    p = subprocess.run(
        [BIN, "check", "%s:%d" % (HOST, server.ports["submission"]),
         "--connect-to", "127.0.0.1", "--cafile", server.cafile,
         "--user", USER, "--password-env", "PW", "--json"],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PW=PASSWORD))
    res = json.loads(p.stdout)
    auth = [st for st in res["steps"] if st["step"] == "auth"][0]
    assert auth["reply"]["code"] == 454
    assert until in auth["reply"]["text"]
    assert "locked" in auth["note"] and "unlock" in auth["note"]
    assert "store" not in auth["note"] and "database" not in auth["note"]
    prov = auth["explanation"]["provider"]
    assert prov["side"] == "sender" and "locked" in prov["title"].lower()


def test_lock_survives_restart(unstarted):
    srv = unstarted.start()
    pctl(srv, "mailbox", "lock", USER, "--for", "2h")
    assert try_auth(srv, USER, PASSWORD)[0] == 454
    assert srv.stop() == 0
    srv.start()
    assert try_auth(srv, USER, PASSWORD)[0] == 454
    pctl(srv, "mailbox", "unlock", USER)
    assert try_auth(srv, USER, PASSWORD)[0] == 235
    assert srv.stop() == 0


# --- familiar clients ----------------------------------------------------------

def auth_from(server, source, password=PASSWORD, user=USER):
    """SMTP AUTH PLAIN on the submission port after STARTTLS, from a
    given loopback address, as a platform's smtplib client does it: the
    reply code.  One AUTH per call (smtplib's login() would try LOGIN
    after a failed PLAIN: two failures)."""
    with smtplib.SMTP("127.0.0.1", server.ports["submission"],
                      source_address=(source, 0),
                      timeout=scaled(20)) as s:
        s.starttls(context=server.client_context(check_hostname=False))
        s.ehlo("platform.example")
        s.user, s.password = user, password
        try:
            return s.auth("PLAIN", s.auth_plain)[0]
        except smtplib.SMTPAuthenticationError as e:
            return e.smtp_code


def show(server):
    return (pctl(server, "mailbox", "show", USER).stdout,
            json.loads(pctl(server, "mailbox", "show", USER,
                            "--json").stdout))


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="1m",
                  auth_lock_time="1h")
def test_failures_from_elsewhere_do_not_lock_a_familiar_client(server):
    """The issue's case: the owner's platform logged in from 127.0.0.1;
    an attacker's wrong passwords from 127.0.0.2 lock 127.0.0.2 (and any
    other unfamiliar address), not the platform."""
    assert auth_from(server, "127.0.0.1") == 235     # now familiar
    for _ in range(3):
        assert auth_from(server, "127.0.0.2", "guess") == 535
    # the right password from the attacker's side: locked (and the
    # credential the platform's login cached does not get it through)
    assert auth_from(server, "127.0.0.2") == 454
    assert auth_from(server, "127.0.0.3") == 454
    assert auth_from(server, "127.0.0.1") == 235
    # the owner's logins do not lift the attacker's lock
    assert auth_from(server, "127.0.0.1") == 235
    assert auth_from(server, "127.0.0.2") == 454
    out, js = show(server)
    m = re.search(r"^locked:         yes, until (.+ UTC)$", out, re.M)
    assert m, out
    assert ("source locks:   unfamiliar sources: locked until %s\n"
            % m.group(1)) in out
    assert re.search(r"^familiar:       127\.0\.0\.1, last login "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", out, re.M), out
    assert js["locked"] is True
    assert [l["source"] for l in js["source_locks"]] == ["unfamiliar"]
    assert js["source_locks"][0]["locked_until"] == js["locked_until"]
    assert [f["network"] for f in js["familiar"]] == ["127.0.0.1"]
    assert abs(js["familiar"][0]["last_login"] - time.time()) < 120
    assert js["familiar_days"] == 30
    reasons = [f["reason"] for f in js["recent_failures"]]
    assert reasons[0].startswith("locked until ")
    assert "(right password); lock on unfamiliar sources" in reasons[0]
    server.wait_log("locked for 3600s for unfamiliar sources after 3 "
                    "failures; familiar networks still log in")
    # the administrator's unlock lifts it for everyone
    pctl(server, "mailbox", "unlock", USER)
    assert auth_from(server, "127.0.0.2") == 235


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="1m",
                  auth_lock_time="1h", auth_familiar_days=0)
def test_familiar_days_0_gives_the_plain_lock_back(server):
    assert auth_from(server, "127.0.0.1") == 235
    for _ in range(3):
        assert auth_from(server, "127.0.0.2", "guess") == 535
    assert auth_from(server, "127.0.0.2") == 454
    assert auth_from(server, "127.0.0.1") == 454
    out, js = show(server)
    assert "familiar:       off (auth_familiar_days = 0" in out
    assert js["familiar"] == [] and js["familiar_days"] == 0
    assert "source locks:   unfamiliar sources: locked until" in out


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="1m",
                  auth_lock_time="1h")
def test_a_familiar_clients_own_failures_lock_only_itself(server):
    """A platform retrying a stale password from its familiar address
    locks that address; a login from elsewhere still works."""
    assert auth_from(server, "127.0.0.1") == 235
    for _ in range(3):
        assert auth_from(server, "127.0.0.1", "stale password") == 535
    assert auth_from(server, "127.0.0.1") == 454
    assert auth_from(server, "127.0.0.4") == 235
    out, js = show(server)
    assert "locked:         no\n" in out
    assert re.search(r"^source locks:   127\.0\.0\.1: locked until "
                     r".+ UTC$", out, re.M), out
    assert [l["source"] for l in js["source_locks"]] == ["127.0.0.1"]
    assert sorted(f["network"] for f in js["familiar"]) == ["127.0.0.1",
                                                            "127.0.0.4"]
    server.wait_log("locked for 3600s for familiar network 127.0.0.1 "
                    "(client 127.0.0.1) after 3 failures from it")
    # the mailbox lock holds for every source, familiar or not
    pctl(server, "mailbox", "lock", USER, "--for", "1h")
    assert auth_from(server, "127.0.0.4") == 454
    out, js = show(server)
    assert "source locks:   all sources: locked until" in out
    assert js["source_locks"][0]["source"] == "all"


@pytest.mark.conf(auth_fail_limit=2, auth_fail_window="1m",
                  auth_lock_time="1h", auth_familiar_prefix="24,64")
def test_familiar_prefix_widens_to_the_platforms_pool(server):
    assert auth_from(server, "127.0.0.1") == 235
    for _ in range(2):
        assert auth_from(server, "127.0.1.9", "guess") == 535
    assert auth_from(server, "127.0.1.9") == 454
    assert auth_from(server, "127.0.0.77") == 235    # same /24
    out, js = show(server)
    assert [f["network"] for f in js["familiar"]] == ["127.0.0.0/24"]
    assert "familiar:       127.0.0.0/24, last login" in out


# --- hints in 535 -----------------------------------------------------------

@pytest.mark.parametrize("user,password,hint", [
    ("user", PASSWORD, "username must be the full email address"),
    (USER, PASSWORD + "\n", "line break"),
    (USER, PASSWORD + "\u200b", "invisible"),
    (USER, " " + PASSWORD, "whitespace"),
])
def test_535_hints(server, user, password, hint):
    code, lines = try_auth(server, user, password)
    assert code == 535
    assert lines[0].startswith("5.7.8 Authentication credentials invalid")
    assert hint in lines[0]
    # and the reason recorded for the operator says where, not what
    if "@" in user:
        out = pctl(server, "mailbox", "show", USER).stdout
        assert "wrong password (password:" in out
        assert PASSWORD not in out


def test_hint_is_the_same_for_unknown_users(server):
    a = try_auth(server, USER, PASSWORD + "\n")
    b = try_auth(server, "ghost@example.test", PASSWORD + "\n")
    assert a == b


# --- sender identity ----------------------------------------------------------

def test_sender_must_be_owned(server):
    d = server.dialog()
    assert d.login()[0] == 235
    d.expect("MAIL FROM:<someone.else@example.test>", 553,
             "5.7.1 <someone.else@example.test>: Sender address rejected: "
             "not owned by user " + USER)
    d.expect("MAIL FROM:<USER@Example.Test>", 250)
    d.expect("RSET", 250)
    d.expect("MAIL FROM:<>", 250)  # bounces are allowed
    d.expect("RSET", 250)
    pctl(server, "alias", "add", "sales@example.test", USER)
    d.expect("MAIL FROM:<sales@example.test>", 250)
    d.expect("RSET", 250)
    d.expect("MAIL FROM:<anyone@example.test>", 553)
    pctl(server, "domain", "set", "example.test", "sender_policy", "domain")
    d.expect("MAIL FROM:<anyone@example.test>", 250)
    d.expect("RSET", 250)
    d.expect("MAIL FROM:<anyone@example.org>", 553)


def test_mx_delivers_to_aliases(server):
    pctl(server, "alias", "add", "info@example.test", USER)
    d = server.dialog("mx")
    d.expect("EHLO relay.example", 250)
    d.expect("MAIL FROM:<a@example.org>", 250)
    d.expect("RCPT TO:<info@example.test>", 250)
    d.expect("RCPT TO:<nobody@example.test>", 550)


# --- host / domain match ----------------------------------------------------

@pytest.mark.conf(require_host_match="yes")
def test_sni_host_must_serve_the_account_domain(server):
    import ssl
    pctl(server, "domain", "add", "other.test")
    pctl(server, "domain", "set", "other.test", "submission_host",
         "mail.other.test")
    add_mailbox(server, "bob@other.test", "bob-password-123")

    def auth_with_sni(sni, user, password):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", server.ports["smtps"]))
        s = ctx.wrap_socket(raw, server_hostname=sni)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO c.example\r\n")
        while True:
            line = f.readline()
            if line[3:4] == b" ":
                break
        s.sendall(("AUTH PLAIN %s\r\n" % plain_token(user, password))
                  .encode())
        reply = f.readline().decode().strip()
        s.close()
        return reply

    ok = auth_with_sni(HOST, USER, PASSWORD)
    assert ok.startswith("235")
    bad = auth_with_sni("mail.other.test", USER, PASSWORD)
    assert bad.startswith("535 5.7.8 ")
    assert "mail.other.test does not serve example.test" in bad
    assert auth_with_sni("mail.other.test", "bob@other.test",
                         "bob-password-123").startswith("235")
    out = pctl(server, "mailbox", "show", USER).stdout
    assert "host mismatch" in out
    pctl(server, "domain", "set", "example.test", "require_host_match", "no")
    assert auth_with_sni("mail.other.test", USER, PASSWORD).startswith("235")


# --- daily limit ----------------------------------------------------------------

@pytest.mark.conf(auth_workers=4, max_errors=100)
def test_daily_limit_exact_for_one_fast_session(server):
    """One session pipelining (RFC 2920) each message's end with the next
    MAIL and RCPT: the count of a message, which the session does not
    wait for, is recorded before its next RCPT is judged (auth_jobs.h),
    so a limit of 20 lets exactly 20 recipients through, never 21."""
    pctl(server, "mailbox", "set", USER, "daily_limit", "20")
    d = server.dialog()
    assert d.login()[0] == 235
    d.expect("MAIL FROM:<%s>" % USER, 250)
    code, _ = d.cmd("RCPT TO:<r0@example.org>")
    accepted = 0
    for i in range(1, 40):
        if code != 250:
            break
        accepted += 1
        d.expect("DATA", 354)
        d.send("Subject: x\r\n\r\nx\r\n.\r\nMAIL FROM:<%s>\r\n"
               "RCPT TO:<r%d@example.org>\r\n" % (USER, i))
        assert d.reply()[0] == 250          # the message
        assert d.reply()[0] == 250          # MAIL
        code, _ = d.reply()                 # RCPT
    assert code == 451
    d.close()
    assert accepted == 20


def test_daily_limit_counts_across_sessions_and_restarts(unstarted):
    srv = unstarted.start()
    pctl(srv, "mailbox", "set", USER, "daily_limit", "3")

    def send(rcpts):
        d = srv.dialog()
        assert d.login()[0] == 235
        d.expect("MAIL FROM:<%s>" % USER, 250)
        codes = []
        for r in rcpts:
            code, lines = d.cmd("RCPT TO:<%s>" % r)
            codes.append((code, lines))
        if any(c == 250 for c, _ in codes):
            d.expect("DATA", 354)
            d.send("Subject: x\r\n\r\nx\r\n.\r\n")
            assert d.reply()[0] == 250
        d.close()
        return codes

    assert [c for c, _ in send(["a@example.org", "b@example.org"])] == \
        [250, 250]
    srv.stop()
    srv.start()
    codes = send(["c@example.org", "d@example.org"])
    assert codes[0][0] == 250
    assert codes[1][0] == 451
    assert codes[1][1][0].startswith("4.7.1 Daily sending limit of 3 "
                                     "recipients reached for " + USER)
    assert "resets at" in codes[1][1][0]
    js = json.loads(pctl(srv, "mailbox", "show", USER, "--json").stdout)
    assert js["sent_24h"] == 3 and js["daily_limit"] == 3
    assert srv.stop() == 0


# --- the account commands -------------------------------------------------------

def test_mailbox_added_while_running_works_within_a_second(server):
    pw = add_mailbox(server, "fresh@example.test")
    t0 = time.time()
    assert try_auth(server, "fresh@example.test", pw)[0] == 235
    assert time.time() - t0 < 5  # generous: argon2id under sanitizers


def test_passwd_remove_and_lists(server):
    pctl(server, "mailbox", "passwd", USER, "--password-stdin",
         input="new password 42\n")
    assert try_auth(server, USER, PASSWORD)[0] == 535
    assert try_auth(server, USER, "new password 42")[0] == 235
    r = pctl(server, "mailbox", "passwd", "nobody@example.test", "--generate",
             check=False)
    assert r.returncode == 1 and "nobody@example.test" in r.stderr
    lst = json.loads(pctl(server, "mailbox", "list", "--json").stdout)
    assert [m["address"] for m in lst] == [USER]
    out = pctl(server, "mailbox", "list").stdout
    assert out.splitlines()[0].split()[0] == "MAILBOX"
    doms = json.loads(pctl(server, "domain", "list", "--json").stdout)
    assert doms[0]["domain"] == "example.test"
    assert doms[0]["mailboxes"] == 1
    r = pctl(server, "domain", "remove", "example.test", check=False)
    assert r.returncode == 1 and "--force" in r.stderr
    pctl(server, "mailbox", "remove", USER)
    assert try_auth(server, USER, "new password 42")[0] == 535
    r = pctl(server, "mailbox", "remove", USER, check=False)
    assert r.returncode == 1 and "does not exist" in r.stderr
    pctl(server, "domain", "remove", "example.test")
    assert json.loads(pctl(server, "domain", "list", "--json").stdout) == []


def test_alias_commands(server):
    pctl(server, "alias", "add", "sales@example.test", USER)
    r = pctl(server, "alias", "add", "sales@example.test", USER, check=False)
    assert r.returncode == 1 and "already exists" in r.stderr
    r = pctl(server, "alias", "add", "x@example.test", "nobody@example.test",
             check=False)
    assert r.returncode == 1 and "nobody@example.test" in r.stderr
    r = pctl(server, "alias", "add", "x@elsewhere.test", USER, check=False)
    assert r.returncode == 1 and "elsewhere.test" in r.stderr
    lst = json.loads(pctl(server, "alias", "list", "--json").stdout)
    assert lst == [{"alias": "sales@example.test", "mailbox": USER}]
    r = pctl(server, "mailbox", "add", "sales@example.test", "--generate",
             check=False)
    assert r.returncode == 1
    pctl(server, "alias", "remove", "sales@example.test")
    assert json.loads(pctl(server, "alias", "list", "--json").stdout) == []


def test_credential_cache_never_outlives_a_change(server):
    """Successful logins are cached (argon2id once per credential); a
    password change or a lock must still take effect at once."""
    assert try_auth(server, USER, PASSWORD)[0] == 235
    assert try_auth(server, USER, PASSWORD)[0] == 235   # from the cache
    assert try_auth(server, USER, PASSWORD + "x")[0] == 535
    pctl(server, "mailbox", "lock", USER, "--for", "1h")
    assert try_auth(server, USER, PASSWORD)[0] == 454
    pctl(server, "mailbox", "unlock", USER)
    assert try_auth(server, USER, PASSWORD)[0] == 235
    pctl(server, "mailbox", "passwd", USER, "--password-stdin",
         input="brand new password\n")
    assert try_auth(server, USER, PASSWORD)[0] == 535
    assert try_auth(server, USER, "brand new password")[0] == 235
    assert try_auth(server, "USER@example.test", "brand new password")[0] \
        == 235


@pytest.mark.conf(auth_cache_ttl="0")
def test_credential_cache_can_be_turned_off(server):
    assert try_auth(server, USER, PASSWORD)[0] == 235
    assert try_auth(server, USER, PASSWORD)[0] == 235


# --- platform egress addresses (issue 21) -----------------------------------

def import_mailboxes(server, names):
    """Provision many mailboxes with PASSWORD in one `mailbox import`
    (one transaction, one hash: far faster than a `mailbox add` each)."""
    import sqlite3
    db = sqlite3.connect(os.path.join(server.dir, "db", "postern.db"))
    try:
        (h,) = db.execute("SELECT password_hash FROM mailbox WHERE "
                          "address = ?", (USER,)).fetchone()
    finally:
        db.close()
    path = os.path.join(server.dir, "platform.passwd")
    with open(path, "w") as f:
        f.writelines("%s:%s\n" % (n, h) for n in names)
    pctl(server, "mailbox", "import", path)


def connect_code(server, source):
    """The first reply a client at source gets: 220, or 421 if locked."""
    with socket.create_connection(("127.0.0.1", server.ports["submission"]),
                                  timeout=scaled(20),
                                  source_address=(source, 0)) as s:
        return int(s.recv(1000)[:3])


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="5m",
                  auth_lock_time="1h", auth_ip_fail_limit=10)
def test_a_platform_failing_on_stale_mailboxes_still_serves_its_own(server):
    """The issue's case: an address that logged in to 100 mailboxes and
    then fails on 15 it never logged in to is client-locked for those
    (and any other it does not know), but still logs in to the 100; its
    failures on a familiar mailbox do not count toward the client lock."""
    ours = ["p%d@example.test" % i for i in range(100)]
    stale = ["s%d@example.test" % i for i in range(15)]
    import_mailboxes(server, ours + stale)
    deadline = time.monotonic() + scaled(60)
    for n in ours:
        assert auth_from(server, "127.0.0.5", user=n) == 235
    # a stale password on five of its own: per-mailbox only
    for n in ours[:5]:
        assert auth_from(server, "127.0.0.5", "stale", user=n) == 535
    codes = [auth_from(server, "127.0.0.5", "stale", user=n) for n in stale]
    assert codes == [535] * 10 + [454] * 5, codes
    server.wait_log("client 127.0.0.5 locked for 3600s: failures for 10 "
                    "usernames")
    # familiar to some mailbox: let in at connect, locked per login
    assert connect_code(server, "127.0.0.5") == 220
    assert auth_from(server, "127.0.0.5", user=stale[0]) == 454
    assert auth_from(server, "127.0.0.5", user="nobody@example.test") == 454
    for n in ours:
        assert auth_from(server, "127.0.0.5", user=n) == 235
    assert time.monotonic() < deadline
    out = pctl(server, "mailbox", "show", stale[0], "--json").stdout
    reasons = [f["reason"] for f in json.loads(out)["recent_failures"]]
    assert "(right password); client lock: failures for many usernames" \
        in reasons[0], reasons


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="5m",
                  auth_lock_time="1h", auth_ip_fail_limit=10)
def test_an_unknown_address_spraying_is_locked_at_connect(server):
    assert auth_from(server, "127.0.0.1") == 235     # someone else's
    for i in range(10):
        assert auth_from(server, "127.0.0.6", "guess",
                         user="n%d@example.test" % i) == 535
    # familiar to no mailbox: refused before any AUTH, for the rest
    for _ in range(5):
        assert connect_code(server, "127.0.0.6") == 421
    assert auth_from(server, "127.0.0.1") == 235
    server.wait_log("client [127.0.0.6] locked after failed logins")


@pytest.mark.conf(auth_fail_limit=3, auth_fail_window="5m",
                  auth_lock_time="1h", auth_ip_fail_limit=10,
                  auth_trusted_clients="127.0.0.0/30, ::1/128")
def test_trusted_clients_are_never_client_locked(server):
    for i in range(15):
        assert auth_from(server, "127.0.0.2", "guess",
                         user="n%d@example.test" % i) == 535
    assert connect_code(server, "127.0.0.2") == 220
    # the per-mailbox lock still applies to them
    for _ in range(3):
        assert auth_from(server, "127.0.0.2", "guess") == 535
    assert auth_from(server, "127.0.0.2") == 454
    # outside the range: the same guesses lock the client
    for i in range(10):
        assert auth_from(server, "127.0.0.9", "guess",
                         user="n%d@example.test" % i) == 535
    assert connect_code(server, "127.0.0.9") == 421
