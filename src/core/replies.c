/*
 * replies: the server's replies (replies.h) as a table, and the one place
 * that makes a reply line of code, enhanced code and text.
 *
 * Invariant: what replies_format() writes is at most REPLY_LINE_MAX - 2
 * octets (RFC 5321 §4.5.3.1.5 counts the CRLF), always NUL-terminated.
 * It cannot fail other than by a format error of vsnprintf (-1).
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/replies.h"

#define ROW(rpl, kb)	{ #rpl, rpl, kb }

const struct reply_row replies[] = {
	ROW(RPL_GREETING, NULL),
	ROW(RPL_TOO_MANY_ERRORS, NULL),
	ROW(RPL_TOO_MANY_SESSIONS, NULL),
	ROW(RPL_CLIENT_LOCKED, "submission-421-auth-failures"),
	ROW(RPL_PREGREET, NULL),
	ROW(RPL_TIMEOUT, NULL),
	ROW(RPL_SHUTDOWN, NULL),
	ROW(RPL_BARE_LF_CMD, NULL),
	ROW(RPL_NUL_OR_CR, NULL),
	ROW(RPL_AUTH_LINE_LONG, NULL),
	ROW(RPL_LINE_LONG, NULL),
	ROW(RPL_UNKNOWN_CMD, NULL),
	ROW(RPL_NEED_HELO, NULL),
	ROW(RPL_NO_PARAMS, NULL),
	ROW(RPL_NEED_PARAM, NULL),
	ROW(RPL_IN_TX, NULL),
	ROW(RPL_NESTED_MAIL, NULL),
	ROW(RPL_NEED_MAIL, NULL),
	ROW(RPL_NEED_RCPT, NULL),
	ROW(RPL_NO_VALID_RCPT, NULL),
	ROW(RPL_BAD_HELO, NULL),
	ROW(RPL_HELO, NULL),
	ROW(RPL_EHLO_FIRST, NULL),
	ROW(RPL_EHLO_LINE, NULL),
	ROW(RPL_TLS_ACTIVE, NULL),
	ROW(RPL_TLS_READY, NULL),
	ROW(RPL_OK, NULL),
	ROW(RPL_BYE, NULL),
	ROW(RPL_VRFY, NULL),
	ROW(RPL_EXPN, NULL),
	ROW(RPL_HELP_1, NULL),
	ROW(RPL_HELP_2, NULL),
	ROW(RPL_AUTH_NOT_HERE, NULL),
	ROW(RPL_AUTH_TWICE, NULL),
	ROW(RPL_AUTH_MECH, NULL),
	ROW(RPL_AUTH_ENCRYPT, "submission-538"),
	ROW(RPL_AUTH_CHALLENGE, NULL),
	ROW(RPL_AUTH_BASE64, NULL),
	ROW(RPL_AUTH_CANCEL, NULL),
	ROW(RPL_AUTH_SYNTAX, NULL),
	ROW(RPL_AUTH_OK, NULL),
	ROW(RPL_AUTH_INVALID, "submission-535"),
	ROW(RPL_AUTH_TEMP, "submission-454"),
	ROW(RPL_AUTH_STORE_DOWN, "submission-454"),
	ROW(RPL_AUTH_LOCKED, "submission-454-locked"),
	ROW(RPL_NEED_STARTTLS, "submission-530-starttls"),
	ROW(RPL_NEED_AUTH, "submission-530-auth"),
	ROW(RPL_MAIL_SYNTAX, NULL),
	ROW(RPL_NO_MEMORY, NULL),
	ROW(RPL_SENDER_SYNTAX, NULL),
	ROW(RPL_SENDER_LONG, NULL),
	ROW(RPL_SENDER_UTF8, NULL),
	ROW(RPL_TOO_BIG, NULL),
	ROW(RPL_LOOKUP_TEMP, NULL),
	ROW(RPL_MAIL_OK, NULL),
	ROW(RPL_NOT_OWNER, "submission-553-not-owned"),
	ROW(RPL_DAILY_LIMIT, "submission-451-daily-limit"),
	ROW(RPL_WARMUP, "submission-451-warmup"),
	ROW(RPL_HEALTH_PAUSED, "submission-451-health-paused"),
	ROW(RPL_HEALTH_DOMAIN_PAUSED, "submission-451-health-paused"),
	ROW(RPL_RCPT_SYNTAX, NULL),
	ROW(RPL_TOO_MANY_RCPT, NULL),
	ROW(RPL_RCPT_BAD, NULL),
	ROW(RPL_RCPT_LONG, NULL),
	ROW(RPL_RCPT_UTF8, NULL),
	ROW(RPL_RCPT_NO_MEMORY, NULL),
	ROW(RPL_RCPT_OK, NULL),
	ROW(RPL_RCPT_TEMP, NULL),
	ROW(RPL_RELAY_DENIED, "relay-access-denied"),
	ROW(RPL_NO_MAILBOX, NULL),
	ROW(RPL_SUPPRESSED, "postern-suppressed"),
	ROW(RPL_SUPPRESSED_SHORT, "postern-suppressed"),
	ROW(RPL_PARAM_UNKNOWN, NULL),
	ROW(RPL_PARAM_DSN, NULL),
	ROW(RPL_PARAM_BAD, NULL),
	ROW(RPL_QUEUE_DOWN, NULL),
	ROW(RPL_QUEUE_WRITE, NULL),
	ROW(RPL_NO_SPACE, NULL),
	ROW(RPL_DATA_GO, NULL),
	ROW(RPL_BARE_EOL, "postern-bare-lf"),
	ROW(RPL_DATA_LINE_LONG, NULL),
	ROW(RPL_QUEUED, NULL),
};

#undef ROW

const size_t replies_count = sizeof(replies) / sizeof(replies[0]);

int
replies_vformat(char *line, size_t linesz, const char *fmt, va_list ap)
{
	size_t	max = REPLY_LINE_MAX - 2 + 1;	/* without CRLF, with NUL */
	int	n;

	if (linesz == 0)
		return -1;
	n = vsnprintf(line, linesz < max ? linesz : max, fmt, ap);
	if (n < 0)
		line[0] = '\0';
	return n;
}

int
replies_format(char *line, size_t linesz, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = replies_vformat(line, linesz, fmt, ap);
	va_end(ap);
	return n;
}
