"""Queue and delivery over real sockets: postern delivers to aiosmtpd
sinks on loopback addresses found through a DNS server the test starts
(dnsfix.py), to local Maildirs, and through a relayhost; it retries,
bounces with RFC 3464 reports, suppresses hard-bounced addresses, and
the `postern queue` commands act on what is queued.  Nothing leaves
loopback: the server's resolver is the test's DNS server, and the tests
run inside an empty network namespace (scripts/integration.sh)."""
import email
import email.policy
import glob
import json
import os
import re
import shutil
import smtplib
import tempfile
import threading
import time

import pytest

from conftest import (BIN, HOST, PASSWORD, USER, Server, free_port, run,
                      scaled, wait_for)
from dnsfix import Zone
from sinks import Sink

SINK_PORT = None


def sink_port():
    global SINK_PORT
    if SINK_PORT is None:
        SINK_PORT = free_port()
    return SINK_PORT


def submit(server, rcpts, body="Hello.\r\n", sender=USER, subject="test",
           extra_headers="", mail_options=(), rcpt_options=()):
    msg = ("From: <%s>\r\nTo: %s\r\nSubject: %s\r\n"
           "Message-ID: <%f@example.test>\r\n%s\r\n%s" % (
               sender, ", ".join(rcpts), subject, time.time(),
               extra_headers, body))
    with smtplib.SMTP("127.0.0.1", server.ports["submission"],
                      timeout=10) as s:
        s.starttls(context=server.client_context(check_hostname=False))
        s.login(USER, PASSWORD)
        refused = s.sendmail(sender, rcpts, msg.encode(),
                             mail_options=list(mail_options),
                             rcpt_options=list(rcpt_options))
    return msg, refused



def maildir_files(server, address):
    local, domain = address.split("@")
    return sorted(glob.glob(os.path.join(server.dir, "mail", domain, local,
                                         "Maildir", "new", "*")))


def queue_json(server):
    r = run("-d", server.dir, "queue", "list", "--json")
    return json.loads(r.stdout)["messages"]


@pytest.fixture
def dns():
    d = Zone()
    yield d
    d.stop()


@pytest.fixture
def mkserver():
    made = []

    def make(dns, **conf):
        settings = {"delivery": "yes", "dns_server": dns.addr,
                    "outbound_port": sink_port(), "retry_min": "1s",
                    "retry_max": "2s", "timeout_connect": "2s",
                    "timeout_outbound": "5s", "delivery_workers": "4"}
        settings.update(conf)
        s = Server(settings)
        made.append(s)
        return s.start()

    yield make
    for s in made:
        s.cleanup()


def test_remote_delivery_by_mx(dns, mkserver):
    dns.mx("remote.test", "mx.remote.test", 10)
    dns.a("mx.remote.test", "127.0.0.2")
    with Sink("127.0.0.2", sink_port()) as sink:
        srv = mkserver(dns)
        msg, refused = submit(srv, ["alice@remote.test"])
        assert refused == {}
        wait_for(lambda: sink.messages, what="delivery")
        got = sink.messages[0]
        assert got.mail_from == USER
        assert got.rcpts == ["alice@remote.test"]
        assert b"Subject: test" in got.data
        assert got.data.startswith(b"DKIM-Signature:") or \
            b"Received: from" in got.data
        srv.wait_log("status=sent")
        wait_for(lambda: not srv.queued(), what="queue empty")
        assert "relay=mx.remote.test[127.0.0.2]" in srv.log()


def test_recipients_across_domains_and_local(dns, mkserver):
    dns.mx("one.test", "mx.one.test", 10)
    dns.a("mx.one.test", "127.0.0.2")
    dns.mx("two.test", "mx.two.test", 10)
    dns.a("mx.two.test", "127.0.0.3")
    with Sink("127.0.0.2", sink_port()) as one, \
            Sink("127.0.0.3", sink_port()) as two:
        srv = mkserver(dns)
        submit(srv, ["a@one.test", "b@two.test", "c@one.test", USER])
        wait_for(lambda: one.messages and two.messages, what="delivery")
        # one connection and one transaction per destination
        assert one.rcpts() == ["a@one.test", "c@one.test"]
        assert len(one.messages) == 1
        assert two.rcpts() == ["b@two.test"]
        files = wait_for(lambda: maildir_files(srv, USER), what="maildir")
        data = open(files[0], "rb").read()
        assert data.startswith(b"Return-Path: <%s>\r\nDelivered-To: %s\r\n"
                               % (USER.encode(), USER.encode()))
        assert b"Subject: test" in data
        wait_for(lambda: not srv.queued(), what="queue empty")


def test_implicit_mx_and_preference_fallback(dns, mkserver):
    # the preferred MX has no listener: the next one takes the message
    dns.mx("pref.test", "mx1.pref.test", 5)
    dns.mx("pref.test", "mx2.pref.test", 20)
    dns.a("mx1.pref.test", "127.0.0.4")
    dns.a("mx2.pref.test", "127.0.0.5")
    dns.a("implicit.test", "127.0.0.6")     # no MX: its A record
    with Sink("127.0.0.5", sink_port()) as backup, \
            Sink("127.0.0.6", sink_port()) as implicit:
        srv = mkserver(dns)
        submit(srv, ["x@pref.test", "y@implicit.test"])
        wait_for(lambda: backup.messages and implicit.messages,
                 what="delivery")
        assert backup.rcpts() == ["x@pref.test"]
        assert implicit.rcpts() == ["y@implicit.test"]


def test_defer_then_retry(dns, mkserver):
    dns.mx("slow.test", "mx.slow.test", 10)
    dns.a("mx.slow.test", "127.0.0.2")
    rules = {"bob@slow.test": ["451 4.2.0 greylisted, try later", "250"]}
    with Sink("127.0.0.2", sink_port(), rules=rules) as sink:
        # time to read the queue before the retry, on a loaded machine too
        wait = int(scaled(2))
        srv = mkserver(dns, retry_min="%ds" % wait,
                       retry_max="%ds" % (wait + 1))
        submit(srv, ["bob@slow.test"])
        srv.wait_log("status=deferred")
        q = queue_json(srv)
        assert q and q[0]["recipients"][0]["state"] == "pending"
        assert "greylisted" in q[0]["recipients"][0]["reply"]
        wait_for(lambda: sink.messages, what="retry", timeout=20 + wait)
        srv.wait_log("attempts=2 status=sent")
        wait_for(lambda: not srv.queued(), what="queue empty")


def reuse_zone(dns):
    """reuse.test's MX on 127.0.0.2, other.test's on 127.0.0.3."""
    for name, addr in (("reuse.test", "127.0.0.2"),
                       ("other.test", "127.0.0.3")):
        dns.mx(name, "mx." + name, 10)
        dns.a("mx." + name, addr)


def used_conns(sink):
    """The connections that carried a transaction (the sink's first is
    aiosmtpd's own, at start)."""
    return [c for c in sink.conns if c.senders]


def queue_behind_first(srv, sink, scheduled, between=()):
    """first@reuse.test, until its transaction is on the sink; then each
    of between, and next0..2@reuse.test; returns once the scheduler has
    `scheduled` messages in all (a 250 comes before it has one)."""
    submit(srv, ["first@reuse.test"])
    wait_for(lambda: used_conns(sink), what="the first transaction")
    for rcpt in list(between) + ["next%d@reuse.test" % i for i in range(3)]:
        submit(srv, [rcpt])
    wait_for(lambda: srv.log().count(": scheduled") == scheduled,
             what="%d messages scheduled" % scheduled)


@pytest.mark.parametrize("reuse,wait,per_conn", [
    ("300s", 0, [4]),       # the backlog rides the open connection
    ("0", 0, [1, 3]),       # reuse off: one job per connection
    ("1s", 1.5, [1, 3]),    # opened longer ago than connection_reuse_time
])
def test_connection_reuse_for_mail_queued_meanwhile(dns, mkserver, reuse,
                                                    wait, per_conn):
    """One connection to reuse.test at a time; while its first message
    waits for the reply to the final dot, three more are queued.  With
    reuse the same connection carries them after its job (in one job:
    they are three transactions on it), else a new connection does."""
    reuse_zone(dns)
    gate = threading.Event()
    with Sink("127.0.0.2", sink_port(), gate=gate) as sink:
        srv = mkserver(dns, destination_concurrency="1",
                       connection_reuse_time=reuse)
        queue_behind_first(srv, sink, 4)
        time.sleep(wait)
        gate.set()
        wait_for(lambda: len(sink.messages) == 4, what="all four")
        wait_for(lambda: not srv.queued(), what="queue empty")
        assert [c.delivered for c in used_conns(sink)] == per_conn
        assert sorted(sink.rcpts()) == sorted(
            ["first@reuse.test"] + ["next%d@reuse.test" % i
                                    for i in range(3)])
        assert len(re.findall(r"status=sent", srv.log())) == 4
        # the log says which transaction of its connection each was
        uses = re.findall(r"to=<next\d@reuse.test> relay=\S+"
                          r"( conn_use=\d+)? delay", srv.log())
        assert sorted(uses) == ([" conn_use=2", " conn_use=3",
                                 " conn_use=4"] if per_conn == [4] else
                                ["", " conn_use=2", " conn_use=3"])


@pytest.mark.parametrize("workers,per_conn", [
    ("1", [1, 3]),      # the only worker: earlier mail elsewhere first
    ("4", [4]),         # idle workers take the other mail
])
def test_connection_reuse_yields_to_earlier_mail_elsewhere(
        dns, mkserver, workers, per_conn):
    """While reuse.test's first transaction waits, a message to
    other.test is queued, then three to reuse.test.  With every worker
    busy the connection is not kept past mail that arrived earlier for
    another destination; with a worker idle it is."""
    reuse_zone(dns)
    gate = threading.Event()
    with Sink("127.0.0.2", sink_port(), gate=gate) as sink, \
            Sink("127.0.0.3", sink_port()) as other:
        srv = mkserver(dns, delivery_workers=workers,
                       destination_concurrency="1")
        queue_behind_first(srv, sink, 5, between=["x@other.test"])
        gate.set()
        wait_for(lambda: len(sink.messages) == 4 and other.messages,
                 what="all five")
        wait_for(lambda: not srv.queued(), what="queue empty")
        assert [c.delivered for c in used_conns(sink)] == per_conn
        log = srv.log()
        if workers == "1":
            assert log.index("to=<x@other.test>") < \
                log.index("to=<next0@reuse.test>")


def test_connection_reuse_sees_mail_that_fell_due_elsewhere(dns, mkserver):
    """One worker.  x@other.test was deferred and waits an hour (parked).
    While reuse.test's first transaction waits, x is flushed (due now)
    and three more to reuse.test are queued: the connection ends rather
    than carry them past x, which goes first."""
    reuse_zone(dns)
    gate = threading.Event()
    rules = {"x@other.test": ["451 4.3.0 later", "250"]}
    with Sink("127.0.0.2", sink_port(), gate=gate) as sink, \
            Sink("127.0.0.3", sink_port(), rules=rules) as other:
        srv = mkserver(dns, delivery_workers="1",
                       destination_concurrency="1", retry_min="1h",
                       retry_max="2h")
        submit(srv, ["x@other.test"])
        srv.wait_log("to=<x@other.test>")
        xid = queue_json(srv)[0]["id"]
        queue_behind_first(srv, sink, 5)
        run("-d", srv.dir, "queue", "flush", xid)
        srv.wait_log("deliver: operator: flush " + xid)
        gate.set()
        wait_for(lambda: len(sink.messages) == 4 and other.messages,
                 what="all five")
        wait_for(lambda: not srv.queued(), what="queue empty")
        assert [c.delivered for c in used_conns(sink)] == [1, 3]
        log = srv.log()
        assert log.index("to=<x@other.test> relay=mx.other.test"
                         "[127.0.0.3] delay=") < \
            log.index("to=<next0@reuse.test>"), log[-4000:]


def parse_dsn(path):
    msg = email.message_from_binary_file(open(path, "rb"),
                                         policy=email.policy.compat32)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    parts = msg.get_payload()
    status = [p for p in parts
              if p.get_content_type() == "message/delivery-status"][0]
    groups = status.get_payload()   # per-message, then per-recipient
    return msg, parts, groups


def test_reject_bounces_with_dsn_and_suppresses(dns, mkserver):
    dns.mx("hard.test", "mx.hard.test", 10)
    dns.a("mx.hard.test", "127.0.0.2")
    rules = {"gone@hard.test": ["550 5.1.1 <gone@hard.test>: no such user"]}
    with Sink("127.0.0.2", sink_port(), rules=rules) as sink:
        srv = mkserver(dns)
        submit(srv, ["gone@hard.test", "ok@hard.test"],
               rcpt_options=())
        files = wait_for(lambda: maildir_files(srv, USER), what="bounce")
        assert sink.rcpts() == ["ok@hard.test"]
        msg, parts, groups = parse_dsn(files[0])
        assert msg["From"].startswith('"Mail Delivery System"') or \
            "MAILER-DAEMON" in msg["From"]
        assert msg["Auto-Submitted"] == "auto-replied"
        per_rcpt = groups[1]
        assert per_rcpt["Final-Recipient"].lower() == "rfc822; gone@hard.test"
        assert per_rcpt["Action"] == "failed"
        assert per_rcpt["Status"] == "5.1.1"
        assert "no such user" in per_rcpt["Diagnostic-Code"]
        assert "127.0.0.2" in per_rcpt["Remote-MTA"]
        # the original's header comes back, not the delivered recipient
        assert b"Subject: test" in open(files[0], "rb").read()
        assert "ok@hard.test" not in str(groups[1:])
        # the bounce itself came from <> and was not bounced again
        data = open(files[0], "rb").read()
        assert data.startswith(b"Return-Path: <>\r\n")
        # hard bounce: the address is suppressed for example.test ...
        r = run("-d", srv.dir, "suppress", "list", "example.test", "--json")
        assert "gone@hard.test" in r.stdout
        # ... so the next submission is refused at RCPT with the reason
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            submit(srv, ["gone@hard.test"])
        code, text = e.value.recipients["gone@hard.test"]
        assert code == 550 and b"5.1.1" in text and b"bounced" in text


def test_status_class_follows_the_reply_code(dns, mkserver):
    """A receiver whose enhanced code disagrees with its reply code:
    the reply code decides the outcome, and the recorded status and the
    bounce's Status take its class (a DSN never fails with a 4)."""
    dns.mx("cls.test", "mx.cls.test", 10)
    dns.a("mx.cls.test", "127.0.0.2")
    rules = {"full@cls.test": ["550 4.2.2 mailbox over quota"],
             "later@cls.test": ["451 5.7.1 try again later"]}
    with Sink("127.0.0.2", sink_port(), rules=rules):
        srv = mkserver(dns, retry_min="1h", retry_max="2h")
        submit(srv, ["full@cls.test"])     # one message each: the
        submit(srv, ["later@cls.test"])    # bounce waits for all
        files = wait_for(lambda: maildir_files(srv, USER), what="bounce")
        msg, parts, groups = parse_dsn(files[0])
        per_rcpt = groups[1]
        assert per_rcpt["Final-Recipient"].lower() == "rfc822; full@cls.test"
        assert per_rcpt["Action"] == "failed"
        assert per_rcpt["Status"] == "5.2.2"
        assert "550 4.2.2 mailbox over quota" in per_rcpt["Diagnostic-Code"]
        srv.wait_log("to=<later@cls.test>")
        wait_for(lambda: len(queue_json(srv)) == 1, what="the bounce sent")
        assert "status=bounced dsn=5.2.2 (550 4.2.2" in srv.log()
        assert "status=deferred dsn=4.7.1 (451 5.7.1" in srv.log()
        r = [x for m in queue_json(srv) for x in m["recipients"]]
        assert [(x["address"], x["state"], x["status"]) for x in r] == [
            ("later@cls.test", "pending", "4.7.1")]


def test_sender_block_is_not_suppressed(dns, mkserver):
    """Issue 24 item 2: a 5.7.1 block names the sender, not the
    recipient: it bounces, is logged as the sender's fault and stays off
    the suppression list; a 5.1.1 beside it is suppressed."""
    dns.mx("mixed.test", "mx.mixed.test", 10)
    dns.a("mx.mixed.test", "127.0.0.2")
    rules = {
        "gone@mixed.test": ["550 5.1.1 <gone@mixed.test>: no such user"],
        "real@mixed.test": ["550 5.7.1 [127.0.0.1] Our system has "
                            "detected an unusual rate of unsolicited mail "
                            "originating from your IP address. To protect "
                            "our users from spam, mail sent from your IP "
                            "address has been blocked."],
    }
    with Sink("127.0.0.2", sink_port(), rules=rules) as sink:
        srv = mkserver(dns)
        submit(srv, ["gone@mixed.test", "real@mixed.test", "ok@mixed.test"],
               rcpt_options=())
        wait_for(lambda: maildir_files(srv, USER), what="bounce")
        assert sink.rcpts() == ["ok@mixed.test"]
        wait_for(lambda: "real@mixed.test failed:" in srv.log(),
                 what="failure log")
        log = srv.log()
        assert "gone@mixed.test failed: reason=userunknown " \
            "fault=recipient hard suppress" in log, log
        assert "real@mixed.test failed: reason=blocked fault=sender " \
            "soft" in log, log
        r = run("-d", srv.dir, "suppress", "list", "example.test", "--json")
        assert "gone@mixed.test" in r.stdout
        assert "real@mixed.test" not in r.stdout


def test_null_mx_bounces_at_once(dns, mkserver):
    dns.null_mx("nomail.test")
    srv = mkserver(dns)
    submit(srv, ["x@nomail.test"])
    files = wait_for(lambda: maildir_files(srv, USER), what="bounce")
    _, _, groups = parse_dsn(files[0])
    assert groups[1]["Status"] == "5.1.10"
    assert "null MX" in groups[1]["Diagnostic-Code"]
    srv.wait_log("status=bounced")
    assert "attempts=1 status=bounced" in srv.log()


def test_nxdomain_bounces(dns, mkserver):
    srv = mkserver(dns)
    submit(srv, ["x@does-not-exist.test"])
    files = wait_for(lambda: maildir_files(srv, USER), what="bounce")
    _, _, groups = parse_dsn(files[0])
    assert groups[1]["Status"] == "5.1.2"


def test_dsn_notify_success_and_ret_envid(dns, mkserver):
    dns.mx("dsn.test", "mx.dsn.test", 10)
    dns.a("mx.dsn.test", "127.0.0.2")
    with Sink("127.0.0.2", sink_port()) as sink:
        srv = mkserver(dns)
        submit(srv, ["n@dsn.test"], mail_options=["RET=HDRS",
                                                  "ENVID=env+2B1"],
               rcpt_options=["NOTIFY=SUCCESS,FAILURE",
                             "ORCPT=rfc822;n@dsn.test"])
        wait_for(lambda: sink.messages, what="delivery")
        got = sink.messages[0]
        # aiosmtpd offers no DSN: the parameters are not passed on ...
        assert not any("NOTIFY" in o for o in got.rcpt_options[0])
        # ... so a "relayed" notice comes back to the sender
        files = wait_for(lambda: maildir_files(srv, USER), what="notice")
        _, _, groups = parse_dsn(files[0])
        # RFC 3461 §4.4: the report carries ENVID decoded from xtext
        assert groups[0]["Original-Envelope-Id"] == "env+1"
        assert groups[1]["Action"] == "relayed"


def test_starttls_outbound_and_required(dns, mkserver):
    dns.mx("tls.test", "mx.tls.test", 10)
    dns.a("mx.tls.test", "127.0.0.2")
    dns.mx("plain.test", "mx.plain.test", 10)
    dns.a("mx.plain.test", "127.0.0.3")
    with Sink("127.0.0.2", sink_port(), tls=True) as tls_sink, \
            Sink("127.0.0.3", sink_port()) as plain_sink:
        srv = mkserver(dns, outbound_tls="required")
        submit(srv, ["a@tls.test", "b@plain.test"])
        wait_for(lambda: tls_sink.messages, what="TLS delivery")
        assert tls_sink.messages[0].tls
        srv.wait_log("b@plain.test")
        wait_for(lambda: "does not offer STARTTLS" in srv.log(),
                 what="required TLS refusal")
        assert plain_sink.messages == []
        q = queue_json(srv)
        assert q[0]["recipients"][1]["state"] == "pending"


def relay_password_file():
    pwdir = tempfile.mkdtemp(prefix="postern-relay-")
    os.chmod(pwdir, 0o755)      # the server's user reads the file
    pw = os.path.join(pwdir, "relay.pw")
    with open(pw, "w") as f:
        f.write("s3cret relay\n")
    os.chmod(pw, 0o644)
    return pwdir, pw


def test_relayhost_with_auth(dns, mkserver):
    relay_port = free_port()
    pwdir, pw = relay_password_file()
    dns.a("relay.test", "127.0.0.7")
    with Sink("127.0.0.7", relay_port, tls=True, cert_name="relay.test",
              auth={"relayuser": "s3cret relay"}) as relay:
        os.chmod(relay.tmp, 0o755)
        os.chmod(relay.cafile, 0o644)
        srv = mkserver(dns, relayhost="relay.test:%d" % relay_port,
                       relayhost_user="relayuser",
                       relayhost_password_file=pw,
                       relayhost_cafile=relay.cafile)
        submit(srv, ["far@away.test", "other@else.test"])
        wait_for(lambda: relay.messages, what="relay delivery")
        got = relay.messages[0]
        assert got.tls and got.auth_user == "relayuser"
        assert sorted(got.rcpts) == ["far@away.test", "other@else.test"]
        assert "s3cret" not in srv.log()
    shutil.rmtree(pwdir, ignore_errors=True)


def test_relayhost_untrusted_certificate_gets_no_password(dns, mkserver):
    relay_port = free_port()
    pwdir, pw = relay_password_file()
    dns.a("relay.test", "127.0.0.7")
    with Sink("127.0.0.7", relay_port, tls=True, cert_name="relay.test",
              auth={"relayuser": "s3cret relay"}) as relay:
        srv = mkserver(dns, relayhost="relay.test:%d" % relay_port,
                       relayhost_user="relayuser",
                       relayhost_password_file=pw)
        submit(srv, ["far@away.test"])
        srv.wait_log("status=deferred")
        assert relay.messages == [] and relay.attempts == []
        r = queue_json(srv)[0]["recipients"][0]
        assert "certificate is not trusted" in r["reply"]
    shutil.rmtree(pwdir, ignore_errors=True)


def test_queue_cli_hold_release_delete(dns, mkserver):
    dns.mx("q.test", "mx.q.test", 10)
    dns.a("mx.q.test", "127.0.0.2")
    rules = {"*": ["451 4.3.2 not now"]}
    with Sink("127.0.0.2", sink_port(), rules=rules) as sink:
        srv = mkserver(dns, retry_min="1h", retry_max="1h")
        submit(srv, ["a@q.test"])
        srv.wait_log("status=deferred")
        q = queue_json(srv)
        qid = q[0]["id"]
        assert q[0]["state"] == "deferred"
        show = run("-d", srv.dir, "queue", "show", qid).stdout
        assert "not now" in show and "Subject: test" in show
        run("-d", srv.dir, "queue", "hold", qid)
        wait_for(lambda: queue_json(srv)[0]["held"], what="hold")
        sink.rules.clear()      # accept from now on
        run("-d", srv.dir, "queue", "flush", qid)   # flush releases too
        wait_for(lambda: sink.messages, what="flushed delivery")
        wait_for(lambda: not srv.queued(), what="queue empty")
        submit(srv, ["b@q.test"])
        sink.rules["*"] = ["451 4.3.2 not now"]
        assert run("-d", srv.dir, "queue", "show", "nope",
                   check=False).returncode == 1
        usage = run("-d", srv.dir, "queue", "frob", check=False)
        assert usage.returncode == 2


def test_queue_cli_offline(dns, mkserver):
    srv = mkserver(dns, delivery="no")
    submit(srv, ["a@offline.test"])
    qid = queue_json(srv)[0]["id"]
    assert srv.stop() == 0
    r = run("-d", srv.dir, "queue", "hold", qid)
    assert "not running" in r.stdout
    assert queue_json(srv)[0]["held"]
    run("-d", srv.dir, "queue", "delete", qid)
    assert queue_json(srv) == []


def dkim_records(server, domain):
    recs = json.loads(run("-d", server.dir, "dns", domain, "--json").stdout)
    return {r["name"] + ".": r["value"].encode() for r in recs
            if "._domainkey." in r["name"]}


def test_outbound_mail_is_dkim_signed_rsa_and_ed25519(dns, mkserver):
    import dkim
    dns.mx("verify.test", "mx.verify.test", 10)
    dns.a("mx.verify.test", "127.0.0.2")
    with Sink("127.0.0.2", sink_port()) as sink:
        srv = mkserver(dns)
        # one key of each algorithm (the harness adds the domain without)
        run("-d", srv.dir, "dkim", "add", "example.test", "--alg", "rsa")
        run("-d", srv.dir, "dkim", "add", "example.test", "--alg", "ed25519")
        records = dkim_records(srv, "example.test")
        assert len(records) == 2
        long_subject = "a long subject " * 12
        submit(srv, ["v@verify.test"], subject=long_subject,
               extra_headers="X-Folded: one\r\n\ttwo\r\n   three\r\n",
               body="line with trailing spaces   \r\n\r\n.leading dot\r\n"
                    "\r\n\r\n")
        wait_for(lambda: sink.messages, what="delivery")
        data = sink.messages[0].data
        sigs = [h for h in data.split(b"\r\n\r\n")[0].split(b"\r\n")
                if h.startswith(b"DKIM-Signature:")]
        assert len(sigs) == 2
        assert b"a=rsa-sha256" in data and b"a=ed25519-sha256" in data
        assert b"c=relaxed/relaxed" in data
        # dot-stuffing was undone by the receiver: the body is intact
        assert b"\r\n.leading dot\r\n" in data

        def dnsfunc(name, timeout=5):
            return records.get(name.decode() if isinstance(name, bytes)
                               else name)
        d = dkim.DKIM(data)
        assert d.verify(idx=0, dnsfunc=dnsfunc)
        assert d.verify(idx=1, dnsfunc=dnsfunc)
        # a changed body no longer verifies: the check can fail
        bad = dkim.DKIM(data.replace(b"leading dot", b"leading dog"))
        with pytest.raises(dkim.ValidationError, match="body hash"):
            bad.verify(idx=0, dnsfunc=dnsfunc)


def test_dns_servfail_defers_and_mx_without_address_is_skipped(dns,
                                                               mkserver):
    dns.servfail("broken.test")
    dns.mx("half.test", "noaddr.half.test", 5)     # has no A/AAAA
    dns.name("noaddr.half.test")
    dns.mx("half.test", "mx.half.test", 10)
    dns.a("mx.half.test", "127.0.0.2")
    with Sink("127.0.0.2", sink_port()) as sink:
        srv = mkserver(dns)
        submit(srv, ["a@broken.test", "b@half.test"])
        wait_for(lambda: sink.messages, what="delivery past the bad MX")
        assert sink.rcpts() == ["b@half.test"]
        srv.wait_log("to=<a@broken.test>")
        q = queue_json(srv)
        r = q[0]["recipients"][0]
        assert r["state"] == "pending" and r["status"] == "4.4.3"
        assert "DNS lookup failed" in r["reply"]
        # nothing bounced: a DNS failure is temporary
        assert maildir_files(srv, USER) == []


def test_local_unknown_mailbox_and_alias(dns, mkserver):
    srv = mkserver(dns)
    run("-d", srv.dir, "alias", "add", "sales@example.test", USER)
    submit(srv, ["sales@example.test", "nobody@example.test"])
    files = wait_for(lambda: len(maildir_files(srv, USER)) >= 2,
                     what="alias delivery and bounce") and \
        maildir_files(srv, USER)
    texts = [open(f, "rb").read() for f in files]
    delivered = [t for t in texts if b"Delivered-To: sales@example.test"
                 in t]
    bounces = [t for t in texts if b"multipart/report" in t]
    assert len(delivered) == 1 and len(bounces) == 1
    assert b"nobody@example.test" in bounces[0]
    assert b"5.1.1" in bounces[0]
    # a local unknown address is not put on the suppression list
    r = run("-d", srv.dir, "suppress", "list", "--json")
    assert "nobody@example.test" not in r.stdout


def closing_tls_mx(addr, port, certdir):
    """An MX that offers STARTTLS, then closes the connection in the
    middle of DATA, each time; returns the listening thread's stop."""
    from sinks import make_cert
    import socket
    import ssl
    import threading
    crt, key = make_cert(certdir, "mx.close.test")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(8)
    ls.settimeout(0.2)
    stop = threading.Event()

    def lines(f):
        return f.readline()

    def one(c):
        f = c.makefile("rwb")
        f.write(b"220 closer ESMTP\r\n")
        f.flush()
        lines(f)                                   # EHLO
        f.write(b"250-closer\r\n250 STARTTLS\r\n")
        f.flush()
        lines(f)                                   # STARTTLS
        f.write(b"220 go\r\n")
        f.flush()
        t = ctx.wrap_socket(c, server_side=True)
        f = t.makefile("rwb")
        lines(f)                                   # EHLO
        f.write(b"250-closer\r\n250 PIPELINING\r\n")
        f.flush()
        for _ in range(3):                         # MAIL RCPT DATA
            lines(f)
        f.write(b"250 ok\r\n250 ok\r\n354 go\r\n")
        f.flush()
        t.recv(1000)
        t.close()                                  # mid-DATA

    def serve():
        while not stop.is_set():
            try:
                c, _ = ls.accept()
            except socket.timeout:
                continue
            try:
                one(c)
            except (OSError, ssl.SSLError):
                pass
        ls.close()
    threading.Thread(target=serve, daemon=True).start()
    return stop.set


def test_peer_closing_mid_data_over_tls_is_deferred(dns, mkserver):
    dns.mx("close.test", "mx.close.test", 10)
    dns.a("mx.close.test", "127.0.0.8")
    certdir = tempfile.mkdtemp(prefix="closer-")
    stop = closing_tls_mx("127.0.0.8", sink_port(), certdir)
    try:
        srv = mkserver(dns)
        big = ("x" * 998 + "\r\n") * 2000          # 2 MB: many writes
        submit(srv, ["a@close.test"], body=big)
        srv.wait_log("to=<a@close.test>", timeout=20)
        time.sleep(0.5)
        # the queue process survived the broken pipe (no SIGPIPE)
        assert srv.proc.poll() is None
        assert "queue process" not in srv.log()
        r = queue_json(srv)[0]["recipients"][0]
        assert r["state"] == "pending"
    finally:
        stop()
        shutil.rmtree(certdir, ignore_errors=True)


def test_discard_reclaims_the_spool_log():
    """delivery = discard drops every recipient as delivered (local and
    remote alike, nothing written to a Maildir, nothing sent), and the
    spool log gives the space back: once every message of the segment
    being written is done, the idle writer leaves it and it is removed;
    a restart writes a new segment, never an old one."""
    srv = Server({"delivery": "discard"}).start()
    try:
        for i in range(3):
            submit(srv, [USER, "someone@remote.test"], subject="d%d" % i)
        wait_for(lambda: srv.log().count("relay=discard") >= 6,
                 what="six discarded recipients")
        assert "to=<someone@remote.test> relay=discard" in srv.log()
        assert "status=sent dsn=2.0.0" in srv.log()
        assert maildir_files(srv, USER) == []
        wait_for(lambda: srv.queued() == {}, what="nothing queued")
        wait_for(lambda: srv.queue_files() == [],
                 what="the segment reclaimed")

        submit(srv, [USER], subject="next")
        wait_for(lambda: srv.log().count("relay=discard") >= 7,
                 what="discarded")
        wait_for(lambda: srv.queue_files() == [],
                 what="the segment reclaimed")
        srv.stop()
        srv.start()
        submit(srv, [USER], subject="after restart")
        wait_for(lambda: srv.log().count("relay=discard") >= 8,
                 what="discarded after restart")
        wait_for(lambda: srv.queue_files() == [],
                 what="the segment reclaimed")
        # no segment the writer could not open or sync
        assert "spool log" not in srv.log().replace(
            "message(s) in the spool log", "")
    finally:
        srv.cleanup()


def delivery_status(path):
    """The type of a DSN's report part, ASCII (RFC 3464) or global (RFC
    6533), and the whole file as UTF-8 text (the report's fields are in
    it as written)."""
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.SMTPUTF8)
    for p in msg.walk():
        if p.get_content_type() in ("message/delivery-status",
                                    "message/global-delivery-status"):
            return p.get_content_type(), msg, raw.decode("utf-8")
    raise AssertionError("no delivery-status part")


def test_delay_notice_once_per_message(dns, mkserver):
    """delay_warning_time: one `Action: delayed` DSN per message still
    pending (issue 23), none for a recipient whose NOTIFY leaves DELAY
    out, never a second one, not after a restart either; a non-ASCII
    recipient makes the notice an RFC 6533 global report."""
    dns.mx("slow.test", "mx.slow.test", 10)
    dns.a("mx.slow.test", "127.0.0.2")
    with Sink("127.0.0.2", sink_port(), rules={"*": ["451 4.3.2 not now"]}):
        # the notice must follow the first attempt: stretched on slow
        # builds (under valgrind the first attempt takes over 2 s)
        srv = mkserver(dns, delay_warning_time="%ds" % max(2, round(
            scaled(2))))
        submit(srv, ["bob@slow.test"], subject="plain")
        submit(srv, ["carol@slow.test"], subject="no-delay",
               rcpt_options=["NOTIFY=FAILURE"])
        submit(srv, ["jos\u00e9@slow.test"], subject="utf8",
               mail_options=["SMTPUTF8"])
        files = wait_for(lambda: len(maildir_files(srv, USER)) >= 2,
                         20, "two delay notices")

        def more_retries(what):
            n = srv.log().count("status=deferred")
            wait_for(lambda: srv.log().count("status=deferred") >= n + 3,
                     20, what)
        more_retries("retries after the notices")   # and no second one
        srv.stop()
        srv.start()
        more_retries("retries after a restart")
        files = maildir_files(srv, USER)
        assert len(files) == 2, files
        got = {}
        for f in files:
            ctype, msg, status = delivery_status(f)
            got[ctype] = (msg, status)
        msg, status = got["message/delivery-status"]
        assert "Final-Recipient: rfc822; bob@slow.test" in status
        assert "Action: delayed" in status
        assert "Status: 4.3.2" in status
        assert "Will-Retry-Until:" in status
        assert "451 4.3.2 not now" in status
        assert "carol" not in status
        assert msg["Subject"].startswith("Delayed Mail")
        msg, status = got["message/global-delivery-status"]
        assert "Final-Recipient: utf-8; jos\u00e9@slow.test" in status
        assert "Action: delayed" in status
        # all three still queued, retried, and counted once in the log
        assert len(queue_json(srv)) == 3
        assert srv.log().count("notice") == 2, srv.log()
