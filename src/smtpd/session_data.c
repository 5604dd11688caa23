/*
 * session_data: DATA in an SMTP session.  The queue process opens the
 * message and hands over its descriptor; the session writes the trace
 * header and the content through the dotreader (core/dotreader.h): only
 * <CRLF>.<CRLF> ends it, and bare CR or LF, an overlong line or too big
 * a message fail the message once it has ended.  The 250 is sent only
 * once the queue says the message is durable (WAIT_QUEUE_COMMIT).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "core/replies.h"
#include "core/metrics.h"
#include "lib/log.h"
#include "lib/util.h"
#include "smtpd/smtp_session_int.h"

#define SMTP_DATA_CHUNK	16384	/* content read per dot_feed() */

static int	smtp_write_received(struct smtp_session *);
static void	smtp_write_content(struct smtp_session *, const char *, size_t);
static void	smtp_write_file(struct smtp_session *, const char *, size_t);
static void	smtp_flush_content(struct smtp_session *);
static int	smtp_put_rcpt(struct ipc_msg *, const struct smtp_rcpt *);
static int	smtp_rcpt_fits(const struct ipc_msg *,
		    const struct smtp_rcpt *);
static void	smtp_data_end(struct smtp_session *);

void
cmd_data(struct smtp_session *s, char *args)
{
	struct smtp_tx	*tx = s->tx;
	struct ipc_msg	 m;
	uint32_t	 flags = 0;
	size_t		 i;
	int		 ok;

	/* after MAIL: checked by the command table (CMD_NEEDS_TX) */
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
	    ipc_put_str(&m, tx->params.envid) == 0;	/* DSN ENVID */
	/* the recipients that fit ride along (one message for the usual
	   few), the rest follow one IPC_Q_RCPT each */
	for (i = 0; ok && i < tx->nrcpt && smtp_rcpt_fits(&m,
	    &tx->rcpt[i]); i++)
		ok = smtp_put_rcpt(&m, &tx->rcpt[i]) == 0;
	ok = ok && ipc_chan_send(smtpd_env->queue, &m) == 0;
	tx->queue_open = ok;
	for (; ok && i < tx->nrcpt; i++) {
		ipc_msg_init(&m, IPC_Q_RCPT, s->id);
		ok = smtp_put_rcpt(&m, &tx->rcpt[i]) == 0 &&
		    ipc_chan_send(smtpd_env->queue, &m) == 0;
	}
	if (!ok) {
		smtp_reply(s, RPL_QUEUE_DOWN);
		smtp_tx_free(s);
		return;
	}
	smtp_park(s, WAIT_QUEUE_OPEN);
}

/* A recipient and its DSN NOTIFY and ORCPT, as the queue reads them. */
static int
smtp_put_rcpt(struct ipc_msg *m, const struct smtp_rcpt *r)
{
	return ipc_put_str(m, r->addr) == 0 &&
	    ipc_put_u32(m, r->dsn.notify) == 0 &&
	    ipc_put_str(m, r->dsn.orcpt) == 0 ? 0 : -1;
}

/* Would r fit in m, with room for its lengths? */
static int
smtp_rcpt_fits(const struct ipc_msg *m, const struct smtp_rcpt *r)
{
	return m->len + strlen(r->addr) + strlen(r->dsn.orcpt) + 16 <=
	    IPC_PAYLOAD_MAX;
}

void
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

/* Write p to the queue's file; the first failure sticks. */
static void
smtp_write_file(struct smtp_session *s, const char *p, size_t n)
{
	struct smtp_tx	*tx = s->tx;

	if (tx->write_errno || n == 0)
		return;
	if (util_write_all(tx->fd, p, n) == -1) {
		tx->write_errno = errno;
		log_warn("sess=%s id=%s spool write", s->idstr, tx->msgid);
	} else
		tx->file_len += n;
}

/*
 * Content goes to the queue's file in runs of SMTP_WBUF, not a write
 * for every chunk the dot reader hands over: a 4 KiB message and its
 * Received header are one write at the end of DATA
 * (smtp_flush_content), instead of three.  Without memory for the
 * buffer each chunk is written as it comes.
 */
static void
smtp_write_content(struct smtp_session *s, const char *p, size_t n)
{
	struct smtp_tx	*tx = s->tx;

	if (tx->write_errno || n == 0)
		return;
	if (tx->wbuf == NULL && (tx->wbuf = malloc(SMTP_WBUF)) == NULL) {
		smtp_write_file(s, p, n);
		return;
	}
	if (tx->wlen + n > SMTP_WBUF)
		smtp_flush_content(s);
	if (n >= SMTP_WBUF) {
		smtp_write_file(s, p, n);
		return;
	}
	memcpy(tx->wbuf + tx->wlen, p, n);
	tx->wlen += n;
}

static void
smtp_flush_content(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;

	if (tx->wlen > 0)
		smtp_write_file(s, tx->wbuf, tx->wlen);
	tx->wlen = 0;
}

void
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
	smtp_flush_content(s);
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
		ipc_put_u64(&m, tx->file_len);
		if (ipc_chan_send(smtpd_env->queue, &m) == 0) {
			tx->queue_open = 0;	/* the queue's now */
			smtp_park(s, WAIT_QUEUE_COMMIT);
			return;
		}
		smtp_reply(s, RPL_QUEUE_DOWN);
	}
	smtp_tx_free(s);
}

void
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
		metrics_accepted((int)s->kind);
		if (s->authed) {
			struct ipc_msg	sm;

			/* the holds become the count */
			ipc_msg_init(&sm, IPC_SENT, s->id);
			if (ipc_put_str(&sm, s->auth_user) == 0 &&
			    ipc_put_u32(&sm, (uint32_t)tx->nrcpt) == 0 &&
			    ipc_put_u64(&sm, tx->hold) == 0)
				ipc_chan_send(smtpd_env->auth, &sm);
			tx->hold = 0;
		}
	} else
		smtp_reply(s, result == QUEUE_RES_NOSPACE ?
		    RPL_NO_SPACE :
		    RPL_QUEUE_WRITE);
	smtp_tx_free(s);
	smtp_resume(s);
}
