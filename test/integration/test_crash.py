"""Crash safety of the queue: while a client submits 500 messages, the
whole server is killed with SIGKILL several times and restarted.  Every
message that got 250 must reach the sink; a message may arrive twice only
if its delivery was in flight at a kill.  The figures are printed (run
pytest with -s to see them) and bounded by assertions."""
import smtplib
import threading
import time

from conftest import PASSWORD, USER, run
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
