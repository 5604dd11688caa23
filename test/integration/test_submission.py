"""Submission policy over real sockets: TLS, AUTH, RFC 6409 replies."""
import smtplib
import ssl

import pytest

from conftest import HOST, PASSWORD, USER, b64, plain_token


def ehlo_keywords(lines):
    return [l.split()[0] for l in lines[1:]]


def test_banner_and_ehlo_before_and_after_tls(server):
    d = server.dialog()
    assert d.banner[0] == 220 and HOST in d.banner[1][0]
    lines = d.expect("EHLO client.example", 250)
    kw = ehlo_keywords(lines)
    assert "STARTTLS" in kw and "AUTH" not in kw
    for ext in ("PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES",
                "SMTPUTF8"):
        assert ext in kw
    d.starttls()
    lines = d.expect("EHLO client.example", 250)
    kw = ehlo_keywords(lines)
    assert "STARTTLS" not in kw
    assert "AUTH PLAIN LOGIN" in lines
    d.expect("QUIT", 221, "2.0.0")


def test_auth_before_tls_is_538(server):
    d = server.dialog()
    d.expect("EHLO c.example", 250)
    d.expect("AUTH PLAIN " + plain_token(), 538,
             "5.7.11 Encryption required for requested authentication "
             "mechanism")
    d.expect("AUTH LOGIN", 538, "5.7.11")


def test_mail_without_auth(server):
    d = server.dialog()
    d.expect("EHLO c.example", 250)
    d.expect("MAIL FROM:<user@example.test>", 530,
             "5.7.0 Must issue a STARTTLS command first")
    d.starttls()
    d.expect("EHLO c.example", 250)
    d.expect("MAIL FROM:<user@example.test>", 530,
             "5.7.0 Authentication required")
    s = server.dialog("smtps")
    s.expect("EHLO c.example", 250)
    s.expect("MAIL FROM:<user@example.test>", 530,
             "5.7.0 Authentication required")


def test_auth_plain_with_initial_response(server):
    d = server.dialog()
    code, lines = d.login()
    assert (code, lines) == (235, ["2.7.0 Authentication successful"])
    d.expect("AUTH PLAIN " + plain_token(), 503, "5.5.1")
    server.wait_log("auth ok mech=PLAIN user=user@example.test")


def test_auth_plain_without_initial_response(server):
    d = server.dialog()
    d.expect("EHLO c.example", 250)
    d.starttls()
    d.expect("EHLO c.example", 250)
    code, lines = d.cmd("AUTH PLAIN")
    assert code == 334 and lines == [""]
    d.expect(plain_token(), 235, "2.7.0")


def test_auth_plain_empty_initial_response_means_empty(server):
    d = server.dialog("smtps")
    d.expect("EHLO c.example", 250)
    # "=" is an empty initial response: malformed PLAIN message
    code, _ = d.cmd("AUTH PLAIN =")
    assert code == 501


def test_auth_login_both_forms(server):
    d = server.dialog("smtps")
    d.expect("EHLO c.example", 250)
    assert d.expect("AUTH LOGIN", 334) == ["VXNlcm5hbWU6"]
    assert d.expect(b64(USER), 334) == ["UGFzc3dvcmQ6"]
    d.expect(b64(PASSWORD), 235, "2.7.0")
    d = server.dialog("smtps")
    d.expect("EHLO c.example", 250)
    assert d.expect("AUTH LOGIN " + b64(USER), 334) == ["UGFzc3dvcmQ6"]
    d.expect(b64(PASSWORD), 235, "2.7.0")


def test_wrong_password_and_unknown_user_look_the_same(server):
    d = server.dialog()
    code, wrong = d.login(password="not it")
    assert code == 535
    d2 = server.dialog()
    code2, unknown = d2.login(user="nobody@example.test")
    assert code2 == 535
    assert wrong == unknown == ["5.7.8 Authentication credentials invalid"]
    server.wait_log("reason=wrong password")
    server.wait_log("user=nobody@example.test reason=unknown user")


def test_auth_error_replies(server):
    d = server.dialog("smtps")
    d.expect("EHLO c.example", 250)
    d.expect("AUTH PLAIN %%%notbase64", 501, "5.5.2")
    d.expect("AUTH CRAM-MD5", 504, "5.5.4")
    d.expect("AUTH PLAIN", 334)
    d.expect("*", 501, "5.7.0")
    d.expect("AUTH LOGIN", 334)
    d.expect("a" * 13000, 500, "5.5.6")
    d.expect("NOOP", 250)
    d.expect("AUTH LOGIN", 334)
    d.expect("!!!!", 501, "5.5.2")
    d.expect("MAIL FROM:<user@example.test>", 530)
    code, _ = d.login()
    assert code == 235
    d.expect("MAIL FROM:<user@example.test>", 250)
    d.expect("AUTH PLAIN " + plain_token(), 503, "5.5.1")


def test_auth_not_offered_on_mx(server):
    d = server.dialog("mx")
    lines = d.expect("EHLO c.example", 250)
    assert "AUTH" not in ehlo_keywords(lines)
    d.expect("AUTH PLAIN " + plain_token(), 503, "5.5.1")


def test_smtplib_starttls_login_and_send(server):
    msg = ("From: user@example.test\r\nTo: a@example.org\r\n"
           "Subject: hi\r\n\r\nbody line\r\n.leading dot\r\n")  # smtplib stuffs it
    with smtplib.SMTP("127.0.0.1", server.ports["submission"],
                      timeout=10) as s:
        s.starttls(context=server.client_context(False))
        s.login(USER, PASSWORD)
        refused = s.sendmail("user@example.test",
                             ["a@example.org", "b@example.net"], msg)
        assert refused == {}
        code, text = s.noop()
        assert code == 250
    q = server.queued()
    assert len(q) == 1
    env, content = next(iter(q.values()))
    assert "rcpt 13 a@example.org\n" in env
    assert "rcpt 13 b@example.net\n" in env
    assert "auth 17 user@example.test\n" in env
    assert content.startswith(b"Received: from ")
    assert b"with ESMTPSA id " in content
    assert b"\r\nbody line\r\n.leading dot\r\n" in content
    assert not content.endswith(b".\r\n.\r\n")


def test_smtps_implicit_tls(server):
    with smtplib.SMTP_SSL("127.0.0.1", server.ports["smtps"], timeout=10,
                          context=server.client_context(False)) as s:
        s.ehlo("c.example")
        assert s.has_extn("auth") and not s.has_extn("starttls")
        s.login(USER, PASSWORD)
        s.sendmail(USER, ["x@example.org"], b"Subject: t\r\n\r\nx\r\n")
    assert len(server.queued()) == 1


def test_queued_reply_names_the_queue_id(server):
    d = server.dialog()
    assert d.login()[0] == 235
    d.expect("MAIL FROM:<user@example.test>", 250, "2.1.0")
    d.expect("RCPT TO:<a@example.org>", 250, "2.1.5")
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\nhello\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250 and lines[0].startswith("2.0.0 Ok: queued as ")
    qid = lines[0].split()[-1]
    assert qid in server.queued()
    server.wait_log("id=%s queued from=<user@example.test>" % qid)


def test_sni_selects_certificate_and_unknown_name_gets_default(server):
    ctx = ssl.create_default_context(cafile=server.cafile)
    import socket
    raw = socket.create_connection(("127.0.0.1", server.ports["smtps"]))
    s = ctx.wrap_socket(raw, server_hostname=HOST)
    assert s.version() in ("TLSv1.2", "TLSv1.3")
    s.close()
    ctx2 = ssl.create_default_context()
    ctx2.check_hostname = False
    ctx2.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", server.ports["smtps"]))
    s = ctx2.wrap_socket(raw, server_hostname="other.example")
    cert = s.getpeercert(binary_form=True)
    assert cert  # the default certificate
    s.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_old_tls_versions_refused(server):
    import socket
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    raw = socket.create_connection(("127.0.0.1", server.ports["smtps"]))
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        ctx.wrap_socket(raw, server_hostname=HOST)


def test_password_never_logged(server):
    d = server.dialog()
    d.login(password=PASSWORD + "x")
    d = server.dialog("smtps")
    d.expect("EHLO c.example", 250)
    d.expect("AUTH LOGIN " + b64(USER), 334)
    d.expect(b64(PASSWORD), 235)
    d.close()
    server.wait_log("auth ok mech=LOGIN")
    log = server.log()
    for secret in (PASSWORD, b64(PASSWORD), plain_token(),
                   plain_token(password=PASSWORD + "x")):
        assert secret not in log


def test_store_failure_is_454(unstarted):
    """An unreadable account store is a temporary failure, never 535."""
    import os
    db = os.path.join(unstarted.dir, "db", "postern.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    with open(db, "wb") as f:
        f.write(b"this is not an sqlite database" * 100)
    srv = unstarted.start()
    d = srv.dialog("smtps")
    d.expect("EHLO c.example", 250)
    d.expect("AUTH PLAIN " + plain_token(), 454,
             "4.7.0 Temporary authentication failure: the account store "
             "is unavailable; try again later")
    d2 = srv.dialog("mx")
    d2.expect("EHLO c.example", 250)
    d2.expect("MAIL FROM:<a@example.org>", 250)
    d2.expect("RCPT TO:<user@example.test>", 451, "4.3.0")
    srv.wait_log("auth tempfail")
    assert srv.stop() == 0


def test_tls13_session_resumes(server):
    """A client that keeps the session ticket resumes on its next
    connection, without a full handshake (the server issues one ticket
    per handshake: test_clients.py counts them)."""
    import socket

    ctx = server.client_context(check_hostname=False)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3

    def session(sess=None):
        s = socket.create_connection(("127.0.0.1",
                                      server.ports["submission"]), 10)
        f = s.makefile("rb")
        assert f.readline().startswith(b"220")
        s.sendall(b"EHLO client.example\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        s.sendall(b"STARTTLS\r\n")
        assert f.readline().startswith(b"220")
        t = ctx.wrap_socket(s, server_hostname=HOST, session=sess)
        t.sendall(b"EHLO client.example\r\n")
        tf = t.makefile("rb")
        while not tf.readline().startswith(b"250 "):
            pass                # tickets arrive with the first read
        reused, got = t.session_reused, t.session
        t.sendall(b"QUIT\r\n")
        assert tf.readline().startswith(b"221")
        t.close()
        return reused, got

    reused, sess = session()
    assert not reused
    assert sess is not None and sess.has_ticket
    reused, _ = session(sess)
    assert reused
