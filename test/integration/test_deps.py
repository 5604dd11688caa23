"""scripts/deps.sh installs everything the build and the tests use.

A fresh Debian 12 (debootstrap --variant=minbase: only the packages of
priority "required") plus deps.sh must be enough for `make test`; a
developer's machine with extra packages can hide a missing line, as it
once hid swaks's TLS module.  So this reads what the tests actually run
-- the programs they start, the Python modules they import, the
pkg-config modules the Makefile links -- finds the Debian package that
provides each, and asserts it is in deps.sh's list or part of every
Debian system.  (scripts/fresh-check.sh does the real thing in a chroot;
it needs the mirror and 15-20 minutes, so it is not part of make test.)
"""
import ast
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTS = sorted(glob.glob(os.path.join(ROOT, "test", "integration", "*.py")))
SCRIPTS = [os.path.join(ROOT, "scripts", "integration.sh"),
           os.path.join(ROOT, "scripts", "run-demo.sh"),
           os.path.join(ROOT, "Makefile")]


def deps_list():
    with open(os.path.join(ROOT, "scripts", "deps.sh")) as f:
        m = re.search(r'^PKGS="([^"]*)"', f.read(), re.M)
    assert m, "no PKGS=\"...\" in deps.sh"
    return set(m.group(1).split())


def package_of(path):
    """The Debian package that ships path (merged /usr or not)."""
    cands = [path, os.path.realpath(path)]
    for p in list(cands):
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"),
                     ("/usr/lib/", "/lib/")):
            if p.startswith(a):
                cands.append(b + p[len(a):])
            elif p.startswith(b):
                cands.append(a + p[len(b):])
    for p in cands:
        r = subprocess.run(["dpkg-query", "-S", p], capture_output=True,
                           text=True)
        lines = [l for l in r.stdout.splitlines()
                 if not l.startswith("diversion by")]
        if r.returncode == 0 and lines:
            return lines[0].split(":")[0].split(",")[0].strip()
    return None


def closure(pkgs):
    """pkgs and everything they depend on, by the installed packages'
    Depends and Pre-Depends (every alternative, architecture dropped)."""
    seen, todo = set(), list(pkgs)
    while todo:
        batch = [p for p in set(todo) if p not in seen]
        todo = []
        seen.update(batch)
        if not batch:
            break
        r = subprocess.run(["dpkg-query", "-W",
                            "-f=${Depends}, ${Pre-Depends}\\n", *batch],
                           capture_output=True, text=True)
        for dep in re.split(r"[,|\n]", r.stdout):
            name = dep.strip().split(" ")[0].split(":")[0]
            if name and name not in seen:
                todo.append(name)
    return seen


def in_every_system(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Essential} ${Priority}",
                        pkg], capture_output=True, text=True)
    essential, _, priority = r.stdout.partition(" ")
    return essential == "yes" or priority == "required"


def programs_run_by_tests():
    """Programs the Python tests start: the first string of a list
    literal (an argv), and the argument of need()/which()."""
    found = set()
    for path in TESTS:
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.List) and node.elts and \
                    isinstance(node.elts[0], ast.Constant) and \
                    isinstance(node.elts[0].value, str):
                found.add(node.elts[0].value)
            elif isinstance(node, ast.Call) and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str):
                name = getattr(node.func, "id", None) or \
                    getattr(node.func, "attr", None)
                if name in ("need", "which"):
                    found.add(node.args[0].value)
            elif isinstance(node, ast.Assign) and \
                    isinstance(node.value, ast.Constant) and \
                    isinstance(node.value.value, str) and \
                    re.fullmatch(r"/usr/s?bin/[\w.+-]+", node.value.value):
                found.add(node.value.value)   # DNSMASQ = "/usr/sbin/..."
    return found


def programs_run_by_scripts():
    words = set()
    for path in SCRIPTS:
        with open(path) as f:
            for line in f:
                line = line.split("#")[0]
                # words in command position only: a line's start, after
                # ; & | ( ` !, sh -c's quote, or after a keyword
                words.update(re.findall(
                    r"(?:^\s*|[;&|(`!]\s*|-c\s+[\"'])([a-z][\w-]+)", line))
                words.update(re.findall(
                    r"\b(?:exec|then|do|if|while)\s+([a-z][\w-]+)", line))
    return words


def resolve(prog):
    if prog.startswith("/"):
        return prog if os.path.exists(prog) else None
    if "/" in prog or not re.fullmatch(r"[\w.+-]+", prog):
        return None
    return shutil.which(prog)


def test_every_program_the_tests_run_is_installed_by_deps():
    pkgs = closure(deps_list())
    progs = programs_run_by_tests() | programs_run_by_scripts()
    checked, missing = {}, []
    for prog in sorted(progs):
        path = resolve(prog)
        if path is None or not path.startswith(("/usr/", "/bin/", "/sbin/")):
            continue   # not a program (a word, a test path, a builtin)
        pkg = package_of(path)
        if pkg is None:
            continue   # not from a package (e.g. the build itself)
        checked[prog] = pkg
        if pkg not in pkgs and not in_every_system(pkg):
            missing.append("%s (%s, package %s)" % (prog, path, pkg))
    # the programs the suite relies on must have been seen, so a change
    # to the scan cannot quietly check nothing
    for prog in ("swaks", "curl", "openssl", "msmtp", "unshare", "ip"):
        assert prog in checked, (prog, sorted(checked))
    assert not missing, "deps.sh lacks: " + "; ".join(missing)


def test_every_python_module_the_tests_import_is_installed_by_deps():
    pkgs = closure(deps_list())
    stdlib = sysconfig.get_paths()["stdlib"]
    local = {os.path.splitext(os.path.basename(p))[0] for p in TESTS}
    mods = set()
    for path in TESTS:
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and \
                    node.level == 0:
                mods.add(node.module.split(".")[0])
    third, missing = {}, []
    for mod in sorted(mods - local):
        if mod in sys.builtin_module_names:
            continue
        spec = importlib.util.find_spec(mod)
        assert spec is not None, "cannot import %s" % mod
        origin = spec.origin or (list(spec.submodule_search_locations)[0]
                                 if spec.submodule_search_locations else "")
        if origin in ("frozen", "built-in"):
            continue
        if origin.startswith(stdlib + os.sep) and \
                "dist-packages" not in origin:
            continue
        pkg = package_of(origin)
        third[mod] = pkg
        if pkg is None or (pkg not in pkgs and not in_every_system(pkg)):
            missing.append("%s (%s, package %s)" % (mod, origin, pkg))
    assert {"pytest", "aiosmtpd", "dkim"} <= set(third), third
    assert not missing, "deps.sh lacks: " + "; ".join(missing)


def test_every_library_the_build_links_is_installed_by_deps():
    pkgs = deps_list()
    with open(os.path.join(ROOT, "Makefile")) as f:
        text = f.read()
    mods = []
    for var in ("PKGS", "TESTPKGS"):
        m = re.search(r"^%s\s*:=\s*((?:.*\\\n)*.*)$" % var, text, re.M)
        assert m, var
        mods += m.group(1).replace("\\\n", " ").split()
    assert "openssl" in mods and "cmocka" in mods, mods
    missing = []
    for mod in mods:
        r = subprocess.run(["pkg-config", "--variable=pcfiledir", mod],
                           capture_output=True, text=True)
        assert r.returncode == 0, "pkg-config does not know " + mod
        pc = os.path.join(r.stdout.strip(), mod + ".pc")
        pkg = package_of(pc)
        if pkg is None or pkg not in pkgs:
            missing.append("%s (%s, package %s)" % (mod, pc, pkg))
    assert not missing, "deps.sh lacks: " + "; ".join(missing)


def test_swaks_has_tls():
    """swaks without libnet-ssleay-perl runs, but says "TLS not
    available" at the first --tls: the README's example and three tests
    failed that way on a fresh machine."""
    assert "libnet-ssleay-perl" in deps_list()
    r = subprocess.run(["swaks", "--support"], capture_output=True,
                       text=True, timeout=30)
    assert "=== TLS supported" in r.stdout + r.stderr, r.stdout + r.stderr
