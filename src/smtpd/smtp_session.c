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
 * through one table (smtp_cmds[], session_cmd.c) whose flags carry the
 * checks.  This file is the connection: I/O, TLS, replies, the input
 * loop and the parking; the commands live in the session_*.c files
 * (smtp_session_int.h lists them).  Every reply is a line of
 * core/replies.h, cut to 512 octets in one place (smtp_vreply).
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
 * reply, EOF, error, timeout) or when shutdown grace runs out
 * (smtp_session_expire()), never in the middle of handling a command.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
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

#include "core/replies.h"
#include "core/tls.h"
#include "core/metrics.h"
#include "lib/log.h"
#include "lib/util.h"
#include "smtpd/sessions.h"
#include "smtpd/smtp_session_int.h"

#define SMTP_OUT_MAX		(256 * 1024)	/* stop reading past this */
#define SMTP_IN_HIGH		(128 * 1024)	/* read high watermark */

struct smtp_env		*smtpd_env;
static uint64_t		 next_id;	/* of the next session */

static const char *smtp_state_names[] = {
	"greeting", "tls-handshake", "command", "auth-input", "wait",
	"data", "starttls", "closing",
};

static void	smtp_vreply(struct smtp_session *, const char *, va_list);
static void	smtp_free_deferred(evutil_socket_t, short, void *);
static void	smtp_close_quiet(struct smtp_session *);
static void	smtp_setup_bev(struct smtp_session *);
static void	smtp_greet_timer(evutil_socket_t, short, void *);
static void	smtp_greet(struct smtp_session *);
static void	smtp_connect_result(struct smtp_session *, struct ipc_msg *);
static void	smtp_banner(struct smtp_session *);
static void	smtp_start_tls(struct smtp_session *);
static void	smtp_tls_done(struct smtp_session *);
static void	smtp_readcb(struct bufferevent *, void *);
static void	smtp_writecb(struct bufferevent *, void *);
static void	smtp_eventcb(struct bufferevent *, short, void *);
static void	smtp_reset(struct smtp_session *);
static void	smtp_release(struct smtp_session *);
static void	smtp_process_input(struct smtp_session *);
static void	smtp_free(struct smtp_session *);
static void	smtp_session_expire_one(void *);
static void	smtp_session_shutdown(void *);
static int	smtp_read_line(struct smtp_session *, char *, size_t);
static void	smtp_session_ipc(struct smtp_session *, struct ipc_msg *);

/* Client text goes into logs only through here. */
const char *
smtp_printable(const char *s, char *buf, size_t bufsz)
{
	return log_printable(buf, bufsz, s, strlen(s));
}

void
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

/* Hand the held replies to the connection, in order. */
static void
smtp_release(struct smtp_session *s)
{
	if (s->nheld == 0 || s->bev == NULL)
		return;
	evbuffer_add(bufferevent_get_output(s->bev), s->held, s->nheld);
	s->nheld = 0;
}

/*
 * The one writer of reply lines; replies_vformat() keeps them short.
 *
 * A reply made while commands are being run or the session is parked,
 * and every reply after it, is held in the session until the input has
 * run dry with the session not parked (smtp_process, smtp_release): the
 * 250s of a pipelined MAIL and RCPT go out with DATA's 354 in one write
 * and one TLS record, as RFC 2920 §3.2 lets a server group its replies
 * (Postfix flushes only when its input runs dry).  Parking waits on the
 * auth or queue process, never on the client, so nothing the client
 * waits for is kept past the answer.
 */
static void
smtp_vreply(struct smtp_session *s, const char *fmt, va_list ap)
{
	char		 line[REPLY_LINE_MAX];
	size_t		 n;

	if (replies_vformat(line, sizeof(line), fmt, ap) < 0)
		return;
	n = strlen(line);
	/* the final reply was the last: an answer from auth or the queue
	   that arrives after it (a timeout's 421) says nothing more */
	if (s->state == SMTP_CLOSING) {
		log_debug("sess=%s closing, not sent: %s", s->idstr, line);
		return;
	}
	if (log_debug_enabled())
		log_debug("sess=%s >>> %s", s->idstr, line);
	if (line[0] == '4' || line[0] == '5') {
		s->nerrors++;
		if (s->txreply)
			metrics_refused(atoi(line));
	}
	if (s->nheld + n + 2 > sizeof(s->held))
		smtp_release(s);
	if (s->in_process || s->state == SMTP_WAIT || s->nheld > 0) {
		memcpy(s->held + s->nheld, line, n);
		memcpy(s->held + s->nheld + n, "\r\n", 2);
		s->nheld += n + 2;
		return;
	}
	evbuffer_add(bufferevent_get_output(s->bev), line, n);
	evbuffer_add(bufferevent_get_output(s->bev), "\r\n", 2);
}

void
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
		s->end = MSE_ERRORS;
		smtp_reply_close(s, RPL_TOO_MANY_ERRORS,
		    smtpd_env->cfg->hostname);
	}
}

/* Send a final reply, stop reading and free the session once sent. */
void
smtp_reply_close(struct smtp_session *s, const char *fmt, ...)
{
	va_list	ap;

	if (s->state == SMTP_CLOSING)
		return;
	va_start(ap, fmt);
	smtp_vreply(s, fmt, ap);
	va_end(ap);
	smtp_release(s);
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

	smtp_release(s);
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
	s->end = MSE_CLOSED;
	metrics_connection(s->kind);
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
			s->end = MSE_REFUSED;
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
		s->end = MSE_REFUSED;
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

void
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
		s->end = MSE_REFUSED;
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
		/* nothing said in plaintext may leave inside TLS (the 220
		   went with everything before it: none is held here) */
		s->nheld = 0;
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
		if (s->state == SMTP_TLS_HANDSHAKE)
			metrics_tls_failure(MT_INBOUND);
		s->end = s->state == SMTP_TLS_HANDSHAKE ? MSE_TLS_FAILED :
		    MSE_TIMEOUT;
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
	if ((what & BEV_EVENT_ERROR) && s->state == SMTP_TLS_HANDSHAKE) {
		metrics_tls_failure(MT_INBOUND);
		s->end = MSE_TLS_FAILED;
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

void
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
	if (tx->hold != 0) {
		struct ipc_msg	m;

		/* no message: the holds go (after the RCPT that may still
		   be taking one: auth answers a session in order) */
		ipc_msg_init(&m, IPC_SENT, s->id);
		if (ipc_put_str(&m, s->auth_user) == 0 &&
		    ipc_put_u32(&m, 0) == 0 && ipc_put_u64(&m, tx->hold) == 0)
			ipc_chan_send(smtpd_env->auth, &m);
	}
	free(tx->rcpt);
	free(tx->wbuf);
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
	s->warmup = 0;
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
	metrics_session_end((int)s->kind, (enum metrics_session_end)s->end);
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

	s->end = MSE_SHUTDOWN;
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
 * output backs up; then send the replies held, unless parked.
 */
void
smtp_process(struct smtp_session *s)
{
	if (s->in_process) {		/* an answer given at once, inside */
		smtp_process_input(s);
		return;
	}
	s->in_process = 1;
	smtp_process_input(s);
	s->in_process = 0;
	if (s->state != SMTP_WAIT)
		smtp_release(s);
}

static void
smtp_process_input(struct smtp_session *s)
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
		if (evbuffer_get_length(out) + s->nheld > SMTP_OUT_MAX) {
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
		if (s->state == SMTP_AUTH_INPUT)
			smtp_auth_input(s, line);
		else
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

void
smtp_park(struct smtp_session *s, enum smtp_wait w)
{
	s->wait = w;
	smtp_enter_state(s, SMTP_WAIT);
}

/* An answer arrived: go back to reading pipelined commands. */
void
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
	size_t		i;
	uint64_t	id;

	if (m->type != IPC_Q_OPENED && m->fd != -1) {
		close(m->fd);	/* only Q_OPENED carries a descriptor */
		m->fd = -1;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].type != m->type)
			continue;
		if (routes[i].wait != s->wait)
			break;
		id = s->id;
		routes[i].fn(s, m);
		/* an answer that did not go back to reading: its replies */
		if ((s = sessions_find(id)) != NULL && s->state != SMTP_WAIT)
			smtp_release(s);
		return;
	}
	log_warnx("sess=%s unexpected ipc message %u", s->idstr, m->type);
	if (m->fd != -1)
		close(m->fd);
}
