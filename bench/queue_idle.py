#!/usr/bin/env python3
"""What a waiting queue costs: the CPU the server spends while N messages
sit in its queue and none may go.

    bench/queue_idle.py [--messages N] [--seconds S] [--mode MODE ...]

Modes:
  empty     no message queued: the floor;
  deferred  N messages whose first attempt got 451 (retry_min 1h): not
            due, the scheduler only reads their next attempt time;
  held      N messages due to a Google MX while a 421 4.7.28 holds
            their DKIM domain (docs/DELIVERABILITY.md): due, but every
            pass asks the hold table about each.

For each mode a server starts with the default delivery_workers (20),
its test DNS server on loopback maps g.test to a Google-named MX, a sink
on 127.0.0.2 answers, N messages are submitted, and once the queue is
quiet the server's processes' CPU time is read over S seconds.  Prints
CPU milliseconds per second of wall time, and per 1,000 queued messages.
With --flow F, F messages from another domain (b.test, not held) are
then submitted to the same MX and timed until the sink has them all:
the rate at which mail still flows past the waiting queue, and the
connections it took ("conns" counts those of the N queued, "flow conns"
those of the F).
Run it inside `unshare -n` (bench/README: loopback only).
"""
import argparse
import os
import smtplib
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
sys.path.insert(0, HERE)

from conftest import PASSWORD, USER, Server, free_port, run  # noqa: E402
from dnsfix import Zone  # noqa: E402
from run import children, proc_cpu  # noqa: E402
from sinks import Sink  # noqa: E402

GOOGLE_MX = "aspmx.l.google.com"
DKIM_421 = ("421-4.7.28 [127.0.0.1] Our system has detected an unusual "
            "rate of\r\n421-4.7.28 unsolicited mail originating from your "
            "DKIM domain example.test. To\r\n421 4.7.28 protect our users "
            "from spam, mail from your domain has been rate limited.")


def submit(srv, n, sessions=4, sender=USER, tag="m"):
    """n messages to g.test, over `sessions` sessions at once."""
    errors = []

    def one(k):
        try:
            with smtplib.SMTP("127.0.0.1", srv.ports["submission"],
                              timeout=60) as s:
                s.starttls(context=srv.client_context(
                    check_hostname=False))
                s.login(sender, PASSWORD)
                for i in range(k, n, sessions):
                    rcpt = "%s%d@g.test" % ("u" if tag == "m" else tag, i)
                    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: "
                           "%s%d\r\nMessage-ID: <%s%d@x.test>\r\n\r\n"
                           "Hello.\r\n" % (sender, rcpt, tag, i, tag, i))
                    s.sendmail(sender, [rcpt], msg.encode())
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=one, args=(k,)) for k in range(sessions)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise SystemExit("submission failed: %r" % errors[0])


def measure(mode, n, seconds, flow):
    dns = Zone(zones=("test", "google.com"))
    dns.mx("g.test", GOOGLE_MX, 10)
    dns.a(GOOGLE_MX, "127.0.0.2")
    port = free_port(addr="127.0.0.2")
    if mode == "held":
        sink = Sink("127.0.0.2", port, script=[DKIM_421])
    else:
        # the queued messages are deferred; the flow's are accepted
        sink = Sink("127.0.0.2", port, rules={
            "u%d@g.test" % i: ["451 4.3.0 later"] for i in range(n)})
    srv = Server({"delivery": "yes", "dns_server": dns.addr,
                  "outbound_port": port, "retry_min": "1h",
                  "retry_max": "2h", "log_level": "info",
                  "timeout_connect": "2s", "timeout_outbound": "10s"})
    try:
        with sink:
            srv.start()
            if mode == "held":
                submit(srv, 1)
                srv.wait_log("hold google dkim=example.test until", 30)
            if mode != "empty":
                submit(srv, n)
            # quiet: no new connection to the sink for 3 s
            last, since = -1, time.time()
            while time.time() - since < 3:
                c = len(sink.conns)
                if c != last:
                    last, since = c, time.time()
                time.sleep(0.2)
            pids = children(srv.proc.pid)
            c0, t0 = proc_cpu(pids), time.time()
            time.sleep(seconds)
            c1, t1 = proc_cpu(pids), time.time()
            ms, conns = (c1 - c0) / (t1 - t0) * 1000, len(sink.conns)
            rate, fconns = float("nan"), 0
            if flow:
                # mail from another domain, on the same MX, meanwhile
                run("-d", srv.dir, "domain", "add", "b.test", "--dkim",
                    "none")
                run("-d", srv.dir, "mailbox", "add", "bob@b.test",
                    "--password-stdin", input=PASSWORD + "\n")
                before = len(sink.messages)
                t0 = time.time()
                submit(srv, flow, sender="bob@b.test", tag="f")
                while len(sink.messages) - before < flow:
                    if time.time() - t0 > 600:
                        raise SystemExit("flow: %d of %d delivered in "
                                         "600 s" % (len(sink.messages) -
                                                    before, flow))
                    time.sleep(0.05)
                rate = flow / (time.time() - t0)
                fconns = len(sink.conns) - conns
            return ms, conns, rate, fconns
    finally:
        srv.cleanup()
        dns.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--mode", action="append",
                    choices=("empty", "deferred", "held"))
    ap.add_argument("--flow", type=int, default=0,
                    help="then submit this many from b.test to the same "
                    "MX and time their delivery (msgs/s)")
    a = ap.parse_args()
    print("%-9s %8s %12s %16s %6s %10s %11s" % (
        "mode", "queued", "CPU ms/s", "ms/s per 1000", "conns", "flow/s",
        "flow conns"))
    for mode in a.mode or ["empty", "deferred", "held"]:
        n = 0 if mode == "empty" else a.messages
        ms, conns, rate, fconns = measure(mode, n, a.seconds, a.flow)
        per = ms / (n / 1000) if n else float("nan")
        print("%-9s %8d %12.1f %16.2f %6d %10.1f %11d" % (
            mode, n, ms, per, conns, rate, fconns), flush=True)


if __name__ == "__main__":
    main()
