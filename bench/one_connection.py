#!/usr/bin/python3
"""Messages per second over one authenticated STARTTLS connection.

Starts a real `postern serve` in a scratch directory (the integration test
harness), opens one connection to the submission port, STARTTLS, AUTH
PLAIN, then sends N messages of SIZE bytes one after another, pipelining
MAIL/RCPT/DATA as RFC 2920 allows and waiting for each 250 (so every
message is durable on disk before the next starts).  Every reply is
checked; a failed transaction aborts the run.  Prints one JSON line.

Usage: bench/one_connection.py [--count 200] [--size 4096] [--runs 3]
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test",
                                "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(
    os.path.dirname(__file__), "..", "build", "postern"))

from conftest import Server  # noqa: E402


def body(size):
    line = b"x" * 76 + b"\r\n"
    head = b"From: user@example.test\r\nTo: a@example.org\r\nSubject: b\r\n\r\n"
    n = max(0, (size - len(head)) // len(line))
    return head + line * n


def one_run(srv, count, size):
    d = srv.dialog("submission")
    code, _ = d.login()
    assert code == 235, code
    msg = body(size) + b".\r\n"
    t0 = time.perf_counter()
    for _ in range(count):
        d.send(b"MAIL FROM:<user@example.test>\r\nRCPT TO:<a@example.org>"
               b"\r\nDATA\r\n")
        for want in (250, 250, 354):
            code, lines = d.reply()
            assert code == want, (code, lines)
        d.send(msg)
        code, lines = d.reply()
        assert code == 250, (code, lines)
    elapsed = time.perf_counter() - t0
    d.cmd("QUIT")
    return count / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    srv = Server({"log_level": "info"}).start()
    try:
        rates = [one_run(srv, a.count, a.size) for _ in range(a.runs)]
        queued = len(srv.queued())
        assert queued == a.count * a.runs, queued
    finally:
        srv.cleanup()
    print(json.dumps({"bench": "one_connection_starttls_auth",
                      "messages": a.count, "size": a.size,
                      "runs": [round(r, 1) for r in rates],
                      "median_msgs_per_s": round(statistics.median(rates), 1)}))


if __name__ == "__main__":
    main()
