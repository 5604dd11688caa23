/*
 * explain_bounce_int: what the two halves of the bounce reader share:
 * explain_bounce.c (MIME, printing) and explain_bounce_scan.c (the
 * recipients, their diagnostics and the failed command, from the
 * delivery-status part and the human-readable text).
 */
#ifndef POSTERN_EXPLAIN_BOUNCE_INT_H
#define POSTERN_EXPLAIN_BOUNCE_INT_H

#include <stddef.h>

#include "lib/buf.h"

#define EX_DEPTH_MAX	8		/* MIME nesting */
#define EX_HDR_MAX	4096		/* one unfolded header value */
#define EX_DIAG_MAX	2048		/* one recipient's diagnostic */
#define EX_TEXT_MAX	(EXPLAIN_BOUNCE_MAX + 64)
#define EX_ADDR_MAX	320

struct ex_rcpt {
	char		addr[EX_ADDR_MAX];
	char		action[32];
	char		status[16];
	char		remote_mta[256];
	char		diag[EX_DIAG_MAX];
	int		cmd;		/* enum bounce_cmd */
};

struct ex_bounce {
	const char	*format;
	struct ex_rcpt	*rcpts;		/* EXPLAIN_RCPT_MAX */
	size_t		 n;
	struct buf	 human;		/* text/plain parts */
	struct buf	 dsn;		/* message/delivery-status parts */
	size_t		 human_len;	/* of human, before the returned
					   message */
	char		 fmtbuf[96];
	char		 prose[EX_DIAG_MAX];	/* human text before the
						   returned message */
	int		 cmd;		/* enum bounce_cmd of the prose */
	int		 error;
};

/* explain_bounce.c */
int		 exb_header(const char *, size_t, const char *, struct buf *);

/* explain_bounce_scan.c */
const char	*exb_memcasestr(const char *, size_t, const char *);
size_t		 exb_addr_len(const char *, size_t);
struct ex_rcpt	*exb_rcpt_get(struct ex_bounce *, const char *, size_t);
/* Recipients of the delivery-status part (RFC 3464 §2). */
void		 exb_dsn(struct ex_bounce *);
/* Recipients and diagnostics of the human-readable text. */
void		 exb_heuristic(struct ex_bounce *);
/* b->prose and b->human_len. */
void		 exb_prose(struct ex_bounce *);
/* Diagnostics from the text for the recipients that have none. */
void		 exb_fill(struct ex_bounce *);
/* The failed command of each recipient (core/bounce_class.h). */
void		 exb_command(struct ex_bounce *);

#endif
