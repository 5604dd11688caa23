"""`make install`, the manual pages and the systemd unit (docs/INSTALL.md).

The manual pages are generated from the tables the code uses (the config
key table, the command table), so these tests check what a generator can
get wrong: the roff must render without a warning, postern.conf(5) must
list exactly the keys docs/CONFIG.md lists (config_man_test checks it
against the table itself), postern(8) every command of the usage text.
The unit is checked by systemd-analyze, and its capability bounding set
by running `serve` inside it.
"""
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, Server, finish, free_port,
                      scaled)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.dirname(os.path.abspath(BIN))


def make_install(*args):
    # -o: install the binaries under test as they are, never rebuild them
    # (a rebuild here would use the plain flags, not the sanitizer's)
    r = subprocess.run(["make", "-s", "-C", ROOT, "BUILD=" + BUILD,
                        "-o", os.path.join(BUILD, "postern"),
                        "-o", os.path.join(BUILD, "postern-checkpassword"),
                        "install", *args], capture_output=True, text=True,
                       timeout=scaled(300))
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def installed():
    tmp = tempfile.mkdtemp(prefix="postern-install-")
    make_install("DESTDIR=" + tmp, "PREFIX=/usr")
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def test_layout(installed):
    files = sorted(os.path.relpath(os.path.join(d, f), installed)
                   for d, _, fs in os.walk(installed) for f in fs)
    assert files == [
        "usr/bin/postern",
        "usr/bin/postern-checkpassword",
        "usr/lib/systemd/system/postern.service",
        "usr/share/man/man5/postern.conf.5",
        "usr/share/man/man8/postern.8",
    ]
    for b in ("postern", "postern-checkpassword"):
        assert os.access(os.path.join(installed, "usr/bin", b), os.X_OK)
    unit = open(os.path.join(installed,
                             "usr/lib/systemd/system/postern.service")).read()
    for line in ("Type=notify",
                 "ExecStart=/usr/bin/postern -d /var/lib/postern serve",
                 "ExecReload=/bin/kill -HUP $MAINPID",
                 "Restart=on-failure", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/postern", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "KillMode=mixed"):
        assert "\n" + line + "\n" in unit, line
    caps = re.search(r"^CapabilityBoundingSet=(.*)$", unit, re.M).group(1)
    assert "CAP_NET_BIND_SERVICE" in caps.split()


def test_installed_binary_runs_init(installed):
    """`postern init` works from the installed layout."""
    b = os.path.join(installed, "usr/bin/postern")
    tmp = tempfile.mkdtemp(prefix="postern-init-")
    os.chmod(tmp, 0o755)    # the server's user must reach DIR
    d = os.path.join(tmp, "data")
    try:
        r = subprocess.run([b, "-d", d, "init", "--hostname", HOST],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert os.path.exists(os.path.join(d, "certs", HOST,
                                           "fullchain.pem"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_systemd_analyze_verify(tmp_path):
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is not installed (Debian package "
                    "systemd, in scripts/deps.sh)")
    # installed for real (no DESTDIR) under tmp: verify checks that
    # ExecStart's binary exists and that the man: pages resolve
    prefix = str(tmp_path / "usr")
    make_install("PREFIX=" + prefix)
    unit = os.path.join(prefix, "lib/systemd/system/postern.service")
    r = subprocess.run([exe, "verify", unit], capture_output=True,
                       text=True, env=dict(os.environ, MANPATH=os.path.join(
                           prefix, "share/man")))
    assert r.returncode == 0 and r.stderr == "", r.stderr


@pytest.mark.parametrize("page", ["postern.conf.5", "postern.8"])
def test_pages_render_without_warnings(installed, page):
    sec = page[-1]
    path = os.path.join(installed, "usr/share/man/man" + sec, page)
    r = subprocess.run(["groff", "-mandoc", "-ww", "-z", path],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["man", "--warnings", "-l", path],
                       capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80"))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert len(r.stdout.splitlines()) > 40


def config_md_keys():
    with open(os.path.join(ROOT, "docs", "CONFIG.md")) as f:
        return re.findall(r"^\| `([a-z_0-9]+)` \|", f.read(), re.M)


def man_keys(installed):
    with open(os.path.join(installed,
                           "usr/share/man/man5/postern.conf.5")) as f:
        return re.findall(r"^\.TP\n\.B ([a-z_0-9]+)\n", f.read(), re.M)


def test_config_md_lists_the_keys_of_the_table(installed):
    """docs/CONFIG.md is written by hand: it must name exactly the keys
    of the table (through postern.conf(5), which is the table)."""
    md, man = config_md_keys(), man_keys(installed)
    assert len(man) == len(set(man)) and len(man) > 50
    assert sorted(md) == sorted(man), (
        "only in CONFIG.md: %s; only in the table: %s" % (
            sorted(set(md) - set(man)), sorted(set(man) - set(md))))


def test_config_md_names_the_keys_a_reload_applies(installed):
    with open(os.path.join(ROOT, "docs", "CONFIG.md")) as f:
        md = f.read()
    para = md[md.index("* **postern.conf** is read again."):]
    para = para[:para.index("Every other key")]
    with open(os.path.join(installed,
                           "usr/share/man/man5/postern.conf.5")) as f:
        page = f.read()
    flagged = re.findall(r"^\.TP\n\.B ([a-z_0-9]+)\n[^\n]*\n"
                         r"\.br\nDefault: [^\n]*\n"
                         r"\.br\nA reload \(SIGHUP\) applies it\.$",
                         page, re.M)
    assert len(flagged) >= 8
    assert sorted(re.findall(r"`([a-z_0-9]+)`", para)) == sorted(flagged)
    section = page[page.index(".SH RELOAD"):page.index(".SH FILES")]
    assert sorted(re.findall(r"^\.BR ([a-z_0-9]+) ", section, re.M)) == \
        sorted(flagged)


def test_every_key_is_accepted(installed, tmp_path):
    """Each key of postern.conf(5) is one the parser knows."""
    conf = tmp_path / "postern.conf"
    for key in man_keys(installed):
        conf.write_text("%s = \n" % key)
        r = subprocess.run([BIN, "-d", str(tmp_path), "serve"],
                           capture_output=True, text=True, timeout=30)
        assert "unknown key" not in r.stderr, (key, r.stderr)


def test_postern8_lists_every_command(installed):
    r = subprocess.run([BIN], capture_output=True, text=True)
    cmds = re.findall(r"^  ([a-z]+)", r.stderr, re.M)
    assert "serve" in cmds and "manpage" not in cmds
    page = open(os.path.join(installed,
                             "usr/share/man/man8/postern.8")).read()
    for c in cmds:
        assert re.search(r"^\.B %s\b" % c, page, re.M), c
    for section in ("SYNOPSIS", "DESCRIPTION", "COMMANDS", "SIGNALS",
                    "FILES", "EXIT STATUS", "SEE ALSO"):
        assert "\n.SH %s\n" % section in page, section


def unit_caps():
    with open(os.path.join(ROOT, "dist", "postern.service.in")) as f:
        caps = re.search(r"^CapabilityBoundingSet=(.*)$", f.read(),
                         re.M).group(1).split()
    return [c[len("CAP_"):].lower() for c in caps]


def low_port_free(port):
    import socket
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def test_serve_within_the_units_capabilities():
    """serve as root with only the unit's bounding set and no new
    privileges: the children drop, smtp chroots, a message is taken,
    IMAP (Dovecot, when installed) logs in, and it stops cleanly."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv (util-linux)")
    conf = {}
    dovecot = os.path.exists("/usr/sbin/dovecot")
    if dovecot:
        conf["imaps_listen"] = "127.0.0.1:%d" % free_port()
        conf["imap"] = "dovecot"
    srv = Server(conf)
    if low_port_free(25):       # in make test's own network namespace
        srv.ports["mx"] = 25
        srv.settings["mx"] = "127.0.0.1:25"
        srv.write_conf()
    srv.logf = open(srv.logpath, "ab")
    srv.log_start = 0
    srv.proc = subprocess.Popen(
        ["setpriv", "--bounding-set",
         "-all," + ",".join("+" + c for c in unit_caps()),
         "--inh-caps", "-all", "--no-new-privs",
         BIN, "-d", srv.dir, "serve"],
        stdout=srv.logf, stderr=srv.logf, stdin=subprocess.DEVNULL,
        start_new_session=True)
    try:
        srv.wait_ready()
        with smtplib.SMTP_SSL("127.0.0.1", srv.ports["smtps"],
                              context=srv.client_context(False),
                              timeout=scaled(10)) as s:
            s.login(USER, PASSWORD)
            s.sendmail(USER, [USER], "Subject: caps\r\n\r\nbody\r\n")
        if dovecot:
            srv.wait_log("imap: ", timeout=10)
            port = int(conf["imaps_listen"].rsplit(":", 1)[1])
            end = time.time() + scaled(10)
            while True:
                try:
                    m = imaplib.IMAP4_SSL(
                        "127.0.0.1", port,
                        ssl_context=srv.client_context(False))
                    break
                except OSError:
                    assert time.time() < end, srv.log()
                    time.sleep(0.1)
            m.login(USER, PASSWORD)
            m.logout()
        if srv.ports["mx"] == 25:
            with smtplib.SMTP("127.0.0.1", 25, timeout=scaled(10)) as s:
                assert s.noop()[0] == 250
    finally:
        finish(srv)
