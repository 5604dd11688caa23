#!/usr/bin/python3
"""make bench: does counting cost throughput?  Two postern servers, one
without an admin listener (no metrics page, every metrics_* call a
no-op) and one with it while a client scrapes /metrics and reads a page
of the mailbox API every 0.5 s (a dashboard or console left open), both
delivery = discard, at the benchmark's
target point: 4 KiB messages, 64 connections, 50 messages each, STARTTLS
+ AUTH PLAIN, build/loadgen.  Runs alternate between the two servers
(off, on, off, on, ...) so a noisy moment on this shared machine hits
both; prints the median msgs/s of each, the ratio on/off, server CPU per
1,000 messages, and the scrape count and its slowest answer."""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(TOP, "build", "postern"))

from conftest import Server, free_port, run  # noqa: E402
from run import LOADGEN, PASSWORD, USER, children, proc_cpu  # noqa: E402


def make(admin):
    conf = {"log_level": "warning", "max_sessions": 20000,
            "hostname": "bench.test", "delivery": "discard"}
    if admin:
        conf["admin"] = "127.0.0.1:%d" % free_port()
    s = Server(conf)
    run("-d", s.dir, "domain", "add", "bench.test")
    run("-d", s.dir, "mailbox", "add", USER, "--password-stdin",
        input=PASSWORD + "\n")
    s.admin_port = int(conf["admin"].rsplit(":", 1)[1]) if admin else None
    return start(s)


def start(s):
    """Start s and return it once its submission port answers."""
    s.start(wait=False)         # log_level warning: no "ready" line
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", s.ports["submission"]),
                                     timeout=1).close()
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


class Scraper(threading.Thread):
    """Every 0.5 s: /metrics, and what an open console polls through
    the API: the overview with its failed logins and a page of the
    mailbox list."""

    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.stop, self.n, self.slowest = False, 0, 0.0

    def get(self, path, headers):
        t0 = time.time()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        r.read()
        assert r.status == 200, r.status
        c.close()
        self.slowest = max(self.slowest, time.time() - t0)
        self.n += 1

    def run(self):
        while not self.stop:
            self.get("/metrics", {})
            auth = {"Authorization": "Bearer " + self.token}
            self.get("/api/v1/mailboxes?limit=100", auth)
            self.get("/api/v1/overview", auth)
            self.get("/api/v1/logins?result=failed&limit=20", auth)
            time.sleep(0.5)


def load(srv, duration):
    args = [LOADGEN, "--host", "127.0.0.1", "--port",
            str(srv.ports["submission"]), "--mode", "starttls", "--sni",
            "bench.test", "--user", USER, "--password-env", "BENCH_PW",
            "--concurrency", "64", "--duration", str(duration), "--size",
            "4096", "--per-conn", "50", "--to", "sink@bench.test", "--json"]
    pids = children(srv.proc.pid)
    c0 = proc_cpu(pids)
    p = subprocess.run(args, capture_output=True, text=True,
                       env=dict(os.environ, BENCH_PW=PASSWORD),
                       timeout=duration * 4 + 120)
    res = json.loads(p.stdout)
    res["cpu_ms_per_msg"] = (proc_cpu(pids) - c0) * 1000 / max(
        1, res.get("messages_ok", 0))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    off, on = make(False), make(True)
    rates = {"off": [], "on": []}
    cpums = {"off": [], "on": []}
    token = run("-d", on.dir, "token", "create", "console", "--scope",
                "read").stdout.rstrip("\n").split("\n")[-1]
    scraper = Scraper(on.admin_port, token)
    scraper.start()
    try:
        for _ in range(a.reps):
            for name, srv in (("off", off), ("on", on)):
                r = load(srv, a.duration)
                rates[name].append(r["msgs_per_s"])
                cpums[name].append(r["cpu_ms_per_msg"])
    finally:
        scraper.stop = True
        off.cleanup()
        on.cleanup()
    m_off, m_on = statistics.median(rates["off"]), statistics.median(
        rates["on"])
    print("metrics on/off, 4 KiB x 64 connections x 50 per connection, "
          "delivery = discard, medians of %d alternating runs" % a.reps)
    print("  %-28s %8.0f msgs/s  %.3f ms CPU/msg  runs %s" % (
        "no admin listener", m_off, statistics.median(cpums["off"]),
        [round(x) for x in rates["off"]]))
    print("  %-28s %8.0f msgs/s  %.3f ms CPU/msg  runs %s" % (
        "admin, polled every 0.5 s", m_on,
        statistics.median(cpums["on"]), [round(x) for x in rates["on"]]))
    print("  ratio on/off %.3f; %d requests (/metrics, the overview, failed "
          "logins, a page of mailboxes), slowest %.1f ms" % (
        m_on / m_off if m_off else 0, scraper.n, scraper.slowest * 1000))


if __name__ == "__main__":
    main()
