/*
 * arf: read a complaint report in the Abuse Reporting Format (RFC 5965),
 * what receivers' feedback loops send: a multipart/report with
 * report-type=feedback-report whose message/feedback-report part names
 * the Feedback-Type ("abuse", "fraud", "not-spam", ...) and, maybe, the
 * complained-of message's envelope sender (Original-Mail-From), and
 * whose third part returns that message (message/rfc822) or its header
 * (text/rfc822-headers).  Pure; used by the queue on reports delivered
 * to a local mailbox (queue/local_arf.h).  What counts as a complaint is
 * the caller's rule.
 */
#ifndef POSTERN_ARF_H
#define POSTERN_ARF_H

#include <stddef.h>

#include "lib/buf.h"

#define ARF_PARSE_MAX	(1024 * 1024)	/* input bound */
#define ARF_ADDR_MAX	320
#define ARF_RECEIVED_MAX	64	/* Received fields kept */

struct arf_report {
	int		 feedback;	/* a feedback-report part was found */
	char		 type[32];	/* Feedback-Type, lower case; "" */
	char		 mail_from[ARF_ADDR_MAX];	/* Original-Mail-From
						   address; "" */
	char		 reporter[256];	/* Reporting-MTA's name, else the
					   report's From address; "" */
	int		 returned;	/* the third part was found */
	char		 from[ARF_ADDR_MAX];	/* its From address; "" */
	struct buf	 received;	/* its Received fields, unfolded,
					   one a line, top first */
	size_t		 nreceived;
	int		 error;		/* private: out of memory */
};

/*
 * The header of a message (data may stop anywhere after it) says it is a
 * feedback report: Content-Type multipart/report;
 * report-type=feedback-report.  Lets a caller read only the head of
 * other mail.
 */
int	arf_header_is_report(const char *data, size_t len);
/*
 * Parse the len bytes at data (at most ARF_PARSE_MAX; CRLF or LF).  0
 * with *r filled (r->feedback 0: not a feedback report), -1 if the input
 * is too big or memory runs out.  Free *r with arf_report_free() in both
 * cases.  Garbage gives r->feedback 0, never a crash.
 */
int	arf_parse(const char *data, size_t len, struct arf_report *r);
void	arf_report_free(struct arf_report *);

#endif
