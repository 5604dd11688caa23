"""`postern check --imap`: the IMAP leg against a real Dovecot started by
`postern serve` (test_imap.py's server), and against a small fake IMAP
server started here that lacks what platforms need.  Each test asserts
the step that failed or warned, the exit status and the key words of the
explanation, as test_check.py does for SMTP."""
import csv
import json
import os
import re
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, Server, free_port, run,
                      scaled)
from test_imap import DOVECOT, imap_server, imaps  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not os.access(DOVECOT, os.X_OK),
                                reason="Dovecot is not installed")

IMAP_STEPS_TLS = ["imap-connect", "imap-tls", "imap-greeting",
                  "imap-capability", "imap-login", "imap-extensions",
                  "imap-select", "imap-folders", "imap-namespace",
                  "imap-logout"]
LIMITED = ("SMTP works but IMAP fails: replies will go undetected "
           "(platforms call this a limited connection)")


def check(srv, *extra, user=USER, password=PASSWORD, imap_port=None,
          connect_to="127.0.0.1", smtp_port=None, text=False):
    """`postern check --imap` against srv; (exit status, JSON or text)."""
    args = [BIN, "check", "%s:%d" % (HOST, smtp_port or
                                      srv.ports["submission"]),
            "--connect-to", connect_to, "--cafile", srv.cafile,
            "--timeout", "5", "--imap", "--user", user,
            "--password-env", "POSTERN_CHECK_PW"]
    if imap_port is not None:
        args += ["--imap-port", str(imap_port)]
    if not text:
        args.append("--json")
    env = dict(os.environ, POSTERN_CHECK_PW=password)
    p = subprocess.run(args + list(extra), capture_output=True, text=True,
                       env=env, timeout=scaled(90))
    assert password not in p.stdout + p.stderr
    if text:
        return p.returncode, p.stdout
    res = json.loads(p.stdout)
    assert res["exit_status"] == p.returncode, res
    return p.returncode, res


def istep(res, name):
    for s in res["imap"]["steps"]:
        if s["step"] == name:
            return s
    raise AssertionError("no step %s in %s" % (name, res["imap"]["steps"]))


def provider_key(s):
    return ((s.get("explanation") or {}).get("provider") or {}).get("key")


# --- a real Dovecot -----------------------------------------------------------

def test_success_all_steps(imap_server):
    srv = imap_server
    rc, res = check(srv, imap_port=srv.ports["imaps"])
    assert rc == 0, res
    im = res["imap"]
    assert [s["step"] for s in im["steps"]] == IMAP_STEPS_TLS
    assert {s["state"] for s in im["steps"]} == {"ok"}, im["steps"]
    assert im["mode"] == "tls" and im["software"] == "Postern (Dovecot)"
    assert im["tls"]["name_matches"] and im["tls"]["verified"]
    assert "SNI %s" % HOST in istep(res, "imap-tls")["detail"]
    assert im["missing_capabilities"] == []
    assert "CONDSTORE LIST-STATUS SPECIAL-USE MOVE UIDPLUS IDLE" in \
        istep(res, "imap-extensions")["detail"]
    assert im["junk_folder"] == "Junk" and im["junk_found_by"] == "\\Junk"
    assert im["namespace_prefix"] == "" and im["folders"] == 6
    assert res["summary"] == "SMTP and IMAP both work"
    assert res["result"] == "ok" and im["result"] == "ok"
    # the text output, as a person reads it
    rc, out = check(srv, imap_port=srv.ports["imaps"], text=True)
    assert rc == 0
    assert "IMAP %s:%d (implicit TLS)" % (HOST, srv.ports["imaps"]) in out
    assert "  ok   imap-folders        6 folders; Junk: Junk (by \\Junk)" \
        in out
    assert "summary: SMTP and IMAP both work\nresult: ok\n" in out


def test_wrong_password(imap_server):
    srv = imap_server
    rc, res = check(srv, imap_port=srv.ports["imaps"],
                    password="Zq9-not-it")
    assert rc == 8, res                 # SMTP's auth step decides
    s = istep(res, "imap-login")
    assert s["state"] == "failed"
    assert s["response"].endswith(
        "NO [AUTHENTICATIONFAILED] Authentication failed.")
    assert provider_key(s) == "imap-authenticationfailed"
    assert "wrong" in s["note"] and "same lock" in s["note"]
    assert res["imap"]["exit_status"] == 16
    assert res["summary"] == "both SMTP and IMAP fail"


def test_locked_mailbox(imap_server):
    """auth_fail_limit = 3: each wrong check fails SMTP AUTH and LOGIN."""
    srv = imap_server
    check(srv, imap_port=srv.ports["imaps"], password="attempt-one-Qz")
    check(srv, imap_port=srv.ports["imaps"], password="attempt-two-Qz")
    rc, res = check(srv, imap_port=srv.ports["imaps"])
    s = istep(res, "imap-login")
    assert s["state"] == "failed", res
    assert "[CONTACTADMIN] Too many failed logins: this login is " \
        "temporarily locked until" in s["response"]
    assert provider_key(s) == "postern-imap-locked"
    assert "locked" in s["note"] and "mailbox unlock" in s["note"]
    assert "454" in json.dumps(res["steps"])      # SMTP is locked too
    run("-d", srv.dir, "mailbox", "unlock", USER)
    rc, res = check(srv, imap_port=srv.ports["imaps"])
    assert rc == 0, res


def test_implicit_tls_against_the_starttls_port(imap_server):
    srv = imap_server
    rc, res = check(srv, "--imap-mode", "tls", imap_port=srv.ports["imap"])
    assert rc == 14, res
    s = istep(res, "imap-tls")
    assert s["state"] == "failed" and "wrong version number" in s["detail"]
    assert "STARTTLS" in s["note"] and "993" in s["note"]
    assert res["summary"] == LIMITED
    assert res["failed_step"] == "imap-tls"
    # auto mode dials implicit TLS on any port but 143, as platforms do
    rc, out = check(srv, imap_port=srv.ports["imap"], text=True)
    assert rc == 14
    assert "summary: " + LIMITED in out
    assert "result: FAILED at imap-tls (exit status 14)" in out


def test_starttls_against_the_implicit_tls_port(imap_server):
    srv = imap_server
    rc, res = check(srv, "--imap-mode", "starttls", "--timeout", "2",
                    imap_port=srv.ports["imaps"])
    assert rc == 15, res
    s = istep(res, "imap-greeting")
    assert s["state"] == "failed"
    assert "implicit-TLS port" in s["note"] and "--imap-mode tls" in \
        s["note"]
    assert res["summary"] == LIMITED


def test_starttls_port_works(imap_server):
    srv = imap_server
    rc, res = check(srv, "--imap-mode", "starttls",
                    imap_port=srv.ports["imap"])
    assert rc == 0, res
    names = [s["step"] for s in res["imap"]["steps"]]
    assert names[:6] == ["imap-connect", "imap-greeting", "imap-capability",
                         "imap-starttls", "imap-capability-tls",
                         "imap-login"]
    # from 127.0.0.1 to 127.0.0.1 Dovecot counts the client as secure
    assert "loopback" in istep(res, "imap-capability")["note"]
    assert "Smartlead" in istep(res, "imap-starttls")["note"]


def start_on_other_address(addr="127.0.0.10"):
    """The whole server on addr: the check connects from 127.0.0.1 (the
    kernel's source for 127/8), so Dovecot sees a client that is not on
    its own address and refuses LOGIN before TLS."""
    ports = {"imap": free_port(addr=addr), "imaps": free_port(addr=addr)}
    srv = Server({"imap": "dovecot", "delivery": "yes",
                  "imap_listen": "%s:%d" % (addr, ports["imap"]),
                  "imaps_listen": "%s:%d" % (addr, ports["imaps"])})
    for kind in ("submission", "smtps", "mx"):
        srv.ports[kind] = free_port(addr=addr)
        srv.settings[kind] = "%s:%d" % (addr, srv.ports[kind])
    srv.write_conf()
    srv.ports.update(ports)
    srv.start()
    deadline = time.time() + scaled(20)
    while True:
        try:
            socket.create_connection((addr, ports["imap"]), 1).close()
            return srv
        except OSError:
            if time.time() > deadline:
                raise AssertionError("no IMAP:\n" + srv.log()[-3000:])
            time.sleep(0.05)


def test_logindisabled_before_starttls():
    srv = start_on_other_address()
    try:
        rc, res = check(srv, "--imap-mode", "starttls",
                        imap_port=srv.ports["imap"],
                        connect_to="127.0.0.10")
        assert rc == 0, res
        s = istep(res, "imap-capability")
        assert "LOGINDISABLED" in s["detail"] and "before TLS" in s["detail"]
        assert "refused until TLS" in s["note"]
        assert "LOGINDISABLED" not in istep(res, "imap-capability-tls")[
            "detail"]
        # plain mode: the check does not send the password at all
        rc, res = check(srv, "--imap-mode", "plain",
                        imap_port=srv.ports["imap"],
                        connect_to="127.0.0.10")
        assert rc == 16, res
        s = istep(res, "imap-login")
        assert s["detail"] == "LOGIN disabled (LOGINDISABLED)"
        assert "password was not sent" in s["note"]
        assert "imap login failed" not in srv.log()
        assert srv.stop() == 0
    finally:
        srv.cleanup()


@pytest.mark.conf(imap_max_userip_connections=1)
def test_too_many_sessions_is_explained(imap_server):
    srv = imap_server
    m = imaps(srv)
    m.login(USER, PASSWORD)
    try:
        rc, res = check(srv, imap_port=srv.ports["imaps"])
    finally:
        m.logout()
    assert rc == 16, res
    s = istep(res, "imap-login")
    # [LIMIT] from Debian 12's security update of Dovecot, [UNAVAILABLE]
    # before it (2.3.19.1+dfsg1-2.1+deb12u6, a fresh bookworm)
    assert re.search(r"NO \[(LIMIT|UNAVAILABLE)\] Maximum number of "
                     r"connections from user\+IP exceeded", s["response"]), \
        s["response"]
    assert provider_key(s) == "dovecot-userip-limit"
    assert res["summary"] == LIMITED


def test_bulk_csv_checks_imap_columns(imap_server):
    srv = imap_server
    path = os.path.join(srv.tmp, "instantly.csv")
    run("-d", srv.dir, "provision", "example.test", "--count", "3",
        "--csv", path, "--format", "instantly")
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    for r in rows:
        r["IMAP Host"], r["IMAP Port"] = HOST, str(srv.ports["imaps"])
    rows[1]["SMTP Password"] = rows[1]["IMAP Password"] = "stale"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    out = os.path.join(srv.tmp, "result.csv")
    base = [BIN, "check", "--csv", path, "--out", out, "--connect-to",
            "127.0.0.1", "--cafile", srv.cafile,
            "%s:%d" % (HOST, srv.ports["submission"])]
    p = subprocess.run(base, capture_output=True, text=True,
                       timeout=scaled(120))
    assert p.returncode == 1, p.stdout + p.stderr
    assert "checked 3 mailbox(es): 2 ok, 1 failed at auth; IMAP of 3: 2 " \
        "ok, 1 failed at imap-login" in p.stdout
    res = list(csv.DictReader(open(out, newline="")))
    assert [r["imap_result"] for r in res] == ["ok", "failed", "ok"]
    assert res[1]["imap_failed_step"] == "imap-login"
    assert "Not tried" in res[1]["imap_explanation"]
    assert res[0]["summary"] == "SMTP and IMAP both work"
    # the stale row failed once only: bulk never risks the lock
    js = json.loads(run("-d", srv.dir, "mailbox", "show",
                        rows[1]["Email"], "--json").stdout)
    assert js["locked"] is False and len(js["recent_failures"]) == 1
    # the command line's IMAP port wins: the STARTTLS port, dialled with
    # implicit TLS, makes every SMTP-working row a limited connection
    p = subprocess.run(base + ["--imap-port", str(srv.ports["imap"])],
                       capture_output=True, text=True, timeout=scaled(120))
    assert p.returncode == 1
    assert "2 limited connection(s): SMTP works but IMAP fails" in p.stdout
    res = list(csv.DictReader(open(out, newline="")))
    assert res[0]["imap_failed_step"] == "imap-tls"
    assert "wrong version number" in res[0]["imap_reply"]
    assert res[0]["summary"] == LIMITED


def test_bulk_generic_csv(imap_server):
    """postern's own format names the IMAP TLS mode (imap_security);
    without IMAP columns the result has SMTP's five columns only."""
    srv = imap_server
    path = os.path.join(srv.tmp, "generic.csv")
    run("-d", srv.dir, "provision", "example.test", "--count", "2",
        "--csv", path)
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    assert rows[0]["imap_security"] == "SSL/TLS", rows[0]
    base = [BIN, "check", "--csv", path, "--connect-to", "127.0.0.1",
            "--cafile", srv.cafile, "%s:%d" % (HOST, srv.ports["submission"])]
    p = subprocess.run(base + ["--imap-port", str(srv.ports["imaps"])],
                       capture_output=True, text=True, timeout=scaled(60))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "checked 2 mailbox(es): 2 ok; IMAP of 2: 2 ok" in p.stderr
    res = list(csv.DictReader(p.stdout.splitlines()))
    assert [r["imap_result"] for r in res] == ["ok", "ok"]
    # a STARTTLS row on the STARTTLS port works too
    for r in rows:
        r["imap_security"] = "STARTTLS"
        r["imap_port"] = str(srv.ports["imap"])
    keep = ["email", "username", "password", "imap_host", "imap_port",
            "imap_security"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=keep, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    p = subprocess.run(base, capture_output=True, text=True,
                       timeout=scaled(60))
    assert p.returncode == 0, p.stdout + p.stderr
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=keep[:3], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    p = subprocess.run(base, capture_output=True, text=True,
                       timeout=scaled(60))
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines()[0] == \
        "mailbox,result,failed_step,reply,explanation"
    assert "IMAP" not in p.stderr


# --- a server that lacks what platforms need ---------------------------------

class FakeIMAP:
    """IMAP over implicit TLS, one session at a time: no CONDSTORE, no
    LIST-STATUS, an "INBOX." namespace and (by default) no Junk folder.
    It records every line and literal it was sent."""

    CAPS = "IMAP4rev1 IDLE NAMESPACE UIDPLUS MOVE AUTH=PLAIN"

    def __init__(self, certdir, folders=None, literal_plus=False,
                 junk=False):
        self.junk = junk
        self.folders = folders or ["INBOX", "INBOX.Sent", "INBOX.Drafts",
                                   'INBOX.Old "Mail"']
        self.caps = self.CAPS + (" LITERAL+" if literal_plus else "")
        self.got = []
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(os.path.join(certdir, "fullchain.pem"),
                                 os.path.join(certdir, "privkey.pem"))
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.lsock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as s:
                    self.session(s, s.makefile("rb"))
            except (OSError, ssl.SSLError):
                pass

    def command(self, s, f):
        """One command with its literals (synchronizing or LITERAL+)."""
        line = f.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        while line.endswith(b"}"):
            n = line[line.rindex(b"{") + 1:-1]
            if not n.endswith(b"+"):
                s.sendall(b"+ go ahead\r\n")
            data = f.read(int(n.rstrip(b"+")))
            self.got.append(data)
            line += b"\r\n" + data + f.readline().rstrip(b"\r\n")
        self.got.append(line)
        return line

    def session(self, s, f):
        s.sendall(b"* OK [CAPABILITY %s] Fake IMAP ready\r\n" %
                  self.caps.encode())
        while True:
            line = self.command(s, f)
            if line is None:
                return
            tag, cmd = line.split(b" ", 1)[0], line.split(b" ")[1].upper()
            out = self.answer(cmd, line)
            s.sendall(b"".join(l + b"\r\n" for l in out) + tag +
                      b" OK done\r\n")
            if cmd == b"LOGOUT":
                return

    def answer(self, cmd, line):
        if cmd == b"CAPABILITY":
            junk = {"big": [b"* X " + b"x" * 20000,      # overlong line
                            b"* Y {100000}\r\n" + b"y" * 100000 + b" z"],
                    "many": [b"* Z " + b"{0}\r\n" * 70 + b"end"]}
            return junk.get(self.junk, []) + \
                [b"* CAPABILITY " + self.caps.encode()]
        if cmd == b"SELECT":
            return [b"* 2 EXISTS", b"* OK [UIDVALIDITY 42] UIDs valid"]
        if cmd == b"LIST":
            out = []
            for name in self.folders:
                b = name.encode()
                if b'"' in b:       # as a literal, like some servers
                    out.append(b'* LIST (\\HasNoChildren) "." {%d}\r\n%s'
                               % (len(b), b))
                else:
                    out.append(b'* LIST (\\HasNoChildren) "." ' + b)
            return out
        if cmd == b"NAMESPACE":
            return [b'* NAMESPACE (("INBOX." ".")) NIL NIL']
        if cmd == b"LOGOUT":
            return [b"* BYE bye"]
        return []

    def close(self):
        self.lsock.close()


@pytest.fixture
def fake(imap_server):
    certdir = os.path.dirname(imap_server.cafile)
    servers = []

    def make(**kw):
        servers.append(FakeIMAP(certdir, **kw))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


def test_fake_server_names_each_problem(imap_server, fake):
    srv = imap_server
    f = fake()
    rc, res = check(srv, imap_port=f.port)
    assert rc == 0, res                  # warnings: the mailbox works
    im = res["imap"]
    assert im["software"] == "software not named"
    assert im["missing_capabilities"] == ["CONDSTORE", "LIST-STATUS",
                                          "SPECIAL-USE"]
    s = istep(res, "imap-extensions")
    assert s["state"] == "warn"
    assert "Warmbly refuses the mailbox" in s["note"]
    assert "sees no folders at all" in s["note"]
    s = istep(res, "imap-folders")
    assert s["state"] == "warn" and im["folders"] == 4
    assert "Spam Folder Unknown" in s["note"] and im["junk_folder"] == ""
    s = istep(res, "imap-namespace")
    assert s["state"] == "warn" and im["namespace_prefix"] == "INBOX."
    assert "nonexistent namespace" in s["note"]
    assert istep(res, "imap-select")["detail"].startswith(
        "INBOX: 2 messages, UIDVALIDITY 42")
    assert res["summary"] == "SMTP and IMAP both work"
    # LOGIN quoted the password as RFC 9051 says; no CONDSTORE in SELECT
    assert b'a2 LOGIN "%s" "%s"' % (USER.encode(), PASSWORD.encode()) in \
        f.got
    assert b"a4 SELECT INBOX" in f.got


def test_fake_server_junk_by_name_and_literal_password(imap_server, fake):
    srv = imap_server
    f = fake(folders=["INBOX", "INBOX.Spam", "INBOX.Sent"])
    # quotes and backslashes go quoted; 8-bit goes as a literal
    for pw, literal_plus in (('pa"ss\\word', False),
                             ("p\u00e4ssw\u00f6rd", False),
                             ("p\u00e4ssw\u00f6rd", True)):
        f.caps = FakeIMAP.CAPS + (" LITERAL+" if literal_plus else "")
        f.got.clear()
        rc, res = check(srv, imap_port=f.port, password=pw)
        assert res["imap"]["result"] == "ok", res["imap"]
        assert res["imap"]["junk_folder"] == "INBOX.Spam"
        assert res["imap"]["junk_found_by"] == "name"
        assert "by its name only" in istep(res, "imap-folders")["note"]
        login = [g for g in f.got if b" LOGIN " in g][0]
        if pw.isascii():
            assert login.endswith(b' "pa\\"ss\\\\word"'), login
        else:
            n = len(pw.encode())
            assert login.endswith(b" {%d%s}\r\n%s" % (
                n, b"+" if literal_plus else b"", pw.encode())), login
            assert pw.encode() in f.got


def test_fake_server_oversized_responses(imap_server, fake):
    """An overlong line and a literal larger than a response may hold
    are read and dropped: the stream stays in step and the capability
    list after them is still read.  More literals in one response than
    allowed is not IMAP, and fails the step."""
    rc, res = check(imap_server, imap_port=fake(junk="big").port)
    assert res["imap"]["result"] == "ok", res["imap"]
    assert "IMAP4rev1 IDLE NAMESPACE" in istep(res, "imap-capability")[
        "detail"]
    rc, res = check(imap_server, imap_port=fake(junk="many").port)
    s = istep(res, "imap-capability")
    assert s["state"] == "failed" and "more than 64 literals" in \
        s["detail"], s
