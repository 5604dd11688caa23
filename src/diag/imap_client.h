/*
 * imap_client: the IMAP side of `postern check`'s connection: commands
 * tagged a1, a2, ... and responses read with their literals (RFC 9051
 * §4.3, §7) over the transport of core/smtp_client.h (fd, TLS, read
 * buffer, status and error text).  Untagged responses, and the
 * completion, go to the on_response callback as they come.
 *
 * Invariants: every buffer is bounded: a line by CHECK_IMAP_LINE_MAX, a
 * response by CHECK_IMAP_RESP_MAX and IMAP_LITERALS_MAX literals; of
 * what is larger the start is kept and the rest read and dropped, which
 * keeps the stream in step, and a cut untagged response is ignored (a
 * cut completion still completes).  Each read has the client's timeout
 * as its deadline; a command takes at most IMAP_RESPONSES_MAX responses.
 *
 * Failure: -1 with c.status and c.err set, as smtp_client.h does: a
 * timeout, a close, a TLS error, or what is not IMAP (SC_PROTOCOL).
 */
#ifndef POSTERN_IMAP_CLIENT_H
#define POSTERN_IMAP_CLIENT_H

#include <stddef.h>

#include "core/smtp_client.h"
#include "diag/check_imap_parse.h"

#define IMAP_LITERALS_MAX	64	/* literals in one response */
#define IMAP_RESPONSES_MAX	10000	/* responses to one command */

struct imap_client {
	struct smtp_client	 c;		/* fd, TLS, rbuf, status */
	char			 resp[CHECK_IMAP_RESP_MAX];
	size_t			 len;
	int			 truncated;	/* part of resp dropped */
	unsigned		 seq;		/* tags a1, a2, ... */
	char			 tag[16];
	enum imap_cond		 cond;		/* the command's completion */
	char			 code[32];
	char			 done[512];	/* its line, printable */
	/* each untagged response, and the completion, as it comes */
	void			(*on_response)(void *,
				    const struct imap_line *);
	void			*arg;
};

/* One response with its literals into resp, within the timeout. */
int	ic_read(struct imap_client *);
/*
 * Read responses up to the completion of the command tagged ic.tag
 * (or, with cont, up to a "+" continuation).  0 at the completion (its
 * condition in ic.cond), 1 at a continuation, -1 if the connection
 * failed or spoke something else.
 */
int	ic_complete(struct imap_client *, int cont);
/* Send "TAG cmd" and read to its completion, as ic_complete(). */
int	ic_cmd(struct imap_client *, const char *);

#endif
