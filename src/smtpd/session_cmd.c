/*
 * session_cmd: the commands of an SMTP session and their checks
 * (smtp_session_int.h).  One table, smtp_cmds[], holds each command's
 * name, the flags of the checks it needs and its action; the dispatcher
 * runs the checks in the order of cmd_checks[] and the action only when
 * none refused, so an action (cmd_mail) holds what the command does, not
 * the gatekeeping (530, 503, 538).  Each check sends its own refusal.
 * The order of the checks is the order of the replies a client sees
 * when more than one applies; it is fixed by the integration tests.
 *
 * Also here: HELO, EHLO, STARTTLS, RSET, NOOP, QUIT, VRFY, EXPN, HELP.
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
#include <event2/event.h>

#include "core/replies.h"
#include "core/metrics.h"
#include "lib/log.h"
#include "lib/util.h"
#include "smtpd/smtp_session_int.h"

struct smtp_cmd {
	const char	*name;
	unsigned	 flags;		/* CMD_*: the checks, in cmd_checks[] */
	void		(*fn)(struct smtp_session *, char *);
};

#define CMD_NEEDS_HELO	0x0001	/* 503 5.5.1 before HELO/EHLO */
#define CMD_NO_ARGS	0x0002	/* 501 5.5.4 if arguments given */
#define CMD_NEEDS_ARGS	0x0004	/* 501 5.5.4 if none */
#define CMD_NOT_IN_TX	0x0008	/* 503 5.5.1 during a transaction */
#define CMD_STARTS_TX	0x0010	/* 503 5.5.1 nested MAIL */
#define CMD_NEEDS_TX	0x0020	/* 503 5.5.1 before MAIL */
#define CMD_BEFORE_TLS	0x0040	/* 503 5.5.1 once TLS is on (STARTTLS) */
#define CMD_SUBMISSION	0x0080	/* 503 5.5.1 on the MX port */
#define CMD_NOT_AUTHED	0x0100	/* 503 5.5.1 once logged in */
#define CMD_SASL_MECH	0x0200	/* 504 5.5.4 unless a mechanism offered */
#define CMD_NEEDS_TLS	0x0400	/* 538 5.7.11 for a mechanism in
				   plaintext (RFC 4954 §4, RFC 8314) */
#define CMD_NEEDS_AUTH	0x0800	/* 530 5.7.0 on submission without AUTH
				   (RFC 6409 §4.3) */
#define CMD_SECRET	0x1000	/* arguments never logged */
#define CMD_GROUP_END	0x2000	/* last in a pipelined group: RFC 2920
				   §3.1, RFC 3207 §4.2 */

static int	check_helo(struct smtp_session *, const struct smtp_cmd *,
		    const char *);
static int	check_no_args(struct smtp_session *, const struct smtp_cmd *,
		    const char *);
static int	check_args(struct smtp_session *, const struct smtp_cmd *,
		    const char *);
static int	check_not_in_tx(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_starts_tx(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_needs_tx(struct smtp_session *, const struct smtp_cmd *,
		    const char *);
static int	check_before_tls(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_submission(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_not_authed(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_sasl_mech(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_needs_tls(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static int	check_needs_auth(struct smtp_session *,
		    const struct smtp_cmd *, const char *);
static const struct smtp_cmd *smtp_cmd_find(struct smtp_session *, char *,
		    char **);
static int	smtp_helo_common(struct smtp_session *, char *);
static void	cmd_helo(struct smtp_session *, char *);
static void	cmd_ehlo(struct smtp_session *, char *);
static void	cmd_starttls(struct smtp_session *, char *);
static void	cmd_rset(struct smtp_session *, char *);
static void	cmd_noop(struct smtp_session *, char *);
static void	cmd_quit(struct smtp_session *, char *);
static void	cmd_vrfy(struct smtp_session *, char *);
static void	cmd_expn(struct smtp_session *, char *);
static void	cmd_help(struct smtp_session *, char *);

static const struct smtp_cmd smtp_cmds[] = {
	{ "HELO",	CMD_NEEDS_ARGS | CMD_GROUP_END,		cmd_helo },
	{ "EHLO",	CMD_NEEDS_ARGS | CMD_GROUP_END,		cmd_ehlo },
	{ "STARTTLS",	CMD_NO_ARGS | CMD_BEFORE_TLS | CMD_GROUP_END,
								cmd_starttls },
	{ "AUTH",	CMD_NEEDS_HELO | CMD_NEEDS_ARGS | CMD_NOT_IN_TX |
			CMD_SUBMISSION | CMD_NOT_AUTHED | CMD_SASL_MECH |
			CMD_NEEDS_TLS | CMD_SECRET | CMD_GROUP_END,
								cmd_auth },
	{ "MAIL",	CMD_NEEDS_HELO | CMD_NEEDS_ARGS | CMD_STARTS_TX |
			CMD_NEEDS_AUTH,				cmd_mail },
	{ "RCPT",	CMD_NEEDS_HELO | CMD_NEEDS_ARGS | CMD_NEEDS_TX,
								cmd_rcpt },
	{ "DATA",	CMD_NEEDS_HELO | CMD_NO_ARGS | CMD_NEEDS_TX |
			CMD_GROUP_END,				cmd_data },
	{ "RSET",	CMD_NO_ARGS,				cmd_rset },
	{ "NOOP",	CMD_GROUP_END,				cmd_noop },
	{ "QUIT",	CMD_NO_ARGS | CMD_GROUP_END,		cmd_quit },
	{ "VRFY",	CMD_NEEDS_ARGS | CMD_GROUP_END,		cmd_vrfy },
	{ "EXPN",	CMD_GROUP_END,				cmd_expn },
	{ "HELP",	0,					cmd_help },
};

/* The checks, in the order a client meets their refusals. */
static const struct {
	unsigned	 flag;
	int		(*refuse)(struct smtp_session *,
			    const struct smtp_cmd *, const char *);
} cmd_checks[] = {
	{ CMD_NEEDS_HELO,	check_helo },
	{ CMD_NO_ARGS,		check_no_args },
	{ CMD_NEEDS_ARGS,	check_args },
	{ CMD_NOT_IN_TX,	check_not_in_tx },
	{ CMD_STARTS_TX,	check_starts_tx },
	{ CMD_NEEDS_TX,		check_needs_tx },
	{ CMD_BEFORE_TLS,	check_before_tls },
	{ CMD_SUBMISSION,	check_submission },
	{ CMD_NOT_AUTHED,	check_not_authed },
	{ CMD_SASL_MECH,	check_sasl_mech },
	{ CMD_NEEDS_TLS,	check_needs_tls },
	{ CMD_NEEDS_AUTH,	check_needs_auth },
};

/* Each check: 1 when it refused the command (and replied), else 0. */
static int
check_helo(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->helo[0] != '\0')
		return 0;
	smtp_reply(s, RPL_NEED_HELO);
	return 1;
}

static int
check_no_args(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (args[0] == '\0')
		return 0;
	smtp_reply(s, RPL_NO_PARAMS, c->name);
	return 1;
}

static int
check_args(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (args[0] != '\0')
		return 0;
	smtp_reply(s, RPL_NEED_PARAM, c->name);
	return 1;
}

static int
check_not_in_tx(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->tx == NULL)
		return 0;
	smtp_reply(s, RPL_IN_TX);
	return 1;
}

static int
check_starts_tx(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->tx == NULL)
		return 0;
	smtp_reply(s, RPL_NESTED_MAIL);
	return 1;
}

static int
check_needs_tx(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->tx != NULL)
		return 0;
	smtp_reply(s, RPL_NEED_MAIL);
	return 1;
}

static int
check_before_tls(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->kind != LISTEN_SMTPS && s->ssl == NULL)
		return 0;
	smtp_reply(s, RPL_TLS_ACTIVE);
	return 1;
}

static int
check_submission(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->kind != LISTEN_MX)
		return 0;
	smtp_reply(s, RPL_AUTH_NOT_HERE);
	return 1;
}

static int
check_not_authed(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (!s->authed)
		return 0;
	smtp_reply(s, RPL_AUTH_TWICE);
	return 1;
}

/* The first word of args names an offered mechanism: kept in auth_mech. */
static int
check_sasl_mech(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	const struct config	*cfg = smtpd_env->cfg;
	char			 name[32];
	size_t			 n = strcspn(args, " ");
	enum sasl_mech		 mech;

	if (n < sizeof(name)) {
		memcpy(name, args, n);
		name[n] = '\0';
		if (sasl_mech_parse(name, &mech) == 0 &&
		    (mech != SASL_MECH_PLAIN || cfg->auth_plain) &&
		    (mech != SASL_MECH_LOGIN || cfg->auth_login)) {
			s->auth_mech = mech;
			return 0;
		}
	}
	smtp_reply(s, RPL_AUTH_MECH);
	return 1;
}

/* After check_sasl_mech: no password over a plaintext connection. */
static int
check_needs_tls(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->ssl != NULL)
		return 0;
	log_info("sess=%s %s %s refused before STARTTLS", s->idstr, c->name,
	    sasl_mech_name(s->auth_mech));
	smtp_reply(s, RPL_AUTH_ENCRYPT);
	return 1;
}

static int
check_needs_auth(struct smtp_session *s, const struct smtp_cmd *c,
    const char *args)
{
	if (s->kind == LISTEN_MX || s->authed)
		return 0;
	smtp_reply(s, s->kind == LISTEN_SUBMISSION && s->ssl == NULL ?
	    RPL_NEED_STARTTLS : RPL_NEED_AUTH);
	return 1;
}

/*
 * The command of a line, args pointing at its arguments; NULL if none.
 * Logs what the client said, except the arguments of CMD_SECRET and
 * unrecognised lines: after a refused AUTH, a client may send its
 * base64 credentials as if they were commands.
 */
static const struct smtp_cmd *
smtp_cmd_find(struct smtp_session *s, char *line, char **args)
{
	const struct smtp_cmd	*c = NULL;
	char			*verb, esc[80];
	size_t			 i, n = strlen(line);

	if (smtp_cmd_split(line, &verb, args) == 0)
		for (i = 0; i < sizeof(smtp_cmds) / sizeof(smtp_cmds[0]); i++)
			if (strcmp(smtp_cmds[i].name, verb) == 0) {
				c = &smtp_cmds[i];
				break;
			}
	if (!log_debug_enabled())
		return c;
	if (c != NULL)
		log_debug("sess=%s <<< %s%s%s", s->idstr, c->name,
		    (c->flags & CMD_SECRET) || (*args)[0] == '\0' ? "" : " ",
		    (c->flags & CMD_SECRET) ? " (arguments not logged)" :
		    smtp_printable(*args, esc, sizeof(esc)));
	else
		log_debug("sess=%s <<< (unrecognised, %zu octets)", s->idstr,
		    n);
	return c;
}

void
smtp_dispatch(struct smtp_session *s, char *line)
{
	const struct smtp_cmd	*c;
	char			*args;
	size_t			 i;

	c = smtp_cmd_find(s, line, &args);
	s->txreply = c != NULL && (c->flags & (CMD_STARTS_TX | CMD_NEEDS_TX));
	if (c == NULL) {
		smtp_reply(s, RPL_UNKNOWN_CMD);
		return;
	}
	for (i = 0; i < sizeof(cmd_checks) / sizeof(cmd_checks[0]); i++)
		if ((c->flags & cmd_checks[i].flag) &&
		    cmd_checks[i].refuse(s, c, args))
			return;
	c->fn(s, args);
	/* we answer in order whatever the grouping; say when it was odd */
	if ((c->flags & CMD_GROUP_END) && s->bev != NULL &&
	    log_debug_enabled() &&
	    evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
		log_debug("sess=%s input pipelined after %s (RFC 2920 §3.1)",
		    s->idstr, c->name);
}

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

static void
cmd_starttls(struct smtp_session *s, char *args)
{
	smtp_reply(s, RPL_TLS_READY);
	/* nothing after STARTTLS in this read may be acted on */
	smtp_enter_state(s, SMTP_STARTTLS);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(s->bev, EV_WRITE);
}

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
	s->end = MSE_QUIT;
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
