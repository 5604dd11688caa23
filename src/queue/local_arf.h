/*
 * local_arf: read a complaint that arrives for a local mailbox.  A
 * message received on the MX that is a feedback report (RFC 5965,
 * core/arf.h) of type "abuse", what receivers' feedback loops (Yahoo
 * CFL, Microsoft JMRP, ...) send when a recipient marks mail as spam,
 * about a message submitted here with AUTH (the returned message carries
 * postern's Received line, "(Postern) with ESMTPSA id"), counts one
 * complaint for the mailbox that sent it: the report's
 * Original-Mail-From, else the returned message's From, which must be a
 * mailbox of this server (store_health_complaint).  Other types
 * ("fraud", "virus", "not-spam", ...) are logged, never counted: the
 * count is the spam-complaint rate receivers judge a sender by.  A
 * report about mail that never went through this server (a forged
 * sender) or about an address that is no mailbox here is logged and
 * ignored.
 *
 * Bounded: only the head of other mail is read (LOCAL_ARF_HEAD), of a
 * report the first ARF_PARSE_MAX bytes.  Advice only: the message is
 * delivered unchanged before this runs, and a read, parse or store
 * failure is logged and changes nothing.
 */
#ifndef POSTERN_LOCAL_ARF_H
#define POSTERN_LOCAL_ARF_H

#define LOCAL_ARF_HEAD	(64 * 1024)

struct djob_msg;
struct store;

/*
 * jm was just delivered to rcpt (an address of a local mailbox).  1 if
 * it is a feedback report (so not a bounce to read), else 0.
 */
int	local_arf(const struct djob_msg *jm, struct store *st,
	    const char *rcpt);

#endif
