#!/usr/bin/python3
"""make bench: postern against Postfix, chasquid and OpenSMTPD, side by side.

Starts postern (a scratch data directory made with `postern init`) and,
unless --peers none, Postfix, chasquid and OpenSMTPD (bench/peers.sh,
Debian packages, scratch directories, loopback ports, STARTTLS + AUTH),
all at once and idle, then runs the fixed matrix with build/loadgen,
alternating servers for each repetition so that a noisy moment hits all
of them:

    message size 1 KiB and 64 KiB  x  concurrency 1, 8, 64
    x  1 and 50 messages per connection
    + the target point: 4 KiB, 50 per connection, 64 connections
    + handshake-only (connect + STARTTLS + QUIT), concurrency 8

postern runs with `delivery = discard` everywhere; at the target point a
second postern ("postern-md") also runs, with `delivery = yes` into the
Maildir of a local mailbox; its run ends when every accepted message of
the run is in the Maildir, and its CPU includes that delivery.
OpenSMTPD runs queue-only (delivery paused), restarted with an empty
spool before each point, since what it queues is never removed; at the
target point "opensmtpd-sync" also runs, its spool made synchronous
(6.8 does not fsync a message before its 250: bench/PEERS.md).

For each point it prints the median of 3 runs (messages/s), the ratio of
each server to the best peer at that point (the best peer is marked *),
server CPU seconds per 1,000 messages (summed over the server's processes
from /proc) and the server's peak RSS, and writes every raw run to the
JSON file.  Then the memory and scale probe on
postern: RSS per idle authenticated TLS session (2,000 held) and 10,000
concurrent TLS sessions held.  Every run is bounded in time.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
os.environ.setdefault("POSTERN_BIN", os.path.join(TOP, "build", "postern"))

from conftest import Server, free_port, run  # noqa: E402

LOADGEN = os.path.join(TOP, "build", "loadgen")
USER = "bench@bench.test"
PASSWORD = "bench-password-1"
CLK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pids):
    """utime+stime seconds summed over pids (and nothing for gone ones)."""
    total = 0.0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK
        except (OSError, IndexError, ValueError):
            pass
    return total


def proc_rss(pids, key="VmRSS"):
    kb = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith(key + ":"):
                        kb += int(line.split()[1])
        except OSError:
            pass
    return kb


def children(pid):
    out = [pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                              text=True).stdout.split()
    except OSError:
        kids = []
    for k in kids:
        out += children(int(k))
    return out


class Postern:
    """delivery = discard (name "postern"), as the peers' discard
    transports: every message is committed (fsync) before its 250, handed
    to the delivery threads, dropped as delivered and its file freed.
    maildir=True (name "postern-md"): delivery = yes, and sink@bench.test
    is a local mailbox, so every message is also written to its Maildir
    (file, fsync, rename) while the load runs."""
    peer = False
    target_only = False
    fresh_per_point = False

    def __init__(self, maildir=False):
        self.name = "postern-md" if maildir else "postern"
        self.maildir = maildir
        self.target_only = maildir
        self.srv = Server({"log_level": "warning", "max_sessions": 20000,
                           "timeout_command": "2m",
                           "hostname": "bench.test",
                           "delivery": "yes" if maildir else "discard"})
        self.srv.settings["log_level"] = "warning"
        self.srv.write_conf()
        run("-d", self.srv.dir, "domain", "add", "bench.test")
        run("-d", self.srv.dir, "mailbox", "add", USER, "--password-stdin",
            input=PASSWORD + "\n")
        self.delivered = 0
        if maildir:
            run("-d", self.srv.dir, "mailbox", "add", "sink@bench.test",
                "--password-stdin", input=PASSWORD + "-sink\n")
            self.new = os.path.join(self.srv.dir, "mail", "bench.test",
                                    "sink", "Maildir", "new")
        self.port = self.srv.ports["submission"]

    def settle(self, accepted, timeout=180):
        """Wait until the run's accepted messages are all in the Maildir;
        returns the seconds waited (0 for discard)."""
        if not self.maildir:
            return 0.0
        self.delivered += accepted
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                if len(os.listdir(self.new)) >= self.delivered:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        return round(time.time() - t0, 3)

    def start(self):
        self.srv.logf = open(self.srv.logpath, "ab")
        self.srv.log_start = 0
        self.srv.proc = subprocess.Popen(
            [os.environ["POSTERN_BIN"], "-d", self.srv.dir, "serve"],
            stdout=self.srv.logf, stderr=self.srv.logf,
            stdin=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.port)

    def pids(self):
        return children(self.srv.proc.pid)

    def stop(self):
        self.srv.cleanup()


class Peer:
    """A server of bench/peers.sh.  "opensmtpd-sync" is OpenSMTPD with
    its spool made synchronous (PEERS_OPENSMTPD_SYNC=1, chattr +S, as
    chasquid's): 6.8 does not fsync a new message before its 250, so
    this row shows what durability would cost it; target point only."""
    peer = True

    def __init__(self, name, cert, key):
        self.name = name
        self.kind = name.split("-")[0]
        self.env = dict(os.environ)
        if name == "opensmtpd-sync":
            self.env["PEERS_OPENSMTPD_SYNC"] = "1"
        self.target_only = name == "opensmtpd-sync"
        # OpenSMTPD runs queue-only: what it accepts stays in its spool,
        # so each point starts from an empty one
        self.fresh_per_point = self.kind == "opensmtpd"
        self.dir = tempfile.mkdtemp(prefix="postern-bench-%s-" % name)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.cert, self.key = cert, key

    def start(self):
        subprocess.run(["sh", os.path.join(HERE, "peers.sh"), "start",
                        self.kind, self.dir, str(self.port), self.cert,
                        self.key], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, env=self.env)
        wait_port(self.port)

    def restart(self):
        subprocess.run(["sh", os.path.join(HERE, "peers.sh"), "stop",
                        self.kind, self.dir], timeout=120)
        self.start()

    def settle(self, accepted):
        return 0.0

    def pids(self):
        out = subprocess.run(["sh", os.path.join(HERE, "peers.sh"), "pids",
                              self.kind, self.dir], capture_output=True,
                             text=True, timeout=30).stdout.split()
        return [int(p) for p in out if p.isdigit()]

    def stop(self):
        subprocess.run(["sh", os.path.join(HERE, "peers.sh"), "stop",
                        self.kind, self.dir], timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_port(port, timeout=30):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("port %d never opened" % port)


def loadgen(server, size, conc, per_conn, duration, extra=()):
    args = [LOADGEN, "--host", "127.0.0.1", "--port", str(server.port),
            "--mode", "starttls", "--sni", "bench.test", "--user", USER,
            "--password-env", "BENCH_PW", "--concurrency", str(conc),
            "--duration", str(duration), "--size", str(size),
            "--per-conn", str(per_conn), "--to", "sink@bench.test",
            "--json"] + list(extra)
    pids = server.pids()
    cpu0 = proc_cpu(pids)
    env = dict(os.environ, BENCH_PW=PASSWORD)
    p = subprocess.run(args, capture_output=True, text=True, env=env,
                       timeout=duration * 4 + 120)
    try:
        res = json.loads(p.stdout)
    except ValueError:
        res = {"error": p.stderr.strip()[-300:], "msgs_per_s": 0,
               "messages_ok": 0}
    # postern-md: its delivery of this run's messages belongs to it, not
    # to the next server's run
    res["settle_s"] = server.settle(res.get("messages_ok", 0) or 0)
    pids = server.pids()
    cpu1 = proc_cpu(pids)
    res["server_cpu_s"] = round(cpu1 - cpu0, 3)
    res["server_rss_kb"] = proc_rss(pids)
    res["server_hwm_kb"] = proc_rss(pids, "VmHWM")
    return res


def point_rate(r, handshake):
    return r.get("sessions_per_s" if handshake else "msgs_per_s", 0) or 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peers",
                    default="postfix,chasquid,opensmtpd,opensmtpd-sync")
    ap.add_argument("--json", default=os.path.join(TOP, "build",
                                                   "bench.json"))
    ap.add_argument("--quick", action="store_true",
                    help="a small matrix, for trying the script")
    ap.add_argument("--target-only", action="store_true",
                    help="only the target point, 4 KiB x 64 x 50")
    ap.add_argument("--no-maildir", action="store_true",
                    help="no postern-md (delivery = yes) at the target")
    ap.add_argument("--no-probe", action="store_true")
    ap.add_argument("--probe-auth", type=int, default=2000,
                    help="idle authenticated TLS sessions to hold")
    ap.add_argument("--probe-sessions", type=int, default=10000,
                    help="concurrent TLS sessions to hold")
    ap.add_argument("--probe-only", action="store_true")
    a = ap.parse_args()

    matrix = [(size, conc, per) for size in (1024, 65536)
              for conc in (1, 8, 64) for per in (1, 50)]
    matrix.append((4096, 64, 50))
    if a.quick:
        matrix = [(1024, 8, 50), (4096, 64, 50), (1024, 8, 1)]
    if a.target_only:
        matrix = [TARGET]
    servers = [Postern()]
    if not a.no_maildir and TARGET in matrix:
        servers.append(Postern(maildir=True))
    peers = [p for p in a.peers.split(",") if p and p != "none"]
    if peers:
        subprocess.run(["sh", os.path.join(HERE, "peers.sh"), "install"],
                       check=True, timeout=900)
        cafile = servers[0].srv.cafile
        key = os.path.join(os.path.dirname(cafile), "privkey.pem")
        servers += [Peer(p, cafile, key) for p in peers]
    results = {"machine": {"nproc": os.cpu_count(),
                           "uname": " ".join(os.uname())},
               "points": []}
    try:
        for s in servers:
            s.start()
        points = [(size, conc, per, ()) for size, conc, per in matrix]
        if not a.target_only:
            points.append((1024, 8, 1, ("--handshake-only",)))
        if a.probe_only:
            points = []
        for size, conc, per, extra in points:
            here = [s for s in servers if not s.target_only or
                    ((size, conc, per) == TARGET and not extra)]
            for s in here:
                if s.fresh_per_point and results["points"]:
                    s.restart()
            runs = {s.name: [] for s in here}
            for rep in range(a.reps):
                order = here if rep % 2 == 0 else here[::-1]
                for s in order:
                    runs[s.name].append(loadgen(s, size, conc, per,
                                                a.duration, extra))
            results["points"].append({"size": size, "concurrency": conc,
                                      "per_conn": per,
                                      "handshake_only": bool(extra),
                                      "runs": runs})
            print_point(results["points"][-1], [s.name for s in here],
                        [s.name for s in here if s.peer])
        if not a.no_probe:
            results["probe"] = probe(servers[0], a.probe_auth,
                                     a.probe_sessions)
            print("memory/scale probe: %s" % json.dumps(results["probe"]))
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                print("stopping %s: %s" % (s.name, e), file=sys.stderr)
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(results, f, indent=1)
    print("raw results: %s" % a.json)


HEADER_DONE = [False]
TARGET = (4096, 64, 50)


def print_point(pt, names, peers):
    """One line per server: median rate, ratio to the best peer at this
    point (marked *), CPU per 1,000 messages, peak RSS."""
    hs = pt["handshake_only"]
    if not HEADER_DONE[0]:
        print("%-6s %4s %4s %-14s" % ("size", "conc", "per", "server") +
              " %10s %8s %12s %10s" % ("rate/s", "vs best", "cpu s/1000",
                                       "peak RSS"))
        HEADER_DONE[0] = True
    med = {}
    for n in names:
        rs = pt["runs"][n]
        med[n] = statistics.median(point_rate(r, hs) for r in rs)
    best = max(peers, key=lambda n: med[n], default=None)
    best_peer = med[best] if best is not None else 0
    pt["best_peer"] = best
    for n in names:
        rs = pt["runs"][n]
        msgs = sum(r.get("sessions" if hs else "messages_ok", 0) or 0
                   for r in rs)
        cpu = sum(r.get("server_cpu_s", 0) for r in rs)
        per1000 = cpu / msgs * 1000 if msgs else float("nan")
        hwm = max(r.get("server_hwm_kb", 0) for r in rs)
        ratio = ("%.2fx%s" % (med[n] / best_peer, "*" if n == best else
                              " ") if best_peer else "")
        print("%-6s %4d %4s %-14s %10.1f %8s %12.3f %8.1fM" % (
            "%dK" % (pt["size"] // 1024), pt["concurrency"],
            "hs" if hs else pt["per_conn"], n, med[n], ratio, per1000,
            hwm / 1024))
    sys.stdout.flush()


def smtp_process(pid):
    """The smtp process is the one chrooted into DATADIR/empty."""
    try:
        return os.readlink("/proc/%d/root" % pid).endswith("/empty")
    except OSError:
        return False


def probe(pst, nauth, nsessions):
    """RSS per idle authenticated TLS session, and 10,000 sessions."""
    out = {}
    # growth of the smtp process, which holds the sessions
    env = dict(os.environ, BENCH_PW=PASSWORD)

    def hold(n, auth, seconds):
        args = [LOADGEN, "--host", "127.0.0.1", "--port", str(pst.port),
                "--mode", "starttls", "--sni", "bench.test", "--hold",
                str(n), "--hold-seconds", str(seconds), "--json",
                "--timeout", "600"]
        if auth:
            args += ["--user", USER, "--password-env", "BENCH_PW"]
        else:
            args += ["--auth", "none"]
        base = {p: proc_rss([p]) for p in pst.pids()}
        p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True,
                             env=env)
        line = p.stdout.readline().split()
        ready = int(line[1]) if len(line) == 2 and line[0] == "ready" else 0
        held = {p2: proc_rss([p2]) for p2 in pst.pids()}
        rest = p.stdout.read()
        p.wait(seconds + 600)
        smtp = [k for k in held if smtp_process(k)]
        grow = max((held.get(k, 0) - base.get(k, 0)
                    for k in (smtp or held)), default=0)
        try:
            rep = json.loads(rest)
        except ValueError:
            rep = {}
        return ready, grow, rep

    ready, grow, rep = hold(nauth, True, 5)
    out["idle_auth_tls_sessions"] = ready
    out["rss_per_idle_auth_tls_session_kb"] = round(grow / max(ready, 1), 1)
    ready, grow, rep = hold(nsessions, False, 5)
    out["concurrent_tls_sessions_held"] = ready
    out["rss_per_tls_session_kb_10k"] = round(grow / max(ready, 1), 1)
    out["errors_10k"] = rep.get("failures", {})
    return out


if __name__ == "__main__":
    main()
