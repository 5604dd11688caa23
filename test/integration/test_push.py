"""`postern push instantly|smartlead` (issue 21, item 1) against a loopback
HTTPS server that enforces each platform's published contract
(platforms.py): the exact fields and values sent, the key in the right
place and never printed, a 429 with Retry-After retried, an existing
account skipped, replaced or updated, 401 and 422 reported clearly, one
failed account of three giving exit status 1, a platform's failed SMTP
test explained by postern's own check, rotation, and provision --push."""
import json
import os
import subprocess

import pytest

from conftest import BIN, HOST, run, scaled
from platforms import Platforms

KEY = "sk_live_Pu5hTestKey0123456789abcdef"
IMAP_HOST = "imap.example.test"
NAMES = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
EMAILS = ["ada.lovelace@example.test", "grace.hopper@example.test",
          "alan.turing@example.test"]


@pytest.fixture
def api(tmp_path):
    p = Platforms(str(tmp_path), KEY)
    yield p
    p.close()


@pytest.fixture
def data(unstarted, tmp_path):
    """A data directory offering IMAP, whose server is not running: push
    and provision work on the directory."""
    unstarted.settings["imap_host"] = IMAP_HOST
    unstarted.write_conf()
    return unstarted


def key_file(tmp_path, key=KEY):
    path = os.path.join(str(tmp_path), "key")
    with open(path, "w") as f:
        f.write(key + "\n")      # as `echo KEY > file` writes it
    return path


def provision(srv, tmp_path, fmt, *extra):
    names = os.path.join(str(tmp_path), "names.txt")
    with open(names, "w") as f:
        f.write("\n".join(NAMES) + "\n")
    csv = os.path.join(str(tmp_path), "accounts-%s.csv" % fmt)
    run("-d", srv.dir, "provision", "example.test", "--names", names,
        "--csv", csv, "--format", fmt, *extra)
    return csv


def passwords(csv):
    import csv as csvmod
    with open(csv, newline="") as f:
        rows = list(csvmod.DictReader(f))
    col = "SMTP Password" if "SMTP Password" in rows[0] else "password"
    mail = "Email" if "Email" in rows[0] else "from_email"
    return {r[mail]: r[col] for r in rows}


def push(srv, api, tmp_path, platform, *args, key=KEY):
    r = subprocess.run([BIN, "-d", srv.dir, "push", platform, "--key-file",
                        key_file(tmp_path, key), "--base-url", api.url,
                        "--ca-file", api.cafile, *args],
                       capture_output=True, text=True,
                       timeout=scaled(120))
    assert KEY not in r.stdout + r.stderr, r.stdout + r.stderr
    return r


def line_of(out, email):
    return next(l for l in out.splitlines() if l.startswith(email))


def test_instantly_sends_exactly_the_documented_fields(data, api, tmp_path):
    csv = provision(data, tmp_path, "instantly", "--warmup",
                    "--warmup-limit", "20", "--warmup-increment", "2",
                    "--daily-limit", "40")
    pw = passwords(csv)
    api.throttle = 1                  # a 429 with Retry-After: 1 first
    r = push(data, api, tmp_path, "instantly", "--csv", csv)
    assert r.returncode == 0, r.stdout + r.stderr
    # the 429 was retried, and each account checked, then created
    assert api.requests[0].method == "GET"
    assert api.requests[1].path == api.requests[0].path
    creates = api.calls("POST", "/api/v2/accounts")
    assert len(creates) == 3
    assert len(api.calls("GET")) == 4
    for req in api.requests:
        assert req.headers["Authorization"] == "Bearer " + KEY
        assert req.headers["User-Agent"].startswith("postern")
        assert KEY not in req.path and "api_key" not in req.query
    for req, email, name in zip(creates, EMAILS, NAMES):
        first, last = name.split()
        assert req.headers["Content-Type"] == "application/json"
        assert req.json == {
            "email": email, "first_name": first, "last_name": last,
            "provider_code": 1,
            "imap_username": email, "imap_password": pw[email],
            "imap_host": IMAP_HOST, "imap_port": 993,
            "smtp_username": email, "smtp_password": pw[email],
            "smtp_host": HOST, "smtp_port": 587,
            "daily_limit": 40, "warmup": {"limit": 20, "increment": "2"}}
    # warm-up switched on afterwards, for the three, in one call
    warm = api.calls("POST", "/api/v2/accounts/warmup/enable")
    assert [w.json for w in warm] == [{"emails": EMAILS}]
    for email in EMAILS:
        assert line_of(r.stdout, email).split()[1] == "created"
    assert "warm-up: switched on" in r.stdout
    assert "3 created" in r.stdout and "1 request(s) retried" in r.stdout


def test_instantly_existing_account_skipped_then_replaced(data, api,
                                                          tmp_path):
    csv = provision(data, tmp_path, "instantly")
    api.instantly[EMAILS[1]] = {"email": EMAILS[1], "status": 1}
    r = push(data, api, tmp_path, "instantly", "--csv", csv)
    assert r.returncode == 0, r.stdout + r.stderr
    assert line_of(r.stdout, EMAILS[1]).split()[1] == "skipped"
    assert "already on Instantly (--replace" in r.stdout
    assert [c.json["email"] for c in api.calls("POST")] == [EMAILS[0],
                                                           EMAILS[2]]
    # Instantly's PATCH cannot change credentials: --update is refused
    r = push(data, api, tmp_path, "instantly", "--csv", csv, "--update")
    assert r.returncode == 2
    assert "use --replace" in r.stderr
    # --replace: delete, then create with the CSV's password
    api.requests.clear()
    r = push(data, api, tmp_path, "instantly", "--csv", csv, "--replace")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [(q.method, q.path.rsplit("/", 1)[-1]) for q in api.requests
            if q.method != "GET"] == [
        m for e in EMAILS for m in (("DELETE", e), ("POST", "accounts"))]
    assert "3 replaced" in r.stdout


@pytest.mark.parametrize("platform,words", [
    ("instantly", "Instantly refused the API key: HTTP 401: Unauthorized: "
     "Invalid API key"),
    ("smartlead", "Smartlead refused the API key: HTTP 401: Invalid API "
     "Key")])
def test_refused_key_is_reported_once_and_stops(data, api, tmp_path,
                                                platform, words):
    csv = provision(data, tmp_path, platform)
    r = push(data, api, tmp_path, platform, "--csv", csv,
             key="sk_live_wrong")
    assert r.returncode == 1
    assert len(api.requests) == 1
    assert words in r.stdout
    assert line_of(r.stdout, EMAILS[0]).split()[1] == "not-tried"
    assert "sk_live_wrong" not in r.stdout + r.stderr


def test_smartlead_key_in_query_and_fields(data, api, tmp_path):
    csv = provision(data, tmp_path, "smartlead", "--daily-limit", "30")
    pw = passwords(csv)
    api.throttle, api.throttle_status, api.retry_after = 2, 503, "0"
    r = push(data, api, tmp_path, "smartlead", "--csv", csv, "--warmup",
             "--warmup-limit", "15", "--warmup-increment", "5")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 request(s) retried" in r.stdout
    listing = api.calls("GET")
    assert len(listing) == 3 and listing[2].query["offset"] == ["0"]
    saves = api.calls("POST", "/api/v1/email-accounts/save")
    assert len(saves) == 3
    for req, email, name in zip(saves, EMAILS, NAMES):
        assert req.query["api_key"] == [KEY]
        assert "Authorization" not in req.headers
        assert req.json == {
            "from_name": name, "from_email": email, "user_name": email,
            "password": pw[email], "smtp_host": HOST, "smtp_port": 587,
            "imap_host": IMAP_HOST, "imap_port": 993,
            "warmup_enabled": True, "type": "SMTP",
            "max_email_per_day": 30, "total_warmup_per_day": 15,
            "daily_rampup": 5}
    assert "id 1001" in line_of(r.stdout, EMAILS[0])
    assert "SMTP passed, IMAP passed" in r.stdout


def test_smartlead_one_of_three_fails_and_update(data, api, tmp_path):
    csv = provision(data, tmp_path, "smartlead")
    api.reject[EMAILS[1]] = (422, {"error": "from_name is required"})
    r = push(data, api, tmp_path, "smartlead", "--csv", csv, "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert [a["result"] for a in out["accounts"]] == [
        "created", "FAILED", "created"]
    bad = out["accounts"][1]
    assert bad["http_status"] == 422
    assert bad["platform_says"] == "HTTP 422: from_name is required"
    assert out["failed"] == 1
    # a second run skips the two that exist; --update sends their ids
    del api.reject[EMAILS[1]]
    r = push(data, api, tmp_path, "smartlead", "--csv", csv, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    saves = api.calls("POST")[-3:]
    assert [s.json.get("id") for s in saves] == [1001, None, 1002]
    assert [line_of(r.stdout, e).split()[1] for e in EMAILS] == [
        "updated", "created", "updated"]


@pytest.mark.parametrize("platform", ["instantly", "smartlead"])
def test_lost_answer_to_a_create_is_not_a_second_account(data, api,
                                                         tmp_path, platform):
    """The platform made the account but its answer was a 502: push
    looks before posting again, and finds it."""
    csv = provision(data, tmp_path, platform)
    api.lose, api.retry_after = 1, "0"
    r = push(data, api, tmp_path, platform, "--csv", csv)
    assert r.returncode == 0, r.stdout + r.stderr
    posts = api.calls("POST")
    assert len(posts) == 3, posts
    assert "the answer to the create was lost; the account was found" \
        in r.stdout
    assert len(getattr(api, platform)) == 3
    assert "3 created" in r.stdout


def test_dry_run_shows_requests_with_secrets_masked(data, api, tmp_path):
    csv = provision(data, tmp_path, "smartlead")
    pw = passwords(csv)
    r = push(data, api, tmp_path, "smartlead", "--csv", csv, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert api.requests == []
    assert "api_key=****" in r.stdout
    assert r.stdout.count('"password":"********"') == 3
    for p in pw.values():
        assert p not in r.stdout
    assert "POST %s/api/v1/email-accounts/save?api_key=****" % api.url \
        in r.stdout


def test_bad_inputs_are_refused_before_any_call(data, api, tmp_path):
    csv = provision(data, tmp_path, "instantly")
    r = push(data, api, tmp_path, "instantly", "--csv", csv, "--base-url",
             "http://192.0.2.1")
    assert r.returncode == 2 and "must be https://" in r.stderr
    bad = os.path.join(str(tmp_path), "badkey")
    with open(bad, "w") as f:
        f.write("sk_live_abc\u200bdef\n")       # a zero-width space
    r = subprocess.run([BIN, "-d", data.dir, "push", "instantly", "--csv",
                        csv, "--key-file", bad, "--base-url", api.url],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "invisible or non-ASCII character at position 12" in r.stderr
    env = dict(os.environ)
    env.pop("POSTERN_PUSH_KEY", None)
    r = subprocess.run([BIN, "-d", data.dir, "push", "instantly", "--csv",
                        csv], capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "no API key" in r.stderr
    r = push(data, api, tmp_path, "smartlead", "--csv", csv, "--warmup",
             "--warmup-increment", "2")
    assert r.returncode == 2
    assert "Smartlead takes a warm-up increment from 5 to 20" in r.stderr
    assert api.requests == []


def test_key_from_environment(data, api, tmp_path):
    csv = provision(data, tmp_path, "instantly")
    env = dict(os.environ, POSTERN_PUSH_KEY=KEY)
    r = subprocess.run([BIN, "-d", data.dir, "push", "instantly", "--csv",
                        csv, "--base-url", api.url, "--ca-file",
                        api.cafile], capture_output=True, text=True,
                       env=env, timeout=scaled(60))
    assert r.returncode == 0, r.stdout + r.stderr
    assert KEY not in r.stdout + r.stderr
    assert len(api.instantly) == 3


def test_unknown_certificate_is_refused(data, api, tmp_path):
    csv = provision(data, tmp_path, "instantly")
    r = subprocess.run([BIN, "-d", data.dir, "push", "instantly", "--csv",
                        csv, "--key-file", key_file(tmp_path), "--base-url",
                        api.url], capture_output=True, text=True,
                       timeout=scaled(60))
    assert r.returncode == 1
    assert api.requests == []
    assert "certificate" in r.stdout.lower()


def submission_port(server):
    """The CSV's SMTP port is the test server's real one."""
    server.settings["submission_port"] = server.ports["submission"]
    server.settings["imap_host"] = IMAP_HOST
    server.write_conf()


def test_failed_platform_test_runs_postern_check(server, api, tmp_path):
    submission_port(server)
    csv = provision(server, tmp_path, "smartlead")
    # the password changes after the CSV was written: the CSV is stale
    run("-d", server.dir, "mailbox", "passwd", EMAILS[2], "--generate")
    api.smtp_test = True
    r = push(server, api, tmp_path, "smartlead", "--csv", csv,
             "--check-connect", "127.0.0.1", "--check-ca-file",
             server.cafile)
    assert r.returncode == 1, r.stdout + r.stderr
    assert [line_of(r.stdout, e).split()[1] for e in EMAILS] == [
        "created", "created", "FAILED"]
    tail = r.stdout.split(EMAILS[2], 1)[1]
    assert ("Smartlead says: HTTP 400: SMTP connection failed: Invalid "
            "credentials") in tail
    assert "postern's own check of the same settings" in tail
    assert "result: FAILED at auth" in tail
    assert "535" in tail
    assert KEY not in server.log()


def test_instantly_connection_error_status(server, api, tmp_path):
    submission_port(server)
    csv = provision(server, tmp_path, "instantly")
    run("-d", server.dir, "mailbox", "passwd", EMAILS[0], "--generate")
    api.smtp_test = True
    r = push(server, api, tmp_path, "instantly", "--csv", csv,
             "--check-connect", "127.0.0.1", "--check-ca-file",
             server.cafile, "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    out = json.loads(r.stdout)["accounts"]
    assert out[0]["result"] == "created"
    assert out[0]["smtp_test"] == "failed"
    assert out[0]["platform_says"].startswith("Invalid login: 535 5.7.8")
    assert out[0]["check"]["failed_step"] == "auth"
    assert out[1]["smtp_test"] == "unknown" and "check" not in out[1]


def test_rotation_pushes_the_new_password(server, api, tmp_path):
    submission_port(server)
    provision(server, tmp_path, "instantly")
    api.instantly[EMAILS[0]] = {"email": EMAILS[0], "status": 1}
    api.smtp_test = True
    r = push(server, api, tmp_path, "instantly", "--mailbox", EMAILS[0],
             "--new-password")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [q.method for q in api.requests] == ["GET", "DELETE", "POST"]
    new = api.requests[-1].json["smtp_password"]
    assert new not in r.stdout + r.stderr
    assert api.instantly[EMAILS[0]]["status"] == 1   # the platform's test
    assert server.auth_ok(EMAILS[0], new)
    # the platform fails: the new password is shown once, to type in
    api.reject[EMAILS[0]] = api.instantly_error(400, "Bad Request",
                                                "boom")
    r = push(server, api, tmp_path, "instantly", "--mailbox", EMAILS[0],
             "--new-password", "--no-check")
    assert r.returncode == 1
    shown = [l for l in r.stdout.splitlines() if "enter it there by hand"
             in l]
    assert len(shown) == 1, r.stdout
    newer = shown[0].rsplit(" ", 1)[1]
    assert r.stdout.count(newer) == 1
    assert "HTTP 400: Bad Request: boom" in r.stdout
    assert server.auth_ok(EMAILS[0], newer)
    assert not server.auth_ok(EMAILS[0], new)
    assert KEY not in server.log()


def test_provision_push(data, api, tmp_path):
    csv = os.path.join(str(tmp_path), "new.csv")
    r = run("-d", data.dir, "provision", "example.test", "--count", "2",
            "--csv", csv, "--format", "generic", "--push", "instantly",
            "--key-file", key_file(tmp_path), "--base-url", api.url,
            "--ca-file", api.cafile)
    assert KEY not in r.stdout + r.stderr
    assert sorted(api.instantly) == ["sender01@example.test",
                                     "sender02@example.test"]
    body = api.calls("POST")[0].json
    assert body["first_name"] == "Sender01" and body["last_name"] == ""
    assert "2 created" in r.stdout
    # without a key nothing is created at all
    r = run("-d", data.dir, "provision", "example.test", "--count", "2",
            "--prefix", "other", "--csv", csv + "2", "--push", "smartlead",
            check=False)
    assert r.returncode == 1 and "no API key" in r.stderr
    assert not os.path.exists(csv + "2")
