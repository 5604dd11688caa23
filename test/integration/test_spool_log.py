"""The spool log (docs/ARCHITECTURE.md, "The spool log") under kill -9.

CYCLES times (POSTERN_LOG_CYCLES, default 100, and at most
LOG_CYCLES_SECONDS in all): CLIENTS clients submit over STARTTLS + AUTH
as fast as the server answers, the whole server is killed with SIGKILL
at a moment that varies, and the segments are read as they are on disk,
by this file's own reader (conftest.spool_log_records), before the
restart: every message that got its 250, in this cycle or any before,
must be there, whole, with the content that was sent.  A kill -9 keeps
the page cache, so this proves the acknowledgement order (250 only
after the record is whole in the file) and recovery, not the fdatasync
against a power cut.

A second test plants what a crash can leave (a torn record at the end
of a segment, a done list whose segment is gone) and checks that the
server keeps every whole record and ignores the rest."""
import os
import random
import smtplib
import struct
import threading
import time

from conftest import (SEG_NAME, USER, run, scaled, spool_log_messages,
                      spool_log_records, submission)

CYCLES = int(os.environ.get("POSTERN_LOG_CYCLES") or 100)
LOG_CYCLES_SECONDS = 400
CLIENTS = 4


def qdir(srv):
    return os.path.join(srv.dir, "spool", "queue")


def client(srv, state, n):
    """Submit until told to stop; record each 250's queue id with the
    body that was sent."""
    s = None
    i = 0
    while not state["stop"]:
        if s is None:
            try:
                s = submission(srv)
            except (OSError, smtplib.SMTPException):
                time.sleep(0.01)
                continue
        body = "client %d message %d cycle %d\r\n" % (n, i, state["cycle"])
        msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: log\r\n\r\n%s" %
               (USER, USER, body * (1 + i % 40))).encode()
        i += 1
        try:
            s.mail(USER)
            s.rcpt(USER)
            code, text = s.data(msg)
        except (OSError, smtplib.SMTPException):
            s = None            # killed mid-transaction: fate unknown
            continue
        if code == 250:
            state["acked"][text.decode().split()[-1]] = msg
    if s is not None:
        try:
            s.close()
        except OSError:
            pass


def test_kill9_cycles_lose_no_acknowledged_message(unstarted):
    srv = unstarted
    srv.settings["delivery"] = "no"
    srv.write_conf()
    rnd = random.Random(17)
    state = {"acked": {}, "stop": False, "cycle": 0}
    deadline = time.time() + scaled(LOG_CYCLES_SECONDS)
    cycles = 0
    while cycles < CYCLES and time.time() < deadline:
        state["cycle"] = cycles
        state["stop"] = False
        srv.start()
        threads = [threading.Thread(target=client, args=(srv, state, n))
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(rnd.uniform(0.05, 0.4))
        srv.kill9()
        state["stop"] = True
        for t in threads:
            t.join(scaled(10))
        cycles += 1
        on_disk = spool_log_messages(qdir(srv))
        lost = sorted(set(state["acked"]) - set(on_disk))
        assert lost == [], "cycle %d: %d acknowledged, lost %s" % (
            cycles, len(state["acked"]), lost[:5])
        for qid, msg in state["acked"].items():
            content = on_disk[qid][1]
            # the Received: header first, then the message as sent
            assert content.endswith(msg), qid
    acked = state["acked"]
    print("\nspool log: %d kill -9 cycles, %d acknowledged, all on disk" %
          (cycles, len(acked)))
    assert cycles >= min(CYCLES, 20)
    assert len(acked) >= cycles       # the load was real
    # and the server's own recovery finds them all
    srv.start()
    srv.wait_log("queue: %d message(s) in the spool log" %
                 len(spool_log_messages(qdir(srv))))
    listed = run("-d", srv.dir, "queue", "list").stdout
    assert all(qid in listed for qid in acked)
    assert srv.stop() == 0


def test_torn_tail_and_stray_done_list_are_ignored(unstarted):
    srv = unstarted
    srv.settings["delivery"] = "no"
    srv.write_conf()
    srv.start()
    ids = []
    for i in range(3):
        s = submission(srv)
        s.mail(USER)
        s.rcpt(USER)
        code, text = s.data(b"Subject: t%d\r\n\r\nbody\r\n" % i)
        assert code == 250
        ids.append(text.decode().split()[-1])
        s.quit()
    assert srv.stop() == 0
    segs = [n for n in os.listdir(qdir(srv)) if SEG_NAME.fullmatch(n)]
    assert len(segs) == 1
    path = os.path.join(qdir(srv), segs[0])
    whole = os.path.getsize(path)
    recs = spool_log_records(qdir(srv))
    assert len(recs) == 3 and recs[0][1] == 0
    # what a crash mid-append leaves: a record's header and half of it
    _, off, env, content, _ = recs[2]
    with open(path, "rb") as f:
        f.seek(off)
        last = f.read()
    with open(path, "ab") as f:
        f.write(last[:40 + len(env) + len(content) // 2])
    # a reclaim cut short: the done list of a segment that is gone
    stray = os.path.join(qdir(srv), "%016X.done" % 99)
    with open(stray, "wb") as f:
        f.write(struct.pack("<QQ", 0, 0xFFFFFFFFFFFFFFFF))
    srv.start()
    srv.wait_log("queue: 3 message(s) in the spool log")
    srv.wait_log("after the last whole record (of 3) ignored: never "
                 "acknowledged")
    assert sorted(srv.queued()) == sorted(ids)
    assert not os.path.exists(stray)
    assert os.path.getsize(path) > whole    # left for the operator to see
    # the next segment is numbered past every name seen, the stray too
    s = submission(srv)
    s.mail(USER)
    s.rcpt(USER)
    assert s.data(b"Subject: next\r\n\r\nbody\r\n")[0] == 250
    s.quit()
    assert "%016X.seg" % 100 in os.listdir(qdir(srv))
    assert len(srv.queued()) == 4
    assert srv.stop() == 0
