"""Disk full (crash-safety issue, item 4).  Each test mounts a small
tmpfs (scripts/integration.sh runs the suite in a private mount
namespace, so it vanishes with the test whatever happens) and fills it
with a filler file that sits beside the directory the server sees: the
tmpfs's subdirectory is bind-mounted on DIR/spool/queue or DIR/mail, so
that directory holds only what postern wrote.

Spool full: DATA gets 452 4.3.1 (at the DATA command when less than
32 KiB is free, queue.c's queue_space_low, after the final dot when the
content or the envelope does not fit); nothing half-written stays; the session goes on; the
queue process neither dies, nor spins, nor leaks descriptors or pool
files; once space is freed the same message is accepted and delivered.

Maildir full: the message stays queued, deferred with 4.3.1, is not
bounced, and is delivered exactly once after space is freed.  When the
spool is full too, the failed write of the delivery state (ID.st) loses
nothing: the message is tried again.
"""
import glob
import hashlib
import json
import os
import pwd
import re
import shutil
import smtplib
import subprocess
import tempfile
import time

import pytest

from conftest import (PASSWORD, SEG_NAME, USER, Server, conf_markers,
                      finish, free_port, run, scaled, spool_log_records)

PAGE = 4096
BIG = 256 * 1024                # a message that does not fit
ROOM = 128 * 1024               # what the spool has left, in most tests
SPOOL_FS = 4 * 1024 * 1024
MAIL_FS = 1024 * 1024


class SmallFS:
    """A tmpfs of `size` bytes mounted on a temporary directory; its
    subdirectory fs/ (owned by the server's user, 0700, like the
    directory it replaces) bind-mounted on `target`; a filler file
    beside fs/ takes what fill() is told to take."""

    def __init__(self, target, size, opts=""):
        self.target = target
        self.mounts = []
        self.base = tempfile.mkdtemp(prefix="postern-fs-")
        try:
            self._mount("-t", "tmpfs", "-o",
                        "size=%d,mode=0700%s" % (size, opts), "tmpfs",
                        self.base)
            self.fs = os.path.join(self.base, "fs")
            os.mkdir(self.fs, 0o700)
            pw = pwd.getpwnam("postern")
            os.chown(self.fs, pw.pw_uid, pw.pw_gid)
            self._mount("--bind", self.fs, target)
        except BaseException:
            self.unmount()
            raise
        self.filler = os.path.join(self.base, "filler")

    def _mount(self, *args):
        r = subprocess.run(["mount", *args], capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            pytest.skip("cannot mount a small tmpfs (mount %s): %s" % (
                " ".join(args), r.stderr.strip()))
        self.mounts.append(args[-1])

    def unmount(self):
        while self.mounts:
            subprocess.run(["umount", self.mounts.pop()], timeout=30)
        shutil.rmtree(self.base, ignore_errors=True)

    def free(self):
        st = os.statvfs(self.base)
        return st.f_bavail * st.f_frsize

    def fill(self, room=0):
        """Leave exactly `room` bytes free (tmpfs counts whole pages)."""
        assert room % PAGE == 0
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            want = size + self.free() - room
            assert want >= 0, "the file system holds more than expected"
            if want > size:
                os.posix_fallocate(fd, size, want - size)
            else:
                os.ftruncate(fd, want)
        finally:
            os.close(fd)
        assert self.free() == room, (self.free(), room)

    def used(self):
        """Bytes taken by what is not the filler."""
        st = os.statvfs(self.base)
        try:
            filler = os.stat(self.filler).st_blocks * 512
        except FileNotFoundError:
            filler = 0
        return (st.f_blocks - st.f_bavail) * st.f_frsize - filler

    def empty(self):
        """Give the filler's space back."""
        if os.path.exists(self.filler):
            os.unlink(self.filler)


def require_root():
    if os.geteuid() != 0:
        pytest.skip("disk-full tests mount a small tmpfs, which needs "
                    "root (CI runs the suite as root)")


def settings(request, **extra):
    conf = {"delivery": "yes", "delivery_workers": "2",
            # nothing here resolves names; nothing listens there
            "dns_server": "127.0.0.1:%d" % free_port()}
    conf.update(extra)
    conf.update(conf_markers(request))
    return conf


@pytest.fixture
def spool(request):
    """An unstarted server whose DIR/spool/queue is a small tmpfs (extra
    mount options from an indirect parameter)."""
    require_root()
    srv = Server(settings(request))
    try:
        fs = SmallFS(os.path.join(srv.dir, "spool", "queue"), SPOOL_FS,
                     getattr(request, "param", ""))
    except BaseException:
        srv.cleanup()
        raise
    yield srv, fs
    stop_and_unmount(srv, fs)


@pytest.fixture
def maildir(request):
    """An unstarted server whose DIR/mail is a small tmpfs, and whose
    DIR/spool/queue is another (for the test that fills both)."""
    require_root()
    srv = Server(settings(request))
    made = []
    try:
        made.append(SmallFS(os.path.join(srv.dir, "mail"), MAIL_FS))
        made.append(SmallFS(os.path.join(srv.dir, "spool", "queue"),
                            SPOOL_FS))
    except BaseException:
        for fs in made:
            fs.unmount()
        srv.cleanup()
        raise
    yield srv, made[0], made[1]
    stop_and_unmount(srv, *made)


def stop_and_unmount(srv, *filesystems):
    try:
        srv.stop()      # the queue holds its directory: stop first
    finally:
        for fs in filesystems:
            fs.unmount()
    finish(srv)         # exit status 0, no sanitizer report


# --- helpers -----------------------------------------------------------------

def make_msg(size, tag):
    """A message of exactly `size` bytes, CRLF lines, no line starting
    with a dot (so what the spool stores is these bytes after the
    Received: header)."""
    head = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: "
            "<%s.%f@example.test>\r\n\r\n" % (USER, USER, tag, tag,
                                              time.time())).encode()
    line = b"x" * 76 + b"\r\n"
    n, rest = divmod(size - len(head), len(line))
    assert n > 0
    body = line * (n - 1)
    if rest == 1:
        body += line[:-2] + b"x\r\n" + line[:-2] + b"\r\n"
    else:
        body += line + (b"y" * (rest - 2) + b"\r\n" if rest else b"")
    msg = head + body
    assert len(msg) == size, (len(msg), size)
    return msg


def session(srv):
    s = smtplib.SMTP("127.0.0.1", srv.ports["submission"],
                     timeout=scaled(20))
    s.starttls(context=srv.client_context(check_hostname=False))
    code, _ = s.login(USER, PASSWORD)
    assert code == 235
    return s


def send(s, msg, rcpt=USER):
    """One transaction: (code, reply text, stage), stage "data" when
    DATA itself was refused, "dot" for the reply to the final dot."""
    code, text = s.mail(USER)
    assert code == 250, (code, text)
    code, text = s.rcpt(rcpt)
    assert code == 250, (code, text)
    try:
        code, text = s.data(msg)
    except smtplib.SMTPDataError as e:
        return e.smtp_code, e.smtp_error.decode(), "data"
    return code, text.decode(), "dot"


def assert_452(result):
    code, text, _ = result
    assert code == 452, result
    assert text.startswith("4.3.1"), result


def still_usable(s):
    """RSET and NOOP work after the refusal (RFC 5321 §4.1.1.5)."""
    assert s.rset()[0] == 250
    assert s.noop()[0] == 250


def wait_for(pred, timeout=10, what="condition", srv=None):
    deadline = time.time() + scaled(timeout)
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s%s" % (
        what() if callable(what) else what,
        "\n" + srv.log()[-6000:] if srv else ""))


def sessions_closed(srv, n):
    """Wait until the smtp process has closed n sessions of this run (a
    client's QUIT is answered before the server closes its socket)."""
    wait_for(lambda: srv.log()[srv.log_start:].count(
        " disconnect from [") >= n, what="%d sessions closed" % n)


def pids(srv):
    """{"queue": pid, "smtp": pid, ...} of the server's current run (the
    parent may log them after the smtp process said it is ready)."""
    m = wait_for(lambda: re.findall(
        r"postern started: auth=(\d+) queue=(\d+) smtp=(\d+)",
        srv.log()[srv.log_start:]), what="the process ids", srv=srv)
    auth, queue, smtp = (int(x) for x in m[-1])
    return {"auth": auth, "queue": queue, "smtp": smtp}


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def cpu_seconds(pid):
    """User and system time of the whole process (every thread)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def assert_not_spinning(pid):
    """Over an idle while the process uses at most a quarter of a core
    (generous on a shared, noisy machine; a spinning loop takes all)."""
    window = scaled(2)
    before = cpu_seconds(pid)
    time.sleep(window)
    used = cpu_seconds(pid) - before
    assert used < window / 4, "%.2f s of CPU in %.1f s idle" % (used, window)


def open_fds(pid):
    """What the process has open, as sorted link targets; not the system
    files a library opens for a while on its own schedule (the delivery
    threads read the CA bundle as they start)."""
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except FileNotFoundError:
            pass        # closed meanwhile
    return sorted(re.sub(r"\[\d+\]$", "[]", t) for t in out
                  if not t.startswith(("/etc/", "/usr/")))


def is_stage(target):
    """A staging file's descriptor: unnamed, "/.../queue/#N (deleted)"."""
    return re.search(r"/queue/#\d+ \(deleted\)$", target) is not None


def qdir(srv):
    return os.path.join(srv.dir, "spool", "queue")


def spool_state(srv):
    """What the spool holds for messages: every file but the empty ones
    that hold none (pool files, a spool log segment just begun or cut
    back), with a digest of its content; and `queue list` as printed."""
    files = {}
    for name in sorted(os.listdir(qdir(srv))):
        path = os.path.join(qdir(srv), name)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue        # delivered meanwhile (see conftest queued())
        if (name.endswith(".free") or SEG_NAME.fullmatch(name)) and \
                not data:
            continue
        files[name] = hashlib.sha256(data).hexdigest()
    listing = run("-d", srv.dir, "queue", "list")
    assert listing.stderr == "", listing.stderr
    return files, listing.stdout


def pool_files(srv):
    return sorted(n for n in os.listdir(qdir(srv)) if n.endswith(".free"))


def no_partial_files(srv):
    """No .tmp, and every pool file empty."""
    for name in os.listdir(qdir(srv)):
        if name.endswith(".tmp"):
            return False
        try:
            if name.endswith(".free") and \
                    os.path.getsize(os.path.join(qdir(srv), name)) != 0:
                return False
        except FileNotFoundError:
            return False        # being renamed: look again
    return True


def queue_json(srv):
    return json.loads(run("-d", srv.dir, "queue", "list",
                          "--json").stdout)["messages"]


def delivered(srv, tag, local="user"):
    """Maildir files of LOCAL@example.test whose Subject is `tag`."""
    out = []
    for path in glob.glob(os.path.join(srv.dir, "mail", "example.test",
                                       local, "Maildir", "new", "*")):
        with open(path, "rb") as f:
            if b"\r\nSubject: %s\r\n" % tag.encode() in f.read():
                out.append(path)
    return out


def maildir_tmp(srv, local="user"):
    return os.listdir(os.path.join(srv.dir, "mail", "example.test", local,
                                   "Maildir", "tmp"))


def queue_held_message(srv):
    """Queue a small message with delivery off and hold it (the server
    stopped): it stays in the spool, and every test checks that the disk
    filling up leaves it as it was.  Then start the server for real."""
    srv.settings["delivery"] = "no"
    srv.write_conf()
    srv.start()
    msg = make_msg(2000, "resident")
    with session(srv) as s:
        assert send(s, msg)[0] == 250
    srv.stop()
    ids = list(srv.queued())
    assert len(ids) == 1
    run("-d", srv.dir, "queue", "hold", ids[0])
    srv.settings["delivery"] = "yes"
    srv.write_conf()
    srv.start()
    return ids[0], msg


# --- the spool fills up ------------------------------------------------------

def test_spool_full_during_content_gets_452_and_keeps_serving(spool):
    srv, fs = spool
    qid, _ = queue_held_message(srv)
    fs.fill(ROOM)
    before = spool_state(srv)
    queue = pids(srv)["queue"]
    big = make_msg(BIG, "big")

    with session(srv) as s:
        assert_452(send(s, big))
        still_usable(s)
        # nothing of it stays, nor takes space (a directory read may miss
        # a file being renamed: the space is what tells)
        wait_for(lambda: no_partial_files(srv) and fs.free() == ROOM,
                 what=lambda: "the .tmp removed: %s, %d bytes free" % (
                     srv.queue_files(), fs.free()))
        assert spool_state(srv) == before
        # small messages still fit, in the same session
        assert send(s, make_msg(4000, "small"))[0] == 250
    wait_for(lambda: delivered(srv, "small"), what="the small one")
    wait_for(lambda: spool_state(srv) == before, what="it left the spool")

    assert alive(queue) and pids(srv)["queue"] == queue
    assert "process exited" not in srv.log()
    assert_not_spinning(queue)
    assert qid in before[1]

    fs.empty()
    with session(srv) as s:
        code, text, _ = send(s, big)
        assert code == 250, text
    wait_for(lambda: delivered(srv, "big"), what="the big one delivered")
    with open(delivered(srv, "big")[0], "rb") as f:
        assert f.read().endswith(big)
    wait_for(lambda: spool_state(srv)[0] == before[0], what="queue back")
    assert len(delivered(srv, "big")) == 1


def test_spool_full_refuses_data_many_times_without_leaks(spool):
    """Many refusals in a row, at the DATA command (nothing free) and
    after the dot (the content does not fit):
    the queue and smtp processes keep their descriptor counts, the pool
    of free files does not grow, and the spool stays as it was."""
    srv, fs = spool
    queue_held_message(srv)
    p = pids(srv)
    fs.fill(0)
    with session(srv) as s:             # one refusal to settle the pool
        result = send(s, make_msg(4000, "first"))
        assert_452(result)
        assert result[2] == "data"      # before 354
        still_usable(s)
    wait_for(lambda: no_partial_files(srv), what="the .tmp removed")
    sessions_closed(srv, 1)
    used = fs.used()
    before = spool_state(srv)
    pool = pool_files(srv)
    fds = {k: open_fds(p[k]) for k in ("queue", "smtp")}

    def settled():
        return no_partial_files(srv) and fs.used() == used

    for round in range(4):
        wait_for(settled, what="the .tmp removed and its space back")
        fs.fill(0 if round % 2 == 0 else ROOM)
        stage = "data" if round % 2 == 0 else "dot"
        with session(srv) as s:
            for i in range(5):
                result = send(s, make_msg(BIG, "r%d-%d" % (round, i)))
                assert_452(result)
                assert result[2] == stage, result
                still_usable(s)
    wait_for(settled, what="the .tmp removed and its space back")
    assert spool_state(srv) == before
    # staging files are unnamed (O_TMPFILE) and kept open for reuse: the
    # queue's descriptor count below is what would show a leak.  The
    # refusals at DATA take none (queue_space_low), those after the dot
    # one each, given back: with one session at a time the queue keeps
    # at most one, however many rounds ran
    assert pool_files(srv) == pool == []
    sessions_closed(srv, 5)

    def staged(f):
        return {k: [t for t in v if not is_stage(t)] for k, v in f.items()}

    def now():
        return {k: open_fds(p[k]) for k in ("queue", "smtp")}

    wait_for(lambda: staged(now()) == staged(fds),
             what=lambda: "descriptors back to %s, not %s" % (fds, now()))
    assert len([t for t in now()["queue"] if is_stage(t)]) <= 1, now()
    assert pids(srv) == p and alive(p["queue"]) and alive(p["smtp"])
    assert_not_spinning(p["queue"])

    fs.empty()
    with session(srv) as s:
        assert send(s, make_msg(BIG, "after"))[0] == 250
    wait_for(lambda: delivered(srv, "after"), what="delivery")


def test_spool_fills_at_commit_gets_452(spool):
    """The content fits (the smtp process writes it into a staging file)
    but its record in the spool log does not: 452 4.3.1 after the dot,
    and the record cut off again, its space back.  At commit the content
    is on the disk twice for a moment (the staging file, the record):
    PAGES pages free, a content of 9 pages leaves 7 for a record of more
    than 9; one of 6.5 pages (7 staged) leaves 9 for its record.
    (fdatasync cannot fail for want of space on a tmpfs; a failure there
    seals the segment, seglog_write.c.)"""
    srv, fs = spool
    qid, resident = queue_held_message(srv)
    recs = spool_log_records(qdir(srv))
    assert len(recs) == 1
    _, _, env, stored, _ = recs[0]
    received = len(stored) - len(resident)  # the Received: header
    assert stored[received:] == resident
    record = 40 + len(env)                  # header and envelope
    pages = 16
    fs.fill(pages * PAGE)
    before = spool_state(srv)
    queue = pids(srv)["queue"]

    with session(srv) as s:
        result = send(s, make_msg(9 * PAGE - received, "commit"))
        assert_452(result)
        assert result[2] == "dot"
        still_usable(s)
        srv.wait_log("cannot write to the spool log: No space left on "
                     "device")
        wait_for(lambda: no_partial_files(srv) and
                 fs.free() == pages * PAGE,
                 what="the record cut off and its space back")
        assert spool_state(srv) == before
        code, text, _ = send(s, make_msg(7 * PAGE - PAGE // 2 - received,
                                         "fits"))
        assert code == 250, text
        assert record < PAGE // 2
    wait_for(lambda: delivered(srv, "fits"), what="delivery")
    assert alive(queue) and pids(srv)["queue"] == queue
    assert_not_spinning(queue)


@pytest.mark.conf(delivery="no")
@pytest.mark.parametrize("spool", [",nr_inodes=64"], indirect=True)
def test_spool_out_of_inodes_gets_452(spool):
    """No inode for the staging file of a new message: DATA itself gets
    452 4.3.1.  With two inodes free (the staging file, the first
    segment of the spool log) the message is queued."""
    srv, fs = spool
    srv.start()
    n = 0
    try:
        while True:
            open(os.path.join(fs.base, "inode%d" % n), "w").close()
            n += 1
    except OSError:
        pass
    with session(srv) as s:
        result = send(s, make_msg(4000, "noinode"))
        assert_452(result)
        assert result[2] == "data"
        still_usable(s)
        assert os.listdir(qdir(srv)) == []
        os.unlink(os.path.join(fs.base, "inode0"))
        os.unlink(os.path.join(fs.base, "inode1"))
        assert send(s, make_msg(4000, "inode"))[0] == 250
    assert len(srv.queued()) == 1


# --- the Maildir fills up ----------------------------------------------------

def test_maildir_full_defers_then_delivers_once(maildir):
    srv, mail, _ = maildir
    mail.fill(0)
    srv.start()
    queue = pids(srv)["queue"]
    msg = make_msg(8000, "mfull")
    with session(srv) as s:
        assert send(s, msg)[0] == 250
    srv.wait_log("status=deferred dsn=4.3.1")
    [m] = queue_json(srv)
    [r] = m["recipients"]
    assert r["state"] == "pending" and r["status"] == "4.3.1", m
    assert r["attempts"] == 1
    assert "No space left on device" in r["reply"]
    text = run("-d", srv.dir, "queue", "list").stdout
    assert "deferred" in text and "No space left" in text
    assert maildir_tmp(srv) == [] and delivered(srv, "mfull") == []
    assert "status=bounced" not in srv.log()
    assert "sent to <" not in srv.log()     # no delivery notice
    assert_not_spinning(queue)
    assert len(queue_json(srv)) == 1        # no bounce queued either

    mail.empty()
    run("-d", srv.dir, "queue", "flush")
    wait_for(lambda: delivered(srv, "mfull"), what="delivery after flush")
    wait_for(lambda: queue_json(srv) == [], what="queue empty")
    time.sleep(scaled(1))
    [path] = delivered(srv, "mfull")
    with open(path, "rb") as f:
        assert f.read().endswith(msg)
    assert maildir_tmp(srv) == []
    assert srv.log().count("to=<%s> relay=local" % USER) == 2
    assert alive(queue) and pids(srv)["queue"] == queue


def test_maildir_and_spool_full_state_write_fails_then_retried(maildir):
    """The Maildir is full and so is the spool, so even the deferral
    cannot be written to ID.st: the message stays queued and readable,
    nothing is bounced, the queue does not spin; once there is room it
    is tried again and delivered once."""
    srv, mail, spoolfs = maildir
    srv.settings["delivery"] = "no"
    srv.write_conf()
    srv.start()
    msg = make_msg(8000, "both")
    with session(srv) as s:
        assert send(s, msg)[0] == 250
    srv.stop()
    mail.fill(0)
    spoolfs.fill(0)
    before = spool_state(srv)
    srv.settings["delivery"] = "yes"
    srv.write_conf()
    srv.start()
    queue = pids(srv)["queue"]
    srv.wait_log("status=deferred dsn=4.3.1")
    srv.wait_log("cannot record outcomes: No space left on device")
    # the message as it was; no record fragment; still listed
    files, listing = spool_state(srv)
    assert {k: v for k, v in files.items() if not k.endswith(".st")} == \
        before[0]
    assert all(v == hashlib.sha256(b"").hexdigest()
               for k, v in files.items() if k.endswith(".st"))
    assert "1 message in the queue" in listing
    assert alive(queue)
    assert_not_spinning(queue)

    # room in the spool again: the queue writes the deferral it kept
    spoolfs.empty()
    [m] = wait_for(lambda: [m for m in queue_json(srv)
                            if m["recipients"][0]["attempts"] == 1],
                   timeout=15, what="the kept deferral written", srv=srv)
    assert m["recipients"][0]["status"] == "4.3.1"
    srv.wait_log("queue: delivery state written")

    run("-d", srv.dir, "queue", "flush")    # the Maildir is still full
    wait_for(lambda: srv.log().count("status=deferred dsn=4.3.1") >= 2,
             what="second attempt")
    [m] = wait_for(lambda: [m for m in queue_json(srv)
                            if m["recipients"][0]["attempts"] == 2],
                   what="the deferral recorded")
    assert m["recipients"][0]["status"] == "4.3.1"

    mail.empty()
    run("-d", srv.dir, "queue", "flush")
    wait_for(lambda: delivered(srv, "both"), what="delivery")
    wait_for(lambda: queue_json(srv) == [], what="queue empty")
    assert len(delivered(srv, "both")) == 1
    assert maildir_tmp(srv) == []
    assert "status=bounced" not in srv.log()
    assert alive(queue) and pids(srv)["queue"] == queue


def test_unrecorded_outcome_survives_a_restart(spool):
    """One recipient delivered, the other deferred (its Maildir full),
    and the spool full, so neither outcome reaches ID.st.  Once the spool
    has room again the queue writes what it kept; after a clean restart
    the delivered recipient does not get the message a second time
    (docs/DELIVERY.md: nothing is delivered twice after a clean stop)."""
    srv, spoolfs = spool
    other = "other@example.test"
    run("-d", srv.dir, "mailbox", "add", other, "--password-stdin",
        input=PASSWORD + "\n")
    pw = pwd.getpwnam("postern")
    parent = os.path.join(srv.dir, "mail", "example.test")
    for d in (parent, os.path.join(parent, "other")):
        os.makedirs(d, 0o700, exist_ok=True)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    mail = SmallFS(os.path.join(parent, "other"), MAIL_FS)
    try:
        srv.settings["delivery"] = "no"
        srv.write_conf()
        srv.start()
        msg = make_msg(8000, "split")
        with session(srv) as s:
            assert s.mail(USER)[0] == 250
            assert s.rcpt(USER)[0] == 250
            assert s.rcpt(other)[0] == 250
            assert s.data(msg)[0] == 250
        srv.stop()
        mail.fill(0)
        spoolfs.fill(0)
        srv.settings["delivery"] = "yes"
        srv.write_conf()
        srv.start()
        srv.wait_log("to=<%s> relay=local" % other)
        srv.wait_log("cannot record outcomes: No space left on device")
        assert len(delivered(srv, "split")) == 1
        assert "status=deferred dsn=4.3.1" in srv.log()

        spoolfs.empty()
        assert srv.stop() == 0      # writes what it kept on the way out
        [m] = queue_json(srv)
        assert [r["state"] for r in m["recipients"]] == ["sent", "pending"]
        srv.start()
        run("-d", srv.dir, "queue", "flush")
        # the deferred one is tried again; the delivered one is not
        # (whatever the Maildir would do with a second copy)
        wait_for(lambda: srv.log().count("to=<%s> relay=local" % other)
                 >= 2, what="the second attempt", srv=srv)
        assert srv.log().count("to=<%s> relay=local" % USER) == 1
        assert len(delivered(srv, "split")) == 1

        mail.empty()
        run("-d", srv.dir, "queue", "flush")
        wait_for(lambda: delivered(srv, "split", "other"),
                 what="the other delivered")
        wait_for(lambda: queue_json(srv) == [], what="queue empty")
        assert len(delivered(srv, "split")) == 1
        assert len(delivered(srv, "split", "other")) == 1
        assert maildir_tmp(srv, "other") == []
    finally:
        srv.stop()
        mail.unmount()
