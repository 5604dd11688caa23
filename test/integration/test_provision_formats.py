"""The lemlist, Reply.io and Woodpecker CSVs, the warm-up options and the
names derived from the local part (issue 21, item 2): exact header rows
and cells read back with the csv module, each password tried over a real
socket, and `check --csv` reading a file of a new format by its header."""
import csv
import json
import os
import subprocess

import pytest

from conftest import BIN, HOST, run

IMAP_HOST = "imap.example.test"

HEADERS = {
    "lemlist": ["email", "firstName", "lastName", "smtpUsername",
                "smtpPassword", "smtpHost", "smtpPort", "imapUsername",
                "imapPassword", "imapHost", "imapPort"],
    "reply": ["Email", "First Name", "Last Name", "SMTP Host", "SMTP Port",
              "SMTP Login", "SMTP Password", "IMAP Host", "IMAP Port",
              "IMAP Login", "IMAP Password"],
    # Woodpecker's article writes "SMPT from name"; we write the real word
    "woodpecker": ["SMTP email", "SMTP login", "SMTP password",
                   "SMTP server", "SMTP port", "SMTP from name",
                   "IMAP email", "IMAP password", "IMAP server",
                   "IMAP port"],
}
PASSWORD_COLUMN = {"lemlist": "smtpPassword", "reply": "SMTP Password",
                   "woodpecker": "SMTP password"}


def pctl(server, *args, check=True):
    return run("-d", server.dir, *args, check=check)


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def expected(fmt, email, password, first):
    """The row a format gives for one account (IMAP on imap_host, 993)."""
    if fmt == "lemlist":
        return {"email": email, "firstName": first, "lastName": "",
                "smtpUsername": email, "smtpPassword": password,
                "smtpHost": HOST, "smtpPort": "587",
                "imapUsername": email, "imapPassword": password,
                "imapHost": IMAP_HOST, "imapPort": "993"}
    if fmt == "reply":
        return {"Email": email, "First Name": first, "Last Name": "",
                "SMTP Host": HOST, "SMTP Port": "587", "SMTP Login": email,
                "SMTP Password": password, "IMAP Host": IMAP_HOST,
                "IMAP Port": "993", "IMAP Login": email,
                "IMAP Password": password}
    return {"SMTP email": email, "SMTP login": email,
            "SMTP password": password, "SMTP server": HOST,
            "SMTP port": "587", "SMTP from name": first,
            "IMAP email": email, "IMAP password": password,
            "IMAP server": IMAP_HOST, "IMAP port": "993"}


@pytest.mark.conf(imap_host=IMAP_HOST)
@pytest.mark.parametrize("fmt", ["lemlist", "reply", "woodpecker"])
def test_new_formats(server, fmt):
    path = os.path.join(server.tmp, fmt + ".csv")
    prefix = fmt[:2]
    r = pctl(server, "provision", "example.test", "--count", "2",
             "--prefix", prefix, "--format", fmt, "--csv", path)
    assert "(%s format, mode 0600)" % fmt in r.stdout
    header, rows = read(path)
    assert header == HEADERS[fmt]
    assert len(rows) == 2
    for i, row in enumerate(rows):
        email = "%s%02d@example.test" % (prefix, i + 1)
        password = row[PASSWORD_COLUMN[fmt]]
        assert len(password) == 20
        # --count gives no names: the first name comes from the local part
        first = "%s%02d" % (prefix.capitalize(), i + 1)
        assert row == expected(fmt, email, password, first)
        assert server.auth_ok(email, password), row


def test_instantly_warmup_and_names(server):
    path = os.path.join(server.tmp, "instantly.csv")
    pctl(server, "provision", "example.test", "--count", "2", "--format",
         "instantly", "--warmup", "--warmup-limit", "20",
         "--warmup-increment", "2", "--daily-limit", "40", "--csv", path)
    header, rows = read(path)
    assert header == [
        "Email", "First Name", "Last Name", "IMAP Username",
        "IMAP Password", "IMAP Host", "IMAP Port", "SMTP Username",
        "SMTP Password", "SMTP Host", "SMTP Port", "Daily Limit",
        "Warmup Enabled", "Warmup Limit", "Warmup Increment"]
    for i, row in enumerate(rows):
        email = "sender%02d@example.test" % (i + 1)
        assert row["Email"] == row["SMTP Username"] == email
        assert row["First Name"] == "Sender%02d" % (i + 1)
        assert row["Last Name"] == ""
        assert row["SMTP Host"] == HOST and row["SMTP Port"] == "587"
        # IMAP is off on this server: its cells stay empty
        assert [row[k] for k in header[3:7]] == ["", "", "", ""]
        assert row["Daily Limit"] == "40"
        assert row["Warmup Enabled"] == "TRUE"
        assert row["Warmup Limit"] == "20"
        assert row["Warmup Increment"] == "2"
        assert server.auth_ok(email, row["SMTP Password"])
    js = json.loads(pctl(server, "mailbox", "show", "sender01@example.test",
                         "--json").stdout)
    assert js["daily_limit"] == 40


def test_smartlead_no_warmup_and_names_file(server):
    names = os.path.join(server.tmp, "names.txt")
    with open(names, "w", encoding="utf-8") as f:
        f.write("Ann Lee\njohn.smith\n")
    path = os.path.join(server.tmp, "smartlead.csv")
    pctl(server, "provision", "example.test", "--names", names, "--format",
         "smartlead", "--no-warmup", "--warmup-limit", "30", "--csv", path)
    _, rows = read(path)
    assert [r["from_name"] for r in rows] == ["Ann Lee", "John Smith"]
    assert [r["warmup_enabled"] for r in rows] == ["FALSE", "FALSE"]
    assert [r["total_warmup_per_day"] for r in rows] == ["30", "30"]
    assert [r["daily_rampup"] for r in rows] == ["", ""]


@pytest.mark.parametrize("extra,why", [
    (["--warmup-increment", "2"], "--warmup-increment needs --warmup"),
    (["--no-warmup", "--warmup-increment", "2"],
     "--warmup-increment needs --warmup"),
    (["--warmup", "--no-warmup"],
     "--no-warmup contradicts an option before it"),
    (["--warmup", "--warmup-limit", "0"],
     "--warmup-limit needs a number from 1 to 1000, not '0'"),
    (["--warmup", "--warmup-increment", "101"],
     "--warmup-increment needs a number from 0 to 100, not '101'"),
])
def test_warmup_usage_errors(server, extra, why):
    path = os.path.join(server.tmp, "x.csv")
    r = pctl(server, "provision", "example.test", "--count", "2",
             "--format", "instantly", "--csv", path, *extra, check=False)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == "postern: provision: " + why
    assert lines[1].startswith("usage: postern -d DIR provision DOMAIN")
    assert "generic|instantly|smartlead|lemlist|reply|woodpecker" in \
        r.stderr
    assert not os.path.exists(path)
    lst = json.loads(pctl(server, "mailbox", "list", "--json").stdout)
    assert "sender01@example.test" not in [m["address"] for m in lst]


def test_unknown_format_lists_every_format(server):
    path = os.path.join(server.tmp, "x.csv")
    r = pctl(server, "provision", "example.test", "--count", "1",
             "--format", "excel", "--csv", path, check=False)
    assert r.returncode == 2
    assert r.stderr.splitlines()[0] == (
        "postern: provision: unknown format 'excel' (generic, instantly, "
        "smartlead, lemlist, reply, woodpecker)")


@pytest.mark.parametrize("fmt", ["woodpecker", "lemlist"])
def test_check_csv_reads_new_formats(server, fmt):
    """check --csv finds login and password by the header alone."""
    path = os.path.join(server.tmp, fmt + ".csv")
    pctl(server, "provision", "example.test", "--count", "2", "--format",
         fmt, "--csv", path)
    p = subprocess.run([BIN, "check", "--csv", path,
                        "%s:%d" % (HOST, server.ports["submission"]),
                        "--connect-to", "127.0.0.1", "--cafile",
                        server.cafile], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "checked 2 mailbox(es): 2 ok" in p.stderr
    res = list(csv.DictReader(p.stdout.splitlines()))
    assert [r["mailbox"] for r in res] == [
        "sender01@example.test", "sender02@example.test"]
