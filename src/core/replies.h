/*
 * replies: every reply the SMTP server sends, in one place -- reply code,
 * enhanced status code (RFC 3463, RFC 2034) and text -- and the one
 * function that makes a reply line of them.
 *
 * The texts are printf formats kept as macros, so a sender writes
 * smtp_reply(s, RPL_AUTH_INVALID "%s%s", sep, hint) and the compiler
 * still checks the arguments against the format.  replies[] lists them
 * all with the entry of the knowledge base (kb/replies.kb) that explains
 * each one, if any: test/unit/kb_test.c makes sure that entry still
 * recognises the reply, so rewording a reply here cannot silently break
 * `postern explain`.  Tests that check exact texts may take them from
 * here too.
 *
 * Invariant: a reply line is at most REPLY_LINE_MAX octets with its CRLF
 * (RFC 5321 §4.5.3.1.5).  replies_format() is where that is enforced: it
 * cuts a longer line, and says how long it would have been, so a caller
 * with text of unknown length can fit it first (smtp_suppressed()).
 */
#ifndef POSTERN_REPLIES_H
#define POSTERN_REPLIES_H

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>

#define REPLY_LINE_MAX	512	/* RFC 5321 §4.5.3.1.5, with CRLF */

/* The connection ------------------------------------------------------ */
#define RPL_GREETING	"220 %s ESMTP Postern"
#define RPL_TOO_MANY_ERRORS \
	"421 4.7.0 %s Error: too many errors"
#define RPL_TOO_MANY_SESSIONS \
	"421 4.7.0 %s Error: too many connections, try again later"
#define RPL_CLIENT_LOCKED \
	"421 4.7.0 %s Too many failed authentications from [%s]: this " \
	"address is temporarily locked until %s; try again after that"
#define RPL_PREGREET	"554 5.5.1 %s Error: talked before the greeting"
#define RPL_TIMEOUT	"421 4.4.2 %s Error: timeout exceeded"
#define RPL_SHUTDOWN	"421 4.3.2 %s Service shutting down"

/* Command lines and the dispatcher ------------------------------------- */
#define RPL_BARE_LF_CMD	\
	"500 5.5.2 Error: line must end with CRLF, bare LF received"
#define RPL_NUL_OR_CR	"500 5.5.2 Error: NUL or bare CR in command"
#define RPL_AUTH_LINE_LONG \
	"500 5.5.6 Authentication exchange line is too long"
#define RPL_LINE_LONG	"500 5.5.2 Error: line too long (limit %zu octets)"
#define RPL_UNKNOWN_CMD	"500 5.5.1 Error: command not recognized"
#define RPL_NEED_HELO	"503 5.5.1 Error: send HELO/EHLO first"
#define RPL_NO_PARAMS	"501 5.5.4 Syntax: %s (no parameters)"
#define RPL_NEED_PARAM	"501 5.5.4 Syntax: %s requires a parameter"
#define RPL_IN_TX	"503 5.5.1 Error: MAIL transaction in progress"
#define RPL_NESTED_MAIL	"503 5.5.1 Error: nested MAIL command"
#define RPL_NEED_MAIL	"503 5.5.1 Error: need MAIL command"
#define RPL_NEED_RCPT	"503 5.5.1 Error: need RCPT command"
#define RPL_NO_VALID_RCPT "554 5.5.1 Error: no valid recipients"

/* HELO, EHLO, STARTTLS and the rest ------------------------------------ */
#define RPL_BAD_HELO	"501 5.5.4 Syntax: EHLO hostname (a domain name " \
	"or an address literal)"
#define RPL_HELO	"250 %s"
#define RPL_EHLO_FIRST	"250-%s"
#define RPL_EHLO_LINE	"250%c%s"	/* '-' or ' ', the extension */
#define RPL_TLS_ACTIVE	"503 5.5.1 Error: TLS already active"
#define RPL_TLS_READY	"220 2.0.0 Ready to start TLS"
#define RPL_OK		"250 2.0.0 Ok"
#define RPL_BYE		"221 2.0.0 Bye"
#define RPL_VRFY	"252 2.5.2 Cannot VRFY user, but will accept " \
	"message and attempt delivery"
#define RPL_EXPN	"502 5.5.1 Error: EXPN not supported"
#define RPL_HELP_1	"214-2.0.0 Commands: HELO EHLO STARTTLS AUTH MAIL " \
	"RCPT DATA RSET NOOP QUIT VRFY HELP"
#define RPL_HELP_2	"214 2.0.0 See RFC 5321; postern documentation in " \
	"docs/PROTOCOL.md"

/* AUTH (RFC 4954 §6) ---------------------------------------------------- */
#define RPL_AUTH_NOT_HERE \
	"503 5.5.1 Error: authentication not enabled on this port " \
	"(use submission)"
#define RPL_AUTH_TWICE	"503 5.5.1 Error: already authenticated"
#define RPL_AUTH_MECH	"504 5.5.4 Unrecognized authentication type"
#define RPL_AUTH_ENCRYPT \
	"538 5.7.11 Encryption required for requested authentication " \
	"mechanism"
#define RPL_AUTH_CHALLENGE "334 %s"
#define RPL_AUTH_BASE64	"501 5.5.2 Cannot decode response (invalid base64)"
#define RPL_AUTH_CANCEL	"501 5.7.0 Authentication cancelled"
#define RPL_AUTH_SYNTAX	"501 5.5.2 Malformed authentication response"
#define RPL_AUTH_OK	"235 2.7.0 Authentication successful"
/* followed by ": " and the hint (auth.c, auth_hint()) when there is one */
#define RPL_AUTH_INVALID "535 5.7.8 Authentication credentials invalid"
#define RPL_AUTH_TEMP	"454 4.7.0 Temporary authentication failure"
#define RPL_AUTH_STORE_DOWN RPL_AUTH_TEMP ": the account store is " \
	"unavailable; try again later"
/* The lock's text without its code: IMAP says it too (auth.c). */
#define RPL_LOCKED_TEXT	"Too many failed logins: this login is " \
	"temporarily locked until %s; try again after that or ask the " \
	"server's administrator to unlock it"
#define RPL_AUTH_LOCKED	"454 4.7.0 " RPL_LOCKED_TEXT

/* MAIL and RCPT --------------------------------------------------------- */
#define RPL_NEED_STARTTLS "530 5.7.0 Must issue a STARTTLS command first"
#define RPL_NEED_AUTH	"530 5.7.0 Authentication required"
#define RPL_MAIL_SYNTAX	"501 5.5.4 Syntax: MAIL FROM:<address>"
#define RPL_NO_MEMORY	"451 4.3.0 Error: out of memory"
#define RPL_SENDER_SYNTAX "501 5.1.7 Bad sender address syntax"
#define RPL_SENDER_LONG	"501 5.1.7 Sender address too long"
#define RPL_SENDER_UTF8	"553 5.6.7 Non-ASCII sender address requires " \
	"SMTPUTF8"
#define RPL_TOO_BIG	"552 5.3.4 Message size exceeds fixed limit of %" \
	PRIu64 " octets"
#define RPL_LOOKUP_TEMP	"451 4.3.0 Error: temporary lookup failure"
#define RPL_MAIL_OK	"250 2.1.0 Ok"
#define RPL_NOT_OWNER	"553 5.7.1 <%s>: Sender address rejected: not " \
	"owned by user %s"
#define RPL_DAILY_LIMIT	"451 4.7.1 Daily sending limit of %u recipients " \
	"reached for %s; it resets at %s"
/* the warm-up ramp (core/warmup.h): day N of T, recipients since 00:00
   UTC (this transaction's included) of today's allowance */
#define RPL_WARMUP	"451 4.7.1 warm-up day %" PRId64 " of %" PRId64 \
	": %" PRIu64 " of %" PRIu32 " recipients sent today; more at " \
	"00:00 UTC"
/* sending health (core/health.h): until when, what tripped, how to
   resume; the domain's pause says how many of its mailboxes are paused */
#define RPL_HEALTH_PAUSED "451 4.7.1 mailbox paused until %s: %s; " \
	"postern mailbox resume %s"
#define RPL_HEALTH_DOMAIN_PAUSED "451 4.7.1 domain paused until %s: %u " \
	"of the %u mailboxes of %s are paused; postern mailbox resume %s"
#define RPL_RCPT_SYNTAX	"501 5.5.4 Syntax: RCPT TO:<address>"
#define RPL_TOO_MANY_RCPT "452 4.5.3 Error: too many recipients"
#define RPL_RCPT_BAD	"501 5.1.3 Bad recipient address syntax"
#define RPL_RCPT_LONG	"501 5.1.3 Recipient address too long"
#define RPL_RCPT_UTF8	"553 5.6.7 Non-ASCII recipient address requires " \
	"SMTPUTF8"
#define RPL_RCPT_NO_MEMORY "452 4.3.1 Error: out of memory"
#define RPL_RCPT_OK	"250 2.1.5 Ok"
#define RPL_RCPT_TEMP	"451 4.3.0 <%s>: Temporary lookup failure, try " \
	"again later"
#define RPL_RELAY_DENIED "554 5.7.1 <%s>: Relay access denied"
#define RPL_NO_MAILBOX	"550 5.1.1 <%s>: Recipient address rejected: no " \
	"such mailbox here"
/* address, domain, how, when, " (", reason, ")", domain, address */
#define RPL_SUPPRESSED	"550 5.1.1 <%s>: recipient suppressed for %s: %s " \
	"%s%s%s%s; after fixing, run: postern suppress remove %s %s"
#define RPL_SUPPRESSED_SHORT "550 5.1.1 Recipient suppressed for mail " \
	"from this domain: it may not be mailed again (see postern " \
	"suppress list)"
#define RPL_PARAM_UNKNOWN "555 5.5.4 Unsupported parameter %s"
#define RPL_PARAM_DSN	"501 5.5.4 Bad DSN parameter %s: expected %s, " \
	"given once (RFC 3461)"
#define RPL_PARAM_BAD	"501 5.5.4 Bad parameter %s"

/* DATA ------------------------------------------------------------------ */
#define RPL_QUEUE_DOWN	"451 4.3.0 Error: queue unavailable"
#define RPL_QUEUE_WRITE	"451 4.3.0 Error: queue file write error"
#define RPL_NO_SPACE	"452 4.3.1 Insufficient system storage"
#define RPL_DATA_GO	"354 End data with <CR><LF>.<CR><LF>"
#define RPL_BARE_EOL	"550 5.6.11 Message contains bare %s; lines must " \
	"end with CRLF (RFC 5321 section 2.3.8)"
#define RPL_DATA_LINE_LONG "500 5.5.2 Message has a line longer than %d " \
	"octets (RFC 5321 section 4.5.3.1.6)"
#define RPL_QUEUED	"250 2.0.0 Ok: queued as %s"

struct reply_row {
	const char	*name;		/* "RPL_AUTH_INVALID" */
	const char	*format;	/* the text above */
	const char	*kb;		/* key of the kb/replies.kb entry that
					   explains it beyond its codes, or
					   NULL */
};

extern const struct reply_row	replies[];
extern const size_t		replies_count;

/*
 * Format one reply line, without CRLF, into line (linesz octets): cut to
 * REPLY_LINE_MAX - 2 octets (and to linesz - 1).  Returns the length the
 * line would have had uncut, like snprintf, or -1.
 */
int	replies_format(char *line, size_t linesz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	replies_vformat(char *line, size_t linesz, const char *fmt,
	    va_list ap) __attribute__((format(printf, 3, 0)));

#endif
