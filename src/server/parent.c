/*
 * parent: the small privileged process behind `postern serve`.  It reads
 * the configuration, binds every listener and loads the TLS keys while it
 * may (root), then forks the auth, queue and smtp processes, each of
 * which drops to the unprivileged user (the smtp process also chroots
 * into DATADIR/empty).  This process keeps root, as OpenSMTPD's parent
 * does, for one job: reading the TLS keys again on SIGHUP (certbot
 * leaves them root-only); it talks to nobody but its children and never
 * parses input from the network.  Afterwards it only waits: SIGTERM/
 * SIGINT are passed to the smtp process, which drains its sessions and
 * exits; the queue and auth processes then see their sockets close and
 * exit after their last piece of work.  If any child dies on its own,
 * the others are stopped and serve exits non-zero.
 *
 * Service manager (sdnotify.h): READY=1 once the smtp process says it
 * accepts sessions (every child is forked by then); RELOADING=1, then
 * READY=1 when the smtp process has the new certificates; STOPPING=1.
 *
 * Reload (SIGHUP): postern.conf is read again; the smtp limits and
 * timeouts go to the smtp process (IPC_CONF), every other key that
 * changed is named in the log as needing a restart (docs/CONFIG.md);
 * the certificates are read again and sent to the smtp process
 * (IPC_TLS_PAIR), which swaps its contexts for new sessions only.
 * If this process dies, the children follow at once (lifeline.h).
 * When not started as root, the same processes run without the uid
 * switch (tests).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/proc.h"
#include "core/tls.h"
#include "lib/ipc.h"
#include "lib/lifeline.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "lib/util.h"
#include "core/metrics.h"
#include "server/admin.h"
#include "server/imap.h"
#include "store/store.h"

/*
 * LeakSanitizer reads /proc/PID/task when the process exits, which the
 * chroot hides; sanitizer builds (tests only) skip the chroot.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SMTP_CHROOT	0
#else
#define SMTP_CHROOT	1
#endif

enum child { CHILD_AUTH, CHILD_QUEUE, CHILD_SMTP, CHILD_IMAP, CHILD_ADMIN,
    CHILD_COUNT };

static const char *child_names[] = { "auth", "queue", "smtp", "imap",
    "admin" };

struct parent {
	struct config		 cfg;
	const char		*datadir;
	struct passwd		*pw;		/* &pwbuf: no static storage */
	struct passwd		 pwbuf;
	char			 pwstr[2048];
	struct smtp_listener	 ls[LISTEN_SMTP_COUNT * CONFIG_LISTEN_MAX];
	size_t			 nls;
	int			 admin_fd[CONFIG_LISTEN_MAX];
	size_t			 nadmin;
	SSL_CTX			*tls;
	int			 auth_sp[2];
	int			 queue_sp[2];
	int			 imap_fd;	/* Dovecot's login checks */
	int			 imap_ctl[2];	/* closed: the supervisor stops */
	int			 life[2];	/* [1] held by the parent only */
	int			 ctl_sp[2];	/* [0] parent, [1] smtp */
	int			 adm_sp[2];	/* [0] admin, [1] auth; -1 */
	int			 admq_sp[2];	/* [0] admin, [1] queue; -1 */
	struct config_text	 text;		/* postern.conf as started */
	struct ipc_msg		 msg;
	pid_t			 self;
	pid_t			 pid[CHILD_COUNT];
};

static int	parent_listen(struct parent *);
static int	parent_listen_admin(struct parent *);
static void	parent_close_admin(struct parent *);
static int	parent_check_datadir(struct parent *);
static pid_t	parent_fork(struct parent *, enum child);
static int	parent_wait(struct parent *);
static void	parent_stop_imap(struct parent *);
static int	parent_load(struct parent *);
static int	parent_prepare(struct parent *);
static void	parent_start(struct parent *);
static int	parent_await(struct parent *, uint32_t);
static void	parent_reload(struct parent *);
static void	parent_reload_conf(struct parent *);
static void	parent_send_pair(void *, const char *, const char *,
		    const char *);

static int
parent_listen(struct parent *p)
{
	const struct config_listen	*cl;
	size_t				 k, i;
	int				 fd, one = 1;

	for (k = 0; k < LISTEN_SMTP_COUNT; k++)
		for (i = 0; i < p->cfg.nlisten[k]; i++) {
			cl = &p->cfg.listen[k][i];
			fd = socket(cl->ss.ss_family, SOCK_STREAM |
			    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd == -1 || setsockopt(fd, SOL_SOCKET,
			    SO_REUSEADDR, &one, sizeof(one)) == -1 ||
			    (cl->ss.ss_family == AF_INET6 && setsockopt(fd,
			    IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ==
			    -1) || bind(fd, (const struct sockaddr *)&cl->ss,
			    cl->sslen) == -1 || listen(fd, 1024) == -1) {
				log_warn("cannot listen on %s (%s)", cl->text,
				    k == LISTEN_SUBMISSION ? "submission" :
				    k == LISTEN_SMTPS ? "smtps" : "mx");
				if (fd != -1)
					close(fd);
				return -1;
			}
			p->ls[p->nls].fd = fd;
			p->ls[p->nls].kind = (enum listen_kind)k;
			util_strlcpy(p->ls[p->nls].text, cl->text,
			    sizeof(p->ls[0].text));
			p->nls++;
			log_info("listening on %s (%s)", cl->text,
			    k == LISTEN_SUBMISSION ? "submission" :
			    k == LISTEN_SMTPS ? "smtps" : "mx");
		}
	if (parent_listen_admin(p) == -1)
		return -1;
	if (p->nls == 0) {
		log_warnx("%s: no listener configured (submission, smtps, mx)",
		    p->cfg.path);
		return -1;
	}
	return 0;
}

/* The admin HTTP listeners (server/admin.h), if any.  0 or -1. */
static int
parent_listen_admin(struct parent *p)
{
	const struct config_listen	*cl;
	size_t				 i;
	int				 fd, one = 1;

	for (i = 0; i < p->cfg.nlisten[LISTEN_ADMIN]; i++) {
		cl = &p->cfg.listen[LISTEN_ADMIN][i];
		fd = socket(cl->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == -1 || (cl->ss.ss_family == AF_INET6 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) == -1) || bind(fd, (const struct sockaddr *)
		    &cl->ss, cl->sslen) == -1 || listen(fd, 128) == -1) {
			log_warn("cannot listen on %s (admin)", cl->text);
			if (fd != -1)
				close(fd);
			return -1;
		}
		p->admin_fd[p->nadmin++] = fd;
		log_info("listening on %s (admin, %s)", cl->text,
		    p->cfg.admin_tls ? "https" : "http");
	}
	if (p->nadmin > 0 && metrics_open() == -1) {
		log_warn("metrics: shared page");
		return -1;
	}
	return 0;
}

static void
parent_close_admin(struct parent *p)
{
	size_t	i;

	for (i = 0; i < p->nadmin; i++)
		close(p->admin_fd[i]);
}

/* Directories added after a data directory may have been made. */
static int
parent_make_dirs(struct parent *p)
{
	static const char *dirs[] = { "mail", "spool/cmd" };
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->datadir, dirs[i]);
		if (mkdir(path, 0700) == -1) {
			if (errno == EEXIST)
				continue;
			log_warn("%s", path);
			return -1;
		}
		if (p->pw != NULL && chown(path, p->pw->pw_uid,
		    p->pw->pw_gid) == -1) {
			log_warn("chown %s", path);
			return -1;
		}
	}
	return 0;
}

static int
parent_check_datadir(struct parent *p)
{
	static const char *need[] = { "db/postern.db", "spool/queue",
	    "empty" };
	char		path[PATH_MAX];
	struct stat	sb;
	size_t		i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->datadir, need[i]);
		if (stat(path, &sb) == -1) {
			log_warn("%s", path);
			log_warnx("%s is not a complete postern data directory; "
			    "create one with: postern -d DIR init", p->datadir);
			return -1;
		}
	}
	return parent_make_dirs(p);
}

static pid_t
parent_fork(struct parent *p, enum child which)
{
	char		empty[PATH_MAX];
	sigset_t	none;
	pid_t		pid;
	size_t		i;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	snprintf(empty, sizeof(empty), "%s/empty", p->datadir);
	if (which != CHILD_SMTP) {
		for (i = 0; i < p->nls; i++)
			close(p->ls[i].fd);
		/* only smtp holds keys, and admin when it serves HTTPS */
		if (which != CHILD_ADMIN || !p->cfg.admin_tls)
			SSL_CTX_free(p->tls);
	}
	if (which != CHILD_ADMIN)
		parent_close_admin(p);
	if (p->adm_sp[0] != -1) {
		if (which != CHILD_ADMIN) {
			close(p->adm_sp[0]);
			close(p->admq_sp[0]);
		}
		if (which != CHILD_AUTH)
			close(p->adm_sp[1]);
		if (which != CHILD_QUEUE)
			close(p->admq_sp[1]);
	}
	/* smtp keeps [0] of both pairs, auth and queue their own [1] */
	if (which != CHILD_AUTH)
		close(p->auth_sp[1]);
	if (which != CHILD_QUEUE)
		close(p->queue_sp[1]);
	if (which != CHILD_SMTP) {
		close(p->auth_sp[0]);
		close(p->queue_sp[0]);
		close(p->ctl_sp[1]);
	}
	close(p->ctl_sp[0]);
	if (which != CHILD_AUTH && p->imap_fd != -1)
		close(p->imap_fd);
	if (p->imap_ctl[1] != -1) {
		close(p->imap_ctl[1]);
		if (which != CHILD_IMAP)
			close(p->imap_ctl[0]);
	}
	if (which == CHILD_IMAP) {	/* stays root: it runs Dovecot */
		/* its own pipe and death signal stop it and Dovecot */
		close(p->life[0]);
		close(p->life[1]);
		imap_main(&p->cfg, p->datadir, p->imap_ctl[0]);
	}
	if (p->pw != NULL && util_drop_privileges(p->pw,
	    (which == CHILD_SMTP || which == CHILD_ADMIN) && SMTP_CHROOT ?
	    empty : NULL) == -1)
		fatal("%s: cannot drop privileges to %s",
		    child_names[which], p->pw->pw_name);
	/* after the uid change, which would clear the death signal */
	lifeline_watch(p->life, p->self, child_names[which]);
	switch (which) {
	case CHILD_AUTH:
		auth_main(&p->cfg, p->datadir, p->auth_sp[1], p->imap_fd,
		    p->adm_sp[1]);
	case CHILD_QUEUE:
		queue_main(&p->cfg, p->datadir, p->queue_sp[1],
		    p->admq_sp[1]);
	case CHILD_ADMIN:
		admin_main(&p->cfg, p->cfg.admin_tls ? p->tls : NULL,
		    p->admin_fd, p->nadmin, p->adm_sp[0], p->admq_sp[0]);
	case CHILD_SMTP:
	default:
		smtp_main(&p->cfg, p->tls, p->ls, p->nls, p->auth_sp[0],
		    p->queue_sp[0], p->ctl_sp[1]);
	}
}

/*
 * Closing the pipe tells the IMAP supervisor to stop: the same end of
 * file it sees when this process dies, so there is one way to stop.
 */
static void
parent_stop_imap(struct parent *p)
{
	if (p->imap_ctl[1] != -1) {
		close(p->imap_ctl[1]);
		p->imap_ctl[1] = -1;
	}
}

static int
parent_wait(struct parent *p)
{
	sigset_t	set;
	int		sig, status, failed = 0, stopping = 0, alive, i;
	pid_t		pid;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	for (;;) {
		alive = 0;
		for (i = 0; i < CHILD_COUNT; i++)
			alive += p->pid[i] > 0;
		if (alive == 0)
			break;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			if (!stopping) {
				log_info("signal %d: stopping", sig);
				sdnotify("STOPPING=1");
			}
			stopping = 1;
			metrics_set_ready(0);
			if (p->pid[CHILD_SMTP] > 0)
				kill(p->pid[CHILD_SMTP], SIGTERM);
			parent_stop_imap(p);
			continue;
		}
		if (sig == SIGHUP) {
			if (!stopping && p->pid[CHILD_SMTP] > 0)
				parent_reload(p);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < CHILD_COUNT; i++)
				if (p->pid[i] == pid)
					break;
			if (i == CHILD_COUNT)
				continue;
			p->pid[i] = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			    (stopping || i != CHILD_SMTP))
				continue;
			if (WIFSIGNALED(status))
				log_warnx("%s process killed by signal %d",
				    child_names[i], WTERMSIG(status));
			else
				log_warnx("%s process exited with status %d",
				    child_names[i], WEXITSTATUS(status));
			failed = 1;
			/* one process gone means the server is broken */
			if (p->pid[CHILD_SMTP] > 0)
				kill(p->pid[CHILD_SMTP], SIGTERM);
		}
		/* IMAP and admin go with SMTP: nothing else stops them */
		if (p->pid[CHILD_SMTP] == 0) {
			parent_stop_imap(p);
			if (p->pid[CHILD_ADMIN] > 0)
				kill(p->pid[CHILD_ADMIN], SIGTERM);
		}
	}
	log_info("stopped%s", failed ? " after a failure" : "");
	return failed ? 1 : 0;
}

int
parent_serve(const char *datadir)
{
	static struct parent	 P;

	P.datadir = datadir;
	sdnotify_init();
	if (parent_load(&P) == -1 || parent_prepare(&P) == -1)
		return 1;
	parent_start(&P);
	return parent_wait(&P);
}

/* postern.conf, the logs' level and the server's user.  0 or -1. */
static int
parent_load(struct parent *p)
{
	char	err[PATH_MAX + 256], conf[PATH_MAX];

	config_defaults(&p->cfg);
	snprintf(conf, sizeof(conf), "%s/postern.conf", p->datadir);
	if (config_load(&p->cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "postern: %s\n", err);
		return -1;
	}
	log_init("parent", p->cfg.log_level);
	store_configure(p->cfg.store, p->cfg.store_password_file,
	    p->cfg.store_timeout_ms);	/* the children inherit it */
	/* getpwnam_r: a later getpw*() elsewhere must not change it */
	if (geteuid() == 0 && (getpwnam_r(p->cfg.user, &p->pwbuf, p->pwstr,
	    sizeof(p->pwstr), &p->pw) != 0 || p->pw == NULL)) {
		log_warnx("user %s does not exist; create it with: useradd "
		    "--system --no-create-home --shell /usr/sbin/nologin %s",
		    p->cfg.user, p->cfg.user);
		return -1;
	}
	if (p->pw != NULL && util_user_can_reach(p->datadir, p->pw, err,
	    sizeof(err)) == 0) {
		log_warnx("%s: the server runs as user %s, which cannot reach "
		    "it: %s; use a DIR that user can reach (e.g. "
		    "/var/lib/postern), or chmod o+x the directory in the way",
		    p->datadir, p->pw->pw_name, err);
		return -1;
	}
	return 0;
}

/*
 * What needs root, before any fork: DIR, the listeners, the TLS keys,
 * the IMAP socket, the children's socketpairs and the lifeline.  0 or
 * -1 after logging why.
 */
static int
parent_prepare(struct parent *p)
{
	char	err[PATH_MAX + 256];

	if (parent_check_datadir(p) == -1 || parent_listen(p) == -1)
		return -1;
	if ((p->tls = tls_server_init(p->datadir, p->cfg.hostname, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	p->imap_fd = p->imap_ctl[0] = p->imap_ctl[1] = -1;
	if (imap_enabled(&p->cfg) && ((p->imap_fd = imap_prepare(&p->cfg,
	    p->datadir, p->pw, err, sizeof(err))) == -1 ||
	    pipe2(p->imap_ctl, O_CLOEXEC) == -1)) {
		log_warnx("%s", p->imap_fd == -1 ? err : "pipe");
		return -1;
	}
	if (p->cfg.imap == IMAP_EXTERNAL && (p->imap_fd =
	    imap_prepare_external(p->datadir, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    p->auth_sp) == -1 || socketpair(AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC, 0, p->queue_sp) == -1 || socketpair(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->ctl_sp) == -1)
		fatal("socketpair");
	p->adm_sp[0] = p->adm_sp[1] = p->admq_sp[0] = p->admq_sp[1] = -1;
	if (p->nadmin > 0 && (socketpair(AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC, 0, p->adm_sp) == -1 || socketpair(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->admq_sp) == -1))
		fatal("socketpair");
	(void)config_text_load(&p->text, p->cfg.path);
	if (lifeline_open(p->life) == -1)
		fatal("pipe");
	p->self = getpid();
	return 0;
}

/*
 * Fork the children with the signals blocked (parent_wait takes them
 * with sigwait), close what only they need, and drop to the server's
 * user.
 */
static void
parent_start(struct parent *p)
{
	sigset_t	set;
	size_t		i;

	/* smtp talks on [0] of each pair; auth and queue on [1] */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	p->pid[CHILD_AUTH] = parent_fork(p, CHILD_AUTH);
	p->pid[CHILD_QUEUE] = parent_fork(p, CHILD_QUEUE);
	p->pid[CHILD_SMTP] = parent_fork(p, CHILD_SMTP);
	if (p->nadmin > 0)
		p->pid[CHILD_ADMIN] = parent_fork(p, CHILD_ADMIN);
	parent_close_admin(p);
	if (p->imap_ctl[0] != -1) {
		p->pid[CHILD_IMAP] = parent_fork(p, CHILD_IMAP);
		close(p->imap_ctl[0]);
	}
	if (p->imap_fd != -1)
		close(p->imap_fd);
	for (i = 0; i < p->nls; i++)
		close(p->ls[i].fd);
	close(p->auth_sp[0]);
	close(p->auth_sp[1]);
	close(p->queue_sp[0]);
	close(p->queue_sp[1]);
	close(p->ctl_sp[1]);
	if (p->adm_sp[0] != -1) {
		close(p->adm_sp[0]);
		close(p->adm_sp[1]);
		close(p->admq_sp[0]);
		close(p->admq_sp[1]);
	}
	close(p->life[0]);	/* [1] stays open until this process ends */
	SSL_CTX_free(p->tls);
	log_info("postern started: auth=%ld queue=%ld smtp=%ld imap=%ld "
	    "admin=%ld", (long)p->pid[CHILD_AUTH], (long)p->pid[CHILD_QUEUE],
	    (long)p->pid[CHILD_SMTP], (long)p->pid[CHILD_IMAP],
	    (long)p->pid[CHILD_ADMIN]);
	/* a dead smtp process: parent_wait reaps it and stops the rest */
	if (parent_await(p, IPC_SMTP_READY) == 0) {
		metrics_set_ready(1);
		sdnotify("READY=1\nSTATUS=accepting mail on %zu listener(s)",
		    p->nls);
	}
}

/*
 * Block until the smtp process sends a message of this type (others are
 * skipped).  The signals wait meanwhile (blocked).  0, or -1 when the
 * smtp process is gone.
 */
static int
parent_await(struct parent *p, uint32_t type)
{
	for (;;) {
		if (ipc_recv(p->ctl_sp[0], &p->msg) != 1)
			return -1;
		if (p->msg.type == type)
			return 0;
		log_warnx("unexpected message %u from smtp",
		    (unsigned)p->msg.type);
	}
}

/* SIGHUP: name the keys that need a restart, send the certificates. */
static void
parent_reload(struct parent *p)
{
	uint32_t	n = 0;
	int		pairs;

	log_info("SIGHUP: reloading");
	sdnotify_reloading();
	parent_reload_conf(p);
	if (p->pid[CHILD_IMAP] > 0)	/* root, like this process */
		kill(p->pid[CHILD_IMAP], SIGHUP);
	if ((pairs = tls_read_pairs(p->datadir, parent_send_pair, p)) == -1)
		log_warn("reload: %s/certs", p->datadir);
	ipc_msg_init(&p->msg, IPC_TLS_END, 0);
	if (ipc_send(p->ctl_sp[0], &p->msg) == -1 ||
	    parent_await(p, IPC_TLS_DONE) == -1 ||
	    ipc_get_u32(&p->msg, &n) == -1)
		log_warnx("reload: the smtp process did not answer");
	sdnotify("READY=1\nSTATUS=reloaded: %d certificate(s), %u name(s)",
	    pairs, (unsigned)n);
}

static void
parent_send_pair(void *arg, const char *name, const char *chain,
    const char *key)
{
	struct parent	*p = arg;

	ipc_msg_init(&p->msg, IPC_TLS_PAIR, 0);
	if (ipc_put_str(&p->msg, name) == -1 ||
	    ipc_put_str(&p->msg, chain) == -1 ||
	    ipc_put_str(&p->msg, key) == -1)
		log_warnx("reload: certs/%s: certificate and key too large",
		    name);
	else if (ipc_send(p->ctl_sp[0], &p->msg) == -1)
		log_warn("reload: sending certs/%s", name);
	explicit_bzero(p->msg.data, sizeof(p->msg.data));
}

/*
 * The smtp limits and timeouts (CONFIG_RELOAD rows) go to the smtp
 * process, which applies them to new sessions and commands; any other
 * key that changed is named: each process took its copy at fork.  A bad
 * file is reported the way serve would, and nothing is applied.
 */
static void
parent_reload_conf(struct parent *p)
{
	struct config		 c;
	struct config_text	 t;
	const char		*key;
	char			 err[PATH_MAX + 256];
	uint32_t		 v;
	size_t			 i = 0;

	config_defaults(&c);
	if (config_load(&c, p->cfg.path, err, sizeof(err)) == -1) {
		log_warnx("reload: %s (not applied: fix it before the next "
		    "start)", err);
		return;
	}
	if (config_text_load(&t, p->cfg.path) == -1) {
		log_warn("reload: %s", p->cfg.path);
		return;
	}
	while ((key = config_text_diff(&p->text, &t, &i)) != NULL) {
		if (config_reload_value(&c, i - 1, &v) == 0)
			log_info("reload: %s changed in postern.conf: applied "
			    "to new sessions", key);
		else
			log_warnx("reload: %s changed in postern.conf: "
			    "restart to apply it", key);
	}
	config_text_free(&p->text);
	p->text = t;
	ipc_msg_init(&p->msg, IPC_CONF, 0);
	for (i = 0; i < CONFIG_KEYS_MAX; i++)
		if (config_reload_value(&c, i, &v) == 0) {
			(void)config_reload_set(&p->cfg, i, v);
			(void)ipc_put_u32(&p->msg, (uint32_t)i);
			(void)ipc_put_u32(&p->msg, v);
		}
	if (ipc_send(p->ctl_sp[0], &p->msg) == -1)
		log_warn("reload: sending the configuration");
}
