/*
 * smtp_parse: pure parsers for SMTP command lines (RFC 5321 §4.1) and the
 * MAIL/RCPT paths and ESMTP parameters (RFC 5321 §4.1.2, RFC 1870 SIZE,
 * RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 4954 §5 AUTH=, RFC 3461 DSN
 * RET=, ENVID=, NOTIFY=, ORCPT=).  No I/O.
 * Every field has a protocol bound (local part 64, domain 255, path 256
 * octets, RFC 5321 §4.5.3.1) and input past it is an error, never
 * truncated.
 */
#ifndef POSTERN_SMTP_PARSE_H
#define POSTERN_SMTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_LOCAL_MAX		64
#define SMTP_DOMAIN_MAX		255
#define SMTP_ADDR_MAX		254	/* RFC 5321 path 256 minus "<>" */
#define SMTP_VERB_MAX		16
#define SMTP_ENVID_MAX		100	/* RFC 3461 §4.4 */
#define SMTP_ORCPT_MAX		500	/* RFC 3461 §4.2 */

/* DSN parameters (RFC 3461) as parsed and queued.  ret: 0 not given. */
#define DSN_RET_FULL		1
#define DSN_RET_HDRS		2
/* notify: 0 not given (= FAILURE, and DELAY at our discretion). */
#define DSN_NOTIFY_NEVER	0x01
#define DSN_NOTIFY_SUCCESS	0x02
#define DSN_NOTIFY_FAILURE	0x04
#define DSN_NOTIFY_DELAY	0x08

/*
 * Split a command line (CRLF already removed, NUL-terminated) in place:
 * the verb is upper-cased and NUL-terminated, *args points to what follows
 * the single separating space ("" when there is none).  Returns -1 if the
 * verb is empty, longer than SMTP_VERB_MAX or not made of letters.
 */
int	smtp_cmd_split(char *line, char **verb, char **args);

enum smtp_parse_err {
	SMTP_PARSE_OK = 0,
	SMTP_PARSE_SYNTAX,	/* "FROM:"/"TO:" or path malformed:
				   501 5.5.4 (5.1.7 sender, 5.1.3 rcpt) */
	SMTP_PARSE_TOO_LONG,	/* local part, domain or path too long:
				   501 5.5.4 */
	SMTP_PARSE_UTF8,	/* non-ASCII address without SMTPUTF8, or
				   invalid UTF-8: 553 5.6.7 */
	SMTP_PARSE_PARAM_UNKNOWN, /* unsupported parameter: 555 5.5.4 */
	SMTP_PARSE_PARAM_SYNTAX, /* bad parameter value: 501 5.5.4 */
};

struct smtp_path {
	char	addr[SMTP_ADDR_MAX + 1];	/* "local@domain", "" for
						   the null path <>,
						   "Postmaster" alone */
	size_t	at;		/* offset of the last '@', or 0 if none */
	int	null;		/* was <> */
	int	utf8;		/* contains non-ASCII octets */
};

enum smtp_body {
	SMTP_BODY_NONE,		/* no BODY= parameter */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
};

struct smtp_mail_params {
	int		has_size;
	uint64_t	size;		/* SIZE=, RFC 1870 */
	enum smtp_body	body;		/* BODY=, RFC 6152 */
	int		smtputf8;	/* SMTPUTF8, RFC 6531 */
	uint32_t	ret;		/* RET=, RFC 3461 §4.3: DSN_RET_*
					   (envelope.h), 0 if not given */
	char		envid[SMTP_ENVID_MAX + 1]; /* ENVID=, RFC 3461 §4.4:
					   the xtext as sent, "" if none */
};

struct smtp_rcpt_params {
	uint32_t	notify;		/* NOTIFY=, RFC 3461 §4.1:
					   DSN_NOTIFY_* (above), 0 if
					   not given */
	char		orcpt[SMTP_ORCPT_MAX + 1]; /* ORCPT=, RFC 3461 §4.2:
					   "addr-type;xtext" as sent, "" if
					   none */
};

/*
 * Parse the arguments of MAIL ("FROM:<path> [params]").  One optional
 * space after the colon is tolerated (common client behaviour).  A source
 * route (<@a,@b:user@d>) is accepted and dropped, RFC 5321 §4.1.2/C.
 * AUTH=<xtext> (RFC 4954 §5) is accepted and ignored.  RET=FULL|HDRS
 * and ENVID=<xtext> (RFC 3461 §4.3, §4.4; at most 100 characters, "+XX"
 * with upper-case hex) fill the DSN fields.  A repeated keyword is
 * SMTP_PARSE_PARAM_SYNTAX.  On
 * SMTP_PARSE_PARAM_* errors *badparam points into args at the offending
 * keyword (not NUL-terminated at its end; print up to the next space).
 */
enum smtp_parse_err smtp_parse_mail(const char *args, struct smtp_path *,
	    struct smtp_mail_params *, const char **badparam);

/*
 * Parse the arguments of RCPT ("TO:<path> [params]").  <Postmaster>
 * without a domain is accepted (RFC 5321 §4.1.1.3); <> is a syntax error.
 * smtputf8 says whether the transaction's MAIL carried SMTPUTF8.  The
 * DSN parameters are offered (RFC 3461): NOTIFY=NEVER, or a comma list of
 * SUCCESS, FAILURE and DELAY (keywords in any case), and
 * ORCPT=addr-type;xtext (at most 500 characters; addr-type an atom,
 * "rfc822" needing a non-empty address).  A bad or repeated one is
 * SMTP_PARSE_PARAM_SYNTAX, any other parameter SMTP_PARSE_PARAM_UNKNOWN;
 * *badparam as for MAIL.
 */
enum smtp_parse_err smtp_parse_rcpt(const char *args, int smtputf8,
	    struct smtp_path *, struct smtp_rcpt_params *,
	    const char **badparam);

/*
 * Check a HELO/EHLO argument: a domain or an address literal
 * ([1.2.3.4], [IPv6:...]).  Returns 1 if acceptable, 0 if not.
 */
int	smtp_valid_helo(const char *);

/* Is s a syntactically valid domain (ASCII, LDH labels)? 1 or 0. */
int	smtp_valid_domain(const char *s);

/*
 * A mailbox address as an operator types it ("local@domain", ASCII, no
 * brackets): checked as a MAIL FROM path would be and lower-cased into
 * out.  0, or -1 if it is not one.
 */
int	smtp_parse_mailbox(const char *in, char *out, size_t outsz);

/* Validate UTF-8 (no overlongs, no surrogates). 1 or 0. */
int	smtp_valid_utf8(const char *s, size_t len);

#endif
