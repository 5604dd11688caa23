#!/usr/bin/python3
"""make bench: the admin API's mailbox list at 10,000 mailboxes (issue
22's target: a page of 500 with p95 <= 50 ms).  One postern with an
admin listener; 10,000 mailboxes over 20 domains are written straight
into its SQLite store (argon2id for each would take minutes and is not
what is measured), with failed logins on one in ten and a lock on one in
a hundred, so the per-row lookups have rows to find.  Then, over one
keep-alive connection: walking every page of 500 in order, and 200
requests for a page of 500 after a random cursor, with and without a
filter; prints p50/p95/max in milliseconds.  Then the console's
overview screen: its API calls (/api/v1/overview, /api/v1/logins) in
turn, 50 times, with 14 days of sending counters on every mailbox
(issue 22's target: <= 200 ms for the screen's calls in total)."""
import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(TOP, "build", "postern"))

from conftest import Server, free_port, run  # noqa: E402


def fill(srv, n, domains):
    db = sqlite3.connect(os.path.join(srv.dir, "db", "postern.db"))
    now = int(time.time())
    ph = db.execute("SELECT password_hash FROM mailbox LIMIT 1").fetchone()[0]
    for d in range(domains):
        db.execute("INSERT INTO domain(name, created) VALUES (?, ?)",
                   ("d%02d.test" % d, now))
    ids = {r[1]: r[0] for r in db.execute("SELECT id, name FROM domain")}
    rows, fails, locks = [], [], []
    for i in range(n):
        dom = "d%02d.test" % (i % domains)
        addr = "m%05d@%s" % (i, dom)
        rows.append((ids[dom], addr, ph, now))
        if i % 10 == 0:
            fails.append((addr, "192.0.2.%d" % (i % 250), "wrong password",
                          1, now - 60))
        if i % 100 == 0:
            locks.append((addr, now + 3600))
    db.executemany("INSERT INTO mailbox(domain_id, address, password_hash, "
                   "created) VALUES (?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO auth_failure(username, client, reason, "
                   "counted, time) VALUES (?, ?, ?, ?, ?)", fails)
    db.executemany("INSERT INTO auth_lock(username, locked_until) "
                   "VALUES (?, ?)", locks)
    today = now // 86400
    mids = [r[0] for r in db.execute("SELECT id FROM mailbox")]
    db.executemany("INSERT INTO health_day(mailbox_id, day, submitted, "
                   "delivered, deferred, bounced) VALUES (?, ?, ?, ?, ?, ?)",
                   [(m, today - k, 20, 19, 2, 1) for m in mids
                    for k in range(14)])
    db.executemany("INSERT INTO sent(mailbox_id, time, count) "
                   "VALUES (?, ?, ?)",
                   [(m, now - now % 60 - 60 * k, 3) for m in mids
                    for k in range(5)])
    db.commit()
    db.close()


def timed(conn, path, token):
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t0) * 1000
    assert r.status == 200, (r.status, body[:200])
    return ms, json.loads(body)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()
    port = free_port()
    srv = Server({"admin": "127.0.0.1:%d" % port, "log_level": "info"})
    try:
        fill(srv, a.mailboxes, 20)
        tok = run("-d", srv.dir, "token", "create", "bench", "--scope",
                  "read").stdout.rstrip("\n").split("\n")[-1]
        srv.start()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        walk, cursor, seen = [], "", 0
        while True:
            ms, doc = timed(conn, "/api/v1/mailboxes?limit=500&cursor=" +
                            cursor, tok)
            walk.append(ms)
            seen += len(doc["mailboxes"])
            cursor = doc["next_cursor"]
            if not cursor:
                break
        addrs = ["m%05d@d%02d.test" % (i, i % 20)
                 for i in range(a.mailboxes)]
        rnd, filt = [], []
        for _ in range(a.requests):
            c = random.choice(addrs)
            rnd.append(timed(conn, "/api/v1/mailboxes?limit=500&cursor=" +
                             c, tok)[0])
            filt.append(timed(conn, "/api/v1/mailboxes?limit=500&domain="
                              "d07.test&state=active&q=m0&cursor=" + c,
                              tok)[0])
        over = []
        for _ in range(50):
            t = timed(conn, "/api/v1/overview", tok)
            assert t[1]["mailboxes"]["total"] >= a.mailboxes, t[1]
            over.append(t[0] + timed(conn, "/api/v1/logins?result=failed"
                                     "&limit=20", tok)[0])
        conn.close()
    finally:
        srv.cleanup()
    print("admin API, GET /api/v1/mailboxes?limit=500 at %d mailboxes "
          "(SQLite, keep-alive, one client)" % a.mailboxes)
    print("  walk of all %d pages (%d rows): total %.0f ms, p95 %.1f ms, "
          "max %.1f ms" % (len(walk), seen, sum(walk), pct(walk, 95),
                           max(walk)))
    for name, v in (("random cursor", rnd), ("+ domain, state, q", filt),
                    ("overview screen", over)):
        print("  %-20s %d requests: p50 %.1f ms, p95 %.1f ms, max %.1f ms"
              % (name, len(v), statistics.median(v), pct(v, 95), max(v)))


if __name__ == "__main__":
    main()
