"""The admin API over real sockets (server/admin_api.c, server/api*.c,
docs/API.md): tokens made by `postern token create`, checked by the auth
process against their SHA-256, scopes, domain and network limits, the
failure budget; the mailbox list a page at a time with its filters;
one mailbox; unlock, written to the audit log; the OpenAPI description
generated from the route table and checked in as docs/openapi.json."""
import http.client
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import (PASSWORD, USER, Server, finish, free_port, run,
                      scaled, wait_for)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def make_token(srv, name, *args):
    r = run("-d", srv.dir, "token", "create", name, *args)
    token = r.stdout.rstrip("\n").split("\n")[-1]
    assert token.startswith("pst_") and len(token) == 81, r.stdout
    return token


@pytest.fixture
def api(request):
    conf = {"admin": "127.0.0.1:%d" % free_port()}
    for m in request.node.iter_markers("conf"):
        conf.update(m.kwargs)
    srv = Server(conf)
    srv.admin_port = int(conf["admin"].rsplit(":", 1)[1])
    run("-d", srv.dir, "domain", "add", "other.test", "--dkim", "none")
    for addr in ("carol@other.test", "dave@other.test"):
        run("-d", srv.dir, "mailbox", "add", addr, "--password-stdin",
            input=PASSWORD + "\n")
    srv.read = make_token(srv, "reader", "--scope", "read")
    srv.ops = make_token(srv, "ops", "--scope", "read,mailboxes")
    srv.root = make_token(srv, "root", "--scope", "admin")
    srv.start()
    yield srv
    finish(srv)


def call(srv, path, token=None, method="GET", body=None, headers=None,
         source="127.0.0.1"):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/json"
    c = http.client.HTTPConnection("127.0.0.1", srv.admin_port,
                                   timeout=scaled(10),
                                   source_address=(source, 0))
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    ctype = r.getheader("Content-Type", "")
    doc = json.loads(data) if "json" in ctype and data else data
    return r.status, dict(r.getheaders()), doc


def test_token_shown_once_and_never_again(api):
    listed = run("-d", api.dir, "token", "list").stdout
    listed_json = run("-d", api.dir, "token", "list", "--json").stdout
    for secret in (api.read, api.ops, api.root):
        assert secret[17:] not in listed and secret[17:] not in listed_json
        assert secret[4:16] in listed          # the public id is shown
    rows = json.loads(listed_json)
    assert {r["name"]: r["scopes"] for r in rows} == {
        "ops": "read mailboxes", "reader": "read", "root": "admin"}
    # nor does the API give it back, nor the server log it
    st, _, doc = call(api, "/api/v1/audit", api.root)
    assert st == 200 and api.ops not in json.dumps(doc)
    assert api.ops not in api.log() and api.ops[17:] not in api.log()


def test_no_token_bad_token_revoked_token(api):
    st, hdr, doc = call(api, "/api/v1/mailboxes")
    assert st == 401 and hdr["WWW-Authenticate"].startswith("Bearer")
    assert doc["status"] == 401 and "token create" in doc["detail"]
    # right id, wrong secret: 401, as an unknown one
    forged = api.read[:17] + "0" * 64
    assert call(api, "/api/v1/mailboxes", forged)[0] == 401
    assert call(api, "/api/v1/mailboxes", "pst_nothing")[0] == 401
    # a token in the URL is not a token
    st, _, _ = call(api, "/api/v1/mailboxes?access_token=" + api.read)
    assert st == 401
    assert call(api, "/api/v1/mailboxes", api.read)[0] == 200
    run("-d", api.dir, "token", "revoke", "reader")
    assert call(api, "/api/v1/mailboxes", api.read)[0] == 401


def test_expired_token(api):
    # a second, stretched on slow builds (valgrind: the first use must
    # come before it ends)
    life = max(1, round(scaled(1)))
    short = make_token(api, "short", "--scope", "read", "--expires",
                       "%ds" % life)
    assert call(api, "/api/v1/mailboxes", short)[0] == 200
    time.sleep(life + 1.1)
    st, _, doc = call(api, "/api/v1/mailboxes", short)
    assert st == 401 and "expired" in doc["detail"]


def test_scopes_and_domains(api):
    # read may list but not unlock; 403 names the scope to use
    st, _, doc = call(api, "/api/v1/mailboxes/%s/unlock" % USER, api.read,
                      "POST", "{}")
    assert st == 403 and "mailboxes" in doc["fix"]
    # only admin reads the audit log
    assert call(api, "/api/v1/audit", api.ops)[0] == 403
    assert call(api, "/api/v1/audit", api.root)[0] == 200
    # a token limited to other.test
    dom = make_token(api, "other-only", "--scope", "read,mailboxes",
                     "--domain", "other.test")
    st, _, doc = call(api, "/api/v1/mailboxes", dom)
    assert st == 200
    assert [m["address"] for m in doc["mailboxes"]] == [
        "carol@other.test", "dave@other.test"]
    assert call(api, "/api/v1/mailboxes?domain=example.test", dom)[0] == 403
    assert call(api, "/api/v1/mailboxes/" + USER, dom)[0] == 403
    assert call(api, "/api/v1/mailboxes/%s/unlock" % USER, dom, "POST",
                "{}")[0] == 403
    assert call(api, "/api/v1/mailboxes/carol@other.test", dom)[0] == 200
    st, _, doc = call(api, "/api/v1/domains", dom)
    assert [d["name"] for d in doc["domains"]] == ["other.test"]
    st, _, doc = call(api, "/api/v1/domains", api.read)
    assert {d["name"] for d in doc["domains"]} == {"example.test",
                                                   "other.test"}


def test_network_limit(api):
    net = make_token(api, "from-10", "--scope", "read", "--from",
                     "10.0.0.0/8")
    st, _, doc = call(api, "/api/v1/mailboxes", net)
    assert st == 403 and "address" in doc["detail"]
    near = make_token(api, "from-lo", "--scope", "read", "--from",
                      "127.0.0.0/8, ::1")
    assert call(api, "/api/v1/mailboxes", near)[0] == 200


def test_writes_need_json(api):
    st, _, doc = call(api, "/api/v1/mailboxes/%s/unlock" % USER, api.ops,
                      "POST", "a=1", headers={
                          "Content-Type":
                          "application/x-www-form-urlencoded"})
    assert st == 415 and "application/json" in doc["fix"]
    assert call(api, "/api/v1/mailboxes/%s/unlock" % USER, api.ops,
                "POST", "")[0] == 200       # Content-Type given, empty body


def test_failure_budget(api):
    bad = api.read[:17] + "f" * 64
    for _ in range(10):
        assert call(api, "/api/v1/mailboxes", bad)[0] == 401
    st, hdr, doc = call(api, "/api/v1/mailboxes", bad)
    assert st == 429 and 0 < int(hdr["Retry-After"]) <= 60
    # the address is refused whatever it sends, until the window ends
    assert call(api, "/api/v1/mailboxes", api.read)[0] == 429
    # another client address is not
    assert call(api, "/api/v1/mailboxes", api.read,
                source="127.0.0.2")[0] == 200
    assert "failed authentications" in api.log()


def test_mailbox_pages(api):
    run("-d", api.dir, "provision", "example.test", "--count", "25",
        "--prefix", "p", "--csv", os.path.join(api.tmp, "p.csv"))
    seen, cursor, pages = [], "", 0
    while True:
        st, _, doc = call(api, "/api/v1/mailboxes?domain=example.test&"
                          "limit=10&cursor=" + cursor, api.read)
        assert st == 200
        seen += [m["address"] for m in doc["mailboxes"]]
        pages += 1
        cursor = doc["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 26
    assert USER in seen
    # a piece of the address, with LIKE's wildcards taken literally
    st, _, doc = call(api, "/api/v1/mailboxes?q=p1", api.read)
    assert all("p1" in m["address"] for m in doc["mailboxes"])
    assert len(doc["mailboxes"]) >= 1
    st, _, doc = call(api, "/api/v1/mailboxes?q=%25", api.read)
    assert doc["mailboxes"] == []
    assert call(api, "/api/v1/mailboxes?limit=501", api.read)[0] == 400
    assert call(api, "/api/v1/mailboxes?state=odd", api.read)[0] == 400


def test_unlock_is_audited_and_lets_the_mailbox_in(api):
    run("-d", api.dir, "mailbox", "lock", USER, "--for", "2h")
    assert not api.auth_ok(USER, PASSWORD)
    st, _, doc = call(api, "/api/v1/mailboxes?state=locked", api.read)
    assert [m["address"] for m in doc["mailboxes"]] == [USER]
    assert doc["mailboxes"][0]["locked_until"] > time.time()
    st, _, doc = call(api, "/api/v1/mailboxes/" + USER, api.read)
    assert doc["state"] == "locked"
    st, _, doc = call(api, "/api/v1/mailboxes/%s/unlock" % USER, api.ops,
                      "POST", "{}")
    assert st == 200 and doc == {"address": USER, "was_locked": True,
                                 "state": "active"}
    assert api.auth_ok(USER, PASSWORD)
    st, _, doc = call(api, "/api/v1/mailboxes?state=locked", api.read)
    assert doc["mailboxes"] == []
    st, _, doc = call(api, "/api/v1/audit", api.root)
    ev = doc["events"]
    assert ev[0]["action"] == "mailbox.unlock" and ev[0]["target"] == USER
    assert ev[0]["actor"] == "token:ops" and ev[0]["client"] == "127.0.0.1"
    assert ev[0]["detail"] == "was locked"
    assert {e["action"] for e in ev} >= {"token.create"}
    # one mailbox: its failed logins, with reason and client
    assert not api.auth_ok(USER, "wrong")
    st, _, doc = call(api, "/api/v1/mailboxes/" + USER, api.read)
    f = doc["recent_failures"][0]
    assert f["client"] == "127.0.0.1" and "wrong password" in f["reason"]
    assert doc["failures_24h"] >= 1
    assert call(api, "/api/v1/mailboxes/nobody@example.test",
                api.read)[0] == 404


def test_openapi_matches_docs_and_the_table(api):
    c = http.client.HTTPConnection("127.0.0.1", api.admin_port,
                                   timeout=scaled(10))
    c.request("GET", "/api/v1/openapi.json")

    def unique(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), "duplicate keys: %s" % keys
        return dict(pairs)
    json.loads(c.getresponse().read(), object_pairs_hook=unique)
    c.close()
    st, _, doc = call(api, "/api/v1/openapi.json")
    assert st == 200 and doc["openapi"] == "3.1.0"
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        assert json.load(f) == doc, \
            "docs/openapi.json is stale: regenerate it from the server"
    paths = set(doc["paths"])
    assert set(doc["paths"]["/api/v1/mailboxes"]) == {"get", "post"}
    for p in ("/metrics", "/api/v1/mailboxes", "/api/v1/mailboxes/{address}",
              "/api/v1/mailboxes/{address}/unlock", "/api/v1/audit"):
        assert p in paths
    unlock = doc["paths"]["/api/v1/mailboxes/{address}/unlock"]["post"]
    assert unlock["security"] == [{"token": ["mailboxes"]}, {"session": []}]
    # every route the server answers is described: a route missing from
    # the table gets 404, so walking the description covers them all
    for p, item in doc["paths"].items():
        for method in item:
            assert call(api, p.replace("{address}", USER),
                        method=method.upper(),
                        body="{}" if method != "get" else None)[0] != 404


def test_metrics_need_a_token_off_loopback(api):
    """From an address that is not loopback, /metrics needs the metrics
    scope (the listener is then on that address, with admin_tls)."""
    if subprocess.run(["ip", "addr", "add", "192.0.2.10/32", "dev", "lo"],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot add a test address (not root in a namespace)")
    try:
        assert call(api, "/metrics", source="127.0.0.1")[0] == 200
        st, _, _ = call(api, "/metrics", source="192.0.2.10")
        assert st == 401
        assert call(api, "/metrics", api.read, source="192.0.2.10")[0] == \
            403
        m = make_token(api, "prom", "--scope", "metrics")
        st, _, data = call(api, "/metrics", m, source="192.0.2.10")
        assert st == 200 and b"postern_auth_total" in data
    finally:
        subprocess.run(["ip", "addr", "del", "192.0.2.10/32", "dev", "lo"],
                       capture_output=True)


def test_password_reset_shown_once(api):
    st, _, doc = call(api, "/api/v1/mailboxes/%s/password" % USER, api.ops,
                      "POST", "{}")
    assert st == 200 and doc["address"] == USER
    new = doc["password"]
    assert len(new) == 20 and "once" in doc["note"]
    assert api.auth_ok(USER, new) and not api.auth_ok(USER, PASSWORD)
    # never again: not in the mailbox, the audit log or the server's log
    st, _, doc = call(api, "/api/v1/mailboxes/" + USER, api.read)
    assert new not in json.dumps(doc)
    st, _, doc = call(api, "/api/v1/audit", api.root)
    assert doc["events"][0]["action"] == "mailbox.password"
    assert new not in json.dumps(doc) and new not in api.log()


def test_lock_through_the_api(api):
    st, _, doc = call(api, "/api/v1/mailboxes/%s/lock?for=600" % USER,
                      api.ops, "POST", "{}")
    assert st == 200 and 590 < doc["locked_until"] - time.time() <= 600
    assert not api.auth_ok(USER, PASSWORD)
    assert call(api, "/api/v1/mailboxes/%s/lock?for=5" % USER, api.ops,
                "POST", "{}")[0] == 400


def test_suppressions(api):
    body = json.dumps({"domain": "example.test",
                       "address": "gone@remote.test",
                       "reason": "asked not to be mailed"})
    st, _, doc = call(api, "/api/v1/suppressions", api.ops, "POST", body)
    assert st == 201
    st, _, doc = call(api, "/api/v1/suppressions?domain=example.test",
                      api.read)
    assert [(s["address"], s["source"]) for s in doc["suppressions"]] == [
        ("gone@remote.test", "manual")]
    # the submission listener refuses the address now
    d = api.dialog("smtps")
    d.expect("EHLO c.example", 250)
    d.expect("AUTH PLAIN " + __import__("conftest").plain_token(), 235)
    d.expect("MAIL FROM:<%s>" % USER, 250)
    d.expect("RCPT TO:<gone@remote.test>", 550, "asked not to be mailed")
    d.close()
    bad = json.dumps({"domain": "example.test", "address": "x@y.test",
                      "reason": "line\nbreak"})
    assert call(api, "/api/v1/suppressions", api.ops, "POST", bad)[0] == 400
    assert call(api, "/api/v1/suppressions", api.ops, "POST",
                "{not json")[0] == 400
    dom = make_token(api, "other-only", "--scope", "read,mailboxes",
                     "--domain", "other.test")
    assert call(api, "/api/v1/suppressions", dom, "POST", body)[0] == 403
    st, _, doc = call(api, "/api/v1/suppressions", dom)
    assert doc["suppressions"] == []
    # DELETE takes no body, so it needs no Content-Type
    st, _, doc = call(api, "/api/v1/suppressions/gone@remote.test"
                      "?domain=example.test", api.ops, "DELETE")
    assert st == 200
    assert call(api, "/api/v1/suppressions/gone@remote.test"
                "?domain=example.test", api.ops, "DELETE")[0] == 404
    actions = [e["action"] for e in call(api, "/api/v1/audit",
                                         api.root)[2]["events"]]
    assert actions[0] == "suppression.remove"
    assert actions.index("suppression.add") > 0


def test_explain(api):
    st, _, doc = call(api, "/api/v1/explain?reply=535+5.7.8+Authentication"
                      "+credentials+invalid", api.read)
    assert st == 200 and doc["reply"]["code"] == 535
    assert doc["explained"] is True
    assert call(api, "/api/v1/explain", api.read)[0] == 400
    assert call(api, "/api/v1/explain?reply=550", None)[0] == 401


def test_queue(api):
    """delivery = no (the harness's default): messages stay queued, and
    the API lists, shows, holds, releases, retries and deletes them."""
    import smtplib
    ctx = api.client_context(check_hostname=False)
    ids = []
    for rcpt in ("a@remote.test", "b@far.test"):
        with smtplib.SMTP("127.0.0.1", api.ports["submission"],
                          timeout=scaled(10)) as s:
            s.starttls(context=ctx)
            s.login(USER, PASSWORD)
            s.sendmail(USER, [rcpt], b"Subject: q\r\n\r\nx\r\n")
    q = make_token(api, "queue-ops", "--scope", "read,queue")
    st, _, doc = call(api, "/api/v1/queue", api.read)
    assert st == 200 and len(doc["messages"]) == 2
    ids = [m["id"] for m in doc["messages"]]
    assert doc["messages"][0]["recipients"][0]["address"] == "a@remote.test"
    st, _, doc = call(api, "/api/v1/queue?domain=far.test", api.read)
    assert [m["id"] for m in doc["messages"]] == [ids[1]]
    st, _, doc = call(api, "/api/v1/queue?limit=1", api.read)
    assert [m["id"] for m in doc["messages"]] == [ids[0]]
    st, _, doc = call(api, "/api/v1/queue?limit=1&cursor=" +
                      doc["next_cursor"], api.read)
    assert [m["id"] for m in doc["messages"]] == [ids[1]]
    assert doc["next_cursor"] == ""
    # read may look, queue may act
    assert call(api, "/api/v1/queue/%s/hold" % ids[0], api.read, "POST",
                "{}")[0] == 403
    st, _, doc = call(api, "/api/v1/queue/%s/hold" % ids[0], q, "POST", "{}")
    assert st == 200 and doc == {"id": ids[0], "done": "hold"}
    st, _, doc = call(api, "/api/v1/queue/" + ids[0], api.read)
    assert doc["held"] is True and doc["state"] == "held"
    st, _, doc = call(api, "/api/v1/queue?state=held", api.read)
    assert [m["id"] for m in doc["messages"]] == [ids[0]]
    assert call(api, "/api/v1/queue/%s/release" % ids[0], q, "POST",
                "{}")[0] == 200
    assert call(api, "/api/v1/queue/" + ids[0], api.read)[2]["held"] is False
    assert call(api, "/api/v1/queue/%s/retry" % ids[0], q, "POST",
                "{}")[0] == 200
    assert call(api, "/api/v1/queue/flush", q, "POST", "{}")[0] == 200
    assert call(api, "/api/v1/queue/" + ids[1], q, "DELETE")[0] == 200
    wait_for(lambda: len(call(api, "/api/v1/queue", api.read)[2][
        "messages"]) == 1, what="deleted")
    assert call(api, "/api/v1/queue/" + ids[1], api.read)[0] == 404
    assert call(api, "/api/v1/queue/not-an-id", api.read)[0] == 404
    # a token for another domain sees none of example.test's mail
    dom = make_token(api, "other-q", "--scope", "read,queue", "--domain",
                     "other.test")
    assert call(api, "/api/v1/queue", dom)[2]["messages"] == []
    assert call(api, "/api/v1/queue/" + ids[0], dom)[0] == 403
    assert call(api, "/api/v1/queue/flush", dom, "POST", "{}")[0] == 403
    acts = [(e["action"], e["target"]) for e in call(
        api, "/api/v1/audit", api.root)[2]["events"]]
    for a in (("queue.hold", ids[0]), ("queue.release", ids[0]),
              ("queue.retry", ids[0]), ("queue.flush", "*"),
              ("queue.delete", ids[1])):
        assert a in acts, (a, acts)


def test_mailbox_create_and_delete(api):
    body = json.dumps({"address": "New.Person@example.test",
                       "daily_limit": 40})
    st, _, doc = call(api, "/api/v1/mailboxes", api.ops, "POST", body)
    assert st == 201 and doc["address"] == "new.person@example.test"
    assert api.auth_ok("new.person@example.test", doc["password"])
    st, _, got = call(api, "/api/v1/mailboxes/new.person@example.test",
                      api.read)
    assert got["daily_limit"] == 40 and doc["password"] not in \
        json.dumps(got)
    assert call(api, "/api/v1/mailboxes", api.ops, "POST", body)[0] == 409
    for bad in ({"address": "no-at-sign"}, {"address": "a@b@c"},
                {"address": "x@example.test", "daily_limit": -1}, {}):
        assert call(api, "/api/v1/mailboxes", api.ops, "POST",
                    json.dumps(bad))[0] == 400, bad
    st, _, doc = call(api, "/api/v1/mailboxes", api.ops, "POST",
                      json.dumps({"address": "x@nowhere.test"}))
    assert st == 404 and "domain" in doc["detail"]
    dom = make_token(api, "other-only", "--scope", "mailboxes", "--domain",
                     "other.test")
    assert call(api, "/api/v1/mailboxes", dom, "POST", body)[0] == 403
    assert call(api, "/api/v1/mailboxes", api.read, "POST", body)[0] == 403
    st, _, doc = call(api, "/api/v1/mailboxes/new.person@example.test",
                      api.ops, "DELETE")
    assert st == 200 and doc == {"deleted": "new.person@example.test"}
    assert call(api, "/api/v1/mailboxes/new.person@example.test",
                api.read)[0] == 404
    acts = [e["action"] for e in call(api, "/api/v1/audit",
                                      api.root)[2]["events"]]
    assert acts[0] == "mailbox.delete" and "mailbox.create" in acts


def test_bodies_larger_than_one_message(api):
    """A body goes to the auth process in as many IPC messages as it
    needs: 200 KB of JSON (whitespace around one small object) is read
    whole; the same with a NUL inside is refused, not cut at the NUL;
    over 1 MiB on an ordinary route is 413 from Content-Length."""
    obj = json.dumps({"domain": "example.test", "address": "big@remote.test",
                      "reason": "padded request"})
    pad = " " * 200000
    st, _, doc = call(api, "/api/v1/suppressions", api.ops, "POST",
                      pad + obj + pad)
    assert st == 201, doc
    st, _, doc = call(api, "/api/v1/suppressions?domain=example.test",
                      api.read)
    assert "big@remote.test" in [s["address"] for s in doc["suppressions"]]
    assert call(api, "/api/v1/suppressions", api.ops, "POST",
                obj + "\0" + pad)[0] == 400
    with socket.create_connection(("127.0.0.1", api.admin_port),
                                  timeout=scaled(10)) as s:
        s.sendall(b"POST /api/v1/suppressions HTTP/1.1\r\n"
                  b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Authorization: Bearer " + api.ops.encode() +
                  b"\r\nContent-Length: %d\r\n\r\n" % (1024 * 1024 + 1))
        assert s.recv(64).startswith(b"HTTP/1.1 413 ")
