"""Crash safety of the queue: while a client submits 500 messages, the
whole server is killed with SIGKILL several times and restarted.  Every
message that got 250 must reach the sink; a message may arrive twice only
if its delivery was in flight at a kill.  The figures are printed (run
pytest with -s to see them) and bounded by assertions."""
import email.parser
import os
import smtplib
import threading
import time

from conftest import PASSWORD, USER, run, scaled
from test_delivery import dns, mkserver, sink_port, wait_for  # noqa: F401
from sinks import Sink

TOTAL = 500
KILLS = 4


def submitter(srv, state):
    """Submit TOTAL messages, reconnecting across kills; record the ids
    that got 250 (and the ones whose fate the client never learned)."""
    i = 0
    s = None
    while i < TOTAL and not state["stop"]:
        mid = "<crash-%d@example.test>" % i
        msg = ("From: <%s>\r\nTo: <c@crash.test>\r\nSubject: crash %d\r\n"
               "Message-ID: %s\r\n\r\nbody %d\r\n" % (USER, i, mid, i))
        if s is None:
            try:
                s = smtplib.SMTP("127.0.0.1", srv.ports["submission"],
                                 timeout=5)
                s.starttls(context=srv.client_context(check_hostname=False))
                s.login(USER, PASSWORD)
            except (OSError, smtplib.SMTPException):
                s = None            # server down: nothing was sent
                time.sleep(0.05)
                continue
        try:
            s.sendmail(USER, ["c@crash.test"], msg.encode())
            state["acked"].add(mid)
        except (OSError, smtplib.SMTPException):
            state["unknown"].add(mid)   # killed mid-transaction
            s = None
        i += 1
    if s is not None:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass


def test_kill9_during_submission_and_delivery(dns, mkserver):  # noqa: F811
    dns.mx("crash.test", "mx.crash.test", 10)
    dns.a("mx.crash.test", "127.0.0.2")
    # a slow receiver keeps deliveries in flight when the kills come
    with Sink("127.0.0.2", sink_port(), delay=0.02) as sink:
        srv = mkserver(dns, delivery_workers="4")
        state = {"acked": set(), "unknown": set(), "stop": False}
        t = threading.Thread(target=submitter, args=(srv, state))
        t.start()
        kills = 0
        try:
            for k in range(KILLS):
                target = (k + 1) * TOTAL // (KILLS + 1)
                wait_for(lambda: len(state["acked"]) +
                         len(state["unknown"]) >= target, timeout=60,
                         what="submissions before kill %d" % k)
                srv.kill9()
                kills += 1
                time.sleep(0.2)
                srv.start()
            t.join(120)
        finally:
            state["stop"] = True
            t.join(10)
        acked = state["acked"]
        try:
            wait_for(lambda: not srv.queued(), timeout=60,
                     what="queue drained")
        except AssertionError:
            print(run("-d", srv.dir, "queue", "list").stdout[-3000:])
            lg = srv.log()
            ids = [l.split()[0] for l in run("-d", srv.dir, "queue", "list").stdout.splitlines() if l[:1].isalnum() and not l.startswith("--")]
            print("\n".join(l for l in lg.splitlines() if any(i in l for i in ids) or "message(s)" in l or "started" in l))
            raise

        def delivered():
            counts = {}
            with sink.lock:
                for m in sink.messages:
                    mid = m.header("Message-ID")
                    counts[mid] = counts.get(mid, 0) + 1
            return counts
        counts = wait_for(lambda: (lambda c: c if acked <= set(c) else None)
                          (delivered()), timeout=60,
                          what="every acknowledged message delivered")
        dupes = sum(n - 1 for n in counts.values() if n > 1)
        lost = sorted(acked - set(counts))
        extra = len(set(counts) - acked)
        print("\ncrash test: %d submitted, %d acknowledged, %d with no "
              "answer (killed mid-transaction), %d kills; delivered %d "
              "distinct, %d lost, %d duplicate deliveries, %d delivered "
              "without an acknowledgement" % (
                  len(acked) + len(state["unknown"]), len(acked),
                  len(state["unknown"]), kills, len(counts), len(lost),
                  dupes, extra))
        assert lost == []
        # only deliveries in flight at a kill may repeat: each message's
        # outcome is recorded before the next transaction, so at most one
        # message per delivery worker (4) per kill
        assert dupes <= kills * 4
        assert extra <= len(state["unknown"])


# --- exactly-once local delivery ------------------------------------------

CYCLES = int(os.environ.get("POSTERN_CRASH_CYCLES") or 50)


def maildir_counts(srv):
    """{Message-ID: copies} over new/ and cur/ of USER's Maildir; tmp/
    must be empty once the queue is."""
    md = os.path.join(srv.dir, "mail", "example.test", "user", "Maildir")
    counts = {}
    for sub in ("new", "cur"):
        d = os.path.join(md, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                h = email.parser.BytesHeaderParser().parse(f)
            mid = h["Message-ID"]
            counts[mid] = counts.get(mid, 0) + 1
    return counts


def submit_one(srv, mid, timeout=5):
    """One message to the local mailbox: True with 250, False when the
    connection broke before the answer, None if the server was down."""
    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: once\r\nMessage-ID: %s\r\n"
           "\r\nbody\r\n" % (USER, USER, mid)).encode()
    try:
        s = smtplib.SMTP("127.0.0.1", srv.ports["submission"],
                         timeout=timeout)
        s.starttls(context=srv.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
    except (OSError, smtplib.SMTPException):
        return None
    try:
        s.sendmail(USER, [USER], msg)
    except (OSError, smtplib.SMTPException):
        return False
    try:
        s.quit()
    except (OSError, smtplib.SMTPException):
        pass
    return True


def background(srv, state):
    """The second client: submits all the time, across the kills."""
    i = 0
    while not state["stop"]:
        mid = "<b-%d@once.test>" % i
        r = submit_one(srv, mid)
        if r is None:
            time.sleep(0.02)
            continue
        (state["acked"] if r else state["unknown"]).add(mid)
        i += 1


def reader(srv, state):
    """A mail client at work: moves what arrives in new/ to cur/ and
    flags it seen, as Dovecot does, so a redone delivery must look in
    cur/ too."""
    md = os.path.join(srv.dir, "mail", "example.test", "user", "Maildir")
    while not state["stop"]:
        try:
            for name in os.listdir(os.path.join(md, "new")):
                os.rename(os.path.join(md, "new", name),
                          os.path.join(md, "cur", name + ":2,S"))
                state["moved"] += 1
        except FileNotFoundError:
            pass
        time.sleep(0.01)


def test_exactly_once_local_delivery_across_kills(unstarted):
    """CYCLES times: a message gets 250, the whole process group is
    killed with SIGKILL at once (deliveries into the Maildir in flight),
    the server restarts; meanwhile a second client submits.  Every
    acknowledged message is in the Maildir exactly once, and nothing
    else is (a message that never got its answer: at most once).  A
    reader moves delivered mail to cur/ meanwhile."""
    srv = unstarted
    srv.settings["delivery"] = "yes"
    srv.write_conf()
    srv.start()
    state = {"acked": set(), "unknown": set(), "stop": False, "moved": 0}
    t = threading.Thread(target=background, args=(srv, state))
    t.start()
    mover = threading.Thread(target=reader, args=(srv, state))
    mover.start()
    t0 = time.time()
    try:
        for c in range(CYCLES):
            mid = "<a-%d@once.test>" % c
            deadline = time.time() + scaled(10)
            while (r := submit_one(srv, mid)) is None:
                assert time.time() < deadline, srv.log()[-3000:]
                time.sleep(0.02)
            (state["acked"] if r else state["unknown"]).add(mid)
            srv.kill9()
            srv.start()
    finally:
        state["stop"] = True
        t.join(scaled(30))
        mover.join(scaled(30))
    wait_for(lambda: not srv.queued(), timeout=scaled(60),
             what="queue drained")
    counts = maildir_counts(srv)
    acked = state["acked"]
    lost = sorted(acked - set(counts))
    dupes = {m: n for m, n in counts.items() if n > 1}
    strangers = set(counts) - acked - state["unknown"]
    redone = srv.log().count("already in the mailbox")
    print("\nexactly-once: %d cycles in %.1f s; %d acknowledged, %d with "
          "no answer; %d lost, %d duplicated; %d deliveries found done "
          "after a restart; %d moved to cur/" % (
              CYCLES, time.time() - t0, len(acked), len(state["unknown"]),
              len(lost), len(dupes), redone, state["moved"]))
    assert lost == []
    assert dupes == {}
    assert strangers == set()
    md = os.path.join(srv.dir, "mail", "example.test", "user", "Maildir")
    assert os.listdir(os.path.join(md, "tmp")) == []
    assert srv.stop() == 0
