"""`postern check` against our own server in every failure mode, and
against foreign servers started here (aiosmtpd, openssl s_server): each
test asserts the step that failed, the exit status and the key words of
the explanation."""
import csv
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest

from conftest import BIN, HOST, PASSWORD, USER, free_port, run, scaled

EXIT = {"ok": 0, "dns": 3, "connect": 4, "tls": 5, "starttls": 5,
        "banner": 6, "ehlo": 7, "auth": 8, "mail": 9, "rcpt": 10,
        "data": 11}


def check(server, kind="submission", user=USER, password=PASSWORD,
          *extra, env=None, port=None, host=HOST):
    args = [BIN, "check", "%s:%d" % (host, port or server.ports[kind]),
            "--connect-to", "127.0.0.1", "--cafile", server.cafile,
            "--timeout", "3", "--json"]
    if user is not None:
        args += ["--user", user]
    e = dict(os.environ)
    if password is not None:
        args += ["--password-env", "POSTERN_CHECK_PW"]
        e["POSTERN_CHECK_PW"] = password
    if env:
        e.update(env)
    p = subprocess.run(args + list(extra), capture_output=True, text=True,
                       env=e, timeout=scaled(60))
    assert password is None or password not in p.stdout + p.stderr
    res = json.loads(p.stdout)
    assert res["exit_status"] == p.returncode
    return p.returncode, res


def step(res, name):
    for s in res["steps"]:
        if s["step"] == name:
            return s
    raise AssertionError("no step %s in %s" % (name, res["steps"]))


def explanation_text(s):
    ex = s.get("explanation") or {}
    parts = [s["note"], s["detail"]]
    for k in ("provider", "enhanced", "basic"):
        e = ex.get(k)
        if e:
            parts += [e["title"], e["meaning"], e["side"]] + e["causes"] + \
                e["fixes"]
    return " ".join(parts).lower()


# --- our own server ---------------------------------------------------------

def test_success_starttls_and_tls(server):
    rc, res = check(server, "submission", USER, PASSWORD, "--to",
                    "someone@example.org", "--send")
    assert rc == 0, res
    assert res["result"] == "ok" and res["software"] == "Postern"
    assert res["banner_host"] == HOST
    assert res["auth_before_tls"] == "(none)"
    assert "PLAIN" in res["auth_after_tls"]
    assert res["tls"]["name_matches"] and res["tls"]["verified"]
    assert [s["step"] for s in res["steps"]] == [
        "credentials", "dns", "connect", "banner", "ehlo", "starttls",
        "ehlo-tls", "auth", "mail", "rcpt", "data"]
    assert {s["state"] for s in res["steps"]} == {"ok"}
    assert len(server.queued()) == 1
    rc, res = check(server, "smtps", USER, PASSWORD, "--mode", "tls")
    assert rc == 0 and res["mode"] == "tls"
    assert step(res, "tls")["state"] == "ok"


def test_wrong_password(server):
    rc, res = check(server, "submission", USER, "Zq9-not-it")
    assert rc == EXIT["auth"]
    s = step(res, "auth")
    assert s["reply"]["code"] == 535 and s["reply"]["enhanced"] == "5.7.8"
    text = explanation_text(s)
    assert "password" in text and "sender" in text  # whose side


@pytest.mark.conf(auth_fail_limit=2)
def test_locked_mailbox_is_told_apart(server):
    check(server, "submission", USER, "attempt-one-Qz")
    check(server, "submission", USER, "attempt-two-Qz")
    rc, res = check(server, "submission", USER, PASSWORD)
    assert rc == EXIT["auth"]
    s = step(res, "auth")
    assert s["reply"]["code"] == 454
    assert "locked" in s["note"] and "unlock" in s["note"]


def test_auth_not_offered_in_plaintext(server):
    rc, res = check(server, "submission", USER, PASSWORD, "--mode", "plain")
    assert rc == EXIT["auth"]
    assert "starttls" in step(res, "auth")["note"].lower()
    assert "only after STARTTLS" in step(res, "ehlo")["note"]


def test_mail_without_auth(server):
    rc, res = check(server, "submission", None, None, "--from",
                    "user@example.test")
    assert rc == EXIT["mail"]
    s = step(res, "mail")
    assert s["reply"]["code"] == 530
    assert "auth" in explanation_text(s)


def test_sender_mismatch(server):
    rc, res = check(server, "submission", USER, PASSWORD, "--from",
                    "boss@example.test")
    assert rc == EXIT["mail"]
    s = step(res, "mail")
    assert s["reply"]["code"] == 553
    assert "not owned by user" in s["reply"]["text"]


@pytest.mark.conf(require_host_match="yes")
def test_host_mismatch(server):
    run("-d", server.dir, "domain", "add", "other.test")
    run("-d", server.dir, "domain", "set", "other.test", "submission_host",
        "mail.other.test")
    rc, res = check(server, "submission", USER, PASSWORD,
                    host="mail.other.test")
    assert rc == EXIT["auth"]
    s = step(res, "auth")
    assert "does not serve example.test" in s["reply"]["text"]
    tls = step(res, "starttls")
    assert tls["state"] == "warn"
    assert "certificate is for" in tls["note"].lower()


def test_implicit_tls_against_starttls_port(server):
    rc, res = check(server, "submission", USER, PASSWORD, "--mode", "tls")
    assert rc == EXIT["tls"]
    assert "plaintext" in step(res, "tls")["note"]


def test_starttls_mode_against_implicit_tls_port(server):
    rc, res = check(server, "smtps", USER, PASSWORD, "--mode", "starttls")
    assert rc == EXIT["banner"]
    assert "waiting for a TLS handshake" in step(res, "banner")["note"]


def test_nothing_listening(server):
    rc, res = check(server, port=free_port())
    assert rc == EXIT["connect"]
    assert "Nothing listens" in step(res, "connect")["note"]


def test_mx_where_submission_was_meant(server):
    rc, res = check(server, "mx", USER, PASSWORD)
    assert rc == EXIT["auth"]
    assert "receiving server" in step(res, "auth")["note"]


def test_pasted_password_with_newline_and_clean(server):
    rc, res = check(server, "submission", USER, PASSWORD + "\n")
    assert rc == EXIT["auth"]
    cred = step(res, "credentials")
    assert cred["state"] == "warn"
    assert "U+000A" in cred["note"] and "position" in cred["note"]
    assert "likely cause" in step(res, "auth")["note"]
    rc, res = check(server, "submission", USER, PASSWORD + "\u200b\n",
                    "--clean")
    assert rc == 0, res
    assert "--clean" in step(res, "auth")["note"]


def test_username_not_an_email_address(server):
    rc, res = check(server, "submission", "user", PASSWORD)
    assert rc == EXIT["auth"]
    assert "not a full email address" in step(res, "credentials")["note"]
    assert "full email address" in step(res, "auth")["reply"]["text"]


def test_text_output_and_password_stdin(server):
    p = subprocess.run(
        [BIN, "check", "%s:%d" % (HOST, server.ports["submission"]),
         "--connect-to", "127.0.0.1", "--cafile", server.cafile,
         "--user", USER, "--password-stdin"],
        input="Zq9-not-the-password\n", capture_output=True, text=True,
        timeout=scaled(60))
    assert p.returncode == EXIT["auth"]
    assert "FAIL auth" in p.stdout
    out = p.stdout.lower()
    assert "whose side:" in out and "likely cause" in out
    assert "result: FAILED at auth (exit status 8)" in p.stdout
    assert "Zq9-not-the-password" not in p.stdout + p.stderr


def test_auto_mode_finds_implicit_tls(server):
    """Auto mode on the smtps port, which is not 465: no banner within
    3 s, so implicit TLS on a second connection, which works.  Without
    --timeout, the old behaviour waited the full 10 s and failed at the
    banner; the bound below is that behaviour, not a speed goal."""
    t0 = time.monotonic()
    p = subprocess.run(
        [BIN, "check", "%s:%d" % (HOST, server.ports["smtps"]),
         "--connect-to", "127.0.0.1", "--cafile", server.cafile,
         "--user", USER, "--password-env", "POSTERN_CHECK_PW"],
        env=dict(os.environ, POSTERN_CHECK_PW=PASSWORD),
        capture_output=True, text=True, timeout=scaled(60))
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, p.stdout + p.stderr
    assert elapsed < 9, elapsed
    assert elapsed >= 2.5, elapsed          # it did wait for a banner
    out = p.stdout
    assert "(implicit TLS, found by auto mode)" in out
    assert "warn probe" in out and "no banner within 3000 ms" in out
    assert "speaks implicit TLS" in out
    assert "choose SSL/TLS for this port, not STARTTLS" in out
    assert "result: ok" in out
    assert PASSWORD not in out + p.stderr

    rc, res = check(server, "smtps", USER, PASSWORD)
    assert rc == 0, res
    assert res["mode"] == "tls" and res["implicit_tls_fallback"] is True
    assert [s["step"] for s in res["steps"]] == [
        "credentials", "dns", "connect", "probe", "tls", "banner", "ehlo",
        "auth", "mail"]
    probe = step(res, "probe")
    assert probe["state"] == "warn" and probe["ms"] >= 2900
    assert "implicit-TLS port" in probe["note"]
    assert "SSL/TLS" in probe["note"]
    assert step(res, "tls")["state"] == "ok"
    assert step(res, "banner")["state"] == "ok"
    assert res["tls"]["verified"] and res["software"] == "Postern"


def test_auto_mode_no_probe_when_banner_comes(server):
    rc, res = check(server, "submission", USER, PASSWORD)
    assert rc == 0, res
    assert res["implicit_tls_fallback"] is False
    assert "probe" not in [s["step"] for s in res["steps"]]
    assert step(res, "banner")["ms"] < 2000


class FakeSMTP:
    """A plaintext SMTP server on loopback that greets only after
    `delay` seconds (None: never), and answers early client bytes (a TLS
    ClientHello) with 554 and a close, as servers with a greeting pause
    do.  Every connection gets a thread; `accepted` counts them."""

    def __init__(self, delay):
        self.delay = delay
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(c)
            threading.Thread(target=self.session, args=(c,),
                             daemon=True).start()

    def session(self, c):
        try:
            if self.delay is None:
                c.settimeout(30)
                while c.recv(1024):
                    pass                # a black hole: reads, says nothing
                return
            c.settimeout(self.delay)
            try:
                if c.recv(1024):
                    c.sendall(b"554 5.3.2 talked before the greeting\r\n")
                    return
            except socket.timeout:
                pass
            c.settimeout(30)
            c.sendall(b"220 slow.example.test ESMTP slowpoke\r\n")
            f = c.makefile("rb")
            for line in f:
                verb = line[:4].upper()
                if verb == b"EHLO":
                    c.sendall(b"250-slow.example.test\r\n250 8BITMIME\r\n")
                elif verb == b"QUIT":
                    c.sendall(b"221 bye\r\n")
                    return
                else:
                    c.sendall(b"502 no\r\n")
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def test_auto_mode_slow_greeter_keeps_its_chance(server):
    """Silent for 3.5 s, then a plaintext banner: the probe's second
    connection is refused as early talk, and the first connection, kept
    open and unwritten, still gets its banner."""
    fake = FakeSMTP(3.5)
    try:
        t0 = time.monotonic()
        rc, res = check(server, "submission", None, None, "--timeout", "10",
                        port=fake.port, host="slow.example.test")
        elapsed = time.monotonic() - t0
    finally:
        fake.close()
    assert fake.accepted == 2
    assert elapsed < 9, elapsed
    assert rc == EXIT["starttls"], res       # it offers no STARTTLS
    assert res["implicit_tls_fallback"] is False and res["mode"] == "starttls"
    assert step(res, "probe")["state"] == "warn"
    t = step(res, "tls")
    assert t["state"] == "warn" and "plaintext" in t["note"]
    b = step(res, "banner")
    assert b["state"] == "warn" and "slow to greet" in b["note"]
    assert res["banner_host"] == "slow.example.test"
    assert step(res, "ehlo")["state"] == "ok"
    assert res["failed_step"] == "starttls"


def test_auto_mode_silent_server(server):
    """Silent in plaintext and to a TLS handshake: the banner step fails
    and says both were tried."""
    fake = FakeSMTP(None)
    try:
        t0 = time.monotonic()
        rc, res = check(server, "submission", None, None, "--timeout", "2",
                        port=fake.port, host="silent.example.test")
        elapsed = time.monotonic() - t0
    finally:
        fake.close()
    assert rc == EXIT["banner"], res
    assert elapsed < 9, elapsed
    assert step(res, "probe")["state"] == "warn"
    t = step(res, "tls")
    assert t["state"] == "warn" and "no answer" in t["note"]
    b = step(res, "banner")
    assert b["state"] == "failed"
    assert "implicit TLS did not work either" in b["note"]


@pytest.mark.parametrize("args,reason", [
    (["--password", "Zq9-secret"], "there is no --password"),
    (["--password=Zq9-secret"], "there is no --password"),
    (["--foo"], "unknown option '--foo'"),
    (["--user"], "--user needs a value"),
    (["--user=someone"], "write '--user VALUE', with a space"),
    (["--mode", "ssl"], "--mode 'ssl': the modes are auto, starttls, tls "
     "and plain"),
    (["--timeout", "0"], "--timeout '0': not a whole number of seconds"),
    (["--concurrency", "x", "--csv", "a.csv"],
     "--concurrency 'x': not a number from 1 to 32"),
    (["mail.example.test:70000"], "'mail.example.test:70000': the port "
     "'70000' is not a number from 1 to 65535"),
    (["mail.example.test:"], "the port '' is not a number"),
    (["[::1]:x"], "the port 'x' is not a number"),
    (["[::1"], "no ']' after the IPv6 address"),
    (["a.example", "b.example"], "unexpected argument 'b.example': the "
     "host is already 'a.example'"),
])
def test_usage_errors_say_why(args, reason):
    p = subprocess.run([BIN, "check"] + args, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert lines[0].startswith("postern: check: "), p.stderr
    assert reason in lines[0], lines[0]
    assert lines[1].startswith("usage: postern check"), p.stderr
    assert "Zq9-secret" not in p.stderr


def test_bulk_csv_never_locks(server):
    path = os.path.join(server.tmp, "acc.csv")
    run("-d", server.dir, "provision", "example.test", "--count", "4",
        "--csv", path)
    rows = list(csv.DictReader(open(path, newline="")))
    rows[2]["password"] = "stale"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    out = os.path.join(server.tmp, "result.csv")
    p = subprocess.run([BIN, "check", "--csv", path, "--out", out,
                        "%s:%d" % (HOST, server.ports["submission"]),
                        "--connect-to", "127.0.0.1", "--cafile",
                        server.cafile, "--concurrency", "3"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    assert "checked 4 mailbox(es): 3 ok, 1 failed at auth" in p.stdout
    res = list(csv.DictReader(open(out, newline="")))
    assert [r["result"] for r in res] == ["ok", "ok", "failed", "ok"]
    assert res[2]["failed_step"] == "auth"
    assert res[2]["reply"].startswith("535 5.7.8")
    # one failure only: the mailbox is not locked
    js = json.loads(run("-d", server.dir, "mailbox", "show",
                        rows[2]["email"], "--json").stdout)
    assert js["locked"] is False and len(js["recent_failures"]) == 1


# --- foreign servers ----------------------------------------------------------

AIOSMTPD = textwrap.dedent("""
    import asyncio, ssl, sys
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
    cert, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    def auth(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and \\
            data.login == b"alice@foreign.test" and data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)
    class H:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"
    c = Controller(H(), hostname="127.0.0.1", port=port, tls_context=ctx,
                   require_starttls=True, authenticator=auth,
                   auth_require_tls=True, server_hostname="mx.foreign.test")
    c.start()
    print("ready", flush=True)
    sys.stdin.read()
    c.stop()
""")


@pytest.fixture
def aiosmtpd_server(server):
    pytest.importorskip("aiosmtpd")
    port = free_port()
    p = subprocess.Popen(["/usr/bin/python3", "-c", AIOSMTPD, server.cafile,
                          os.path.join(os.path.dirname(server.cafile),
                                       "privkey.pem"), str(port)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    yield port
    p.stdin.close()
    p.wait(10)


def test_foreign_aiosmtpd(server, aiosmtpd_server):
    rc, res = check(server, user="alice@foreign.test", password="s3cret",
                    port=aiosmtpd_server)
    assert rc == 0, res
    assert res["software"] == "Python aiosmtpd"
    rc, res = check(server, user="alice@foreign.test",
                    password="Zq9-wrong-secret", port=aiosmtpd_server)
    assert rc == EXIT["auth"]
    s = step(res, "auth")
    assert s["reply"]["code"] == 535 and "credentials" in explanation_text(s)


def test_foreign_tls_server_with_other_name(server, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl")
    key = tmp_path / "k.pem"
    crt = tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "3", "-subj",
                    "/CN=other.example", "-addext",
                    "subjectAltName=DNS:other.example"],
                   check=True, capture_output=True)
    port = free_port()
    s = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept",
                          "127.0.0.1:%d" % port, "-cert", str(crt), "-key",
                          str(key)], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        rc, res = check(server, "submission", None, None, "--mode",
                        "starttls", port=port, host="mail.example.test")
        # STARTTLS mode against a TLS-only port: no banner (auto mode
        # would probe with a second connection, which this one-at-a-time
        # server never accepts while the first is open)
        assert rc == EXIT["banner"]
        assert "waiting for a TLS handshake" in step(res, "banner")["note"]
        rc, res = check(server, "submission", None, None, "--mode", "tls",
                        port=port, host="mail.example.test")
        t = step(res, "tls")
        assert t["state"] == "warn"
        assert "other.example" in t["note"] and "not trusted" in t["note"]
        assert res["tls"]["name_matches"] is False
        assert rc == EXIT["banner"]  # s_server says nothing after TLS
    finally:
        s.kill()
        s.wait(5)
