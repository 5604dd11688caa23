#!/usr/bin/python3
"""IMAP through Dovecot and postern's login policy (docs/IMAP.md).

Starts a real `postern serve` with Dovecot (the integration harness),
provisions MAILBOXES mailboxes, then measures:

  * logins/s: PROCS client processes, each looping connect (implicit
    TLS), LOGIN, LOGOUT over the mailboxes for DURATION seconds; every
    login goes through postern-checkpassword and postern's auth process,
    with the credential cache warm (one untimed login per mailbox first,
    as for a platform that polls all day);
  * a platform polling every mailbox once a minute: each mailbox gets
    LOGIN, SELECT INBOX, UID SEARCH SINCE yesterday, LOGOUT at its own
    moment of the minute, for POLL_SECONDS; login latency p50/p95 and
    server CPU per poll.

Server CPU is the machine's busy time (/proc/stat) minus the client's
own (getrusage), so it counts postern, Dovecot and the helper alike.
Prints JSON.  The machine is shared and the client runs on the same
cores: read the numbers as a lower bound of what the server can do.
"""
import argparse
import concurrent.futures
import csv
import imaplib
import json
import multiprocessing
import os
import resource
import socket
import ssl
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test",
                                "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(
    os.path.dirname(__file__), "..", "build", "postern"))

from conftest import HOST, Server, free_port, run  # noqa: E402


class IMAPS(imaplib.IMAP4_SSL):
    def __init__(self, port, ctx):
        super().__init__(HOST, port, ssl_context=ctx, timeout=60)

    def _create_socket(self, timeout):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]     # all but idle and iowait


def client_cpu():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def start(mailboxes):
    ports = {"imap": free_port(), "imaps": free_port()}
    srv = Server({"imap": "dovecot",
                  "imap_listen": "127.0.0.1:%d" % ports["imap"],
                  "imaps_listen": "127.0.0.1:%d" % ports["imaps"],
                  "log_level": "info", "auth_fail_limit": 1000,
                  "auth_ip_fail_limit": 0})
    srv.ports.update(ports)
    path = os.path.join(srv.tmp, "accounts.csv")
    run("-d", srv.dir, "provision", "example.test", "--count",
        str(mailboxes), "--csv", path)
    with open(path, newline="") as f:
        accounts = [(r["username"], r["password"])
                    for r in csv.DictReader(f)]
    srv.start()
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", ports["imaps"]),
                                     1).close()
            break
        except OSError:
            if time.time() > deadline:
                raise SystemExit("no IMAP:\n" + srv.log()[-2000:])
            time.sleep(0.05)
    return srv, accounts


def login_loop(args):
    port, cafile, accounts, duration, offset = args
    ctx = ssl.create_default_context(cafile=cafile)
    n, lat, i = 0, [], offset
    end = time.time() + duration
    while time.time() < end:
        user, pw = accounts[i % len(accounts)]
        i += 1
        t0 = time.perf_counter()
        m = IMAPS(port, ctx)
        m.login(user, pw)
        lat.append(time.perf_counter() - t0)
        m.logout()
        n += 1
    return n, lat


def warm(srv, accounts, threads=8):
    """One login per mailbox, untimed: the first login of a mailbox runs
    argon2id (about 60 ms of CPU); the credential cache then holds it
    for auth_cache_ttl (5 min), as for a platform polling all day."""
    ctx = ssl.create_default_context(cafile=srv.cafile)

    def one(acct):
        m = IMAPS(srv.ports["imaps"], ctx)
        m.login(*acct)
        m.logout()
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        list(ex.map(one, accounts))
    return round(time.time() - t0, 1)


def login_rate(srv, accounts, procs, duration):
    b0, c0, t0 = busy_jiffies(), client_cpu(), time.time()
    with multiprocessing.Pool(procs) as pool:
        res = pool.map(login_loop, [
            (srv.ports["imaps"], srv.cafile, accounts, duration,
             k * len(accounts) // procs) for k in range(procs)])
    wall = time.time() - t0
    busy = (busy_jiffies() - b0) / os.sysconf("SC_CLK_TCK")
    client = client_cpu() - c0
    n = sum(r[0] for r in res)
    lat = sorted(x for r in res for x in r[1])
    return {"procs": procs, "logins": n, "seconds": round(wall, 2),
            "logins_per_s": round(n / wall, 1),
            "login_ms_p50": round(1000 * lat[len(lat) // 2], 2),
            "login_ms_p95": round(1000 * lat[int(len(lat) * .95)], 2),
            "server_cpu_ms_per_login": round(1000 * max(busy - client, 0)
                                             / n, 3),
            "client_cpu_ms_per_login": round(1000 * client / n, 3)}


def poll_one(port, ctx, user, pw, since):
    t0 = time.perf_counter()
    m = IMAPS(port, ctx)
    m.login(user, pw)
    t_login = time.perf_counter() - t0
    m.select("INBOX")
    m.uid("SEARCH", "SINCE", since)
    m.logout()
    return t_login, time.perf_counter() - t0


def platform_poll(srv, accounts, seconds, threads):
    """Every mailbox once per 60 s, spread evenly over the minute."""
    ctx = ssl.create_default_context(cafile=srv.cafile)
    since = time.strftime("%d-%b-%Y", time.gmtime(time.time() - 86400))
    gap = 60.0 / len(accounts)
    lat, total, late = [], [], 0
    b0, c0, t0 = busy_jiffies(), client_cpu(), time.time()
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        futs = []
        k = 0
        while time.time() - t0 < seconds:
            due = t0 + k * gap
            now = time.time()
            if due > now:
                time.sleep(due - now)
            elif now - due > 1:
                late += 1
            user, pw = accounts[k % len(accounts)]
            futs.append(ex.submit(poll_one, srv.ports["imaps"], ctx, user,
                                  pw, since))
            k += 1
        for f in futs:
            a, b = f.result()
            lat.append(a)
            total.append(b)
    wall = time.time() - t0
    busy = (busy_jiffies() - b0) / os.sysconf("SC_CLK_TCK")
    client = client_cpu() - c0
    lat.sort()
    total.sort()
    return {"mailboxes": len(accounts), "polls": len(lat),
            "seconds": round(wall, 1),
            "polls_per_s": round(len(lat) / wall, 2),
            "login_ms_p50": round(1000 * lat[len(lat) // 2], 2),
            "login_ms_p95": round(1000 * lat[int(len(lat) * .95)], 2),
            "poll_ms_p50": round(1000 * total[len(total) // 2], 2),
            "poll_ms_p95": round(1000 * total[int(len(total) * .95)], 2),
            "started_late": late,
            "server_cpu_ms_per_poll": round(1000 * max(busy - client, 0)
                                            / len(lat), 3),
            "cpu_share_of_one_core": round(max(busy - client, 0) / wall,
                                           4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=1000)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--poll-seconds", type=float, default=60)
    ap.add_argument("--poll-threads", type=int, default=16)
    a = ap.parse_args()
    srv, accounts = start(a.mailboxes)
    try:
        cold = warm(srv, accounts)
        out = {"warm_up_seconds": cold,
               "login_rate": login_rate(srv, accounts, a.procs, a.duration),
               "platform_poll": platform_poll(srv, accounts, a.poll_seconds,
                                              a.poll_threads)}
    finally:
        srv.cleanup()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
