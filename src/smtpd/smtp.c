/*
 * smtp: the network-facing process.  It accepts connections on the
 * listeners the parent bound, runs every session on one libevent loop,
 * and routes answers from the auth and queue processes back to the
 * session that asked, by id.  It holds no account store and no spool
 * directory; it only ever writes message content into descriptors the
 * queue hands it.
 *
 * Shutdown (SIGTERM/SIGINT): stop accepting; idle sessions get 421 at
 * once; a session in the middle of a message finishes it (and gets its
 * 250 only once the queue made it durable) unless shutdown_grace runs
 * out, in which case it is dropped without a 250 and nothing it sent is
 * kept -- except a message already handed to the queue for commit,
 * which gets five more seconds to be acknowledged.  The loop ends when
 * the last session is gone; closing the ipc sockets then lets the queue
 * and auth processes finish and exit.
 *
 * Reload: the parent, which alone may read the keys, sends each
 * certificate directory's PEM text (IPC_TLS_PAIR) and then IPC_TLS_END;
 * the new contexts serve sessions that start their TLS afterwards, while
 * open sessions keep the context they hold a reference to.  SIGHUP sent
 * to this process itself is ignored: the reload is the parent's.  The
 * sessions live in
 * smtp_session.c, which this file calls and which never calls back by
 * name (smtp_session.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/tls.h"
#include "lib/log.h"
#include "smtpd/smtp_session.h"

static struct smtp_env		 env;
static struct config		 cfg_copy;	/* env.cfg: a reload sets
						   some keys (IPC_CONF) */
static struct smtp_listener	*listeners;
static struct event		**ev_accept;
static size_t			 nlisteners;
static struct event		*ev_grace;
static struct ipc_chan		*ctl;		/* to the parent */

static void	smtp_accept(evutil_socket_t, short, void *);
static void	smtp_ipc_dispatch(struct ipc_msg *, void *);
static void	smtp_ipc_closed(void *);
static void	smtp_ctl_dispatch(struct ipc_msg *, void *);
static void	smtp_tls_pair(struct ipc_msg *);
static void	smtp_tls_end(void);
static void	smtp_conf(struct ipc_msg *);
static void	smtp_idle(void);
static void	smtp_signal(evutil_socket_t, short, void *);
static void	smtp_grace_expired(evutil_socket_t, short, void *);
static void	smtp_hard_stop(evutil_socket_t, short, void *);
static void	smtp_accept_pause(int);
static void	smtp_accept_resume(evutil_socket_t, short, void *);

static const struct timeval one_second = { 1, 0 };

static void
smtp_ipc_dispatch(struct ipc_msg *m, void *arg)
{
	smtp_session_route(m);
}

/* The last session went while shutting down: the loop may end. */
static void
smtp_idle(void)
{
	event_base_loopexit(env.base, NULL);
}

static void
smtp_ipc_closed(void *arg)
{
	fatalx("smtp: the %s process went away", (const char *)arg);
}

static void
smtp_ctl_dispatch(struct ipc_msg *m, void *arg)
{
	if (m->type == IPC_CONF)
		smtp_conf(m);
	else if (m->type == IPC_TLS_PAIR)
		smtp_tls_pair(m);
	else if (m->type == IPC_TLS_END)
		smtp_tls_end();
	else
		log_warnx("smtp: unexpected message %u from the parent",
		    (unsigned)m->type);
}

/* The keys a reload applies: sessions read them as they go. */
static void
smtp_conf(struct ipc_msg *m)
{
	uint32_t	key, v;

	while (m->pos < m->len) {
		if (ipc_get_u32(m, &key) == -1 || ipc_get_u32(m, &v) == -1 ||
		    config_reload_set(&cfg_copy, key, v) == -1) {
			log_warnx("reload: malformed configuration message");
			return;
		}
	}
}

/* One certificate directory of a reload into the table being built. */
static void
smtp_tls_pair(struct ipc_msg *m)
{
	static char	chain[TLS_PEM_MAX], key[TLS_PEM_MAX];
	char		name[256], err[512];

	if (ipc_get_str(m, name, sizeof(name)) == -1 ||
	    ipc_get_str(m, chain, sizeof(chain)) == -1 ||
	    ipc_get_str(m, key, sizeof(key)) == -1 || ipc_get_end(m) == -1)
		log_warnx("reload: malformed certificate message");
	else if (tls_reload_add(name, chain, key, env.cfg->hostname, err,
	    sizeof(err)) == -1)
		log_warnx("reload: certs/%s skipped: %s", name, err);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(m->data, sizeof(m->data));
}

/* New sessions get the new default; the old one goes with its last. */
static void
smtp_tls_end(void)
{
	struct ipc_msg	*m;
	SSL_CTX		*ctx;
	size_t		 n;

	if ((ctx = tls_reload_commit(&n)) != NULL) {
		SSL_CTX_free(env.tls);
		env.tls = ctx;
		log_info("reload: certificates for %zu names", n);
	} else
		log_warnx("reload: no usable certificate, the current ones "
		    "stay");
	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("smtp: malloc");
	ipc_msg_init(m, IPC_TLS_DONE, 0);
	ipc_put_u32(m, ctx != NULL ? (uint32_t)n : 0);
	ipc_chan_send(ctl, m);
	free(m);
}

static void
smtp_accept_pause(int pause)
{
	size_t	i;

	for (i = 0; i < nlisteners; i++) {
		if (pause)
			event_del(ev_accept[i]);
		else
			event_add(ev_accept[i], NULL);
	}
}

static void
smtp_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	if (!env.shutting_down)
		smtp_accept_pause(0);
}

static void
smtp_accept(evutil_socket_t lfd, short what, void *arg)
{
	const struct smtp_listener	*l = arg;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen;
	int				 fd, i;

	/* bounded batch per wakeup */
	for (i = 0; i < 64; i++) {
		sslen = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("smtp: accept on %s", l->text);
				/* out of descriptors: back off for a second */
				smtp_accept_pause(1);
				event_base_once(env.base, -1, EV_TIMEOUT,
				    smtp_accept_resume, NULL, &one_second);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED && errno != EINTR)
				log_warn("smtp: accept on %s", l->text);
			return;
		}
		smtp_session_new(fd, (struct sockaddr *)&ss, sslen, l);
	}
}

static void
smtp_hard_stop(evutil_socket_t fd, short what, void *arg)
{
	log_warnx("smtp: %zu session(s) still waiting for the queue, "
	    "stopping anyway", smtp_session_count());
	event_base_loopexit(env.base, NULL);
}

static void
smtp_grace_expired(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval	 last = { 5, 0 };

	log_info("smtp: shutdown grace expired, dropping %zu session(s)",
	    smtp_session_count());
	/*
	 * A session whose message is being committed keeps its chance to
	 * say 250: dropping it now would keep the message unacknowledged
	 * and the client would send it again.
	 */
	if (smtp_session_expire() == 0)
		event_base_loopexit(env.base, NULL);
	else
		event_base_once(env.base, -1, EV_TIMEOUT, smtp_hard_stop,
		    NULL, &last);
}

static void
smtp_signal(evutil_socket_t sig, short what, void *arg)
{
	struct timeval		 tv;
	sigset_t		 stop;
	size_t			 i;

	if (env.shutting_down)
		return;
	/*
	 * Ctrl-C signals the whole process group, and the parent passes the
	 * stop on too: the second signal must not kill a process that is
	 * already draining or, once libevent has put the default action
	 * back as its loop ends, exiting.  Blocked, it waits unseen.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	log_info("smtp: signal %d, shutting down (%zu session(s))", (int)sig,
	    smtp_session_count());
	env.shutting_down = 1;
	for (i = 0; i < nlisteners; i++) {
		event_del(ev_accept[i]);
		close(listeners[i].fd);
	}
	tv.tv_sec = env.cfg->shutdown_grace_ms / 1000;
	tv.tv_usec = (env.cfg->shutdown_grace_ms % 1000) * 1000;
	ev_grace = evtimer_new(env.base, smtp_grace_expired, NULL);
	evtimer_add(ev_grace, &tv);
	smtp_session_shutdown_all();
	if (smtp_session_count() == 0)
		event_base_loopexit(env.base, NULL);
}

void
smtp_main(const struct config *cfg, SSL_CTX *tls, struct smtp_listener *ls,
    size_t nls, int auth_sock, int queue_sock, int ctl_sock)
{
	struct event	*ev_term, *ev_int;
	struct ipc_msg	*m;
	size_t		 i;

	log_set_role("smtp");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	memset(&env, 0, sizeof(env));
	cfg_copy = *cfg;
	env.cfg = &cfg_copy;
	env.tls = tls;
	env.idle = smtp_idle;
	if ((env.base = event_base_new()) == NULL)
		fatalx("smtp: event_base_new");
	env.auth = ipc_chan_new(env.base, auth_sock, "auth",
	    smtp_ipc_dispatch, smtp_ipc_closed, "auth");
	env.queue = ipc_chan_new(env.base, queue_sock, "queue",
	    smtp_ipc_dispatch, smtp_ipc_closed, "queue");
	ctl = ipc_chan_new(env.base, ctl_sock, "parent", smtp_ctl_dispatch,
	    smtp_ipc_closed, "parent");
	if (env.auth == NULL || env.queue == NULL || ctl == NULL)
		fatalx("smtp: ipc set-up failed");
	smtp_session_init(&env);
	listeners = ls;
	nlisteners = nls;
	if ((ev_accept = calloc(nls, sizeof(*ev_accept))) == NULL)
		fatal("smtp: calloc");
	for (i = 0; i < nls; i++) {
		ev_accept[i] = event_new(env.base, ls[i].fd,
		    EV_READ | EV_PERSIST, smtp_accept, &ls[i]);
		if (ev_accept[i] == NULL || event_add(ev_accept[i], NULL) == -1)
			fatalx("smtp: cannot watch %s", ls[i].text);
	}
	ev_term = evsignal_new(env.base, SIGTERM, smtp_signal, NULL);
	ev_int = evsignal_new(env.base, SIGINT, smtp_signal, NULL);
	if (ev_term == NULL || ev_int == NULL || evsignal_add(ev_term, NULL) ||
	    evsignal_add(ev_int, NULL))
		fatalx("smtp: cannot install signal handlers");
	/* the parent then tells the service manager (sdnotify.h) */
	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("smtp: malloc");
	ipc_msg_init(m, IPC_SMTP_READY, 0);
	ipc_chan_send(ctl, m);
	free(m);
	log_info("smtp: ready");
	event_base_dispatch(env.base);
	ipc_chan_free(env.auth);
	ipc_chan_free(env.queue);
	ipc_chan_free(ctl);
	close(auth_sock);
	close(queue_sock);
	close(ctl_sock);
	for (i = 0; i < nls; i++)
		event_free(ev_accept[i]);
	free(ev_accept);
	if (ev_grace)
		event_free(ev_grace);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(env.base);
	SSL_CTX_free(env.tls);
	log_info("smtp: stopped");
	exit(0);
}
