"""The first hour, as README.md tells it: `make run`'s demo on its fixed
loopback ports, the README's own example commands run as written (only
the printed password filled in), the commands `make run` prints, and a
README that lists every subcommand.

The demo binds 127.0.0.1:2587, 2465 and 2525, as README says; those
tests run only where the ports are free (inside the private network
namespace `make test` uses as root) and are skipped elsewhere.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, scaled

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
README = os.path.join(ROOT, "README.md")
DEMO_PORTS = (2587, 2465, 2525, 2143, 2993, 2480)


def readme():
    with open(README, encoding="utf-8") as f:
        return f.read()


def readme_block(after):
    """The first ```sh block that follows the line containing `after`."""
    text = readme()
    i = text.index(after)
    m = re.search(r"```sh\n(.*?)```", text[i:], re.S)
    assert m, "no sh block after %r" % after
    return m.group(1)


def ports_free():
    for p in DEMO_PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


class Demo:
    """scripts/run-demo.sh (what `make run` runs) in a scratch directory
    laid out like the repository: build/postern and data/."""

    def __init__(self, mode=0o755):
        self.tmp = tempfile.mkdtemp(prefix="postern-demo-")
        os.chmod(self.tmp, mode)
        os.mkdir(os.path.join(self.tmp, "build"))
        os.symlink(os.path.abspath(BIN),
                   os.path.join(self.tmp, "build", "postern"))
        # O_APPEND: the script's writes go to the end whatever the offset;
        # log() reads through its own descriptor, so it never moves the
        # shared offset under a write (which once overwrote the first lines).
        self.out = open(os.path.join(self.tmp, "run.log"), "a")
        self.proc = subprocess.Popen(
            ["sh", os.path.join(ROOT, "scripts", "run-demo.sh"),
             os.path.join(self.tmp, "build", "postern"), "data"],
            cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=self.out,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + scaled(30)
        imap = os.access("/usr/sbin/dovecot", os.X_OK)
        while "smtp: ready" not in self.log() or (
                imap and "dovecot: master: Info: Dovecot" not in self.log()):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise AssertionError("demo not ready:\n" + self.log())
            time.sleep(0.05)
        m = re.search(r"password: (\S+)", self.log())
        assert m, self.log()
        self.password = m.group(1)

    def log(self):
        with open(self.path("run.log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def sh(self, script):
        """Run shell text as a user would, in the repository's place."""
        return subprocess.run(["sh", "-e", "-x", "-c", script],
                              cwd=self.tmp, capture_output=True, text=True,
                              timeout=scaled(120),
                              stdin=subprocess.DEVNULL)

    def queue_list(self):
        return subprocess.run([BIN, "-d", self.path("data"), "queue",
                               "list"], capture_output=True, text=True,
                              timeout=scaled(30)).stdout

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(scaled(15))
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.final_log = self.log()
        self.out.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.proc.returncode


@pytest.fixture
def demo():
    if not ports_free():
        pytest.skip("the demo's ports 2587/2465/2525 are taken here "
                    "(run as root: make test uses a private namespace)")
    d = Demo()
    yield d
    rc = d.stop()
    assert rc == 0, d.final_log[-3000:]


def test_demo_from_a_checkout_the_server_user_cannot_reach():
    """A fresh machine's clone in /root (mode 0700): the user postern
    cannot reach ./data, so `make run` keeps the data where it can and
    links ./data to it; the README's paths still work."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the server drops to the user postern)")
    if not ports_free():
        pytest.skip("the demo's ports are taken here")
    d = Demo(mode=0o700)
    real = None
    try:
        link = d.path("data")
        assert os.path.islink(link), d.log()
        real = os.path.realpath(link)
        assert real.startswith("/var/lib/postern-demo/"), real
        assert "cannot reach" in d.log()
        r = d.sh("swaks --server 127.0.0.1:2587 --tls --tls-verify "
                 "--tls-ca-path data/certs/localhost/fullchain.pem "
                 "--auth-user demo@example.test --auth-password '%s' "
                 "--from demo@example.test --to demo@example.test"
                 % d.password)
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(delivered(d)) == 1
    finally:
        rc = d.stop()
        assert rc == 0, d.final_log[-3000:]
        if real:
            shutil.rmtree(real, ignore_errors=True)


def test_unreachable_dir_is_refused_with_the_way_out():
    if os.geteuid() != 0:
        pytest.skip("needs root (the server drops to the user postern)")
    tmp = tempfile.mkdtemp(prefix="postern-priv-")   # mode 0700
    try:
        d = os.path.join(tmp, "data")
        r = subprocess.run([BIN, "-d", d, "init"], capture_output=True,
                           text=True, timeout=scaled(60))
        assert r.returncode == 1 and not os.path.exists(d)
        assert "user postern, which cannot reach it: %s is mode 0700, " \
            "owned by root" % tmp in r.stderr, r.stderr
        assert "chmod o+x %s\n" % tmp in r.stderr, r.stderr
        os.chmod(tmp, 0o755)
        r = subprocess.run([BIN, "-d", d, "init"], capture_output=True,
                           text=True, timeout=scaled(60))
        assert r.returncode == 0, r.stderr
        os.chmod(tmp, 0o700)
        for cmd in (["domain", "add", "example.test"], ["serve"]):
            r = subprocess.run([BIN, "-d", d, *cmd], capture_output=True,
                               text=True, timeout=scaled(60))
            assert r.returncode == 1, (cmd, r.stderr)
            assert "cannot reach it: %s is mode 0700" % tmp in r.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def delivered(demo, want=1):
    """The demo mailbox's new mail, once `want` messages are there
    (delivery follows the 250 by a moment)."""
    new = demo.path("data", "mail", "example.test", "demo", "Maildir", "new")
    deadline = time.time() + scaled(15)
    while True:
        got = sorted(os.listdir(new)) if os.path.isdir(new) else []
        if len(got) >= want or time.time() > deadline:
            return got
        time.sleep(0.05)


def wait_deferred(demo):
    deadline = time.time() + scaled(15)
    while time.time() < deadline:
        out = demo.queue_list()
        if "attempt" in out:
            return out
        time.sleep(0.1)
    raise AssertionError("no delivery attempt:\n" + out)


def test_readme_examples_run_as_written(demo):
    script = readme_block("Try it from another terminal")
    assert "THE-PRINTED-PASSWORD" in script
    r = demo.sh(script.replace("THE-PRINTED-PASSWORD", demo.password))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert demo.password not in out.replace(
        "--auth-password " + demo.password, "").replace(
        "PW=" + demo.password, "").replace(
        "demo@example.test:" + demo.password, "")
    # swaks, verifying: the message is in the demo mailbox
    assert "TLS started" in out and "250 2.0.0" in out, out
    assert len(delivered(demo)) == 1
    # check: every step passes, certificate verified by address
    assert re.search(r"ok\s+starttls\s", out), out
    assert "DOES NOT match" not in out and "warn" not in out, out
    assert "result: ok" in out, out
    # IMAP, through the Dovecot serve started: the folders platforms need
    if os.access("/usr/sbin/dovecot", os.X_OK):
        assert '(\\HasNoChildren \\Junk) "/" Junk' in out, out
    # dns: records for the demo domain, and how to give the real name
    assert "example.test.\t3600\tIN\tMX\t10 mail.example.test." in out
    assert "hostname = mail.example.test" in out
    # the message curl sent to another domain waits, with its reason,
    # the relay named once
    q = wait_deferred(demo)
    line = [l for l in q.splitlines() if "someone@example.org" in l][0]
    assert line.count("127.0.0.1[127.0.0.1]") == 1, line
    assert "connection refused" in line, line
    # the admin listener counted the two messages (swaks, curl)
    assert 'postern_messages_accepted_total{listener="submission"} 1' in out
    assert 'postern_messages_accepted_total{listener="smtps"} 1' in out


def test_make_run_prints_commands_that_work(demo):
    log = demo.log()
    block = log.split("Try, from another terminal:\n")[1]
    block = block.split("Local mail lands")[0]
    script = re.sub(r"\\\n\s*", "", block)
    cmds = [l.strip() for l in script.splitlines() if l.strip()]
    assert any(c.startswith("swaks ") for c in cmds), block
    r = demo.sh("\n".join(cmds))
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(delivered(demo)) == 1
    assert "result: ok" in r.stdout + r.stderr


def test_make_run_prints_a_console_login_that_works(demo):
    """The console's address and its administrator's password, printed
    once by `make run`, log in (POST /api/v1/session)."""
    m = re.search(r"Web console: (http://127\.0\.0\.1:2480/console/)\s+"
                  r"user admin, password: (\S+)", demo.log())
    assert m, demo.log()
    c = http.client.HTTPConnection("127.0.0.1", 2480, timeout=scaled(15))
    c.request("POST", "/api/v1/session", body=json.dumps(
        {"user": "admin", "password": m.group(2)}),
        headers={"Content-Type": "application/json"})
    r = c.getresponse()
    doc = json.loads(r.read())
    c.close()
    assert r.status == 200 and doc["user"] == "admin", doc
    assert r.getheader("Set-Cookie").startswith("__Host-postern=")


def test_demo_certificate_verifies_by_name_and_address(demo):
    ca = demo.path("data", "certs", "localhost", "fullchain.pem")
    for name in ("localhost", "127.0.0.1"):
        ctx = ssl.create_default_context(cafile=ca)
        with socket.create_connection(("127.0.0.1", 2465),
                                      timeout=scaled(10)) as s:
            with ctx.wrap_socket(s, server_hostname=name) as t:
                assert t.recv(100).startswith(b"220 ")
    cert = ssl._ssl._test_decode_cert(ca)
    assert set(cert["subjectAltName"]) == {
        ("DNS", "localhost"), ("IP Address", "127.0.0.1"),
        ("IP Address", "0:0:0:0:0:0:0:1")}
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", 2465),
                                  timeout=scaled(10)) as s:
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(s, server_hostname="other.example")


def test_dns_names_the_setting_to_give():
    tmp = tempfile.mkdtemp(prefix="postern-dns-")
    os.chmod(tmp, 0o755)
    try:
        d = os.path.join(tmp, "data")
        run = lambda *a: subprocess.run([BIN, "-d", d, *a],
                                        capture_output=True, text=True,
                                        timeout=scaled(60))
        assert run("init", "--hostname", "localhost").returncode == 0
        assert run("domain", "add", "example.test", "--dkim",
                   "none").returncode == 0
        r = run("dns", "example.test")
        assert r.returncode == 0, r.stderr
        assert "IN\tMX\t10 mail.example.test." in r.stdout
        assert "'localhost'" in r.stderr
        assert "--host mail.example.test" in r.stderr
        assert "domain set example.test submission_host" in r.stderr
        r = run("dns", "example.test", "--host", "mx1.example.net")
        assert r.returncode == 0 and r.stderr == ""
        assert "IN\tMX\t10 mx1.example.net." in r.stdout
        r = run("dns", "example.test", "--host", "localhost")
        assert r.returncode == 2
        assert "not a fully qualified host name" in r.stderr
        for args, why in ((["--host"], "--host needs a value"),
                          (["--addr", "nope"], "not an IPv4 or IPv6"),
                          (["--frob"], "unknown option '--frob'")):
            r = run("dns", "example.test", *args)
            assert r.returncode == 2 and why in r.stderr, r.stderr
        r = run("domain", "set", "example.test", "submission_host",
                "smtp.example.test")
        assert r.returncode == 0, r.stderr
        r = run("dns", "example.test")
        assert r.returncode == 0 and r.stderr == ""
        assert "IN\tMX\t10 smtp.example.test." in r.stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_readme_lists_every_subcommand():
    usage = subprocess.run([BIN], capture_output=True, text=True,
                           timeout=scaled(10))
    names = re.findall(r"^  ([a-z]+)\b", usage.stdout + usage.stderr, re.M)
    assert len(names) >= 12, usage
    block = readme().split("## Using it")[1].split("```")[1]
    for name in names:
        assert re.search(r"^postern (\[-d DIR\] )?%s\b" % name, block,
                         re.M), "README's command list lacks " + name
