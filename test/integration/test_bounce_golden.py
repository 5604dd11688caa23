"""Golden test of bounce attribution (issue 24, item 2) on Sisimai's
public corpus: `postern explain --bounce FILE --json` on each vendored
sample of test/data/bounces/sisimai/ (BSD 2-clause, see LICENSE there),
against the reason and hard/soft Sisimai's own tests expect
(MANIFEST, made by vendor.py) and the fault that reason implies
(docs/DELIVERY.md, "Bounce attribution").

Prints the agreement rates.  The target of issue 24 is 95 % on
hard/soft and on fault.  Measured on 300 samples: reason 83.3 %,
hard/soft 93.7 %, fault 98.3 %.  Fault is met (test_golden_fault_95),
hard/soft is not (test_golden_hard_95, a strict xfail that turns into a
failure the day it is reached: then drop the mark); test_golden_agreement
holds the measured rates against regression.

The fault figure moved by a mapping change, not by rules: Sisimai's
`filtered` is the recipient's side (vendor.py says why: its own
definition is a recipient's settings refusing a sender, or a user
unknown said after DATA, "almost the same as UserUnknown"), where it
was `unknown` before, in the classifier and in MANIFEST alike.  Under
the old mapping the same run gives fault 94.3 % (printed as
"fault, filtered as unknown"); the rules did not change.  Earlier
rounds, all by rules: 74.3 / 91.3 / 89.3 %, and 60.3 / 83.3 / 76.3 %
before the failed SMTP command was read.  The held-out check, heldout.py
in the corpus directory, scores the 235 Sisimai samples that are not
vendored: reason 79.1 %, hard/soft 96.2 %, fault 93.2 % (91.5 % under
the old mapping; 67.7 / 92.8 / 84.7 % two rounds ago).

What is left.  Hard/soft, 19 misses: 13 are one disagreement, bounces
whose words say the user is unknown ("User unknown in local recipient
table", "No such user here", "[User unknown]", "Mailbox does not exist"
with 5.1.1) that Sisimai calls "filtered" (soft) because its parser for
that MTA or filter (ActiveHunter, MailFoundry, MXLogic, SurfControl,
Zoho, Apache James, Amazon WorkMail and SES inbound, Exchange 2003
without a vendor code, Sisimai's X1/X2) assumes the refusal came after
DATA; postern reads no command in them and keeps user unknown, hard.
Sisimai's own generic rule (a user-unknown text with neither an X.1.1
code nor a known RCPT is filtered) was tried: it loses 33 golden
samples Sisimai calls userunknown (PowerMTA, McAfee, Domino, GSuite...,
whose parsers know the command) to win 11 of these 13 (SES's two carry
5.1.1), and on the held-out set loses 7 to win 3.  Reading 5.2.1 as
strong (RFC 3463: the mailbox exists, disabled) was tried as well: 93.3
% here, 94.9 % held out, because Sisimai labels the same "550 5.2.1
... User Unknown" hard in its PowerMTA samples and soft in Amazon
WorkMail's and Sun Messaging Server's.  On all 535 samples (vendored
and held out) hard/soft is 94.8 %.  The others:
OpenSMTPD's "No MX found for domain" in a delay notice (its code fails
it temporarily, mta.c DNS_ENOTFOUND;
Sisimai calls it hard), an RFC 3464 report whose Status and
Diagnostic-Code say 5.1.1 "User Unknown" while its prose says "Not
enough disk space" (Sisimai takes the prose), EZweb's "550 user unknown
(in reply to RCPT TO command)" under a prose "account is disabled", and
the three below.  Fault, 5 misses: an AOL 5.4.4 "Malformed or
unexpected name server reply" (notaccept to Sisimai, networkerror here,
as Sisimai's Postfix sample with the same text and code has it),
cPanel's "account or domain may not exist, may be blacklisted"
(hostunknown to Sisimai, undefined here: it would suppress on a guess),
MessageLabs's bare "542 Rejected" (userunknown to Sisimai; a guess
again), Gmail's "554 5.7.0 Header error (state 18)" (filtered to
Sisimai, whose Gmail table reads state 18 as a refusal after DATA;
contenterror here) and an EZweb notice that quotes no reply ("rejected
by a remote mail server"; undefined here).
The first recipient postern finds stands for the file (the manifest
keeps only files whose recipients share one reason); when it finds
none, the classification of the bounce's prose does."""
import json
import os

import pytest

from conftest import run

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "data", "bounces", "sisimai")
TARGET = 0.95
FLOORS = {"reason": 0.83, "hard": 0.935, "fault": 0.98}
_RATES = {}


def manifest():
    with open(os.path.join(CORPUS, "MANIFEST")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, reason, hard, fault = line.split()[:4]
            yield name, reason, hard == "hard", fault


def classify(name):
    r = run("explain", "--bounce", os.path.join(CORPUS, name), "--json",
            check=False)
    assert r.returncode in (0, 1), (name, r.returncode, r.stderr)
    doc = json.loads(r.stdout)
    # no recipient found: the classification of the bounce's prose
    for rc in doc["recipients"] + [doc]:
        if "reason" in rc:
            return rc["reason"], rc["hard"], rc["fault"]
    return "undefined", False, "unknown"


def rates():
    if _RATES:
        return _RATES
    rows = list(manifest())
    assert len(rows) >= 150
    ok = {"reason": 0, "hard": 0, "fault": 0, "fault_was": 0}
    misses = []
    for name, reason, hard, fault in rows:
        got = classify(name)
        ok["reason"] += got[0] == reason
        ok["hard"] += got[1] == hard
        ok["fault"] += got[2] == fault
        # the mapping before issue 24's last round: filtered was unknown
        ok["fault_was"] += (("unknown" if reason == "filtered" else fault) ==
                            ("unknown" if got[0] == "filtered" else got[2]))
        if got[0] != reason:
            misses.append("%s: want %s/%s/%s got %s/%s/%s" % (
                name, reason, "hard" if hard else "soft", fault, got[0],
                "hard" if got[1] else "soft", got[2]))
    rate = {k: v / len(rows) for k, v in ok.items()}
    print("\nbounce attribution on %d Sisimai samples: reason %.1f %%, "
          "hard/soft %.1f %%, fault %.1f %% (fault, filtered as unknown: "
          "%.1f %%)" % (len(rows), 100 * rate["reason"], 100 * rate["hard"],
                        100 * rate["fault"], 100 * rate["fault_was"]))
    if os.environ.get("BOUNCE_GOLDEN_VERBOSE"):
        print("\n".join(misses))
    _RATES.update(rate)
    return _RATES


def test_golden_agreement():
    rate = rates()
    for k, floor in FLOORS.items():
        assert rate[k] >= floor, (k, rate)


def test_golden_fault_95():
    assert rates()["fault"] >= TARGET, rates()


@pytest.mark.xfail(strict=True, reason="issue 24 target not met on "
                   "hard/soft: 93.7 % (see the module comment)")
def test_golden_hard_95():
    assert rates()["hard"] >= TARGET, rates()
