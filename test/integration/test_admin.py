"""The admin HTTP listener over real sockets (server/admin.c,
lib/http_srv.c): /metrics, /healthz, and the hardening every route gets
(docs/API.md): Host allowlist, the raw target judged before decoding,
size and time limits, the connection cap, methods, keep-alive, HTTPS
and the process it runs in.  Metrics are scraped before and after real
SMTP traffic and must move by exactly what happened; the page passes a
format check (promfmt.py) and `promtool check metrics`."""
import http.client
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, Server, finish, free_port,
                      plain_token, run, scaled, wait_for)
from dnsfix import Zone
import promfmt
from sinks import Sink


def admin_server(conf=None, env=None):
    settings = {"admin": "127.0.0.1:%d" % free_port()}
    settings.update(conf or {})
    s = Server(settings, env=env)
    s.admin_port = int(settings["admin"].rsplit(":", 1)[1])
    return s


@pytest.fixture
def adm(request):
    conf = {}
    for m in request.node.iter_markers("conf"):
        conf.update(m.kwargs)
    srv = admin_server(conf).start()
    wait_for(lambda: get(srv, "/healthz/ready")[0] == 200, what="ready")
    yield srv
    finish(srv)


def get(srv, path, method="GET", headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", srv.admin_port,
                                   timeout=scaled(10))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def raw(srv, data, timeout=5):
    """Send bytes as they are; the whole answer until the server
    closes (or timeout)."""
    s = socket.create_connection(("127.0.0.1", srv.admin_port),
                                 timeout=scaled(timeout))
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


def status_of(answer):
    return int(answer.split(b" ", 2)[1]) if answer else None


def scrape(srv):
    st, hdr, data = get(srv, "/metrics")
    assert st == 200
    assert hdr["Content-Type"].startswith("text/plain; version=0.0.4")
    return promfmt.parse(data.decode())


def test_health_and_headers(adm):
    st, hdr, data = get(adm, "/healthz/live")
    assert st == 200 and data == b'{"status":"live"}\n'
    st, hdr, data = get(adm, "/healthz/ready")
    assert st == 200 and b'"ready"' in data
    assert hdr["Content-Type"] == "application/json"
    assert hdr["X-Content-Type-Options"] == "nosniff"
    assert hdr["Cache-Control"] == "no-store"
    assert "default-src 'none'" in hdr["Content-Security-Policy"]
    # HEAD: the same headers and length, no body
    st, hdr2, data = get(adm, "/healthz/live", method="HEAD")
    assert st == 200 and data == b""
    assert hdr2["Content-Length"] == str(len(b'{"status":"live"}\n'))


def test_metrics_format_and_promtool(adm):
    st, _, data = get(adm, "/metrics")
    samples = promfmt.parse(data.decode())
    assert promfmt.value(samples, "postern_queue_messages") == 0
    names = {k[0] for k in samples}
    for family in ("postern_connections_total", "postern_sessions_total",
                   "postern_auth_total", "postern_auth_cache_total",
                   "postern_messages_accepted_total",
                   "postern_deliveries_total", "postern_holds_total",
                   "postern_outbound_connections_total",
                   "postern_outbound_transactions_total",
                   "postern_spool_commit_seconds_bucket",
                   "postern_queue_oldest_age_seconds",
                   "postern_dns_failures_total",
                   "postern_tls_failures_total",
                   "postern_mailbox_pauses_total"):
        assert family in names, family
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package prometheus); "
                    "the format was checked by promfmt.py")
    r = subprocess.run([promtool, "check", "metrics"], input=data,
                       capture_output=True, timeout=scaled(30))
    assert r.returncode == 0, r.stdout + r.stderr


def submit(port, rcpts, password=PASSWORD, ctx=None):
    with smtplib.SMTP("127.0.0.1", port, timeout=scaled(10)) as s:
        s.starttls(context=ctx)
        s.login(USER, password)
        return s.sendmail(USER, rcpts, b"Subject: m\r\n\r\nHello.\r\n")


def test_metrics_move_by_exactly_what_happened(tmp_path):
    """One good submission to a local and a remote recipient, one failed
    AUTH, one refused RCPT, one MAIL without AUTH: the counters move by
    exactly that, and by nothing else."""
    dns = Zone()
    dns.mx("remote.test", "mx.remote.test", 10)
    dns.a("mx.remote.test", "127.0.0.2")
    sink_port = free_port()
    srv = admin_server({"delivery": "yes", "dns_server": dns.addr,
                        "outbound_port": sink_port, "retry_min": "1s"})
    try:
        run("-d", srv.dir, "mailbox", "add", "bob@example.test",
            "--password-stdin", input=PASSWORD + "\n")
        with Sink("127.0.0.2", sink_port) as sink:
            srv.start()
            wait_for(lambda: get(srv, "/healthz/ready")[0] == 200)
            before = scrape(srv)
            ctx = srv.client_context(check_hostname=False)
            port = srv.ports["submission"]
            # 1: a wrong password (535), then QUIT
            with smtplib.SMTP("127.0.0.1", port, timeout=scaled(10)) as s:
                s.starttls(context=ctx)
                s.ehlo()
                assert s.docmd("AUTH", "PLAIN " + plain_token(
                    USER, "wrong password"))[0] == 535
            # 2: MAIL without AUTH (530), then QUIT
            with smtplib.SMTP("127.0.0.1", port, timeout=scaled(10)) as s:
                s.starttls(context=ctx)
                s.ehlo()
                assert s.mail(USER)[0] == 530
            # 3: one message to two recipients
            assert submit(port, ["bob@example.test", "alice@remote.test"],
                          ctx=ctx) == {}
            # 4: the MX refuses an unknown local recipient (550)
            with smtplib.SMTP("127.0.0.1", srv.ports["mx"],
                              timeout=scaled(10)) as s:
                s.ehlo()
                s.mail("x@other.test")
                assert s.rcpt("nobody@example.test")[0] == 550
            wait_for(lambda: sink.messages, what="remote delivery")

            def delivered():
                a = scrape(srv)
                return a if promfmt.value(
                    a, "postern_deliveries_total", result="delivered",
                    provider="local") == 1 and promfmt.value(
                    a, "postern_deliveries_total", result="delivered",
                    provider="default") == 1 else None
            after = wait_for(delivered, what="deliveries counted")
    finally:
        srv.cleanup()
        dns.stop()

    def delta(name, **labels):
        return promfmt.value(after, name, **labels) - \
            promfmt.value(before, name, **labels)
    assert delta("postern_connections_total", listener="submission") == 3
    assert delta("postern_connections_total", listener="mx") == 1
    assert delta("postern_sessions_total", listener="mx", outcome="quit") == 1
    assert delta("postern_sessions_total", listener="submission",
                 outcome="quit") == 3
    assert delta("postern_auth_total", protocol="smtp",
                 result="wrong_password") == 1
    assert delta("postern_auth_total", protocol="smtp", result="ok") == 1
    assert delta("postern_replies_refused_total", code="530") == 1
    assert delta("postern_replies_refused_total", code="550") == 1
    assert delta("postern_messages_accepted_total",
                 listener="submission") == 1
    assert delta("postern_spool_commit_seconds_count") == 1
    assert delta("postern_deliveries_total", result="bounced",
                 provider="local") == 0
    # the remote recipient: one connection, one transaction on it
    assert delta("postern_outbound_connections_total",
                 provider="default") == 1
    assert delta("postern_outbound_transactions_total",
                 provider="default") == 1
    # nothing else moved: no other family, and no other listener
    allowed = {"postern_connections_total", "postern_sessions_total",
               "postern_auth_total", "postern_auth_cache_total",
               "postern_replies_refused_total",
               "postern_messages_accepted_total",
               "postern_deliveries_total", "postern_http_requests_total",
               "postern_outbound_connections_total",
               "postern_outbound_transactions_total"}
    for name, labels in after:
        if not name.endswith("_total"):
            continue
        if after[(name, labels)] == before.get((name, labels), 0.0):
            continue
        assert name in allowed, (name, dict(labels))
        assert dict(labels).get("listener", "submission") in (
            "submission", "mx"), (name, dict(labels))


@pytest.mark.parametrize("target", [
    "/api/v1/mailboxes%00x", "/%6detrics", "/metrics%00.js", "//metrics",
    "/./metrics", "/x/../metrics", "/metrics%2F", "/api%5Cv1",
    "/a%C3%A9", "/metrics\\", "*",
])
def test_noncanonical_targets_get_400(adm, target):
    ans = raw(adm, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: "
              b"127.0.0.1\r\n\r\n")
    assert status_of(ans) == 400, ans
    assert b"application/problem+json" in ans
    assert b"postern_" not in ans     # /metrics never reached


def test_host_allowlist(adm):
    for host, code in (("127.0.0.1:1", 200), ("localhost", 200),
                       ("[::1]:8480", 200), (HOST, 200),
                       ("evil.test", 421), ("127.0.0.1.evil.test", 421),
                       ("localhost.evil.test", 421)):
        st, hdr, data = get(adm, "/healthz/live", headers={"Host": host})
        assert st == code, (host, st)
        if code == 421:
            assert hdr["Content-Type"] == "application/problem+json"


def test_methods_and_routes(adm):
    st, hdr, _ = get(adm, "/metrics", method="POST", body=b"{}",
                     headers={"Content-Type": "application/json"})
    assert st == 405 and hdr["Allow"] == "GET, HEAD"
    assert get(adm, "/nothing")[0] == 404
    assert get(adm, "/metrics", method="TRACE")[0] == 501
    ans = raw(adm, b"GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n")
    assert status_of(ans) == 505
    ans = raw(adm, b"POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert status_of(ans) == 501
    ans = raw(adm, b"GET /metrics HTTP/1.1\nHost: 127.0.0.1\n\n")
    assert status_of(ans) == 400      # bare LF


def test_size_limits(adm):
    # a head over 16 KiB: 431, and the connection is closed
    ans = raw(adm, b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " +
              b"a" * 17000 + b"\r\n\r\n")
    assert status_of(ans) == 431
    # a body over 1 MiB is refused from its Content-Length, unread
    ans = raw(adm, b"GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Length: 1048577\r\n\r\n")
    assert status_of(ans) == 413
    # within the limit it is read and the request answered
    st, _, _ = get(adm, "/healthz/live", body=b"x" * 1000)
    assert st == 200


@pytest.mark.conf(admin_timeout="2s")
def test_slowloris_is_cut(adm):
    """One byte every 0.3 s never finishes a head: the deadline counts
    from the start of the request, not from the last byte."""
    s = socket.create_connection(("127.0.0.1", adm.admin_port),
                                 timeout=scaled(10))
    start = time.time()
    answer = b""
    try:
        for ch in b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + \
                b"a" * 100:
            s.send(bytes([ch]))
            time.sleep(0.3)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    elapsed = time.time() - start
    s.close()
    assert status_of(answer) == 408, answer
    assert elapsed < scaled(2) + 3, elapsed
    # an idle connection is closed by the same deadline, silently
    s = socket.create_connection(("127.0.0.1", adm.admin_port),
                                 timeout=scaled(10))
    assert s.recv(10) == b""
    s.close()


@pytest.mark.conf(admin_max_connections="2")
def test_connection_cap(adm):
    a = socket.create_connection(("127.0.0.1", adm.admin_port))
    b = socket.create_connection(("127.0.0.1", adm.admin_port))
    time.sleep(scaled(0.3))
    c = socket.create_connection(("127.0.0.1", adm.admin_port),
                                 timeout=scaled(0.5))
    c.sendall(b"GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    with pytest.raises(socket.timeout):
        c.recv(100)                   # not accepted while two are open
    a.close()
    c.settimeout(scaled(5))
    assert c.recv(100).startswith(b"HTTP/1.1 200 ")
    b.close()
    c.close()


def test_keep_alive_and_pipelining(adm):
    s = socket.create_connection(("127.0.0.1", adm.admin_port),
                                 timeout=scaled(5))
    req = b"GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    s.sendall(req + req)
    data = b""
    while data.count(b"HTTP/1.1 200 OK") < 2:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    s.sendall(b"GET /healthz/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Connection: close\r\n\r\n")
    rest = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    assert b"Connection: close" in rest and b'"ready"' in rest
    s.close()


def test_admin_process_is_unprivileged(adm):
    """It drops to the server's user and, like smtp, chroots into
    DIR/empty (sanitizer builds skip the chroot, see parent.c)."""
    admin_pid = adm.log().split("postern[admin:")[1].split("]")[0]
    with open("/proc/%s/status" % admin_pid) as f:
        uid = [l for l in f if l.startswith("Uid:")][0].split()[1]
    if os.geteuid() != 0:
        pytest.skip("not root: the server runs as the invoking user")
    assert uid != "0"
    with open("/proc/%s/maps" % admin_pid) as f:
        sanitized = "libasan" in f.read()
    root = os.readlink("/proc/%s/root" % admin_pid)
    if not sanitized:
        assert root == os.path.join(adm.dir, "empty"), root


def test_off_loopback_needs_tls(unstarted):
    unstarted.settings["admin"] = "0.0.0.0:%d" % free_port()
    unstarted.write_conf()
    r = subprocess.run([BIN, "-d", unstarted.dir, "serve"],
                       capture_output=True,
                       text=True, timeout=scaled(20))
    assert r.returncode != 0
    assert "admin_tls = yes" in r.stderr


def test_https_listener():
    srv = admin_server({"admin_tls": "yes"}).start()
    try:
        ctx = ssl.create_default_context(cafile=srv.cafile)
        c = http.client.HTTPSConnection(HOST, srv.admin_port, context=ctx,
                                        timeout=scaled(10))
        # connect by address, verify the certificate for HOST
        c.sock = ctx.wrap_socket(socket.create_connection(
            ("127.0.0.1", srv.admin_port)), server_hostname=HOST)
        c.request("GET", "/healthz/live")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b'{"status":"live"}\n'
        c.close()
        # plain HTTP to the HTTPS listener gets nothing answered
        ans = raw(srv, b"GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1"
                  b"\r\n\r\n", timeout=3)
        assert not ans.startswith(b"HTTP/1.1 200")
    finally:
        finish(srv)
