"""The console's sessions over real sockets (server/admin_session.c,
server/api_session.c, docs/CONSOLE.md): `postern admin add` makes an
administrator whose password (argon2id) and TOTP code (RFC 6238) the auth
process checks; the admin process then sets a __Host- cookie and gives a
CSRF token.  With the cookie a request acts as an administrator; a write
also needs the CSRF header and the server's own Origin.  Failed logins
share the failure budget; the API's tokens are made and revoked over the
API as well, their secret shown once."""
import base64
import hashlib
import hmac
import http.client
import json
import re
import struct
import subprocess
import time

import pytest

from conftest import (PASSWORD, USER, Server, finish, free_port, run,
                      scaled)


def add_admin(srv, name, *opts):
    r = run("-d", srv.dir, "admin", "add", name, *opts)
    lines = r.stdout.rstrip("\n").split("\n")
    secret = None
    for line in lines:
        m = re.search(r"secret=([A-Z2-7]+)", line)
        if m:
            secret = m.group(1)
    return lines[-1], secret


def totp(secret, at=None, step=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30) + step
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff)
                     % 1000000)


@pytest.fixture
def srv(request):
    conf = {"admin": "127.0.0.1:%d" % free_port()}
    for m in request.node.iter_markers("conf"):
        conf.update(m.kwargs)
    s = Server(conf)
    s.admin_port = int(conf["admin"].rsplit(":", 1)[1])
    s.origin = "http://127.0.0.1:%d" % s.admin_port
    s.start()
    yield s
    finish(s)


def call(srv, path, method="GET", body=None, cookie=None, csrf=None,
         origin=None, token=None, source="127.0.0.1"):
    h = {}
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body) if not isinstance(body, str) else body
    if cookie:
        h["Cookie"] = cookie
    if csrf:
        h["X-CSRF-Token"] = csrf
    if origin:
        h["Origin"] = origin
    if token:
        h["Authorization"] = "Bearer " + token
    c = http.client.HTTPConnection("127.0.0.1", srv.admin_port,
                                   timeout=scaled(15),
                                   source_address=(source, 0))
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    doc = json.loads(data) if data and "json" in r.getheader(
        "Content-Type", "") else data
    return r.status, r, doc


def login(srv, user, password, code=None, source="127.0.0.1", origin=None):
    body = {"user": user, "password": password}
    if code is not None:
        body["totp"] = code
    return call(srv, "/api/v1/session", "POST", body, source=source,
                origin=origin or srv.origin)


def session_of(r):
    sc = r.getheader("Set-Cookie")
    return sc.split(";", 1)[0], sc


def test_login_cookie_csrf_and_origin(srv):
    pw, _ = add_admin(srv, "root")
    st, r, doc = login(srv, "root", pw)
    assert st == 200, doc
    cookie, sc = session_of(r)
    assert cookie.startswith("__Host-postern=") and len(cookie) == 15 + 64
    attrs = [a.strip() for a in sc.split(";")[1:]]
    assert sorted(attrs) == ["HttpOnly", "Path=/", "SameSite=Strict",
                             "Secure"]
    assert doc["user"] == "root" and re.fullmatch("[0-9a-f]{64}",
                                                  doc["csrf"])
    assert doc["idle_timeout"] == 12 * 3600
    assert pw not in json.dumps(doc)
    csrf = doc["csrf"]
    # who am I, and a read with the cookie alone
    st, _, me = call(srv, "/api/v1/session", cookie=cookie)
    assert st == 200 and me == doc
    st, _, page = call(srv, "/api/v1/mailboxes", cookie=cookie)
    assert st == 200 and USER in [m["address"] for m in page["mailboxes"]]
    # a write needs the CSRF header and the own Origin
    path = "/api/v1/mailboxes/%s/lock" % USER
    assert call(srv, path, "POST", {}, cookie=cookie,
                origin=srv.origin)[0] == 403
    assert call(srv, path, "POST", {}, cookie=cookie, csrf="0" * 64,
                origin=srv.origin)[0] == 403
    assert call(srv, path, "POST", {}, cookie=cookie, csrf=csrf)[0] == 403
    assert call(srv, path, "POST", {}, cookie=cookie, csrf=csrf,
                origin="http://evil.example")[0] == 403
    st, _, doc = call(srv, path, "POST", {}, cookie=cookie, csrf=csrf,
                      origin=srv.origin)
    assert st == 200 and doc["locked_until"] > time.time()
    # the audit log names the administrator
    st, _, audit = call(srv, "/api/v1/audit", cookie=cookie)
    ev = [(e["actor"], e["action"]) for e in audit["events"]]
    assert ev[0] == ("admin:root", "mailbox.lock")
    assert ("admin:root", "session.login") in ev
    # a forged or unknown cookie is no session
    assert call(srv, "/api/v1/mailboxes",
                cookie="__Host-postern=" + "a" * 64)[0] == 401
    # log out: the cookie is cleared and no longer works
    assert call(srv, "/api/v1/session", "DELETE", cookie=cookie)[0] == 403
    st, r, _ = call(srv, "/api/v1/session", "DELETE", cookie=cookie,
                    csrf=csrf, origin=srv.origin)
    assert st == 204 and "Max-Age=0" in r.getheader("Set-Cookie")
    assert r.getheader("Content-Length") is None
    assert call(srv, "/api/v1/session", cookie=cookie)[0] == 401
    assert call(srv, "/api/v1/mailboxes", cookie=cookie)[0] == 401


def test_bad_logins_and_the_budget(srv):
    pw, _ = add_admin(srv, "root")
    assert login(srv, "root", pw, origin="http://evil.example")[0] == 403
    assert login(srv, "root", pw + "x")[0] == 401
    assert login(srv, "nobody", pw)[0] == 401
    assert call(srv, "/api/v1/session", "POST", "{\"user\": 1}",
                origin=srv.origin)[0] == 400
    # form posts are not taken
    c = http.client.HTTPConnection("127.0.0.1", srv.admin_port,
                                   timeout=scaled(15))
    c.request("POST", "/api/v1/session", body="user=root&password=x",
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert c.getresponse().status == 415
    c.close()
    # the log says who was refused, never with the password
    log = open(srv.logpath).read()
    assert "console login refused for root" in log
    assert pw not in log and (pw + "x") not in log
    for _ in range(8):
        login(srv, "root", "wrong")
    st, r, _ = login(srv, "root", pw)
    assert st == 429 and int(r.getheader("Retry-After")) > 0


def test_totp_required_off_loopback_and_not_reused(srv):
    pw, _ = add_admin(srv, "local")
    pw2, secret = add_admin(srv, "remote", "--totp")
    assert secret is not None and len(secret) == 32
    if subprocess.run(["ip", "addr", "add", "192.0.2.11/32", "dev", "lo"],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot add a test address (not root in a namespace)")
    try:
        st, _, doc = login(srv, "local", pw, source="192.0.2.11")
        assert st == 403 and "loopback" in doc["detail"]
        assert login(srv, "remote", pw2, source="192.0.2.11")[0] == 401
        assert login(srv, "remote", pw2, "000000",
                     source="192.0.2.11")[0] in (401,)
        code = totp(secret)
        assert login(srv, "remote", pw2, code,
                     source="192.0.2.11")[0] == 200
        # the same code is not taken twice
        assert login(srv, "remote", pw2, code,
                     source="192.0.2.11")[0] == 401
        # a wrong password with the next code is still refused
        assert login(srv, "remote", "x" + pw2, totp(secret, step=1),
                     source="192.0.2.11")[0] == 401
    finally:
        subprocess.run(["ip", "addr", "del", "192.0.2.11/32", "dev", "lo"],
                       capture_output=True)


def test_tokens_over_the_api(srv):
    pw, _ = add_admin(srv, "root")
    st, r, doc = login(srv, "root", pw)
    cookie, _ = session_of(r)
    csrf = doc["csrf"]
    w = dict(cookie=cookie, csrf=csrf, origin=srv.origin)
    st, _, tok = call(srv, "/api/v1/tokens", "POST",
                      {"name": "ci", "scopes": "read", "expires": 3600}, **w)
    assert st == 201 and tok["token"].startswith("pst_")
    assert tok["scopes"] == "read" and tok["expires"] > time.time()
    secret = tok["token"]
    # the token works, and its secret is never shown again
    assert call(srv, "/api/v1/mailboxes", token=secret)[0] == 200
    st, _, lst = call(srv, "/api/v1/tokens", cookie=cookie)
    assert [t["name"] for t in lst["items"]] == ["ci"]
    assert secret not in json.dumps(lst) and secret[17:] not in json.dumps(
        lst)
    # a read token cannot make tokens
    assert call(srv, "/api/v1/tokens", "POST", {"name": "x", "scopes":
                "admin"}, token=secret)[0] == 403
    assert call(srv, "/api/v1/tokens", "POST", {"name": "ci", "scopes":
                "read"}, **w)[0] == 409
    assert call(srv, "/api/v1/tokens", "POST", {"name": "bad name",
                "scopes": "read"}, **w)[0] == 400
    assert call(srv, "/api/v1/tokens", "POST", {"name": "y", "scopes":
                "root"}, **w)[0] == 400
    st, _, _ = call(srv, "/api/v1/tokens/ci", "DELETE", **w)
    assert st == 200
    assert call(srv, "/api/v1/tokens/ci", "DELETE", **w)[0] == 404
    assert call(srv, "/api/v1/mailboxes", token=secret)[0] == 401
    st, _, audit = call(srv, "/api/v1/audit", cookie=cookie)
    acts = [e["action"] for e in audit["events"]]
    assert acts[:2] == ["token.revoke", "token.create"]


def test_overview_and_failed_logins(srv):
    pw, _ = add_admin(srv, "root")
    st, r, doc = login(srv, "root", pw)
    cookie, _ = session_of(r)
    # one failed SMTP login and one locked mailbox
    d = srv.dialog("smtps")
    d.expect("EHLO c.example", 250)
    d.expect("AUTH PLAIN " + base64.b64encode(
        ("\0%s\0wrong" % USER).encode()).decode(), 535)
    d.close()
    run("-d", srv.dir, "mailbox", "lock", USER, "--for", "2h")
    st, _, ov = call(srv, "/api/v1/overview", cookie=cookie)
    assert st == 200, ov
    assert ov["mailboxes"]["total"] >= 1 and ov["mailboxes"]["locked"] == 1
    assert [m["address"] for m in ov["locked"]] == [USER]
    assert ov["locked"][0]["locked_until"] > time.time() + 3600
    assert len(ov["daily"]) == 14
    assert ov["daily"][-1]["day"] == time.strftime("%Y-%m-%d",
                                                   time.gmtime())
    assert ov["certificate"]["days_left"] > 300
    assert ov["queue"]["messages"] >= 0
    assert [d["name"] for d in ov["domains"]]
    st, _, lg = call(srv, "/api/v1/logins?result=failed", cookie=cookie)
    assert st == 200
    assert lg["items"][0]["address"] == USER
    assert lg["items"][0]["reason"]
    assert call(srv, "/api/v1/logins?result=ok", cookie=cookie)[0] == 400


@pytest.mark.conf(delivery="yes")
def test_mailbox_rows_count_what_was_sent(srv):
    """A row shows the messages of the last 24 h (what the daily limit
    counts) next to the limit, and the 7-day delivered and bounced."""
    from conftest import plain_token
    pw, _ = add_admin(srv, "root")
    st, r, doc = login(srv, "root", pw)
    cookie, _ = session_of(r)
    row = call(srv, "/api/v1/mailboxes/" + USER, cookie=cookie)[2]
    assert (row["sent_24h"], row["delivered_7d"], row["bounced_7d"]) == \
        (0, 0, 0)
    d = srv.dialog("smtps")
    d.expect("EHLO c.example", 250)
    d.expect("AUTH PLAIN " + plain_token(), 235)
    d.expect("MAIL FROM:<%s>" % USER, 250)
    d.expect("RCPT TO:<%s>" % USER, 250)
    d.expect("DATA", 354)
    d.expect("Subject: t\r\n\r\nhello\r\n.", 250)
    d.close()
    deadline = time.time() + scaled(10)
    while time.time() < deadline:
        row = call(srv, "/api/v1/mailboxes?q=" + USER.split("@")[0],
                   cookie=cookie)[2]["mailboxes"][0]
        if row["sent_24h"] == 1 and row["delivered_7d"] == 1:
            break
        time.sleep(0.1)
    assert row["sent_24h"] == 1 and row["delivered_7d"] == 1, row
    assert row["bounced_7d"] == 0
