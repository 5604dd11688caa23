"""Golden test of bounce attribution (issue 24, item 2) on Sisimai's
public corpus: `postern explain --bounce FILE --json` on each vendored
sample of test/data/bounces/sisimai/ (BSD 2-clause, see LICENSE there),
against the reason and hard/soft Sisimai's own tests expect
(MANIFEST, made by vendor.py) and the fault that reason implies
(docs/DELIVERY.md, "Bounce attribution").

Prints the agreement rates.  The target of issue 24 is 95 % on
hard/soft and on fault; it is not met (measured: reason 83.3 %,
hard/soft 93.7 %, fault 94.3 % on 300 samples; before: 74.3 %, 91.3 %,
89.3 %; before the failed SMTP command was read: 60.3 %, 83.3 %,
76.3 %), so test_golden_target_95 is a strict xfail that turns into a
failure the day the target is reached (then drop the mark), and
test_golden_agreement holds the measured rates against regression.
The held-out check, heldout.py in the corpus directory, scores the 235
Sisimai samples that are not vendored (reason 67.7 -> 79.1 %, hard/soft
92.8 -> 96.2 %, fault 84.7 -> 91.5 % over the same changes), so the
gain is not the vendored set's alone.

What is left, 17 fault misses: 13 are one disagreement, bounces whose
words say the user is unknown ("User unknown in local recipient table",
"No such user here", "[User unknown]", "Mailbox does not exist" with
5.1.1) that Sisimai calls "filtered" because its parser for that MTA
or filter (ActiveHunter, MailFoundry, MXLogic, SurfControl, Zoho,
Apache James, Amazon WorkMail and SES inbound, Exchange 2003 without a
vendor code, Sisimai's X1/X2) assumes the refusal came after DATA;
postern reads no command in them and keeps user unknown (the same texts
from PowerMTA or McAfee are user unknown to Sisimai too, so no rule
tells them apart honestly).  The others: an AOL 5.4.4 "Malformed or
unexpected name server reply" (notaccept to Sisimai, networkerror here,
as Sisimai's Postfix samples with the same text have it), cPanel's
"account or domain may not exist, may be blacklisted" (hostunknown to
Sisimai, undefined here: it would suppress on a guess), MessageLabs's
bare "542 Rejected" (userunknown to Sisimai; a guess again) and Gmail's
"(state 18)" header error (filtered to Sisimai, contenterror here).  The hard/
soft misses are the same 13 and a few more where Sisimai reads the
prose over a 5.1.1 DSN or a 4.x.x "No MX" as final.  The first
recipient postern finds stands for the file (the manifest keeps only
files whose recipients share one reason); when it finds none, the
classification of the bounce's prose does."""
import json
import os

import pytest

from conftest import run

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "data", "bounces", "sisimai")
TARGET = 0.95
FLOORS = {"reason": 0.83, "hard": 0.935, "fault": 0.94}
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
    ok = {"reason": 0, "hard": 0, "fault": 0}
    misses = []
    for name, reason, hard, fault in rows:
        got = classify(name)
        ok["reason"] += got[0] == reason
        ok["hard"] += got[1] == hard
        ok["fault"] += got[2] == fault
        if got[0] != reason:
            misses.append("%s: want %s/%s/%s got %s/%s/%s" % (
                name, reason, "hard" if hard else "soft", fault, got[0],
                "hard" if got[1] else "soft", got[2]))
    rate = {k: v / len(rows) for k, v in ok.items()}
    print("\nbounce attribution on %d Sisimai samples: reason %.1f %%, "
          "hard/soft %.1f %%, fault %.1f %%" % (
              len(rows), 100 * rate["reason"], 100 * rate["hard"],
              100 * rate["fault"]))
    if os.environ.get("BOUNCE_GOLDEN_VERBOSE"):
        print("\n".join(misses))
    _RATES.update(rate)
    return _RATES


def test_golden_agreement():
    rate = rates()
    for k, floor in FLOORS.items():
        assert rate[k] >= floor, (k, rate)


@pytest.mark.xfail(strict=True, reason="issue 24 target not met yet: "
                   "hard/soft 93.7 %, fault 94.3 % (see the module comment)")
def test_golden_target_95():
    rate = rates()
    assert rate["hard"] >= TARGET and rate["fault"] >= TARGET, rate
