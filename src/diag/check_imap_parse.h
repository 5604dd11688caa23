/*
 * check_imap_parse: IMAP responses as `postern check` reads them (pure;
 * tested by test/unit/check_imap_test.c).  A response is one line with
 * its literals inline, as on the wire ("{5}\r\nJunk!"), without the
 * final CRLF (imap_client.h reads it so).  Each parser returns -1 for
 * what is not IMAP or does not fit its output.
 */
#ifndef POSTERN_CHECK_IMAP_PARSE_H
#define POSTERN_CHECK_IMAP_PARSE_H

#include <stddef.h>

/* Capabilities the check looks for (check_imap_caps()). */
#define ICAP_IMAP4REV1		0x0001
#define ICAP_STARTTLS		0x0002
#define ICAP_LOGINDISABLED	0x0004
#define ICAP_AUTH_PLAIN		0x0008
#define ICAP_LITERALPLUS	0x0010
#define ICAP_NAMESPACE		0x0020
#define ICAP_CONDSTORE		0x0040	/* RFC 7162 (QRESYNC implies it) */
#define ICAP_LIST_STATUS	0x0080	/* RFC 5819 */
#define ICAP_SPECIAL_USE	0x0100	/* RFC 6154 */
#define ICAP_MOVE		0x0200	/* RFC 6851 */
#define ICAP_UIDPLUS		0x0400	/* RFC 4315 */
#define ICAP_IDLE		0x0800	/* RFC 2177 */
#define ICAP_PLATFORM		(ICAP_CONDSTORE | ICAP_LIST_STATUS | \
				    ICAP_SPECIAL_USE | ICAP_MOVE | \
				    ICAP_UIDPLUS | ICAP_IDLE)

#define CHECK_IMAP_LINE_MAX	8192	/* one line (RFC 7162 §4) */
#define CHECK_IMAP_RESP_MAX	16384	/* a response with its literals */
#define CHECK_IMAP_NAME_MAX	256	/* a mailbox name kept */
#define IMAP_LITERAL_MAX	(1UL << 30)	/* larger: not IMAP */

enum imap_kind { IRESP_UNTAGGED, IRESP_TAGGED, IRESP_CONTINUE };
enum imap_cond { ICOND_NONE, ICOND_OK, ICOND_NO, ICOND_BAD, ICOND_BYE,
	ICOND_PREAUTH };

struct imap_line {
	enum imap_kind	 kind;
	char		 tag[32];
	enum imap_cond	 cond;		/* a status response, or NONE */
	char		 keyword[32];	/* "CAPABILITY", "LIST", "EXISTS" */
	unsigned long	 number;	/* "* 3 EXISTS" */
	char		 code[32];	/* "AUTHENTICATIONFAILED" */
	const char	*code_args;	/* "[CAPABILITY a b]": "a b" */
	size_t		 code_argslen;
	const char	*rest;		/* after keyword, or after the code */
	size_t		 restlen;
};

/* 0, or -1 if it is not an IMAP response. */
int	check_imap_parse(const char *, size_t, struct imap_line *);
/* ICAP_* of a capability list ("IMAP4rev1 IDLE ..."). */
unsigned check_imap_caps(const char *, size_t);

#define IMAP_MB_JUNK		0x01	/* \Junk (RFC 6154) */
#define IMAP_MB_SENT		0x02
#define IMAP_MB_NOSELECT	0x04	/* \Noselect or \NonExistent */
#define IMAP_MB_INBOX		0x08	/* the name is INBOX (any case) */

struct imap_mailbox {
	unsigned	 flags;		/* IMAP_MB_* */
	char		 delimiter;	/* '\0' for NIL */
	char		 name[CHECK_IMAP_NAME_MAX];
};

/* The arguments of "* LIST": "(\Junk) "/" Junk".  0 or -1. */
int	check_imap_list(const char *, size_t, struct imap_mailbox *);
/* The first personal namespace of "* NAMESPACE": 0, 1 (NIL) or -1. */
int	check_imap_namespace(const char *, size_t, char *prefix, size_t,
	    char *delimiter);
/*
 * How a LOGIN argument goes on the wire: 0 as a quoted string (written
 * to out with its quotes), 1 as a literal (8-bit, CR or LF), -1 never
 * (NUL, or too long for out).
 */
int	check_imap_quote(const char *, size_t, char *out, size_t outsz);
/* A Junk/Spam folder name (Warmbly's rule: the name contains either). */
int	check_imap_is_spam_name(const char *);

#endif
