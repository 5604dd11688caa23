/*
 * bounce_parse_int: what the two halves of the bounce parser share:
 * bounce_parse.c (MIME, the entry point) and bounce_scan.c (the
 * recipients, their diagnostics and the failed command, from the
 * delivery-status part and the human-readable text).
 */
#ifndef POSTERN_BOUNCE_PARSE_INT_H
#define POSTERN_BOUNCE_PARSE_INT_H

#include <stddef.h>

#include "core/bounce_parse.h"
#include "lib/buf.h"

#define BP_DEPTH_MAX	8		/* MIME nesting */
#define BP_HDR_MAX	4096		/* one unfolded header value */
#define BP_TEXT_MAX	(BOUNCE_PARSE_MAX + 64)

/* bounce_parse.c */
int		 bp_header(const char *, size_t, const char *, struct buf *);

/* bounce_scan.c */
size_t		 bp_addr_len(const char *, size_t);
struct bounce_rcpt *bp_rcpt_get(struct bounce_report *, const char *,
		    size_t);
/* Recipients of the delivery-status part (RFC 3464 §2). */
void		 bp_dsn(struct bounce_report *);
/* Recipients and diagnostics of the human-readable text. */
void		 bp_heuristic(struct bounce_report *);
/* b->prose and b->human_len. */
void		 bp_prose(struct bounce_report *);
/* Diagnostics from the text for the recipients that have none. */
void		 bp_fill(struct bounce_report *);
/* The failed command of each recipient (core/bounce_class.h). */
void		 bp_command(struct bounce_report *);

#endif
