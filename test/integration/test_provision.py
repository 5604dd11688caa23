"""Bulk provisioning, the CSV that sending platforms import, DNS records,
and importing a Dovecot passwd-file -- each checked by logging in over a
real socket with what the files say."""
import csv
import json
import os
import random
import stat
import time

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian's Python 3.11 still has it; fine for test data

from conftest import TIME_SCALE, HOST, USER, run

UNAMBIGUOUS = set("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789")


def pctl(server, *args, input=None, check=True):
    return run("-d", server.dir, *args, input=input, check=check)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_provision_1000_then_log_in_with_50_sampled(server):
    # 1,000 in the plain pass; the sanitizer pass checks the same code
    # paths with 250 (argon2id for 1,000 takes a minute there)
    n = 1000 if TIME_SCALE == 1 else 250
    path = os.path.join(server.tmp, "accounts.csv")
    t0 = time.time()
    r = pctl(server, "provision", "example.test", "--count", str(n),
             "--csv", path)
    elapsed = time.time() - t0
    print("provisioned %d mailboxes in %.1f s" % (n, elapsed))
    assert "%d mailbox(es) created" % n in r.stdout
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    rows = read_csv(path)
    assert len(rows) == n
    assert list(rows[0].keys()) == ["email", "smtp_host", "smtp_port",
                                    "security", "username", "password"]
    assert rows[0]["email"] == ("sender0001@example.test" if n == 1000
                                else "sender001@example.test")
    emails = {row["email"] for row in rows}
    assert len(emails) == n
    for row in rows:
        assert row["smtp_host"] == HOST
        assert row["smtp_port"] == "587"
        assert row["security"] == "STARTTLS"
        assert row["username"] == row["email"]
        assert len(row["password"]) == 20
        assert set(row["password"]) <= UNAMBIGUOUS
    assert len({row["password"] for row in rows}) == n
    for row in random.Random(7).sample(rows, 50):
        assert server.auth_ok(row["username"], row["password"]), row["email"]
    lst = json.loads(pctl(server, "mailbox", "list", "example.test",
                          "--json").stdout)
    assert len(lst) == n + 1


def test_rerun_is_refused_unless_rotate(server):
    path = os.path.join(server.tmp, "a.csv")
    pctl(server, "provision", "example.test", "--count", "3", "--csv", path)
    first = read_csv(path)
    r = pctl(server, "provision", "example.test", "--count", "3", "--csv",
             path, check=False)
    assert r.returncode == 1 and "--rotate" in r.stderr
    assert read_csv(path) == first  # untouched
    pctl(server, "provision", "example.test", "--count", "3", "--csv", path,
         "--rotate")
    second = read_csv(path)
    assert [r["email"] for r in second] == [r["email"] for r in first]
    for old, new in zip(first, second):
        assert old["password"] != new["password"]
        assert not server.auth_ok(old["email"], old["password"])
        assert server.auth_ok(new["email"], new["password"])


def test_names_file_and_platform_formats(server):
    names = os.path.join(server.tmp, "names.txt")
    with open(names, "w", encoding="utf-8") as f:
        f.write("# sales team\nJosé Núñez\nmary.o'neil\n\nAnn Lee\n")
    path = os.path.join(server.tmp, "instantly.csv")
    pctl(server, "provision", "example.test", "--names", names, "--csv",
         path, "--format", "instantly", "--daily-limit", "40")
    rows = read_csv(path)
    assert [r["Email"] for r in rows] == [
        "jose.nunez@example.test", "mary.o'neil@example.test",
        "ann.lee@example.test"]
    assert rows[0]["First Name"] == "José" and rows[0]["Last Name"] == "Núñez"
    assert rows[0]["SMTP Host"] == HOST and rows[0]["SMTP Port"] == "587"
    assert rows[0]["SMTP Username"] == "jose.nunez@example.test"
    assert rows[0]["Daily Limit"] == "40"
    for r in rows:
        assert server.auth_ok(r["SMTP Username"], r["SMTP Password"])
    js = json.loads(pctl(server, "mailbox", "show", "ann.lee@example.test",
                         "--json").stdout)
    assert js["daily_limit"] == 40
    sl = os.path.join(server.tmp, "smartlead.csv")
    pctl(server, "provision", "example.test", "--count", "2", "--prefix",
         "sl", "--csv", sl, "--format", "smartlead")
    rows = read_csv(sl)
    assert rows[0]["from_email"] == "sl01@example.test"
    assert rows[0]["user_name"] == "sl01@example.test"
    assert rows[0]["smtp_host"] == HOST and rows[0]["smtp_port"] == "587"
    assert server.auth_ok(rows[1]["user_name"], rows[1]["password"])


def test_provision_errors_change_nothing(server):
    path = os.path.join(server.tmp, "x.csv")
    r = pctl(server, "provision", "nowhere.test", "--count", "2", "--csv",
             path, check=False)
    assert r.returncode == 1 and "nowhere.test" in r.stderr
    r = pctl(server, "provision", "example.test", "--count", "2", "--csv",
             path, "--format", "excel", check=False)
    assert r.returncode == 2 and "unknown format" in r.stderr
    r = pctl(server, "provision", "example.test", "--csv", path,
             check=False)
    assert r.returncode == 2
    assert not os.path.exists(path)
    lst = json.loads(pctl(server, "mailbox", "list", "--json").stdout)
    assert [m["address"] for m in lst] == [USER]


def test_submission_host_per_domain_goes_into_the_csv(server):
    pctl(server, "domain", "set", "example.test", "submission_host",
         "smtp.example.test")
    path = os.path.join(server.tmp, "h.csv")
    pctl(server, "provision", "example.test", "--count", "1", "--csv", path)
    assert read_csv(path)[0]["smtp_host"] == "smtp.example.test"


def test_dns_records(server):
    out = pctl(server, "dns", "example.test", "--addr", "192.0.2.10",
               "--addr", "2001:db8::10").stdout
    assert "example.test." in out and "MX" in out and HOST + "." in out
    assert "v=spf1" in out and "ip4:192.0.2.10" in out
    assert "_dmarc.example.test." in out and "p=none" in out
    assert "192.0.2.10" in out and "AAAA" in out
    js = json.loads(pctl(server, "dns", "example.test", "--json").stdout)
    types = {r["type"] for r in js}
    assert {"MX", "TXT"} <= types
    mx = [r for r in js if r["type"] == "MX"][0]
    assert mx["name"] == "example.test" and mx["priority"] == 10
    r = pctl(server, "dns", "nowhere.test", check=False)
    assert r.returncode == 1 and "nowhere.test" in r.stderr


def test_import_dovecot_passwd_file(server):
    entries = {
        "yes@example.test": ("pw-yescrypt", crypt.crypt(
            "pw-yescrypt", "$y$j9T$" + "abcdefghijklmnopqrstuv"[:16])),
        "bf@example.test": ("pw-bcrypt", "{BLF-CRYPT}" + crypt.crypt(
            "pw-bcrypt", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))),
        "sha": ("pw-sha512", "{SHA512-CRYPT}" + crypt.crypt(
            "pw-sha512", crypt.mksalt(crypt.METHOD_SHA512))),
    }
    path = os.path.join(server.tmp, "passwd")
    with open(path, "w") as f:
        f.write("# exported from dovecot\n")
        for user, (_, h) in entries.items():
            f.write("%s:%s:1000:1000::/home/x::\n" % (user, h))
    r = pctl(server, "mailbox", "import", path, "example.test")
    assert "imported 3 mailbox(es)" in r.stdout
    assert server.auth_ok("yes@example.test", "pw-yescrypt")
    assert server.auth_ok("bf@example.test", "pw-bcrypt")
    assert server.auth_ok("sha@example.test", "pw-sha512")
    assert not server.auth_ok("sha@example.test", "pw-sha51")
    out = pctl(server, "mailbox", "show", "bf@example.test").stdout
    assert "bcrypt" in out
    bad = os.path.join(server.tmp, "bad")
    with open(bad, "w") as f:
        f.write("ok@example.test:{SHA512-CRYPT}%s\n"
                "weak@example.test:{PLAIN}secret\n" % entries["sha"][1][14:])
    r = pctl(server, "mailbox", "import", bad, check=False)
    assert r.returncode == 1 and ":2:" in r.stderr
    assert "unsupported password scheme" in r.stderr
    lst = json.loads(pctl(server, "mailbox", "list", "--json").stdout)
    assert "ok@example.test" not in [m["address"] for m in lst]
