"""IMAP through Dovecot, the way sending platforms use it: a real Dovecot
started by `postern serve` on loopback, reading the Maildirs postern
delivers to and checking every login with postern's auth process.

A platform logs in with LOGIN over implicit TLS, lists folders with
LIST-STATUS and SPECIAL-USE, selects INBOX with CONDSTORE, searches and
fetches headers to find replies, moves warm-up mail out of Junk and flags
it.  Those are the calls made here, with Python's imaplib.
"""
import base64
import imaplib
import os
import pathlib
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, Server, conf_markers,
                      finish, free_port, plain_token, run, scaled,
                      wait_for)
from test_processes import children, wait_gone, wait_ports_free

DOVECOT = "/usr/sbin/dovecot"
pytestmark = pytest.mark.skipif(not os.access(DOVECOT, os.X_OK),
                                reason="Dovecot is not installed")
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
imaplib.Commands.setdefault("ENABLE", ("AUTH",))


class IMAPS(imaplib.IMAP4_SSL):
    """IMAP over implicit TLS to 127.0.0.1, verifying the certificate
    for the name a platform would dial (SNI + name check)."""

    def __init__(self, port, ctx, name=HOST, source="127.0.0.1"):
        self.source = source
        super().__init__(name, port, ssl_context=ctx, timeout=scaled(20))

    def _create_socket(self, timeout):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout,
                                        source_address=(self.source, 0))
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class IMAP(imaplib.IMAP4):
    """IMAP on the STARTTLS port; source address selectable, because
    Dovecot treats a client on its own address as secure."""

    def __init__(self, port, source="127.0.0.1"):
        self.source = source
        super().__init__(HOST, port, timeout=scaled(20))

    def _create_socket(self, timeout):
        return socket.create_connection(("127.0.0.1", self.port), timeout,
                                        source_address=(self.source, 0))


def start_imap_server(conf=None, before_start=None):
    ports = {"imap": free_port(), "imaps": free_port()}
    settings = {"imap": "dovecot",
                "imap_listen": "127.0.0.1:%d" % ports["imap"],
                "imaps_listen": "127.0.0.1:%d" % ports["imaps"],
                "delivery": "yes", "auth_fail_limit": 3,
                "auth_fail_window": "10m", "auth_lock_time": "1h"}
    settings.update(conf or {})
    srv = Server(settings)
    srv.ports.update(ports)
    if before_start:
        before_start(srv)
    srv.start()
    wait_imap(srv)
    return srv


def wait_imap(srv):
    """Dovecot answers on both ports (it starts after `smtp: ready`)."""
    deadline = time.time() + scaled(20)
    while True:
        try:
            for kind in ("imap", "imaps"):
                socket.create_connection(("127.0.0.1", srv.ports[kind]),
                                         1).close()
            return
        except OSError:
            if time.time() > deadline:
                raise AssertionError("no IMAP:\n" + srv.log()[-3000:])
            time.sleep(0.05)


@pytest.fixture
def imap_server(request):
    srv = start_imap_server(conf_markers(request))
    yield srv
    finish(srv)


def imaps(srv, **kw):
    return IMAPS(srv.ports["imaps"], srv.client_context(), **kw)


def errtext(e):
    """The server's text of an imaplib error (bytes for LOGIN)."""
    a = e.value.args[0]
    return a.decode() if isinstance(a, bytes) else str(a)


def untagged(m, name):
    return [d for d in m.untagged_responses.pop(name, []) if d is not None]


def smtp_auth(srv, user=USER, password=PASSWORD):
    d = srv.dialog("smtps")
    d.expect("EHLO c.example", 250)
    code, lines = d.cmd("AUTH PLAIN " + plain_token(user, password))
    d.close()
    return code, lines


def send_mx(srv, msgid, subject="Re: our call"):
    msg = ("From: Lead <lead@remote.example>\r\nTo: %s\r\n"
           "Subject: %s\r\nMessage-ID: %s\r\nIn-Reply-To: <out-1@example.test>"
           "\r\n\r\nSounds good, call me.\r\n" % (USER, subject, msgid))
    with smtplib.SMTP("127.0.0.1", srv.ports["mx"], timeout=scaled(20)) as s:
        s.sendmail("lead@remote.example", [USER], msg)


def wait_delivered(srv, n=1):
    new = os.path.join(srv.dir, "mail", "example.test", "user", "Maildir")
    deadline = time.time() + scaled(15)
    while time.time() < deadline:
        got = sum(len(os.listdir(os.path.join(new, d)))
                  for d in ("new", "cur") if os.path.isdir(
                      os.path.join(new, d)))
        if got >= n:
            return
        time.sleep(0.05)
    raise AssertionError("not delivered:\n" + srv.log()[-3000:])


def dovecot_pids(srv):
    """This server's Dovecot masters (a master's fresh fork has its
    command line for a moment: a process whose parent matches is not
    counted)."""
    out = subprocess.run(["pgrep", "-f", "dovecot -F -c %s/dovecot/"
                          % srv.dir], capture_output=True, text=True)
    pids = [int(p) for p in out.stdout.split()]

    def ppid(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            return None
    return [p for p in pids if ppid(p) not in pids]


# --- a platform's session ---------------------------------------------------

def test_platform_finds_a_reply_and_moves_warmup_mail(imap_server):
    srv = imap_server
    m = imaps(srv)
    typ, _ = m.login(USER, PASSWORD)
    assert typ == "OK"
    caps = set(m.capability()[1][0].decode().upper().split())
    for cap in ("IDLE", "MOVE", "UIDPLUS", "CONDSTORE", "QRESYNC",
                "LIST-STATUS", "SPECIAL-USE", "NAMESPACE", "ID"):
        assert cap in caps, (cap, caps)
    # folders by special use, with their status, in one command
    typ, _ = m._simple_command(
        "LIST", '""', '"*"', "RETURN",
        "(SPECIAL-USE STATUS (MESSAGES UIDNEXT HIGHESTMODSEQ))")
    assert typ == "OK"
    lists = [l.decode() for l in untagged(m, "LIST")]
    status = [s.decode() for s in untagged(m, "STATUS")]
    uses = {}
    for l in lists:
        mm = re.match(r'\(([^)]*)\) "/" "?([^"]+)"?$', l)
        assert mm, l
        for flag in mm.group(1).split():
            uses[flag] = mm.group(2)
    assert uses["\\Junk"] == "Junk" and uses["\\Sent"] == "Sent"
    assert uses["\\Drafts"] == "Drafts" and uses["\\Trash"] == "Trash"
    assert uses["\\Archive"] == "Archive"
    assert len(status) == 6 and all("HIGHESTMODSEQ" in s for s in status)
    # subscribed at first login, no INBOX. prefix
    typ, subs = m.lsub()
    assert {s.decode().split(' "/" ')[1].strip('"') for s in subs} >= {
        "Sent", "Drafts", "Trash", "Junk", "Archive"}
    typ, ns = m.namespace()
    assert ns[0].decode().startswith('(("" "/"))'), ns
    m.logout()

    # a reply arrives through the MX port while a session IDLEs
    idler = imaps(srv)
    idler.login(USER, PASSWORD)
    idler.select("INBOX")
    tag = idler._new_tag()
    idler.send(tag + b" IDLE\r\n")
    assert idler.readline().startswith(b"+ ")
    send_mx(srv, "<reply-42@remote.example>")
    idler.sock.settimeout(scaled(15))
    line = idler.readline()
    while line.startswith(b"* OK"):     # Dovecot's keepalive ("Still here")
        line = idler.readline()
    assert re.match(rb"\* 1 EXISTS", line), line
    idler.send(b"DONE\r\n")
    while not idler.readline().startswith(tag + b" OK"):
        pass
    idler.logout()

    # the platform's poll: SELECT (CONDSTORE), UID SEARCH SINCE, headers
    m = imaps(srv)
    m.login(USER, PASSWORD)
    typ, _ = m._simple_command("SELECT", "INBOX", "(CONDSTORE)")
    assert typ == "OK"
    m.state = "SELECTED"
    assert any(b"HIGHESTMODSEQ" in r for r in untagged(m, "OK"))
    since = time.strftime("%d-%b-%Y", time.gmtime(time.time() - 86400))
    typ, data = m.uid("SEARCH", "SINCE", since)
    uids = data[0].split()
    assert len(uids) == 1
    typ, data = m.uid("FETCH", uids[0], "(BODY.PEEK[HEADER.FIELDS "
                      "(MESSAGE-ID IN-REPLY-TO SUBJECT FROM)] FLAGS)")
    hdr = data[0][1].decode()
    assert "Message-ID: <reply-42@remote.example>" in hdr
    assert "In-Reply-To: <out-1@example.test>" in hdr

    # warm-up: a message in Junk is moved to INBOX and flagged
    typ, data = m.append("Junk", None, None,
                         b"From: w@pool.example\r\nSubject: warm\r\n"
                         b"Message-ID: <warm-1@pool.example>\r\n\r\nhi\r\n")
    assert typ == "OK" and b"APPENDUID" in data[0]
    m.select("Junk")
    typ, data = m.uid("SEARCH", "HEADER", "Message-ID",
                      "<warm-1@pool.example>")
    junk_uid = data[0].split()[0]
    typ, data = m.uid("MOVE", junk_uid, "INBOX")
    assert typ == "OK", data
    m.select("INBOX")
    typ, data = m.uid("SEARCH", "HEADER", "Message-ID",
                      "<warm-1@pool.example>")
    new_uid = data[0].split()[0]
    typ, _ = m.uid("STORE", new_uid, "+FLAGS", r"(\Seen \Flagged)")
    typ, data = m.uid("FETCH", new_uid, "(FLAGS)")
    assert b"\\Seen" in data[0] and b"\\Flagged" in data[0]
    m.select("Junk")
    assert m.uid("SEARCH", "ALL")[1][0] == b""
    m.logout()


@pytest.mark.conf(max_message_size="64K")
def test_append_above_the_size_limit_is_refused(imap_server):
    srv = imap_server
    m = imaps(srv)
    m.login(USER, PASSWORD)
    big = b"Subject: big\r\n\r\n" + b"x" * (80 * 1024) + b"\r\n"
    typ, data = m.append("INBOX", None, None, big)
    assert typ == "NO" and b"[LIMIT]" in data[0], data
    typ, data = m.append("INBOX", None, None, b"Subject: ok\r\n\r\nok\r\n")
    assert typ == "OK"
    m.logout()


def test_many_sessions_of_one_mailbox_from_one_address(imap_server):
    """Dovecot's default refuses the 11th with NO [LIMIT]."""
    sessions = []
    for _ in range(12):
        m = imaps(imap_server)
        assert m.login(USER, PASSWORD)[0] == "OK"
        m.select("INBOX")
        sessions.append(m)
    for m in sessions:
        m.logout()


# --- STARTTLS on 143 ----------------------------------------------------------

def test_starttls_port_login_and_authenticate_plain(imap_server):
    srv = imap_server
    for how in ("LOGIN", "AUTHENTICATE"):
        m = IMAP(srv.ports["imap"])
        m.starttls(ssl_context=srv.client_context())
        if how == "LOGIN":
            assert m.login(USER, PASSWORD)[0] == "OK"
        else:
            typ, _ = m.authenticate(
                "PLAIN", lambda _: b"\0" + USER.encode() + b"\0" +
                PASSWORD.encode())
            assert typ == "OK"
        assert m.select("INBOX")[0] == "OK"
        m.logout()


def test_no_login_before_starttls(imap_server):
    """From another loopback address: Dovecot counts a client on its own
    address as secure."""
    m = IMAP(imap_server.ports["imap"], source="127.0.0.10")
    caps = m.capabilities
    assert "LOGINDISABLED" in caps and "STARTTLS" in caps, caps
    assert not any(c.startswith("AUTH=") for c in caps), caps
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(USER, PASSWORD)
    assert "PRIVACYREQUIRED" in str(e.value) or "disabled" in str(e.value)
    m.shutdown()


def test_tls_is_1_2_or_newer(imap_server):
    ctx = imap_server.client_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    with pytest.raises((ssl.SSLError, OSError)):
        IMAPS(imap_server.ports["imaps"], ctx)


# --- one login policy ---------------------------------------------------------

def test_imap_failures_lock_smtp_too_and_unlock_restores_both(imap_server):
    srv = imap_server
    for i in range(3):
        m = imaps(srv)
        with pytest.raises(imaplib.IMAP4.error) as e:
            m.login(USER, "wrong-%d" % i)
        assert "AUTHENTICATIONFAILED" in str(e.value)
    # SMTP now refuses the right password: the same lock
    code, lines = smtp_auth(srv)
    assert code == 454 and "temporarily locked until" in lines[0], lines
    until = re.search(r"until (\S+ \S+ UTC)", lines[0]).group(1)
    # and IMAP says so, with the same time
    m = imaps(srv)
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(USER, PASSWORD)
    text = errtext(e)
    assert text.startswith("[CONTACTADMIN] Too many failed logins: this "
                           "login is temporarily locked until"), text
    assert until in text, (until, text)
    # mailbox show lists the IMAP failures beside SMTP's, by protocol
    out = run("-d", srv.dir, "mailbox", "show", USER).stdout
    assert out.count("imap") >= 3, out
    assert "wrong password" in out and "127.0.0.1" in out
    run("-d", srv.dir, "mailbox", "unlock", USER)
    assert smtp_auth(srv)[0] == 235
    m = imaps(srv)
    assert m.login(USER, PASSWORD)[0] == "OK"
    m.logout()


def test_imap_login_makes_the_client_familiar(imap_server):
    """IMAP logins go through the same check as SMTP AUTH: a platform
    that logged in over IMAP from 127.0.0.1 keeps logging in, over IMAP
    and SMTP, while failures from 127.0.0.2 lock every other address."""
    srv = imap_server
    m = imaps(srv)
    assert m.login(USER, PASSWORD)[0] == "OK"
    m.logout()
    for i in range(3):          # auth_fail_limit = 3
        with smtplib.SMTP_SSL("127.0.0.1", srv.ports["smtps"],
                              source_address=("127.0.0.2", 0),
                              context=srv.client_context(
                                  check_hostname=False),
                              timeout=scaled(20)) as s:
            s.ehlo("c.example")
            s.user, s.password = USER, "guess-%d" % i
            with pytest.raises(smtplib.SMTPAuthenticationError) as e:
                s.auth("PLAIN", s.auth_plain)
            assert e.value.smtp_code == 535
    # 127.0.0.2 is locked, over IMAP too ...
    m = imaps(srv, source="127.0.0.2")
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(USER, PASSWORD)
    assert "temporarily locked until" in errtext(e), errtext(e)
    # ... and 127.0.0.1, familiar by its IMAP login, is not
    m = imaps(srv)
    assert m.login(USER, PASSWORD)[0] == "OK"
    m.logout()
    assert smtp_auth(srv)[0] == 235
    out = run("-d", srv.dir, "mailbox", "show", USER).stdout
    assert "familiar:       127.0.0.1, last login" in out, out
    assert "source locks:   unfamiliar sources: locked until" in out, out


def test_hints_as_over_smtp(imap_server):
    """The 535 hints, over IMAP.  (A password with a line break never
    reaches postern: Dovecot refuses it first, with its plain
    [AUTHENTICATIONFAILED].)"""
    m = imaps(imap_server)
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.authenticate("PLAIN", lambda _: b"\0" + USER.encode() + b"\0" +
                       PASSWORD.encode() + b" ")
    assert errtext(e) == ("[CONTACTADMIN] Authentication failed: the "
                            "credentials start or end with whitespace")
    imap_server.wait_log("imap login failed user=%s reason=wrong password "
                         "(password: trailing space" % USER)
    m = imaps(imap_server)
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login("user", PASSWORD)
    assert errtext(e) == ("[CONTACTADMIN] Authentication failed: the "
                          "username must be the full email address")
    m = imaps(imap_server)
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(USER, "plainly wrong")
    assert errtext(e) == "[AUTHENTICATIONFAILED] Authentication failed."


def test_password_change_and_removal_take_effect_at_once(imap_server):
    srv = imap_server
    m = imaps(srv)
    assert m.login(USER, PASSWORD)[0] == "OK"
    m.logout()
    run("-d", srv.dir, "mailbox", "passwd", USER, "--password-stdin",
        input="a brand new password\n")
    m = imaps(srv)
    with pytest.raises(imaplib.IMAP4.error):
        m.login(USER, PASSWORD)
    m = imaps(srv)
    assert m.login(USER, "a brand new password")[0] == "OK"
    m.logout()
    run("-d", srv.dir, "mailbox", "remove", USER)
    m = imaps(srv)
    with pytest.raises(imaplib.IMAP4.error):
        m.login(USER, "a brand new password")


def test_username_is_the_mailbox_address_in_any_case(imap_server):
    m = imaps(imap_server)
    assert m.login(USER.upper(), PASSWORD)[0] == "OK"
    m.select("INBOX")
    m.logout()


# --- supervision --------------------------------------------------------------

def test_dovecot_is_restarted_and_stopped_with_serve(imap_server):
    srv = imap_server
    pids = dovecot_pids(srv)
    assert len(pids) == 1, pids
    os.kill(pids[0], signal.SIGKILL)
    deadline = time.time() + 5
    ok = False
    while time.time() < deadline and not ok:
        try:
            m = imaps(srv)
            ok = m.login(USER, PASSWORD)[0] == "OK"
            m.logout()
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.1)
    assert ok, "Dovecot not back within 5 s:\n" + srv.log()[-3000:]
    srv.wait_log("imap: Dovecot killed by signal 9; restarting")
    assert srv.stop() == 0
    time.sleep(0.2)
    assert dovecot_pids(srv) == []


def kill9_leaves_nothing(srv, pid, ports_within):
    """SIGKILL to pid (of srv's processes); then no Dovecot master of
    srv, no process of postern's group, and within ports_within seconds
    nothing on srv's ports.  The group is killed and srv removed after.
    Returns serve's exit status and its log."""
    try:
        assert len(dovecot_pids(srv)) == 1
        os.kill(pid, signal.SIGKILL)
        rc = srv.proc.wait(scaled(10))
        deadline = time.time() + scaled(6)
        while time.time() < deadline and dovecot_pids(srv):
            time.sleep(0.05)
        assert dovecot_pids(srv) == [], srv.log()[-3000:]
        wait_gone(srv, 2)
        print("ports free after %.3f s" % wait_ports_free(srv,
                                                         ports_within))
        return rc, srv.log()
    finally:
        try:
            os.killpg(srv.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        srv.cleanup()


def test_no_dovecot_outlives_a_killed_serve():
    # serve's parent only: the supervisor stops Dovecot (SIGTERM, then
    # after 2 s SIGKILL), postern's own children follow (lifeline.h)
    srv = start_imap_server()
    kill9_leaves_nothing(srv, srv.proc.pid, 2)


def test_kill9_of_the_imap_supervisor_stops_the_server():
    # nobody postern runs may signal root's Dovecot then: its master gets
    # SIGTERM as its death signal, and its login processes close the IMAP
    # ports on their own, about 2 s after the master went
    srv = start_imap_server()
    rc, log = kill9_leaves_nothing(srv, children(srv)["imap"], 5)
    assert rc == 1 and "imap process killed by signal 9" in log, log


def test_imap_none_starts_no_dovecot():
    ports = {"imap": free_port(), "imaps": free_port()}
    s = Server({"imap": "none",
                "imap_listen": "127.0.0.1:%d" % ports["imap"]})
    try:
        s.start()
        assert "Dovecot" not in s.log()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", ports["imap"]), 2)
    finally:
        s.cleanup()


def test_a_system_dovecot_uses_postern_accounts():
    """imap = external: serve runs no Dovecot but answers on its login
    socket; a Dovecot configured as docs/IMAP.md says logs in with
    postern's accounts and lock."""
    port = free_port()
    base = None
    srv = Server({"imap": "external", "delivery": "yes"})
    srv.start()
    dv = None
    try:
        sock = os.path.join(srv.dir, "dovecot", "auth-postern")
        assert os.path.exists(sock) and dovecot_pids(srv) == []
        # a directory Dovecot's users can reach (pytest's tmp_path is
        # under a 0700 directory)
        base = pathlib.Path(tempfile.mkdtemp(prefix="postern-sysdv-"))
        os.chmod(base, 0o755)
        # installed where Dovecot's auth user may run it, as the docs say
        helper = str(base / "postern-checkpassword")
        with open(os.path.join(os.path.dirname(os.path.abspath(BIN)),
                               "postern-checkpassword"), "rb") as f:
            open(helper, "wb").write(f.read())
        os.chmod(helper, 0o755)
        uid = os.stat(os.path.join(srv.dir, "mail")).st_uid
        gid = os.stat(os.path.join(srv.dir, "mail")).st_gid
        cert = os.path.join(srv.dir, "certs", HOST)
        conf = base / "dovecot.conf"
        conf.write_text(f"""base_dir = {base}/run
state_dir = {base}/state
instance_name = system-test
protocols = imap
log_path = /dev/stderr
ssl = required
ssl_cert = <{cert}/fullchain.pem
ssl_key = <{cert}/privkey.pem
passdb {{
  driver = checkpassword
  args = {helper} {sock}
}}
userdb {{
  driver = prefetch
}}
auth_username_chars =
auth_username_format =
mail_location = maildir:~/Maildir
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
""")
        dv = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              start_new_session=True)
        srv.ports["imaps"] = port
        srv.ports["imap"] = port
        deadline = time.time() + scaled(20)
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                assert time.time() < deadline, "system Dovecot not up"
                time.sleep(0.05)
        send_mx(srv, "<sys-1@remote.example>")
        wait_delivered(srv)
        m = imaps(srv)
        assert m.login(USER, PASSWORD)[0] == "OK"
        m.select("INBOX")
        assert len(m.search(None, "ALL")[1][0].split()) == 1
        m.logout()
        m = imaps(srv)
        with pytest.raises(imaplib.IMAP4.error):
            m.login(USER, "wrong")
        srv.wait_log("imap login failed user=%s reason=wrong password" %
                     USER)
    finally:
        if dv is not None:
            os.killpg(dv.pid, signal.SIGKILL)
            dv.wait()
        srv.cleanup()
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def run_helper(sock, data, env=None):
    helper = os.path.join(os.path.dirname(os.path.abspath(BIN)),
                          "postern-checkpassword")
    r4, w4 = os.pipe()
    r3, w3 = os.pipe()
    os.write(w3, data)
    os.close(w3)
    # as Dovecot runs it: the request on fd 3, the fields back on fd 4
    p = subprocess.Popen([sys.executable, "-c",
                          "import os, sys; os.dup2(int(sys.argv[1]), 3); "
                          "os.dup2(int(sys.argv[2]), 4); "
                          "os.execv(sys.argv[3], sys.argv[3:])",
                          str(r3), str(w4), helper, sock, "/unused/reply"],
                         pass_fds=(r3, w4), env=dict(env or {},
                                                     SERVICE="imap"),
                         stderr=subprocess.PIPE)
    os.close(r3)
    os.close(w4)
    _, err = p.communicate(timeout=scaled(30))
    out = os.read(r4, 4096)
    os.close(r4)
    return p.returncode, out.decode(), err.decode()


def test_login_helper_and_socket_refuse_bad_input():
    """The helper Dovecot runs, driven directly: good answers, and a
    temporary failure (111) for anything malformed."""
    srv = Server({"imap": "external"})
    srv.start()
    try:
        sock = os.path.join(srv.dir, "dovecot", "auth-postern")
        env = {"TCPREMOTEIP": "192.0.2.9", "AUTH_MECH": "PLAIN"}
        rc, out, _ = run_helper(sock, USER.encode() + b"\0" +
                                PASSWORD.encode() + b"\0\0", env)
        assert rc == 0 and out.startswith("user=%s\tuserdb_home=" % USER), \
            (rc, out, _)
        assert out.endswith("/mail/example.test/user"
                            "\tuserdb_uid=%d\tuserdb_gid=%d" % (
                                os.stat(os.path.join(srv.dir, "mail")).st_uid,
                                os.stat(os.path.join(srv.dir, "mail")).st_gid)
                            ), out
        rc, out, _ = run_helper(sock, USER.encode() + b"\0nope\0\0", env)
        assert (rc, out) == (1, "")
        srv.wait_log("imap login failed user=%s reason=wrong password "
                     "client=192.0.2.9" % USER)
        for bad in (b"", USER.encode(), b"x" * 5000,
                    USER.encode() + b"\0" + b"p" * 3000):
            rc, out, err = run_helper(sock, bad, env)
            assert (rc, out) == (111, ""), (bad[:20], rc, out, err)
            assert "postern-checkpassword: " in err
        rc, _, err = run_helper(sock + ".missing", USER.encode() + b"\0"
                                + PASSWORD.encode() + b"\0\0", env)
        assert rc == 111 and "No such file" in err
        # the socket itself: junk, a wrong magic, a truncated request
        for junk in (b"hello", b"PCHK2\0imap\0\0\0\0u\0p\0",
                     b"PCHK1\0imap\0\0\0", b"\0" * 1700):
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(scaled(10))
                s.connect(sock)
                s.sendall(junk)
                s.shutdown(socket.SHUT_WR)
                assert s.recv(100) == b"111\t", junk[:20]
        srv.wait_log("auth: imap: malformed helper request")
        assert PASSWORD not in srv.log()
    finally:
        srv.cleanup()


def test_postern_installed_where_dovecot_cannot_reach(tmp_path):
    """A clone in /root (mode 0700): Dovecot's auth process, user dovecot,
    cannot run the helper there, so serve runs a copy in DIR/dovecot."""
    if os.geteuid() != 0:
        pytest.skip("needs root (Dovecot's own users)")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    for name in ("postern", "postern-checkpassword"):
        src = os.path.join(os.path.dirname(os.path.abspath(BIN)), name)
        dst = private / name
        dst.write_bytes(open(src, "rb").read())
        os.chmod(dst, 0o755)
    import conftest
    saved = conftest.BIN
    conftest.BIN = str(private / "postern")
    try:
        srv = start_imap_server()
    finally:
        conftest.BIN = saved
    try:
        copy = os.path.join(srv.dir, "dovecot", "postern-checkpassword")
        assert os.stat(copy).st_mode & 0o777 == 0o755
        m = imaps(srv)
        assert m.login(USER, PASSWORD)[0] == "OK"
        m.logout()
    finally:
        srv.cleanup()


def test_certificate_chosen_by_sni():
    """Every certs/NAME/ pair serves IMAP too, chosen by the name the
    client asks for; the hostname's is the default."""
    other = "imap.other.test"

    def add_cert(srv):
        d = os.path.join(srv.dir, "certs", other)
        os.mkdir(d)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "2", "-subj", "/CN=" + other,
                        "-addext", "subjectAltName=DNS:" + other,
                        "-keyout", os.path.join(d, "privkey.pem"),
                        "-out", os.path.join(d, "fullchain.pem")],
                       check=True, capture_output=True, timeout=60)
        os.chmod(os.path.join(d, "privkey.pem"), 0o600)
    srv = start_imap_server(before_start=add_cert)
    try:
        ctx = ssl.create_default_context(
            cafile=os.path.join(srv.dir, "certs", other, "fullchain.pem"))
        m = IMAPS(srv.ports["imaps"], ctx, name=other)
        assert m.login(USER, PASSWORD)[0] == "OK"
        m.logout()
        m = imaps(srv)              # mail.example.test: the default pair
        assert m.login(USER, PASSWORD)[0] == "OK"
        m.logout()
        with pytest.raises(ssl.SSLCertVerificationError):
            IMAPS(srv.ports["imaps"], ctx, name="unknown.example.test")
    finally:
        srv.cleanup()


def test_imap_logins_are_counted_in_the_metrics():
    """An IMAP login through Dovecot reaches the same auth process and
    the same counters as SMTP AUTH, labelled protocol="imap"."""
    import http.client
    import promfmt
    admin = free_port()
    srv = start_imap_server({"admin": "127.0.0.1:%d" % admin})

    def scrape():
        c = http.client.HTTPConnection("127.0.0.1", admin,
                                       timeout=scaled(10))
        c.request("GET", "/metrics")
        data = c.getresponse().read().decode()
        c.close()
        s = promfmt.parse(data)
        return (promfmt.value(s, "postern_auth_total", protocol="imap",
                              result="ok"),
                promfmt.value(s, "postern_auth_total", protocol="imap",
                              result="wrong_password"),
                promfmt.value(s, "postern_auth_total", protocol="smtp",
                              result="ok"))
    try:
        assert scrape() == (0, 0, 0)
        m = imaps(srv)
        m.login(USER, PASSWORD)
        m.logout()
        m = imaps(srv)
        with pytest.raises(imaplib.IMAP4.error):
            m.login(USER, "not the password")
        wait_for(lambda: scrape() == (1, 1, 0), what="IMAP logins counted")
    finally:
        finish(srv)
