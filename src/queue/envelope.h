/*
 * envelope: the on-disk form of a queued message's envelope.  A queued
 * message is one file, QUEUEDIR/ID.msg:
 *
 *	[content][envelope][trailer]
 *
 * The envelope is text, one field a line, each "KEY LEN VALUE\n" where
 * LEN is the decimal byte count of VALUE: explicit lengths, no quoting,
 * so no value can forge a field.  Its first line is "postern-envelope 1"
 * and its last "end 0 \n".  "notify" and "orcpt" lines belong to the
 * "rcpt" line before them.  Unknown keys are an error so a newer format
 * is never half-read.  The trailer is the last ENVELOPE_TRAILER_LEN
 * bytes, "postern-trailer 1 OFFSET LENGTH\n" with both numbers 20 digits
 * wide: where the envelope starts (= the content's length) and how long
 * it is.
 */
#ifndef POSTERN_ENVELOPE_H
#define POSTERN_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/smtp_parse.h"
#include "lib/buf.h"

#define ENVELOPE_ID_MAX		32
#define ENVELOPE_RCPT_MAX	10000
#define ENVELOPE_ENVID_MAX	100	/* RFC 3461 §4.4 */
#define ENVELOPE_ORCPT_MAX	500	/* RFC 3461 §4.2 */

/* DSN_RET_* and DSN_NOTIFY_* (RFC 3461): core/smtp_parse.h */

struct env_rcpt {
	char		 addr[SMTP_ADDR_MAX + 1];
	char		 orcpt[ENVELOPE_ORCPT_MAX + 1];	/* "rfc822;xtext" or "" */
	uint32_t	 notify;			/* DSN_NOTIFY_* */
};

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
	uint32_t	 ret;			/* DSN_RET_* or 0 */
	char		 envid[ENVELOPE_ENVID_MAX + 1];	/* xtext, "" none */
	size_t		 nrcpt;
	struct env_rcpt	*rcpt;
};

/* dst = a deep copy of src.  0, or -1 (out of memory; dst empty). */
int	envelope_copy(struct envelope *dst, const struct envelope *src);

#define ENVELOPE_TRAILER_LEN	60

/* Write the trailer (exactly ENVELOPE_TRAILER_LEN bytes + NUL). */
int	envelope_trailer(char *out, uint64_t env_off, uint64_t env_len);
/*
 * Parse the trailer at the end of a file of file_len bytes (p holds its
 * last ENVELOPE_TRAILER_LEN bytes).  0, or -1 if malformed or pointing
 * outside the file.
 */
int	envelope_trailer_parse(const char *p, uint64_t file_len,
	    uint64_t *env_off, uint64_t *env_len);

void	envelope_init(struct envelope *);
void	envelope_free(struct envelope *);
/* Add a recipient (no DSN parameters; set them on the last one). */
int	envelope_add_rcpt(struct envelope *, const char *);
/* Serialise into b (bounded).  0 or -1. */
int	envelope_format(const struct envelope *, struct buf *b);
/* Parse n bytes.  0 or -1 with the reason in err. */
int	envelope_parse(struct envelope *, const char *, size_t, char *err,
	    size_t errsz);

#endif
