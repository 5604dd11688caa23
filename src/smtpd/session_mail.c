/*
 * session_mail: MAIL and RCPT in an SMTP session -- parsing (with the
 * SIZE, SMTPUTF8, 8BITMIME and DSN parameters), the transaction, and the
 * MX's recipient lookups.  What a logged-in user may send (the sender,
 * the suppression list, the daily limit) is the submission policy of
 * session_policy.c; the checks before MAIL (530, 503) are flags of the
 * command table (session_cmd.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/replies.h"
#include "lib/log.h"
#include "smtpd/smtp_session_int.h"
#include "store/store.h"

static int	smtp_param_len(const char *);
static void	smtp_param_error(struct smtp_session *, enum smtp_parse_err,
		    const char *);

static int
smtp_param_len(const char *p)
{
	return (int)strcspn(p, " ");
}

void
cmd_mail(struct smtp_session *s, char *args)
{
	struct smtp_tx		*tx;
	const char		*bad = NULL;
	char			 esc[300];
	enum smtp_parse_err	 e;

	/* no transaction yet, and logged in unless on the MX: checked by
	   the command table (session_cmd.c) */
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
	/* the null sender too: a paused mailbox must not send with <> */
	if (s->authed)
		smtp_sender_check(s);
	else
		smtp_reply(s, RPL_MAIL_OK);
	return;
fail:
	free(tx);
}

void
cmd_rcpt(struct smtp_session *s, char *args)
{
	struct smtp_tx		*tx = s->tx;
	const char		*bad = NULL;
	struct ipc_msg		 m;
	enum smtp_parse_err	 e;

	/* after MAIL: checked by the command table (CMD_NEEDS_TX) */
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

void
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

void
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
