/*
 * fuzz_dotreader: libFuzzer harness for the DATA decoder (dotreader.c).
 *
 * Input layout: byte 0 and 1 choose the split point (a fraction of the
 * rest), byte 2 chooses line_max and size_max (small values reach the
 * limits), the rest is the wire data.  Checks:
 *  1. every dot_feed() call writes at most inlen + 2 bytes (the contract
 *     in dotreader.h) into an exactly sized heap buffer, so ASan also sees
 *     any write past it; *consumed <= inlen;
 *  2. feeding the data in two parts at the data-derived split, and byte
 *     by byte, gives the same output, flags, size, end and consumed count
 *     as one call;
 *  3. after the end, dot_feed consumes nothing and returns 1;
 *  4. a straightforward reference model of RFC 5321 §4.1.1.4/§4.5.2 as
 *     docs/PROTOCOL.md states it (lines start at offset 0 and after every
 *     CRLF; end is ".\r\n" at a line start; first dot of a line removed;
 *     LF not after CR is bare; CR not before LF is bare) agrees on end
 *     position, output and flags.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dotreader.h"

struct result {
	char	*out;
	size_t	 outlen;
	size_t	 consumed;
	int	 end;
	unsigned flags;
	uint64_t size;
};

static void
feed(struct dotreader *dr, const char *in, size_t n, struct result *r)
{
	char	*out;
	size_t	 outlen = 0, used = 0;
	int	 end;

	if (r->end)
		return;
	/* exactly inlen + 2 bytes, copied input: ASan sees overruns */
	out = malloc(n + 2);
	char *inc = malloc(n ? n : 1);
	if (out == NULL || inc == NULL)
		abort();
	memcpy(inc, in, n);
	end = dot_feed(dr, inc, n, out, &outlen, &used);
	assert(outlen <= n + 2);
	assert(used <= n);
	if (!end)
		assert(used == n);
	memcpy(r->out + r->outlen, out, outlen);
	r->outlen += outlen;
	r->consumed += used;
	r->end = end;
	free(out);
	free(inc);
}

static void
run(const char *in, size_t n, size_t line_max, uint64_t size_max,
    size_t split, int bytewise, struct result *r)
{
	struct dotreader	dr;
	size_t			i;

	memset(r, 0, sizeof(*r));
	if ((r->out = malloc(n + 2)) == NULL)
		abort();
	dot_init(&dr, line_max, size_max);
	if (bytewise) {
		for (i = 0; i < n && !r->end; i++)
			feed(&dr, in + i, 1, r);
	} else {
		feed(&dr, in, split, r);
		feed(&dr, in + split, n - split, r);
	}
	r->flags = dr.flags;
	r->size = dr.size;
	if (r->end) {
		size_t	outlen = 1234, used = 1234;
		char	o[2];

		/* after the end nothing more is consumed */
		assert(dot_feed(&dr, "x\r\n", 3, o, &outlen, &used) == 1);
		assert(used == 0 && outlen == 0);
	}
}

/* Reference model, evaluated on the whole input. */
static void
reference(const char *in, size_t n, size_t line_max, uint64_t size_max,
    struct result *r)
{
	size_t	i, p, linestart = 0, full = 0;
	int	found = 0;

	memset(r, 0, sizeof(*r));
	if ((r->out = malloc(n + 2)) == NULL)
		abort();
	/* find the end: ".\r\n" at a line start */
	for (p = 0; p < n; p++) {
		int bol = p == 0 || (p >= 2 && in[p - 1] == '\n' &&
		    in[p - 2] == '\r');

		if (bol && n - p >= 3 && memcmp(in + p, ".\r\n", 3) == 0) {
			found = 1;
			break;
		}
	}
	if (!found)
		return;
	r->end = 1;
	r->consumed = p + 3;
	for (i = 0; i < p; i++) {
		int bol = i == 0 || (i >= 2 && in[i - 1] == '\n' &&
		    in[i - 2] == '\r');

		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			r->flags |= DOT_BARE_LF;
		if (in[i] == '\r' && (i + 1 >= p + 3 || in[i + 1] != '\n'))
			r->flags |= DOT_BARE_CR;
		if (bol && in[i] == '.')
			continue;
		full++;
		if (r->outlen < size_max)
			r->out[r->outlen++] = in[i];
	}
	r->size = full;
	if (full > size_max)
		r->flags |= DOT_TOO_BIG;
	/* wire line lengths, CRLF and leading dot included */
	for (i = 0; i < p + 3; i++) {
		if (i >= 1 && in[i] == '\n' && in[i - 1] == '\r') {
			if (i + 1 - linestart > line_max)
				r->flags |= DOT_LINE_TOO_LONG;
			linestart = i + 1;
		}
	}
}

static void
same(const struct result *a, const struct result *b)
{
	assert(a->end == b->end);
	assert(a->consumed == b->consumed);
	assert(a->flags == b->flags);
	assert(a->size == b->size);
	assert(a->outlen == b->outlen);
	assert(memcmp(a->out, b->out, a->outlen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 line_maxes[] = { 1000, 3, 4, 5, 8, 1, 2, 64 };
	static const uint64_t	 size_maxes[] = { UINT64_MAX, 0, 1, 2, 5, 16,
	    100, 35 * 1024 * 1024 };
	struct result		 one, two, bytes, ref;
	const char		*in;
	size_t			 n, split, line_max;
	uint64_t		 size_max;

	if (size < 3)
		return 0;
	split = (size_t)data[0] << 8 | data[1];
	line_max = line_maxes[data[2] & 7];
	size_max = size_maxes[(data[2] >> 3) & 7];
	in = (const char *)data + 3;
	n = size - 3;
	split = n ? split % (n + 1) : 0;

	run(in, n, line_max, size_max, n, 0, &one);
	run(in, n, line_max, size_max, split, 0, &two);
	run(in, n, line_max, size_max, 0, 1, &bytes);
	same(&one, &two);
	same(&one, &bytes);
	reference(in, n, line_max, size_max, &ref);
	assert(ref.end == one.end);
	if (ref.end)
		same(&one, &ref);
	else
		assert(one.consumed == n);
	free(one.out);
	free(two.out);
	free(bytes.out);
	free(ref.out);
	return 0;
}
