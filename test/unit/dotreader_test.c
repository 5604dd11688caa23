/*
 * dotreader_test: table-driven tests for the DATA decoder.  Each row of
 * cases[] is run whole, split at every point into two and (for short
 * inputs) three calls, and one byte at a time; every way must give the
 * same output, flags, size and consumed count.  Every call gets an output
 * buffer of exactly inlen + 2 bytes from malloc, so ASan catches a decoder
 * that writes past its documented bound.  A seeded random test compares
 * the decoder with a simple reference model built from the RFC 5321
 * rules rather than from a state machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/dotreader.h"

#define LINE_MAX_RFC	1000		/* RFC 5321 §4.5.3.1.6 */
#define SIZE_BIG	(1 << 20)
#define MAX_SPLITS	3
#define SPLIT3_MAX_LEN	48		/* all 3-way splits up to this length */

struct bytes {
	const char	*p;
	size_t		 len;
};

#define S(x)	{ (x), sizeof(x) - 1 }

struct dot_case {
	const char	*name;
	struct bytes	 in;
	size_t		 line_max;	/* 0: LINE_MAX_RFC */
	uint64_t	 size_max;	/* 0: SIZE_BIG, see size_zero */
	int		 size_zero;	/* size_max really is 0 */
	struct bytes	 out;
	unsigned	 flags;
	int		 done;
	size_t		 consumed;	/* (size_t)-1: all of in */
	uint64_t	 size;		/* (uint64_t)-1: out.len */
};

struct dot_result {
	char		*out;
	size_t		 outlen;
	size_t		 consumed;
	unsigned	 flags;
	uint64_t	 size;
	int		 done;
};

#define ALL	((size_t)-1)
#define OUTLEN	((uint64_t)-1)

static void	run_split(const struct dot_case *, const struct bytes *,
		    const size_t *, size_t, struct dot_result *);
static void	check_result(const struct dot_case *, const struct bytes *,
		    const struct dot_result *, const char *);
static void	test_case(void **);
static void	test_after_end(void **);
static void	test_random_vs_model(void **);
static void	test_large_message(void **);
static void	model(const char *, size_t, size_t, uint64_t,
		    struct dot_result *);
static int	bol(const char *, size_t);
static uint32_t	rnd(void);
static char	*long_line(size_t, int, const char *);
static void	fill_long_cases(void);

static const struct dot_case cases[] = {
	/* end of data */
	{ "empty message", S(".\r\n"), 0, 0, 0, S(""), 0, 1, ALL, OUTLEN },
	{ "one line", S("Hello\r\n.\r\n"), 0, 0, 0, S("Hello\r\n"), 0, 1,
	    ALL, OUTLEN },
	{ "several lines", S("a\r\nb\r\n\r\nc\r\n.\r\n"), 0, 0, 0,
	    S("a\r\nb\r\n\r\nc\r\n"), 0, 1, ALL, OUTLEN },
	{ "empty lines only", S("\r\n\r\n.\r\n"), 0, 0, 0, S("\r\n\r\n"), 0,
	    1, ALL, OUTLEN },
	{ "pipelined command after end", S("a\r\n.\r\nQUIT\r\n"), 0, 0, 0,
	    S("a\r\n"), 0, 1, 6, OUTLEN },
	{ "pipelined after empty message", S(".\r\nRSET\r\n"), 0, 0, 0,
	    S(""), 0, 1, 3, OUTLEN },
	{ "second terminator is pipelined", S(".\r\n.\r\n"), 0, 0, 0, S(""),
	    0, 1, 3, OUTLEN },
	{ "no input", S(""), 0, 0, 0, S(""), 0, 0, ALL, OUTLEN },
	{ "unterminated line", S("a\r\nb"), 0, 0, 0, S("a\r\nb"), 0, 0, ALL,
	    OUTLEN },
	{ "unterminated after dot", S("a\r\n."), 0, 0, 0, S("a\r\n"), 0, 0,
	    ALL, OUTLEN },
	{ "unterminated after dot CR", S("a\r\n.\r"), 0, 0, 0, S("a\r\n"),
	    0, 0, ALL, OUTLEN },
	{ "unterminated after CR", S("a\r"), 0, 0, 0, S("a\r"), 0, 0, ALL,
	    OUTLEN },

	/* dot-unstuffing, RFC 5321 §4.5.2 */
	{ "stuffed dot line", S("..\r\n.\r\n"), 0, 0, 0, S(".\r\n"), 0, 1,
	    ALL, OUTLEN },
	{ "stuffed dots", S("a\r\n...x\r\n.\r\n"), 0, 0, 0, S("a\r\n..x\r\n"),
	    0, 1, ALL, OUTLEN },
	{ "unstuffed leading dot removed", S(".x\r\n.\r\n"), 0, 0, 0,
	    S("x\r\n"), 0, 1, ALL, OUTLEN },
	{ "dot space is not the end", S(". \r\n.\r\n"), 0, 0, 0, S(" \r\n"),
	    0, 1, ALL, OUTLEN },
	{ "dot in the middle kept", S("a.b.\r\n.\r\n"), 0, 0, 0,
	    S("a.b.\r\n"), 0, 1, ALL, OUTLEN },
	{ "dot after CRLF in line", S("x\r\n..\r\n..\r\n.\r\n"), 0, 0, 0,
	    S("x\r\n.\r\n.\r\n"), 0, 1, ALL, OUTLEN },
	{ "NUL and 8-bit bytes", S("a\0b\xff\x80\r\n.\r\n"), 0, 0, 0,
	    S("a\0b\xff\x80\r\n"), 0, 1, ALL, OUTLEN },

	/* smuggling: only <CRLF>.<CRLF> ends the data */
	{ "LF.LF is content", S("a\n.\nb\r\n.\r\n"), 0, 0, 0,
	    S("a\n.\nb\r\n"), DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "LF.CRLF is content", S("a\n.\r\nb\r\n.\r\n"), 0, 0, 0,
	    S("a\n.\r\nb\r\n"), DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "CRLF.LF is content", S("a\r\n.\nb\r\n.\r\n"), 0, 0, 0,
	    S("a\r\n\nb\r\n"), DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "CR.CR is content", S("a\r.\rb\r\n.\r\n"), 0, 0, 0,
	    S("a\r.\rb\r\n"), DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "CR.CRLF is content", S("a\r.\r\nb\r\n.\r\n"), 0, 0, 0,
	    S("a\r.\r\nb\r\n"), DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "CRLF.CR is content", S("a\r\n.\rb\r\n.\r\n"), 0, 0, 0,
	    S("a\r\n\rb\r\n"), DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "CRLF.CRCRLF is content", S("a\r\n.\r\r\n.\r\n"), 0, 0, 0,
	    S("a\r\n\r\r\n"), DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "LF.LF at start", S("\n.\nx\r\n.\r\n"), 0, 0, 0, S("\n.\nx\r\n"),
	    DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "LF.CRLF at start", S("\n.\r\n.\r\n"), 0, 0, 0, S("\n.\r\n"),
	    DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "dot LF at start", S(".\n.\r\n"), 0, 0, 0, S("\n.\r\n"),
	    DOT_BARE_LF, 0, ALL, OUTLEN },
	{ "CR.CR at start", S("\r.\r\n.\r\n"), 0, 0, 0, S("\r.\r\n"),
	    DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "dot CR at start", S(".\r.\r\n.\r\n"), 0, 0, 0, S("\r.\r\n"),
	    DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "LF only terminator never ends", S("a\n.\n"), 0, 0, 0,
	    S("a\n.\n"), DOT_BARE_LF, 0, ALL, OUTLEN },
	{ "CR only terminator never ends", S("a\r.\r"), 0, 0, 0, S("a\r.\r"),
	    DOT_BARE_CR, 0, ALL, OUTLEN },
	{ "CRLF.LF then real end", S("a\r\n.\n.\r\n"), 0, 0, 0,
	    S("a\r\n\n.\r\n"), DOT_BARE_LF, 0, ALL, OUTLEN },

	/* bare CR and LF inside lines */
	{ "bare LF", S("a\nb\r\n.\r\n"), 0, 0, 0, S("a\nb\r\n"),
	    DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "bare LF before CRLF", S("a\n\r\n.\r\n"), 0, 0, 0, S("a\n\r\n"),
	    DOT_BARE_LF, 1, ALL, OUTLEN },
	{ "bare CR", S("a\rb\r\n.\r\n"), 0, 0, 0, S("a\rb\r\n"),
	    DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "CR CR LF", S("a\r\r\n.\r\n"), 0, 0, 0, S("a\r\r\n"),
	    DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "LF CR", S("a\n\rb\r\n.\r\n"), 0, 0, 0, S("a\n\rb\r\n"),
	    DOT_BARE_LF | DOT_BARE_CR, 1, ALL, OUTLEN },
	{ "bare LF on empty line", S("\n\r\n.\r\n"), 0, 0, 0, S("\n\r\n"),
	    DOT_BARE_LF, 1, ALL, OUTLEN },

	/* line length, counted on the wire with CRLF and stuffing dot */
	{ "line_max 5: 5 octets", S("abc\r\n.\r\n"), 5, 0, 0,
	    S("abc\r\n"), 0, 1, ALL, OUTLEN },
	{ "line_max 5: 6 octets", S("abcd\r\n.\r\n"), 5, 0, 0,
	    S("abcd\r\n"), DOT_LINE_TOO_LONG, 1, ALL, OUTLEN },
	{ "line_max 5: stuffed 5", S("..b\r\n.\r\n"), 5, 0, 0,
	    S(".b\r\n"), 0, 1, ALL, OUTLEN },
	{ "line_max 5: stuffed 6", S("..bc\r\n.\r\n"), 5, 0, 0,
	    S(".bc\r\n"), DOT_LINE_TOO_LONG, 1, ALL, OUTLEN },
	{ "line_max 5: long then short", S("abcdef\r\na\r\n.\r\n"), 5, 0, 0,
	    S("abcdef\r\na\r\n"), DOT_LINE_TOO_LONG, 1, ALL, OUTLEN },
	{ "line_max 5: unterminated", S("abcdef"), 5, 0, 0, S("abcdef"),
	    DOT_LINE_TOO_LONG, 0, ALL, OUTLEN },
	{ "line_max 5: bare LF does not end line", S("ab\ncd\r\n.\r\n"), 5,
	    0, 0, S("ab\ncd\r\n"), DOT_BARE_LF | DOT_LINE_TOO_LONG, 1, ALL,
	    OUTLEN },
	{ "line_max 3: terminator fits", S(".\r\n"), 3, 0, 0, S(""), 0, 1,
	    ALL, OUTLEN },

	/* size: unstuffed content with CRLFs, final ".\r\n" excluded */
	{ "size at limit", S("Hello\r\n.\r\n"), 0, 7, 0, S("Hello\r\n"), 0,
	    1, ALL, OUTLEN },
	{ "size one over", S("Hello\r\n.\r\n"), 0, 6, 0, S("Hello\r"),
	    DOT_TOO_BIG, 1, ALL, 7 },
	{ "size far over", S("Hello\r\nworld\r\n.\r\nQUIT\r\n"), 0, 3, 0,
	    S("Hel"), DOT_TOO_BIG, 1, 17, 14 },
	{ "size 0 empty message", S(".\r\n"), 0, 0, 1, S(""), 0, 1, ALL,
	    OUTLEN },
	{ "size 0 one line", S("a\r\n.\r\n"), 0, 0, 1, S(""), DOT_TOO_BIG,
	    1, ALL, 3 },
	{ "stuffing dot not counted", S("..\r\n.\r\n"), 0, 3, 0, S(".\r\n"),
	    0, 1, ALL, OUTLEN },
	{ "terminator not counted", S("a\r\n.\r\n"), 0, 2, 0, S("a\r"),
	    DOT_TOO_BIG, 1, ALL, 3 },
	{ "size and line flags", S("abcdef\r\n.\r\n"), 5, 4, 0, S("abcd"),
	    DOT_TOO_BIG | DOT_LINE_TOO_LONG, 1, ALL, 8 },
	{ "held CR counted once", S("x\r\n.\ry\r\n.\r\n"), 0, 4, 0,
	    S("x\r\n\r"), DOT_TOO_BIG | DOT_BARE_CR, 1, ALL, 7 },
};

/*
 * Rows whose input is built at run time: a line of n octets of 'x' after
 * an optional ".." (a stuffed dot), then tail.  The wire length of the
 * line is n + 2 * dot + 2.
 */
static const struct long_row {
	const char	*name;
	size_t		 n;
	int		 dot;
	const char	*tail;
	unsigned	 flags;
	int		 done;
} long_rows[] = {
	{ "line of 1000 octets", 998, 0, "\r\n.\r\n", 0, 1 },
	{ "line of 1001 octets", 999, 0, "\r\n.\r\n", DOT_LINE_TOO_LONG, 1 },
	{ "stuffed line of 1000 octets", 996, 1, "\r\n.\r\n", 0, 1 },
	{ "stuffed line of 1001 octets", 997, 1, "\r\n.\r\n",
	    DOT_LINE_TOO_LONG, 1 },
	{ "1001 octets then short line", 999, 0, "\r\na\r\n.\r\n",
	    DOT_LINE_TOO_LONG, 1 },
	{ "unterminated line of 1200", 1200, 0, "", DOT_LINE_TOO_LONG, 0 },
};
#define NLONG	(sizeof(long_rows) / sizeof(long_rows[0]))

static struct dot_case	long_cases[NLONG];

static void
fill_long_cases(void)
{
	const struct long_row	*lr;
	struct dot_case		*c;
	size_t			 i, tl;

	for (i = 0; i < NLONG; i++) {
		lr = &long_rows[i];
		c = &long_cases[i];
		tl = strlen(lr->tail);
		memset(c, 0, sizeof(*c));
		c->name = lr->name;
		c->in.p = long_line(lr->n, lr->dot, lr->tail);
		c->in.len = 2 * (size_t)lr->dot + lr->n + tl;
		/* expected: without the stuffing dot and the final ".\r\n" */
		c->out.p = c->in.p + lr->dot;
		c->out.len = c->in.len - (size_t)lr->dot - (lr->done ? 3 : 0);
		c->flags = lr->flags;
		c->done = lr->done;
		c->consumed = ALL;
		c->size = OUTLEN;
	}
}

/* n copies of 'x' after an optional "..", then tail. */
static char *
long_line(size_t n, int dot, const char *tail)
{
	size_t	 tl = strlen(tail), d = 2 * (size_t)dot;
	char	*p;

	if ((p = malloc(d + n + tl + 1)) == NULL)
		abort();
	memset(p, '.', d);
	memset(p + d, 'x', n);
	memcpy(p + d + n, tail, tl + 1);
	return p;
}

/*
 * Feed in split at the nsplit offsets in splits[] (ascending).  Each call
 * gets exactly inlen + 2 bytes of output space.  Stops at end of data.
 */
static void
run_split(const struct dot_case *c, const struct bytes *in,
    const size_t *splits, size_t nsplit, struct dot_result *r)
{
	struct dotreader	 dr;
	size_t			 start = 0, end, i, outlen, used;
	char			*out;
	uint64_t		 smax;

	smax = c->size_zero ? 0 : c->size_max ? c->size_max : SIZE_BIG;
	dot_init(&dr, c->line_max ? c->line_max : LINE_MAX_RFC, smax);
	memset(r, 0, sizeof(*r));
	if ((r->out = malloc(in->len + 2 * (nsplit + 1) + 1)) == NULL)
		abort();
	for (i = 0; i <= nsplit && !r->done; i++) {
		end = i < nsplit ? splits[i] : in->len;
		if ((out = malloc(end - start + 2)) == NULL)
			abort();
		r->done = dot_feed(&dr, in->p + start, end - start, out,
		    &outlen, &used);
		assert_true(outlen <= end - start + 2);
		assert_true(used <= end - start);
		if (!r->done)
			assert_int_equal(used, end - start);
		memcpy(r->out + r->outlen, out, outlen);
		r->outlen += outlen;
		r->consumed += used;
		free(out);
		start = end;
	}
	r->flags = dr.flags;
	r->size = dr.size;
}

static void
check_result(const struct dot_case *c, const struct bytes *in,
    const struct dot_result *r, const char *how)
{
	size_t		consumed = c->consumed == ALL ? in->len : c->consumed;
	uint64_t	size = c->size == OUTLEN ? c->out.len : c->size;

	if (r->done != c->done || r->consumed != consumed ||
	    r->flags != c->flags || r->size != size ||
	    r->outlen != c->out.len ||
	    memcmp(r->out, c->out.p, c->out.len) != 0)
		fail_msg("%s (%s): done %d/%d consumed %zu/%zu flags %#x/%#x "
		    "size %ju/%ju outlen %zu/%zu", c->name, how, r->done,
		    c->done, r->consumed, consumed, r->flags, c->flags,
		    (uintmax_t)r->size, (uintmax_t)size, r->outlen,
		    c->out.len);
}

/* One row: whole, every 2-way split, every 3-way split, byte by byte. */
static void
test_case(void **state)
{
	const struct dot_case	*c = *state;
	const struct bytes	*in = &c->in;
	struct dot_result	 r;
	size_t			 sp[MAX_SPLITS], i, j, *each;

	run_split(c, in, NULL, 0, &r);
	check_result(c, in, &r, "whole");
	free(r.out);
	for (i = 0; i <= in->len; i++) {
		sp[0] = i;
		run_split(c, in, sp, 1, &r);
		check_result(c, in, &r, "2-way split");
		free(r.out);
	}
	for (i = 0; in->len <= SPLIT3_MAX_LEN && i <= in->len; i++) {
		for (j = i; j <= in->len; j++) {
			sp[0] = i;
			sp[1] = j;
			run_split(c, in, sp, 2, &r);
			check_result(c, in, &r, "3-way split");
			free(r.out);
		}
	}
	if ((each = calloc(in->len + 1, sizeof(*each))) == NULL)
		abort();
	for (i = 0; i < in->len; i++)
		each[i] = i + 1;
	run_split(c, in, each, in->len, &r);
	check_result(c, in, &r, "byte at a time");
	free(r.out);
	free(each);
}

/* After the end, nothing more is consumed until dot_init. */
static void
test_after_end(void **state)
{
	struct dotreader	dr;
	char			out[16];
	size_t			outlen, used;

	dot_init(&dr, LINE_MAX_RFC, SIZE_BIG);
	assert_int_equal(dot_feed(&dr, "a\r\n.\r\nX", 7, out, &outlen,
	    &used), 1);
	assert_int_equal(used, 6);
	assert_int_equal(dot_feed(&dr, "b\r\n.\r\n", 6, out, &outlen, &used),
	    1);
	assert_int_equal(used, 0);
	assert_int_equal(outlen, 0);
	dot_init(&dr, LINE_MAX_RFC, SIZE_BIG);
	assert_int_equal(dot_feed(&dr, "b\r\n.\r\n", 6, out, &outlen, &used),
	    1);
	assert_int_equal(outlen, 3);
	assert_memory_equal(out, "b\r\n", 3);
	assert_int_equal(dr.flags, 0);
}

/*
 * Reference model from the rules, not from states: the data ends at the
 * first "\r\n.\r\n" in "\r\n" + input; every line start is the start of
 * input or follows "\r\n"; a bare LF is an LF without CR before it, a bare
 * CR a CR without LF after it (unknown yet at the end of input).
 */
static void
model(const char *in, size_t len, size_t line_max, uint64_t size_max,
    struct dot_result *r)
{
	size_t	 i, end = len, line = 0, clen = 0;
	char	*content;

	memset(r, 0, sizeof(*r));
	for (i = 0; i + 3 <= len; i++) {
		if (bol(in, i) && memcmp(in + i, ".\r\n", 3) == 0) {
			end = i;
			r->done = 1;
			break;
		}
	}
	r->consumed = r->done ? end + 3 : len;
	if ((content = malloc(len + 1)) == NULL ||
	    (r->out = malloc(len + 1)) == NULL)
		abort();
	for (i = 0; i < r->consumed; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			r->flags |= DOT_BARE_LF;
		if (in[i] == '\r' && i + 1 < len && in[i + 1] != '\n')
			r->flags |= DOT_BARE_CR;
		if (++line > line_max)
			r->flags |= DOT_LINE_TOO_LONG;
		if (i >= 1 && in[i - 1] == '\r' && in[i] == '\n')
			line = 0;
	}
	for (i = 0; i < end; i++) {
		if (bol(in, i) && in[i] == '.')
			continue;
		/* the CR of a ".\r" at the end of input is held */
		if (i == len - 1 && in[i] == '\r' && i >= 1 &&
		    in[i - 1] == '.' && bol(in, i - 1))
			continue;
		content[clen++] = in[i];
	}
	r->size = clen;
	if (clen > size_max)
		r->flags |= DOT_TOO_BIG;
	r->outlen = clen > size_max ? (size_t)size_max : clen;
	memcpy(r->out, content, r->outlen);
	free(content);
}

/* Offset i starts a line: the start of input, or right after CRLF. */
static int
bol(const char *in, size_t i)
{
	return i == 0 || (i >= 2 && in[i - 2] == '\r' && in[i - 1] == '\n');
}

static uint32_t
rnd(void)
{
	static uint32_t	x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Random inputs from a small alphabet, random limits, random splits. */
static void
test_random_vs_model(void **state)
{
	static const char	 alpha[] = "\r\n.a\r\n.";
	struct dot_case		 c;
	struct dot_result	 want, got;
	char			 buf[64];
	size_t			 sp[MAX_SPLITS], len, i, n;
	int			 iter;

	for (iter = 0; iter < 200000; iter++) {
		len = rnd() % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = alpha[rnd() % (sizeof(alpha) - 1)];
		memset(&c, 0, sizeof(c));
		c.name = "random";
		c.in.p = buf;
		c.in.len = len;
		c.line_max = 1 + rnd() % 8;
		c.size_max = rnd() % 40;
		c.size_zero = c.size_max == 0;
		model(buf, len, c.line_max, c.size_max, &want);
		c.out.p = want.out;
		c.out.len = want.outlen;
		c.flags = want.flags;
		c.done = want.done;
		c.consumed = want.consumed;
		c.size = want.size;
		n = rnd() % (MAX_SPLITS + 1);
		for (i = 0; i < n; i++)
			sp[i] = len ? rnd() % (len + 1) : 0;
		for (i = 1; i < n; i++)	/* insertion sort */
			for (size_t j = i; j > 0 && sp[j - 1] > sp[j]; j--) {
				size_t t = sp[j];

				sp[j] = sp[j - 1];
				sp[j - 1] = t;
			}
		run_split(&c, &c.in, sp, n, &got);
		check_result(&c, &c.in, &got, "random");
		free(got.out);
		free(want.out);
	}
}

/* A 4 MiB message fed in 4 KiB reads decodes like one call. */
static void
test_large_message(void **state)
{
	struct dot_case		 c;
	struct dot_result	 whole, chunked;
	size_t			 len = 4 << 20, i, nsp, *sp;
	char			*buf;

	if ((buf = malloc(len + 3)) == NULL)
		abort();
	for (i = 0; i < len; i++)
		buf[i] = (i % 78 == 76) ? '\r' : (i % 78 == 77) ? '\n' :
		    (i % 78 == 0 && i % 7 == 0) ? '.' : 'a' + i % 26;
	len = len - len % 78;
	memcpy(buf + len, ".\r\n", 3);
	memset(&c, 0, sizeof(c));
	c.in.p = buf;
	c.in.len = len + 3;
	c.size_max = (uint64_t)len;
	run_split(&c, &c.in, NULL, 0, &whole);
	assert_int_equal(whole.done, 1);
	assert_int_equal(whole.flags, 0);
	assert_int_equal(whole.consumed, len + 3);
	nsp = c.in.len / 4096;
	if ((sp = calloc(nsp + 1, sizeof(*sp))) == NULL)
		abort();
	for (i = 0; i < nsp; i++)
		sp[i] = (i + 1) * 4096;
	run_split(&c, &c.in, sp, nsp, &chunked);
	assert_int_equal(chunked.done, 1);
	assert_int_equal(chunked.outlen, whole.outlen);
	assert_memory_equal(chunked.out, whole.out, whole.outlen);
	assert_int_equal(chunked.size, whole.size);
	free(sp);
	free(whole.out);
	free(chunked.out);
	free(buf);
}

int
main(void)
{
	size_t			 n = sizeof(cases) / sizeof(cases[0]);
	size_t			 nl = NLONG;
	struct CMUnitTest	*t;
	size_t			 i, k = 0;
	int			 rc;

	fill_long_cases();
	if ((t = calloc(n + nl + 3, sizeof(*t))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		t[k++] = (struct CMUnitTest){ cases[i].name, test_case, NULL,
		    NULL, (void *)&cases[i] };
	for (i = 0; i < nl; i++)
		t[k++] = (struct CMUnitTest){ long_cases[i].name, test_case,
		    NULL, NULL, &long_cases[i] };
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_after_end);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_random_vs_model);
	t[k++] = (struct CMUnitTest)cmocka_unit_test(test_large_message);
	rc = _cmocka_run_group_tests("dotreader", t, k, NULL, NULL);
	free(t);
	for (i = 0; i < NLONG; i++)
		free((char *)long_cases[i].in.p);
	return rc;
}
