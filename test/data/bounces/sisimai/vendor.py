#!/usr/bin/env python3
"""Vendor a subset of Sisimai's bounce corpus with its expected results.

Run once by hand (not by the tests):

    vendor.py P5_SISIMAI_GIT_DIR OUT_DIR

P5_SISIMAI_GIT_DIR is a git directory of sisimai/p5-sisimai (the `fetch`
mirror); the samples are read from its set-of-emails/maildir/bsd at HEAD
and the expected values from its t/*.t files, where each sample has
`'NN' => [['D.S.N.', 'replycode', 'REASON', hardbounce], ...]`.

Kept: samples whose recipients all share one reason (so a file has one
expected row), that are bounces (not feedback, vacation or delivered),
at most PER_ENGINE per engine chosen evenly, each under MAX_SIZE bytes.
Sisimai's reason names are kept except `speeding`, which postern calls
`ratelimited`.  The fault column comes from RECIPIENT and SENDER below,
the same map as core/bounce_class.c (docs/DELIVERY.md, "Bounce
attribution").

`filtered` is the recipient's side.  Sisimai's Reason::Filtered says
what it covers: a refusal "by a header content after SMTP DATA", in
practice a recipient's own settings that reject a sender or its domain
(Japanese carriers' reception filters, Gmail's "has blocked the
messages from this sender", Exchange's RESOLVER.RST.NotAuthorized,
Facebook's "recipient preferences": its list of phrases) and a "user
unknown" said after DATA or by a filtering gateway, which it calls
"almost the same as UserUnknown".  Neither is about the sender's IP,
domain, authentication or content, and neither is the path's.  Until
this mapping changed (issue 24), `filtered` was `unknown`; the golden
test prints the fault rate under both.  Sisimai's hard/soft is kept as
its tests give it (`filtered` is soft).
"""
import re
import subprocess
import sys

PER_ENGINE = 8
MAX_SIZE = 40000
SKIP = {"feedback", "vacation", "delivered"}
RECIPIENT = {"userunknown", "hostunknown", "hasmoved", "notaccept",
             "mailboxfull", "suspend", "filtered"}
SENDER = {"rejected", "blocked", "badreputation", "requireptr",
          "authfailure", "spamdetected", "policyviolation", "securityerror",
          "virusdetected", "contenterror", "mesgtoobig", "exceedlimit",
          "notcompliantrfc", "syntaxerror", "ratelimited", "toomanyconn"}


def fault(reason):
    if reason in RECIPIENT:
        return "recipient"
    if reason in SENDER:
        return "sender"
    return "unknown"


def git(gd, *args):
    return subprocess.run(["git", "--git-dir", gd] + list(args),
                          check=True, capture_output=True).stdout


def expected(gd):
    """Every sample of p5-sisimai's t/*.t tables that vendor.py could
    keep, engine by engine: {prefix: [(name, reason, hard, status,
    replycode, data), ...]} with hard "1" or "0"."""
    tests = git(gd, "ls-tree", "--name-only", "HEAD", "t/").decode().split()
    engines = {}
    for t in sorted(tests):
        if not t.endswith(".t"):
            continue
        src = git(gd, "show", "HEAD:" + t).decode()
        m = re.search(r"enginename = '([^']+)'", src)
        if not m:
            continue
        eng = m.group(1)
        if "-rhost-" in t:
            prefix = "rhost-" + eng.lower()
        elif eng in ("RFC3464", "RFC3834", "ARF"):
            prefix = eng.lower()
        else:
            prefix = "lhost-" + eng.lower()
        body = src[src.index("isexpected"):]
        body = body[:body.index("};")]
        picked = engines.setdefault(prefix, [])
        for idx, group in re.findall(r"'(\d+)'\s*=>\s*\[(.*?)\]\s*\]",
                                     body, re.S):
            recs = re.findall(r"\['([^']*)',\s*'([^']*)',\s*'([^']*)',"
                              r"\s*(\d)", group)
            reasons = {(r[2], r[3]) for r in recs}
            if len(reasons) != 1:
                continue
            reason, hard = reasons.pop()
            if reason in SKIP:
                continue
            if reason == "speeding":
                reason = "ratelimited"
            name = "%s-%02d.eml" % (prefix, int(idx))
            path = "HEAD:set-of-emails/maildir/bsd/" + name
            try:
                data = git(gd, "show", path)
            except subprocess.CalledProcessError:
                continue
            if len(data) > MAX_SIZE:
                continue
            picked.append((name, reason, hard, recs[0][0], recs[0][1], data))
    return engines


def row(name, reason, hard, st, code):
    return "%s %s %s %s %s %s" % (name, reason,
                                  "hard" if hard == "1" else "soft",
                                  fault(reason), st or "-", code or "-")


def main():
    gd, out = sys.argv[1], sys.argv[2]
    rows = []
    for picked in expected(gd).values():
        step = max(1, len(picked) / PER_ENGINE)
        chosen = [picked[int(i * step)] for i in range(min(PER_ENGINE,
                                                           len(picked)))]
        for name, reason, hard, st, code, data in chosen:
            with open("%s/%s" % (out, name), "wb") as f:
                f.write(data)
            rows.append(row(name, reason, hard, st, code))
    with open(out + "/MANIFEST", "w") as f:
        f.write("# file reason hard|soft fault sisimai-status "
                "sisimai-replycode\n")
        f.write("# from sisimai/p5-sisimai %s t/*.t (vendor.py)\n" %
                git(gd, "rev-parse", "--short", "HEAD").decode().strip())
        f.write("\n".join(rows) + "\n")
    print(len(rows), "samples")


if __name__ == "__main__":
    main()
