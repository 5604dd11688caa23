#!/usr/bin/python3
"""Sizes that docs/ARCHITECTURE.md keeps small, measured on src/.

    scripts/measure.py [SRCDIR]

A function is counted from its name at the start of a line to its body's
closing brace at the start of a line (the KNF style of STYLE.md); its
size is the lines between its braces.  Prints the number of functions,
the median size, every function over 80 lines and every file over 1,000
lines; exits 1 if there is any of those."""
import glob
import re
import statistics
import sys


def functions(path):
    name, start = None, 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\(", line)
        if m:
            name = m.group(1)
        elif line == "{" and name:
            start = i
        elif line == "}" and name:
            yield name, i - start - 1
            name = None


def main(top):
    sizes, over = [], []
    for path in sorted(glob.glob(top + "/*/*.c")):
        for name, n in functions(path):
            sizes.append(n)
            if n > 80:
                over.append("function %s %s: %d lines" % (path, name, n))
    for path in sorted(glob.glob(top + "/*/*.[ch]")):
        with open(path, encoding="utf-8") as f:
            n = sum(1 for _ in f)
        if n > 1000:
            over.append("file %s: %d lines" % (path, n))
    print("%d functions, median %g lines" % (
        len(sizes), statistics.median(sizes)))
    for line in over:
        print(line)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
