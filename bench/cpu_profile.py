#!/usr/bin/python3
"""Where postern's CPU goes at the target point (issue 17, item 2).

Starts postern as bench/run.py does (`delivery = discard`, or with
--maildir `delivery = yes` into a local Maildir), then runs the load of
the target point with build/loadgen (4 KiB, 64 connections, 50 messages
per connection, STARTTLS + AUTH) three times:

1. plain: messages/s and server CPU per message (utime+stime of every
   postern process from /proc, as run.py counts it);
2. under `perf record -e cpu-clock -g` on every postern process: the
   top functions (self time) per process, and per shared object;
3. under `perf trace -s` on every postern process: system calls per
   message, by process and by call (perf trace slows the server, so
   its rate is not a result; the counts per message are).

The first run has no profiler attached; the rates of runs 2 and 3 are
printed for scale only.  The machine gives perf no hardware counters
(no PMU in the VM), so samples come from the cpu-clock software event.
Output: a text report on stdout, and perf's data under --out.
Run as root: /usr/bin/python3 bench/cpu_profile.py (needs linux-perf).
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run as bench  # noqa: E402  (bench/run.py)


def perf_pids(server):
    return ",".join(str(p) for p in server.pids())


def roles(server):
    """{pid: role}: the parent forks auth, queue, smtp in that order
    (server/parent.c), so their pids ascend; smtp is the chrooted one."""
    parent = server.srv.proc.pid
    kids = sorted(p for p in server.pids() if p != parent)
    out = {parent: "parent"}
    for p, name in zip(kids, ("auth", "queue", "smtp", "imap")):
        out[p] = name
    for p in kids:
        if bench.smtp_process(p) and out[p] != "smtp":
            out[p] = "smtp?"
    return out


def threads(pids):
    """{tid: pid} of every thread of pids, now."""
    out = {}
    for p in pids:
        try:
            for t in os.listdir("/proc/%d/task" % p):
                out[int(t)] = p
        except OSError:
            pass
    return out


def cpu_by_pid(pids):
    """{pid: (user s, system s)} from /proc."""
    out = {}
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) / bench.CLK, int(fields[12]) / bench.CLK)
        except (OSError, IndexError, ValueError):
            pass
    return out


def under(cmd, server, a):
    """Run one load while cmd (a perf command line) watches postern."""
    prof = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)          # perf attaches to every thread first
    res = bench.loadgen(server, a.size, a.conc, a.per_conn, a.duration)
    prof.send_signal(2)      # SIGINT: perf writes its data and exits
    _, err = prof.communicate(timeout=300)
    return res, err


PERF_ROW = re.compile(r"^\s*([\d.]+)%\s+(\d+):\S+\s+(\S+)(?:\s+\[.\]\s+(.*))?$")


def report_top(data, a, role, tids):
    """perf report by thread, shared object and symbol (self time),
    summed by process role: the top symbols, then the split by shared
    object."""
    out = subprocess.run(["perf", "report", "-i", data, "--stdio",
                          "--no-children", "-g", "none", "--percent-limit",
                          "0", "--sort", "pid,dso,sym"],
                         capture_output=True, text=True).stdout
    sym, dso = {}, {}
    for ln in out.splitlines():
        m = PERF_ROW.match(ln)
        if not m:
            continue
        pct, tid = float(m.group(1)), int(m.group(2))
        who = role.get(tids.get(tid, tid), "?")
        k = (who, m.group(3), (m.group(4) or "").strip())
        sym[k] = sym.get(k, 0) + pct
        dso[k[:2]] = dso.get(k[:2], 0) + pct

    def top(d, fmt):
        rows = sorted(d.items(), key=lambda kv: -kv[1])
        return "\n".join(fmt % (v,) + "  " + "  ".join(k)
                         for k, v in rows if v >= a.percent_limit)
    return top(sym, "%6.2f%%"), top(dso, "%6.2f%%")


SYSCALL_LINE = re.compile(r"^\s+(\w+)\s+(\d+)\s+(\d+)\s")
PROC_LINE = re.compile(r"^\s*(\S+) \((\d+)\), (\d+) events")


def syscalls_per_message(text, msgs, role, tids):
    """Sum perf trace -s's per-thread tables by process role and call."""
    calls = {}
    who = None
    for line in text.splitlines():
        m = PROC_LINE.match(line)
        if m:
            who = role.get(tids.get(int(m.group(2)), 0), m.group(1))
            continue
        m = SYSCALL_LINE.match(line)
        if m and who is not None:
            k = (who, m.group(1))
            calls[k] = calls.get(k, 0) + int(m.group(2))
    rows = sorted(calls.items(), key=lambda kv: -kv[1])
    total = sum(calls.values())
    lines = ["%-18s %-20s %10s %10s" % ("process", "syscall", "calls",
                                         "per msg")]
    for (who, name), n in rows[:25]:
        lines.append("%-18s %-20s %10d %10.2f" % (who, name, n,
                                                   n / max(msgs, 1)))
    lines.append("total %d calls, %.1f per message" %
                 (total, total / max(msgs, 1)))
    return "\n".join(lines)


def line(res):
    msgs = res.get("messages_ok", 0) or 0
    return ("%.1f msgs/s, %d messages, server CPU %.2f s = %.3f ms per "
            "message" % (res.get("msgs_per_s", 0), msgs,
                         res["server_cpu_s"],
                         res["server_cpu_s"] * 1000 / max(msgs, 1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--conc", type=int, default=64)
    ap.add_argument("--per-conn", type=int, default=50)
    ap.add_argument("--maildir", action="store_true")
    ap.add_argument("--percent-limit", type=float, default=0.8)
    ap.add_argument("--out", default=os.path.join(bench.TOP, "build",
                                                  "profile"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    srv = bench.Postern(maildir=a.maildir)
    srv.start()
    try:
        print("postern (%s), %d B x %d connections x %d per connection, "
              "%g s per run" % ("delivery = yes, Maildir" if a.maildir
                                else "delivery = discard", a.size, a.conc,
                                a.per_conn, a.duration))
        role = roles(srv)
        print("processes: %s" % " ".join(
            "%d=%s" % kv for kv in sorted(role.items())))
        c0 = cpu_by_pid(role)
        res = bench.loadgen(srv, a.size, a.conc, a.per_conn, a.duration)
        c1 = cpu_by_pid(role)
        msgs = max(res.get("messages_ok", 0) or 0, 1)
        print("1. no profiler: " + line(res))
        for p in sorted(role):
            if p in c0 and p in c1:
                u = c1[p][0] - c0[p][0]
                k = c1[p][1] - c0[p][1]
                print("   %-7s user %.3f + system %.3f = %.3f ms per "
                      "message" % (role[p], u * 1000 / msgs,
                                   k * 1000 / msgs, (u + k) * 1000 / msgs))

        data = os.path.join(a.out, "perf.data")
        res, err = under(["perf", "record", "-e", "cpu-clock", "-F", "999",
                          "-g", "-o", data, "-p", perf_pids(srv)], srv, a)
        print("2. under perf record: " + line(res))
        sym, dso = report_top(data, a, role, threads(role))
        print("\ntop symbols (self time, %% of all samples):\n" + sym)
        print("\nby process and shared object:\n" + dso)

        trace = os.path.join(a.out, "trace.txt")
        tids = threads(role)
        res, err = under(["perf", "trace", "-s", "-o", trace, "-p",
                          perf_pids(srv)], srv, a)
        print("\n3. under perf trace -s: " + line(res))
        with open(trace) as f:
            print(syscalls_per_message(f.read(),
                                       res.get("messages_ok", 0) or 0,
                                       role, tids))
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
