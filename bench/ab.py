#!/usr/bin/python3
"""Two builds of postern side by side at one point of make bench's matrix.

    bench/ab.py BIN_A BIN_B [--size 4096 --conc 64 --per 50]
                [--duration 5] [--reps 8] [--maildir]

Both servers run at once (idle while the other is measured); the
repetitions alternate A, B, B, A, ... so that a noisy moment of this
shared machine hits both alike.  Prints each run and, per build, the
median messages/s and server CPU seconds per 1,000 messages.  For a
refactor that must not cost speed (the layout issue): a difference
inside the runs' spread is noise.  --maildir: both with `delivery =
yes` into a local Maildir, as make bench's postern-md (each run ends
when its messages are all delivered, and that CPU counts)."""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402


class Build(bench.Postern):
    def __init__(self, name, binary, maildir=False):
        self.binary = binary
        super().__init__(maildir=maildir)
        self.name = name

    def start(self):
        old = os.environ.get("POSTERN_BIN")
        os.environ["POSTERN_BIN"] = self.binary
        try:
            super().start()
        finally:
            if old is not None:
                os.environ["POSTERN_BIN"] = old
        exe = os.readlink("/proc/%d/exe" % self.srv.proc.pid)
        print("%s runs %s" % (self.name, exe), flush=True)
        assert os.path.samefile(exe, self.binary), (exe, self.binary)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--conc", type=int, default=64)
    ap.add_argument("--per", type=int, default=50)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--maildir", action="store_true")
    a = ap.parse_args()
    builds = [Build("A", os.path.abspath(a.a), a.maildir),
              Build("B", os.path.abspath(a.b), a.maildir)]
    runs = {"A": [], "B": []}
    try:
        for b in builds:
            b.start()
        for rep in range(a.reps):
            order = builds if rep % 4 in (0, 3) else builds[::-1]
            for b in order:
                r = bench.loadgen(b, a.size, a.conc, a.per, a.duration)
                ok = r.get("messages_ok") or 0
                cpu = r["server_cpu_s"] * 1000 / ok if ok else 0
                runs[b.name].append((r.get("msgs_per_s", 0), cpu))
                print("%s %8.1f msgs/s %6.3f cpu s/1000" % (
                    b.name, r.get("msgs_per_s", 0), cpu), flush=True)
    finally:
        for b in builds:
            b.stop()
    for name, binary in (("A", a.a), ("B", a.b)):
        rates = [r for r, _ in runs[name]]
        cpus = [c for _, c in runs[name]]
        print("%s %s: median %.1f msgs/s (%.1f-%.1f), %.3f cpu s/1000 "
              "(%.3f-%.3f)" % (name, binary, statistics.median(rates),
                               min(rates), max(rates),
                               statistics.median(cpus), min(cpus),
                               max(cpus)))


if __name__ == "__main__":
    main()
