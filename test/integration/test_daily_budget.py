"""The daily budget spent exactly (store_quota.c): each recipient takes a
hold at RCPT, decided by one conditional INSERT in the store, that
becomes the count when the message is accepted and goes when its
transaction ends without one.  Here on one SQLite node: many sessions
at once each sending one message against a daily limit, and a hold
given back by RSET, QUIT, a lost connection and a refused DATA.  The
same on two nodes sharing PostgreSQL is in test_pg.py, which uses the
helpers below.
"""
import json
import threading
import time

import pytest

from conftest import USER, run

REFUSED = "Daily sending limit of %d recipients reached for " + USER


def set_limit(node, n):
    run("-d", node.dir, "mailbox", "set", USER, "daily_limit", str(n))


def sent_24h(node):
    js = run("-d", node.dir, "mailbox", "show", USER, "--json").stdout
    return json.loads(js)["sent_24h"]


def open_tx(node, rcpt):
    """A logged-in session with MAIL given; RCPT rcpt: (dialog, code,
    text)."""
    d = node.dialog()
    assert d.login()[0] == 235
    d.expect("MAIL FROM:<%s>" % USER, 250)
    code, lines = d.cmd("RCPT TO:<%s>" % rcpt)
    return d, code, " ".join(lines)


def finish_tx(d):
    d.expect("DATA", 354)
    d.send("Subject: x\r\n\r\nx\r\n.\r\n")
    code = d.reply()[0]
    d.expect("QUIT", 221)
    d.close()
    return code


def concurrent_sends(nodes, sessions, limit):
    """sessions sessions spread over nodes, all logged in with MAIL
    given, send their one RCPT at the same moment (a barrier), then the
    message.  The list of (node index, RCPT code, RCPT text, message
    code)."""
    barrier = threading.Barrier(sessions)
    results, lock = [], threading.Lock()

    def one(k):
        i = k % len(nodes)
        d = nodes[i].dialog()
        try:
            assert d.login()[0] == 235
            d.expect("MAIL FROM:<%s>" % USER, 250)
            barrier.wait(timeout=60)
            code, lines = d.cmd("RCPT TO:<b%d@example.org>" % k)
            done = finish_tx(d) if code == 250 else None
            with lock:
                results.append((i, code, " ".join(lines), done))
        finally:
            d.close()
    threads = [threading.Thread(target=one, args=(k,))
               for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == sessions, results
    refused = [r for r in results if r[1] != 250]
    assert all(r[1] == 451 and (REFUSED % limit) in r[2] for r in refused), \
        refused
    return results


@pytest.mark.conf(auth_workers=4)
def test_concurrent_sessions_send_exactly_the_limit(server):
    """24 sessions at once for a limit of 12 on one node: exactly 12
    recipients accepted and counted, 12 refused with the limit's reply,
    and no hold left behind."""
    set_limit(server, 12)
    results = concurrent_sends([server], 24, 12)
    accepted = [r for r in results if r[1] == 250]
    print("measured: %d accepted for a limit of 12, 24 sessions at once"
          % len(accepted))
    assert len(accepted) == 12
    assert all(r[3] == 250 for r in accepted), accepted
    d, code, text = open_tx(server, "late@example.org")
    assert code == 451 and (REFUSED % 12) in text, text
    d.close()
    assert sent_24h(server) == 12


def give_back_case(node, other, how):
    """With a limit of 1: a session on node holds the one place; another
    on other is refused; the first ends its transaction without a
    message, by how; then a third session on other gets the place."""
    d, code, _ = open_tx(node, "first@example.org")
    assert code == 250
    e, code, text = open_tx(other, "second@example.org")
    assert code == 451 and (REFUSED % 1) in text, (how, text)
    e.close()
    if how == "RSET":
        d.expect("RSET", 250)
    elif how == "QUIT":
        d.expect("QUIT", 221)
    elif how == "DATA refused":
        d.expect("DATA", 354)
        d.send("Subject: x\r\n\r\nbare\nLF\r\n.\r\n")
        assert d.reply()[0] == 550
    # "lost": the connection just goes
    if how != "RSET":
        d.close()
    # the session does not wait for its holds to go, and the next
    # session's question may come first: ask again for a few seconds
    deadline = time.monotonic() + 10
    while True:
        f, code, text = open_tx(other, "third@example.org")
        if code == 250 or time.monotonic() > deadline:
            break
        f.close()
        time.sleep(0.05)
    assert code == 250, (how, text)
    assert finish_tx(f) == 250
    d.close()


@pytest.mark.parametrize("how", ["RSET", "QUIT", "lost", "DATA refused"])
def test_a_hold_is_given_back_when_its_transaction_ends(server, how):
    set_limit(server, 1)
    give_back_case(server, server, how)
    assert sent_24h(server) == 1
