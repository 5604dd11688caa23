"""Several nodes on one PostgreSQL store (issue 16, docs/SCALING.md).

A private PostgreSQL (pgserver.py: initdb + pg_ctl in a temporary
directory, 127.0.0.1 on a free port) and two `postern serve` nodes, each
with its own data directory, spool and listeners, both with
`store = postgresql://...`.  Everything is driven over real sockets.
Skips, saying why, only when PostgreSQL is not installed.
"""
import os
import re
import signal
import smtplib
import subprocess
import threading
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, Server, finish, plain_token,
                      run, scaled, wait_for)
import pgserver
from test_delivery import maildir_files
from test_daily_budget import (concurrent_sends, give_back_case, set_limit,
                               sent_24h)

NEW_PASSWORD = "a new and longer passphrase"
DSN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                   "bounces", "two-recipients-dsn.eml")


@pytest.fixture(scope="module")
def pg():
    why = pgserver.available()
    if why:
        pytest.skip("PostgreSQL tests skipped: " + why)
    server = pgserver.PgServer()
    yield server
    server.close()


def pg_node(pg, conf, first):
    """A node on pg's database: postern init makes its data directory,
    then its postern.conf names the shared store.  The first node adds
    the domain and mailbox there; the others find them."""
    node = Server(conf)
    node.settings.update({"store": pg.uri,
                          "store_password_file": pg.password_file,
                          "store_timeout": conf.get("store_timeout", "2s")})
    node.write_conf()
    if first:
        run("-d", node.dir, "domain", "add", "example.test", "--dkim",
            "none")
        run("-d", node.dir, "mailbox", "add", USER, "--password-stdin",
            input=PASSWORD + "\n")
    return node


@pytest.fixture
def nodes(pg, request):
    conf = {}
    for m in request.node.iter_markers("conf"):
        conf.update(m.kwargs)
    pg.reset()
    made = []
    try:
        for i in range(2):
            made.append(pg_node(pg, conf, i == 0))
        for n in made:
            n.start()
        yield made
    finally:
        if pg.running is False:
            pg.start()
        for n in made:
            finish(n)


def auth(node, user, password, kind="smtps"):
    """The AUTH PLAIN reply (code, text) of one fresh session."""
    d = node.dialog(kind)
    d.expect("EHLO c.example", 250)
    code, lines = d.cmd("AUTH PLAIN " + plain_token(user, password))
    d.close()
    return code, " ".join(lines)


def pctl(node, *args, password=None):
    return run("-d", node.dir, *args,
               input=None if password is None else password + "\n")


def test_mailbox_added_on_a_logs_in_on_b_and_removed_is_gone(nodes):
    a, b = nodes
    assert auth(b, USER, PASSWORD)[0] == 235
    pctl(a, "mailbox", "add", "new@example.test", "--password-stdin",
         password="fresh password here")
    assert auth(b, "new@example.test", "fresh password here")[0] == 235
    out = pctl(b, "mailbox", "list", "example.test").stdout
    assert "new@example.test" in out
    pctl(a, "mailbox", "remove", "new@example.test")
    assert auth(b, "new@example.test", "fresh password here")[0] == 535


@pytest.mark.conf(auth_fail_limit="4", auth_lock_time="1h",
                  auth_familiar_days="0")
def test_fail_limit_split_across_nodes_locks_on_both(nodes):
    a, b = nodes
    for node in (a, b, a):
        assert auth(node, USER, "wrong guess")[0] == 535
    # three failures: not locked yet, on either node
    assert auth(b, USER, PASSWORD)[0] == 235
    # (the success forgot them) four more, split, the last on b
    for node in (a, b, a, b):
        assert auth(node, USER, "wrong guess")[0] in (535, 454)
    for node in (a, b):
        code, text = auth(node, USER, PASSWORD)
        assert code == 454 and "locked" in text, (code, text)


@pytest.mark.conf(auth_fail_limit="6", auth_lock_time="1h",
                  auth_familiar_days="0", auth_workers="4")
def test_concurrent_failures_on_both_nodes_count_each_once(nodes, pg):
    """Twelve wrong passwords at once, six on each node: every one is
    recorded, and the limit of six locks the mailbox on both."""
    codes = []

    def guess(node):
        codes.append(auth(node, USER, "wrong guess")[0])
    threads = [threading.Thread(target=guess, args=(n,))
               for n in nodes * 6]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) <= {454, 535} and codes.count(535) >= 6
    assert int(pg.psql("SELECT count(*) FROM auth_failure")) == 12
    for node in nodes:
        assert auth(node, USER, PASSWORD)[0] == 454


def send_one(node, rcpt):
    """One message with one recipient over submission: the RCPT code, and
    the DATA code if RCPT was accepted."""
    with smtplib.SMTP("127.0.0.1", node.ports["submission"],
                      timeout=scaled(20)) as s:
        s.starttls(context=node.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
        s.mail(USER)
        code, text = s.rcpt(rcpt)
        if code != 250:
            return code, text
        code, text = s.data(b"Subject: t\r\n\r\nbody\r\n")
        return code, text


def sent_total(pg):
    return int(pg.psql("SELECT coalesce(sum(count), 0) FROM sent"))


@pytest.mark.conf(auth_workers="4")
def test_daily_limit_is_one_total_for_both_nodes(nodes, pg):
    a, b = nodes
    pctl(a, "mailbox", "set", USER, "daily_limit", "6")
    accepted = refused = 0
    for i in range(10):
        node = (a, b)[i % 2]
        code, text = send_one(node, "r%d@remote.example" % i)
        if code == 250:
            accepted += 1
            # the count is recorded after the 250: wait for it
            wait_for(lambda: sent_total(pg) == accepted, what="count")
        else:
            assert code == 451 and b"daily" in text.lower(), text
            refused += 1
    assert (accepted, refused) == (6, 4)


@pytest.mark.conf(auth_workers="4")
def test_daily_limit_is_exact_under_concurrent_sends_to_both_nodes(nodes,
                                                                   pg):
    """24 sessions, 12 per node, all logged in with MAIL given, send
    their RCPT at the same moment against a limit of 12: each recipient
    takes a hold in the database at RCPT (store_quota.c), so exactly 12
    are accepted in total, the other 12 get the limit's reply, every
    accepted one is counted once and no hold is left."""
    a, b = nodes
    set_limit(a, 12)
    results = concurrent_sends(nodes, 24, 12)
    accepted = [r for r in results if r[1] == 250]
    print("measured: %d accepted for a limit of 12, 24 sessions at once "
          "on two nodes (%d on A, %d on B)" % (
              len(accepted), sum(1 for r in accepted if r[0] == 0),
              sum(1 for r in accepted if r[0] == 1)))
    assert len(accepted) == 12, results
    assert all(r[3] == 250 for r in accepted), accepted
    wait_for(lambda: sent_total(pg) == 12, what="every send counted")
    wait_for(lambda: pg.psql("SELECT count(*) FROM sent_hold").strip() == "0",
             what="no hold left")


@pytest.mark.parametrize("how", ["RSET", "QUIT", "lost"])
def test_a_hold_on_one_node_is_given_back_to_the_other(nodes, how):
    a, b = nodes
    set_limit(a, 1)
    give_back_case(a, b, how)
    assert sent_24h(a) == 1 and sent_24h(b) == 1


@pytest.mark.conf(delivery="yes", delivery_workers="2")
def test_hard_bounce_on_a_is_refused_at_rcpt_on_b(nodes):
    a, b = nodes
    # B keeps its MAIL's answer (server/mailcheck.h): nothing paused,
    # example.test's suppression list empty, so RCPT need not ask
    assert send_one(b, "fine@remote.example")[0] == 250
    with open(DSN, "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with smtplib.SMTP("127.0.0.1", a.ports["mx"], timeout=10) as s:
        s.ehlo("mx.remote.example")
        assert s.sendmail("", [USER], data) == {}
    a.wait_log("gone@remote.example reason=userunknown fault=recipient "
               "suppress", timeout=10)
    # that line comes just before the write: wait for its commit

    def refused():
        code, text = send_one(b, "gone@remote.example")
        return (code, text) if code == 550 else None

    code, text = wait_for(refused, timeout=10, what="the suppression at B")
    assert b"suppressed for example.test" in text, text
    assert send_one(b, "fine@remote.example")[0] == 250


def mail_from(node):
    """MAIL FROM's reply (code, text) in a fresh session."""
    with smtplib.SMTP("127.0.0.1", node.ports["submission"],
                      timeout=scaled(20)) as s:
        s.starttls(context=node.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
        code, text = s.mail(USER)
        return code, text.decode()


def pause_in_db(pg, notify):
    """A pause as store_health_pause writes it, with its change notice
    (store_health_test checks that the store's writes send it) or, as by
    hand in SQL, without."""
    pg.psql("BEGIN; UPDATE mailbox SET health_paused_until = "
            "extract(epoch from now())::bigint + 3600, health_reason = "
            "'paused by the test' WHERE address = '%s';%s COMMIT" % (
                USER, " SELECT pg_notify('postern_mail', 'example.test');"
                if notify else ""))


def test_mail_check_kept_by_b_is_forgotten_at_a_change(nodes, pg):
    """B keeps MAIL's answer while nothing changes (a pause written
    without its notice is not seen) and forgets it at the change notice
    of any node; with its listener's connection cut, it keeps nothing
    until it listens again (docs/SCALING.md)."""
    a, b = nodes
    for _ in range(2):
        assert mail_from(b)[0] == 250
    # kept: a pause written without its notice is not seen yet
    pause_in_db(pg, notify=False)
    assert mail_from(b)[0] == 250
    pg.psql("SELECT pg_notify('postern_mail', 'example.test')")
    t = time.monotonic()
    wait_for(lambda: mail_from(b)[0] == 451, timeout=5,
             what="the pause at B")
    print("measured: pause held at B %.3fs after its notice"
          % (time.monotonic() - t))
    code, text = mail_from(b)
    assert code == 451 and "paused by the test" in text, text
    pctl(a, "mailbox", "resume", USER)
    assert mail_from(b)[0] == 250
    assert mail_from(b)[0] == 250       # kept again
    # the listeners' connections cut: a change no one hears of
    pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query = 'LISTEN postern_mail'")
    b.wait_log("MAIL checks not kept until", timeout=10)
    pause_in_db(pg, notify=False)
    assert mail_from(b)[0] == 451
    pctl(a, "mailbox", "resume", USER)
    # listening again, B keeps answers again and hears the next change
    b.wait_log("MAIL checks kept again", timeout=scaled(10))
    assert mail_from(b)[0] == 250
    pause_in_db(pg, notify=True)
    wait_for(lambda: mail_from(b)[0] == 451, timeout=5,
             what="the pause at B")


@pytest.mark.conf(auth_cache_ttl="1h")
def test_password_change_lock_and_removal_on_a_hold_on_b_at_once(nodes):
    """B has the old password in its verified-credential cache; the
    change made on A is refused by B's very next login: every login reads
    the mailbox's hash (and locks) from the shared store, and the cache
    only ever matches the hash it was made with (server/authcache.c)."""
    a, b = nodes
    for _ in range(2):
        assert auth(b, USER, PASSWORD)[0] == 235
    pctl(a, "mailbox", "passwd", USER, "--password-stdin",
         password=NEW_PASSWORD)
    t = time.monotonic()
    assert auth(b, USER, PASSWORD)[0] == 535
    print("measured: old password refused by B %.3fs after the change "
          "on A (its first login)" % (time.monotonic() - t))
    assert time.monotonic() - t < scaled(2)
    assert auth(b, USER, NEW_PASSWORD)[0] == 235
    assert auth(b, USER, NEW_PASSWORD)[0] == 235     # cached now
    pctl(a, "mailbox", "lock", USER, "--for", "2h")
    assert auth(b, USER, NEW_PASSWORD)[0] == 454
    pctl(a, "mailbox", "unlock", USER)
    assert auth(b, USER, NEW_PASSWORD)[0] == 235
    pctl(a, "mailbox", "remove", USER)
    assert auth(b, USER, NEW_PASSWORD)[0] == 535


def timed_auth(node, password=PASSWORD):
    t = time.monotonic()
    code, text = auth(node, USER, password)
    return code, text, time.monotonic() - t


@pytest.mark.conf(store_timeout="2s")
def test_database_stopped_gives_454_then_recovers(nodes, pg):
    a, b = nodes
    assert auth(a, USER, PASSWORD)[0] == 235
    pg.stop("fast")
    for node in (a, b):
        code, text, took = timed_auth(node)
        assert code == 454 and "4.7.0" in text, (code, text)
        assert took < scaled(2) + 1, took
        print("measured: database stopped: AUTH 454 in %.3fs" % took)
    assert "PostgreSQL connection lost" in a.log()
    pg.start()
    t = time.monotonic()
    for node in (a, b):
        wait_for(lambda: timed_auth(node)[0] == 235, timeout=20,
                 what="recovery")
    took = time.monotonic() - t
    print("measured: both nodes log in again %.3fs after the restart"
          % took)
    assert took < scaled(10)
    assert "reconnected to PostgreSQL" in a.log()
    for node in (a, b):
        assert node.proc.poll() is None


@pytest.mark.conf(store_timeout="2s", retry_min="500ms", retry_max="1s")
def test_mail_accepted_before_an_outage_is_delivered_after_it(nodes, pg):
    """A message queued (delivery off), then the database goes down and
    the node restarts with delivery on: delivery waits while the store is
    away (the queue does not route a recipient the store cannot place:
    taking the failed lookup for "not a local domain" would send local
    mail by MX or relayhost), and delivers locally once it is back."""
    a, b = nodes
    with smtplib.SMTP("127.0.0.1", a.ports["mx"], timeout=10) as s:
        s.ehlo("mx.remote.example")
        assert s.sendmail("sender@remote.example", [USER],
                          b"Subject: before\r\n\r\nqueued\r\n") == {}
    assert a.stop() == 0
    pg.stop("fast")
    a.settings["delivery"] = "yes"
    a.write_conf()
    a.start()
    a.wait_log("deliver: store: PostgreSQL", timeout=10)
    assert maildir_files(a, USER) == []
    a.wait_log("its recipients wait to be routed", timeout=10)
    pg.start()
    wait_for(lambda: maildir_files(a, USER), timeout=8, what="delivery")
    assert "routed now that the account store answers" in a.log()


@pytest.mark.conf(store_timeout="2s")
def test_node_started_while_the_database_is_down(nodes, pg):
    """serve starts without its database (the store is opened by each
    worker at its first request), answers 454, and needs no restart."""
    a, b = nodes
    assert b.stop() == 0
    pg.stop("fast")
    b.start()
    for _ in range(3):
        code, text, took = timed_auth(b)
        assert code == 454 and took < scaled(2) + 1, (code, took)
    assert "cannot connect" in b.log()
    pg.start()
    wait_for(lambda: timed_auth(b)[0] == 235, timeout=20, what="recovery")
    assert b.proc.poll() is None


@pytest.mark.conf(store_timeout="2s")
def test_database_frozen_never_hangs_past_store_timeout(nodes, pg):
    """The server's processes stopped (SIGSTOP): connections stay open
    but nothing answers, as behind a dead network path.  AUTH still gets
    its 454 within store_timeout, and the node recovers when they go on."""
    a, b = nodes
    assert auth(b, USER, PASSWORD)[0] == 235
    pids = pg.pids()
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    try:
        code, text, took = timed_auth(b)
        assert code == 454, (code, text)
        print("measured: database frozen: AUTH 454 in %.3fs "
              "(store_timeout 2s)" % took)
        assert 1.5 < took < scaled(2) + 1.5, took
        assert "no answer within store_timeout" in b.log()
    finally:
        for p in pids:
            os.kill(p, signal.SIGCONT)
    wait_for(lambda: timed_auth(b)[0] == 235, timeout=20, what="recovery")


def test_store_copy_moves_a_sqlite_install_to_postgresql(pg, unstarted):
    """A single-node install with accounts, an alias, a lock, a count, a
    suppression and a DKIM key, copied into PostgreSQL: the node then
    runs on it with everything there, and new rows get fresh ids."""
    pg.reset()
    node = unstarted
    pctl(node, "alias", "add", "sales@example.test", USER)
    pctl(node, "mailbox", "add", "locked@example.test", "--password-stdin",
         password="another password")
    pctl(node, "mailbox", "lock", "locked@example.test", "--for", "2h")
    pctl(node, "mailbox", "set", USER, "daily_limit", "40")
    pctl(node, "suppress", "add", "example.test", "gone@remote.example")
    pctl(node, "dkim", "add", "example.test", "--alg", "ed25519")
    before = {what: pctl(node, *what.split()).stdout for what in
              ("mailbox list", "alias list", "suppress list", "dkim list")}
    node.settings["store_password_file"] = pg.password_file
    node.write_conf()
    r = pctl(node, "store", "copy", "--from", "sqlite", "--to", pg.uri)
    assert "mailbox: 2 row(s)" in r.stdout and "copied to" in r.stdout
    assert pg.password_file not in r.stdout
    # a second copy into the same database changes nothing
    r = run("-d", node.dir, "store", "copy", "--from", "sqlite", "--to",
            pg.uri, check=False)
    assert r.returncode == 1 and "already holds 1 domain" in r.stderr
    node.settings["store"] = pg.uri
    node.write_conf()
    r = pctl(node, "migrate")
    assert "account store %s: schema version" % pg.uri in r.stdout
    for what, out in before.items():
        assert pctl(node, *what.split()).stdout == out, what
    pctl(node, "mailbox", "add", "third@example.test", "--password-stdin",
         password="third password")
    node.start()
    assert auth(node, USER, PASSWORD)[0] == 235
    assert auth(node, "third@example.test", "third password")[0] == 235
    assert auth(node, "locked@example.test", "another password")[0] == 454
    assert int(pg.psql("SELECT count(*) FROM mailbox")) == 3
    code, text = send_one(node, "gone@remote.example")
    assert code == 550 and b"suppressed" in text
    # and back: into the empty SQLite file of a fresh data directory
    back = os.path.join(node.tmp, "back")
    run("-d", back, "init", "--hostname", HOST)
    with open(os.path.join(back, "postern.conf"), "a") as f:
        f.write("store_password_file = %s\n" % pg.password_file)
    r = run("-d", back, "store", "copy", "--from", pg.uri, "--to",
            "sqlite")
    assert "mailbox: 3 row(s)" in r.stdout
    assert run("-d", back, "mailbox", "list").stdout == \
        pctl(node, "mailbox", "list").stdout


def test_nodes_migrating_at_once_do_not_race(pg, unstarted):
    """Six `postern migrate` at once on an empty database: one makes the
    schema under the advisory lock, the others wait and find it made."""
    pg.reset()
    node = unstarted
    node.settings.update({"store": pg.uri,
                          "store_password_file": pg.password_file})
    node.write_conf()
    procs = [subprocess.Popen([BIN, "-d", node.dir, "migrate"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(6)]
    for p in procs:
        out, err = p.communicate(timeout=scaled(60))
        assert p.returncode == 0, err
        assert "schema version" in out
    assert pg.psql("SELECT count(*), max(version) FROM postern_schema") \
        .strip() == "1|%s" % out.split("schema version ")[1].strip()


def test_admin_api_on_postgresql(nodes, pg):
    """The API's store operations (tokens, the mailbox page with its
    subqueries, unlock, the audit log) run on PostgreSQL too; a token
    made on node A works on a node C with an admin listener."""
    import conftest
    a, b = nodes
    port = conftest.free_port()
    c = pg_node(pg, {"admin": "127.0.0.1:%d" % port}, False).start()
    try:
        check_api(a, b, port)
    finally:
        finish(c)


def check_api(a, b, port):
    import http.client
    import json as js
    tok = pctl(a, "token", "create", "shared", "--scope",
               "read,mailboxes").stdout.rstrip("\n").split("\n")[-1]
    pctl(b, "mailbox", "lock", USER, "--for", "1h")

    def call(path, method="GET", body=None):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        h = {"Authorization": "Bearer " + tok}
        if body is not None:
            h["Content-Type"] = "application/json"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        doc = js.loads(r.read())
        c.close()
        return r.status, doc
    st, doc = call("/api/v1/mailboxes?state=locked&q=user")
    assert st == 200 and [m["address"] for m in doc["mailboxes"]] == [USER]
    st, doc = call("/api/v1/mailboxes/%s/unlock" % USER, "POST", "{}")
    assert st == 200 and doc["was_locked"] is True
    assert auth(a, USER, PASSWORD)[0] == 235
    events = js.loads(pctl(a, "token", "list", "--json").stdout)
    assert events[0]["name"] == "shared" and events[0]["last_used"] > 0

