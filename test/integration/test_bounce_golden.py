"""Golden test of bounce attribution (issue 24, item 2) on Sisimai's
public corpus: `postern explain --bounce FILE --json` on each vendored
sample of test/data/bounces/sisimai/ (BSD 2-clause, see LICENSE there),
against the reason and hard/soft Sisimai's own tests expect
(MANIFEST, made by vendor.py) and the fault that reason implies
(docs/DELIVERY.md, "Bounce attribution").

Prints the agreement rates; fails below 95 % on hard/soft and on fault.
Reason agreement is printed, with a lower floor that only catches a
regression.  The first recipient postern finds stands for the file (the
manifest keeps only files whose recipients share one reason)."""
import json
import os

from conftest import run

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "data", "bounces", "sisimai")
FLOOR = 0.95
REASON_FLOOR = 0.70


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
    rcpts = json.loads(r.stdout)["recipients"]
    for rc in rcpts:
        if "reason" in rc:
            return rc["reason"], rc["hard"], rc["fault"]
    return "undefined", False, "unknown"


def test_golden_agreement():
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
    assert rate["hard"] >= FLOOR, rate
    assert rate["fault"] >= FLOOR, rate
    assert rate["reason"] >= REASON_FLOOR, rate
