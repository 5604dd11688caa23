/*
 * cli: see cli.h.  init builds a complete data directory in a temporary
 * sibling and renames it into place, so an interrupted init leaves no
 * half-made directory behind and an existing one is never touched.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/password.h"
#include "core/smtp_parse.h"
#include "core/tls.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"

#define PASSWORD_STDIN_MAX	1024

static int	 cli_become_user(const struct config *);
static int	 cli_write_config(const char *, const char *);
static int	 init_options(int, char **, char *, size_t);
static int	 init_tree(const char *, const struct passwd *);
static int	 init_files(const char *, const char *);

int
cli_load_config(const char *datadir, struct config *cfg)
{
	char	path[PATH_MAX], err[PATH_MAX + 256];

	config_defaults(cfg);
	snprintf(path, sizeof(path), "%s/postern.conf", datadir);
	if (config_load(cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "postern: %s\n", err);
		return -1;
	}
	store_configure(cfg->store, cfg->store_password_file,
	    cfg->store_timeout_ms);
	return 0;
}

/*
 * As root, act as the server's user so the database files SQLite creates
 * (-wal, -shm) stay usable by the auth process.  Only the effective ids
 * change: cli_as_invoker() switches back for files that belong to the
 * operator, such as a provisioning CSV.
 */
static uid_t	cli_uid = (uid_t)-1;
static gid_t	cli_gid = (gid_t)-1;

static int
cli_become_user(const struct config *cfg)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		fprintf(stderr, "postern: user %s does not exist; create it "
		    "with: useradd --system --no-create-home --shell "
		    "/usr/sbin/nologin %s\n", cfg->user, cfg->user);
		return -1;
	}
	cli_uid = pw->pw_uid;
	cli_gid = pw->pw_gid;
	if (setegid(cli_gid) == -1 || seteuid(cli_uid) == -1) {
		fprintf(stderr, "postern: cannot switch to user %s: %s\n",
		    cfg->user, strerror(errno));
		return -1;
	}
	return 0;
}

int
cli_as_invoker(int on)
{
	if (cli_uid == (uid_t)-1)
		return 0;	/* never switched */
	if (on)
		return seteuid(0) == -1 || setegid(0) == -1 ? -1 : 0;
	return setegid(cli_gid) == -1 || seteuid(cli_uid) == -1 ? -1 : 0;
}

int
cli_server_user(const char *datadir)
{
	struct config	cfg;

	if (cli_load_config(datadir, &cfg) == -1 ||
	    cli_become_user(&cfg) == -1)
		return -1;
	return 0;
}

struct store *
cli_store(const char *datadir, int create)
{
	struct config	 cfg;
	struct store	*st;
	struct passwd	*pw;
	char		 err[PATH_MAX + 256];

	if (cli_load_config(datadir, &cfg) == -1)
		return NULL;
	if (geteuid() == 0 && (pw = getpwnam(cfg.user)) != NULL &&
	    cli_reachable(datadir, pw, 0) == -1)
		return NULL;
	if (cli_become_user(&cfg) == -1)
		return NULL;
	if ((st = store_open(datadir, create, err, sizeof(err))) == NULL)
		fprintf(stderr, "postern: account store: %s\n", err);
	return st;
}

static int
cli_write_config(const char *path, const char *hostname)
{
	char	text[2048], date[64];

	util_rfc5322_date(date, sizeof(date));
	if (util_snprintf(text, sizeof(text),
	    "# postern configuration, written by `postern init` on %s.\n"
	    "# key = value lines; lines starting with '#' are comments.\n"
	    "# See docs/CONFIG.md for every key.\n"
	    "\n"
	    "# The name this server answers with (banner, EHLO, Received:)\n"
	    "# and the default TLS certificate, certs/HOSTNAME/.\n"
	    "hostname = %s\n"
	    "\n"
	    "# Listeners: ADDR:PORT or [IPv6]:PORT, several separated by\n"
	    "# spaces; empty disables.  Production uses 587, 465 and 25.\n"
	    "submission = 127.0.0.1:2587\n"
	    "smtps = 127.0.0.1:2465\n"
	    "mx = 127.0.0.1:2525\n"
	    "\n"
	    "# IMAP for the same mailboxes, served by Dovecot, which serve\n"
	    "# starts (imap = none turns it off; docs/IMAP.md).  Production\n"
	    "# uses 143 (STARTTLS) and 993 (implicit TLS, what platforms dial).\n"
	    "imap_listen = 127.0.0.1:2143\n"
	    "imaps_listen = 127.0.0.1:2993\n"
	    "\n"
	    "# The admin HTTP listener: /metrics, /healthz/live and\n"
	    "# /healthz/ready (docs/API.md).  Keep it on loopback; another\n"
	    "# address needs admin_tls = yes.  Empty turns it off.\n"
	    "admin = 127.0.0.1:8480\n"
	    "\n"
	    "# Unprivileged user the server runs as when started as root.\n"
	    "user = postern\n"
	    "\n"
	    "max_message_size = 35M\n"
	    "max_recipients = 100\n"
	    "max_errors = 10\n"
	    "timeout_command = 5m\n"
	    "timeout_data = 3m\n"
	    "auth_mechanisms = PLAIN LOGIN\n"
	    "log_level = info\n", date, hostname) == -1)
		return -1;
	return util_write_file_atomic(path, text, strlen(text), 0644);
}

/*
 * The server drops to pw's user after binding: DIR (or, before init,
 * the directory that will hold it) must be reachable by that user, or
 * every open fails later with a bare "permission denied".  Says which
 * directory is in the way and how to fix it.
 */
int
cli_reachable(const char *datadir, const struct passwd *pw, int parent)
{
	char	 path[PATH_MAX], why[PATH_MAX + 64], *slash;
	int	 rc;

	if (util_strlcpy(path, datadir, sizeof(path)) == -1)
		return 0;	/* too long: init says so */
	if (parent && (slash = strrchr(path, '/')) != NULL)
		*(slash == path ? slash + 1 : slash) = '\0';
	if ((rc = util_user_can_reach(path, pw, why, sizeof(why))) != 0)
		return 0;	/* reachable, or not ours to judge here */
	fprintf(stderr, "postern: %s: the server runs as user %s, which "
	    "cannot reach it: %s.\n"
	    "  Use a DIR that user can reach (e.g. /var/lib/postern), or "
	    "let it through:\n    chmod o+x %.*s\n", datadir, pw->pw_name,
	    why, (int)(strstr(why, " is mode") ? strstr(why, " is mode") -
	    why : 0), why);
	return -1;
}

int
cli_init(const char *datadir, int argc, char **argv)
{
	struct passwd	*pw = NULL;
	struct store	*st;
	struct stat	 sb;
	char		 host[CONFIG_HOST_MAX + 1], tmp[PATH_MAX];
	int		 rc;

	if ((rc = init_options(argc, argv, host, sizeof(host))) != 0)
		return rc;
	if (stat(datadir, &sb) == 0) {
		fprintf(stderr, "postern: %s already exists; leaving it "
		    "untouched (remove it first to start over)\n", datadir);
		return 1;
	}
	if (geteuid() == 0 && (pw = getpwnam("postern")) == NULL) {
		fprintf(stderr, "postern: running as root, but user postern "
		    "does not exist; create it with: useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin postern\n");
		return 1;
	}
	if (pw != NULL && cli_reachable(datadir, pw, 1) == -1)
		return 1;
	if (util_snprintf(tmp, sizeof(tmp), "%s.init-%ld", datadir,
	    (long)getpid()) == -1) {
		fprintf(stderr, "postern: %s: path too long\n", datadir);
		return 1;
	}
	if (init_tree(tmp, pw) == -1 || init_files(tmp, host) == -1)
		goto fail;
	if (rename(tmp, datadir) == -1) {
		fprintf(stderr, "postern: %s: %s\n", datadir, strerror(errno));
		goto fail;
	}
	if ((st = cli_store(datadir, 1)) == NULL)
		return 1;
	store_close(st);
	printf("postern: created %s for host %s (self-signed certificate in "
	    "%s/certs/%s)\n", datadir, host, datadir, host);
	return 0;
fail:
	fprintf(stderr, "postern: init failed; partial directory left at %s\n",
	    tmp);
	return 1;
}

/* --hostname HOST, else this machine's name: 0, or 2 after the usage. */
static int
init_options(int argc, char **argv, char *host, size_t hostsz)
{
	int	i;

	if (gethostname(host, hostsz) == -1 || !smtp_valid_domain(host))
		util_strlcpy(host, "localhost", hostsz);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--hostname") == 0 && i + 1 < argc) {
			util_strlcpy(host, argv[++i], hostsz);
			continue;
		}
		if (strcmp(argv[i], "--hostname") == 0)
			fprintf(stderr, "postern: init: --hostname needs a "
			    "value\n");
		else if (argv[i][0] == '-')
			fprintf(stderr, "postern: init: unknown option "
			    "'%.64s'\n", argv[i]);
		else
			fprintf(stderr, "postern: init: too many arguments "
			    "('%.64s')\n", argv[i]);
		fprintf(stderr, "usage: postern -d DIR init "
		    "[--hostname HOST]\n");
		return 2;
	}
	if (!smtp_valid_domain(host) || strlen(host) > CONFIG_HOST_MAX) {
		fprintf(stderr, "postern: init: '%s' is not a valid host name\n",
		    host);
		return 2;
	}
	util_lower(host);
	return 0;
}

/*
 * The directories of DIR, in creation order: the server's user owns
 * those only it may read (own), root the rest.
 */
static const struct {
	const char	*sub;
	mode_t		 mode;
	int		 own;
} init_dirs[] = {
	{ "", 0755, 0 },
	{ "/certs", 0755, 0 },
	{ "/db", 0700, 1 },
	{ "/spool", 0700, 1 },
	{ "/spool/queue", 0700, 1 },
	{ "/spool/cmd", 0700, 1 },
	{ "/mail", 0700, 1 },
	{ "/empty", 0755, 0 },
};

/* The directories under tmp.  0, or -1 after saying why. */
static int
init_tree(const char *tmp, const struct passwd *pw)
{
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < sizeof(init_dirs) / sizeof(init_dirs[0]); i++) {
		mode_t	mode = init_dirs[i].mode;

		if (util_snprintf(path, sizeof(path), "%s%s", tmp,
		    init_dirs[i].sub) == -1 || mkdir(path, mode) == -1 ||
		    chmod(path, mode) == -1 || (init_dirs[i].own && pw &&
		    chown(path, pw->pw_uid, pw->pw_gid) == -1)) {
			fprintf(stderr, "postern: %s: %s\n", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* postern.conf and the self-signed certificate.  0, or -1 after saying
   why. */
static int
init_files(const char *tmp, const char *host)
{
	char	path[PATH_MAX], err[PATH_MAX + 256];

	if (util_snprintf(path, sizeof(path), "%s/postern.conf", tmp) == -1 ||
	    cli_write_config(path, host) == -1) {
		fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (util_snprintf(path, sizeof(path), "%s/certs/%s", tmp, host) == -1 ||
	    tls_selfsigned(path, host, err, sizeof(err)) == -1) {
		fprintf(stderr, "postern: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * One line from stdin; the line end is stripped (CRLF or LF) so that
 * `echo pw | postern ... --password-stdin` does what people expect.
 */
int
cli_read_password(char *pw, size_t pwsz)
{
	size_t	n = 0;
	int	c;

	while ((c = getchar()) != EOF && c != '\n') {
		if (n + 1 >= pwsz) {
			explicit_bzero(pw, pwsz);
			return -1;
		}
		pw[n++] = (char)c;
	}
	if (n > 0 && pw[n - 1] == '\r')
		n--;
	pw[n] = '\0';
	return n > 0 ? 0 : -1;
}

void
cli_time(int64_t t, char *out, size_t outsz)
{
	util_time_utc(t, out, outsz);
}

/* The grammar the SMTP side applies to MAIL FROM, ASCII only. */
int
cli_address(const char *in, char *out, size_t outsz)
{
	return smtp_parse_mailbox(in, out, outsz);
}
