"""Provisioning with IMAP on: the CSV a platform imports logs in over
SMTP and IMAP with exactly the values each row gives, over the port and
TLS mode the row names, verifying the certificate for the row's host --
the check Instantly and Smartlead run when a mailbox is connected.  Also
the RFC 6186 SRV records `postern dns` adds and the connection settings
`mailbox show` prints, with IMAP on and off.

The rows point at this test server's random ports through two
provisioning keys: submission_port (the SMTP port the CSV gives) and
imap_port (the IMAP port, implicit TLS).  imap_host is the name the
server's certificate carries, as in production.
"""
import csv
import imaplib
import json
import os
import smtplib
import socket

import pytest

from conftest import HOST, USER, Server, free_port, run, scaled
from test_imap import DOVECOT, IMAPS, wait_imap

needs_dovecot = pytest.mark.skipif(not os.access(DOVECOT, os.X_OK),
                                   reason="Dovecot is not installed")

# What a platform reads the TLS mode from: a security column where the
# format has one (generic), else the port, as Smartlead's help centre
# maps them (465 and 993 SSL, 587 and 143 STARTTLS).
IMPLICIT = {"SSL", "SSL/TLS"}
IMAP_CELLS = {
    "generic": ("imap_host", "imap_port", "imap_security", "imap_username",
                "imap_password"),
    "instantly": ("IMAP Host", "IMAP Port", "IMAP Username",
                  "IMAP Password"),
    "smartlead": ("imap_host", "imap_port", "imap_user_name",
                  "imap_password"),
}


def row_values(fmt, row):
    """(email, smtp host, port, security, user, password,
    imap host, port, security, user, password) of one row."""
    if fmt == "instantly":
        return (row["Email"], row["SMTP Host"], row["SMTP Port"], None,
                row["SMTP Username"], row["SMTP Password"],
                row["IMAP Host"], row["IMAP Port"], None,
                row["IMAP Username"], row["IMAP Password"])
    if fmt == "smartlead":
        return (row["from_email"], row["smtp_host"], row["smtp_port"], None,
                row["user_name"], row["password"], row["imap_host"],
                row["imap_port"], None, row["imap_user_name"],
                row["imap_password"])
    return (row["email"], row["smtp_host"], row["smtp_port"],
            row["security"], row["username"], row["password"],
            row["imap_host"], row["imap_port"], row["imap_security"],
            row["imap_username"], row["imap_password"])


def implicit_tls(security, port, implicit_port):
    if security is not None:
        return security in IMPLICIT
    return int(port) == implicit_port


class SMTPTo(smtplib.SMTP):
    """smtplib to 127.0.0.1 as if to `host`: STARTTLS then sends that
    name (SNI) and checks the certificate against it."""

    def _get_socket(self, host, port, timeout):
        return socket.create_connection(("127.0.0.1", port), timeout)


class SMTPSTo(smtplib.SMTP_SSL):
    """The same over implicit TLS."""

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection(("127.0.0.1", port), timeout)
        return self.context.wrap_socket(sock, server_hostname=host)


def smtp_login(srv, host, port, implicit, user, password):
    ctx = srv.client_context()
    if implicit:
        s = SMTPSTo(host, int(port), local_hostname="client.example",
                    timeout=scaled(20), context=ctx)
    else:
        s = SMTPTo(host, int(port), local_hostname="client.example",
                   timeout=scaled(20))
        s.starttls(context=ctx)
    try:
        code, _ = s.login(user, password)
        assert code == 235
    finally:
        s.quit()


def imap_login(srv, host, port, implicit, user, password):
    # every format promises implicit TLS; a STARTTLS row would be a bug
    assert implicit, (host, port)
    m = IMAPS(int(port), srv.client_context(), name=host)
    try:
        assert m.login(user, password)[0] == "OK"
        assert m.select("INBOX")[0] == "OK"
    finally:
        m.logout()


def server_with_imap(settings=None):
    """A data directory whose postern.conf turns IMAP on, with the
    provisioning keys pointing at this server's ports (not started)."""
    while True:
        ports = {"imap": free_port(), "imaps": free_port()}
        conf = {"imap": "dovecot",
                "imap_listen": "127.0.0.1:%d" % ports["imap"],
                "imaps_listen": "127.0.0.1:%d" % ports["imaps"],
                "imap_host": HOST, "imap_port": ports["imaps"]}
        conf.update(settings or {})
        srv = Server(conf)
        srv.ports.update(ports)
        if len(set(srv.ports.values())) == len(srv.ports):
            break
        srv.cleanup()
    srv.settings.setdefault("submission_port", str(srv.ports["submission"]))
    srv.write_conf()
    return srv


@pytest.fixture
def imap_on():
    srv = server_with_imap()
    srv.start()
    wait_imap(srv)
    yield srv
    try:
        assert srv.stop() == 0, srv.log()
    finally:
        srv.cleanup()


@pytest.fixture
def unstarted_dir():
    made = []

    def make(settings=None, imap=True):
        srv = server_with_imap(settings) if imap else Server(settings or {})
        made.append(srv)
        return srv
    yield make
    for srv in made:
        srv.cleanup()


def provision(srv, fmt, prefix, count=3):
    path = os.path.join(srv.tmp, "%s.csv" % fmt)
    r = run("-d", srv.dir, "provision", "example.test", "--count",
            str(count), "--prefix", prefix, "--format", fmt, "--csv", path)
    assert "%d mailbox(es) created" % count in r.stdout, r.stdout
    assert r.stderr == "", r.stderr       # no listener missing
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@needs_dovecot
@pytest.mark.parametrize("fmt", ["instantly", "smartlead", "generic"])
def test_every_row_logs_in_over_smtp_and_imap(imap_on, fmt):
    srv = imap_on
    rows = provision(srv, fmt, fmt[:2])
    assert len(rows) == 3
    for row in rows:
        for cell in IMAP_CELLS[fmt]:
            assert row[cell] != "", (fmt, cell, row)
        (email, shost, sport, ssec, suser, spw,
         ihost, iport, isec, iuser, ipw) = row_values(fmt, row)
        # what the row says: the certificate's name, the full address,
        # one password, the ports this server serves in those modes
        assert shost == ihost == HOST
        assert suser == iuser == email and spw == ipw
        assert sport == str(srv.ports["submission"])
        assert iport == str(srv.ports["imaps"])
        if fmt == "generic":
            assert (ssec, isec) == ("STARTTLS", "SSL/TLS")
        smtp_login(srv, shost, sport,
                   implicit_tls(ssec, sport, srv.ports["smtps"]),
                   suser, spw)
        imap_login(srv, ihost, iport,
                   implicit_tls(isec, iport, srv.ports["imaps"]),
                   iuser, ipw)


@needs_dovecot
def test_a_wrong_row_value_fails_to_log_in(imap_on):
    """The logins above prove something: the same row with one value
    changed is refused (and the certificate is checked for the name)."""
    srv = imap_on
    row = provision(srv, "instantly", "neg", count=1)[0]
    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp_login(srv, HOST, row["SMTP Port"], False, row["SMTP Username"],
                   row["SMTP Password"] + "x")
    with pytest.raises(imaplib.IMAP4.error):
        imap_login(srv, HOST, row["IMAP Port"], True, row["IMAP Username"],
                   row["IMAP Password"] + "x")
    with pytest.raises(OSError):       # ssl.SSLCertVerificationError
        imap_login(srv, "other.example.test", row["IMAP Port"], True,
                   row["IMAP Username"], row["IMAP Password"])


def srv_lines(srv):
    return {"submission": "_submission._tcp.example.test.\t3600\tIN\tSRV\t"
            "0 1 %d %s.\n" % (srv.ports["submission"], HOST),
            "imaps": "_imaps._tcp.example.test.\t3600\tIN\tSRV\t"
            "0 1 %d %s.\n" % (srv.ports["imaps"], HOST),
            "imap": "_imap._tcp.example.test.\t3600\tIN\tSRV\t"
            "10 1 %d %s.\n" % (srv.ports["imap"], HOST)}


def test_dns_adds_rfc6186_srv_records(unstarted_dir):
    srv = unstarted_dir()
    zone = run("-d", srv.dir, "dns", "example.test").stdout
    for line in srv_lines(srv).values():
        assert "\n" + line in zone, zone
    assert "; SRV (RFC 6186)" in zone
    js = json.loads(run("-d", srv.dir, "dns", "example.test",
                        "--json").stdout)
    srvs = {r["name"]: r for r in js if r["type"] == "SRV"}
    assert srvs == {
        "_submission._tcp.example.test": {
            "type": "SRV", "name": "_submission._tcp.example.test",
            "value": HOST, "ttl": 3600, "priority": 0, "weight": 1,
            "port": srv.ports["submission"]},
        "_imaps._tcp.example.test": {
            "type": "SRV", "name": "_imaps._tcp.example.test",
            "value": HOST, "ttl": 3600, "priority": 0, "weight": 1,
            "port": srv.ports["imaps"]},
        "_imap._tcp.example.test": {
            "type": "SRV", "name": "_imap._tcp.example.test",
            "value": HOST, "ttl": 3600, "priority": 10, "weight": 1,
            "port": srv.ports["imap"]},
    }


def test_dns_without_starttls_imap_says_not_offered(unstarted_dir):
    srv = unstarted_dir({"imap_listen": "", "imap_host": "",
                         "imap_port": "993", "submission_port": "587"})
    zone = run("-d", srv.dir, "dns", "example.test").stdout
    assert ("\n_submission._tcp.example.test.\t3600\tIN\tSRV\t0 1 587 %s.\n"
            % HOST) in zone
    assert ("\n_imaps._tcp.example.test.\t3600\tIN\tSRV\t0 1 993 %s.\n"
            % HOST) in zone
    assert "\n_imap._tcp.example.test.\t3600\tIN\tSRV\t0 0 0 .\n" in zone
    js = json.loads(run("-d", srv.dir, "dns", "example.test",
                        "--json").stdout)
    imap = [r for r in js if r["name"] == "_imap._tcp.example.test"]
    assert imap == [{"type": "SRV", "name": "_imap._tcp.example.test",
                     "value": ".", "ttl": 3600, "priority": 0,
                     "weight": 0, "port": 0}]


def test_mailbox_show_gives_smtp_and_imap_settings(unstarted_dir):
    srv = unstarted_dir()
    out = run("-d", srv.dir, "mailbox", "show", USER).stdout
    assert ("smtp:           %s port %d, STARTTLS, username %s\n"
            % (HOST, srv.ports["submission"], USER)) in out
    assert ("imap:           %s port %d, implicit TLS (SSL/TLS), "
            "username %s\n" % (HOST, srv.ports["imaps"], USER)) in out
    js = json.loads(run("-d", srv.dir, "mailbox", "show", USER,
                        "--json").stdout)
    assert js["smtp"] == {"host": HOST, "port": srv.ports["submission"],
                          "security": "STARTTLS", "username": USER}
    assert js["imap"] == {"host": HOST, "port": srv.ports["imaps"],
                          "security": "SSL/TLS", "username": USER,
                          "postern_accounts": True}


def test_imap_off_keeps_todays_files(unstarted_dir):
    srv = unstarted_dir({"imap": "none"}, imap=False)
    zone = run("-d", srv.dir, "dns", "example.test").stdout
    assert "SRV" not in zone
    rows = provision(srv, "instantly", "off", count=2)
    for row in rows:
        for cell in IMAP_CELLS["instantly"]:
            assert row[cell] == "", (cell, row)
        assert row["SMTP Port"] == "587" and row["SMTP Host"] == HOST
    rows = provision(srv, "generic", "gen", count=1)
    assert list(rows[0].keys()) == ["email", "smtp_host", "smtp_port",
                                    "security", "username", "password"]
    out = run("-d", srv.dir, "mailbox", "show", USER).stdout
    assert "imap:           not offered" in out
    assert ("smtp:           %s port 587, STARTTLS, username %s\n"
            % (HOST, USER)) in out
    js = json.loads(run("-d", srv.dir, "mailbox", "show", USER,
                        "--json").stdout)
    assert js["imap"] is None and js["smtp"]["port"] == 587
