"""No postern process outlives its parent, and the death of any one child
stops the whole server cleanly (docs/ARCHITECTURE.md, "Processes").

Each test starts a server, kills one of its processes with SIGKILL and
asserts over real sockets and /proc: nothing of the server is left, its
ports can be bound again, and a new `serve` on the same directory and
ports answers within 5 s."""
import os
import re
import signal
import smtplib
import socket
import time

import pytest

from conftest import PASSWORD, USER, live_members, scaled


def children(srv):
    """{role: pid} from the parent's "postern started" log line."""
    m = re.findall(r"postern started: auth=(\d+) queue=(\d+) smtp=(\d+) "
                   r"imap=(\d+)", srv.log()[srv.log_start:])
    assert m, srv.log()
    pids = dict(zip(("auth", "queue", "smtp", "imap"), map(int, m[-1])))
    return {k: v for k, v in pids.items() if v > 0}


def port_free(port):
    """Nothing listens there: a new listener can bind, with SO_REUSEADDR
    as the server sets it (connections of the dead server in TIME_WAIT
    do not count, listening sockets do)."""
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_ports_free(srv, timeout=2):
    """Seconds until nothing listens on any of the server's ports."""
    t0 = time.time()
    deadline = t0 + scaled(timeout)
    while True:
        busy = [p for p in srv.ports.values() if not port_free(p)]
        if not busy:
            return time.time() - t0
        assert time.time() < deadline, "still listening: %s" % busy
        time.sleep(0.01)


def wait_gone(srv, timeout):
    """Seconds until no process of the server's group is alive."""
    t0 = time.time()
    deadline = t0 + scaled(timeout)
    while live_members(srv.proc.pid):
        assert time.time() < deadline, (
            "still alive after %.1f s: %s\n%s" % (
                time.time() - t0, live_members(srv.proc.pid), srv.log()))
        time.sleep(0.01)
    return time.time() - t0


def serves(srv):
    """A new `serve` answers a whole submission within 5 s."""
    t0 = time.time()
    srv.start(wait=False)
    srv.wait_ready(timeout=5)
    with smtplib.SMTP("127.0.0.1", srv.ports["submission"],
                      timeout=scaled(5)) as s:
        s.starttls(context=srv.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
        s.sendmail(USER, [USER], b"Subject: again\r\n\r\nhello\r\n")
    return time.time() - t0


def test_kill9_parent_leaves_nothing(unstarted):
    srv = unstarted.start()
    kids = children(srv)
    assert set(kids) == {"auth", "queue", "smtp"}
    # a client in the middle of a session when the parent dies
    d = srv.dialog()
    d.expect("EHLO client.example", 250)
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(scaled(5))
    took = wait_gone(srv, 2)
    wait_ports_free(srv, 0)
    # the session went with its process, without a 250 for anything
    assert d.closed()
    d.close()
    print("children gone %.3f s after the parent" % took)
    took = serves(srv)
    print("new serve answered in %.3f s" % took)
    assert srv.stop() == 0


@pytest.mark.parametrize("role", ["auth", "queue", "smtp"])
def test_kill9_of_one_child_stops_the_server(unstarted, role):
    srv = unstarted.start()
    kids = children(srv)
    os.kill(kids[role], signal.SIGKILL)
    # the parent notices, says which child died and how, and stops the
    # rest; it exits non-zero so a supervisor (systemd) restarts it
    rc = srv.proc.wait(scaled(10))
    assert rc == 1, srv.log()
    assert "%s process killed by signal 9" % role in srv.log(), srv.log()
    assert "stopped after a failure" in srv.log()
    wait_gone(srv, 2)
    wait_ports_free(srv, 0)
    serves(srv)
    assert srv.stop() == 0
