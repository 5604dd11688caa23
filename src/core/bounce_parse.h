/*
 * bounce_parse: read a bounce message (an RFC 3464 delivery status
 * notification, or the common non-standard bounces of qmail, Exim,
 * Gmail, Microsoft, Yahoo, Postfix): its failed recipients, each with
 * its status, diagnostic, remote MTA, the SMTP command that failed and
 * the classification (bounce_class.h).  Pure; shared by the queue
 * (DSNs arriving on the MX, queue/local_dsn.h) and `postern explain
 * --bounce`.  The rules are described in bounce_parse.c and
 * bounce_scan.c.
 */
#ifndef POSTERN_BOUNCE_PARSE_H
#define POSTERN_BOUNCE_PARSE_H

#include <stddef.h>

#include "core/bounce_class.h"
#include "core/reply.h"
#include "lib/buf.h"

#define BOUNCE_PARSE_MAX	(10 * 1024 * 1024)	/* input bound */
#define BOUNCE_RCPT_MAX		64	/* recipients kept per bounce */
#define BOUNCE_ADDR_MAX		320
#define BOUNCE_DIAG_MAX		2048	/* one recipient's diagnostic */

struct bounce_rcpt {
	char			 addr[BOUNCE_ADDR_MAX];	/* "" if none found */
	char			 action[32];	/* DSN Action, or "" */
	char			 status[16];	/* DSN Status, or "" */
	char			 remote_mta[256];
	char			 diag[BOUNCE_DIAG_MAX];	/* "" if none found */
	char			 diag_type[16];	/* "smtp", "x-unix"... or "" */
	enum bounce_cmd		 cmd;		/* the command that failed */
	struct reply		 reply;		/* diag parsed; Status as the
						   enhanced code if it has
						   none */
	/* What it is classified on: reply, with 550 if it has no code. */
	int			 code;
	const char		*class_text;	/* diag, or the prose */
	int			 failed;	/* code or Status 4/5xx */
	struct bounce_class	 class;		/* if failed */
};

struct bounce_report {
	const char		*format;	/* "RFC 3464 ... (Postfix)" */
	int			 dsn;		/* recipients from a
						   delivery-status part */
	int			 known;		/* dsn, or a format named */
	struct bounce_rcpt	*rcpts;		/* BOUNCE_RCPT_MAX */
	size_t			 n;
	char			 prose[BOUNCE_DIAG_MAX];	/* the human
						   text before the returned
						   message, on one line */
	enum bounce_cmd		 cmd;		/* the command the prose
						   names */
	/* private to the parser */
	struct buf		 human;		/* text/plain parts */
	struct buf		 dsnbuf;	/* delivery-status parts */
	struct buf		 returned;	/* the first message/rfc822
						   part, undecoded */
	size_t			 human_len;	/* of human, before the
						   returned message */
	char			 fmtbuf[96];
	int			 error;
};

/*
 * Parse the len bytes at data (at most BOUNCE_PARSE_MAX; CRLF or LF).
 * 0 with *r filled (r->n may be 0: no recipient found), -1 if the input
 * is too big or memory runs out.  Free *r with bounce_report_free() in
 * both cases.  Garbage gives no recipients, never a crash.
 */
int	bounce_parse(const char *data, size_t len, struct bounce_report *r);
void	bounce_report_free(struct bounce_report *);

#endif
