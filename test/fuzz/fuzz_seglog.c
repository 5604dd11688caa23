/*
 * fuzz_seglog: libFuzzer harness for the spool log's record reader
 * (queue/seglog.c), the code that decides after a crash what was
 * acknowledged.
 *
 * Byte 0 chooses the mode:
 *  even: the rest is a segment file as is (a torn, zeroed or hostile
 *	tail).  The scan must not crash or read out of bounds, records it
 *	reports must follow each other from offset 0 and end inside the
 *	file, where it stops must be the end of the last one, and the
 *	in-memory check (seglog_check) must agree on each.  The same bytes
 *	read as a done list give sorted, distinct, valid entries.
 *  odd: the rest is cut into up to 8 (envelope, content) pairs that are
 *	written as valid records; then byte 1 chooses a cut or a flipped
 *	bit at a place bytes 2-3 choose.  The scan must return exactly the
 *	records wholly before the damage, no fewer (nothing acknowledged
 *	is lost) and no more (nothing damaged is taken).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "queue/seglog.h"

#define SEGNO	7
#define MAXREC	8

static int	memfd = -1;

struct walk {
	const uint8_t	*data;
	size_t		 size;
	uint64_t	 next;		/* where the next record must start */
	long		 n;
};

static int
check_rec(void *arg, const struct seglog_loc *l, const char *env)
{
	struct walk		*w = arg;
	struct seglog_loc	 m;

	assert(l->segno == SEGNO);
	assert(l->off == w->next);
	assert(SEGLOG_REC_END(l) <= w->size);
	assert(memcmp(env, w->data + SEGLOG_ENV_OFF(l), l->env_len) == 0);
	assert(env[l->env_len] == '\0');
	assert(seglog_check(w->data + l->off, w->size - l->off, SEGNO, &m));
	assert(m.env_len == l->env_len && m.content_len == l->content_len);
	w->next = SEGLOG_REC_END(l);
	w->n++;
	return 0;
}

static long
scan(const uint8_t *p, size_t n, struct walk *w, uint64_t *end)
{
	long	r;

	if (ftruncate(memfd, 0) != 0 ||
	    (n > 0 && pwrite(memfd, p, n, 0) != (ssize_t)n))
		abort();
	memset(w, 0, sizeof(*w));
	w->data = p;
	w->size = n;
	r = seglog_scan(memfd, SEGNO, check_rec, w, end);
	assert(r == w->n);
	assert(*end == w->next);
	return r;
}

static void
raw(const uint8_t *p, size_t n)
{
	struct walk	 w;
	uint64_t	 end, *offs;
	long		 k, i;
	size_t		 max = n / SEGLOG_DONE_LEN;

	(void)scan(p, n, &w, &end);
	offs = malloc((max ? max : 1) * sizeof(*offs));
	if (offs == NULL)
		abort();
	k = seglog_done_parse(p, n, offs, max);
	assert(k >= 0 && (size_t)k <= max);
	for (i = 1; i < k; i++)
		assert(offs[i - 1] < offs[i]);
	for (i = 0; i < k; i++)
		assert(seglog_done_has(offs, (size_t)k, offs[i]));
	free(offs);
}

static void
built(const uint8_t *p, size_t n)
{
	uint8_t		*seg;
	uint64_t	 ends[MAXREC], end, at;
	size_t		 len = 0, i = 0, nrec = 0, piece, elen, o;
	struct walk	 w;
	long		 want = 0;
	int		 cut;

	if (n < 3)
		return;
	cut = p[0] & 1;
	at = (uint64_t)p[1] << 8 | p[2];
	p += 3;
	n -= 3;
	if ((seg = malloc(n + MAXREC * SEGLOG_HDR_LEN + 1)) == NULL)
		abort();
	while (i < n && nrec < MAXREC) {
		piece = p[i++];
		piece = piece < n - i ? piece : n - i;
		elen = piece / 3;
		if (seglog_encode(seg + len, SEGNO, p + i, (uint32_t)elen,
		    p + i + elen, piece - elen) == -1)
			abort();
		memcpy(seg + len + SEGLOG_HDR_LEN, p + i, piece);
		len += SEGLOG_HDR_LEN + piece;
		ends[nrec++] = len;
		i += piece;
	}
	if (len == 0) {
		free(seg);
		return;
	}
	o = (size_t)(at % len);
	if (cut)
		len = o;		/* a crash before the rest reached disk */
	else
		seg[o] ^= (uint8_t)(1u << (p[0] >> 1 & 7));
	for (i = 0; i < nrec; i++)
		if (ends[i] <= o)	/* wholly before the damage */
			want++;
	/* the damaged record and all after it go, none before */
	assert(scan(seg, len, &w, &end) == want);
	assert(end == (want ? ends[want - 1] : 0));
	free(seg);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memfd == -1 && (memfd = memfd_create("seg", 0)) == -1)
		abort();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		built(data + 1, size - 1);
	else
		raw(data + 1, size - 1);
	return 0;
}
