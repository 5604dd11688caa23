#!/usr/bin/python3
"""AUTH verifications per second, and timing parity of failures.

Starts a real `postern serve` (the integration harness) and measures:
  * verifications/s: CONC threads, each keeping one implicit-TLS
    connection open and sending AUTH PLAIN with the right password, then
    RSET-free re-authentication on a new connection (AUTH is allowed once
    per session), for DURATION seconds;
  * the median time of a failed AUTH for a known user with a wrong
    password versus an unknown user (TRIES each, interleaved), which must
    agree within 10 % so timing reveals nothing.
Lockout is raised out of the way for the measurement.  Prints JSON.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test",
                                "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(
    os.path.dirname(__file__), "..", "build", "postern"))

from conftest import PASSWORD, USER, Server, plain_token  # noqa: E402


def one_auth(srv, user, password):
    d = srv.dialog("smtps")
    d.expect("EHLO bench.example", 250)
    t0 = time.perf_counter()
    code, _ = d.cmd("AUTH PLAIN " + plain_token(user, password))
    dt = time.perf_counter() - t0
    d.close()
    return code, dt


def rate(srv, conc, duration):
    stop = time.time() + duration
    counts = [0] * conc

    def worker(i):
        while time.time() < stop:
            code, _ = one_auth(srv, USER, PASSWORD)
            assert code == 235, code
            counts[i] += 1

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(conc)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def parity(srv, tries):
    known, unknown = [], []
    for i in range(tries):
        code, dt = one_auth(srv, USER, "wrong password %d" % i)
        assert code == 535
        known.append(dt)
        code, dt = one_auth(srv, "nobody%d@example.test" % i, "wrong")
        assert code == 535
        unknown.append(dt)
    a, b = statistics.median(known), statistics.median(unknown)
    return a, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conc", type=int, default=4)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--tries", type=int, default=200)
    a = ap.parse_args()
    srv = Server({"log_level": "info", "auth_fail_limit": 1000,
                  "auth_ip_fail_limit": 0}).start()
    try:
        r = rate(srv, a.conc, a.duration)
        k, u = parity(srv, a.tries)
    finally:
        srv.cleanup()
    print(json.dumps({
        "bench": "auth", "concurrency": a.conc,
        "verifications_per_s": round(r, 1),
        "failed_auth_median_ms": {"known_user_wrong_password":
                                  round(k * 1000, 2),
                                  "unknown_user": round(u * 1000, 2)},
        "parity_diff_pct": round(abs(k - u) / max(k, u) * 100, 1)}))


if __name__ == "__main__":
    main()
