/*
 * session_policy: what a logged-in user may send, asked of the auth
 * process one question at a time while the session is parked: at MAIL,
 * may the user send as this sender, and is its mailbox or domain not
 * paused for its sending health (WAIT_SENDER); at each RCPT, is the
 * recipient on the sending domain's suppression list (WAIT_SUPPRESS),
 * then would it pass the mailbox's warm-up allowance for today or its
 * daily limit (WAIT_LIMIT, one question for both, which takes a hold on
 * the mailbox's budget for this transaction when the answer is yes:
 * store_quota.c; the transaction's end settles it, smtp_tx_free and
 * smtp_queue_committed).  A question that cannot be asked or answered
 * gives 451 4.3.0: the client retries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/replies.h"
#include "lib/log.h"
#include "lib/util.h"
#include "smtpd/smtp_session_int.h"
#include "store/store.h"

static void	smtp_suppressed(struct smtp_session *, struct ipc_msg *);
static void	smtp_paused(struct smtp_session *, struct ipc_msg *);
static void	smtp_safe_text(char *, size_t, const char *);
static void	smtp_rcpt_limit(struct smtp_session *);
static int	smtp_warmup_refused(struct smtp_session *, struct ipc_msg *,
		    uint32_t);

/* MAIL from a logged-in user: the sender must be the mailbox or one it
   may use. */
void
smtp_sender_check(struct smtp_session *s)
{
	struct ipc_msg	m;

	ipc_msg_init(&m, IPC_SENDER_REQ, s->id);
	if (ipc_put_str(&m, s->auth_user) == 0 &&
	    ipc_put_str(&m, s->tx->sender.addr) == 0 &&
	    ipc_chan_send(smtpd_env->auth, &m) == 0) {
		smtp_park(s, WAIT_SENDER);
		return;
	}
	smtp_reply(s, RPL_LOOKUP_TEMP);
	smtp_tx_free(s);
}

void
smtp_sender_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result, any = 1;
	char		esc[300], uesc[300];

	if (ipc_get_u32(m, &result) == -1 || ipc_get_u32(m, &any) == -1)
		result = 2;
	s->tx->no_suppressed = result == 0 && any == 0;
	if (result == 0)
		smtp_reply(s, RPL_MAIL_OK);
	else if (result == 3) {
		smtp_paused(s, m);
		smtp_tx_free(s);
	} else if (result == 1) {
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

/*
 * The mailbox, or its domain, is paused for its sending health
 * (core/health.h): 451 4.7.1 with until when, what tripped and the
 * command that resumes it.  The reason is the queue process's own text,
 * kept in the store; it is still made safe and cut to fit.
 */
static void
smtp_paused(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	 scope, npaused, ntotal;
	uint64_t	 until;
	char		 raw[HEALTH_REASON_MAX + 1], why[HEALTH_REASON_MAX + 1];
	char		 when[32], uesc[300];
	const char	*dom;
	time_t		 t;
	struct tm	 tm;

	if (ipc_get_u32(m, &scope) == -1 || ipc_get_u64(m, &until) == -1 ||
	    ipc_get_str(m, raw, sizeof(raw)) == -1 ||
	    ipc_get_u32(m, &npaused) == -1 || ipc_get_u32(m, &ntotal) == -1 ||
	    ipc_get_end(m) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return;
	}
	/* the minute shown is never before the end: rounded up */
	t = (time_t)(until > INT64_MAX - 59 ? until : (until + 59) / 60 * 60);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		util_strlcpy(when, "later", sizeof(when));
	smtp_safe_text(why, sizeof(why), raw);
	smtp_printable(s->auth_user, uesc, sizeof(uesc));
	if ((dom = strrchr(uesc, '@')) != NULL)
		dom++;
	else
		dom = uesc;
	log_info("sess=%s sender refused: %s %s paused until %s", s->idstr,
	    scope ? "domain" : "mailbox", scope ? dom : uesc, when);
	if (scope == 0)
		smtp_reply(s, RPL_HEALTH_PAUSED, when, why, uesc);
	else
		smtp_reply(s, RPL_HEALTH_DOMAIN_PAUSED, when, npaused, ntotal,
		    dom, dom);
}

/*
 * Submission: an address that hard-bounced must not be mailed again from
 * the same domain (the suppression list, store_suppress.c).  The sending
 * domain is the sender's, or the user's own for the null sender.  A
 * recipient without a domain (<Postmaster>) is never suppressed.
 */
void
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

void
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
	how = strcmp(source, "bounce") == 0 || strcmp(source, "dsn") == 0 ?
	    "it hard-bounced on" :
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

/* Submission: the daily limit and the warm-up ramp, if the mailbox has
   either (as at login), else accept. */
static void
smtp_rcpt_limit(struct smtp_session *s)
{
	struct ipc_msg	m;

	if (s->daily_limit == 0 && s->warmup == 0) {
		smtp_rcpt_accept(s);
		return;
	}
	if (s->tx->hold == 0 && (s->tx->hold = util_random_u64()) == 0)
		s->tx->hold = 1;
	ipc_msg_init(&m, IPC_LIMIT_REQ, s->id);
	if (ipc_put_str(&m, s->auth_user) == -1 ||
	    ipc_put_u64(&m, s->tx->hold) == -1 ||
	    ipc_chan_send(smtpd_env->auth, &m) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return;
	}
	smtp_park(s, WAIT_LIMIT);
}

/*
 * The warm-up ramp refused the recipient: recipients since 00:00 UTC
 * of the auth process's clock, held ones included, against today's
 * allowance; across sessions and nodes, since the count is the
 * mailbox's.  0 if the ramp is not what refused it, 1 if the
 * recipient got an answer (451 4.7.1, or 4.3.0 for a bad message).
 */
static int
smtp_warmup_refused(struct smtp_session *s, struct ipc_msg *m,
    uint32_t limit)
{
	uint32_t	active, allowance;
	uint64_t	day, total, sent;
	char		uesc[300];

	if (ipc_get_u32(m, &active) == -1 || ipc_get_u64(m, &day) == -1 ||
	    ipc_get_u64(m, &total) == -1 ||
	    ipc_get_u32(m, &allowance) == -1 ||
	    ipc_get_u64(m, &sent) == -1 || ipc_get_end(m) == -1 ||
	    day > INT64_MAX || total > INT64_MAX) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		return 1;
	}
	if (!active || (limit > 0 && sent < allowance))
		return 0;
	smtp_printable(s->auth_user, uesc, sizeof(uesc));
	log_info("sess=%s warm-up day %" PRIu64 " of %" PRIu64 ": %" PRIu64
	    " of %u recipients today for %s", s->idstr, day, total, sent,
	    allowance, uesc);
	smtp_reply(s, RPL_WARMUP, (int64_t)day, (int64_t)total, sent,
	    allowance);
	metrics_warmup_limited();
	return 1;
}

/*
 * The answer to a recipient's hold on the daily budget: held (accept),
 * or refused by the warm-up ramp or the daily limit (recipients of the
 * last 24 h, held ones included, across sessions and nodes).
 */
void
smtp_limit_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result, reserved, limit;
	uint64_t	sent, oldest;
	char		when[64], uesc[300];
	time_t		t;
	struct tm	tm;

	if (ipc_get_u32(m, &result) == -1 || result != 0 ||
	    ipc_get_u32(m, &reserved) == -1 || ipc_get_u32(m, &limit) == -1 ||
	    ipc_get_u64(m, &sent) == -1 || ipc_get_u64(m, &oldest) == -1) {
		smtp_reply(s, RPL_LOOKUP_TEMP);
		smtp_resume(s);
		return;
	}
	if (reserved)
		smtp_rcpt_accept(s);
	else if (smtp_warmup_refused(s, m, limit))
		;	/* answered */
	else {
		t = (time_t)(oldest > 0 ? oldest + 86400 :
		    util_now_ms() / 1000 + 86400);
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		smtp_printable(s->auth_user, uesc, sizeof(uesc));
		log_info("sess=%s daily limit %u reached for %s (%" PRIu64
		    " in 24 h with the held)", s->idstr, limit, uesc, sent);
		smtp_reply(s, RPL_DAILY_LIMIT, limit, uesc, when);
	}
	smtp_resume(s);
}
