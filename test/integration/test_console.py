"""The web console (src/server/console/, docs/CONSOLE.md) in a real
browser: Debian's chromium driven by chromedriver through python3-selenium,
headless, one browser for the whole file, against a real `postern serve`
with 2,000 mailboxes.  Each test is one flow an operator follows; they run
in file order and share the browser and the server (one login).  A
screenshot of each screen goes to $POSTERN_TEST_OUTPUT (else
build/test-output/console/).

Without a browser only the plain-HTTP checks run: the CSP on the HTML,
no inline script or style in any file, the assets under 150 KB, ETags.

Routes still being built elsewhere are detected (the route table answers
404 "no such resource" for a route it lacks) and their flows skipped
with that reason; every other flow must pass."""
import base64
import hashlib
import hmac
import http.client
import os
import struct
import re
import smtplib
import sqlite3
import time

import pytest

from conftest import (HOST, PASSWORD, USER, Server, finish, free_port, run,
                      scaled, wait_for)
from dnsfix import Zone
from sinks import Sink
from test_api import call, make_token

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(ROOT, "src", "server", "console")
CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
OUT = os.environ.get("POSTERN_TEST_OUTPUT") or os.path.join(
    ROOT, "build", "test-output")
SHOTS = os.path.join(OUT, "console")
BULK = 2000
LOCKED = "carol@other.test"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
EVIL = '<img src=x onerror="document.title=1">'
# the day k days ago: submitted, delivered, deferred, bounced
def CHART(k):
    return (120 - 5 * k, 110 - 5 * k, 6 + k % 5, k % 3)


# what the receiving MTA (a sink on 127.0.0.2) answers: mail stays deferred
DEFER = {"a@remote.test": ["451 4.7.1 Greylisted, please try again later"],
         "b@far.test": ["421 4.7.0 [TSS04] Messages from 192.0.2.1 "
                        "temporarily deferred due to unexpected volume or "
                        "user complaints"]}


def seed(srv):
    """BULK mailboxes in bulk.test, written straight into the store as
    bench/api_list.py does (argon2id for each would take minutes), with
    the hash of PASSWORD."""
    run("-d", srv.dir, "domain", "add", "bulk.test", "--dkim", "none")
    db = sqlite3.connect(os.path.join(srv.dir, "db", "postern.db"))
    now = int(time.time())
    ph = db.execute("SELECT password_hash FROM mailbox LIMIT 1").fetchone()[0]
    did = db.execute("SELECT id FROM domain WHERE name = 'bulk.test'"
                     ).fetchone()[0]
    db.executemany("INSERT INTO mailbox(domain_id, address, password_hash, "
                   "created) VALUES (?, ?, ?, ?)",
                   [(did, "m%04d@bulk.test" % i, ph, now)
                    for i in range(BULK)])
    # two weeks of sending by one of them, for the overview's chart
    mid = db.execute("SELECT id FROM mailbox WHERE address = "
                     "'m0005@bulk.test'").fetchone()[0]
    today = now // 86400
    db.executemany("INSERT INTO health_day(mailbox_id, day, submitted, "
                   "delivered, deferred, bounced) VALUES (?, ?, ?, ?, ?, ?)",
                   [(mid, today - k, *CHART(k)) for k in range(14)])
    db.commit()
    db.close()


def zone():
    """The test's DNS: example.test as postern expects it in part (MX,
    SPF; no DKIM, no DMARC), and the two remote domains' MX on the
    sink."""
    z = Zone()
    z.mx("example.test", HOST, 10)
    z.a(HOST, "127.0.0.1")
    z.records.append(("TXT", "example.test", "v=spf1 mx -all"))
    for d in ("remote.test", "far.test"):
        z.mx(d, "mx.sink.test", 10)
    z.a("mx.sink.test", "127.0.0.2")
    return z


@pytest.fixture(scope="module")
def srv():
    port, z = free_port(), zone()
    sink = Sink("127.0.0.2", free_port(), rules=DEFER).start()
    s = Server({"admin": "127.0.0.1:%d" % port, "delivery": "yes",
                "dns_server": z.addr, "outbound_port": sink.port,
                "retry_min": "1h", "retry_max": "2h",
                "timeout_connect": "2s"})
    s.admin_port = port
    s.origin = "http://127.0.0.1:%d" % port
    run("-d", s.dir, "domain", "add", "other.test", "--dkim", "none")
    for addr in ("carol@other.test", "dave@other.test"):
        run("-d", s.dir, "mailbox", "add", addr, "--password-stdin",
            input=PASSWORD + "\n")
    seed(s)
    run("-d", s.dir, "mailbox", "lock", LOCKED, "--for", "2h")
    s.root = make_token(s, "root", "--scope", "admin")
    # the console's own login, when `postern admin add` exists yet
    r = run("-d", s.dir, "admin", "add", "ops", check=False)
    s.admin = ("ops", r.stdout.rstrip("\n").split("\n")[-1]) \
        if r.returncode == 0 else None
    if s.admin is not None:
        out = run("-d", s.dir, "admin", "add", "tess", "--totp"
                  ).stdout.rstrip("\n").split("\n")
        s.totp_admin = ("tess", out[-1], [line for line in out
                                          if line.startswith("otpauth:")][0])
    s.start()
    try:
        yield s
        finish(s)
    finally:
        sink.stop()
        z.stop()


def has_route(s, method, path):
    st, _, doc = call(s, path, s.root, method,
                      "{}" if method == "POST" else None)
    return not (st == 404 and isinstance(doc, dict) and
                doc.get("detail") == "no such resource")


def need(s, method, path, who):
    if not has_route(s, method, path):
        pytest.skip("%s %s is not on this server yet (%s builds it)" %
                    (method, path, who))


def get(s, path, headers=None, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", s.admin_port,
                                   timeout=scaled(10))
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.headers, body


# --- plain HTTP: no browser needed ------------------------------------

def test_files_headers_and_size(srv):
    st, h, body = get(srv, "/")
    assert st == 302 and h["Location"] == "/console/"
    assert get(srv, "/console")[1]["Location"] == "/console/"
    st, h, html = get(srv, "/console/")
    assert st == 200 and h["Content-Type"] == "text/html; charset=utf-8"
    assert h.get_all("Content-Security-Policy") == [CSP]
    assert h["Cache-Control"] == "no-cache"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    # no inline script, style or event handler anywhere in the page
    text = html.decode()
    for tag in re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S):
        assert tag.strip() == "", "inline script in index.html"
    assert all("src=" in t for t in re.findall(r"<script\b[^>]*>", text))
    assert "<style" not in text and not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+\s*=", text)
    # every file is served as it is in the tree, and all are < 150 KB
    total = 0
    types = {".js": "text/javascript", ".css": "text/css",
             ".html": "text/html", ".svg": "image/svg+xml"}
    for name in sorted(os.listdir(ASSETS)):
        with open(os.path.join(ASSETS, name), "rb") as f:
            want = f.read()
        st, h, body = get(srv, "/console/" + name)
        assert st == 200 and body == want, name
        assert h["Content-Type"].startswith(types[os.path.splitext(name)[1]])
        assert h.get_all("Content-Security-Policy") == [CSP]
        total += len(body)
        if name.endswith(".js"):
            for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML",
                        "eval(", "new Function", "document.write"):
                assert bad not in body.decode(), (name, bad)
    assert 0 < total < 150 * 1024, total
    # an ETag: the same again is 304, HEAD has the length and no body
    st, h, _ = get(srv, "/console/app.js")
    tag = h["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{16}"', tag)
    st, h2, body = get(srv, "/console/app.js", {"If-None-Match": tag})
    assert st == 304 and body == b"" and h2["ETag"] == tag
    assert get(srv, "/console/app.js", {"If-None-Match": '"0"'})[0] == 200
    st, h, body = get(srv, "/console/app.js", method="HEAD")
    assert st == 200 and body == b"" and int(h["Content-Length"]) > 1000
    for bad in ("/console/nope.js", "/console/app.js/", "/console/a/b",
                "/favicon.ico"):
        assert get(srv, bad)[0] == 404, bad
    assert get(srv, "/console/..%2Fapp.js")[0] == 400
    assert get(srv, "/console/app.js", method="POST")[0] == 405
    # the static routes are not part of the API description
    st, _, doc = call(srv, "/api/v1/openapi.json")
    assert not [p for p in doc["paths"] if not p.startswith(("/api",
                                                             "/metrics",
                                                             "/healthz"))]


# --- the browser -------------------------------------------------------

@pytest.fixture(scope="module")
def browser(srv):
    if not HAVE_SELENIUM or not (os.access(CHROMIUM, os.X_OK) and
                                 os.access(DRIVER, os.X_OK)):
        pytest.skip("no browser: install Debian's chromium, "
                    "chromium-driver and python3-selenium (scripts/deps.sh "
                    "does, as root) and run with /usr/bin/python3")
    os.makedirs(SHOTS, exist_ok=True)
    dl = os.path.join(srv.tmp, "downloads")
    os.makedirs(dl)
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,900",
              "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--lang=en-US"):
        o.add_argument(a)
    o.add_experimental_option("prefs", {
        "download.default_directory": dl,
        "download.prompt_for_download": False})
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(DRIVER), options=o)
    d.execute_cdp_cmd("Browser.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": dl})
    d.set_page_load_timeout(scaled(20))
    d.dl = dl
    d.srv = srv
    try:
        yield d
    finally:
        # no CSP violation and no script error in the whole run
        errors = page_errors(d)
        d.quit()
        assert not errors, errors


def page_errors(d):
    """Script errors and CSP violations the browser logged since the
    last look."""
    return [e for e in d.get_log("browser")
            if e["level"] == "SEVERE" and (
                e["source"] == "javascript" or
                "Content Security Policy" in e["message"])]


def el(d, testid, within=None):
    return (within or d).find_element(By.CSS_SELECTOR,
                                      '[data-testid="%s"]' % testid)


def els(d, testid, within=None):
    return (within or d).find_elements(By.CSS_SELECTOR,
                                       '[data-testid="%s"]' % testid)


def wait(d, pred, what, timeout=10):
    try:
        return WebDriverWait(d, scaled(timeout), 0.05, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException)).until(
            lambda _: pred(), message="waiting for " + what)
    except Exception:
        # what the page showed, for the person reading the failure
        shot(d, "failed-" + re.sub(r"[^a-z0-9]+", "-", what))
        raise


def wait_el(d, testid, timeout=10):
    return wait(d, lambda: els(d, testid) and els(d, testid)[0],
                testid, timeout)


def screen(d, name, params=""):
    """Open a screen (again, with fresh data, if it is the one shown) and
    wait until it has rendered."""
    d.execute_script(
        "document.querySelector('main').dataset.ready = '0';"
        "if (location.hash === arguments[0])"
        "  window.dispatchEvent(new HashChangeEvent('hashchange'));"
        "else location.hash = arguments[0]", "#/" + name + params)
    wait(d, lambda: d.execute_script(
        "const m = document.querySelector('main');"
        "return m && m.dataset.screen === arguments[0] && "
        "m.dataset.ready === '1'", name), name + " rendered")


def shot(d, name, max_height=1100):
    """The page to its end (at most max_height pixels), as a PNG."""
    m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    png = d.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": m["width"], "scale": 1,
                 "height": min(m["height"], max_height)}})["data"]
    with open(os.path.join(SHOTS, name + ".png"), "wb") as f:
        f.write(base64.b64decode(png))


def fill(e, text):
    e.clear()
    e.send_keys(text)


def click(d, testid, within=None):
    el(d, testid, within).click()


def settled(d):
    """Wait for the screen drawn again after an action."""
    wait(d, lambda: d.execute_script(
        "return document.querySelector('main').dataset.ready === '1'"),
        "the screen drawn again")


def downloaded(d, link):
    """Click a download link; the text of the file the browser saved."""
    path = os.path.join(d.dl, link.get_attribute("download"))
    link.click()
    wait(d, lambda: os.path.exists(path) and os.path.getsize(path) > 0,
         "the download of " + os.path.basename(path))
    with open(path) as f:
        return f.read()


def confirm(d):
    wait_el(d, "confirm-yes").click()


def test_login(browser, srv):
    d = browser
    d.get(srv.origin + "/")
    wait_el(d, "login")
    assert d.current_url == srv.origin + "/console/"
    shot(d, "login")
    if srv.admin is None:
        # until the session routes land, the token way in
        d.find_element(By.TAG_NAME, "summary").click()
        fill(el(d, "login-token"), srv.root)
        click(d, "login-token-submit")
        wait_el(d, "nav")
        pytest.skip("postern admin add is not on this server yet (the "
                    "lead builds sessions): logged in with a token")
    user, password = srv.admin
    fill(el(d, "login-user"), user)
    fill(el(d, "login-password"), "wrong")
    click(d, "login-submit")
    p = wait_el(d, "login-problem")
    assert p.text.strip(), "a refused login says why"
    fill(el(d, "login-password"), password)
    click(d, "login-submit")
    wait_el(d, "nav")
    assert el(d, "who").text == user
    cookies = {c["name"]: c for c in d.get_cookies()}
    c = cookies["__Host-postern"]
    assert c["secure"] and c["httpOnly"] and c["sameSite"] == "Strict"
    # a reload keeps the session (GET /api/v1/session at load)
    d.refresh()
    wait_el(d, "nav")


def test_the_browser_enforces_the_csp(browser, srv):
    """What the CSP is for: markup that got in anyway (here put in by
    hand) does not run its script, and the browser reports it."""
    d = browser
    assert not page_errors(d)
    d.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'document.title = \"owned\"';"
        "document.body.appendChild(s);"
        "const i = document.createElement('img');"
        "i.src = 'http://192.0.2.1/x.png';"
        "document.body.appendChild(i);")
    time.sleep(0.3)
    assert d.title != "owned"
    log = " ".join(e["message"] for e in d.get_log("browser"))
    assert "violates the following Content Security Policy" in log
    assert "script-src 'self'" in log and "img-src 'self' data:" in log


def test_overview(browser, srv):
    need(srv, "GET", "/api/v1/overview", "the lead")
    d = browser
    screen(d, "overview")
    assert el(d, "stat-total").text.split("\n")[0] == str(BULK + 3)
    assert el(d, "stat-locked").text.split("\n")[0] == "1"
    assert LOCKED in el(d, "overview-locked").text
    assert "left" in el(d, "overview-locked").text
    assert "bulk.test %d" % BULK in el(d, "overview-domains").text
    assert el(d, "stat-queue").text.split("\n")[0] == "0"
    assert int(el(d, "stat-cert").text.split("\n")[0]) > 300
    bars = d.execute_script(
        "return Array.from(document.querySelectorAll("
        "'[data-testid=chart] rect title'), t => t.textContent)")
    assert len(bars) == 14 * 3
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86400))
    sub, dlv, dfr, bnc = CHART(2)
    assert "%s: %d sent" % (day, dlv) in bars
    assert "%s: %d deferred" % (day, dfr) in bars
    assert "%s: %d bounced" % (day, bnc) in bars
    shot(d, "overview")


def rows(d):
    """The addresses in the mailbox table (one round trip, not 500)."""
    return d.execute_script(
        "return Array.from(document.querySelectorAll("
        "'[data-testid=mb-select]'), e => e.dataset.address)")


def test_mailboxes_pages_and_search(browser, srv):
    d = browser
    screen(d, "mailboxes")
    shot(d, "mailboxes")
    screen(d, "mailboxes", "?limit=500")
    seen = []
    t0 = time.time()
    while True:
        wait(d, lambda: rows(d) and rows(d)[0] not in seen, "next page")
        seen += rows(d)
        if not el(d, "mb-next").is_enabled():
            break
        click(d, "mb-next")
    took = time.time() - t0
    assert len(seen) == len(set(seen)) == BULK + 3
    assert seen == sorted(seen)
    assert "last page" in el(d, "mb-info").text
    click(d, "mb-prev")
    wait(d, lambda: rows(d)[0] == seen[BULK + 3 - 503], "previous page")
    print("paged through %d mailboxes in %.2f s" % (len(seen), took))
    screen(d, "mailboxes")
    fill(el(d, "mb-q"), "m19")
    click(d, "mb-search")
    wait(d, lambda: len(rows(d)) == 100 and rows(d)[0] == "m1900@bulk.test",
         "search results")
    # the 7-day bounce rate of the mailbox with a sending history
    fill(el(d, "mb-q"), "m0005")
    click(d, "mb-search")
    wait(d, lambda: rows(d) == ["m0005@bulk.test"], "m0005")
    assert re.search(r"\d+(\.\d)?% of \d+", el(d, "mb-table").text)
    fill(el(d, "mb-q"), "m19")
    click(d, "mb-search")
    wait(d, lambda: len(rows(d)) == 100, "m19 again")
    Select(el(d, "mb-domain")).select_by_value("other.test")
    wait(d, lambda: els(d, "mb-table-empty"), "no m19 in other.test")


def test_unlock_a_locked_mailbox(browser, srv):
    d = browser
    assert not srv.auth_ok(LOCKED, PASSWORD)
    screen(d, "mailboxes", "?state=locked")
    wait(d, lambda: rows(d) == [LOCKED], "the locked mailbox")
    assert "locked" in el(d, "mb-table").text
    click(d, "mb-unlock")
    wait(d, lambda: els(d, "mb-table-empty"), "no locked mailbox left")
    assert "Unlocked " + LOCKED in el(d, "flash").text
    assert srv.auth_ok(LOCKED, PASSWORD)


def test_bulk_reset_with_csv(browser, srv):
    d = browser
    screen(d, "mailboxes", "?q=m000")
    wait(d, lambda: len(rows(d)) == 10, "m0000-m0009")
    for c in els(d, "mb-select")[:3]:
        c.click()
    assert el(d, "mb-selected").text == "3 selected"
    click(d, "bulk-reset")
    confirm(d)
    link = wait_el(d, "reset-csv", timeout=30)
    shot(d, "mailboxes-reset")
    lines = downloaded(d, link).splitlines()
    assert lines[0] == "address,password"
    creds = dict(line.split(",", 1) for line in lines[1:])
    assert sorted(creds) == ["m0000@bulk.test", "m0001@bulk.test",
                             "m0002@bulk.test"]
    assert srv.auth_ok("m0001@bulk.test", creds["m0001@bulk.test"])
    assert not srv.auth_ok("m0001@bulk.test", PASSWORD)
    assert srv.auth_ok("m0003@bulk.test", PASSWORD), "only the selection"


def test_bulk_delete_and_check(browser, srv):
    d = browser
    screen(d, "mailboxes", "?q=m199")
    wait(d, lambda: len(rows(d)) == 10, "m1990-m1999")
    click(d, "mb-all")
    click(d, "bulk-check")
    wait(d, lambda: els(d, "check-table"), "the state of each")
    assert "m1995@bulk.test" in el(d, "check-table").text
    assert el(d, "mb-selected").text == "10 selected"
    click(d, "bulk-delete")
    confirm(d)
    wait(d, lambda: els(d, "mb-table-empty"), "the deleted mailboxes gone")
    assert "10 of 10 done" in el(d, "bulk-progress").text
    st, _, doc = call(srv, "/api/v1/mailboxes?q=m199", srv.root)
    assert doc["mailboxes"] == []


def test_provision(browser, srv):
    need(srv, "POST", "/api/v1/provision", "helper B")
    d = browser
    screen(d, "provision")
    Select(el(d, "prov-domain")).select_by_value("other.test")
    Select(el(d, "prov-mode")).select_by_value("csv")
    fill(el(d, "prov-csv"), "anna\nbruno\nsomeone@nowhere.test\ncarol\n")
    Select(el(d, "prov-format")).select_by_value("instantly")
    click(d, "prov-dry")
    wait(d, lambda: els(d, "prov-rows"), "the dry run")
    text = el(d, "prov-rows").text
    assert "anna@other.test" in text and "would_create" in text
    assert "exists" in text and "invalid" in text
    shot(d, "provision-dry-run")
    st, _, doc = call(srv, "/api/v1/mailboxes?domain=other.test", srv.root)
    assert "anna@other.test" not in [m["address"] for m in doc["mailboxes"]]
    # a run with an invalid row creates nothing
    click(d, "prov-create")
    wait(d, lambda: els(d, "problem") and els(d, "prov-rows"),
         "the refusal and its rows")
    assert "invalid" in el(d, "prov-rows").text
    assert call(srv, "/api/v1/mailboxes/anna@other.test", srv.root)[0] == 404
    fill(el(d, "prov-csv"), "anna\nbruno\ncarol\n")
    click(d, "prov-create")
    link = wait_el(d, "prov-download", timeout=30)
    assert "2 created" in el(d, "prov-created").text
    shot(d, "provision")
    csv_text = downloaded(d, link)
    assert "anna@other.test" in csv_text and "bruno@other.test" in csv_text
    # a second click replays the same request: nothing created twice
    click(d, "prov-create")
    wait(d, lambda: "replay" in el(d, "prov-created").text, "the replay")


def test_domains(browser, srv):
    d = browser
    screen(d, "domains")
    t = el(d, "domains-table").text
    assert "bulk.test" in t and "example.test" in t and "other.test" in t
    shot(d, "domains")
    need(srv, "GET", "/api/v1/domains/example.test/check", "helper B")
    btn = [b for b in els(d, "dns-check")
           if b.get_attribute("data-domain") == "example.test"][0]
    btn.click()
    wait(d, lambda: els(d, "dns-table") or els(d, "problem"),
         "the DNS check", timeout=30)
    assert els(d, "dns-table"), el(d, "problem").text
    # the test's DNS has example.test's MX and SPF, and no DMARC record
    rows_ = {r.find_element(By.TAG_NAME, "td").text: r
             for r in el(d, "dns-table").find_elements(By.CSS_SELECTOR,
                                                        "tbody tr")}
    assert "ok" in rows_["MX"].text and "ok" in rows_["SPF"].text
    assert "wrong" in rows_["DMARC"].text and "v=DMARC1" in rows_[
        "DMARC"].text
    assert els(d, "copy", rows_["DMARC"])
    shot(d, "domains-check")
    # add a domain, and delete it again; one with mailboxes is refused
    fill(el(d, "domain-name"), "fresh.test")
    click(d, "domain-add")
    wait(d, lambda: "fresh.test" in el(d, "domains-table").text,
         "the new domain")
    assert "publish its DNS records" in el(d, "flash").text
    for name, gone in (("other.test", False), ("fresh.test", True)):
        row = [r for r in el(d, "domains-table").find_elements(
            By.CSS_SELECTOR, "tbody tr") if r.text.startswith(name)][0]
        click(d, "domain-delete", row)
        settled(d)
        if gone:
            wait(d, lambda: "fresh.test" not in el(d, "domains-table").text,
                 "the domain deleted")
        else:
            assert el(d, "problem").text, "a domain with mailboxes stays"
    assert "other.test" in el(d, "domains-table").text


def send(srv, rcpt):
    ctx = srv.client_context(check_hostname=False)
    with smtplib.SMTP("127.0.0.1", srv.ports["submission"],
                      timeout=scaled(10)) as s:
        s.starttls(context=ctx)
        s.login(USER, PASSWORD)
        s.sendmail(USER, [rcpt], b"Subject: q\r\n\r\nx\r\n")


def test_queue_actions(browser, srv):
    for rcpt in ("a@remote.test", "b@far.test"):
        send(srv, rcpt)
    # both tried once and deferred by the sink (the next try is in 1 h)
    wait_for(lambda: all(m["recipients"][0]["reply"] for m in call(
        srv, "/api/v1/queue", srv.root)[2]["messages"]), what="deferrals")
    d = browser
    screen(d, "queue")
    assert el(d, "queue-count").text.startswith("2 messages")
    groups = [g.find_element(By.TAG_NAME, "h2").text
              for g in els(d, "queue-group")]
    assert sorted(g.split()[0] for g in groups) == ["far.test", "remote.test"]
    # each deferral reason once, explained by the knowledge base
    reasons = [r.text for r in els(d, "queue-reason")]
    assert len(reasons) == 2 and "Greylisted" in " ".join(reasons)
    assert all("Fix:" in r or "No explanation" in r for r in reasons)
    assert any("Fix:" in r for r in reasons)
    shot(d, "queue")
    screen(d, "queue", "?by=sender")
    assert [g.find_element(By.TAG_NAME, "h2").text.split()[0]
            for g in els(d, "queue-group")] == [USER]
    click(d, "q-hold")
    settled(d)
    wait(d, lambda: els(d, "q-release"), "a held message")
    st, _, doc = call(srv, "/api/v1/queue?state=held", srv.root)
    assert len(doc["messages"]) == 1
    click(d, "q-release")
    settled(d)
    wait(d, lambda: not els(d, "q-release"), "released")
    click(d, "q-retry")
    settled(d)
    click(d, "q-flush")
    settled(d)
    click(d, "q-delete")
    confirm(d)
    settled(d)
    # the queue process deletes it a moment later: look again until then
    wait(d, lambda: screen(d, "queue", "?by=sender") or el(
        d, "queue-count").text.startswith("1 message"),
        "one message deleted")
    acts = [e["action"] for e in call(srv, "/api/v1/audit", srv.root)[2][
        "events"]]
    for a in ("queue.hold", "queue.release", "queue.retry", "queue.flush",
              "queue.delete"):
        assert a in acts


def test_diagnose_explain(browser, srv):
    d = browser
    screen(d, "diagnose")
    fill(el(d, "explain-text"), "535 5.7.8 Authentication credentials "
         "invalid")
    click(d, "explain-run")
    m = wait_el(d, "explain-match")
    assert "Fix:" in el(d, "explain-out").text and m.text


def test_diagnose_wrong_password_and_locked(browser, srv):
    assert not srv.auth_ok("dave@other.test", "not the password")
    run("-d", srv.dir, "mailbox", "lock", "dave@other.test", "--for", "1h")
    assert not srv.auth_ok("dave@other.test", PASSWORD)
    d = browser
    screen(d, "diagnose")
    if has_route(srv, "GET", "/api/v1/logins"):
        t = wait_el(d, "failed-logins").text
        assert "dave@other.test" in t
        assert "wrong password" in t and "locked" in t
        shot(d, "diagnose")
    need(srv, "POST", "/api/v1/check", "helper B")
    fill(el(d, "check-host"), "127.0.0.1")
    fill(el(d, "check-port"), str(srv.ports["submission"]))
    fill(el(d, "check-user"), USER)
    fill(el(d, "check-password"), "not the password")
    click(d, "check-run")
    r = wait_el(d, "check-result", timeout=30)
    assert "failed" in r.text and "535" in r.text
    shot(d, "diagnose")
    fill(el(d, "check-user"), "dave@other.test")
    fill(el(d, "check-password"), PASSWORD)
    click(d, "check-run")
    # the right password, refused for the lock: 454, not 535
    wait(d, lambda: "454" in el(d, "check-result").text,
         "the locked mailbox's result")
    t = el(d, "check-result").text
    assert "failed at auth" in t and "locked" in t and "535" not in t


def test_settings_suppressions_and_audit(browser, srv):
    d = browser
    screen(d, "settings")
    fill(el(d, "sup-domain"), "example.test")
    fill(el(d, "sup-address"), "gone@elsewhere.test")
    fill(el(d, "sup-reason"), EVIL)
    click(d, "sup-add")
    wait(d, lambda: els(d, "sup-table") and
         "gone@elsewhere.test" in el(d, "sup-table").text, "the entry")
    # a stranger's text is shown as text, never as markup
    assert EVIL in el(d, "sup-table").text
    assert not el(d, "sup-table").find_elements(By.TAG_NAME, "img")
    assert d.title != "1"
    click(d, "sup-remove")
    wait(d, lambda: els(d, "sup-table-empty"), "the entry removed")
    screen(d, "settings")
    assert "suppression.remove" in el(d, "audit-table").text
    assert "mailbox.unlock" in el(d, "audit-table").text


def test_token_create(browser, srv):
    need(srv, "GET", "/api/v1/tokens", "the lead")
    d = browser
    screen(d, "settings")
    fill(el(d, "token-name"), "console-made")
    click(d, "token-scope-queue")
    fill(el(d, "token-domain"), "example.test")
    click(d, "token-create")
    secret = wait_el(d, "token-secret").text
    assert secret.startswith("pst_") and len(secret) == 81
    assert "console-made" in el(d, "token-table").text
    shot(d, "settings")
    st, _, doc = call(srv, "/api/v1/mailboxes", secret)
    assert st == 200 and {m["domain"] for m in doc["mailboxes"]} == \
        {"example.test"}
    # shown once: a later listing has no secret
    screen(d, "settings")
    assert secret[17:] not in d.page_source
    # revoke
    btn = [r for r in el(d, "token-table").find_elements(By.TAG_NAME, "tr")
           if "console-made" in r.text][0]
    btn.find_element(By.CSS_SELECTOR, '[data-testid="token-revoke"]').click()
    confirm(d)
    wait(d, lambda: "console-made" not in el(d, "token-table").text,
         "revoked")
    assert call(srv, "/api/v1/mailboxes", secret)[0] == 401


def test_logout(browser, srv):
    if srv.admin is None:
        pytest.skip("no console sessions on this server yet")
    d = browser
    screen(d, "mailboxes")
    cookie = "__Host-postern=" + d.get_cookie("__Host-postern")["value"]
    assert call(srv, "/api/v1/session", headers={"Cookie": cookie})[0] == 200
    click(d, "logout")
    wait_el(d, "login")
    d.refresh()
    wait_el(d, "login")
    # the session is gone on the server, not only in the browser
    assert call(srv, "/api/v1/session", headers={"Cookie": cookie})[0] == 401
    assert call(srv, "/api/v1/mailboxes", headers={"Cookie": cookie})[0] == \
        401


def totp(uri, at=None):
    """The RFC 6238 code of an otpauth:// URI (SHA-1, 6 digits, 30 s)."""
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%06d" % (n % 1000000)


def test_login_with_totp(browser, srv):
    if srv.admin is None:
        pytest.skip("no console sessions on this server yet")
    d = browser
    user, password, uri = srv.totp_admin
    assert uri.startswith("otpauth://totp/postern:tess?secret=")
    d.get(srv.origin + "/console/")
    wait_el(d, "login")
    fill(el(d, "login-user"), user)
    fill(el(d, "login-password"), password)
    click(d, "login-submit")
    assert wait_el(d, "login-problem").text.strip(), "no code: refused"
    # a code from another half-hour is refused too
    fill(el(d, "login-password"), password)
    fill(el(d, "login-totp"), totp(uri, time.time() - 1800))
    d.execute_script("document.querySelector('[data-testid=login-problem]')"
                     ".remove()")
    click(d, "login-submit")
    wait_el(d, "login-problem")
    fill(el(d, "login-password"), password)
    fill(el(d, "login-totp"), totp(uri))
    click(d, "login-submit")
    wait_el(d, "nav")
    assert el(d, "who").text == user
