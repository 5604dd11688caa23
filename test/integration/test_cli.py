"""The postern command line: init, domain add, mailbox add, version, and
how `serve` refuses a bad configuration or an incomplete data directory.
"""
import os
import re
import shutil
import smtplib
import socket
import stat
import subprocess
import tempfile

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, free_port, plain_token,
                      run)

SERVE_TIMEOUT = 10  # a refused start must be quick


@pytest.fixture
def tmp():
    """A directory the server's unprivileged user can traverse."""
    d = tempfile.mkdtemp(prefix="postern-cli-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def datadir(tmp):
    """A fresh `postern init` directory with the domain example.test."""
    d = os.path.join(tmp, "data")
    run("-d", d, "init", "--hostname", HOST)
    run("-d", d, "domain", "add", "example.test")
    return d


def serve(datadir):
    """Run `postern serve` expecting it to refuse to start."""
    try:
        p = subprocess.run([BIN, "-d", datadir, "serve"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=SERVE_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("serve did not exit within %ds" % SERVE_TIMEOUT)
    return p


def write_conf(datadir, lines):
    path = os.path.join(datadir, "postern.conf")
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    return path


def good_conf_lines():
    return ["# test configuration",
            "hostname = " + HOST,
            "submission = 127.0.0.1:%d" % free_port(),
            ""]


# ----------------------------------------------------------------- init

def test_init_creates_a_complete_data_directory(tmp):
    d = os.path.join(tmp, "data")
    p = run("-d", d, "init", "--hostname", HOST)
    assert p.returncode == 0
    assert "created %s for host %s" % (d, HOST) in p.stdout
    for sub in ("postern.conf", "db/postern.db",
                "certs/%s/fullchain.pem" % HOST,
                "certs/%s/privkey.pem" % HOST):
        assert os.path.isfile(os.path.join(d, sub)), sub
    assert os.path.isdir(os.path.join(d, "spool", "queue"))
    key = os.stat(os.path.join(d, "certs", HOST, "privkey.pem"))
    assert stat.S_IMODE(key.st_mode) == 0o600
    with open(os.path.join(d, "postern.conf")) as f:
        conf = f.read()
    assert re.search(r"^hostname = %s$" % re.escape(HOST), conf, re.M)
    # no temporary sibling left behind
    assert os.listdir(tmp) == ["data"]
    # the certificate is for the host name
    with open(os.path.join(d, "certs", HOST, "fullchain.pem")) as f:
        pem = f.read()
    assert "-----BEGIN CERTIFICATE-----" in pem
    if shutil.which("openssl"):
        out = subprocess.run(
            ["openssl", "x509", "-noout", "-subject", "-ext",
             "subjectAltName", "-in",
             os.path.join(d, "certs", HOST, "fullchain.pem")],
            capture_output=True, text=True, timeout=30, check=True).stdout
        assert "CN = " + HOST in out or "CN=" + HOST in out
        assert "DNS:" + HOST in out


def test_init_lowercases_the_host_name(tmp):
    d = os.path.join(tmp, "data")
    run("-d", d, "init", "--hostname", "Mail.Example.TEST")
    assert os.path.isdir(os.path.join(d, "certs", HOST))
    with open(os.path.join(d, "postern.conf")) as f:
        assert "hostname = %s\n" % HOST in f.read()


def test_init_twice_leaves_the_directory_untouched(tmp):
    d = os.path.join(tmp, "data")
    run("-d", d, "init", "--hostname", HOST)
    conf = os.path.join(d, "postern.conf")
    with open(conf, "rb") as f:
        before = f.read()
    key = os.path.join(d, "certs", HOST, "privkey.pem")
    with open(key, "rb") as f:
        key_before = f.read()
    p = run("-d", d, "init", "--hostname", "other.example.test", check=False)
    assert p.returncode == 1
    assert "already exists" in p.stderr
    with open(conf, "rb") as f:
        assert f.read() == before
    with open(key, "rb") as f:
        assert f.read() == key_before
    assert not os.path.exists(os.path.join(d, "certs", "other.example.test"))
    assert os.listdir(tmp) == ["data"]


@pytest.mark.parametrize("host", ["bad_host!", "", "-dash.example",
                                  "a..b", "x" * 64 + ".example"])
def test_init_rejects_an_invalid_host_name(tmp, host):
    d = os.path.join(tmp, "data")
    p = run("-d", d, "init", "--hostname", host, check=False)
    assert p.returncode != 0
    assert "not a valid host name" in p.stderr
    assert not os.path.exists(d)
    assert os.listdir(tmp) == []


def test_init_bad_arguments_are_usage(tmp):
    p = run("-d", os.path.join(tmp, "data"), "init", "--bogus", check=False)
    assert p.returncode == 2
    assert "usage:" in p.stderr
    assert os.listdir(tmp) == []


# --------------------------------------------------------------- domain

def test_domain_add_twice(datadir):
    p = run("-d", datadir, "domain", "add", "Other.Example", check=True)
    assert "domain other.example added" in p.stdout
    p = run("-d", datadir, "domain", "add", "other.example", check=False)
    assert p.returncode == 1
    assert "already exists" in p.stderr
    # case-insensitively the same domain
    p = run("-d", datadir, "domain", "add", "OTHER.example", check=False)
    assert p.returncode == 1
    assert "already exists" in p.stderr


@pytest.mark.parametrize("domain", ["bad..domain", "-x.example",
                                    "under_score.example", "sp ace.example",
                                    "user@example.org", ""])
def test_domain_add_invalid(datadir, domain):
    p = run("-d", datadir, "domain", "add", domain, check=False)
    assert p.returncode == 1
    assert "not a valid domain name" in p.stderr


def test_domain_usage(datadir):
    p = run("-d", datadir, "domain", "add", check=False)
    assert p.returncode == 2 and "usage:" in p.stderr
    p = run("-d", datadir, "domain", "frobnicate", "example.test",
            check=False)
    assert p.returncode == 2 and "usage:" in p.stderr


# -------------------------------------------------------------- mailbox

UNAMBIGUOUS = set("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789")


def generated_password(stdout):
    m = re.search(r"^password: (\S+)$", stdout, re.M)
    assert m, stdout
    return m.group(1)


def test_mailbox_generate_prints_an_unambiguous_password(datadir):
    seen = set()
    for i in range(3):
        p = run("-d", datadir, "mailbox", "add", "u%d@example.test" % i,
                "--generate")
        assert "mailbox u%d@example.test added" % i in p.stdout
        pw = generated_password(p.stdout)
        assert len(pw) == 20, pw
        assert set(pw) <= UNAMBIGUOUS, pw
        for c in "0O1lI'\"`":
            assert c not in pw
        seen.add(pw)
    assert len(seen) == 3
    assert p.stderr == ""


def test_mailbox_added_while_serving_can_log_in_at_once(server):
    p = run("-d", server.dir, "mailbox", "add", "New@Example.Test",
            "--generate")
    pw = generated_password(p.stdout)
    assert "mailbox new@example.test added" in p.stdout
    d = server.dialog("smtps")
    d.expect("EHLO client.example", 250)
    code, lines = d.cmd("AUTH PLAIN " + plain_token("new@example.test", pw))
    assert (code, lines) == (235, ["2.7.0 Authentication successful"])
    d.expect("QUIT", 221)
    server.wait_log("auth ok mech=PLAIN user=new@example.test")
    assert pw not in server.log()
    # and the old mailbox still works next to it
    d = server.dialog()
    assert d.login()[0] == 235


def test_mailbox_password_stdin_is_usable(server):
    run("-d", server.dir, "mailbox", "add", "second@example.test",
        "--password-stdin", input="  spaces kept  \r\n")
    d = server.dialog("smtps")
    d.expect("EHLO client.example", 250)
    d.expect("AUTH PLAIN " + plain_token("second@example.test",
                                         "  spaces kept  "), 235, "2.7.0")


def test_mailbox_add_twice(datadir):
    run("-d", datadir, "mailbox", "add", USER, "--password-stdin",
        input=PASSWORD + "\n")
    p = run("-d", datadir, "mailbox", "add", USER.upper(), "--generate",
            check=False)
    assert p.returncode == 1
    assert "already exists" in p.stderr
    assert "password:" not in p.stdout


def test_mailbox_for_an_unknown_domain(datadir):
    p = run("-d", datadir, "mailbox", "add", "someone@nowhere.example",
            "--generate", check=False)
    assert p.returncode == 1
    assert "nowhere.example" in p.stderr
    assert "not configured" in p.stderr
    assert "password:" not in p.stdout


@pytest.mark.parametrize("stdin", ["", "\n", "\r\n"])
def test_mailbox_password_stdin_empty(datadir, stdin):
    p = run("-d", datadir, "mailbox", "add", "x@example.test",
            "--password-stdin", input=stdin, check=False)
    assert p.returncode == 1
    assert "no password on stdin" in p.stderr
    # nothing was added: the same address can still be created
    run("-d", datadir, "mailbox", "add", "x@example.test", "--generate")


def test_mailbox_password_stdin_too_long(datadir):
    p = run("-d", datadir, "mailbox", "add", "x@example.test",
            "--password-stdin", input="p" * 1025 + "\n", check=False)
    assert p.returncode == 1
    assert "1024" in p.stderr


@pytest.mark.parametrize("addr", ["no-at-sign", "a@", "@example.test",
                                  "a b@example.test", "<a@example.test>",
                                  "j\u00f6rg@example.test"])
def test_mailbox_invalid_address(datadir, addr):
    p = run("-d", datadir, "mailbox", "add", addr, "--generate",
            check=False)
    assert p.returncode == 1
    assert "not a valid address" in p.stderr


def test_mailbox_usage(datadir):
    for args in (["mailbox", "add", USER],
                 ["mailbox", "add", USER, "--password"],
                 ["mailbox", "del", USER, "--generate"]):
        p = run("-d", datadir, *args, check=False)
        assert p.returncode == 2, args
        assert "usage:" in p.stderr


# ------------------------------------------------- serve refuses to start

def assert_conf_error(datadir, lines, lineno, *words):
    path = write_conf(datadir, lines)
    p = serve(datadir)
    assert p.returncode != 0, p
    assert "%s:%d:" % (path, lineno) in p.stderr, p.stderr
    for w in words:
        assert w in p.stderr, (w, p.stderr)
    assert "smtp: ready" not in p.stdout + p.stderr


def test_serve_rejects_an_out_of_range_value(datadir):
    lines = good_conf_lines() + ["max_recipients = 0"]
    assert_conf_error(datadir, lines, 5, "max_recipients", "'0'")


def test_serve_rejects_an_unknown_key(datadir):
    lines = good_conf_lines() + ["# comment", "max_recipient = 10"]
    assert_conf_error(datadir, lines, 6, "unknown key", "max_recipient")


def test_serve_rejects_a_duplicate_key(datadir):
    lines = good_conf_lines() + ["max_errors = 5", "max_errors = 6"]
    assert_conf_error(datadir, lines, 6, "duplicate key", "max_errors",
                      "line 5")


@pytest.mark.parametrize("value,why", [
    ("127.0.0.1:70000", "port"),
    ("127.0.0.1:0", "port"),
    ("127.0.0.1:smtp", "port"),
    ("127.0.0.1", "ADDRESS:PORT"),
    ("localhost:2587", "numeric"),
])
def test_serve_rejects_a_bad_listener(datadir, value, why):
    lines = ["hostname = " + HOST, "smtps = 127.0.0.1:%d" % free_port(),
             "submission = " + value]
    assert_conf_error(datadir, lines, 3, "submission", value, why)


def test_serve_rejects_one_address_for_two_listeners(datadir):
    addr = "127.0.0.1:%d" % free_port()
    lines = ["hostname = " + HOST, "submission = " + addr,
             "smtps = " + addr]
    assert_conf_error(datadir, lines, 3, "smtps", addr,
                      "also used by submission")


def test_serve_fails_when_the_port_is_taken(datadir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        write_conf(datadir, ["hostname = " + HOST,
                             "submission = 127.0.0.1:%d" % port])
        p = serve(datadir)
    out = p.stdout + p.stderr
    assert p.returncode != 0
    assert "cannot listen on 127.0.0.1:%d (submission)" % port in out
    assert "Address already in use" in out


def test_serve_rejects_a_line_without_equals(datadir):
    lines = good_conf_lines() + ["log_level debug"]
    assert_conf_error(datadir, lines, 5, "missing '='")


def test_serve_without_listeners(datadir):
    write_conf(datadir, ["hostname = " + HOST])
    p = serve(datadir)
    assert p.returncode != 0
    assert "no listener configured" in p.stdout + p.stderr


def test_serve_without_spool_queue(datadir):
    write_conf(datadir, good_conf_lines())
    os.rmdir(os.path.join(datadir, "spool", "queue"))
    p = serve(datadir)
    out = p.stdout + p.stderr
    assert p.returncode != 0
    assert "spool/queue" in out
    assert "not a complete postern data directory" in out
    assert "postern -d DIR init" in out


def test_serve_on_a_missing_directory(tmp):
    d = os.path.join(tmp, "nothing-here")
    p = serve(d)
    assert p.returncode != 0
    assert os.path.join(d, "postern.conf") in p.stderr
    assert "No such file or directory" in p.stderr


def test_serve_takes_no_arguments(datadir):
    p = subprocess.run([BIN, "-d", datadir, "serve", "now"],
                       capture_output=True, text=True, timeout=SERVE_TIMEOUT)
    assert p.returncode == 2
    assert "usage:" in p.stderr


# --------------------------------------------------------------- IPv6

def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_ipv6_listener(unstarted):
    if not ipv6_loopback():
        pytest.skip("::1 is not available")
    port = free_port(socket.AF_INET6, "::1")
    unstarted.ports["submission"] = port
    unstarted.settings["submission"] = "[::1]:%d" % port
    unstarted.write_conf()
    unstarted.start()
    with smtplib.SMTP("::1", port, timeout=10) as s:
        code, banner = s.ehlo("client.example")
        assert code == 250 and s.has_extn("starttls")
        assert not s.has_extn("auth")
        s.starttls(context=unstarted.client_context(False))
        s.ehlo("client.example")
        assert s.has_extn("auth")
        s.login(USER, PASSWORD)
        assert s.sendmail(USER, ["v6@example.org"],
                          b"Subject: v6\r\n\r\nover IPv6\r\n") == {}
    (env, content), = unstarted.queued().values()
    assert "client 3 ::1\n" in env
    assert "rcpt 14 v6@example.org\n" in env
    assert b"\r\nover IPv6\r\n" in content
    unstarted.wait_log("connect from [::1]:")
    assert unstarted.stop() == 0


# --------------------------------------------------- version and usage

def test_version():
    p = run("version")
    assert re.fullmatch(r"postern \d+\.\d+\.\d+\S*\n", p.stdout), p.stdout
    assert p.stderr == ""


def test_no_arguments_is_usage():
    p = subprocess.run([BIN], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert p.stderr.startswith("usage: postern")
    for cmd in ("init", "serve", "domain add", "mailbox add", "version"):
        assert cmd in p.stderr
    assert p.stdout == ""


def test_unknown_command_is_usage(tmp):
    p = run("-d", tmp, "frobnicate", check=False)
    assert p.returncode == 2
    lines = p.stderr.splitlines()
    assert lines[0] == "postern: unknown command 'frobnicate'"
    assert lines[1].startswith("usage: postern")
