/*
 * local_dsn: read a bounce that arrives for a local mailbox.  A message
 * received on the MX with a null envelope sender (not one of postern's
 * own bounces, counted when they were made) that is a delivery status
 * notification (RFC 3464) or a bounce the parser recognises
 * (core/bounce_parse.h),
 * delivered to an address of a local domain, answers mail that domain
 * sent: each failed recipient that the classifier calls a hard
 * recipient fault (user unknown, host unknown, ...) goes to that
 * domain's suppression list (source "dsn") and counts as a recipient
 * hard bounce of the mailbox (queue/health.h).  Sender faults (blocks,
 * reputation, authentication) are never suppressed.  Each decision is
 * logged.
 *
 * Bounded: the first LOCAL_DSN_MAX bytes are parsed.  Advice only: the
 * message is delivered unchanged before this runs, and a read, parse or
 * store failure is logged and changes nothing.
 */
#ifndef POSTERN_LOCAL_DSN_H
#define POSTERN_LOCAL_DSN_H

#define LOCAL_DSN_MAX	(1024 * 1024)

struct djob_msg;
struct store;

/* jm was just delivered to rcpt (an address) in mailbox mbox. */
void	local_dsn(const struct djob_msg *jm, struct store *st,
	    const char *rcpt, const char *mbox);

#endif
