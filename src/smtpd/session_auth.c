/*
 * session_auth: AUTH (RFC 4954) in an SMTP session: the SASL exchange
 * (core/sasl.c) and the password check, which the auth process does
 * (server/auth.c): the session parks in WAIT_AUTH until it answers.  The
 * password is wiped from the session as soon as it has been sent on.
 * What is wrong with a refused login (the hint after 535) is made by the
 * auth process, in one place for SMTP and IMAP.
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
#include "lib/util.h"
#include "smtpd/smtp_session_int.h"
#include "store/store.h"

static void	smtp_auth_status(struct smtp_session *, enum sasl_status,
		    const char *);

void
cmd_auth(struct smtp_session *s, char *args)
{
	char			*initial, *sp;
	const char		*chal = NULL;
	enum sasl_status	 st;

	/* the command table checked the port, TLS and the mechanism, which
	   it left in auth_mech */
	if ((sp = strchr(args, ' ')) != NULL) {
		*sp = '\0';
		initial = sp + 1;
	} else
		initial = NULL;
	st = sasl_start(&s->sasl, s->auth_mech, initial, &chal);
	smtp_auth_status(s, st, chal);
}

/* A line of the SASL exchange (SMTP_AUTH_INPUT). */
void
smtp_auth_input(struct smtp_session *s, char *line)
{
	const char	*chal = NULL;
	enum sasl_status st;

	st = sasl_step(&s->sasl, line, &chal);
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

void
smtp_auth_result(struct smtp_session *s, struct ipc_msg *m)
{
	uint32_t	result, limit = 0, warmup = 0;
	uint64_t	until = 0;
	char		reason[STORE_REASON_MAX + 1] = "malformed answer";
	char		hint[300] = "", esc[300], when[40];

	if (ipc_get_u32(m, &result) == -1 ||
	    ipc_get_str(m, reason, sizeof(reason)) == -1 ||
	    ipc_get_str(m, hint, sizeof(hint)) == -1 ||
	    ipc_get_u32(m, &limit) == -1 ||
	    ipc_get_u64(m, &until) == -1 ||
	    ipc_get_u32(m, &warmup) == -1)
		result = AUTH_RES_TEMPFAIL;
	smtp_printable(s->auth_user, esc, sizeof(esc));
	switch (result) {
	case AUTH_RES_OK:
		s->authed = 1;
		s->daily_limit = limit;
		s->warmup = warmup;
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
