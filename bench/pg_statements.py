#!/usr/bin/python3
"""The statements a submitted message costs on PostgreSQL, counted from
the server's own log (docs/BENCHMARKS.md, "The PostgreSQL store against
SQLite").  A postern server on a private PostgreSQL (bench/pg_ab.py's),
`log_statement = all`, then build/loadgen for a few seconds (4 KiB, 4
connections (--concurrency) of 50 messages, STARTTLS + AUTH PLAIN); prints the
statements per accepted message, AUTH and connection set-up included,
and the commonest statements with their count per message.  Not part of
`make bench` (the log costs the database more than the statements); a
tool for whoever changes what the hot path asks.  --limit gives the
mailbox a daily limit, so each RCPT also takes its hold."""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pg_ab  # noqa: E402  (sets sys.path and POSTERN_BIN)
import pgserver  # noqa: E402
from metrics_ab import LOADGEN, PASSWORD, USER  # noqa: E402

STMT = re.compile(r"LOG:  (?:execute \S+|statement): (.*?)(?=\n\S|\Z)", re.S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--limit", action="store_true")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--top", type=int, default=20)
    a = ap.parse_args()
    pg = pgserver.PgServer()
    srv = None
    try:
        srv = pg_ab.make(pg, a.limit)
        pg.psql("ALTER SYSTEM SET log_statement = 'all'")
        pg.psql("SELECT pg_reload_conf()")
        time.sleep(0.5)
        log = os.path.join(pg.tmp, "log")
        start = os.path.getsize(log)
        p = subprocess.run(
            [LOADGEN, "--host", "127.0.0.1", "--port",
             str(srv.ports["submission"]), "--mode", "starttls", "--sni",
             "bench.test", "--user", USER, "--password-env", "BENCH_PW",
             "--concurrency", str(a.concurrency), "--duration", str(a.duration), "--size",
             "4096", "--per-conn", "50", "--to", "sink@bench.test",
             "--json"], capture_output=True, text=True,
            env=dict(os.environ, BENCH_PW=PASSWORD),
            timeout=a.duration * 4 + 60)
        n = max(1, json.loads(p.stdout).get("messages_ok", 0))
        time.sleep(1)   # the queue finishes the last messages
        with open(log, errors="replace") as f:
            f.seek(start)
            text = f.read()
    finally:
        if srv is not None:
            srv.cleanup()
        pg.close()
    count = collections.Counter(" ".join(m.group(1).split())[:110]
                                for m in STMT.finditer(text))
    print("%d messages, %.2f statements a message%s" % (
        n, sum(count.values()) / n, " (daily limit)" if a.limit else ""))
    for sql, k in count.most_common(a.top):
        print("  %6.3f  %s" % (k / n, sql))


if __name__ == "__main__":
    main()
