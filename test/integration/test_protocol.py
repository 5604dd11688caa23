"""RFC 5321 dialogs over real sockets: sequencing, limits, pipelining,
STARTTLS injection, DATA smuggling, the MX listener, timeouts, shutdown
and durability."""
import os
import signal
import socket
import ssl
import time

import pytest

from conftest import (HOST, SEG_NAME, USER, Server, plain_token,
                      spool_log_messages)


def authed(server, kind="smtps"):
    d = server.dialog(kind)
    assert d.login()[0] == 235
    return d


def start_tx(d, rcpts=("a@example.org",)):
    d.expect("MAIL FROM:<user@example.test>", 250)
    for r in rcpts:
        d.expect("RCPT TO:<%s>" % r, 250)


# --- sequencing and syntax -------------------------------------------------

@pytest.mark.conf(max_errors=50)
def test_bad_sequence_unknown_and_syntax(server):
    d = server.dialog("mx")
    d.expect("MAIL FROM:<a@example.org>", 503, "5.5.1")
    d.expect("EHLO", 501, "5.5.4")
    d.expect("EHLO bad..name", 501, "5.5.4")
    d.expect("EHLO c.example", 250)
    d.expect("RCPT TO:<user@example.test>", 503, "5.5.1")
    d.expect("DATA", 503, "5.5.1")
    d.expect("FOO bar", 500, "5.5.1")
    d.expect("MAIL TO:<a@example.org>", 501, "5.5.4")
    d.expect("MAIL FROM:<not an address>", 501, "5.1.7")
    d.expect("MAIL FROM:<a@example.org> FOO=bar", 555, "5.5.4")
    d.expect("MAIL FROM:<a@example.org>", 250, "2.1.0")
    d.expect("MAIL FROM:<a@example.org>", 503, "5.5.1")
    d.expect("RCPT FROM:<user@example.test>", 501, "5.5.4")
    d.expect("RCPT TO:<user@>", 501, "5.1.3")
    d.expect("DATA", 554, "5.5.1")  # RCPTs tried, none accepted
    d.expect("DATA extra", 501, "5.5.4")
    d.expect("RSET", 250, "2.0.0")
    d.expect("VRFY user", 252, "2.5.2")
    d.expect("VRFY", 501, "5.5.4")
    code, lines = d.cmd("HELP")
    assert code == 214 and lines[0].startswith("2.0.0")
    d.expect("NOOP", 250, "2.0.0")
    d.expect("QUIT", 221, "2.0.0")
    assert d.closed()


def test_every_reply_has_an_enhanced_code(server):
    d = authed(server)
    replies = []
    for line in ("NOOP", "RSET", "VRFY x", "EXPN x", "BOGUS",
                 "MAIL FROM:<user@example.test>", "RCPT TO:<a@example.org>",
                 "RCPT TO:<bad", "MAIL FROM:<x@example.org>", "RSET",
                 "STARTTLS", "QUIT"):
        replies.append(d.cmd(line))
    import re
    for code, lines in replies:
        for l in lines:
            assert re.match(r"[245]\.\d{1,3}\.\d{1,3} ", l), (code, lines)


def test_command_line_limit_then_session_continues(server):
    d = server.dialog("mx")
    d.expect("EHLO c.example", 250)
    d.expect("NOOP " + "x" * 600, 500, "5.5.2")
    d.expect("NOOP", 250)
    # a line that has no end at all within the limit
    d.send("NOOP " + "y" * 3000)
    code, lines = d.reply()
    assert code == 500 and "5.5.2" in lines[0]
    d.send("\r\n")
    d.expect("NOOP", 250)


def test_bare_lf_command_is_refused(server):
    d = server.dialog("mx")
    d.send("EHLO c.example\n")
    code, lines = d.reply()
    assert code == 500 and lines[0].startswith("5.5.2")
    d.expect("EHLO c.example", 250)


@pytest.mark.conf(max_recipients=3)
def test_recipient_limit(server):
    d = authed(server)
    start_tx(d, ["a@example.org", "b@example.org", "c@example.org"])
    d.expect("RCPT TO:<d@example.org>", 452, "4.5.3")
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\n.\r\n")
    assert d.reply()[0] == 250
    env = next(iter(server.queued().values()))[0]
    assert env.count("\nrcpt ") == 3


@pytest.mark.conf(max_errors=3)
def test_too_many_errors_closes(server):
    d = server.dialog("mx")
    d.expect("BAD1", 500)
    d.expect("BAD2", 500)
    d.send("BAD3\r\n")
    code, _ = d.reply()
    assert code == 500
    code, lines = d.reply()
    assert code == 421 and lines[0].startswith("4.7.0")
    assert d.closed()


@pytest.mark.conf(max_message_size="1K")
def test_size_limits(server):
    d = authed(server)
    lines = d.expect("EHLO c.example", 250)
    assert "SIZE 1024" in lines
    d.expect("MAIL FROM:<user@example.test> SIZE=5000", 552, "5.3.4")
    d.expect("MAIL FROM:<user@example.test> SIZE=100", 250)
    d.expect("RCPT TO:<a@example.org>", 250)
    d.expect("DATA", 354)
    d.send(("x" * 70 + "\r\n") * 40 + ".\r\n")
    d.reply()
    assert d.last.startswith("552 5.3.4")
    assert server.queued() == {}
    d.expect("NOOP", 250)


def test_text_line_limit(server):
    d = authed(server)
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\n" + "a" * 998 + "\r\n" + "b" * 999 + "\r\n.\r\n")
    code, lines = d.reply()
    assert code == 500 and lines[0].startswith("5.5.2")
    assert server.queued() == {}
    # exactly 998 + CRLF is fine
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\n" + "a" * 998 + "\r\n.\r\n")
    assert d.reply()[0] == 250


def test_pipelining_replies_in_order(server):
    d = authed(server)
    d.send("MAIL FROM:<user@example.test>\r\nRCPT TO:<a@example.org>\r\n"
           "RCPT TO:<bad\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
    codes = [d.reply()[0] for _ in range(5)]
    assert codes == [250, 250, 501, 250, 354]
    d.send("Subject: p\r\n\r\nx\r\n.\r\nMAIL FROM:<user@example.test>\r\n"
           "RCPT TO:<c@example.org>\r\nDATA\r\n")
    assert [d.reply()[0] for _ in range(4)] == [250, 250, 250, 354]
    d.send("Subject: q\r\n\r\ny\r\n.\r\nQUIT\r\n")
    assert [d.reply()[0] for _ in range(2)] == [250, 221]
    assert len(server.queued()) == 2


@pytest.mark.conf(max_recipients=1000)
def test_pipelined_flood_is_answered_completely(server):
    d = authed(server)
    n = 900
    d.send("MAIL FROM:<user@example.test>\r\n" +
           "".join("RCPT TO:<r%d@example.org>\r\n" % i for i in range(n)) +
           "RSET\r\n")
    codes = [d.reply()[0] for _ in range(n + 2)]
    assert codes == [250] * (n + 2)


# --- STARTTLS -------------------------------------------------------------

def test_starttls_discards_pipelined_plaintext(server):
    """CVE-2011-0411: commands injected behind STARTTLS must not run."""
    d = server.dialog()
    d.expect("EHLO c.example", 250)
    d.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.org>\r\n")
    code, lines = d.reply()
    assert code == 220 and lines[0].startswith("2.0.0")
    time.sleep(0.2)
    try:
        d.sock = server.client_context().wrap_socket(
            d.sock, server_hostname=HOST)
    except (ssl.SSLError, ConnectionResetError, OSError):
        # the injected bytes reached the handshake and broke it: also safe
        server.wait_log("sess=")
        return
    d.buf = b""
    # the session was reset: MAIL needs EHLO first, nothing ran
    d.expect("MAIL FROM:<user@example.test>", 503, "5.5.1")
    lines = d.expect("EHLO c.example", 250)
    assert "AUTH PLAIN LOGIN" in lines
    server.wait_log("discarded")


def test_starttls_twice_and_on_smtps(server):
    d = server.dialog()
    d.expect("EHLO c.example", 250)
    d.starttls()
    d.expect("EHLO c.example", 250)
    d.expect("STARTTLS", 503, "5.5.1")
    s = server.dialog("smtps")
    s.expect("STARTTLS", 503, "5.5.1")


def test_starttls_resets_authentication_and_helo(server):
    d = server.dialog("mx")
    d.expect("EHLO c.example", 250)
    d.expect("MAIL FROM:<a@example.org>", 250)
    d.starttls()
    d.expect("RCPT TO:<user@example.test>", 503, "5.5.1")


def test_tls_garbage_on_smtps_is_logged_and_closed(server):
    s = socket.create_connection(("127.0.0.1", server.ports["smtps"]))
    s.sendall(b"EHLO plain.example\r\n")
    s.settimeout(5)
    try:
        data = s.recv(100)
    except ConnectionResetError:
        data = b""
    assert not data.startswith(b"2")
    server.wait_log("TLS error")


# --- DATA -------------------------------------------------------------------

@pytest.mark.parametrize("smuggle", [
    b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\r\n.\r",
])
def test_data_smuggling_cannot_split_a_message(server, smuggle):
    d = authed(server)
    start_tx(d)
    d.expect("DATA", 354)
    d.send(b"Subject: one\r\n\r\nfirst" + smuggle +
           b"MAIL FROM:<user@example.test>\r\nRCPT TO:<victim@example.org>"
           b"\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\n")
    code, lines = d.reply()
    assert code == 550 and lines[0].startswith("5.6.11")
    # nothing else was answered: the smuggled commands were content
    d.expect("NOOP", 250)
    assert server.queued() == {}


def test_bare_lf_in_content_rejected_after_end(server):
    d = authed(server)
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\nline with bare lf\nmore\r\n.\r\n")
    code, lines = d.reply()
    assert code == 550 and "bare LF" in lines[0]


def test_dot_unstuffing_and_empty_lines(server):
    d = authed(server)
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: dots\r\n\r\n..one\r\n.\r\n")
    # the lone "." ended it; "..one" became ".one"
    code, lines = d.reply()
    assert code == 250
    content = next(iter(server.queued().values()))[1]
    assert content.endswith(b"Subject: dots\r\n\r\n.one\r\n")


def test_8bit_and_smtputf8(server):
    # any sender of the domain, so that a UTF-8 one is owned
    from conftest import run
    run("-d", server.dir, "domain", "set", "example.test", "sender_policy",
        "domain")
    d = authed(server)
    d.expect("MAIL FROM:<jösé@example.test>", 553, "5.6.7")
    d.expect("MAIL FROM:<jösé@example.test> SMTPUTF8 BODY=8BITMIME", 250)
    d.expect("RCPT TO:<zoë@exämple.org>", 250)
    d.expect("DATA", 354)
    d.send("Subject: ünïcode\r\n\r\nnaïve\r\n.\r\n".encode())
    assert d.reply()[0] == 250
    env, content = next(iter(server.queued().values()))
    assert "with UTF8SMTPSA" in content.decode()
    assert "flags 1 3\n" in env


def test_received_header_for_mx(server):
    d = server.dialog("mx")
    d.expect("HELO sender.example", 250)
    d.expect("MAIL FROM:<a@example.org>", 250)
    d.expect("RCPT TO:<user@example.test>", 250)
    d.expect("DATA", 354)
    d.send("Subject: in\r\n\r\nhi\r\n.\r\n")
    assert d.reply()[0] == 250
    content = next(iter(server.queued().values()))[1].decode()
    assert content.startswith("Received: from sender.example ([127.0.0.1])")
    assert " with SMTP id " in content
    assert "for <user@example.test>;" in content


# --- MX listener ----------------------------------------------------------

def test_mx_accepts_only_local_recipients(server):
    d = server.dialog("mx")
    d.expect("EHLO relay.example", 250)
    d.expect("MAIL FROM:<a@example.org>", 250)
    d.expect("RCPT TO:<someone@example.org>", 554,
             "5.7.1 <someone@example.org>: Relay access denied")
    d.expect("RCPT TO:<nobody@example.test>", 550, "5.1.1")
    d.expect("RCPT TO:<USER@Example.Test>", 250, "2.1.5")
    d.expect("RCPT TO:<postmaster@example.test>", 250)
    d.expect("RCPT TO:<Postmaster>", 250)
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\n.\r\n")
    assert d.reply()[0] == 250
    env = next(iter(server.queued().values()))[0]
    assert "listener 2 mx\n" in env
    assert "someone@example.org" not in env
    server.wait_log("relay denied to=<someone@example.org>")


def test_mx_starttls_works_without_auth(server):
    d = server.dialog("mx")
    d.expect("EHLO relay.example", 250)
    d.starttls()
    lines = d.expect("EHLO relay.example", 250)
    assert not any(l.startswith("AUTH") for l in lines)
    d.expect("MAIL FROM:<a@example.org>", 250)


# --- timing behaviour -------------------------------------------------------

@pytest.mark.conf(greet_delay="500ms")
def test_talking_before_greeting_is_refused(server):
    s = socket.create_connection(("127.0.0.1", server.ports["mx"]))
    s.sendall(b"EHLO eager.example\r\n")
    s.settimeout(5)
    data = b""
    while True:
        chunk = s.recv(1000)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"554 5.5.1 ")
    assert b"220" not in data
    d = server.dialog("mx")  # a patient client is fine
    assert d.banner[0] == 220


@pytest.mark.conf(timeout_command="1s")
def test_idle_timeout(server):
    d = server.dialog("mx")
    d.sock.settimeout(10)
    code, lines = d.reply()
    assert code == 421 and lines[0].startswith("4.4.2")
    assert d.closed()


@pytest.mark.conf(max_sessions=2)
def test_session_limit(server):
    a = server.dialog("mx")
    b = server.dialog("mx")
    c = server.dialog("mx", greet=False)
    code, lines = c.reply()
    assert code == 421 and lines[0].startswith("4.7.0")
    a.close()
    b.close()


# --- shutdown and durability -------------------------------------------------

def test_sigterm_finishes_message_in_progress(server):
    idle = server.dialog("mx")
    d = authed(server)
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: in flight\r\n\r\npart one\r\n")
    time.sleep(0.2)
    server.proc.send_signal(signal.SIGTERM)
    code, lines = idle.reply()
    assert code == 421 and lines[0].startswith("4.3.2")
    time.sleep(0.2)
    d.send("part two\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250
    code, lines = d.reply()
    assert code == 421
    assert server.proc.wait(10) == 0
    assert len(server.queued()) == 1


def test_acknowledged_message_survives_kill9_and_leftovers_are_removed(
        unstarted):
    srv = unstarted.start()
    d = authed(srv)
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: durable\r\n\r\nkeep me\r\n.\r\n")
    code, lines = d.reply()
    assert code == 250
    qid = lines[0].split()[-1]
    # a second message in flight, never acknowledged
    d2 = authed(srv)
    start_tx(d2)
    d2.expect("DATA", 354)
    d2.send("Subject: lost\r\n\r\nhalf")
    time.sleep(0.2)
    srv.kill9()
    # the acknowledged message is a whole record of the spool log; the
    # one in flight only ever was in an unnamed staging file (O_TMPFILE)
    qdir = os.path.join(srv.dir, "spool", "queue")
    assert list(spool_log_messages(qdir)) == [qid]
    assert all(SEG_NAME.fullmatch(f) for f in srv.queue_files())
    srv.start()
    srv.wait_log("1 message(s) in the spool log")
    assert list(srv.queued()) == [qid]
    assert b"keep me" in srv.queued()[qid][1]
    assert all(SEG_NAME.fullmatch(f) for f in srv.queue_files())
    assert srv.stop() == 0


def test_client_disconnect_mid_data_leaves_nothing(server):
    d = authed(server)
    start_tx(d)
    d.expect("DATA", 354)
    d.send("Subject: gone\r\n\r\npartial")
    d.close()
    deadline = time.time() + 5
    while server.message_files() and time.time() < deadline:
        time.sleep(0.05)
    assert server.message_files() == []


def test_half_close_still_gets_every_reply(server):
    """A client that sends everything and then shuts down its write side
    (nc -N, many scripts) must still be told its message was queued."""
    s = socket.create_connection(("127.0.0.1", server.ports["mx"]))
    s.settimeout(10)
    s.sendall(b"EHLO c.example\r\nMAIL FROM:<a@example.org>\r\n"
              b"RCPT TO:<user@example.test>\r\nDATA\r\n")
    time.sleep(0.3)
    s.sendall(b"Subject: half\r\n\r\nclosed\r\n.\r\nQUIT\r\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    assert b"250 2.0.0 Ok: queued as " in data
    assert data.rstrip().endswith(b"221 2.0.0 Bye")
    assert len(server.queued()) == 1


def test_half_close_without_quit_is_answered_then_closed(server):
    s = socket.create_connection(("127.0.0.1", server.ports["mx"]))
    s.settimeout(10)
    s.sendall(b"EHLO c.example\r\nNOOP\r\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    assert data.count(b"\r\n250") >= 1 and data.endswith(b"250 2.0.0 Ok\r\n")


def test_credentials_sent_after_a_refused_auth_are_not_logged(server):
    from conftest import PASSWORD, b64
    d = server.dialog()
    d.expect("EHLO c.example", 250)
    # AUTH refused before TLS; a careless client sends its LOGIN lines
    d.send("AUTH LOGIN\r\n%s\r\n%s\r\n" % (b64(USER), b64(PASSWORD)))
    assert d.reply()[0] == 538
    assert d.reply()[0] == 500
    assert d.reply()[0] == 500
    d.expect("QUIT", 221)
    server.wait_log("disconnect")
    log = server.log()
    assert b64(PASSWORD) not in log and b64(USER) not in log
    assert "unrecognised" in log
