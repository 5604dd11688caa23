/*
 * envelope: the on-disk form of a queued message's envelope, the file
 * QUEUEDIR/ID.env beside the content QUEUEDIR/ID.msg.  Text, one field a
 * line, each "KEY LEN VALUE\n" where LEN is the decimal byte count of
 * VALUE: explicit lengths, no quoting, so no value can forge a field.
 * The first line is "postern-envelope 1".  Unknown keys are an error so a
 * newer format is never half-read.
 */
#ifndef POSTERN_ENVELOPE_H
#define POSTERN_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_parse.h"

#define ENVELOPE_ID_MAX		32
#define ENVELOPE_RCPT_MAX	10000

struct envelope {
	char		 id[ENVELOPE_ID_MAX + 1];
	uint64_t	 created;		/* unix seconds */
	char		 sender[SMTP_ADDR_MAX + 1];	/* "" = <> */
	char		 helo[256];
	char		 client[64];		/* client IP */
	char		 auth_user[SMTP_ADDR_MAX + 1];	/* "" = none */
	char		 listener[16];		/* submission/smtps/mx */
	uint32_t	 flags;			/* MSG_F_* */
	uint64_t	 size;			/* content octets */
	size_t		 nrcpt;
	char		(*rcpt)[SMTP_ADDR_MAX + 1];
};

void	envelope_init(struct envelope *);
void	envelope_free(struct envelope *);
int	envelope_add_rcpt(struct envelope *, const char *);
/* Serialise into b (bounded).  0 or -1. */
int	envelope_format(const struct envelope *, struct buf *b);
/* Parse n bytes.  0 or -1 with the reason in err. */
int	envelope_parse(struct envelope *, const char *, size_t, char *err,
	    size_t errsz);

#endif
