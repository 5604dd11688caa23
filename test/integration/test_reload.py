"""Reload and readiness (docs/CONFIG.md, "Reload"; src/lib/sdnotify.h).

SIGHUP makes the server read DIR/certs again: a connection made after
the reload gets the new certificate (compared by SHA-256 fingerprint),
while a TLS session opened before it keeps its own and still completes a
transaction.  postern.conf keys: the smtp limits and timeouts apply
at once, the reload names every other one that changed (restart).  With $NOTIFY_SOCKET the server speaks systemd's
readiness protocol: READY=1 only once the ports accept, RELOADING=1 and
READY=1 around a reload, STOPPING=1 at a stop.
"""
import hashlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import HOST, USER, Server, finish, scaled


def fingerprint_pem(path):
    with open(path) as f:
        pem = f.read()
    start = pem.index("-----BEGIN CERTIFICATE-----")
    end = pem.index("-----END CERTIFICATE-----") + 25
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem[start:end])).hexdigest()


def peer_fingerprint(sock):
    return hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()


def no_verify():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def smtps_fingerprint(srv):
    raw = socket.create_connection(("127.0.0.1", srv.ports["smtps"]),
                                   timeout=scaled(10))
    with no_verify().wrap_socket(raw, server_hostname=HOST) as s:
        return peer_fingerprint(s)


def starttls_fingerprint(srv):
    with socket.create_connection(("127.0.0.1", srv.ports["submission"]),
                                  timeout=scaled(10)) as raw:
        f = raw.makefile("rb")
        assert f.readline().startswith(b"220")
        raw.sendall(b"EHLO c.example\r\n")
        while f.readline()[3:4] == b"-":
            pass
        raw.sendall(b"STARTTLS\r\n")
        assert f.readline().startswith(b"220")
        with no_verify().wrap_socket(raw, server_hostname=HOST) as s:
            return peer_fingerprint(s)


def new_certificate(srv):
    """Replace certs/HOST with a fresh self-signed pair, as a renewal
    does (root-only key, files renamed into place)."""
    d = os.path.join(srv.dir, "certs", HOST)
    tmp = tempfile.mkdtemp(dir=srv.tmp)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
         "-subj", "/CN=" + HOST,
         "-addext", "subjectAltName=DNS:%s,IP:127.0.0.1" % HOST,
         "-keyout", os.path.join(tmp, "privkey.pem"),
         "-out", os.path.join(tmp, "fullchain.pem")],
        check=True, capture_output=True)
    os.chmod(os.path.join(tmp, "privkey.pem"), 0o600)
    for name in ("privkey.pem", "fullchain.pem"):
        os.rename(os.path.join(tmp, name), os.path.join(d, name))
    return fingerprint_pem(os.path.join(d, "fullchain.pem"))


def sighup(srv, expect):
    n = srv.log().count(expect)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + scaled(10)
    while srv.log().count(expect) == n:
        assert time.time() < deadline, srv.log()
        time.sleep(0.02)


def test_new_certificate_for_new_sessions_open_session_kept(server):
    old = fingerprint_pem(server.cafile)
    assert smtps_fingerprint(server) == old
    d = server.dialog("smtps")          # verifies with the old CA file
    code, _ = d.login()
    assert code == 235
    assert peer_fingerprint(d.sock) == old

    new = new_certificate(server)
    assert new != old
    sighup(server, "reload: certificates for")
    assert "reload: certificates for 1 names" in server.log(), server.log()

    assert smtps_fingerprint(server) == new
    assert starttls_fingerprint(server) == new
    # the session opened before the reload: same TLS session, and a
    # whole transaction still goes through
    d.expect("MAIL FROM:<%s>" % USER, 250)
    d.expect("RCPT TO:<%s>" % USER, 250)
    d.expect("DATA", 354)
    d.send("Subject: across a reload\r\n\r\nbody\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250, lines
    assert peer_fingerprint(d.sock) == old
    d.expect("QUIT", 221)
    d.close()
    assert len(server.queued()) == 1


def imaps_fingerprint(port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=scaled(10))
    with no_verify().wrap_socket(raw, server_hostname=HOST) as s:
        return peer_fingerprint(s)


@pytest.mark.skipif(not os.path.exists("/usr/sbin/dovecot"),
                    reason="Dovecot is not installed (dovecot-imapd)")
def test_dovecot_gets_the_new_certificate_too(free_imaps):
    srv = Server({"imaps_listen": "127.0.0.1:%d" % free_imaps,
                  "imap": "dovecot"}).start()
    try:
        deadline = time.time() + scaled(10)
        while True:
            try:
                old = imaps_fingerprint(free_imaps)
                break
            except OSError:
                assert time.time() < deadline, srv.log()
                time.sleep(0.1)
        assert old == fingerprint_pem(srv.cafile)
        new = new_certificate(srv)
        sighup(srv, "imap: reload: Dovecot")
        deadline = time.time() + scaled(10)
        while True:
            try:
                if imaps_fingerprint(free_imaps) == new:
                    break
            except OSError:
                pass
            assert time.time() < deadline, srv.log()
            time.sleep(0.1)
    finally:
        finish(srv)


@pytest.fixture
def free_imaps():
    from conftest import free_port
    return free_port()


def test_unusable_certificate_keeps_the_current_one(server):
    old = fingerprint_pem(server.cafile)
    with open(os.path.join(server.dir, "certs", HOST, "fullchain.pem"),
              "w") as f:
        f.write("not a certificate\n")
    sighup(server, "reload: no usable certificate")
    assert "reload: certs/%s skipped" % HOST in server.log()
    assert smtps_fingerprint(server) == old


def errors_until_421(srv):
    """Bad commands a new session may send before its 421."""
    d = srv.dialog("mx")
    n = 0
    while True:
        code, _ = d.cmd("FROB")
        if code == 421:
            d.close()
            return n
        assert code == 500, code
        n += 1


def test_smtp_limits_apply_other_keys_named(server):
    """max_errors applies to new sessions at once (500 replies before
    the 421: as many as max_errors); delivery_workers needs a restart
    and the log says so."""
    assert errors_until_421(server) == 10
    server.settings["max_errors"] = "3"
    server.settings["timeout_tls"] = "30s"
    server.settings["delivery_workers"] = "7"
    server.write_conf()
    sighup(server, "reload: certificates for")
    log = server.log()
    assert "reload: max_errors changed in postern.conf: applied to new " \
        "sessions" in log, log
    assert "reload: timeout_tls changed in postern.conf: applied" in log
    assert "reload: delivery_workers changed in postern.conf: restart " \
        "to apply it" in log
    assert "reload: hostname changed" not in log
    assert errors_until_421(server) == 3
    # back to the default by removing the line
    del server.settings["max_errors"]
    server.write_conf()
    sighup(server, "reload: certificates for")
    assert errors_until_421(server) == 10


def test_bad_config_is_reported_and_not_applied(server):
    server.write_conf(["no_such_key = 1"])
    sighup(server, "reload: certificates for")
    assert "unknown key 'no_such_key'" in server.log()
    assert smtps_fingerprint(server) == fingerprint_pem(server.cafile)


@pytest.mark.parametrize("abstract", [False, True])
def test_sd_notify_ready_reload_stop(abstract):
    tmp = tempfile.mkdtemp(prefix="postern-notify-")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = "@postern-test-%d" % os.getpid()
        sock.bind("\0" + name[1:])
    else:
        name = os.path.join(tmp, "notify")
        sock.bind(name)
    sock.settimeout(scaled(10))
    srv = Server({}, env={"NOTIFY_SOCKET": name})
    try:
        srv.start(wait=False)
        msg = sock.recv(4096).decode()
        assert msg.startswith("READY=1\n"), msg
        assert "STATUS=accepting mail on 3 listener(s)" in msg
        # at READY=1 every port answers with its banner
        for kind in ("submission", "mx"):
            with socket.create_connection(
                    ("127.0.0.1", srv.ports[kind]), timeout=5) as c:
                assert c.recv(512).startswith(b"220 ")
        assert "smtp: ready" in srv.log()
        srv.proc.send_signal(signal.SIGHUP)
        msg = sock.recv(4096).decode()
        assert msg.startswith("RELOADING=1\nMONOTONIC_USEC="), msg
        msg = sock.recv(4096).decode()
        assert msg.startswith("READY=1\nSTATUS=reloaded: 1 certificate"), msg
        assert "reload: certificates for" in srv.log()
        srv.proc.send_signal(signal.SIGTERM)
        assert sock.recv(4096).decode() == "STOPPING=1"
    finally:
        finish(srv)
        sock.close()
        shutil.rmtree(tmp, ignore_errors=True)

