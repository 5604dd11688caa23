#!/usr/bin/python3
"""End-to-end throughput: messages accepted *and delivered* per second.

Starts a real `postern serve` with delivery on, the test DNS server
(test/integration/dnsfix.py) publishing an MX on 127.0.0.2, and a
receiving MTA there (aiosmtpd, test/integration/sinks.py).  The load
generator (bench/loadgen) submits N messages of SIZE bytes over
STARTTLS + AUTH; the clock runs from the first connection until the
sink holds every message (remote) or the queue is empty and every
message is in the Maildir (local).  Every message is checked to arrive
exactly once.  Prints one JSON line per mode.

aiosmtpd is Python: at high rates the sink, not postern, may be the
limit; the "accepted" rate (loadgen alone) is printed beside it.

Usage: bench/deliver.py [--messages 2000] [--size 4096] [--conc 8]
       [--per-conn 50] [--mode remote|local|both]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(HERE, "..", "build",
                                                  "postern"))

from conftest import PASSWORD, USER, Server, free_port, run  # noqa: E402
from dnsfix import Zone  # noqa: E402
from sinks import Sink  # noqa: E402

LOADGEN = os.path.join(HERE, "..", "build", "loadgen")


def loadgen(srv, a, to):
    env = dict(os.environ, LG_PASSWORD=PASSWORD)
    out = subprocess.run(
        [LOADGEN, "--host", "127.0.0.1", "--port",
         str(srv.ports["submission"]), "--mode", "starttls", "--user", USER,
         "--password-env", "LG_PASSWORD", "--concurrency", str(a.conc),
         "--messages", str(a.messages), "--size", str(a.size),
         "--per-conn", str(a.per_conn), "--from", USER, "--to", to,
         "--json"], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit("loadgen failed: %s %s" % (out.stdout, out.stderr))
    return json.loads(out.stdout)


def wait(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return time.perf_counter()
        time.sleep(0.01)
    raise SystemExit("timed out waiting for delivery")


def remote(a):
    dns = Zone()
    dns.mx("sink.test", "mx.sink.test", 10)
    dns.a("mx.sink.test", "127.0.0.2")
    port = free_port()
    sink = Sink("127.0.0.2", port).start()
    srv = Server({"log_level": "info", "delivery": "yes",
                  "dns_server": dns.addr, "outbound_port": port,
                  "outbound_tls": "none"}).start()
    try:
        t0 = time.perf_counter()
        lg = loadgen(srv, a, "bench@sink.test")
        t1 = wait(lambda: len(sink.messages) >= a.messages, 600)
        time.sleep(0.5)
        assert len(sink.messages) == a.messages, len(sink.messages)
    finally:
        srv.cleanup()
        sink.stop()
        dns.stop()
    return lg, t1 - t0


def local(a):
    srv = Server({"log_level": "info", "delivery": "yes"})
    run("-d", srv.dir, "mailbox", "add", "sink@example.test",
        "--password-stdin", input="a long enough password\n")
    srv.start()
    new = os.path.join(srv.dir, "mail", "example.test", "sink", "Maildir",
                       "new", "*")
    try:
        t0 = time.perf_counter()
        lg = loadgen(srv, a, "sink@example.test")
        t1 = wait(lambda: len(glob.glob(new)) >= a.messages, 600)
        assert len(glob.glob(new)) == a.messages
        wait(lambda: not srv.queued(), 60)
    finally:
        srv.cleanup()
    return lg, t1 - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--conc", type=int, default=8)
    ap.add_argument("--per-conn", type=int, default=50)
    ap.add_argument("--mode", default="both")
    a = ap.parse_args()
    for mode in ("remote", "local"):
        if a.mode not in (mode, "both"):
            continue
        lg, elapsed = (remote if mode == "remote" else local)(a)
        print(json.dumps({
            "bench": "deliver_end_to_end", "mode": mode,
            "messages": a.messages, "size": a.size,
            "concurrency": a.conc, "per_conn": a.per_conn,
            "accepted_msgs_per_s": lg.get("msgs_per_s"),
            "delivered_msgs_per_s": round(a.messages / elapsed, 1),
            "seconds": round(elapsed, 2)}), flush=True)


if __name__ == "__main__":
    main()
