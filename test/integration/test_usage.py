"""Usage errors of every postern command: exit status 2, a first line
`postern: COMMAND: REASON` that names what was wrong, then the usage.
No server runs; the commands refuse before touching the data directory,
and a refused command changes nothing.  A password-like argument is
never shown.
"""
import os
import shutil
import tempfile

import pytest

from conftest import HOST, USER, run

NEW = "@new"        # stands for a data directory that does not exist yet
OTHER = "other@example.test"

# (arguments after -d DIR, the exact first line of stderr, a part of the
# usage that must follow it)
CASES = [
    # top level (main.c)
    (["frob"], "postern: unknown command 'frob'",
     "usage: postern [-d DIR] COMMAND"),
    (["serve", "now"], "postern: serve: too many arguments ('now')",
     "usage: postern [-d DIR] COMMAND"),
    # init
    ([NEW, "init", "--frob"], "postern: init: unknown option '--frob'",
     "usage: postern -d DIR init [--hostname HOST]"),
    ([NEW, "init", "--hostname"], "postern: init: --hostname needs a value",
     "usage: postern -d DIR init [--hostname HOST]"),
    ([NEW, "init", "extra"], "postern: init: too many arguments ('extra')",
     "usage: postern -d DIR init [--hostname HOST]"),
    # domain (the table-driven dispatcher)
    (["domain"],
     "postern: domain: which subcommand? (add, list, show, remove, set)",
     "  postern -d DIR domain add DOMAIN"),
    (["domain", "frob"], "postern: domain: unknown subcommand 'frob' "
     "(add, list, show, remove, set)", "  postern -d DIR domain set DOMAIN"),
    (["domain", "add"], "postern: domain add: missing DOMAIN",
     "  postern -d DIR domain add DOMAIN"),
    (["domain", "show", "example.test", "x"],
     "postern: domain show: too many arguments ('x')",
     "  postern -d DIR domain show DOMAIN [--json]"),
    (["domain", "show", "example.test", "x", "y"],
     "postern: domain show: too many arguments ('x' and 1 more)",
     "  postern -d DIR domain show DOMAIN [--json]"),
    (["domain", "list", "--frob"],
     "postern: domain list: unknown option '--frob'",
     "  postern -d DIR domain list [--json]"),
    (["domain", "set", "example.test"], "postern: domain set: missing "
     "sender_policy, require_host_match or submission_host",
     "  postern -d DIR domain set DOMAIN"),
    (["domain", "set", "example.test", "submission_host"],
     "postern: domain set: missing HOST",
     "  postern -d DIR domain set DOMAIN"),
    (["domain", "add", "new.test", "--dkim"],
     "postern: domain add: --dkim needs a value (rsa, ed25519, both, none)",
     "usage: postern -d DIR domain add DOMAIN [--dkim"),
    (["domain", "add", "new.test", "--dkim", "dsa"],
     "postern: domain add: --dkim 'dsa': not rsa, ed25519, both or none",
     "usage: postern -d DIR domain add DOMAIN [--dkim"),
    (["domain", "remove", "example.test", "--frob"],
     "postern: domain remove: unknown option '--frob'",
     "  postern -d DIR domain remove DOMAIN [--force]"),
    # mailbox
    (["mailbox", "add"], "postern: mailbox add: missing ADDRESS",
     "  postern -d DIR mailbox add ADDRESS"),
    (["mailbox", "add", OTHER],
     "postern: mailbox add: missing --password-stdin|--generate",
     "  postern -d DIR mailbox add ADDRESS --password-stdin|--generate"),
    (["mailbox", "add", OTHER, "--frob"],
     "postern: mailbox add: unknown option '--frob'",
     "  postern -d DIR mailbox add ADDRESS"),
    (["mailbox", "frob"], "postern: mailbox: unknown subcommand 'frob' "
     "(add, list, show, passwd, remove, lock, unlock, set, warmup-freeze, "
     "resume, import)",
     "  postern -d DIR mailbox import DOVECOT-PASSWD-FILE"),
    (["mailbox", "resume"], "postern: mailbox resume: missing "
     "ADDRESS|DOMAIN", "  postern -d DIR mailbox resume ADDRESS|DOMAIN"),
    (["stats", "--days", "0"], "postern: stats: --days takes 1 to 90",
     "postern -d DIR stats [DOMAIN|ADDRESS] [--days N] [--json]"),
    (["stats", "a.test", "b.test"],
     "postern: stats: one DOMAIN or ADDRESS at most",
     "postern -d DIR stats [DOMAIN|ADDRESS] [--days N] [--json]"),
    (["mailbox", "lock"], "postern: mailbox lock: missing ADDRESS",
     "  postern -d DIR mailbox lock ADDRESS"),
    (["mailbox", "lock", USER, "--for", "soon"],
     "postern: mailbox lock: --for 'soon': not a time "
     "(30m, 2h, 7d or seconds)",
     "usage: postern -d DIR mailbox lock ADDRESS [--for 30m|2h|7d]"),
    (["mailbox", "set", USER], "postern: mailbox set: missing daily_limit, "
     "warmup, warmup_first or warmup_step",
     "  postern -d DIR mailbox set ADDRESS daily_limit N"),
    (["mailbox", "import"],
     "postern: mailbox import: missing DOVECOT-PASSWD-FILE",
     "  postern -d DIR mailbox import"),
    # alias
    (["alias"], "postern: alias: which subcommand? (add, list, remove)",
     "  postern -d DIR alias add ALIAS MAILBOX"),
    (["alias", "add", "a@example.test"], "postern: alias add: missing MAILBOX",
     "  postern -d DIR alias add ALIAS MAILBOX"),
    (["alias", "list", "example.test", "x"],
     "postern: alias list: too many arguments ('x')",
     "  postern -d DIR alias list [DOMAIN] [--json]"),
    # dkim
    (["dkim"], "postern: dkim: which subcommand? "
     "(list, add, rotate, activate, remove, sign)",
     "  postern -d DIR dkim list [DOMAIN] [--json]"),
    (["dkim", "frob"], "postern: dkim: unknown subcommand 'frob' "
     "(list, add, rotate, activate, remove, sign)",
     "  postern -d DIR dkim activate DOMAIN SELECTOR"),
    (["dkim", "activate", "example.test"],
     "postern: dkim activate: missing SELECTOR",
     "  postern -d DIR dkim activate DOMAIN SELECTOR"),
    (["dkim", "remove", "example.test", "a", "b"],
     "postern: dkim remove: too many arguments ('b')",
     "  postern -d DIR dkim remove DOMAIN SELECTOR"),
    (["dkim", "rotate", "example.test", "--selector", "s1"],
     "postern: dkim rotate: does not take --selector",
     "  postern -d DIR dkim rotate DOMAIN"),
    (["dkim", "add", "example.test", "--alg", "dsa"],
     "postern: dkim add: --alg 'dsa': not rsa or ed25519",
     "  postern -d DIR dkim add DOMAIN"),
    (["dkim", "list", "--bogus"], "postern: dkim list: unknown option "
     "'--bogus'", "  postern -d DIR dkim list"),
    (["dkim", "sign", "--domain", "example.test", "--selector", "s",
      "--alg", "rsa"], "postern: dkim sign: missing --key",
     "  postern -d DIR dkim sign --domain D"),
    # suppress
    (["suppress"], "postern: suppress: which subcommand? "
     "(list, add, remove)", "  postern -d DIR suppress list [DOMAIN]"),
    (["suppress", "frob"], "postern: suppress: unknown subcommand 'frob' "
     "(list, add, remove)", "  postern -d DIR suppress remove DOMAIN"),
    (["suppress", "add", "example.test"],
     "postern: suppress add: missing ADDRESS",
     "  postern -d DIR suppress add DOMAIN ADDRESS [--reason TEXT]"),
    (["suppress", "list", "--reason", "gone"],
     "postern: suppress list: does not take --reason",
     "  postern -d DIR suppress list"),
    (["suppress", "add", "example.test", "a@b.example", "--reason"],
     "postern: suppress add: --reason needs a value",
     "  postern -d DIR suppress add DOMAIN ADDRESS"),
    # queue
    (["queue"], "postern: queue: which subcommand? "
     "(list, show, flush, delete, hold, release, holds)",
     "usage: postern [-d DIR] queue list [--json]"),
    (["queue", "frob"], "postern: queue: unknown subcommand 'frob' "
     "(list, show, flush, delete, hold, release, holds)",
     "usage: postern [-d DIR] queue list [--json]"),
    (["queue", "show"], "postern: queue show: missing ID "
     "(see: postern queue list)", "postern [-d DIR] queue show ID"),
    (["queue", "list", "x"], "postern: queue list: too many arguments ('x')",
     "usage: postern [-d DIR] queue list [--json]"),
    (["queue", "hold", "--frob"], "postern: queue hold: unknown option "
     "'--frob'", "postern [-d DIR] queue delete|hold|release ID"),
    # provision
    (["provision"], "postern: provision: which domain? give it first",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "--count", "2"],
     "postern: provision: the domain comes first, before the options",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test"],
     "postern: provision: missing --count N or --names FILE",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test", "--count", "0", "--csv", "@csv"],
     "postern: provision: --count needs a number from 1 to 100000, "
     "not '0'", "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test", "--count", "2"],
     "postern: provision: missing --csv FILE (where the credentials go)",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test", "--count", "2", "--csv", "@csv",
      "--format", "excel"], "postern: provision: unknown format 'excel' "
     "(generic, instantly, smartlead, lemlist, reply, woodpecker)",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test", "--count", "2", "--names", "n.txt",
      "--csv", "@csv"],
     "postern: provision: give --count or --names, not both",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test", "--count", "2", "--csv", "@csv",
      "--key-file", "k"],
     "postern: provision: the push options go with --push PLATFORM",
     "usage: postern -d DIR provision DOMAIN"),
    (["provision", "example.test", "--count", "2", "--csv", "@csv",
      "--push", "mailchimp"],
     "postern: provision: unknown platform 'mailchimp' for --push",
     "[--push instantly|smartlead"),
    (["provision", "example.test", "--count", "2", "--csv", "@csv",
      "--push", "instantly", "--dry-run"],
     "postern: provision: --dry-run, --update and --replace are options "
     "of `postern push`; provision --rotate replaces",
     "usage: postern -d DIR provision DOMAIN"),
    # push
    (["push"], "postern: push: which platform?",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "mailchimp", "--csv", "@csv"],
     "postern: push: unknown platform 'mailchimp'", "PLATFORM: instantly "
     "smartlead"),
    (["push", "instantly"],
     "postern: push: give --csv FILE or --mailbox ADDRESS",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "instantly", "--csv", "@csv", "--mailbox", USER,
      "--new-password"],
     "postern: push: give --csv FILE or --mailbox ADDRESS",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "instantly", "--csv", "@csv", "--key-file"],
     "postern: push: --key-file needs a value",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "smartlead", "--mailbox", USER],
     "postern: push: --mailbox needs --new-password (postern keeps only "
     "hashes: a push needs a password in clear)",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "instantly", "--csv", "@csv", "--update"],
     "postern: push: --update: this platform cannot change an existing "
     "account's password through its API; use --replace (delete and "
     "create again)", "[--update | --replace]"),
    (["push", "instantly", "--csv", "@csv", "--update", "--replace"],
     "postern: push: --update and --replace do not go together",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "instantly", "--csv", "@csv", "--base-url",
      "http://api.instantly.ai"],
     "postern: push: --base-url must be https:// (plain http:// only to "
     "a loopback address)", "[--base-url URL]"),
    (["push", "smartlead", "--csv", "@csv", "--warmup-increment", "6"],
     "postern: push: --warmup-increment goes with --warmup",
     "usage: postern -d DIR push PLATFORM"),
    (["push", "smartlead", "--csv", "@csv", "--daily-limit", "-1"],
     "postern: push: --daily-limit needs a number from 1 to 10000000",
     "usage: postern -d DIR push PLATFORM"),
    # explain
    (["explain"], "postern: explain: give an SMTP reply "
     "(e.g. 550 5.7.1 ...), an IMAP response (e.g. NO "
     "[AUTHENTICATIONFAILED] ...), a platform's error line or --bounce "
     "FILE",
     "usage: postern explain [--json] REPLY..."),
    (["explain", "--frob"], "postern: explain: unknown option '--frob'",
     "usage: postern explain [--json] REPLY..."),
    (["explain", "--bounce"],
     "postern: explain: --bounce needs a FILE (- for stdin)",
     "usage: postern explain [--json] REPLY..."),
    (["explain", "--bounce", "-", "550"], "postern: explain: give a REPLY "
     "or --bounce FILE, not both ('550')",
     "usage: postern explain [--json] REPLY..."),
]


@pytest.fixture(scope="module")
def tmp():
    """A directory the server's unprivileged user can traverse."""
    d = tempfile.mkdtemp(prefix="postern-usage-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def datadir(tmp):
    """`postern init` with the domain example.test and the mailbox USER."""
    d = os.path.join(tmp, "data")
    run("-d", d, "init", "--hostname", HOST)
    run("-d", d, "domain", "add", "example.test", "--dkim", "none")
    run("-d", d, "mailbox", "add", USER, "--generate")
    return d


def refused(datadir, tmp, args, stdin=None):
    """Run with -d, expecting a usage error; the stderr lines."""
    d = datadir
    if args and args[0] == NEW:
        d, args = os.path.join(tmp, "new"), args[1:]
    args = [os.path.join(tmp, "x.csv") if a == "@csv" else a for a in args]
    p = run("-d", d, *args, input=stdin, check=False)
    assert p.returncode == 2, (args, p.returncode, p.stderr)
    assert p.stdout == "", p.stdout
    return p.stderr.splitlines()


def case_id(case):
    return " ".join(a for a in case[0] if a != NEW)[:60] or "-"


@pytest.mark.parametrize("args,first,usage", CASES,
                         ids=[case_id(c) for c in CASES])
def test_usage_error_says_why_then_usage(datadir, tmp, args, first, usage):
    lines = refused(datadir, tmp, args)
    assert lines[0] == first, lines
    assert lines[1].startswith("usage:"), lines
    assert any(usage in line for line in lines[1:]), lines
    # nothing made by a refusal
    assert not os.path.exists(os.path.join(tmp, "new"))
    assert not os.path.exists(os.path.join(tmp, "x.csv"))


def test_enough_cases():
    assert len(CASES) >= 25
    commands = {a[1] if a[0] == NEW else a[0] for a, _, _ in CASES}
    assert commands >= {"frob", "serve", "init", "domain", "mailbox",
                        "alias", "dkim", "suppress", "queue", "provision",
                        "push", "explain"}


def test_refused_domain_add_makes_nothing(datadir, tmp):
    for extra in (["--dkim", "dsa"], ["--dkim"], ["--frob", "rsa"], ["x"]):
        refused(datadir, tmp, ["domain", "add", "new.test", *extra])
    p = run("-d", datadir, "domain", "show", "new.test", check=False)
    assert p.returncode == 1 and "does not exist" in p.stderr


def test_missing_argument_is_no_crash(datadir, tmp):
    """These took no argument as a NULL name before ("domain (null)")."""
    for cmd, word in (("domain remove", "DOMAIN"), ("mailbox lock",
                      "ADDRESS"), ("mailbox import",
                      "DOVECOT-PASSWD-FILE")):
        lines = refused(datadir, tmp, cmd.split())
        assert lines[0] == "postern: %s: missing %s" % (cmd, word), lines
        assert "(null)" not in "\n".join(lines)


@pytest.mark.parametrize("args", [
    ["mailbox", "add", OTHER, "hunter2-secret"],
    ["mailbox", "passwd", USER, "hunter2-secret"],
    ["mailbox", "add", OTHER, "--password", "hunter2-secret"],
    ["mailbox", "add", OTHER, "--password=hunter2-secret"],
    ["mailbox", "passwd", USER, "--password=hunter2-secret"],
    ["mailbox", "add", OTHER, "--generate", "hunter2-secret"],
    ["mailbox", "add", OTHER, "--pass=hunter2-secret"],
], ids=lambda a: " ".join(a[:2] + a[3:]).replace("hunter2-secret", "PW"))
def test_password_never_shown(datadir, tmp, args):
    lines = refused(datadir, tmp, args)
    assert lines[0].startswith("postern: mailbox %s: " % args[1]), lines
    assert lines[1].startswith("usage:"), lines
    assert "hunter2" not in "\n".join(lines)
    # neither made nor changed
    p = run("-d", datadir, "mailbox", "show", OTHER, check=False)
    assert p.returncode == 1


def test_password_messages(datadir, tmp):
    lines = refused(datadir, tmp, ["mailbox", "add", OTHER, "hunter2"])
    assert lines[0] == ("postern: mailbox add: a password is never taken "
                        "from the command line; use --password-stdin or "
                        "--generate")
    lines = refused(datadir, tmp, ["mailbox", "add", OTHER, "--password",
                                   "hunter2"])
    assert lines[0].startswith("postern: mailbox add: there is no "
                               "--password:"), lines
    lines = refused(datadir, tmp, ["mailbox", "add", OTHER, "--pass=x"])
    assert lines[0] == "postern: mailbox add: unknown option '--pass=...'"
    lines = refused(datadir, tmp, ["mailbox", "add", OTHER, "--generate",
                                   "hunter2"])
    assert lines[0] == ("postern: mailbox add: too many arguments "
                        "(not shown: one may be a password)")


def test_no_dir_option_value(tmp):
    p = run("-d", check=False)
    assert p.returncode == 2
    lines = p.stderr.splitlines()
    assert lines[0] == "postern: -d needs a DIR", lines
    assert lines[1].startswith("usage: postern [-d DIR] COMMAND")


def test_no_command_is_plain_usage():
    """No command at all asks for the usage; nothing was wrong."""
    p = run(check=False)
    assert p.returncode == 2
    assert p.stderr.startswith("usage: postern [-d DIR] COMMAND")
