"""A private PostgreSQL server for tests: initdb and pg_ctl of Debian's
postgresql package in a temporary directory, listening on 127.0.0.1 on a
free port only (and a Unix socket in that directory), never a system
instance.  initdb refuses root, so as root the server runs as the
`postgres` user (the package makes it), else as the caller.

Clients log in as role `postern` with a password (scram-sha-256 over
TCP), so the tests exercise store_password_file as production does.

    with PgServer() as pg:
        pg.uri          # postgresql://postern@127.0.0.1:PORT/postern
        pg.password_file
        pg.stop(); pg.start()

As a program it runs a command with POSTERN_TEST_PG (the URI) and
POSTERN_TEST_PG_PASSWORD_FILE set, for the store's unit tests:

    python3 test/integration/pgserver.py CMD [ARGS...]

If PostgreSQL is not installed, available() says why; the program then
prints that it skips and exits 0 (`make deps` installs it).
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PASSWORD = "pg-test-secret-7c1e"


def bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def available():
    """None if a server can be started here, else why not."""
    if bindir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "no postgres user to run PostgreSQL as"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self):
        why = available()
        if why:
            raise RuntimeError(why)
        self.bin = bindir()
        self.tmp = tempfile.mkdtemp(prefix="postern-pg-")
        os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")
        self.port = _free_port()
        self.user = None
        self.running = False
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self.password_file = os.path.join(self.tmp, "password")
        with open(self.password_file, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(self.password_file, 0o644)
        self.uri = "postgresql://postern@127.0.0.1:%d/postern" % self.port
        self._initdb()
        self.start()
        self._setup()

    def _run(self, *args, check=True, timeout=120):
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True,
                              check=check, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def _initdb(self):
        pwfile = os.path.join(self.tmp, "superpw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        self._run(os.path.join(self.bin, "initdb"), "-D", self.data,
                  "-U", "admin", "--pwfile", pwfile, "-A", "scram-sha-256",
                  "--auth-local=trust", "-E", "UTF8", "--locale=C")
        os.unlink(pwfile)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("listen_addresses = '127.0.0.1'\n"
                    "port = %d\n"
                    "unix_socket_directories = '%s'\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "max_connections = 200\n"
                    "shared_buffers = 32MB\n" % (self.port, self.tmp))

    def start(self):
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l",
                  os.path.join(self.tmp, "log"), "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode="fast"):
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m",
                  mode, "-w", "-t", "60", "stop", check=False)
        self.running = False

    def pids(self):
        """The postmaster and every process it started."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            top = int(f.readline())
        out = [top]
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % name) as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == top:
                out.append(int(name))
        return out

    def psql(self, sql, db="postern"):
        """Run sql as the superuser over the Unix socket; its output."""
        r = self._run(os.path.join(self.bin, "psql"), "-h", self.tmp, "-p",
                      str(self.port), "-U", "admin", "-d", db, "-XAtq",
                      "-v", "ON_ERROR_STOP=1", "-c", sql)
        return r.stdout

    def _setup(self):
        self.psql("CREATE ROLE postern LOGIN PASSWORD '%s'" % PASSWORD,
                  db="postgres")
        self.psql("CREATE DATABASE postern OWNER postern", db="postgres")

    def reset(self):
        """An empty database again (between tests)."""
        self.psql("DROP DATABASE IF EXISTS postern WITH (FORCE)",
                  db="postgres")
        self.psql("CREATE DATABASE postern OWNER postern", db="postgres")

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    why = available()
    if why:
        print("pgserver: SKIPPED the PostgreSQL run of %s: %s"
              % (" ".join(argv), why))
        return 0
    t = time.time()
    with PgServer() as pg:
        env = dict(os.environ, POSTERN_TEST_PG=pg.uri,
                   POSTERN_TEST_PG_PASSWORD_FILE=pg.password_file)
        print("pgserver: PostgreSQL on 127.0.0.1:%d (started in %.1fs)"
              % (pg.port, time.time() - t), flush=True)
        return subprocess.run(argv, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
