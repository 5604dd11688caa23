#!/usr/bin/python3
"""The include rules of src/ (docs/ARCHITECTURE.md, "Folders"), checked.

    scripts/layering.py [SRCDIR]     check a tree (default: src)
    scripts/layering.py --self-test  plant wrong includes in a copy of
                                     src and make sure each one is caught

Rules:
 1. Every quoted include names its folder: #include "lib/buf.h".
 2. A part includes only its own folder and the parts below it:
        lib < core < store < {queue, smtpd, diag} < server < cli
    and the three parts in braces do not include one another.
 3. No circle between modules (a module is NAME.c with NAME.h, and
    NAME_int.h, its private half): if a.c or a.h includes b.h, a depends
    on b; nothing may depend on itself through others.
 4. src/helper includes no header of postern (it is built alone).
Exit status 0 when the tree follows them, 1 with one line per breach."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

RANK = {"lib": 0, "core": 1, "store": 2, "queue": 3, "smtpd": 3, "diag": 3,
        "server": 4, "cli": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module(path):
    """part/name of part/name.c, part/name.h and part/name_int.h"""
    base = path.rsplit(".", 1)[0]
    return base[:-4] if base.endswith("_int") else base


def sources(top):
    for part in sorted(os.listdir(top)):
        d = os.path.join(top, part)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                yield part, name, os.path.join(d, name)


def check(top):
    errors = []
    deps = {}                       # module -> {module: where}
    for part, name, path in sources(top):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        where = "%s/%s" % (part, name)
        if part != "helper" and part not in RANK:
            errors.append("%s: folder %s is not a part of the layering"
                          % (where, part))
            continue
        mod = module("%s/%s" % (part, name))
        deps.setdefault(mod, {})
        for line_no, target in ((text.count("\n", 0, m.start()) + 1,
                                 m.group(1)) for m in INCLUDE.finditer(text)):
            at = "%s:%d" % (where, line_no)
            if part == "helper":
                errors.append("%s: the helper includes \"%s\"; it is "
                              "built from libc alone" % (at, target))
                continue
            if "/" not in target:
                if os.path.exists(os.path.join(top, part, target)):
                    errors.append("%s: write \"%s/%s\": every include "
                                  "names its folder" % (at, part, target))
                else:
                    errors.append("%s: \"%s\" is not a header of src/; "
                                  "every include names its folder" %
                                  (at, target))
                continue
            tpart, tname = target.split("/", 1)
            if tpart not in RANK or not os.path.exists(
                    os.path.join(top, target)):
                errors.append("%s: \"%s\" is not a header of src/" %
                              (at, target))
                continue
            if tpart != part and RANK[tpart] >= RANK[part]:
                why = ("parts side by side do not include one another"
                       if RANK[tpart] == RANK[part] else
                       "it points up: %s is above %s" % (tpart, part))
                errors.append("%s: includes \"%s\": %s" % (at, target, why))
            tmod = module(target)
            if tmod != mod:
                deps[mod].setdefault(tmod, at)
    errors += circles(deps)
    return errors


def circles(deps):
    """One line per circle found by a depth-first search."""
    out, state, stack = [], {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(deps.get(m, {})):
            if state.get(n) == 1:
                ring = stack[stack.index(n):] + [n]
                out.append("circle: %s (%s)" % (
                    " -> ".join(ring),
                    ", ".join(deps[a][b] for a, b in zip(ring, ring[1:]))))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(deps):
        if m not in state:
            visit(m)
    return out


def self_test(top):
    """Each planted breach must be reported, and only in the copy."""
    def first_header(part):
        return part + "/" + sorted(n for n in os.listdir(
            os.path.join(top, part)) if n.endswith(".h"))[0]

    plants = [
        ("lib/buf.c", '#include "%s"\n' % first_header("cli"),
         "it points up"),
        ("queue/maildir.c", '#include "%s"\n' % first_header("smtpd"),
         "side by side"),
        ("store/store.c", '#include "util.h"\n', "is not a header"),
        ("lib/log.c", '#include "log.h"\n', "names its folder"),
        ("lib/util.h", '#include "lib/buf.h"\n', None),   # allowed
        ("lib/buf.h", '#include "lib/json.h"\n', "circle"),
        ("helper/checkpassword.c", '#include "lib/log.h"\n', "libc alone"),
    ]
    base = check(top)
    if base:
        print("self-test: the tree itself fails:\n" + "\n".join(base))
        return 1
    failed = 0
    for path, line, expect in plants:
        tmp = tempfile.mkdtemp(prefix="layering-")
        try:
            copy = os.path.join(tmp, "src")
            shutil.copytree(top, copy)
            with open(os.path.join(copy, path), "a") as f:
                f.write(line)
            got = check(copy)
            ok = (not got) if expect is None else any(
                expect in e for e in got)
            print("self-test: %s += %s-> %s" % (
                path, line.strip() + " ",
                "caught" if got else "accepted"))
            if not ok:
                print("self-test: FAILED, expected %s, got %s" % (
                    expect or "no error", got))
                failed = 1
        finally:
            shutil.rmtree(tmp)
    return failed


def main(argv):
    if argv[1:2] == ["--self-test"]:
        top = argv[2] if len(argv) > 2 else "src"
        return self_test(top)
    top = argv[1] if len(argv) > 1 else "src"
    errors = check(top)
    for e in errors:
        print("layering: " + e)
    if not errors:
        print("layering: %s follows the rules (%d files)" % (
            top, sum(1 for _ in sources(top))))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
