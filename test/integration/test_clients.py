"""Real third-party SMTP clients against a real `postern serve`.

swaks, curl, openssl s_client and msmtp each submit a message (or fail to)
over the submission (STARTTLS) and smtps (implicit TLS) listeners.  Every
client verifies the server's self-signed certificate against the data
directory's fullchain.pem, under the name mail.example.test, so these
tests also prove that the certificate `postern init` makes is usable by
ordinary clients.  A test is skipped when its client is not installed.
"""
import os
import queue
import re
import shutil
import socket
import subprocess
import tempfile
import threading

import pytest

from conftest import HOST, PASSWORD, USER, plain_token

TIMEOUT = 30  # seconds, per client run


def need(binary):
    path = shutil.which(binary)
    if path is None:
        pytest.skip("%s is not installed" % binary)
    return path


def client(args, input=None):
    """Run a client; returns (returncode, stdout + stderr as text)."""
    if isinstance(input, str):
        input = input.encode()
    p = subprocess.run(args, input=input, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def env_fields(env, key):
    """Values of one key of a queue envelope ("key LEN value" lines)."""
    out = []
    for line in env.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == key:
            assert int(parts[1]) == len(parts[2].encode()), line
            out.append(parts[2])
    return out


def only_message(server):
    q = server.queued()
    assert len(q) == 1, q
    (qid, (env, content)), = q.items()
    return qid, env, content


def assert_submitted(server, rcpts, body, listener, sender=USER):
    qid, env, content = only_message(server)
    assert env_fields(env, "sender") == [sender]
    assert env_fields(env, "auth") == [USER]
    assert sorted(env_fields(env, "rcpt")) == sorted(rcpts)
    assert env_fields(env, "listener") == [listener]
    assert content.startswith(b"Received: from ")
    assert b"with ESMTPSA id " + qid.encode() in content
    assert body in content
    return qid, env, content


# --------------------------------------------------------------- swaks

def swaks_args(server, kind, *extra):
    return [need("swaks"), "--server", "127.0.0.1",
            "--port", str(server.ports[kind]),
            "--tls-verify", "--tls-ca-path", server.cafile,
            "--tls-sni", HOST, "--timeout", "20",
            "--ehlo", "client.example", *extra]


def test_swaks_starttls_auth_plain(server):
    rc, out = client(swaks_args(
        server, "submission", "--tls", "--auth", "PLAIN",
        "--auth-user", USER, "--auth-password", PASSWORD,
        "--from", USER, "--to", "a@example.org,b@example.net",
        "--header", "Subject: from swaks", "--body", "swaks body line"))
    assert rc == 0, out
    assert "220 2.0.0 Ready to start TLS" in out
    assert "TLS started with cipher TLSv1." in out
    assert 'TLS peer DN="/CN=%s"' % HOST in out
    assert "235 2.7.0 Authentication successful" in out
    m = re.search(r"250 2\.0\.0 Ok: queued as (\S+)", out)
    assert m, out
    qid, _, content = assert_submitted(
        server, ["a@example.org", "b@example.net"], b"swaks body line",
        "submission")
    assert qid == m.group(1)
    assert b"Subject: from swaks\r\n" in content


def test_swaks_implicit_tls_auth_login(server):
    rc, out = client(swaks_args(
        server, "smtps", "--tlsc", "--auth", "LOGIN",
        "--auth-user", USER, "--auth-password", PASSWORD,
        "--from", USER, "--to", "c@example.org",
        "--body", "smtps body via swaks"))
    assert rc == 0, out
    assert "STARTTLS" not in out  # TLS from the first byte
    assert "334 VXNlcm5hbWU6" in out and "334 UGFzc3dvcmQ6" in out
    assert "235 2.7.0 Authentication successful" in out
    assert "250 2.0.0 Ok: queued as " in out
    assert_submitted(server, ["c@example.org"], b"smtps body via swaks",
                     "smtps")


def test_swaks_wrong_password(server):
    rc, out = client(swaks_args(
        server, "submission", "--tls", "--auth", "PLAIN",
        "--auth-user", USER, "--auth-password", "not the password",
        "--from", USER, "--to", "a@example.org"))
    assert rc != 0, out
    assert "535 5.7.8 Authentication credentials invalid" in out
    assert "MAIL FROM" not in out
    assert server.queued() == {}


def test_swaks_sees_no_auth_before_tls(server):
    """Without STARTTLS the server does not even offer AUTH, so swaks
    refuses to try (it never sends credentials in the clear)."""
    rc, out = client(swaks_args(
        server, "submission", "--auth", "PLAIN",
        "--auth-user", USER, "--auth-password", PASSWORD,
        "--from", USER, "--to", "a@example.org"))
    assert rc != 0, out
    assert "Host did not advertise authentication" in out
    assert "AUTH PLAIN" not in out
    assert server.queued() == {}


class EhloAuthInjector:
    """A plaintext relay in front of the submission port that adds
    "250-AUTH PLAIN LOGIN" to the server's EHLO reply, like a client that
    ignores the EHLO keywords (or a meddling middlebox).  It lets swaks
    send AUTH before STARTTLS so that the server's own refusal shows."""

    def __init__(self, port):
        self.target = ("127.0.0.1", port)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(TIMEOUT)
        self.port = self.lsock.getsockname()[1]
        self.socks = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            c, _ = self.lsock.accept()
        except OSError:
            return
        s = socket.create_connection(self.target, timeout=TIMEOUT)
        c.settimeout(TIMEOUT)
        self.socks += [c, s]
        up = threading.Thread(target=self._pump, args=(c, s), daemon=True)
        up.start()
        self._pump_down(s, c)
        up.join(TIMEOUT)

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _pump_down(self, src, dst):
        buf, injected = b"", False
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                *lines, buf = buf.split(b"\r\n")
                out = b""
                for line in lines:
                    out += line + b"\r\n"
                    if not injected and line.startswith(b"250-" + HOST.encode()):
                        out += b"250-AUTH PLAIN LOGIN\r\n"
                        injected = True
                dst.sendall(out)
            dst.sendall(buf)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        for s in [self.lsock] + self.socks:
            try:
                s.close()
            except OSError:
                pass
        self.thread.join(TIMEOUT)


def test_swaks_auth_without_tls_is_538(server):
    relay = EhloAuthInjector(server.ports["submission"])
    try:
        rc, out = client([
            need("swaks"), "--server", "127.0.0.1", "--port",
            str(relay.port), "--timeout", "20", "--ehlo", "client.example",
            "--auth", "PLAIN,LOGIN", "--auth-plaintext",
            "--auth-user", USER, "--auth-password", PASSWORD,
            "--from", USER, "--to", "a@example.org"])
    finally:
        relay.close()
    assert rc != 0, out
    assert "250-AUTH PLAIN LOGIN" in out  # the injected keyword
    assert "STARTTLS" in out and "Ready to start TLS" not in out
    replies = re.findall(r"538 5\.7\.11 Encryption required for requested "
                         r"authentication mechanism", out)
    assert len(replies) == 2, out  # PLAIN, then LOGIN
    assert "235 " not in out and "MAIL FROM" not in out
    assert server.queued() == {}


# ---------------------------------------------------------------- curl

def curl_args(server, scheme, kind, user=USER, password=PASSWORD):
    port = server.ports[kind]
    return [need("curl"), "--silent", "--show-error", "--max-time", "20",
            "--resolve", "%s:%d:127.0.0.1" % (HOST, port),
            "--cacert", server.cafile,
            "%s://%s:%d/client.example" % (scheme, HOST, port),
            "--user", "%s:%s" % (user, password)]


@pytest.fixture
def mailfile():
    d = tempfile.mkdtemp(prefix="postern-client-")
    path = os.path.join(d, "message.eml")
    with open(path, "wb") as f:
        f.write(b"From: user@example.test\r\nTo: a@example.org\r\n"
                b"Subject: from curl\r\n\r\ncurl body line\r\n"
                b".a line that needs a dot stuffed\r\n")
    yield path
    shutil.rmtree(d, ignore_errors=True)


def test_curl_starttls_verified(server, mailfile):
    rc, out = client(curl_args(server, "smtp", "submission") + [
        "--ssl-reqd", "--mail-from", USER,
        "--mail-rcpt", "a@example.org", "--mail-rcpt", "b@example.net",
        "--upload-file", mailfile])
    assert rc == 0, out
    _, env, content = assert_submitted(
        server, ["a@example.org", "b@example.net"],
        b"\r\ncurl body line\r\n.a line that needs a dot stuffed\r\n",
        "submission")
    assert env_fields(env, "helo") == ["client.example"]
    assert b"Subject: from curl\r\n" in content


def test_curl_smtps_verified(server, mailfile):
    rc, out = client(curl_args(server, "smtps", "smtps") + [
        "--mail-from", USER, "--mail-rcpt", "z@example.org",
        "--upload-file", mailfile])
    assert rc == 0, out
    assert_submitted(server, ["z@example.org"], b"\r\ncurl body line\r\n",
                     "smtps")


def test_curl_checks_the_certificate_name(server, mailfile):
    """A name the certificate does not carry fails: proof that
    verification is on in the tests above (curl exit 60: peer
    certificate not verified)."""
    need("curl")
    port = server.ports["submission"]
    rc, out = client(["curl", "--silent", "--show-error", "--max-time", "20",
                      "smtp://wrong-name.test:%d" % port, "--connect-to",
                      "wrong-name.test:%d:127.0.0.1:%d" % (port, port),
                      "--ssl-reqd",
                      "--cacert", server.cafile, "--user",
                      "%s:%s" % (USER, PASSWORD), "--mail-from", USER,
                      "--mail-rcpt", "a@example.org",
                      "--upload-file", mailfile])
    assert rc == 60, out
    assert server.queued() == {}


def test_curl_wrong_password(server, mailfile):
    rc, out = client(curl_args(server, "smtp", "submission",
                               password="wrong password") + [
        "--ssl-reqd", "--mail-from", USER, "--mail-rcpt", "a@example.org",
        "--upload-file", mailfile])
    assert rc == 67, out  # CURLE_LOGIN_DENIED
    assert server.queued() == {}
    server.wait_log("reason=wrong password")


# ------------------------------------------------------ openssl s_client

class SClient:
    """Drives `openssl s_client` one command at a time: each command is
    written only after the previous reply has been read from its stdout,
    so nothing depends on the server tolerating unrequested pipelining."""

    def __init__(self, args):
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.stdout = []
        self.stderr = b""
        self.t_out = threading.Thread(target=self._read_out, daemon=True)
        self.t_err = threading.Thread(target=self._read_err, daemon=True)
        self.t_out.start()
        self.t_err.start()

    def _read_out(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\r\n")
        self.proc.stdin.flush()

    def reply(self):
        """The next SMTP reply on stdout, skipping s_client's own
        report (certificate, session): (code, [lines])."""
        got = []
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError("no reply; stdout so far:\n%s"
                                     % "\n".join(self.stdout))
            if line is None:
                raise AssertionError("s_client ended; stdout:\n%s\n%s"
                                     % ("\n".join(self.stdout),
                                        self.stderr.decode("utf-8", "replace")))
            if not re.match(r"^\d{3}[ -]", line):
                continue  # s_client's own report, e.g. a session ticket
            got.append(line)
            if line[3] == " ":
                return int(got[0][:3]), got

    def expect(self, line, code):
        if line is not None:
            self.send(line)
        c, lines = self.reply()
        assert c == code, (line, lines)
        return lines

    def finish(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
        self.t_out.join(5)
        self.t_err.join(5)
        return rc, "\n".join(self.stdout), self.stderr.decode("utf-8",
                                                              "replace")


def s_client_args(server, kind):
    args = [need("openssl"), "s_client",
            "-connect", "127.0.0.1:%d" % server.ports[kind],
            "-servername", HOST, "-CAfile", server.cafile,
            "-verify_return_error", "-verify_hostname", HOST, "-ign_eof"]
    if kind == "submission":
        args += ["-starttls", "smtp"]
    return args


def test_openssl_s_client_starttls_submission(server):
    sc = SClient(s_client_args(server, "submission"))
    try:
        ehlo = sc.expect("EHLO client.example", 250)
        assert "250-AUTH PLAIN LOGIN" in ehlo and \
            not any("STARTTLS" in l for l in ehlo)
        assert sc.expect("AUTH PLAIN " + plain_token(), 235) == [
            "235 2.7.0 Authentication successful"]
        sc.expect("MAIL FROM:<%s>" % USER, 250)
        sc.expect("RCPT TO:<a@example.org>", 250)
        sc.expect("DATA", 354)
        for line in ("Subject: via openssl", "", "openssl body line",
                     "..dot-stuffed line"):
            sc.send(line)
        queued = sc.expect(".", 250)
        sc.expect("QUIT", 221)
    finally:
        rc, out, err = sc.finish()
    assert queued[0].startswith("250 2.0.0 Ok: queued as ")
    assert "235 2.7.0" in out and "250 2.0.0 Ok: queued as" in out
    # the certificate chain was verified, name included
    assert "Verification: OK" in out
    assert "Verified peername: %s" % HOST in out
    assert "Verify return code: 0 (ok)" in out
    assert "subject=CN = %s" % HOST in out
    assert "verify error" not in err
    qid, _, content = assert_submitted(
        server, ["a@example.org"], b"\r\nopenssl body line\r\n.dot-stuffed "
        b"line\r\n", "submission")
    assert queued[0].split()[-1] == qid


def test_openssl_s_client_wrong_ca_is_refused(server):
    """The verification above is real: a CA file that does not hold the
    server's certificate makes s_client abort the handshake."""
    openssl = need("openssl")
    d = tempfile.mkdtemp(prefix="postern-ca-")
    try:
        # same name, different key
        other = os.path.join(d, "other.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-subj", "/CN=" + HOST, "-days", "1",
                        "-keyout", os.path.join(d, "key.pem"),
                        "-out", other], check=True, capture_output=True,
                       timeout=TIMEOUT)
        args = s_client_args(server, "smtps")
        args[args.index("-CAfile") + 1] = other
        p = subprocess.run(args, input=b"QUIT\r\n", capture_output=True,
                           timeout=TIMEOUT)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert p.returncode != 0
    assert b"220 " not in p.stdout
    assert b"certificate verify failed" in p.stdout + p.stderr


def test_openssl_s_client_clean_tls_close_after_quit(server):
    """The server sends close_notify before closing (RFC 8446 s6.1)."""
    sc = SClient(s_client_args(server, "smtps"))
    try:
        sc.expect(None, 220)
        sc.expect("QUIT", 221)
    finally:
        rc, out, err = sc.finish()
    assert "unexpected eof" not in err, err
    assert rc == 0, err


# --------------------------------------------------------------- msmtp

def test_msmtp_starttls_auth_plain(server):
    msmtp = need("msmtp")
    d = tempfile.mkdtemp(prefix="postern-msmtp-")
    try:
        rc_path = os.path.join(d, "msmtprc")
        with open(rc_path, "w") as f:
            f.write("defaults\n"
                    "account default\n"
                    "host 127.0.0.1\n"
                    "port %d\n"
                    "domain client.example\n"
                    "from %s\n"
                    "tls on\n"
                    "tls_starttls on\n"
                    "tls_trust_file %s\n"
                    "tls_host_override %s\n"
                    "auth plain\n"
                    "user %s\n"
                    "passwordeval printf '%%s' '%s'\n"
                    "timeout 20\n"
                    % (server.ports["submission"], USER, server.cafile,
                       HOST, USER, PASSWORD))
        os.chmod(rc_path, 0o600)
        msg = ("Subject: via msmtp\n\nmsmtp body line\n"
               ".leading dot from msmtp\n")
        rc, out = client([msmtp, "-C", rc_path, "-a", "default",
                          "m@example.org", "n@example.net"], input=msg)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert rc == 0, out
    _, env, content = assert_submitted(
        server, ["m@example.org", "n@example.net"],
        b"\r\nmsmtp body line\r\n.leading dot from msmtp\r\n", "submission")
    assert env_fields(env, "helo") == ["client.example"]
    assert b"Subject: via msmtp\r\n" in content


def test_openssl_s_client_gets_one_session_ticket(server):
    """TLS 1.3: one NewSessionTicket per handshake (OpenSSL's default is
    two); one is all a client needs to resume, and each costs the server
    a sealed session on every connection, resumed later or not."""
    sc = SClient(s_client_args(server, "submission") + ["-tls1_3"])
    try:
        sc.expect("EHLO client.example", 250)
        sc.expect("QUIT", 221)
    finally:
        rc, out, err = sc.finish()
    assert "Protocol  : TLSv1.3" in out or "TLSv1.3" in out
    assert out.count("Post-Handshake New Session Ticket arrived") == 1, out
