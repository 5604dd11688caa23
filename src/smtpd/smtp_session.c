/*
 * smtp_session: one SMTP client connection (RFC 5321), with STARTTLS
 * (RFC 3207), AUTH (RFC 4954), PIPELINING (RFC 2920), SIZE (RFC 1870),
 * 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034/3463), SMTPUTF8
 * (RFC 6531) and DSN (RFC 3461: the parameters are kept per recipient
 * and passed to the queue).
 *
 * State lives in enum smtp_state and changes only in smtp_enter_state();
 * the mail transaction is a separate struct smtp_tx created at MAIL and
 * freed at RSET, HELO/EHLO, STARTTLS or the end of DATA.  Commands go
 * through one table (smtp_cmds[]) whose flags carry the common checks.
 *
 * Input is bounded: a command line is at most 512 octets with its CRLF,
 * MAIL and RCPT 1076 (the DSN parameters, RFC 3461 §4), an AUTH line
 * 12288 (RFC 4954 §4); longer lines are answered once and
 * skipped up to the next LF.  Lines must end in CRLF.  DATA goes through
 * the dotreader (dotreader.h): only <CRLF>.<CRLF> ends it, bare CR or LF
 * make the message fail with 550 5.6.11 once it has ended.
 *
 * Asynchronous work (password checks and recipient lookups in the auth
 * process, opening and committing messages in the queue process) parks
 * the session in SMTP_WAIT: no further pipelined input is read until the
 * answer comes back through smtp_session_ipc(), which resumes processing.
 * A submission RCPT may take two such round trips in turn: the
 * suppression list (WAIT_SUPPRESS), then the daily limit (WAIT_LIMIT).
 * The session is freed only from libevent callbacks (close after a final
 * reply, EOF, error, timeout) or by smtp_session_kill(), never in the
 * middle of handling a command.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>

#include "core/dotreader.h"
#include "core/replies.h"
#include "core/sasl.h"
#include "core/smtp_parse.h"
#include "core/tls.h"
#include "lib/log.h"
#include "lib/util.h"
#include "smtpd/sessions.h"
#include "smtpd/smtp_session.h"
#include "store/store.h"

#define SMTP_CMD_LINE_MAX	512	/* RFC 5321 §4.5.3.1.4, with CRLF */
#define SMTP_AUTH_LINE_MAX	12288	/* RFC 4954 §4 */
/* RFC 3461 §4: ENVID adds 100 octets to MAIL, ORCPT 500 to RCPT; and
   room for the RET and NOTIFY keywords */
#define SMTP_DSN_LINE_MAX	(SMTP_CMD_LINE_MAX + SMTP_ORCPT_MAX + 64)
#define SMTP_TEXT_LINE_MAX	1000	/* RFC 5321 §4.5.3.1.6, with CRLF */
#define SMTP_OUT_MAX		(256 * 1024)	/* stop reading past this */
#define SMTP_IN_HIGH		(128 * 1024)	/* read high watermark */
#define SMTP_DATA_CHUNK		16384

/* what smtp.c handed over (smtp_session.h), and the next session's id */
static struct smtp_env	*smtpd_env;
static uint64_t		 next_id;

enum smtp_state {
	SMTP_GREETING,		/* connected, banner not sent yet */
	SMTP_TLS_HANDSHAKE,	/* implicit TLS or after STARTTLS */
	SMTP_CMD,		/* reading commands */
	SMTP_AUTH_INPUT,	/* reading a SASL response line */
	SMTP_WAIT,		/* parked on the auth or queue process */
	SMTP_DATA,		/* reading message content */
	SMTP_STARTTLS,		/* 220 sent, waiting for it to drain */
	SMTP_CLOSING,		/* final reply draining, then free */
};

static const char *smtp_state_names[] = {
	"greeting", "tls-handshake", "command", "auth-input", "wait",
	"data", "starttls", "closing",
};

enum smtp_wait {
	WAIT_NONE,
	WAIT_AUTH,
	WAIT_RCPT,
	WAIT_QUEUE_OPEN,
	WAIT_QUEUE_COMMIT,
	WAIT_CONNECT,		/* client lock check before the banner */
	WAIT_SENDER,		/* may the user send as this sender? */
	WAIT_LIMIT,		/* daily recipient count */
	WAIT_SUPPRESS,		/* is the recipient suppressed? */
};

/* An accepted recipient and its DSN parameters (RFC 3461). */
struct smtp_rcpt {
	char			 addr[SMTP_ADDR_MAX + 1];
	struct smtp_rcpt_params	 dsn;
};

struct smtp_tx {
	struct smtp_path	 sender;
	struct smtp_mail_params	 params;
	struct smtp_rcpt	*rcpt;
	size_t			 nrcpt;
	size_t			 rcpt_tried;	/* RCPT commands, accepted
						   or not */
	struct smtp_path	 pending;	/* RCPT under lookup */
	struct smtp_rcpt_params	 pending_dsn;	/* and its parameters */
	int			 no_suppressed;	/* the sender's domain has no
						   suppressed address (at
						   MAIL): skip the lookups */
	char			 msgid[33];
	int			 queue_open;	/* the queue holds an open
						   message for us: abort it
						   unless committed */
	int			 fd;		/* spool content, or -1 */
	int			 write_errno;
	struct dotreader	 dot;
};

struct smtp_session {
	uint64_t		 id;
	char			 idstr[17];
	int			 fd;
	const struct smtp_listener *listener;
	enum listen_kind	 kind;
	char			 client[64];	/* IP text */
	uint16_t		 client_port;
	struct bufferevent	*bev;
	SSL			*ssl;		/* owned by bev once set */
	struct event		*ev_greet;
	enum smtp_state		 state;
	enum smtp_wait		 wait;
	int			 esmtp;		/* EHLO, not HELO */
	char			 helo[256];	/* "" until HELO/EHLO */
	int			 authed;
	char			 auth_user[SASL_USER_MAX + 1];
	uint32_t		 daily_limit;	/* of the authed mailbox */
	enum sasl_mech		 auth_mech;
	struct sasl		 sasl;
	struct smtp_tx		*tx;
	unsigned		 nerrors;
	unsigned		 ncommands;
	unsigned		 nmessages;
	int			 skipping;	/* rest of an overlong line */
	int			 out_blocked;
	int			 quit_after;	/* shutdown: 421 when idle */
	int			 eof;		/* client half-closed */
	char			 tls_info[128];
	char			 sni[256];
	uint64_t		 started_ms;
};

struct smtp_cmd {
	const char	*name;
	unsigned	 flags;
	void		(*fn)(struct smtp_session *, char *);
};

#define CMD_NEEDS_HELO	0x01	/* 503 5.5.1 before HELO/EHLO */
#define CMD_NO_ARGS	0x02	/* 501 5.5.4 if arguments given */
#define CMD_NEEDS_ARGS	0x04	/* 501 5.5.4 if none */
#define CMD_NOT_IN_TX	0x08	/* 503 5.5.1 during a transaction */

static void	smtp_session_ipc(struct smtp_session *, struct ipc_msg *);
static void	smtp_session_shutdown(void *);
static void	smtp_session_expire_one(void *);
static void	smtp_enter_state(struct smtp_session *, enum smtp_state);
static void	smtp_reply(struct smtp_session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	smtp_reply_close(struct smtp_session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	smtp_free(struct smtp_session *);
static void	smtp_close_quiet(struct smtp_session *);
static void	smtp_free_deferred(evutil_socket_t, short, void *);
static void	smtp_process(struct smtp_session *);
static int	smtp_read_line(struct smtp_session *, char *, size_t);
static void	smtp_dispatch(struct smtp_session *, char *);
static void	smtp_data_input(struct smtp_session *);
static void	smtp_data_end(struct smtp_session *);
static void	smtp_greet(struct smtp_session *);
static void	smtp_banner(struct smtp_session *);
static void	smtp_connect_result(struct smtp_session *, struct ipc_msg *);
static void	smtp_sender_result(struct smtp_session *, struct ipc_msg *);
static void	smtp_limit_result(struct smtp_session *, struct ipc_msg *);
static void	smtp_greet_timer(evutil_socket_t, short, void *);
static void	smtp_readcb(struct bufferevent *, void *);
static void	smtp_writecb(struct bufferevent *, void *);
static void	smtp_eventcb(struct bufferevent *, short, void *);
static void	smtp_setup_bev(struct smtp_session *);
static void	smtp_set_timeout(struct smtp_session *, unsigned);
static void	smtp_start_tls(struct smtp_session *);
static void	smtp_tx_free(struct smtp_session *);
static void	smtp_reset(struct smtp_session *);
static void	smtp_park(struct smtp_session *, enum smtp_wait);
static void	smtp_resume(struct smtp_session *);
static void	smtp_auth_status(struct smtp_session *, enum sasl_status,
		    const char *);
static void	smtp_auth_result(struct smtp_session *, struct ipc_msg *);
static void	smtp_rcpt_result(struct smtp_session *, struct ipc_msg *);
static void	smtp_queue_opened(struct smtp_session *, struct ipc_msg *);
static void	smtp_queue_committed(struct smtp_session *,
		    struct ipc_msg *);
static void	smtp_rcpt_accept(struct smtp_session *);
static void	smtp_rcpt_limit(struct smtp_session *);
static void	smtp_suppress_check(struct smtp_session *);
static void	smtp_suppress_result(struct smtp_session *,
		    struct ipc_msg *);
static void	smtp_suppressed(struct smtp_session *, struct ipc_msg *);
static void	smtp_param_error(struct smtp_session *, enum smtp_parse_err,
		    const char *);
static void	smtp_safe_text(char *, size_t, const char *);
static int	smtp_write_received(struct smtp_session *);
static void	smtp_write_content(struct smtp_session *, const char *,
		    size_t);
static const char *smtp_printable(const char *, char *, size_t);

static void	cmd_helo(struct smtp_session *, char *);
static void	cmd_ehlo(struct smtp_session *, char *);
static void	cmd_starttls(struct smtp_session *, char *);
static void	cmd_auth(struct smtp_session *, char *);
static void	cmd_mail(struct smtp_session *, char *);
static void	cmd_rcpt(struct smtp_session *, char *);
static void	cmd_data(struct smtp_session *, char *);
static void	cmd_rset(struct smtp_session *, char *);
static void	cmd_noop(struct smtp_session *, char *);
static void	cmd_quit(struct smtp_session *, char *);
static void	cmd_vrfy(struct smtp_session *, char *);
static void	cmd_expn(struct smtp_session *, char *);
static void	cmd_help(struct smtp_session *, char *);

static const struct smtp_cmd smtp_cmds[] = {
	{ "HELO",	CMD_NEEDS_ARGS,			cmd_helo },
	{ "EHLO",	CMD_NEEDS_ARGS,			cmd_ehlo },
	{ "STARTTLS",	CMD_NO_ARGS,			cmd_starttls },
	{ "AUTH",	CMD_NEEDS_HELO | CMD_NEEDS_ARGS | CMD_NOT_IN_TX,
							cmd_auth },
	{ "MAIL",	CMD_NEEDS_HELO | CMD_NEEDS_ARGS, cmd_mail },
	{ "RCPT",	CMD_NEEDS_HELO | CMD_NEEDS_ARGS, cmd_rcpt },
	{ "DATA",	CMD_NEEDS_HELO | CMD_NO_ARGS,	cmd_data },
	{ "RSET",	CMD_NO_ARGS,			cmd_rset },
	{ "NOOP",	0,				cmd_noop },
	{ "QUIT",	CMD_NO_ARGS,			cmd_quit },
	{ "VRFY",	CMD_NEEDS_ARGS,			cmd_vrfy },
	{ "EXPN",	0,				cmd_expn },
	{ "HELP",	0,				cmd_help },
};

/* Client text goes into logs only through here. */
static const char *
smtp_printable(const char *s, char *buf, size_t bufsz)
{
	return log_printable(buf, bufsz, s, strlen(s));
}

static void
smtp_enter_state(struct smtp_session *s, enum smtp_state st)
{
	/* closing is final: nothing may revive a session that said goodbye */
	if (s->state == st || s->state == SMTP_CLOSING)
		return;
	if (log_debug_enabled())
		log_debug("sess=%s state %s -> %s", s->idstr,
		    smtp_state_names[s->state], smtp_state_names[st]);
	s->state = st;
}

/* The one writer of reply lines; replies_vformat() keeps them short. */
static void
smtp_vreply(struct smtp_session *s, const char *fmt, va_list ap)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	char		 line[REPLY_LINE_MAX];
	size_t		 n;

	if (replies_vformat(line, sizeof(line), fmt, ap) < 0)
		return;
	n = strlen(line);
	if (log_debug_enabled())
		log_debug("sess=%s >>> %s", s->idstr, line);
	if (line[0] == '4' || line[0] == '5')
		s->nerrors++;
	evbuffer_add(out, line, n);
	evbuffer_add(out, "\r\n", 2);
}

static void
smtp_reply(struct smtp_session *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	smtp_vreply(s, fmt, ap);
	va_end(ap);
	if (s->nerrors >= smtpd_env->cfg->max_errors &&
	    s->state != SMTP_CLOSING) {
		log_info("sess=%s too many errors (%u), closing", s->idstr,
		    s->nerrors);
		smtp_reply_close(s, RPL_TOO_MANY_ERRORS,
		    smtpd_env->cfg->hostname);
	}
}

/* Send a final reply, stop reading and free the session once sent. */
static void
smtp_reply_close(struct smtp_session *s, const char *fmt, ...)
{
	va_list	ap;

	if (s->state == SMTP_CLOSING)
		return;
	va_start(ap, fmt);
	smtp_vreply(s, fmt, ap);
	va_end(ap);
	smtp_enter_state(s, SMTP_CLOSING);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(s->bev, EV_WRITE);
}

static void
smtp_free_deferred(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session	*s = sessions_find((uint64_t)(uintptr_t)arg);

	if (s != NULL && s->state == SMTP_CLOSING)
		smtp_free(s);
}

/*
 * Close without a reply (the client already left): once the output has
 * drained, or on the next loop turn if it is empty, since the session
 * may not be freed in the middle of handling a command.
 */
static void
smtp_close_quiet(struct smtp_session *s)
{
	static const struct timeval now = { 0, 0 };

	smtp_enter_state(s, SMTP_CLOSING);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(s->bev, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		event_base_once(smtpd_env->base, -1, EV_TIMEOUT,
		    smtp_free_deferred, (void *)(uintptr_t)s->id, &now);
}

void
smtp_session_new(int fd, const struct sockaddr *sa, socklen_t salen,
    const struct smtp_listener *l)
{
	const struct config	*cfg = smtpd_env->cfg;
	struct smtp_session	*s;
	struct timeval		 tv;
	int			 one = 1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("smtp: session");
		close(fd);
		return;
	}
	s->fd = fd;
	/*
	 * Replies are small and answer a waiting client: Nagle plus the
	 * client's delayed ACK would add 40 ms to every pipelined group.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->id = next_id++;
	snprintf(s->idstr, sizeof(s->idstr), "%012" PRIx64, s->id);
	s->listener = l;
	s->kind = l->kind;
	s->started_ms = util_monotonic_ms();
	util_addr_str(sa, s->client, sizeof(s->client));
	if (sa->sa_family == AF_INET)
		s->client_port = ntohs(((const struct sockaddr_in *)
		    (const void *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6)
		s->client_port = ntohs(((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_port);
	sessions_add(s->id, s);
	log_info("sess=%s connect from [%s]:%u to %s %s", s->idstr,
	    s->client, s->client_port, smtp_listen_name(s->kind), l->text);
	if (s->kind == LISTEN_SMTPS) {
		/* no plaintext reply is possible before the handshake */
		if (sessions_count() > cfg->max_sessions ||
		    smtpd_env->shutting_down) {
			log_warnx("sess=%s too many sessions, closed", s->idstr);
			smtp_free(s);
			return;
		}
		smtp_start_tls(s);
		return;
	}
	s->bev = bufferevent_socket_new(smtpd_env->base, fd,
	    BEV_OPT_DEFER_CALLBACKS);
	if (s->bev == NULL) {
		log_warnx("sess=%s cannot create buffer", s->idstr);
		smtp_free(s);
		return;
	}
	smtp_setup_bev(s);
	if (sessions_count() > cfg->max_sessions ||
	    smtpd_env->shutting_down) {
		log_warnx("sess=%s too many sessions (%zu), refused", s->idstr,
		    sessions_count() - 1);
		smtp_reply_close(s, RPL_TOO_MANY_SESSIONS, cfg->hostname);
		return;
	}
	if (cfg->greet_delay_ms == 0) {
		smtp_greet(s);
		return;
	}
	/* pregreet window: a client that talks now is not a real client */
	tv.tv_sec = cfg->greet_delay_ms / 1000;
	tv.tv_usec = (cfg->greet_delay_ms % 1000) * 1000;
	s->ev_greet = evtimer_new(smtpd_env->base, smtp_greet_timer, s);
	if (s->ev_greet == NULL || evtimer_add(s->ev_greet, &tv) == -1)
		smtp_greet(s);
}

static void
smtp_setup_bev(struct smtp_session *s)
{
	bufferevent_setcb(s->bev, smtp_readcb, smtp_writecb, smtp_eventcb, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTP_IN_HIGH);
	smtp_set_timeout(s, s->state == SMTP_TLS_HANDSHAKE ?
	    smtpd_env->cfg->timeout_tls_ms : smtpd_env->cfg->timeout_command_ms);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

static void
smtp_set_timeout(struct smtp_session *s, unsigned ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	bufferevent_set_timeouts(s->bev, &tv, &tv);
}

static void
smtp_greet_timer(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session	*s = arg;

	if (s->state == SMTP_GREETING)
		smtp_greet(s);
}

static void
smtp_greet(struct smtp_session *s)
{
	struct ipc_msg	m;

	/* a client locked for password spraying gets 421 instead */
	ipc_msg_init(&m, IPC_CONNECT_REQ, s->id);
	if (ipc_put_str(&m, s->client) == -1 ||
	    ipc_chan_send(smtpd_env->auth, &m) == -1) {
		smtp_banner(s);
		return;
	}
	s->wait = WAIT_CONNECT;
}

static void
smtp_connect_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	locked = 0;
	uint64_t	until = 0;
	char		when[40];

	s->wait = WAIT_NONE;
	if (ipc_get_u32(m, &locked) == -1 || ipc_get_u64(m, &until) == -1)
		locked = 0;
	if (locked) {
		log_info("sess=%s client [%s] locked after failed logins for "
		    "many usernames, refused", s->idstr, s->client);
		util_time_utc((int64_t)until, when, sizeof(when));
		smtp_reply_close(s, RPL_CLIENT_LOCKED,
		    smtpd_env->cfg->hostname, s->client, when);
		return;
	}
	smtp_banner(s);
}

static void
smtp_banner(struct smtp_session *s)
{
	smtp_enter_state(s, SMTP_CMD);
	smtp_reply(s, RPL_GREETING, smtpd_env->cfg->hostname);
	smtp_process(s);
}

static void
smtp_start_tls(struct smtp_session *s)
{
	if ((s->ssl = SSL_new(smtpd_env->tls)) == NULL) {
		log_warnx("sess=%s SSL_new failed", s->idstr);
		smtp_free(s);
		return;
	}
	smtp_enter_state(s, SMTP_TLS_HANDSHAKE);
	s->bev = bufferevent_openssl_socket_new(smtpd_env->base, s->fd, s->ssl,
	    BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_DEFER_CALLBACKS | BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		/* libevent 2.1 already freed the SSL (and maybe the fd) */
		log_warnx("sess=%s cannot create TLS buffer", s->idstr);
		s->ssl = NULL;
		s->fd = -1;
		smtp_free(s);
		return;
	}
	/* the bufferevent now owns the descriptor and the SSL */
	s->fd = -1;
	bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
	smtp_setup_bev(s);
}

static void
smtp_tls_done(struct smtp_session *s)
{
	const char	*sni;
	char		 esc[300];

	tls_describe(s->ssl, s->tls_info, sizeof(s->tls_info));
	sni = SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name);
	if (sni != NULL)
		util_strlcpy(s->sni, sni, sizeof(s->sni));
	log_info("sess=%s tls %s sni=%s", s->idstr, s->tls_info,
	    s->sni[0] ? smtp_printable(s->sni, esc, sizeof(esc)) : "-");
	smtp_set_timeout(s, smtpd_env->cfg->timeout_command_ms);
	if (s->kind == LISTEN_SMTPS) {
		smtp_enter_state(s, SMTP_GREETING);
		if (smtpd_env->cfg->greet_delay_ms == 0)
			smtp_greet(s);
		else {
			struct timeval tv;

			tv.tv_sec = smtpd_env->cfg->greet_delay_ms / 1000;
			tv.tv_usec = (smtpd_env->cfg->greet_delay_ms % 1000) *
			    1000;
			s->ev_greet = evtimer_new(smtpd_env->base,
			    smtp_greet_timer, s);
			if (s->ev_greet == NULL ||
			    evtimer_add(s->ev_greet, &tv) == -1)
				smtp_greet(s);
		}
		return;
	}
	/* after STARTTLS the client starts over with EHLO, RFC 3207 §4.2 */
	smtp_enter_state(s, SMTP_CMD);
	smtp_process(s);
}

static void
smtp_readcb(struct bufferevent *bev, void *arg)
{
	struct smtp_session	*s = arg;

	if (s->state == SMTP_GREETING) {
		/* without a pregreet window, early input just waits */
		if (smtpd_env->cfg->greet_delay_ms == 0)
			return;
		log_info("sess=%s client talked before the greeting",
		    s->idstr);
		smtp_reply_close(s, RPL_PREGREET, smtpd_env->cfg->hostname);
		return;
	}
	smtp_process(s);
}

static void
smtp_writecb(struct bufferevent *bev, void *arg)
{
	struct smtp_session	*s = arg;

	/*
	 * libevent also calls this once when writing is first enabled on an
	 * idle socket; only an empty output buffer means "all sent".
	 */
	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	switch (s->state) {
	case SMTP_CLOSING:
		/*
		 * RFC 8446 §6.1: say close_notify before closing.  Output has
		 * drained, so the alert goes straight to the socket; a full
		 * kernel buffer just means the peer sees a plain EOF.
		 */
		if (s->ssl != NULL && SSL_is_init_finished(s->ssl))
			(void)SSL_shutdown(s->ssl);
		smtp_free(s);
		return;
	case SMTP_STARTTLS:
		/*
		 * The 220 has left.  Whatever plaintext the client sent
		 * behind STARTTLS is dropped unread (CVE-2011-0411), and
		 * HELO, AUTH and the transaction start over.
		 */
		{
			size_t n = evbuffer_get_length(
			    bufferevent_get_input(s->bev));

			if (n > 0)
				log_warnx("sess=%s discarded %zu byte(s) sent "
				    "after STARTTLS before the TLS handshake",
				    s->idstr, n);
		}
		bufferevent_free(s->bev);
		s->bev = NULL;
		smtp_reset(s);
		smtp_start_tls(s);
		return;
	default:
		if (s->out_blocked) {
			s->out_blocked = 0;
			smtp_process(s);
		}
		return;
	}
}

static void
smtp_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_session	*s = arg;
	unsigned long		 e;
	char			 ebuf[256];

	if (what & BEV_EVENT_CONNECTED) {
		smtp_tls_done(s);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		log_info("sess=%s timeout in state %s", s->idstr,
		    smtp_state_names[s->state]);
		if (s->state == SMTP_TLS_HANDSHAKE ||
		    s->state == SMTP_CLOSING) {
			smtp_free(s);
			return;
		}
		smtp_reply_close(s, RPL_TIMEOUT,
		    smtpd_env->cfg->hostname);
		/* the write side may be what timed out: bound the close */
		smtp_set_timeout(s, 5000);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    (s->state == SMTP_CMD || s->state == SMTP_AUTH_INPUT ||
	    s->state == SMTP_WAIT || s->state == SMTP_GREETING)) {
		/*
		 * A half-close (shutdown(SHUT_WR), "nc -N") still expects
		 * answers to what it sent: finish the buffered commands and
		 * any pending commit, then close once the replies are out.
		 */
		s->eof = 1;
		if (s->state == SMTP_CMD || s->state == SMTP_AUTH_INPUT)
			smtp_process(s);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		if (s->ssl != NULL &&
		    (e = bufferevent_get_openssl_error(bev)) != 0) {
			ERR_error_string_n(e, ebuf, sizeof(ebuf));
			log_info("sess=%s TLS error in state %s: %s",
			    s->idstr, smtp_state_names[s->state], ebuf);
		} else if (errno != 0 && errno != ECONNRESET &&
		    errno != EPIPE)
			log_info("sess=%s connection error: %s", s->idstr,
			    strerror(errno));
	}
	smtp_free(s);
}

static void
smtp_tx_free(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;

	if (tx == NULL)
		return;
	if (tx->fd != -1)
		close(tx->fd);
	if (tx->queue_open) {
		struct ipc_msg	m;

		ipc_msg_init(&m, IPC_Q_ABORT, s->id);
		ipc_chan_send(smtpd_env->queue, &m);
	}
	free(tx->rcpt);
	free(tx);
	s->tx = NULL;
}

/* Forget HELO, AUTH and the transaction (STARTTLS, RFC 3207 §4.2). */
static void
smtp_reset(struct smtp_session *s)
{
	smtp_tx_free(s);
	s->helo[0] = '\0';
	s->esmtp = 0;
	s->authed = 0;
	s->daily_limit = 0;
	s->auth_user[0] = '\0';
	sasl_clear(&s->sasl);
}

static void
smtp_free(struct smtp_session *s)
{
	uint64_t	elapsed = util_monotonic_ms() - s->started_ms;

	smtp_tx_free(s);	/* aborts what the queue holds for us */
	sasl_clear(&s->sasl);
	if (s->ev_greet)
		event_free(s->ev_greet);
	if (s->bev)
		bufferevent_free(s->bev);	/* closes fd if TLS */
	if (s->fd != -1)
		close(s->fd);
	log_info("sess=%s disconnect from [%s] commands=%u errors=%u "
	    "messages=%u duration=%" PRIu64 ".%03" PRIu64 "s", s->idstr,
	    s->client, s->ncommands, s->nerrors, s->nmessages,
	    elapsed / 1000, elapsed % 1000);
	sessions_remove(s->id);
	explicit_bzero(s, sizeof(*s));
	free(s);
	if (smtpd_env->shutting_down && sessions_count() == 0)
		smtpd_env->idle();
}

const char *
smtp_listen_name(enum listen_kind k)
{
	static const char *names[] = { "submission", "smtps", "mx" };

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

void
smtp_session_init(struct smtp_env *env)
{
	smtpd_env = env;
	next_id = util_random_u64() & 0xffffffffffffULL;
	sessions_init();
}

size_t
smtp_session_count(void)
{
	return sessions_count();
}

void
smtp_session_route(struct ipc_msg *m)
{
	struct smtp_session	*s = sessions_find(m->id);
	struct ipc_msg		 a;

	if (s != NULL) {
		smtp_session_ipc(s, m);
		return;
	}
	/* the client left while we waited: drop the answer */
	if (m->fd != -1)
		close(m->fd);
	if (m->type == IPC_Q_OPENED) {
		ipc_msg_init(&a, IPC_Q_ABORT, m->id);
		ipc_chan_send(smtpd_env->queue, &a);
	}
}

/* Grace is over: a session committing a message keeps its chance. */
static void
smtp_session_expire_one(void *arg)
{
	struct smtp_session	*s = arg;

	if (s->wait != WAIT_QUEUE_COMMIT)
		smtp_free(s);
}

size_t
smtp_session_expire(void)
{
	sessions_foreach(smtp_session_expire_one);
	return sessions_count();
}

void
smtp_session_shutdown_all(void)
{
	sessions_foreach(smtp_session_shutdown);
}

static void
smtp_session_shutdown(void *arg)
{
	struct smtp_session	*s = arg;

	switch (s->state) {
	case SMTP_GREETING:
	case SMTP_TLS_HANDSHAKE:
	case SMTP_STARTTLS:
		smtp_free(s);
		break;
	case SMTP_CMD:
	case SMTP_AUTH_INPUT:
		smtp_reply_close(s, RPL_SHUTDOWN,
		    smtpd_env->cfg->hostname);
		break;
	case SMTP_WAIT:
	case SMTP_DATA:
		s->quit_after = 1;	/* finish the message first */
		break;
	case SMTP_CLOSING:
		break;
	}
}

/*
 * Run pipelined input until it runs out, the session parks, or the
 * output backs up.
 */
static void
smtp_process(struct smtp_session *s)
{
	struct evbuffer	*out;
	char		 line[SMTP_AUTH_LINE_MAX + 1];
	int		 r;

	out = bufferevent_get_output(s->bev);
	for (;;) {
		if (s->state == SMTP_DATA) {
			smtp_data_input(s);
			if (s->state == SMTP_DATA)
				return;		/* needs more input */
			continue;
		}
		if (s->state != SMTP_CMD && s->state != SMTP_AUTH_INPUT)
			return;
		if (s->quit_after && s->state == SMTP_CMD) {
			smtp_reply_close(s, RPL_SHUTDOWN, smtpd_env->cfg->hostname);
			return;
		}
		if (evbuffer_get_length(out) > SMTP_OUT_MAX) {
			s->out_blocked = 1;
			return;
		}
		r = smtp_read_line(s, line, sizeof(line));
		if (r == 0) {
			if (s->eof)
				smtp_close_quiet(s);
			return;
		}
		if (r == -1)
			continue;	/* answered already */
		if (s->state == SMTP_AUTH_INPUT) {
			const char	*chal = NULL;
			enum sasl_status st;

			st = sasl_step(&s->sasl, line, &chal);
			smtp_auth_status(s, st, chal);
		} else
			smtp_dispatch(s, line);
		explicit_bzero(line, sizeof(line));
	}
}

/*
 * Take one CRLF-terminated line out of the input buffer into line.
 * Returns 1 with a line, 0 if none is complete yet, -1 if a bad line was
 * consumed and answered.
 */
static int
smtp_read_line(struct smtp_session *s, char *line, size_t linesz)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct evbuffer_ptr	 p;
	size_t			 len, limit, n;
	int			 auth, dsn = 0;
	char			 head[6];

	len = evbuffer_get_length(in);
	if (len == 0)
		return 0;
	/* AUTH lines may be long (RFC 4954 §4), MAIL and RCPT longer than
	   others (RFC 3461 §4) */
	auth = s->state == SMTP_AUTH_INPUT;
	if (!auth && evbuffer_copyout(in, head, 5) == 5) {
		head[5] = '\0';
		auth = strncasecmp(head, "AUTH ", 5) == 0;
		dsn = strncasecmp(head, "MAIL ", 5) == 0 ||
		    strncasecmp(head, "RCPT ", 5) == 0;
	}
	limit = auth ? SMTP_AUTH_LINE_MAX : dsn ? SMTP_DSN_LINE_MAX :
	    SMTP_CMD_LINE_MAX;
	p = evbuffer_search(in, "\n", 1, NULL);
	if (p.pos == -1) {
		if (len <= limit && !s->skipping)
			return 0;
		/* over the limit and still no LF: answer once, then skip */
		evbuffer_drain(in, len);
		if (!s->skipping) {
			s->skipping = 1;
			goto too_long;
		}
		return 0;
	}
	n = (size_t)p.pos + 1;
	if (s->skipping) {
		evbuffer_drain(in, n);
		s->skipping = 0;
		return -1;
	}
	if (n > limit) {
		evbuffer_drain(in, n);
		goto too_long;
	}
	evbuffer_remove(in, line, n);
	s->ncommands++;
	if (n < 2 || line[n - 2] != '\r') {
		smtp_reply(s, RPL_BARE_LF_CMD);
		return -1;
	}
	n -= 2;
	line[n] = '\0';
	if (memchr(line, '\0', n) != NULL || memchr(line, '\r', n) != NULL) {
		smtp_reply(s, RPL_NUL_OR_CR);
		return -1;
	}
	return 1;
too_long:
	s->ncommands++;
	if (auth) {
		if (s->state == SMTP_AUTH_INPUT) {
			sasl_clear(&s->sasl);
			smtp_enter_state(s, SMTP_CMD);
		}
		smtp_reply(s, RPL_AUTH_LINE_LONG);
	} else
		smtp_reply(s, RPL_LINE_LONG, limit);
	return -1;
}

static void
smtp_dispatch(struct smtp_session *s, char *line)
{
	const struct smtp_cmd	*c = NULL;
	char			*verb, *args, esc[80];
	size_t			 i, n;

	n = strlen(line);
	if (smtp_cmd_split(line, &verb, &args) == 0)
		for (i = 0; i < sizeof(smtp_cmds) / sizeof(smtp_cmds[0]); i++)
			if (strcmp(smtp_cmds[i].name, verb) == 0) {
				c = &smtp_cmds[i];
				break;
			}
	/*
	 * Log what the client said, except AUTH arguments and unrecognised
	 * lines: after a refused AUTH, a client may send its base64
	 * credentials as if they were commands.
	 */
	if (log_debug_enabled() && c != NULL)
		log_debug("sess=%s <<< %s%s%s", s->idstr, c->name,
		    c->fn == cmd_auth || args[0] == '\0' ? "" : " ",
		    c->fn == cmd_auth ? " (arguments not logged)" :
		    smtp_printable(args, esc, sizeof(esc)));
	else if (log_debug_enabled())
		log_debug("sess=%s <<< (unrecognised, %zu octets)", s->idstr,
		    n);
	if (c == NULL) {
		smtp_reply(s, RPL_UNKNOWN_CMD);
		return;
	}
	if ((c->flags & CMD_NEEDS_HELO) && s->helo[0] == '\0') {
		smtp_reply(s, RPL_NEED_HELO);
		return;
	}
	if ((c->flags & CMD_NO_ARGS) && args[0] != '\0') {
		smtp_reply(s, RPL_NO_PARAMS, c->name);
		return;
	}
	if ((c->flags & CMD_NEEDS_ARGS) && args[0] == '\0') {
		smtp_reply(s, RPL_NEED_PARAM,
		    c->name);
		return;
	}
	if ((c->flags & CMD_NOT_IN_TX) && s->tx != NULL) {
		smtp_reply(s, RPL_IN_TX);
		return;
	}
	c->fn(s, args);
}

static void
smtp_park(struct smtp_session *s, enum smtp_wait w)
{
	s->wait = w;
	smtp_enter_state(s, SMTP_WAIT);
}

/* An answer arrived: go back to reading pipelined commands. */
static void
smtp_resume(struct smtp_session *s)
{
	s->wait = WAIT_NONE;
	if (s->state == SMTP_WAIT)
		smtp_enter_state(s, SMTP_CMD);
	smtp_process(s);
}

static void
smtp_session_ipc(struct smtp_session *s, struct ipc_msg *m)
{
	static const struct {
		uint32_t	 type;
		enum smtp_wait	 wait;
		void		(*fn)(struct smtp_session *, struct ipc_msg *);
	} routes[] = {
		{ IPC_AUTH_RES, WAIT_AUTH, smtp_auth_result },
		{ IPC_RCPT_RES, WAIT_RCPT, smtp_rcpt_result },
		{ IPC_Q_OPENED, WAIT_QUEUE_OPEN, smtp_queue_opened },
		{ IPC_Q_COMMITTED, WAIT_QUEUE_COMMIT, smtp_queue_committed },
		{ IPC_CONNECT_RES, WAIT_CONNECT, smtp_connect_result },
		{ IPC_SENDER_RES, WAIT_SENDER, smtp_sender_result },
		{ IPC_LIMIT_RES, WAIT_LIMIT, smtp_limit_result },
		{ IPC_SUPPRESS_RES, WAIT_SUPPRESS, smtp_suppress_result },
	};
	size_t	i;

	if (m->type != IPC_Q_OPENED && m->fd != -1) {
		close(m->fd);	/* only Q_OPENED carries a descriptor */
		m->fd = -1;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].type != m->type)
			continue;
		if (routes[i].wait != s->wait)
			break;
		routes[i].fn(s, m);
		return;
	}
	log_warnx("sess=%s unexpected ipc message %u", s->idstr, m->type);
	if (m->fd != -1)
		close(m->fd);
}

/* HELO/EHLO ------------------------------------------------------------ */

static int
smtp_helo_common(struct smtp_session *s, char *args)
{
	char	esc[80];

	if (!smtp_valid_helo(args) || strlen(args) >= sizeof(s->helo)) {
		log_info("sess=%s bad HELO/EHLO argument %s", s->idstr,
		    smtp_printable(args, esc, sizeof(esc)));
		smtp_reply(s, RPL_BAD_HELO);
		return -1;
	}
	smtp_tx_free(s);	/* HELO/EHLO resets, RFC 5321 §4.1.4 */
	util_strlcpy(s->helo, args, sizeof(s->helo));
	return 0;
}

static void
cmd_helo(struct smtp_session *s, char *args)
{
	if (smtp_helo_common(s, args) == -1)
		return;
	s->esmtp = 0;
	smtp_reply(s, RPL_HELO, smtpd_env->cfg->hostname);
}

static void
cmd_ehlo(struct smtp_session *s, char *args)
{
	const struct config	*cfg = smtpd_env->cfg;
	const char		*ext[10];
	char			 size[32], auth[32];
	size_t			 n = 0, i;

	if (smtp_helo_common(s, args) == -1)
		return;
	s->esmtp = 1;
	snprintf(size, sizeof(size), "SIZE %" PRIu64, cfg->max_message_size);
	snprintf(auth, sizeof(auth), "AUTH%s%s",
	    cfg->auth_plain ? " PLAIN" : "", cfg->auth_login ? " LOGIN" : "");
	ext[n++] = "PIPELINING";
	ext[n++] = size;
	if (s->ssl == NULL && s->kind != LISTEN_SMTPS)
		ext[n++] = "STARTTLS";
	/* never offer AUTH in plaintext, RFC 4954 §4 / RFC 8314 */
	if (s->ssl != NULL && s->kind != LISTEN_MX && !s->authed)
		ext[n++] = auth;
	ext[n++] = "ENHANCEDSTATUSCODES";
	ext[n++] = "8BITMIME";
	ext[n++] = "SMTPUTF8";
	ext[n++] = "DSN";		/* RFC 3461 */
	smtp_reply(s, RPL_EHLO_FIRST, cfg->hostname);
	for (i = 0; i < n; i++)
		smtp_reply(s, RPL_EHLO_LINE, i + 1 == n ? ' ' : '-', ext[i]);
}

/* STARTTLS ------------------------------------------------------------- */

static void
cmd_starttls(struct smtp_session *s, char *args)
{
	if (s->kind == LISTEN_SMTPS || s->ssl != NULL) {
		smtp_reply(s, RPL_TLS_ACTIVE);
		return;
	}
	smtp_reply(s, RPL_TLS_READY);
	/* nothing after STARTTLS in this read may be acted on */
	smtp_enter_state(s, SMTP_STARTTLS);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(s->bev, EV_WRITE);
}

/* AUTH ----------------------------------------------------------------- */

static void
cmd_auth(struct smtp_session *s, char *args)
{
	const struct config	*cfg = smtpd_env->cfg;
	char			*initial, *sp;
	const char		*chal = NULL;
	enum sasl_mech		 mech;
	enum sasl_status	 st;

	if (s->kind == LISTEN_MX) {
		smtp_reply(s, RPL_AUTH_NOT_HERE);
		return;
	}
	if (s->authed) {
		smtp_reply(s, RPL_AUTH_TWICE);
		return;
	}
	if ((sp = strchr(args, ' ')) != NULL) {
		*sp = '\0';
		initial = sp + 1;
	} else
		initial = NULL;
	if (sasl_mech_parse(args, &mech) == -1 ||
	    (mech == SASL_MECH_PLAIN && !cfg->auth_plain) ||
	    (mech == SASL_MECH_LOGIN && !cfg->auth_login)) {
		smtp_reply(s, RPL_AUTH_MECH);
		return;
	}
	if (s->ssl == NULL) {
		log_info("sess=%s AUTH %s refused before STARTTLS", s->idstr,
		    sasl_mech_name(mech));
		smtp_reply(s, RPL_AUTH_ENCRYPT);
		return;
	}
	s->auth_mech = mech;
	st = sasl_start(&s->sasl, mech, initial, &chal);
	smtp_auth_status(s, st, chal);
}

static void
smtp_auth_status(struct smtp_session *s, enum sasl_status st,
    const char *chal)
{
	struct ipc_msg	m;
	char		esc[300];

	switch (st) {
	case SASL_CONTINUE:
		smtp_enter_state(s, SMTP_AUTH_INPUT);
		smtp_reply(s, RPL_AUTH_CHALLENGE, chal);
		return;
	case SASL_DONE:
		break;
	case SASL_ERR_BASE64:
		smtp_reply(s, RPL_AUTH_BASE64);
		goto fail;
	case SASL_ERR_CANCEL:
		smtp_reply(s, RPL_AUTH_CANCEL);
		goto fail;
	case SASL_ERR_SYNTAX:
		smtp_reply(s, RPL_AUTH_SYNTAX);
		goto fail;
	case SASL_ERR_AUTHZ:
		log_info("sess=%s auth failed mech=%s user=%s reason=%s",
		    s->idstr, sasl_mech_name(s->auth_mech),
		    smtp_printable(s->sasl.user, esc, sizeof(esc)),
		    "authorization identity differs from user");
		smtp_reply(s, RPL_AUTH_INVALID);
		goto fail;
	}
	util_strlcpy(s->auth_user, s->sasl.user, sizeof(s->auth_user));
	ipc_msg_init(&m, IPC_AUTH_REQ, s->id);
	if (ipc_put_str(&m, sasl_mech_name(s->auth_mech)) == -1 ||
	    ipc_put_str(&m, s->sasl.user) == -1 ||
	    ipc_put_str(&m, s->sasl.pass) == -1 ||
	    ipc_put_str(&m, s->client) == -1 ||
	    ipc_put_str(&m, s->sni) == -1 ||
	    ipc_put_str(&m, "smtp") == -1 ||
	    ipc_chan_send(smtpd_env->auth, &m) == -1) {
		explicit_bzero(&m.data, m.len);
		smtp_reply(s, RPL_AUTH_TEMP);
		goto fail;
	}
	explicit_bzero(&m.data, m.len);
	sasl_clear(&s->sasl);
	smtp_park(s, WAIT_AUTH);
	return;
fail:
	sasl_clear(&s->sasl);
	smtp_enter_state(s, SMTP_CMD);
}

static void
smtp_auth_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result, limit = 0;
	uint64_t	until = 0;
	char		reason[STORE_REASON_MAX + 1] = "malformed answer";
	char		hint[300] = "", esc[300], when[40];

	if (ipc_get_u32(m, &result) == -1 ||
	    ipc_get_str(m, reason, sizeof(reason)) == -1 ||
	    ipc_get_str(m, hint, sizeof(hint)) == -1 ||
	    ipc_get_u32(m, &limit) == -1 ||
	    ipc_get_u64(m, &until) == -1)
		result = AUTH_RES_TEMPFAIL;
	smtp_printable(s->auth_user, esc, sizeof(esc));
	switch (result) {
	case AUTH_RES_OK:
		s->authed = 1;
		s->daily_limit = limit;
		log_info("sess=%s auth ok mech=%s user=%s", s->idstr,
		    sasl_mech_name(s->auth_mech), esc);
		smtp_reply(s, RPL_AUTH_OK);
		break;
	case AUTH_RES_FAIL:
		log_info("sess=%s auth failed mech=%s user=%s reason=%s "
		    "client=%s", s->idstr, sasl_mech_name(s->auth_mech), esc,
		    reason, s->client);
		s->auth_user[0] = '\0';
		/* the hint comes made by the auth process (auth_hint()) */
		smtp_reply(s, RPL_AUTH_INVALID "%s%s",
		    hint[0] ? ": " : "", hint);
		break;
	case AUTH_RES_LOCKED:
		/*
		 * RFC 4954 §6 leaves the text free.  Unknown addresses lock
		 * alike after as many failures, so this says nothing about
		 * which mailboxes exist.
		 */
		log_info("sess=%s auth refused mech=%s user=%s reason=%s "
		    "client=%s", s->idstr, sasl_mech_name(s->auth_mech), esc,
		    reason, s->client);
		s->auth_user[0] = '\0';
		util_time_utc((int64_t)until, when, sizeof(when));
		smtp_reply(s, RPL_AUTH_LOCKED, when);
		break;
	default:
		log_info("sess=%s auth tempfail mech=%s user=%s reason=%s "
		    "client=%s", s->idstr, sasl_mech_name(s->auth_mech), esc,
		    reason, s->client);
		s->auth_user[0] = '\0';
		smtp_reply(s, RPL_AUTH_STORE_DOWN);
		break;
	}
	smtp_resume(s);
}

/* MAIL / RCPT ---------------------------------------------------------- */

static int
smtp_param_len(const char *p)
{
	return (int)strcspn(p, " ");
}

static void
cmd_mail(struct smtp_session *s, char *args)
{
	struct smtp_tx		*tx;
	const char		*bad = NULL;
	char			 esc[300];
	enum smtp_parse_err	 e;

	if (s->tx != NULL) {
		smtp_reply(s, RPL_NESTED_MAIL);
		return;
	}
	if (s->kind != LISTEN_MX && !s->authed) {
		if (s->kind == LISTEN_SUBMISSION && s->ssl == NULL)
			smtp_reply(s, RPL_NEED_STARTTLS);
		else
			smtp_reply(s, RPL_NEED_AUTH);
		return;
	}
	if (strncasecmp(args, "FROM:", 5) != 0) {
		smtp_reply(s, RPL_MAIL_SYNTAX);
		return;
	}
	if ((tx = calloc(1, sizeof(*tx))) == NULL) {
		smtp_reply(s, RPL_NO_MEMORY);
		return;
	}
	tx->fd = -1;
	e = smtp_parse_mail(args, &tx->sender, &tx->params, &bad);
	switch (e) {
	case SMTP_PARSE_OK:
		break;
	case SMTP_PARSE_SYNTAX:
		smtp_reply(s, RPL_SENDER_SYNTAX);
		goto fail;
	case SMTP_PARSE_TOO_LONG:
		smtp_reply(s, RPL_SENDER_LONG);
		goto fail;
	case SMTP_PARSE_UTF8:
		smtp_reply(s, RPL_SENDER_UTF8);
		goto fail;
	case SMTP_PARSE_PARAM_UNKNOWN:
	case SMTP_PARSE_PARAM_SYNTAX:
		smtp_param_error(s, e, bad);
		goto fail;
	}
	if (tx->params.has_size &&
	    tx->params.size > smtpd_env->cfg->max_message_size) {
		smtp_reply(s, RPL_TOO_BIG, smtpd_env->cfg->max_message_size);
		goto fail;
	}
	s->tx = tx;
	log_debug("sess=%s from=<%s>", s->idstr,
	    smtp_printable(tx->sender.addr, esc, sizeof(esc)));
	if (s->authed && !tx->sender.null) {
		/* the sender must be the mailbox or one it may use */
		struct ipc_msg	m;

		ipc_msg_init(&m, IPC_SENDER_REQ, s->id);
		if (ipc_put_str(&m, s->auth_user) == 0 &&
		    ipc_put_str(&m, tx->sender.addr) == 0 &&
		    ipc_chan_send(smtpd_env->auth, &m) == 0) {
			smtp_park(s, WAIT_SENDER);
			return;
		}
		smtp_reply(s, RPL_LOOKUP_TEMP);
		smtp_tx_free(s);
		return;
	}
	smtp_reply(s, RPL_MAIL_OK);
	return;
fail:
	free(tx);
}

static void
smtp_sender_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result, any = 1;
	char		esc[300], uesc[300];

	if (ipc_get_u32(m, &result) == -1 || ipc_get_u32(m, &any) == -1)
		result = 2;
	s->tx->no_suppressed = result == 0 && any == 0;
	if (result == 0)
		smtp_reply(s, RPL_MAIL_OK);
	else if (result == 1) {
		smtp_printable(s->tx->sender.addr, esc, sizeof(esc));
		smtp_printable(s->auth_user, uesc, sizeof(uesc));
		log_info("sess=%s sender <%s> refused: not owned by user %s",
		    s->idstr, esc, uesc);
		smtp_reply(s, RPL_NOT_OWNER, esc, uesc);
		smtp_tx_free(s);
	} else {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		smtp_tx_free(s);
	}
	smtp_resume(s);
}

/* Daily limit: recipients accepted in the last 24 h, across sessions. */
static void
smtp_limit_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result, limit;
	uint64_t	sent, oldest;
	char		when[64], uesc[300];
	time_t		t;
	struct tm	tm;

	if (ipc_get_u32(m, &result) == -1 || ipc_get_u32(m, &limit) == -1 ||
	    ipc_get_u64(m, &sent) == -1 || ipc_get_u64(m, &oldest) == -1 ||
	    result != 0) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		smtp_resume(s);
		return;
	}
	if (limit > 0 && sent + s->tx->nrcpt >= limit) {
		t = (time_t)(oldest > 0 ? oldest + 86400 :
		    util_now_ms() / 1000 + 86400);
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		smtp_printable(s->auth_user, uesc, sizeof(uesc));
		log_info("sess=%s daily limit %u reached for %s", s->idstr,
		    limit, uesc);
		smtp_reply(s, RPL_DAILY_LIMIT, limit, uesc, when);
	} else
		smtp_rcpt_accept(s);
	smtp_resume(s);
}

static void
cmd_rcpt(struct smtp_session *s, char *args)
{
	struct smtp_tx		*tx = s->tx;
	const char		*bad = NULL;
	struct ipc_msg		 m;
	enum smtp_parse_err	 e;

	if (tx == NULL) {
		smtp_reply(s, RPL_NEED_MAIL);
		return;
	}
	if (strncasecmp(args, "TO:", 3) != 0) {
		smtp_reply(s, RPL_RCPT_SYNTAX);
		return;
	}
	tx->rcpt_tried++;
	if (tx->nrcpt >= smtpd_env->cfg->max_recipients) {
		smtp_reply(s, RPL_TOO_MANY_RCPT);
		return;
	}
	e = smtp_parse_rcpt(args, tx->params.smtputf8, &tx->pending,
	    &tx->pending_dsn, &bad);
	switch (e) {
	case SMTP_PARSE_OK:
		break;
	case SMTP_PARSE_SYNTAX:
		smtp_reply(s, RPL_RCPT_BAD);
		return;
	case SMTP_PARSE_TOO_LONG:
		smtp_reply(s, RPL_RCPT_LONG);
		return;
	case SMTP_PARSE_UTF8:
		smtp_reply(s, RPL_RCPT_UTF8);
		return;
	case SMTP_PARSE_PARAM_UNKNOWN:
	case SMTP_PARSE_PARAM_SYNTAX:
		smtp_param_error(s, e, bad);
		return;
	}
	if (s->kind != LISTEN_MX) {
		/* submission: suppression list, then the daily limit */
		smtp_suppress_check(s);
		return;
	}
	/* the MX takes mail for local domains only: ask the store */
	ipc_msg_init(&m, IPC_RCPT_REQ, s->id);
	if (ipc_put_str(&m, tx->pending.addr) == -1 ||
	    ipc_chan_send(smtpd_env->auth, &m) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return;
	}
	smtp_park(s, WAIT_RCPT);
}

static void
smtp_rcpt_accept(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;
	void		*p;

	p = reallocarray(tx->rcpt, tx->nrcpt + 1, sizeof(*tx->rcpt));
	if (p == NULL) {
		smtp_reply(s, RPL_RCPT_NO_MEMORY);
		return;
	}
	tx->rcpt = p;
	memcpy(tx->rcpt[tx->nrcpt].addr, tx->pending.addr,
	    sizeof(tx->rcpt[0].addr));
	tx->rcpt[tx->nrcpt++].dsn = tx->pending_dsn;
	smtp_reply(s, RPL_RCPT_OK);
}

/* Submission: the daily limit, if the mailbox has one, else accept. */
static void
smtp_rcpt_limit(struct smtp_session *s)
{
	struct ipc_msg	m;

	if (s->daily_limit == 0) {
		smtp_rcpt_accept(s);
		return;
	}
	ipc_msg_init(&m, IPC_LIMIT_REQ, s->id);
	if (ipc_put_str(&m, s->auth_user) == -1 ||
	    ipc_chan_send(smtpd_env->auth, &m) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return;
	}
	smtp_park(s, WAIT_LIMIT);
}

/*
 * Submission: an address that hard-bounced must not be mailed again from
 * the same domain (the suppression list, store_suppress.c).  The sending
 * domain is the sender's, or the user's own for the null sender.  A
 * recipient without a domain (<Postmaster>) is never suppressed.
 */
static void
smtp_suppress_check(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;
	struct ipc_msg	 m;
	const char	*from, *at;

	if (tx->sender.at > 0)
		from = tx->sender.addr + tx->sender.at + 1;
	else
		from = (at = strrchr(s->auth_user, '@')) ? at + 1 : "";
	if (from[0] == '\0' || tx->pending.at == 0 || tx->no_suppressed) {
		smtp_rcpt_limit(s);
		return;
	}
	ipc_msg_init(&m, IPC_SUPPRESS_REQ, s->id);
	if (ipc_put_str(&m, from) == -1 ||
	    ipc_put_str(&m, tx->pending.addr) == -1 ||
	    ipc_chan_send(smtpd_env->auth, &m) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return;
	}
	smtp_park(s, WAIT_SUPPRESS);
}

static void
smtp_suppress_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result;
	char		esc[300];

	if (ipc_get_u32(m, &result) == -1 || result > 2)
		result = 2;
	if (result == 0) {
		smtp_rcpt_limit(s);
		if (s->wait == WAIT_LIMIT)
			return;		/* parked again */
	} else if (result == 1)
		smtp_suppressed(s, m);
	else {
		smtp_printable(s->tx->pending.addr, esc, sizeof(esc));
		smtp_reply(s, RPL_RCPT_TEMP, esc);
	}
	smtp_resume(s);
}

/*
 * 550 5.1.1 for a suppressed recipient: when and why, and the command
 * that lifts it.  The reason is a remote server's text: only printable
 * ASCII of it is shown, cut so the reply stays within 512 octets (RFC
 * 5321 §4.5.3.1.5); if even the rest does not fit, a shorter reply.
 */
static void
smtp_suppressed(struct smtp_session *s, struct ipc_msg *m)
{
	char		 dom[STORE_ADDR_MAX + 1], raw[STORE_ADDR_MAX + 1];
	char		 reason[STORE_REASON_MAX + 1];
	char		 why[STORE_REASON_MAX + 4];
	char		 source[16], when[32], esc[300], line[REPLY_LINE_MAX];
	const char	*how;
	uint64_t	 created;
	time_t		 t;
	struct tm	 tm;
	int		 n;
	size_t		 room;

	if (ipc_get_str(m, raw, sizeof(raw)) == -1 ||
	    ipc_get_str(m, reason, sizeof(reason)) == -1 ||
	    ipc_get_str(m, source, sizeof(source)) == -1 ||
	    ipc_get_u64(m, &created) == -1 || ipc_get_end(m) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return;
	}
	smtp_safe_text(dom, sizeof(dom), raw);
	smtp_printable(s->tx->pending.addr, esc, sizeof(esc));
	t = (time_t)created;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		util_strlcpy(when, "an unknown date", sizeof(when));
	how = strcmp(source, "bounce") == 0 ? "it hard-bounced on" :
	    "it was added by hand on";
	log_info("sess=%s recipient <%s> suppressed for %s (%s)", s->idstr,
	    esc, dom, source);
	/* the reply without the reason, to see how much of it fits */
	n = replies_format(line, sizeof(line), RPL_SUPPRESSED, esc, dom, how,
	    when, "", "", "", dom, esc);
	if (n < 0 || (size_t)n + 2 > sizeof(line)) {
		smtp_reply(s, RPL_SUPPRESSED_SHORT);
		return;
	}
	room = sizeof(line) - 2 - (size_t)n;	/* CRLF */
	why[0] = '\0';
	if (reason[0] != '\0' && room > 3 + 8) {
		smtp_safe_text(why, room - 3 < sizeof(why) ? room - 3 :
		    sizeof(why), reason);
	}
	smtp_reply(s, RPL_SUPPRESSED, esc,
	    dom, how, when, why[0] ? " (" : "", why, why[0] ? ")" : "", dom,
	    esc);
}

/*
 * Text that did not come from this process (a remote server's reply,
 * a stored name) made fit for a reply line: printable ASCII only, white
 * space as a space, anything else as '?', never CR or LF; cut to
 * dstsz - 1 octets, ending in "..." when cut.
 */
static void
smtp_safe_text(char *dst, size_t dstsz, const char *src)
{
	unsigned char	c;
	size_t		i, n = 0;

	if (dstsz == 0)
		return;
	for (i = 0; src[i] != '\0' && n + 1 < dstsz; i++) {
		c = (unsigned char)src[i];
		dst[n++] = c >= 32 && c <= 126 ? (char)c :
		    c == '\t' || c == '\r' || c == '\n' ? ' ' : '?';
	}
	dst[n] = '\0';
	if (src[i] != '\0' && n >= 3)
		memcpy(dst + n - 3, "...", 3);
}

/*
 * 555 for a parameter we do not offer, 501 5.5.4 for a bad one (RFC 3463
 * §3.6), naming it; for the DSN parameters the reply says what is
 * expected (RFC 3461 §4).
 */
static void
smtp_param_error(struct smtp_session *s, enum smtp_parse_err e,
    const char *bad)
{
	static const struct {
		const char	*kw;
		const char	*want;
	} dsn[] = {
		{ "RET", "RET=FULL or RET=HDRS" },
		{ "ENVID", "ENVID=xtext of at most 100 characters" },
		{ "NOTIFY", "NOTIFY=NEVER or a comma list of SUCCESS, "
		    "FAILURE, DELAY" },
		{ "ORCPT", "ORCPT=addr-type;xtext of at most 500 characters" },
	};
	char	tok[65], esc[300];
	size_t	i, klen, len = (size_t)smtp_param_len(bad);

	if (len >= sizeof(tok))
		len = sizeof(tok) - 1;
	memcpy(tok, bad, len);
	tok[len] = '\0';
	smtp_printable(tok, esc, sizeof(esc));
	if (e == SMTP_PARSE_PARAM_UNKNOWN) {
		smtp_reply(s, RPL_PARAM_UNKNOWN, esc);
		return;
	}
	klen = strcspn(bad, "= ");
	for (i = 0; i < sizeof(dsn) / sizeof(dsn[0]); i++)
		if (strlen(dsn[i].kw) == klen &&
		    strncasecmp(bad, dsn[i].kw, klen) == 0) {
			smtp_reply(s, RPL_PARAM_DSN, esc,
			    dsn[i].want);
			return;
		}
	smtp_reply(s, RPL_PARAM_BAD, esc);
}

static void
smtp_rcpt_result(struct smtp_session *s, struct ipc_msg *m)
{
	struct smtp_tx	*tx = s->tx;
	uint32_t	 result;
	char		 esc[300];

	if (ipc_get_u32(m, &result) == -1)
		result = RCPT_RES_TEMPFAIL;
	smtp_printable(tx->pending.addr, esc, sizeof(esc));
	switch (result) {
	case RCPT_RES_OK:
		smtp_rcpt_accept(s);
		break;
	case RCPT_RES_RELAY:
		log_info("sess=%s relay denied to=<%s> client=%s", s->idstr,
		    esc, s->client);
		smtp_reply(s, RPL_RELAY_DENIED, esc);
		break;
	case RCPT_RES_UNKNOWN:
		log_info("sess=%s unknown recipient to=<%s>", s->idstr, esc);
		smtp_reply(s, RPL_NO_MAILBOX, esc);
		break;
	default:
		smtp_reply(s, RPL_RCPT_TEMP, esc);
		break;
	}
	smtp_resume(s);
}

/* DATA ----------------------------------------------------------------- */

static void
cmd_data(struct smtp_session *s, char *args)
{
	struct smtp_tx	*tx = s->tx;
	struct ipc_msg	 m;
	uint32_t	 flags = 0;
	size_t		 i;
	int		 ok;

	if (tx == NULL) {
		smtp_reply(s, RPL_NEED_MAIL);
		return;
	}
	if (tx->nrcpt == 0) {
		/* RFC 2920 §3.1: all pipelined RCPTs failed */
		if (tx->rcpt_tried > 0)
			smtp_reply(s, RPL_NO_VALID_RCPT);
		else
			smtp_reply(s, RPL_NEED_RCPT);
		return;
	}
	if (tx->params.smtputf8)
		flags |= MSG_F_SMTPUTF8;
	if (tx->params.body == SMTP_BODY_8BITMIME)
		flags |= MSG_F_8BITMIME;
	ipc_msg_init(&m, IPC_Q_OPEN, s->id);
	ok = ipc_put_str(&m, tx->sender.addr) == 0 &&
	    ipc_put_str(&m, s->helo) == 0 &&
	    ipc_put_str(&m, s->client) == 0 &&
	    ipc_put_str(&m, s->authed ? s->auth_user : "") == 0 &&
	    ipc_put_str(&m, smtp_listen_name(s->kind)) == 0 &&
	    ipc_put_u32(&m, flags) == 0 &&
	    ipc_put_u32(&m, tx->params.ret) == 0 &&	/* DSN RET */
	    ipc_put_str(&m, tx->params.envid) == 0 &&	/* DSN ENVID */
	    ipc_chan_send(smtpd_env->queue, &m) == 0;
	tx->queue_open = ok;
	for (i = 0; ok && i < tx->nrcpt; i++) {
		ipc_msg_init(&m, IPC_Q_RCPT, s->id);
		/* DSN NOTIFY and ORCPT */
		ok = ipc_put_str(&m, tx->rcpt[i].addr) == 0 &&
		    ipc_put_u32(&m, tx->rcpt[i].dsn.notify) == 0 &&
		    ipc_put_str(&m, tx->rcpt[i].dsn.orcpt) == 0 &&
		    ipc_chan_send(smtpd_env->queue, &m) == 0;
	}
	if (!ok) {
		smtp_reply(s, RPL_QUEUE_DOWN);
		smtp_tx_free(s);
		return;
	}
	smtp_park(s, WAIT_QUEUE_OPEN);
}

static void
smtp_queue_opened(struct smtp_session *s, struct ipc_msg *m)
{
	struct smtp_tx	*tx = s->tx;
	uint32_t	 result;

	if (ipc_get_u32(m, &result) == -1 ||
	    ipc_get_str(m, tx->msgid, sizeof(tx->msgid)) == -1 ||
	    (result == QUEUE_RES_OK && m->fd == -1))
		result = QUEUE_RES_TEMPFAIL;
	if (result != QUEUE_RES_OK) {
		if (m->fd != -1)
			close(m->fd);
		m->fd = -1;
		smtp_reply(s, result == QUEUE_RES_NOSPACE ?
		    RPL_NO_SPACE :
		    RPL_QUEUE_WRITE);
		smtp_resume(s);
		return;
	}
	tx->fd = m->fd;
	if (smtp_write_received(s) == -1) {
		smtp_reply(s, tx->write_errno == ENOSPC ||
		    tx->write_errno == EDQUOT ?
		    RPL_NO_SPACE :
		    RPL_QUEUE_WRITE);
		smtp_tx_free(s);
		smtp_resume(s);
		return;
	}
	dot_init(&tx->dot, SMTP_TEXT_LINE_MAX, smtpd_env->cfg->max_message_size);
	s->wait = WAIT_NONE;
	smtp_enter_state(s, SMTP_DATA);
	smtp_set_timeout(s, smtpd_env->cfg->timeout_data_ms);
	smtp_reply(s, RPL_DATA_GO);
	smtp_process(s);
}

/* RFC 5321 §4.4 trace header; RFC 3848 / RFC 6531 §3.7.3 protocol names */
static int
smtp_write_received(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;
	char		 hdr[2048], date[64], proto[16], tlsc[160], forc[300];

	util_rfc5322_date(date, sizeof(date));
	snprintf(proto, sizeof(proto), "%s%s%s",
	    tx->params.smtputf8 ? "UTF8SMTP" : s->esmtp ? "ESMTP" : "SMTP",
	    s->ssl && (s->esmtp || tx->params.smtputf8) ? "S" : "",
	    s->authed && (s->esmtp || tx->params.smtputf8) ? "A" : "");
	tlsc[0] = forc[0] = '\0';
	if (s->ssl)
		snprintf(tlsc, sizeof(tlsc), "\r\n\t(%s)", s->tls_info);
	if (tx->nrcpt == 1)
		snprintf(forc, sizeof(forc), "\r\n\tfor <%s>",
		    tx->rcpt[0].addr);
	if (util_snprintf(hdr, sizeof(hdr), "Received: from %s ([%s])\r\n"
	    "\tby %s (Postern) with %s id %s%s%s;\r\n\t%s\r\n", s->helo,
	    s->client, smtpd_env->cfg->hostname, proto, tx->msgid, tlsc, forc,
	    date) == -1) {
		tx->write_errno = EOVERFLOW;
		return -1;
	}
	smtp_write_content(s, hdr, strlen(hdr));
	return tx->write_errno ? -1 : 0;
}

static void
smtp_write_content(struct smtp_session *s, const char *p, size_t n)
{
	struct smtp_tx	*tx = s->tx;

	if (tx->write_errno || n == 0)
		return;
	if (util_write_all(tx->fd, p, n) == -1) {
		tx->write_errno = errno;
		log_warn("sess=%s id=%s spool write", s->idstr, tx->msgid);
	}
}

static void
smtp_data_input(struct smtp_session *s)
{
	struct smtp_tx		*tx = s->tx;
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct evbuffer_iovec	 v;
	char			 out[SMTP_DATA_CHUNK + 2];
	size_t			 inlen, outlen, used;
	int			 end;

	while (evbuffer_peek(in, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		inlen = v.iov_len < SMTP_DATA_CHUNK ? v.iov_len :
		    SMTP_DATA_CHUNK;
		end = dot_feed(&tx->dot, v.iov_base, inlen, out, &outlen,
		    &used);
		if (tx->dot.flags == 0)
			smtp_write_content(s, out, outlen);
		evbuffer_drain(in, used);
		if (end) {
			smtp_data_end(s);
			return;
		}
	}
}

static void
smtp_data_end(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;
	struct ipc_msg	 m;
	unsigned	 f = tx->dot.flags;

	smtp_set_timeout(s, smtpd_env->cfg->timeout_command_ms);
	smtp_enter_state(s, SMTP_CMD);
	if (f & (DOT_BARE_LF | DOT_BARE_CR)) {
		log_info("sess=%s id=%s rejected: bare %s in message content",
		    s->idstr, tx->msgid, f & DOT_BARE_LF ? "LF" : "CR");
		smtp_reply(s, RPL_BARE_EOL,
		    f & DOT_BARE_LF ? "LF" : "CR");
	} else if (f & DOT_LINE_TOO_LONG) {
		log_info("sess=%s id=%s rejected: line over %d octets",
		    s->idstr, tx->msgid, SMTP_TEXT_LINE_MAX);
		smtp_reply(s, RPL_DATA_LINE_LONG, SMTP_TEXT_LINE_MAX);
	} else if (f & DOT_TOO_BIG) {
		log_info("sess=%s id=%s rejected: over %" PRIu64 " octets",
		    s->idstr, tx->msgid, smtpd_env->cfg->max_message_size);
		smtp_reply(s, RPL_TOO_BIG, smtpd_env->cfg->max_message_size);
	} else if (tx->write_errno) {
		smtp_reply(s, tx->write_errno == ENOSPC ||
		    tx->write_errno == EDQUOT ?
		    RPL_NO_SPACE :
		    RPL_QUEUE_WRITE);
	} else {
		close(tx->fd);
		tx->fd = -1;
		ipc_msg_init(&m, IPC_Q_COMMIT, s->id);
		ipc_put_u64(&m, tx->dot.size);
		if (ipc_chan_send(smtpd_env->queue, &m) == 0) {
			tx->queue_open = 0;	/* the queue's now */
			smtp_park(s, WAIT_QUEUE_COMMIT);
			return;
		}
		smtp_reply(s, RPL_QUEUE_DOWN);
	}
	smtp_tx_free(s);
}

static void
smtp_queue_committed(struct smtp_session *s, struct ipc_msg *m)
{
	struct smtp_tx	*tx = s->tx;
	uint32_t	 result;
	char		 esc[300], uesc[300];

	if (ipc_get_u32(m, &result) == -1)
		result = QUEUE_RES_TEMPFAIL;
	if (result == QUEUE_RES_OK) {
		s->nmessages++;
		log_info("sess=%s id=%s queued from=<%s> nrcpt=%zu size=%"
		    PRIu64 "%s%s", s->idstr, tx->msgid,
		    smtp_printable(tx->sender.addr, esc, sizeof(esc)),
		    tx->nrcpt, tx->dot.size, s->authed ? " user=" : "",
		    s->authed ? smtp_printable(s->auth_user, uesc,
		    sizeof(uesc)) : "");
		smtp_reply(s, RPL_QUEUED, tx->msgid);
		if (s->authed) {
			struct ipc_msg	sm;

			ipc_msg_init(&sm, IPC_SENT, s->id);
			if (ipc_put_str(&sm, s->auth_user) == 0 &&
			    ipc_put_u32(&sm, (uint32_t)tx->nrcpt) == 0)
				ipc_chan_send(smtpd_env->auth, &sm);
		}
	} else
		smtp_reply(s, result == QUEUE_RES_NOSPACE ?
		    RPL_NO_SPACE :
		    RPL_QUEUE_WRITE);
	smtp_tx_free(s);
	smtp_resume(s);
}

/* The rest ------------------------------------------------------------- */

static void
cmd_rset(struct smtp_session *s, char *args)
{
	smtp_tx_free(s);
	smtp_reply(s, RPL_OK);
}

static void
cmd_noop(struct smtp_session *s, char *args)
{
	smtp_reply(s, RPL_OK);
}

static void
cmd_quit(struct smtp_session *s, char *args)
{
	smtp_reply_close(s, RPL_BYE);
}

static void
cmd_vrfy(struct smtp_session *s, char *args)
{
	/* RFC 5321 §3.5.3: do not reveal which addresses exist */
	smtp_reply(s, RPL_VRFY);
}

static void
cmd_expn(struct smtp_session *s, char *args)
{
	smtp_reply(s, RPL_EXPN);
}

static void
cmd_help(struct smtp_session *s, char *args)
{
	smtp_reply(s, RPL_HELP_1);
	smtp_reply(s, RPL_HELP_2);
}
