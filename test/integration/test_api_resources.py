"""The admin API's provisioning, domains and check routes over real sockets
(server/api_provision.c, api_domain.c, api_check.c, docs/API.md): bulk
creation with dry runs, per-row results, the platform CSV, passwords
shown once, Idempotency-Key replays and the 8 MiB body; domains created
and deleted, with the live DNS check against a dnsmasq on loopback (never
the machine's resolver); the step-by-step login check against this
server's own submission port; scopes, domain restriction, 401/403/413/415
and the audit log for each."""
import csv
import http.client
import io
import json
import os
import socket
import subprocess
import threading
import time

import pytest

from conftest import (BIN, PASSWORD, USER, Server, finish, free_port, run,
                      scaled)
from dnsfix import DnsServer
from test_api import call, make_token
from test_check import step


def start(conf=None, dns=None):
    c = {"admin": "127.0.0.1:%d" % free_port()}
    if dns is not None:
        c["dns_server"] = dns.addr
    c.update(conf or {})
    srv = Server(c)
    srv.admin_port = int(c["admin"].rsplit(":", 1)[1])
    run("-d", srv.dir, "domain", "add", "other.test", "--dkim", "none")
    run("-d", srv.dir, "mailbox", "add", "carol@other.test",
        "--password-stdin", input=PASSWORD + "\n")
    srv.read = make_token(srv, "reader", "--scope", "read")
    srv.prov = make_token(srv, "prov", "--scope", "provision")
    srv.doms = make_token(srv, "doms", "--scope", "domains,read")
    srv.other = make_token(srv, "other", "--scope", "provision,domains,read",
                           "--domain", "other.test")
    srv.root = make_token(srv, "root", "--scope", "admin")
    srv.mbx = make_token(srv, "mbx", "--scope", "read,mailboxes")
    return srv


@pytest.fixture
def api(request):
    conf = {}
    for m in request.node.iter_markers("conf"):
        conf.update(m.kwargs)
    srv = start(conf).start()
    yield srv
    finish(srv)


def post(srv, path, token, doc, headers=None):
    return call(srv, path, token, "POST", json.dumps(doc), headers)


def audit(srv):
    st, _, doc = call(srv, "/api/v1/audit?limit=500", srv.root)
    assert st == 200
    return doc["events"]


def mailbox_exists(srv, addr):
    return call(srv, "/api/v1/mailboxes/" + addr, srv.read)[0] == 200


# --- domains -----------------------------------------------------------------

def test_domain_create_and_delete(api):
    assert post(api, "/api/v1/domains", None, {"domain": "new.test"})[0] == 401
    assert post(api, "/api/v1/domains", api.read,
                {"domain": "new.test"})[0] == 403
    assert call(api, "/api/v1/domains", api.doms, "POST", "domain=new.test",
                {"Content-Type": "application/x-www-form-urlencoded"})[0] \
        == 415
    for bad in ({"domain": "nodot"}, {"domain": "bad..name.test"},
                {"domain": "a b.test"}, {"name": "new.test"}, [1]):
        st, h, doc = post(api, "/api/v1/domains", api.doms, bad)
        assert st == 400 and h["Content-Type"].startswith(
            "application/problem+json") and doc["detail"], bad
    assert post(api, "/api/v1/domains", api.doms,
                {"domain": "new.test", "dkim": "dsa"})[0] == 400
    st, _, doc = post(api, "/api/v1/domains", api.doms, {"domain": "New.Test"})
    assert st == 201 and doc["domain"] == "new.test"
    # a DKIM key as `postern domain add` makes it: RSA, active
    assert [k["algorithm"] for k in doc["dkim"]] == ["rsa-sha256"]
    keys = json.loads(run("-d", api.dir, "dkim", "list", "new.test",
                          "--json").stdout)
    assert [(k["selector"], k["state"]) for k in keys] == [
        (doc["dkim"][0]["selector"], "active")]
    st, _, doc = post(api, "/api/v1/domains", api.doms,
                      {"domain": "both.test", "dkim": "both"})
    assert st == 201 and len(doc["dkim"]) == 2
    st, _, doc = post(api, "/api/v1/domains", api.doms,
                      {"domain": "bare.test", "dkim": "none"})
    assert st == 201 and doc["dkim"] == []
    assert post(api, "/api/v1/domains", api.doms,
                {"domain": "new.test"})[0] == 409
    st, _, doc = call(api, "/api/v1/domains", api.read)
    assert "new.test" in [d["name"] for d in doc["domains"]]
    # a token limited to other.test adds no other domain, deletes none
    st, _, doc = post(api, "/api/v1/domains", api.other,
                      {"domain": "third.test"})
    assert st == 403 and "limited" in doc["detail"]
    assert call(api, "/api/v1/domains/new.test", api.other, "DELETE")[0] == 403
    # not while it has mailboxes
    st, _, doc = call(api, "/api/v1/domains/other.test", api.doms, "DELETE")
    assert st == 409 and "1 mailbox" in doc["detail"] and doc["fix"]
    assert mailbox_exists(api, "carol@other.test")
    st, _, doc = call(api, "/api/v1/domains/new.test", api.doms, "DELETE")
    assert (st, doc) == (200, {"deleted": "new.test"})
    st, _, doc = call(api, "/api/v1/domains", api.read)
    assert "new.test" not in [d["name"] for d in doc["domains"]]
    assert call(api, "/api/v1/domains/new.test", api.doms, "DELETE")[0] == 404
    ev = [(e["action"], e["target"], e["actor"]) for e in audit(api)]
    assert ("domain.create", "new.test", "token:doms") in ev
    assert ("domain.delete", "new.test", "token:doms") in ev


def cli_records(srv, domain):
    r = run("-d", srv.dir, "dns", domain, "--json")
    return json.loads(r.stdout)


def test_domain_check_against_live_dns():
    """The check expects what `postern dns --json` prints, asks the
    configured dns_server (a dnsmasq on loopback), and says per record
    what it found and how to fix it."""
    srv = start()
    try:
        # dnsfix refuses a '/' in a record (dnsmasq's own syntax): draw
        # keys until one's base64 has none (one in two does)
        for _ in range(40):
            run("-d", srv.dir, "dkim", "add", "example.test", "--alg",
                "ed25519")
            want = cli_records(srv, "example.test")
            dkim = [r for r in want if "._domainkey." in r["name"]][0]
            if "/" not in dkim["value"]:
                break
            run("-d", srv.dir, "dkim", "remove", "example.test",
                dkim["name"].split(".")[0])
        kinds = {}
        for r in want:
            kinds.setdefault(r["type"], []).append(r)
        mx = kinds["MX"][0]
        txt = {r["name"]: r["value"] for r in kinds["TXT"]}
        spf = txt["example.test"]
        dkim_name = [n for n in txt if "._domainkey." in n][0]
        records = [("MX", "example.test", mx["value"], mx["priority"]),
                   # SPF as published with a mechanism of the operator's own
                   ("TXT", "example.test", spf.replace(" ~all",
                                                       " a:extra.test ~all")),
                   ("TXT", "example.test", "google-site-verification=x"),
                   ("TXT", dkim_name, txt[dkim_name]),
                   # two DMARC records void each other
                   ("TXT", "_dmarc.example.test", "v=DMARC1; p=none"),
                   ("TXT", "_dmarc.example.test", "v=DMARC1; p=reject")]
        with DnsServer(records) as dns:
            srv.settings["dns_server"] = dns.addr
            srv.write_conf()
            srv.start()
            st, _, doc = call(srv, "/api/v1/domains/example.test/check",
                              srv.read)
            assert st == 200, doc
            assert doc["domain"] == "example.test"
            got = {(r["type"], r["name"]): r for r in doc["records"]}
            assert len(doc["records"]) == len(want)
            assert got[("MX", "example.test")]["ok"]
            assert got[("MX", "example.test")]["found"] == [
                "%d %s" % (mx["priority"], mx["value"])]
            s = got[("SPF", "example.test")]
            assert s["ok"] and s["found"] == [spf.replace(
                " ~all", " a:extra.test ~all")] and s["fix"] == ""
            assert got[("DKIM", dkim_name)]["ok"]
            d = got[("DMARC", "_dmarc.example.test")]
            assert not d["ok"] and len(d["found"]) == 2
            assert "keep one" in d["fix"]
            assert doc["ok"] is False
            assert "_dmarc.example.test" in dns.log()
            # a domain with nothing published: every record fails, with
            # the record to publish as its fix
            st, _, doc = call(srv, "/api/v1/domains/other.test/check",
                              srv.read)
            assert st == 200 and not doc["ok"]
            for r in doc["records"]:
                assert not r["ok"] and r["found"] == []
                assert r["fix"].startswith("publish " + r["name"])
            # scope and domain restriction, unknown and bad names
            assert call(srv, "/api/v1/domains/example.test/check",
                        srv.other)[0] == 403
            assert call(srv, "/api/v1/domains/other.test/check",
                        srv.other)[0] == 200
            assert call(srv, "/api/v1/domains/example.test/check",
                        srv.prov)[0] == 403
            assert call(srv, "/api/v1/domains/nope.test/check",
                        srv.read)[0] == 404
            assert call(srv, "/api/v1/domains/-bad-/check",
                        srv.read)[0] == 400
            assert call(srv, "/api/v1/domains/example.test/check")[0] == 401
    finally:
        finish(srv)


# --- provisioning -------------------------------------------------------------

def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_provision_dry_run_then_create(api):
    body = {"domain": "example.test", "count": 3, "dry_run": True}
    st, _, doc = post(api, "/api/v1/provision", api.prov, body)
    assert st == 200, doc
    assert doc["dry_run"] is True and doc["created"] == 0
    assert [r["address"] for r in doc["rows"]] == [
        "sender01@example.test", "sender02@example.test",
        "sender03@example.test"]
    assert {r["status"] for r in doc["rows"]} == {"would_create"}
    assert "csv" not in doc and "password" not in json.dumps(doc["rows"])
    assert not mailbox_exists(api, "sender01@example.test")

    body = {"domain": "example.test", "count": 3, "format": "instantly",
            "daily_limit": 40}
    st, _, doc = post(api, "/api/v1/provision", api.prov, body)
    assert st == 201, doc
    assert doc["created"] == 3 and doc["replayed"] is False
    pw = {r["address"]: r["password"] for r in doc["rows"]}
    assert len(set(pw.values())) == 3 and all(len(p) == 20
                                              for p in pw.values())
    rows = csv_rows(doc["csv"])
    path = os.path.join(api.tmp, "cli.csv")
    run("-d", api.dir, "provision", "example.test", "--count", "1",
        "--prefix", "cli", "--format", "instantly", "--csv", path)
    with open(path) as f:
        want = csv_rows(f.read())
    assert rows[0] == want[0]                  # the CLI's very header
    assert len(rows) == 4
    for row in rows[1:]:
        assert row[rows[0].index("Email")] in pw
        assert pw[row[rows[0].index("Email")]] in row
    # the passwords work, and the limit is set
    assert api.auth_ok("sender02@example.test", pw["sender02@example.test"])
    st, _, mb = call(api, "/api/v1/mailboxes/sender02@example.test",
                     api.read)
    assert mb["daily_limit"] == 40
    # never shown again: not by a GET, not in the audit log, not in the log
    st, _, page = call(api, "/api/v1/mailboxes?domain=example.test",
                       api.read)
    ev = audit(api)
    for p in pw.values():
        assert p not in json.dumps(mb) and p not in json.dumps(page)
        assert p not in json.dumps(ev) and p not in api.log()
    assert [(e["action"], e["detail"]) for e in ev
            if e["target"] == "sender01@example.test"] == [
        ("mailbox.create", "provision")]
    run_ev = [e for e in ev if e["action"] == "provision"]
    assert run_ev[0]["actor"] == "token:prov"
    assert run_ev[0]["detail"] == "3 created, 0 existed, format instantly"

    # again: they exist, nothing is created
    st, _, doc = post(api, "/api/v1/provision", api.prov, body)
    assert st == 200 and doc["created"] == 0
    assert {r["status"] for r in doc["rows"]} == {"exists"}


def test_provision_names_csv_and_rows(api):
    text = "# the sales team\nJohn Smith\nj.doe\n\nJosé Núñez\n"
    st, _, doc = post(api, "/api/v1/provision", api.prov,
                      {"domain": "example.test", "csv": text,
                       "format": "smartlead"})
    assert st == 201, doc
    assert [r["address"] for r in doc["rows"]] == [
        "john.smith@example.test", "j.doe@example.test",
        "jose.nunez@example.test"]
    rows = csv_rows(doc["csv"])
    assert rows[0][:2] == ["from_name", "from_email"]
    assert rows[1][:2] == ["John Smith", "john.smith@example.test"]
    assert rows[2][:2] == ["J Doe", "j.doe@example.test"]
    assert rows[3][:2] == ["José Núñez", "jose.nunez@example.test"]
    # a CSV with an email column: its addresses, its names
    text = "Email,First Name,Last Name\r\nann@other.test,Ann,Lee\r\n"
    st, _, doc = post(api, "/api/v1/provision", api.prov,
                      {"domain": "other.test", "csv": text})
    assert st == 201 and doc["rows"][0]["address"] == "ann@other.test"
    # rows, each with its own limit
    st, _, doc = post(api, "/api/v1/provision", api.prov,
                      {"rows": [{"address": "r1@example.test",
                                 "daily_limit": 7},
                                {"address": "R2@Example.test"}]})
    assert st == 201 and [r["address"] for r in doc["rows"]] == [
        "r1@example.test", "r2@example.test"]
    assert call(api, "/api/v1/mailboxes/r1@example.test",
                api.read)[2]["daily_limit"] == 7


def test_provision_bad_rows_create_nothing(api):
    rows = [{"address": "good@example.test"},
            {"address": "not an address"},
            {"address": "x@nowhere.test"},
            {"address": "good@example.test"},
            {"address": USER},
            {"address": "lim@example.test", "daily_limit": -1}]
    st, h, doc = post(api, "/api/v1/provision", api.prov, {"rows": rows})
    assert st == 400 and h["Content-Type"].startswith(
        "application/problem+json")
    assert doc["status"] == 400 and "nothing was created" in doc["detail"]
    got = [(r["status"], r.get("error", "")) for r in doc["rows"]]
    assert got[0] == ("would_create", "")
    assert got[1][0] == "invalid" and "valid address" in got[1][1]
    assert got[2][0] == "invalid" and "not a local domain" in got[2][1]
    assert got[3][0] == "invalid" and "twice" in got[3][1]
    assert got[4][0] == "exists"
    assert got[5][0] == "invalid" and "daily_limit" in got[5][1]
    assert doc["created"] == 0 and "csv" not in doc
    assert not mailbox_exists(api, "good@example.test")
    # the same rows as a dry run: 200, the same verdicts
    st, _, doc = post(api, "/api/v1/provision", api.prov,
                      {"rows": rows, "dry_run": True})
    assert st == 200 and doc["rows"][0]["status"] == "would_create"
    assert doc["invalid"] == 4
    # malformed bodies
    for bad in ({}, {"domain": "example.test"},
                {"domain": "example.test", "count": 2, "csv": "a"},
                {"count": 2}, {"domain": "example.test", "count": 2,
                               "format": "nope"},
                {"domain": "example.test", "count": 100000},
                {"rows": []}, {"rows": "x"},
                {"domain": "example.test", "csv": "a\"b\n"}):
        st, _, doc = post(api, "/api/v1/provision", api.prov, bad)
        assert st == 400 and doc["detail"], (bad, doc)


def test_provision_scopes_and_domain(api):
    body = {"domain": "example.test", "count": 1}
    assert post(api, "/api/v1/provision", None, body)[0] == 401
    assert post(api, "/api/v1/provision", api.read, body)[0] == 403
    assert post(api, "/api/v1/provision", api.doms, body)[0] == 403
    st, _, doc = post(api, "/api/v1/provision", api.other, body)
    assert st == 403 and "limited" in doc["detail"]
    st, _, doc = post(api, "/api/v1/provision", api.other,
                      {"rows": [{"address": "a@other.test"},
                                {"address": "b@example.test"}]})
    assert st == 403 and not mailbox_exists(api, "a@other.test")
    assert call(api, "/api/v1/provision", api.prov, "POST", "domain=x",
                {"Content-Type": "text/csv"})[0] == 415
    st, _, doc = post(api, "/api/v1/provision", api.other,
                      {"domain": "other.test", "count": 1})
    assert st == 201 and doc["rows"][0]["address"] == "sender01@other.test"


def test_provision_idempotency_key(api):
    body = {"domain": "example.test", "count": 2, "prefix": "idem"}
    key = {"Idempotency-Key": "run-2026-12-07-a"}
    st, _, first = post(api, "/api/v1/provision", api.prov, body, key)
    assert st == 201 and first["replayed"] is False
    st, _, again = post(api, "/api/v1/provision", api.prov, body, key)
    assert st == 201 and again["replayed"] is True
    assert "csv" not in again
    assert [(r["address"], r["status"]) for r in again["rows"]] == [
        (r["address"], r["status"]) for r in first["rows"]]
    assert all("password" not in r for r in again["rows"])
    # nothing was made twice: one provision event, two mailboxes
    ev = audit(api)
    assert len([e for e in ev if e["action"] == "provision"]) == 1
    assert len([e for e in ev if e["action"] == "mailbox.create"]) == 2
    # the same key with another body
    st, _, doc = post(api, "/api/v1/provision", api.prov,
                      dict(body, count=3), key)
    assert st == 422 and "another body" in doc["detail"]
    assert not mailbox_exists(api, "idem03@example.test")
    # keys are the token's own: another token's same key is a new run
    st, _, doc = post(api, "/api/v1/provision", api.root,
                      dict(body, prefix="root"), key)
    assert st == 201 and doc["replayed"] is False
    # the stored answer holds no password
    for r in first["rows"]:
        assert r["password"] not in json.dumps(again)
    assert call(api, "/api/v1/provision", api.prov, "POST",
                json.dumps(body), dict(key, **{
                    "Idempotency-Key": "k" * 300}))[0] == 400


def raw_post(srv, path, token, body):
    c = http.client.HTTPConnection("127.0.0.1", srv.admin_port,
                                   timeout=scaled(30))
    c.putrequest("POST", path)
    c.putheader("Authorization", "Bearer " + token)
    c.putheader("Content-Type", "application/json")
    c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    try:
        c.send(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def test_provision_takes_8_mib_and_no_more(api):
    names = "#" + "x" * 1000 + "\n"
    text = names * (3 * 1024) + "big.body\n"          # 3 MiB of comments
    body = json.dumps({"domain": "example.test", "csv": text}).encode()
    assert 1024 * 1024 < len(body) < 8 * 1024 * 1024
    st, data = raw_post(api, "/api/v1/provision", api.prov, body)
    assert st == 201, data[:300]
    assert json.loads(data)["rows"][0]["address"] == "big.body@example.test"
    # the other routes keep their 1 MiB
    st, _ = raw_post(api, "/api/v1/domains", api.doms, body)
    assert st == 413
    over = b'{"domain": "example.test", "csv": "' + \
        b"#" * (8 * 1024 * 1024) + b'"}'
    st, _ = raw_post(api, "/api/v1/provision", api.prov, over)
    assert st == 413


@pytest.mark.conf(admin_timeout="3s")
def test_provision_too_slow_for_the_timeout_creates_nothing(api):
    """Hashing has a deadline inside admin_timeout (here half of it, 1.5
    s): a run that would outlive the HTTP call is refused, with how many
    rows would fit.  5,000 argon2id hashes take far longer than that even
    on 16 cores."""
    st, _, doc = post(api, "/api/v1/provision", api.prov,
                      {"domain": "example.test", "count": 5000})
    assert st == 422, doc
    assert "nothing was created" in doc["detail"]
    assert "rows" in doc["fix"] and "admin_timeout" in doc["fix"]
    assert not mailbox_exists(api, "sender0001@example.test")
    assert not [e for e in audit(api) if e["action"] == "mailbox.create"]


# --- check --------------------------------------------------------------------

def check(srv, token, **kw):
    body = {"host": "127.0.0.1", "port": srv.ports["submission"],
            "mode": "starttls", "user": USER, "password": PASSWORD}
    body.update(kw)
    return post(srv, "/api/v1/check", token, body)


def test_check_good_wrong_and_locked(api):
    st, _, doc = check(api, api.mbx)
    assert st == 200, doc
    assert doc["result"] == "ok" and doc["exit_status"] == 0
    assert doc["software"] == "Postern"
    assert step(doc, "auth")["state"] == "ok"
    assert set(doc) >= {"host", "port", "mode", "address", "banner_host",
                        "steps", "result", "failed_step", "exit_status"}

    st, _, doc = check(api, api.mbx, password="Zq9-not-it")
    assert st == 200 and doc["result"] == "failed"
    assert doc["failed_step"] == "auth"
    s = step(doc, "auth")
    assert s["state"] == "failed" and s["reply"]["code"] == 535
    assert s["explanation"]["enhanced"] or s["explanation"]["basic"]
    assert "password" in json.dumps(s["explanation"]).lower()

    assert post(api, "/api/v1/mailboxes/%s/lock" % USER, api.root, {})[0] \
        == 200
    st, _, doc = check(api, api.mbx)
    s = step(doc, "auth")
    assert doc["failed_step"] == "auth" and s["reply"]["code"] == 454
    assert "locked" in s["note"]
    for secret in (PASSWORD, "Zq9-not-it"):
        assert secret not in api.log()


def test_check_same_json_as_the_cli(api):
    st, _, doc = check(api, api.mbx, password="Zq9-not-it")
    p = subprocess.run([BIN, "check", "127.0.0.1:%d" %
                        api.ports["submission"], "--mode", "starttls",
                        "--user", USER, "--password-env", "PW", "--json"],
                       capture_output=True, text=True,
                       env=dict(os.environ, PW="Zq9-not-it"),
                       timeout=scaled(60))
    cli = json.loads(p.stdout)

    def shape(d):
        return {k: shape(v) if isinstance(v, dict) else
                [shape(x) for x in v] if isinstance(v, list) and v and
                isinstance(v[0], dict) else None for k, v in d.items()}
    for s in doc["steps"] + cli["steps"]:
        s["ms"] = 0
    assert shape(doc) == shape(cli)
    assert [s["step"] for s in doc["steps"]] == \
        [s["step"] for s in cli["steps"]]
    assert step(doc, "auth")["reply"] == step(cli, "auth")["reply"]


def test_check_ssrf_guard_scopes_and_bad_bodies(api):
    port = free_port()          # nothing listens: not one of ours
    st, _, doc = check(api, api.mbx, port=port)
    assert st == 403 and "admin scope" in doc["detail"]
    st, _, doc = check(api, api.mbx, host="192.0.2.1")
    assert st == 403
    st, _, doc = check(api, api.mbx, host="mail.example.test")
    assert st == 403
    st, _, doc = check(api, api.root, port=port)
    assert st == 200 and doc["failed_step"] == "connect"
    assert check(api, api.mbx, host="localhost")[0] == 200
    assert check(api, None)[0] == 401
    assert check(api, api.prov)[0] == 403
    # a wrong password counts towards the mailbox's lock: not for read
    assert check(api, api.read)[0] == 403
    assert call(api, "/api/v1/check", api.mbx, "POST", "host=x",
                {"Content-Type": "application/x-www-form-urlencoded"})[0] \
        == 415
    for bad in ({"host": "127.0.0.1"}, {"host": "127.0.0.1", "user": USER,
                                        "password": "x", "mode": "smoke"},
                {"host": "127.0.0.1", "user": USER, "password": "x",
                 "port": 70000}):
        st, _, doc = post(api, "/api/v1/check", api.mbx, bad)
        assert st == 400, bad


def test_check_runs_two_at_once_off_the_api_thread(api):
    """Two checks held by a silent server run on their own threads: a
    third is refused at once, and other API calls are answered meanwhile."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    res = []

    def slow():
        res.append(check(api, api.root, port=port, mode="starttls"))
    ts = [threading.Thread(target=slow) for _ in range(2)]
    for t in ts:
        t.start()
    time.sleep(scaled(0.5))
    st, _, doc = check(api, api.root, port=port)
    assert st == 429, doc
    assert call(api, "/api/v1/mailboxes", api.read)[0] == 200
    # answered while both checks still wait on the silent server
    assert all(t.is_alive() for t in ts)
    for t in ts:
        t.join()
    silent.close()
    assert [r[0] for r in res] == [200, 200]
    assert all(r[2]["failed_step"] == "banner" for r in res), res
