#!/usr/bin/env python3
"""Held-out check of bounce attribution: the samples of Sisimai's corpus
that are NOT vendored here.

Run by hand (not by the tests), to see that a change to the classifier
or the parser helps beyond the 300 vendored samples it was tuned on:

    heldout.py P5_SISIMAI_GIT_DIR [POSTERN_BIN] [-v]

The samples and their expected reason and hard/soft come from
sisimai/p5-sisimai's t/*.t tables, chosen by the same rules as
vendor.py (one reason per file, bounces only, under its size limit),
minus the files MANIFEST lists.  Each is run through `postern explain
--bounce FILE --json` and scored as test_bounce_golden.py scores the
vendored set (the first recipient found stands for the file; with none,
the prose's classification).  -v prints the misses.  Nothing is
written to the tree: the samples go to a temporary directory.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vendor  # noqa: E402


def vendored():
    with open(os.path.join(HERE, "MANIFEST")) as f:
        return {ln.split()[0] for ln in f
                if ln.strip() and not ln.startswith("#")}


def classify(binary, path):
    r = subprocess.run([binary, "explain", "--bounce", path, "--json"],
                       capture_output=True, text=True, timeout=60)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        return "error", False, "unknown"
    for rc in doc.get("recipients", []) + [doc]:
        if "reason" in rc:
            return rc["reason"], rc["hard"], rc["fault"]
    return "undefined", False, "unknown"


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    gd = args[0]
    binary = args[1] if len(args) > 1 else os.path.join(
        HERE, "..", "..", "..", "..", "build", "postern")
    skip = vendored()
    ok = {"reason": 0, "hard": 0, "fault": 0, "fault_was": 0}
    misses = []
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for picked in vendor.expected(gd).values():
            for name, reason, hard, _st, _code, data in picked:
                if name in skip:
                    continue
                path = os.path.join(tmp, name)
                with open(path, "wb") as f:
                    f.write(data)
                got = classify(binary, path)
                n += 1
                ok["reason"] += got[0] == reason
                ok["hard"] += got[1] == (hard == "1")
                ok["fault"] += got[2] == vendor.fault(reason)
                # the mapping before issue 24's last round: filtered unknown
                ok["fault_was"] += (
                    ("unknown" if reason == "filtered" else
                     vendor.fault(reason)) ==
                    ("unknown" if got[0] == "filtered" else got[2]))
                if got[0] != reason:
                    misses.append("%s: want %s/%s/%s got %s/%s/%s" % (
                        name, reason, "hard" if hard == "1" else "soft",
                        vendor.fault(reason), got[0],
                        "hard" if got[1] else "soft", got[2]))
    print("held-out: %d Sisimai samples not vendored: reason %.1f %%, "
          "hard/soft %.1f %%, fault %.1f %% (fault, filtered as unknown: "
          "%.1f %%)" % (n, 100.0 * ok["reason"] / n, 100.0 * ok["hard"] / n,
                        100.0 * ok["fault"] / n, 100.0 * ok["fault_was"] / n))
    if verbose:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
