/*
 * imap: Dovecot's configuration, written from postern.conf, and the
 * process that keeps Dovecot running.  See imap.h and docs/IMAP.md.
 *
 * Who runs as whom.  Started as root, the supervisor stays root: Dovecot's
 * master needs it to bind 143/993 and to start its login, auth and imap
 * processes as their own users (dovenull, dovecot, and the mailbox owner,
 * postern's user).  The supervisor reads nothing from the network: its
 * only input is Dovecot's log pipe and signals.  Started as another user,
 * everything runs as that user (Dovecot's rootless mode).
 *
 * Invariants: the configuration is rewritten, whole and atomically, at
 * every start, so it always follows postern.conf; Dovecot and the
 * supervisor die with their parent (PR_SET_PDEATHSIG), so no Dovecot
 * outlives `serve`; Dovecot is restarted one second after it dies, later
 * if it keeps dying.
 *
 * Failure: a missing Dovecot or helper, or an unusable path, stops
 * `serve` before it starts, with the reason and the fix.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/proc.h"
#include "core/tls.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/imap.h"

#define IMAP_CONF_MAX		(256 * 1024)
#define IMAP_HELPER		"postern-checkpassword"
#define IMAP_SOCKET		"auth-postern"
#define IMAP_RESTART_MS		1000	/* after a death */
#define IMAP_RESTART_MAX_MS	30000	/* when it keeps dying */
#define IMAP_STABLE_MS		60000	/* then the delay starts over */
#define IMAP_STOP_MS		2000	/* SIGTERM, then SIGKILL */
#define IMAP_LINE_MAX		2048

/* The special-use folders made and subscribed at first login. */
static const struct {
	const char	*name;
	const char	*use;
} imap_folders[] = {
	{ "Drafts", "\\Drafts" },
	{ "Sent", "\\Sent" },
	{ "Trash", "\\Trash" },
	{ "Junk", "\\Junk" },
	{ "Archive", "\\Archive" },
};

struct imap_certs {
	struct buf	*b;
	const char	*datadir;
};

/* The supervisor, between two events. */
struct imap_sup {
	const struct config	*cfg;
	char			 conf[PATH_MAX]; /* dovecot.conf */
	int			 sfd;		/* signalfd */
	int			 logfd;		/* Dovecot's stderr or -1 */
	pid_t			 pid;		/* its master, or -1 */
	uint64_t		 started;	/* its last start, ms */
	uint64_t		 restart_at;	/* its next start, ms */
	uint64_t		 delay;		/* after its next death */
	struct buf		 lines;		/* its log, a line at a time */
};

static void	cf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	imap_helper_path(char *, size_t);
static int	imap_install_helper(const char *, char *, size_t, char *,
		    size_t);
static int	imap_write_config(const struct config *, const char *,
		    const struct passwd *, const char *, char *, size_t);
static void	imap_conf_users(struct buf *, const struct passwd *);
static void	imap_conf_tls(struct buf *, const struct config *,
		    const char *);
static void	imap_conf_cert(void *, const char *, const char *);
static void	imap_conf_listeners(struct buf *, const struct config *);
static unsigned	imap_port(const struct config_listen *);
static void	imap_conf_mail(struct buf *, const struct config *);
static int	imap_socket(const char *, const struct passwd *, char *,
		    size_t);
static int	imap_check_config(const struct config *, const char *, char *,
		    size_t);
static int	imap_mkdir(const char *, mode_t, char *, size_t);
static pid_t	imap_start(const char *, const char *, int *);
static void	imap_log_lines(struct buf *, int);
static void	imap_log_read(struct imap_sup *);
static void	imap_stop(struct imap_sup *);
static void	imap_exit(struct imap_sup *) __attribute__((noreturn));
static int	imap_signals(void);
static void	imap_start_due(struct imap_sup *);
static void	imap_died(struct imap_sup *, int);
static void	imap_signal(struct imap_sup *);

static int	cf_failed;	/* an append did not fit: no config */

/* Append to the configuration being written; remember a failure. */
static void
cf(struct buf *b, const char *fmt, ...)
{
	char	line[3 * PATH_MAX + 256];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    buf_append(b, line, (size_t)n) == -1)
		cf_failed = 1;
}

int
imap_enabled(const struct config *cfg)
{
	return cfg->imap == IMAP_DOVECOT &&
	    cfg->nlisten[LISTEN_IMAP] + cfg->nlisten[LISTEN_IMAPS] > 0;
}

/* The helper sits beside the postern binary (build/ or /usr/sbin). */
static int
imap_helper_path(char *out, size_t outsz)
{
	char	self[PATH_MAX], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	return util_snprintf(out, outsz, "%s/%s", self, IMAP_HELPER);
}

/*
 * Dovecot's auth process runs the helper as its own user (dovecot), who
 * may not reach the build or install directory (a clone under /root):
 * a copy goes into DIR/dovecot/, beside the socket it talks to, at every
 * start.  Those two must be reachable by that user, which is checked.
 */
static int
imap_install_helper(const char *datadir, char *out, size_t outsz, char *err,
    size_t errsz)
{
	struct passwd	 dvbuf, *dv = NULL;
	struct stat	 sb;
	char		 src[PATH_MAX], dir[PATH_MAX], why[PATH_MAX + 64];
	char		 dvstr[1024];
	char		*data = NULL;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	if (imap_helper_path(src, sizeof(src)) == -1 ||
	    (fd = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > 16 * 1024 * 1024) {
		snprintf(err, errsz, "%s: the IMAP login helper is missing "
		    "beside the postern binary (make builds it)", src);
		goto done;
	}
	if ((data = malloc((size_t)sb.st_size + 1)) == NULL ||
	    (n = read(fd, data, (size_t)sb.st_size)) != sb.st_size ||
	    util_snprintf(out, outsz, "%s/dovecot/%s", datadir,
	    IMAP_HELPER) == -1 || util_write_file_atomic(out, data,
	    (size_t)sb.st_size, 0755) == -1) {
		snprintf(err, errsz, "%s/dovecot/%s: cannot install the IMAP "
		    "login helper: %s", datadir, IMAP_HELPER, strerror(errno));
		goto done;
	}
	if (util_snprintf(dir, sizeof(dir), "%s/dovecot", datadir) != -1 &&
	    geteuid() == 0 && getpwnam_r("dovecot", &dvbuf, dvstr,
	    sizeof(dvstr), &dv) == 0 && dv != NULL &&
	    util_user_can_reach(dir, dv, why, sizeof(why)) == 0) {
		snprintf(err, errsz, "%s: Dovecot's user dovecot cannot reach "
		    "it: %s; use a DIR it can reach (e.g. /var/lib/postern)",
		    dir, why);
		goto done;
	}
	rc = 0;
done:
	free(data);
	if (fd != -1)
		close(fd);
	return rc;
}

int
imap_prepare(const struct config *cfg, const char *datadir,
    const struct passwd *pw, char *err, size_t errsz)
{
	char	helper[PATH_MAX], dir[PATH_MAX];

	if (access(cfg->dovecot, X_OK) == -1) {
		snprintf(err, errsz, "imap = dovecot, but %s cannot be run "
		    "(%s): install Dovecot (apt-get install dovecot-imapd), "
		    "or set imap = none in %s", cfg->dovecot, strerror(errno),
		    cfg->path);
		return -1;
	}
	if (strchr(datadir, ' ') != NULL) {
		snprintf(err, errsz, "%s: Dovecot's checkpassword cannot take "
		    "a path with a space; move DIR", datadir);
		return -1;
	}
	if (util_snprintf(dir, sizeof(dir), "%s/dovecot", datadir) == -1 ||
	    imap_mkdir(dir, 0755, err, errsz) == -1 ||
	    imap_install_helper(datadir, helper, sizeof(helper), err,
	    errsz) == -1 ||
	    util_snprintf(dir, sizeof(dir), "%s/dovecot/run", datadir) ==
	    -1 || imap_mkdir(dir, 0755, err, errsz) == -1 ||
	    util_snprintf(dir, sizeof(dir), "%s/dovecot/state", datadir) ==
	    -1 || imap_mkdir(dir, 0750, err, errsz) == -1)
		return -1;
	if (imap_write_config(cfg, datadir, pw, helper, err, errsz) == -1 ||
	    imap_check_config(cfg, datadir, err, errsz) == -1)
		return -1;
	return imap_socket(datadir, pw, err, errsz);
}

int
imap_prepare_external(const char *datadir, char *err, size_t errsz)
{
	char	dir[PATH_MAX];

	if (util_snprintf(dir, sizeof(dir), "%s/dovecot", datadir) == -1 ||
	    imap_mkdir(dir, 0755, err, errsz) == -1)
		return -1;
	return imap_socket(datadir, NULL, err, errsz);
}

static int
imap_mkdir(const char *dir, mode_t mode, char *err, size_t errsz)
{
	if (mkdir(dir, mode) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Dovecot's own processes: as root, its packaged users (dovenull for
 * the login processes, dovecot for the rest); mail processes run as the
 * mailbox owner, the only uid it will accept.  Not root: all as us.
 */
static void
imap_conf_users(struct buf *b, const struct passwd *pw)
{
	struct passwd	*me;
	uid_t		 uid = pw ? pw->pw_uid : getuid();
	gid_t		 gid = pw ? pw->pw_gid : getgid();

	if (geteuid() == 0)
		cf(b, "default_internal_user = dovecot\n"
		    "default_login_user = dovenull\n");
	else if ((me = getpwuid(getuid())) != NULL)
		cf(b, "default_internal_user = %s\n"
		    "default_login_user = %s\n", me->pw_name, me->pw_name);
	cf(b, "first_valid_uid = %lu\nlast_valid_uid = %lu\n"
	    "first_valid_gid = %lu\nlast_valid_gid = %lu\n",
	    (unsigned long)uid, (unsigned long)uid, (unsigned long)gid,
	    (unsigned long)gid);
}

static void
imap_conf_cert(void *arg, const char *dirname, const char *name)
{
	struct imap_certs	*c = arg;

	/* Dovecot matches the client's SNI against local_name */
	if (strchr(name, '"') != NULL || strchr(name, '\\') != NULL)
		return;
	cf(c->b, "local_name \"%s\" {\n"
	    "  ssl_cert = <%s/certs/%s/fullchain.pem\n"
	    "  ssl_key = <%s/certs/%s/privkey.pem\n}\n", name, c->datadir,
	    dirname, c->datadir, dirname);
}

/* Postern's certificates, the hostname's as default, each name by SNI. */
static void
imap_conf_tls(struct buf *b, const struct config *cfg, const char *datadir)
{
	struct imap_certs	c = { b, datadir };
	char			path[PATH_MAX];

	if (util_snprintf(path, sizeof(path), "%s/certs/%s/fullchain.pem",
	    datadir, cfg->hostname) == -1 || access(path, R_OK) == -1)
		path[0] = '\0';
	cf(b, "ssl = yes\nssl_min_protocol = TLSv1.2\n"
	    "ssl_prefer_server_ciphers = yes\n");
	if (path[0] != '\0')
		cf(b, "ssl_cert = <%s/certs/%s/fullchain.pem\n"
		    "ssl_key = <%s/certs/%s/privkey.pem\n", datadir,
		    cfg->hostname, datadir, cfg->hostname);
	(void)tls_cert_names(datadir, imap_conf_cert, &c);
}

static unsigned
imap_port(const struct config_listen *l)
{
	const struct sockaddr_in	*in = (const void *)&l->ss;
	const struct sockaddr_in6	*in6 = (const void *)&l->ss;

	return ntohs(l->ss.ss_family == AF_INET6 ? in6->sin6_port :
	    in->sin_port);
}

/*
 * One inet_listener per address.  The first of each kind takes Dovecot's
 * own name (imap, imaps), so its built-in 143/993 listeners never open
 * on their own; a kind with no address gets port 0 (off).
 */
static void
imap_conf_listeners(struct buf *b, const struct config *cfg)
{
	static const char *names[] = { "imap", "imaps" };
	char		 addr[64], *colon;
	size_t		 i;
	int		 k;

	cf(b, "service imap-login {\n");
	for (k = 0; k < 2; k++) {
		const struct config_listen *l = cfg->listen[LISTEN_IMAP + k];

		if (cfg->nlisten[LISTEN_IMAP + k] == 0)
			cf(b, "  inet_listener %s {\n    port = 0\n"
			    "  }\n", names[k]);
		for (i = 0; i < cfg->nlisten[LISTEN_IMAP + k]; i++) {
			util_addr_str((const struct sockaddr *)&l[i].ss, addr,
			    sizeof(addr));
			if ((colon = strchr(addr, ':')) != NULL &&
			    strncmp(addr, "IPv6:", 5) == 0)
				memmove(addr, colon + 1, strlen(colon));
			if (i > 0)
				cf(b, "  inet_listener %s_%zu {\n", names[k],
				    i);
			else
				cf(b, "  inet_listener %s {\n", names[k]);
			cf(b, "    address = %s\n    port = %u\n%s  }\n", addr,
			    imap_port(&l[i]), k ? "    ssl = yes\n" : "");
		}
	}
	/*
	 * High-performance login mode: a platform's worker logs in to
	 * hundreds of mailboxes a minute; a process per connection costs a
	 * fork each.  imap processes are reused too (256 sessions each, a
	 * few kept ready): measured 109 -> 216 logins/s and 14.7 -> 5.9 ms
	 * of server CPU per login (docs/BENCHMARKS.md).  Every mailbox
	 * belongs to the one Unix user, so a process that serves several
	 * mailboxes in turn can reach no more than each of them alone.
	 */
	cf(b, "  service_count = 0\n  process_min_avail = 2\n"
	    "  vsz_limit = 1G\n}\n"
	    "service imap {\n  process_limit = 4096\n"
	    "  service_count = 256\n  process_min_avail = 4\n}\n"
	    "service stats {\n  inet_listener http {\n    port = 0\n  }\n}\n");
	/*
	 * No auth penalty: Dovecot would slow every login from an address
	 * after a few failures there, and a platform's one address carries
	 * hundreds of mailboxes.  Postern's own lock (per mailbox, and per
	 * address only across many usernames) applies instead.  The
	 * documented switch: the penalty socket no process may open.
	 */
	cf(b, "service anvil {\n  unix_listener anvil-auth-penalty {\n"
	    "    mode = 0\n  }\n}\n");
}

/* The Maildir postern delivers to, laid out as platforms expect. */
static void
imap_conf_mail(struct buf *b, const struct config *cfg)
{
	size_t	i;

	cf(b, "mail_location = maildir:~/Maildir\n"
	    "namespace inbox {\n  inbox = yes\n  separator = /\n"
	    "  prefix =\n");
	for (i = 0; i < sizeof(imap_folders) / sizeof(imap_folders[0]); i++)
		cf(b, "  mailbox %s {\n    special_use = %s\n"
		    "    auto = subscribe\n  }\n", imap_folders[i].name,
		    imap_folders[i].use);
	/* quota's count backend only to refuse APPENDs above SIZE */
	cf(b, "}\nmail_plugins = $mail_plugins quota\n"
	    "plugin {\n  quota = count:postern\n  quota_vsizes = yes\n"
	    "  quota_max_mail_size = %llu\n}\n"
	    "protocol imap {\n  mail_max_userip_connections = %u\n}\n",
	    (unsigned long long)cfg->max_message_size,
	    cfg->imap_max_userip_connections);
}

static int
imap_write_config(const struct config *cfg, const char *datadir,
    const struct passwd *pw, const char *helper, char *err, size_t errsz)
{
	struct buf	b;
	char		path[PATH_MAX], date[64];
	int		rc = -1;

	util_rfc5322_date(date, sizeof(date));
	buf_init(&b, IMAP_CONF_MAX);
	cf_failed = 0;
	cf(&b, "# Dovecot for postern, written by `postern serve` on "
	    "%s\n# from %s.  Rewritten at every start: edit postern.conf, "
	    "not this.\n", date, cfg->path);
	cf(&b, "base_dir = %s/dovecot/run\n"
	    "state_dir = %s/dovecot/state\ninstance_name = postern\n"
	    "protocols = imap\n"
	    "log_path = /dev/stderr\nlog_timestamp =\n"
	    "login_greeting = Postern IMAP ready.\n", datadir, datadir);
	imap_conf_users(&b, pw);
	imap_conf_tls(&b, cfg, datadir);
	/*
	 * Logins: every password goes to postern's auth process, which
	 * normalises the username itself, so Dovecot leaves it as sent
	 * (the hints need the raw text).  LOGIN and AUTHENTICATE PLAIN
	 * after TLS only (LOGINDISABLED before).
	 */
	cf(&b, "disable_plaintext_auth = yes\n"
	    "auth_mechanisms = plain login\nauth_username_chars =\n"
	    "auth_username_format =\n"
	    "passdb {\n  driver = checkpassword\n  args = %s %s/dovecot/%s\n"
	    "}\nuserdb {\n  driver = prefetch\n}\n", helper, datadir,
	    IMAP_SOCKET);
	imap_conf_mail(&b, cfg);
	imap_conf_listeners(&b, cfg);
	if (util_snprintf(path, sizeof(path), "%s/dovecot/dovecot.conf",
	    datadir) == -1 || cf_failed)
		snprintf(err, errsz, "%s/dovecot/dovecot.conf: too long",
		    datadir);
	else if (util_write_file_atomic(path, buf_str(&b), b.len, 0644) ==
	    -1)
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	else
		rc = 0;
	buf_free(&b);
	return rc;
}

/*
 * Dovecot reads the file once before it is run for good (dovecot -n), so
 * a configuration it refuses stops `serve` with Dovecot's own words
 * instead of a restart loop.
 */
static int
imap_check_config(const struct config *cfg, const char *datadir, char *err,
    size_t errsz)
{
	char	cmd[2 * PATH_MAX + 64], line[512];
	FILE	*p;
	int	status;

	if (util_snprintf(cmd, sizeof(cmd), "'%s' -c '%s/dovecot/dovecot.conf' "
	    "-n 2>&1 >/dev/null", cfg->dovecot, datadir) == -1 ||
	    strchr(cfg->dovecot, '\'') != NULL || strchr(datadir, '\'') !=
	    NULL) {
		snprintf(err, errsz, "%s: unusable path for Dovecot", datadir);
		return -1;
	}
	if ((p = popen(cmd, "re")) == NULL) {
		snprintf(err, errsz, "%s: %s", cfg->dovecot, strerror(errno));
		return -1;
	}
	line[0] = '\0';
	while (fgets(line, sizeof(line), p) != NULL &&
	    strstr(line, "Fatal") == NULL)
		;
	status = pclose(p);
	if (status == 0)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	snprintf(err, errsz, "Dovecot refuses %s/dovecot/dovecot.conf: %s",
	    datadir, line[0] ? line : "(no reason given)");
	return -1;
}

/*
 * The socket postern-checkpassword connects to, as Dovecot's auth
 * process user: root's group dovecot may connect (0660); not root, only
 * we may (0600).  Bound here, answered by the auth process.
 */
static int
imap_socket(const char *datadir, const struct passwd *pw, char *err,
    size_t errsz)
{
	struct sockaddr_un	 sun;
	struct group		*gr;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (util_snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dovecot/%s",
	    datadir, IMAP_SOCKET) == -1) {
		snprintf(err, errsz, "%s/dovecot/%s: path too long for a "
		    "socket (at most %zu bytes)", datadir, IMAP_SOCKET,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	(void)unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 128) == -1) {
		snprintf(err, errsz, "%s: %s", sun.sun_path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (geteuid() == 0 && (gr = getgrnam("dovecot")) != NULL) {
		if (chown(sun.sun_path, 0, gr->gr_gid) == -1 ||
		    chmod(sun.sun_path, 0660) == -1)
			goto fail;
	} else if (chmod(sun.sun_path, 0600) == -1)
		goto fail;
	(void)pw;
	return fd;
fail:
	snprintf(err, errsz, "%s: %s", sun.sun_path, strerror(errno));
	close(fd);
	return -1;
}

/* Dovecot in the foreground, its stderr (all its logs) into *logfd. */
static pid_t
imap_start(const char *dovecot, const char *conf, int *logfd)
{
	int	p[2];
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("imap: pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("imap: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t	none;

		/* a mask survives exec: Dovecot must get its SIGCHLDs */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* never outlive the supervisor (kill -9 of serve included) */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(1);
		/* its own group: a stop that overruns kills all of it */
		(void)setpgid(0, 0);
		if (dup2(p[1], STDOUT_FILENO) == -1 ||
		    dup2(p[1], STDERR_FILENO) == -1)
			_exit(1);
		execl(dovecot, "dovecot", "-F", "-c", conf, (char *)NULL);
		fprintf(stderr, "master: Fatal: exec %s: %s\n", dovecot,
		    strerror(errno));
		_exit(1);
	}
	close(p[1]);
	*logfd = p[0];
	return pid;
}

/* Whole lines from Dovecot into our log, at the level Dovecot gave. */
static void
imap_log_lines(struct buf *b, int final)
{
	char		 esc[IMAP_LINE_MAX * 2];
	const char	*s;
	char		*nl;
	size_t		 n;

	while (b->len > 0 && ((nl = memchr(b->data, '\n', b->len)) != NULL ||
	    final || b->len >= IMAP_LINE_MAX)) {
		n = nl ? (size_t)(nl - b->data) : b->len;
		if (n > IMAP_LINE_MAX)
			n = IMAP_LINE_MAX;
		log_printable(esc, sizeof(esc), b->data, n);
		s = esc;
		if (strstr(s, "anvil-auth-penalty") != NULL)
			log_debug("dovecot: %s (auth penalty off, as "
			    "configured)", s);
		else if (strstr(s, ": Error: ") || strstr(s, ": Fatal: ") ||
		    strstr(s, ": Panic: ") || strstr(s, ": Warning: "))
			log_warnx("dovecot: %s", s);
		else
			log_info("dovecot: %s", s);
		buf_consume(b, nl && (size_t)(nl - b->data) == n ? n + 1 : n);
	}
}

/* Dovecot's log pipe: what came into lines; at EOF or error, closed. */
static void
imap_log_read(struct imap_sup *s)
{
	char	chunk[4096];
	ssize_t	n;

	if ((n = read(s->logfd, chunk, sizeof(chunk))) > 0) {
		if (buf_append(&s->lines, chunk, (size_t)n) == -1)
			buf_reset(&s->lines);
		imap_log_lines(&s->lines, 0);
	} else if (n == 0 || errno != EINTR) {
		imap_log_lines(&s->lines, 1);
		close(s->logfd);
		s->logfd = -1;
	}
}

/*
 * SIGTERM lets Dovecot close its sessions; its master then waits for
 * its helper processes, three to six seconds for nothing, so past
 * IMAP_STOP_MS the whole group is killed (Maildir and Dovecot's indexes
 * are made to survive that).  Until then the supervisor sleeps in poll
 * on its signalfd (SIGCHLD: Dovecot is gone) and the log pipe, whose
 * last lines are still read.
 */
static void
imap_stop(struct imap_sup *s)
{
	uint64_t		 deadline = util_monotonic_ms() + IMAP_STOP_MS;
	uint64_t		 now;
	struct pollfd		 pfd[2];
	struct signalfd_siginfo	 si;
	int			 status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	while (waitpid(s->pid, &status, WNOHANG) == 0) {
		if ((now = util_monotonic_ms()) >= deadline) {
			log_debug("imap: Dovecot still stopping after %d ms; "
			    "killing it", IMAP_STOP_MS);
			kill(-s->pid, SIGKILL);
			(void)waitpid(s->pid, &status, 0);
			break;
		}
		pfd[0].fd = s->sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->logfd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, s->logfd != -1 ? 2 : 1, (int)(deadline - now)) ==
		    -1 && errno != EINTR)
			deadline = now;	/* cannot wait: kill it */
		/* a signal, SIGCHLD or not: waitpid() above tells */
		if (pfd[0].revents & POLLIN)
			(void)read(s->sfd, &si, sizeof(si));
		if (s->logfd != -1 && (pfd[1].revents & (POLLIN | POLLHUP)))
			imap_log_read(s);
	}
	kill(-s->pid, SIGKILL);	/* nothing of it may linger */
	imap_log_lines(&s->lines, 1);
}

/* serve stops (ctl), or SIGTERM/SIGINT: stop Dovecot and leave. */
static void
imap_exit(struct imap_sup *s)
{
	imap_stop(s);
	log_info("imap: Dovecot stopped");
	exit(0);
}

/* The signals the supervisor takes, blocked and read from a signalfd. */
static int
imap_signals(void)
{
	sigset_t	set;
	int		sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("imap: signalfd");
	return sfd;
}

/* Start Dovecot when it is not running and its restart is due. */
static void
imap_start_due(struct imap_sup *s)
{
	if (s->pid != -1 || util_monotonic_ms() < s->restart_at)
		return;
	if ((s->pid = imap_start(s->cfg->dovecot, s->conf, &s->logfd)) > 0)
		log_info("imap: Dovecot started (pid %ld)", (long)s->pid);
	s->started = util_monotonic_ms();
	if (s->pid == -1)
		s->restart_at = s->started + s->delay;
}

/* Dovecot died (status from waitpid): clear its group, plan a restart. */
static void
imap_died(struct imap_sup *s, int status)
{
	/*
	 * Its login and imap processes outlive a killed master for a
	 * while, holding the listening sockets: clear the group, or the
	 * next master cannot bind.
	 */
	kill(-s->pid, SIGKILL);
	if (WIFSIGNALED(status))
		log_warnx("imap: Dovecot killed by signal %d; restarting",
		    WTERMSIG(status));
	else
		log_warnx("imap: Dovecot exited with status %d; restarting",
		    WEXITSTATUS(status));
	/* a Dovecot that keeps dying gets retried less and less */
	if (util_monotonic_ms() - s->started >= IMAP_STABLE_MS)
		s->delay = IMAP_RESTART_MS;
	s->restart_at = util_monotonic_ms() + s->delay;
	s->delay = s->delay * 2 > IMAP_RESTART_MAX_MS ? IMAP_RESTART_MAX_MS :
	    s->delay * 2;
	s->pid = -1;
}

/* A signal on the signalfd: stop, reload (SIGHUP), or reap Dovecot. */
static void
imap_signal(struct imap_sup *s)
{
	struct signalfd_siginfo	si;
	int			status;

	if (read(s->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
		imap_exit(s);
	/* Dovecot's master reads its configuration and certificates again
	   and starts new login processes with them */
	if (si.ssi_signo == SIGHUP && s->pid > 0) {
		log_info("imap: reload: Dovecot");
		kill(s->pid, SIGHUP);
	}
	if (si.ssi_signo == SIGCHLD && s->pid > 0 &&
	    waitpid(s->pid, &status, WNOHANG) == s->pid)
		imap_died(s, status);
}

void
imap_main(const struct config *cfg, const char *datadir, int ctl)
{
	struct imap_sup	s;
	struct pollfd	pfd[3];

	log_set_role("imap");
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		exit(0);	/* serve is already gone */
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.sfd = imap_signals();
	s.logfd = -1;
	s.pid = -1;
	s.delay = IMAP_RESTART_MS;
	if (util_snprintf(s.conf, sizeof(s.conf), "%s/dovecot/dovecot.conf",
	    datadir) == -1)
		fatalx("imap: path too long");
	buf_init(&s.lines, 4 * IMAP_LINE_MAX);
	for (;;) {
		imap_start_due(&s);
		pfd[0].fd = s.sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ctl;	/* EOF: serve stops, or died */
		pfd[1].events = POLLIN;
		pfd[2].fd = s.logfd;
		pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (poll(pfd, s.logfd != -1 ? 3 : 2, s.pid == -1 ? 200 : -1) ==
		    -1 && errno != EINTR)
			fatal("imap: poll");
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			imap_exit(&s);
		if (s.logfd != -1 && (pfd[2].revents & (POLLIN | POLLHUP)))
			imap_log_read(&s);
		if (pfd[0].revents & POLLIN)
			imap_signal(&s);
	}
}
