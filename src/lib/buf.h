/*
 * buf: a growable, length-tracked byte buffer that is always NUL-terminated
 * and never grows past the bound given at buf_init().  All overflow checks
 * for variable-length data live here.  Appends that would pass the bound or
 * cannot allocate fail with -1 and leave the buffer unchanged.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated; NULL until first append */
	size_t	 len;		/* bytes used, excluding the NUL */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* bound on len */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_appends(struct buf *, const char *);
int	 buf_appendf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_consume(struct buf *, size_t);
const char *buf_str(const struct buf *);
/* Append a whole file (it may hold secrets: the read chunks are wiped).
   0, or -1 with errno (EFBIG past the bound). */
int	 buf_read_file(struct buf *, const char *path);

#endif
