"""DKIM: signatures made by `postern dkim sign` verified by an independent
implementation (Debian's python3-dkim, dkimpy) for rsa-sha256 and
ed25519-sha256, and the key management commands (domain add, dkim
list/add/rotate/activate/remove, dns)."""
import base64
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, HOST, run

dkim = pytest.importorskip("dkim")
serialization = pytest.importorskip(
    "cryptography.hazmat.primitives.serialization")
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa  # noqa

DOMAIN = "example.test"
SELECTOR = "sel1"


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="postern-dkim-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def datadir(tmp):
    d = os.path.join(tmp, "data")
    run("-d", d, "init", "--hostname", HOST)
    run("-d", d, "domain", "add", DOMAIN)
    return d


def pctl(datadir, *args, check=True):
    return run("-d", datadir, *args, check=check)


# --- signing, verified by dkimpy ---------------------------------------------

def make_key(tmp, alg):
    """An outside key (python cryptography) as PEM file and p= value."""
    raw = serialization.Encoding.Raw
    if alg == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        key = ed25519.Ed25519PrivateKey.generate()
        pub = key.public_key().public_bytes(raw,
                                            serialization.PublicFormat.Raw)
        fmt = serialization.PrivateFormat.PKCS8
    pem = key.private_bytes(serialization.Encoding.PEM, fmt,
                            serialization.NoEncryption())
    path = os.path.join(tmp, alg + ".pem")
    with open(path, "wb") as f:
        f.write(pem)
    return path, base64.b64encode(pub).decode()


def sign(keyfile, alg, msg, domain=DOMAIN, selector=SELECTOR, extra=()):
    p = subprocess.run([BIN, "dkim", "sign", "--domain", domain,
                        "--selector", selector, "--alg", alg,
                        "--key", keyfile, *extra],
                       input=msg, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def dnsfunc_for(alg, pub, selector=SELECTOR, domain=DOMAIN):
    want = ("%s._domainkey.%s." % (selector, domain)).encode()

    def dnsfunc(name, timeout=5):
        assert name == want, name
        return ("v=DKIM1; k=%s; p=%s" % (alg, pub)).encode()
    return dnsfunc


def verify(signed, alg, pub, **kw):
    return dkim.verify(signed, dnsfunc=dnsfunc_for(alg, pub, **kw))


def crlf(*lines):
    return b"".join(l + b"\r\n" for l in lines)


LONG_BODY = b"".join(b"line %d of a long body,  with  spaces \t \r\n" % i
                     for i in range(50000)) + b"\r\n \r\n\r\n\r\n"

MESSAGES = {
    "simple": crlf(b"From: Alice <alice@example.test>",
                   b"To: bob@example.org",
                   b"Subject: hello",
                   b"Date: Mon, 1 Jan 2024 00:00:00 +0000",
                   b"Message-ID: <1@example.test>",
                   b"", b"Hello Bob."),
    "folded": crlf(b"From: Alice <alice@example.test>",
                   b"To: a@example.org,\t b@example.org,",
                   b"   c@example.org, d@example.org",
                   b"Subject: " + b"a rather long subject " * 6,
                   b" \tthat continues  on a folded line  ",
                   b"List-Unsubscribe: <mailto:unsub@example.test?subject="
                   b"unsubscribe>,",
                   b" <https://example.test/unsubscribe/" + b"x" * 90 + b">",
                   b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                   b"MIME-Version: 1.0",
                   b"Content-Type: text/plain;",
                   b"  charset=utf-8",
                   b"", b"Body."),
    "multiple": crlf(b"Received: from a.example by b.example; "
                     b"Mon, 1 Jan 2024 00:00:00 +0000",
                     b"Received: from c.example by a.example; "
                     b"Mon, 1 Jan 2024 00:00:00 +0000",
                     b"From: alice@example.test",
                     b"To: one@example.org",
                     b"Cc: cc@example.org",
                     b"To: two@example.org",
                     b"X-Other: not signed",
                     b"To: three@example.org",
                     b"", b"Three To fields."),
    "empty_body": crlf(b"From: alice@example.test", b"Subject: nothing",
                       b""),
    "no_body": crlf(b"From: alice@example.test", b"Subject: nothing"),
    "eight_bit": crlf(b"From: =?utf-8?q?Al=C3=AFce?= <alice@example.test>",
                      b"Subject: caf\xc3\xa9",
                      b"Content-Type: text/plain; charset=utf-8",
                      b"Content-Transfer-Encoding: 8bit",
                      b"", "Grüße, 日本語, ☃".encode(),
                      b"raw \xff\xfe bytes  \t"),
    "long_body": crlf(b"From: alice@example.test", b"Subject: long",
                      b"") + LONG_BODY,
}


@pytest.mark.parametrize("alg", ["rsa", "ed25519"])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_signature_verifies_with_dkimpy(tmp, alg, name):
    keyfile, pub = make_key(tmp, alg)
    msg = MESSAGES[name]
    sig = sign(keyfile, alg, msg)
    assert sig.startswith(b"DKIM-Signature: v=1; a=%s-sha256; "
                          b"c=relaxed/relaxed;" % alg.encode())
    assert sig.endswith(b"\r\n") and sig.count(b"\r\n") >= 2
    for line in sig[:-2].split(b"\r\n"):
        assert len(line) <= 78, line
    for line in sig[:-2].split(b"\r\n")[1:]:
        assert line[:1] in (b" ", b"\t"), line  # one field
    assert verify(sig + msg, alg, pub), (sig, name)
    # the body and a signed header are covered
    tail = b"tail\r\n" if b"\r\n\r\n" in msg else b"\r\ntail\r\n"
    assert not verify(sig + msg + tail, alg, pub)
    assert not verify(sig + msg.replace(b"alice@", b"mallory@", 1),
                      alg, pub)


@pytest.mark.parametrize("alg", ["rsa", "ed25519"])
def test_what_is_signed(tmp, alg):
    keyfile, pub = make_key(tmp, alg)
    msg = MESSAGES["multiple"]
    sig = sign(keyfile, alg, msg)
    tags = dict(t.strip().split("=", 1) for t in
                re.sub(r"\s+", "", sig.decode()[len("DKIM-Signature:"):])
                .split(";") if t)
    assert tags["h"] == "from:from:to:to:to:cc"  # From over-signed
    assert "received" not in tags["h"] and "x-other" not in tags["h"]
    signed = sig + msg
    # trace fields may be added in transit ...
    assert verify(b"Received: from z by y\r\n" + signed, alg, pub)
    # ... a second From may not (over-signing), nor another To
    assert not verify(b"From: mallory@example.org\r\n" + signed, alg, pub)
    assert not verify(signed.replace(b"To: three@", b"To: x@x\r\nTo: three@"),
                      alg, pub)
    # re-folding and white space changes survive relaxed canonicalization
    assert verify(sig + msg.replace(b"Cc: cc@example.org",
                                    b"cc:   cc@example.org  "), alg, pub)


def test_sign_time_and_lone_lf(tmp):
    keyfile, pub = make_key(tmp, "ed25519")
    msg = b"From: alice@example.test\nSubject: lf\n\nbody\n"
    sig = sign(keyfile, "ed25519", msg, extra=("--time", "1700000000"))
    assert b" t=1700000000;" in sig
    # dkimpy also reads a lone LF as a line end
    sig = sign(keyfile, "ed25519", msg)
    assert verify(sig + msg, "ed25519", pub)


def test_sign_errors(tmp):
    keyfile, _ = make_key(tmp, "rsa")
    edfile, _ = make_key(tmp, "ed25519")

    def sign_rc(*args, msg=b"From: a@example.test\r\n\r\nx\r\n"):
        return subprocess.run([BIN, "dkim", "sign", *args], input=msg,
                              capture_output=True, timeout=60)

    base = ["--domain", DOMAIN, "--selector", SELECTOR]
    p = sign_rc(*base, "--alg", "rsa", "--key", keyfile,
                msg=b"To: b@example.org\r\n\r\nno from\r\n")
    assert p.returncode == 1 and b"no From header field" in p.stderr
    assert p.stdout == b""
    p = sign_rc(*base, "--alg", "ed25519", "--key", keyfile)
    assert p.returncode == 1 and b"does not suit the algorithm" in p.stderr
    p = sign_rc(*base, "--alg", "rsa", "--key", os.path.join(tmp, "none"))
    assert p.returncode == 1 and b"No such file" in p.stderr
    with open(os.path.join(tmp, "bad.pem"), "w") as f:
        f.write("not a key\n")
    p = sign_rc(*base, "--alg", "rsa", "--key", os.path.join(tmp, "bad.pem"))
    assert p.returncode == 1 and b"cannot read the private key" in p.stderr
    p = sign_rc("--domain", DOMAIN, "--selector", "a;b", "--alg", "ed25519",
                "--key", edfile)
    assert p.returncode == 1 and b"invalid domain or selector" in p.stderr
    for args in ([*base, "--alg", "rsa"],
                 [*base, "--alg", "dsa", "--key", keyfile],
                 [*base, "--alg", "rsa", "--key", keyfile, "--time", "x"],
                 [*base, "--alg", "rsa", "--key", keyfile, "extra"]):
        p = sign_rc(*args)
        assert p.returncode == 2 and b"usage:" in p.stderr, args


# --- key management ----------------------------------------------------------

def keys(datadir, domain=None):
    args = ["dkim", "list"] + ([domain] if domain else []) + ["--json"]
    return json.loads(pctl(datadir, *args).stdout)


def dkim_records(datadir, domain=DOMAIN):
    js = json.loads(pctl(datadir, "dns", domain, "--json").stdout)
    return {r["name"]: r["value"] for r in js
            if "._domainkey." in r["name"]}


def stored_private_key(datadir, selector):
    db = sqlite3.connect(os.path.join(datadir, "db", "postern.db"))
    try:
        return db.execute("SELECT private_key FROM dkim_key WHERE "
                          "selector = ?", (selector,)).fetchone()[0]
    finally:
        db.close()


def today():
    return time.strftime("p%Y%m%d", time.gmtime())


def test_domain_add_makes_an_active_rsa_key(datadir, tmp):
    ks = keys(datadir)
    assert len(ks) == 1
    k = ks[0]
    assert k["domain"] == DOMAIN and k["algorithm"] == "rsa-sha256"
    assert k["state"] == "active"
    assert re.fullmatch(r"p\d{8}r", k["selector"])
    assert k["selector"] in (today() + "r",)  # unless midnight passed
    assert k["dns_name"] == k["selector"] + "._domainkey." + DOMAIN
    assert "private" not in json.dumps(k).lower()
    # dns prints its record, zone form and JSON
    recs = dkim_records(datadir)
    assert recs == {k["dns_name"]: k["record"]}
    assert k["record"].startswith("v=DKIM1; k=rsa; p=MII")
    zone = pctl(datadir, "dns", DOMAIN).stdout
    assert k["dns_name"] + ".\t3600\tIN\tTXT\t(" in zone
    # a 2048-bit SubjectPublicKeyInfo ...
    p = k["record"].split("p=", 1)[1]
    pub = serialization.load_der_public_key(base64.b64decode(p))
    assert pub.key_size == 2048
    # ... that matches the stored private key: sign with it, verify by DNS
    keyfile = os.path.join(tmp, "stored.pem")
    with open(keyfile, "w") as f:
        f.write(stored_private_key(datadir, k["selector"]))
    msg = MESSAGES["simple"]
    sig = sign(keyfile, "rsa", msg, selector=k["selector"])
    assert verify(sig + msg, "rsa", p, selector=k["selector"])
    # the table
    out = pctl(datadir, "dkim", "list").stdout
    assert "SELECTOR" in out and k["selector"] in out and "active" in out
    assert k["dns_name"] in out


def test_domain_add_dkim_choices(datadir, tmp):
    out = pctl(datadir, "domain", "add", "both.test", "--dkim",
               "both").stdout
    assert "domain both.test added" in out and "ed25519-sha256" in out
    ks = keys(datadir, "both.test")
    assert sorted(k["algorithm"] for k in ks) == ["ed25519-sha256",
                                                  "rsa-sha256"]
    assert {k["state"] for k in ks} == {"active"}
    ed = [k for k in ks if k["algorithm"] == "ed25519-sha256"][0]
    assert ed["selector"].endswith("e")
    assert len(base64.b64decode(ed["record"].split("p=")[1])) == 32
    assert len(dkim_records(datadir, "both.test")) == 2
    # the stored Ed25519 key signs what its published record verifies
    keyfile = os.path.join(tmp, "ed.pem")
    with open(keyfile, "w") as f:
        f.write(stored_private_key(datadir, ed["selector"]))
    msg = MESSAGES["simple"].replace(b"example.test", b"both.test")
    sig = sign(keyfile, "ed25519", msg, domain="both.test",
               selector=ed["selector"])
    assert verify(sig + msg, "ed25519", ed["record"].split("p=")[1],
                  selector=ed["selector"], domain="both.test")

    pctl(datadir, "domain", "add", "ed.test", "--dkim", "ed25519")
    assert [k["algorithm"] for k in keys(datadir, "ed.test")] == [
        "ed25519-sha256"]
    out = pctl(datadir, "domain", "add", "none.test", "--dkim", "none")
    assert "DKIM" not in out.stdout
    assert keys(datadir, "none.test") == []
    assert dkim_records(datadir, "none.test") == {}
    for args in (["--dkim", "dsa"], ["--dkim"], ["--frob", "rsa"]):
        p = pctl(datadir, "domain", "add", "bad.test", *args, check=False)
        assert p.returncode == 2 and "usage:" in p.stderr, args
    # nothing half made: the refused domains do not exist
    p = pctl(datadir, "domain", "show", "bad.test", check=False)
    assert p.returncode == 1


def test_rotate_activate_remove(datadir):
    old = keys(datadir)[0]["selector"]
    out = pctl(datadir, "dkim", "rotate", DOMAIN).stdout
    new = today() + "r-2"
    assert "new rsa-sha256 key %s is pending" % new in out
    assert "%s._domainkey.%s TXT \"v=DKIM1; k=rsa; p=" % (new, DOMAIN) in out
    assert "dkim activate %s %s" % (DOMAIN, new) in out
    assert "PRIVATE" not in out
    states = {k["selector"]: k["state"] for k in keys(datadir)}
    assert states == {old: "active", new: "pending"}
    # publish both while pending
    assert set(dkim_records(datadir)) == {
        "%s._domainkey.%s" % (s, DOMAIN) for s in (old, new)}
    # a second rotation the same day gets -3
    out = pctl(datadir, "dkim", "rotate", DOMAIN, "--alg", "ed25519").stdout
    assert "new ed25519-sha256 key %se is active" % today() in out
    out = pctl(datadir, "dkim", "rotate", DOMAIN).stdout
    assert "key %sr-3 is pending" % today() in out

    out = pctl(datadir, "dkim", "activate", DOMAIN, new.upper()).stdout
    assert "%s (rsa-sha256) is now active; retired: %s" % (new, old) in out
    assert "few days" in out
    assert "dkim remove %s %s" % (DOMAIN, old) in out
    states = {k["selector"]: k["state"] for k in keys(datadir)}
    assert states[old] == "retired" and states[new] == "active"
    assert states[today() + "e"] == "active"  # other algorithm untouched
    assert "%s._domainkey.%s" % (old, DOMAIN) not in dkim_records(datadir)

    out = pctl(datadir, "dkim", "remove", DOMAIN, old).stdout
    assert "key %s removed" % old in out
    assert old not in {k["selector"] for k in keys(datadir)}
    p = pctl(datadir, "dkim", "remove", DOMAIN, old, check=False)
    assert p.returncode == 1 and "no key with selector " + old in p.stderr
    # removing the signing key warns that the domain is unsigned now
    p = pctl(datadir, "dkim", "remove", DOMAIN, today() + "e")
    assert "no active ed25519-sha256 key" in p.stderr


def test_add_with_selector_and_bits(datadir):
    out = pctl(datadir, "dkim", "add", DOMAIN, "--selector", "Mail2024",
               "--bits", "1024").stdout
    assert "key mail2024 is pending" in out
    k = [k for k in keys(datadir) if k["selector"] == "mail2024"][0]
    pub = serialization.load_der_public_key(
        base64.b64decode(k["record"].split("p=")[1]))
    assert pub.key_size == 1024
    p = pctl(datadir, "dkim", "add", DOMAIN, "--selector", "mail2024",
             check=False)
    assert p.returncode == 1 and "already exists" in p.stderr
    out = pctl(datadir, "dkim", "add", DOMAIN, "--alg", "ed25519",
               "--selector", "ed").stdout
    assert "key ed is active" in out


def test_errors_and_usage(datadir):
    def rc(*args):
        p = pctl(datadir, *args, check=False)
        return p.returncode, p.stderr

    code, err = rc("dkim", "add", "nowhere.test")
    assert code == 1 and "nowhere.test: domain is not configured" in err
    code, err = rc("dkim", "list", "nowhere.test")
    assert code == 1 and "not configured" in err
    code, err = rc("dkim", "activate", DOMAIN, "nope")
    assert code == 1 and "no key with selector nope" in err
    code, err = rc("dkim", "add", DOMAIN, "--bits", "512")
    assert code == 1 and "1024 to 4096 bits" in err
    code, err = rc("dkim", "add", DOMAIN, "--selector", "bad sel")
    assert code == 1 and "not a DNS label" in err
    code, err = rc("dkim", "add", "bad..domain")
    assert code == 1 and "not a valid domain name" in err
    for args in (["dkim"], ["dkim", "frob"], ["dkim", "add"],
                 ["dkim", "add", DOMAIN, "--alg", "dsa"],
                 ["dkim", "add", DOMAIN, "--alg", "ed25519", "--bits", "2048"],
                 ["dkim", "rotate", DOMAIN, "--selector", "x"],
                 ["dkim", "activate", DOMAIN],
                 ["dkim", "remove", DOMAIN, "a", "b"],
                 ["dkim", "list", "--bogus"]):
        code, err = rc(*args)
        assert code == 2 and "usage:" in err, args
    p = run("-d", datadir, check=False)
    assert "dkim" in p.stderr  # the top-level usage names it
