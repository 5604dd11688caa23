#!/usr/bin/python3
"""make bench: the PostgreSQL store against SQLite (issue 16).  Two postern
servers, one with its SQLite file (`store = sqlite`, the default) and
one on a private PostgreSQL (test/integration/pgserver.py: initdb +
pg_ctl in a temporary directory, 127.0.0.1, scram-sha-256 password;
the tests' settings: `synchronous_commit = off`, as SQLite's
`synchronous = NORMAL` does not sync a commit either, and `fsync =
off`), both `delivery = discard`.  It measures, alternating the two
servers in every repetition so a noisy moment on this shared machine
hits both:

  * AUTH/s: CONC threads, each a new implicit-TLS connection per AUTH
    PLAIN with the right password (bench/auth_rate.py's loop);
  * sustained submission: build/loadgen at the benchmark's target point,
    4 KiB messages, 64 connections, 50 messages each, STARTTLS + AUTH
    PLAIN, for DURATION seconds; with --limit the mailbox also has a
    daily limit (10,000,000, never reached), so every RCPT takes a hold
    on its budget in the store (store_quota.c).

Prints the median of REPS runs for each, the ratio PostgreSQL/SQLite,
postern's CPU per message and, for PostgreSQL, the database server's
CPU per message (postgres processes, from /proc).  --json writes every
run."""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
sys.path.insert(0, HERE)
os.environ.setdefault("POSTERN_BIN", os.path.join(TOP, "build", "postern"))

from conftest import Server, run  # noqa: E402
import pgserver  # noqa: E402
from run import proc_cpu  # noqa: E402
import auth_rate  # noqa: E402
import metrics_ab  # noqa: E402
from metrics_ab import PASSWORD, USER  # noqa: E402


def make(pg, limit):
    conf = {"log_level": "warning", "max_sessions": 20000,
            "hostname": "bench.test", "delivery": "discard",
            "auth_fail_limit": 1000, "auth_ip_fail_limit": 0}
    s = Server(conf)
    if pg is not None:
        s.settings.update({"store": pg.uri,
                           "store_password_file": pg.password_file,
                           "store_timeout": "5s"})
        s.write_conf()
    # auth_rate.py logs in as the harness's own mailbox; the load as USER
    run("-d", s.dir, "domain", "add", "bench.test", "--dkim", "none")
    run("-d", s.dir, "mailbox", "add", USER, "--password-stdin",
        input=PASSWORD + "\n")
    if pg is not None:
        run("-d", s.dir, "domain", "add", "example.test", "--dkim", "none")
        run("-d", s.dir, "mailbox", "add", auth_rate.USER,
            "--password-stdin", input=auth_rate.PASSWORD + "\n")
    if limit:
        run("-d", s.dir, "mailbox", "set", USER, "daily_limit",
            "10000000")
    return metrics_ab.start(s)


def load(srv, duration, pg):
    """metrics_ab's run at the target point, and the database's CPU."""
    d0 = proc_cpu(pg.pids()) if pg is not None else 0.0
    res = metrics_ab.load(srv, duration)
    # a backend that started during the run had no CPU before it
    res["db_cpu_ms_per_msg"] = (proc_cpu(pg.pids()) - d0) * 1000 / max(
        1, res.get("messages_ok", 0)) if pg is not None else 0.0
    return res


def line(name, rates, extra=""):
    return "  %-32s %8.0f  runs %s%s" % (
        name, statistics.median(rates), [round(x) for x in rates], extra)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--auth-conc", type=int, default=4)
    ap.add_argument("--auth-duration", type=float, default=5)
    ap.add_argument("--limit", action="store_true",
                    help="the mailbox has a daily limit (holds at RCPT)")
    ap.add_argument("--no-auth", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    why = pgserver.available()
    if why:
        print("pg_ab: skipped: " + why)
        return
    pg = pgserver.PgServer()
    servers = {}
    try:
        servers = {"sqlite": make(None, a.limit), "postgresql":
                   make(pg, a.limit)}
        rates = {k: [] for k in servers}
        auths = {k: [] for k in servers}
        cpu = {k: [] for k in servers}
        dbcpu = []
        for _ in range(a.reps):
            for name, srv in servers.items():
                if not a.no_auth:
                    auths[name].append(auth_rate.rate(srv, a.auth_conc,
                                                      a.auth_duration))
                r = load(srv, a.duration, pg if name == "postgresql"
                         else None)
                rates[name].append(r["msgs_per_s"])
                cpu[name].append(r["cpu_ms_per_msg"])
                if name == "postgresql":
                    dbcpu.append(r["db_cpu_ms_per_msg"])
    finally:
        for s in servers.values():
            s.cleanup()
        pg.close()
    print("store: PostgreSQL against SQLite, medians of %d alternating "
          "runs%s" % (a.reps, ", the mailbox with a daily limit (a hold "
                      "per RCPT)" if a.limit else ""))
    if not a.no_auth:
        print(" AUTH/s (%d threads, a new TLS connection each)" %
              a.auth_conc)
        for k in servers:
            print(line(k, auths[k]))
        print("  ratio %.2f" % (statistics.median(auths["postgresql"]) /
                                statistics.median(auths["sqlite"])))
    print(" sustained submission msgs/s (4 KiB x 64 connections x 50 "
          "per connection, STARTTLS + AUTH)")
    for k in servers:
        print(line(k, rates[k], "  postern CPU %.3f ms/msg%s" % (
            statistics.median(cpu[k]), "" if k == "sqlite" else
            ", PostgreSQL CPU %.3f ms/msg" % statistics.median(dbcpu))))
    print("  ratio %.2f" % (statistics.median(rates["postgresql"]) /
                            statistics.median(rates["sqlite"])))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"auth_per_s": auths, "msgs_per_s": rates,
                       "cpu_ms_per_msg": cpu, "db_cpu_ms_per_msg": dbcpu,
                       "limit": a.limit}, f, indent=1)


if __name__ == "__main__":
    main()
