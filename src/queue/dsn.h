/*
 * dsn: delivery status notifications (RFC 3464, RFC 6522
 * multipart/report) and the xtext encoding of DSN parameters (RFC 3461
 * §4).  Pure: no I/O, no logging, no global state besides the random
 * source seam below.
 *
 * Invariants of a built DSN: CRLF line ends only, no line longer than
 * 998 octets that we wrote ourselves (header fields are folded, text is
 * wrapped), no CR or LF inside any field value taken from a peer or an
 * envelope (controls become spaces), and a MIME boundary that occurs
 * nowhere in the parts it separates.
 *
 * Failure: -1 on bad arguments or when the output's bound is reached; the
 * output buffer is then left as it was before the call.
 */
#ifndef POSTERN_DSN_H
#define POSTERN_DSN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

enum dsn_action {
	DSN_FAILED,
	DSN_DELAYED,
	DSN_DELIVERED,
	DSN_RELAYED,
	DSN_EXPANDED,
};

struct dsn_rcpt {
	const char	*rcpt;		/* final recipient address */
	const char	*orcpt;		/* RFC 3461 ORCPT as given,
					   "rfc822;xtext", or NULL/"" */
	enum dsn_action	 action;
	const char	*status;	/* enhanced status "5.1.1" */
	const char	*remote_mta;	/* host name that answered, or NULL */
	const char	*diagnostic;	/* the remote reply text, e.g.
					   "550 5.1.1 <x@y>: no such user",
					   or our own explanation; NULL if
					   none */
	int64_t		 last_attempt;	/* unix time, 0 = omit */
	int64_t		 will_retry_until; /* for DELAYED, 0 = omit */
};

struct dsn_info {
	const char	*reporting_mta;	/* our host name */
	const char	*queue_id;	/* original message's queue id */
	const char	*envid;		/* RFC 3461 ENVID as xtext, or
					   NULL/"" */
	const char	*original_sender; /* envelope sender of the
					   original (not "") */
	int64_t		 arrival;	/* when we received the original */
	int		 ret_full;	/* 1: the whole original as
					   message/rfc822; 0: only its header
					   as text/rfc822-headers */
	const char	*original;	/* original message bytes (CRLF) */
	size_t		 original_len;
	size_t		 max_original;	/* include at most this many bytes
					   of the original body when
					   ret_full (0 = no bound); when cut,
					   fall back to headers only */
};

/*
 * Build a complete RFC 5322 message (CRLF line ends), appended to out:
 * Date, From: "Mail Delivery System" <MAILER-DAEMON@reporting_mta>,
 * To: original_sender, Subject by the most severe action, Message-ID
 * (random), Auto-Submitted: auto-replied (RFC 3834), MIME-Version and
 * Content-Type: multipart/report; report-type=delivery-status.  Part 1
 * is a human explanation per recipient, part 2 the
 * message/delivery-status fields (RFC 3464 §2.2-2.3), part 3 the
 * original's header (text/rfc822-headers) or the whole original
 * (message/rfc822).  8-bit bytes are carried as they are, and a part
 * holding any is declared Content-Transfer-Encoding: 8bit.
 * 0, or -1 (out's bound reached, bad arguments, n == 0).
 */
int	dsn_build(const struct dsn_info *, const struct dsn_rcpt *, size_t n,
	    int64_t now, struct buf *out);

/*
 * RFC 3461 §4 xtext.  Valid (1) when every byte is printable ASCII
 * 33..126 other than '+' and '=', or "+XX" with upper-case hex; else 0.
 * The empty string is valid.
 */
int	dsn_xtext_valid(const char *s, size_t n);
/*
 * Decode into out (NUL-terminated); -1 if invalid, if it decodes to a
 * NUL byte, or if it does not fit.
 */
int	dsn_xtext_decode(const char *s, size_t n, char *out, size_t outsz);
/* Encode arbitrary text as xtext; -1 if it does not fit. */
int	dsn_xtext_encode(const char *s, char *out, size_t outsz);

/*
 * Test seam: where boundaries and Message-IDs get their random bytes
 * (util_random unless a test swaps it to force a boundary collision).
 * 0 or -1.
 */
extern int	(*dsn_random)(void *, size_t);

#endif
