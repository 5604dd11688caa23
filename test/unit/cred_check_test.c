/*
 * cred_check_test: one table row per finding kind plus mixtures, with
 * exact byte offsets, 1-based positions and code points in multi-byte
 * strings; every code point the brief lists, by kind; strict UTF-8
 * (overlongs, surrogates, truncation); overflow of the findings array;
 * exact summaries, their truncation, and that they never contain the
 * credential's characters; cred_clean() input and output pairs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/cred_check.h"

#define MAXF	8

struct want {
	enum cred_kind	kind;
	size_t		offset;
	size_t		pos;
	uint32_t	cp;
};

struct check_case {
	const char	*name;
	const char	*s;
	size_t		 len;
	size_t		 n;
	struct want	 f[MAXF];
};

struct summary_case {
	const char	*s;
	size_t		 len;
	int		 rc;
	const char	*want;
};

struct clean_case {
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
};

struct cp_list {
	enum cred_kind	 kind;
	const uint32_t	*cps;
	size_t		 n;
};

#define S(x)		x, sizeof(x) - 1
#define W(k, o, p, c)	{ CRED_##k, o, p, c }

static const struct check_case checks[] = {
	{ "clean", S("hunter2"), 0, { { 0 } } },
	{ "empty", S(""), 0, { { 0 } } },
	{ "inner space", S("correct horse"), 0, { { 0 } } },
	{ "leading space", S(" pw"), 1,
	    { W(LEADING_SPACE, 0, 1, 0x20) } },
	{ "leading tab", S("\tpw"), 1,
	    { W(LEADING_SPACE, 0, 1, 0x09) } },
	{ "trailing space", S("pw "), 1,
	    { W(TRAILING_SPACE, 2, 3, 0x20) } },
	{ "trailing tab", S("pw\t"), 1,
	    { W(TRAILING_SPACE, 2, 3, 0x09) } },
	{ "trailing LF", S("pw\n"), 1,
	    { W(LINE_BREAK, 2, 3, 0x0a) } },
	{ "inner CR", S("p\rw"), 1,
	    { W(LINE_BREAK, 1, 2, 0x0d) } },
	{ "leading LF", S("\npw"), 1,
	    { W(LINE_BREAK, 0, 1, 0x0a) } },
	{ "inner tab", S("p\tw"), 1,
	    { W(TAB, 1, 2, 0x09) } },
	{ "control", S("p\x01w"), 1,
	    { W(CONTROL, 1, 2, 0x01) } },
	{ "NUL", S("p\0w"), 1,
	    { W(CONTROL, 1, 2, 0x00) } },
	{ "DEL", S("pw\x7f"), 1,
	    { W(CONTROL, 2, 3, 0x7f) } },
	{ "ESC", S("\x1b[Apw"), 1,
	    { W(CONTROL, 0, 1, 0x1b) } },
	{ "C1 NEL", S("p\xc2\x85w"), 1,
	    { W(CONTROL, 1, 2, 0x85) } },
	{ "zero-width space", S("p\xe2\x80\x8bw"), 1,
	    { W(ZERO_WIDTH, 1, 2, 0x200b) } },
	{ "BOM first", S("\xef\xbb\xbfpw"), 1,
	    { W(ZERO_WIDTH, 0, 1, 0xfeff) } },
	{ "NBSP", S("p\xc2\xa0w"), 1,
	    { W(NBSP, 1, 2, 0x00a0) } },
	{ "narrow NBSP last", S("pw\xe2\x80\xaf"), 1,
	    { W(NBSP, 2, 3, 0x202f) } },
	{ "smart quotes", S("\xe2\x80\x9cpw\xe2\x80\x9d"), 2,
	    { W(SMART_QUOTE, 0, 1, 0x201c), W(SMART_QUOTE, 5, 4, 0x201d) } },
	{ "apostrophe", S("don\xe2\x80\x99t"), 1,
	    { W(SMART_QUOTE, 3, 4, 0x2019) } },
	{ "Cyrillic a", S("p\xd0\xb0ss"), 1,
	    { W(LOOKALIKE, 1, 2, 0x0430) } },
	{ "Greek Omicron", S("\xce\x9fK"), 1,
	    { W(LOOKALIKE, 0, 1, 0x039f) } },
	{ "fullwidth A", S("\xef\xbc\xa1" "b"), 1,
	    { W(LOOKALIKE, 0, 1, 0xff21) } },
	{ "Cyrillic Pe", S("\xd0\x9f"), 1,
	    { W(NON_ASCII, 0, 1, 0x041f) } },
	{ "a umlaut", S("p\xc3\xa4ss"), 1,
	    { W(NON_ASCII, 1, 2, 0x00e4) } },
	{ "emoji", S("a\xf0\x9f\x98\x80z"), 1,
	    { W(NON_ASCII, 1, 2, 0x1f600) } },
	{ "U+10FFFF", S("\xf4\x8f\xbf\xbf"), 1,
	    { W(NON_ASCII, 0, 1, 0x10ffff) } },
	{ "byte 0xFF", S("p\xffw"), 1,
	    { W(INVALID_UTF8, 1, 2, 0xff) } },
	{ "Latin-1 e acute", S("caf\xe9"), 1,
	    { W(INVALID_UTF8, 3, 4, 0xe9) } },
	{ "truncated 3-byte", S("p\xe2\x80"), 1,
	    { W(INVALID_UTF8, 1, 2, 0xe2) } },
	{ "truncated, then ASCII", S("\xe2\x80w!"), 1,
	    { W(INVALID_UTF8, 0, 1, 0xe2) } },
	{ "stray continuation", S("a\x80" "b"), 1,
	    { W(INVALID_UTF8, 1, 2, 0x80) } },
	{ "overlong slash", S("\xc0\xaf"), 2,
	    { W(INVALID_UTF8, 0, 1, 0xc0), W(INVALID_UTF8, 1, 2, 0xaf) } },
	{ "overlong 3-byte", S("\xe0\x80\xafx"), 3,
	    { W(INVALID_UTF8, 0, 1, 0xe0), W(INVALID_UTF8, 1, 2, 0x80),
	      W(INVALID_UTF8, 2, 3, 0xaf) } },
	{ "surrogate", S("\xed\xa0\x80x"), 3,
	    { W(INVALID_UTF8, 0, 1, 0xed), W(INVALID_UTF8, 1, 2, 0xa0),
	      W(INVALID_UTF8, 2, 3, 0x80) } },
	{ "past U+10FFFF", S("\xf4\x90\x80\x80"), 4,
	    { W(INVALID_UTF8, 0, 1, 0xf4), W(INVALID_UTF8, 1, 2, 0x90),
	      W(INVALID_UTF8, 2, 3, 0x80), W(INVALID_UTF8, 3, 4, 0x80) } },
	{ "truncated 4-byte at end", S("ab\xf0\x9f\x98"), 1,
	    { W(INVALID_UTF8, 2, 3, 0xf0) } },
	{ "spaces both ends", S(" \t pw \r\n"), 6,
	    { W(LEADING_SPACE, 0, 1, 0x20), W(LEADING_SPACE, 1, 2, 0x09),
	      W(LEADING_SPACE, 2, 3, 0x20), W(TRAILING_SPACE, 5, 6, 0x20),
	      W(LINE_BREAK, 6, 7, 0x0d), W(LINE_BREAK, 7, 8, 0x0a) } },
	{ "only blanks", S(" \t"), 2,
	    { W(LEADING_SPACE, 0, 1, 0x20), W(LEADING_SPACE, 1, 2, 0x09) } },
	{ "multi-byte positions",
	    S("\xc3\xa4\xc3\xb6 pass\xe2\x80\x8b\r\n"), 5,
	    { W(NON_ASCII, 0, 1, 0xe4), W(NON_ASCII, 2, 2, 0xf6),
	      W(ZERO_WIDTH, 9, 8, 0x200b), W(LINE_BREAK, 12, 9, 0x0d),
	      W(LINE_BREAK, 13, 10, 0x0a) } },
	{ "tab before NBSP at end", S("pw\t\xc2\xa0"), 2,
	    { W(TAB, 2, 3, 0x09), W(NBSP, 3, 4, 0xa0) } },
	{ "mixture", S("\xe2\x80\x98\xd1\x80\xce\xb1ss\xe2\x80\x99\xe3\x80\x80"
	    "\xff\t"), 7,
	    { W(SMART_QUOTE, 0, 1, 0x2018), W(LOOKALIKE, 3, 2, 0x0440),
	      W(LOOKALIKE, 5, 3, 0x03b1), W(SMART_QUOTE, 9, 6, 0x2019),
	      W(NBSP, 12, 7, 0x3000), W(INVALID_UTF8, 15, 8, 0xff),
	      W(TRAILING_SPACE, 16, 9, 0x09) } },
};

/* The brief's lists, each code point alone must be its kind. */
static const uint32_t zero_width[] = {
	0x200b, 0x200c, 0x200d, 0x2060, 0xfeff,
};
static const uint32_t nbsp[] = {
	0x00a0, 0x2007, 0x202f, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
	0x2005, 0x2006, 0x2008, 0x2009, 0x200a, 0x3000, 0x205f, 0x1680,
};
static const uint32_t smart_quote[] = {
	0x2018, 0x2019, 0x201c, 0x201d, 0x00ab, 0x00bb, 0x2032, 0x2033,
	0x201a, 0x201e,
};
static const uint32_t lookalike[] = {
	/* Cyrillic а е о р с у х і ј ѕ */
	0x0430, 0x0435, 0x043e, 0x0440, 0x0441, 0x0443, 0x0445, 0x0456,
	0x0458, 0x0455,
	/* Cyrillic А В Е К М Н О Р С Т Х */
	0x0410, 0x0412, 0x0415, 0x041a, 0x041c, 0x041d, 0x041e, 0x0420,
	0x0421, 0x0422, 0x0425,
	/* Greek ο α ν ρ, Ο Α Β Ε Ζ Η Ι Κ Μ Ν Ρ Τ Υ Χ */
	0x03bf, 0x03b1, 0x03bd, 0x03c1, 0x039f, 0x0391, 0x0392, 0x0395,
	0x0396, 0x0397, 0x0399, 0x039a, 0x039c, 0x039d, 0x03a1, 0x03a4,
	0x03a5, 0x03a7,
	/* fullwidth ends and middle */
	0xff01, 0xff21, 0xff41, 0xff5e,
};
static const uint32_t non_ascii[] = {
	0x00a1, 0x00e9, 0x041f, 0x0431, 0x03bb, 0x0100, 0x2010, 0x2013,
	0x2014, 0x2026, 0x20ac, 0x4e2d, 0xff00, 0xff5f, 0xfffd, 0x1f600,
	0x0300, 0x03c9,
};
static const uint32_t control[] = {
	0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9f,
};

static const struct cp_list cp_lists[] = {
	{ CRED_ZERO_WIDTH, zero_width, sizeof(zero_width) / 4 },
	{ CRED_NBSP, nbsp, sizeof(nbsp) / 4 },
	{ CRED_SMART_QUOTE, smart_quote, sizeof(smart_quote) / 4 },
	{ CRED_LOOKALIKE, lookalike, sizeof(lookalike) / 4 },
	{ CRED_NON_ASCII, non_ascii, sizeof(non_ascii) / 4 },
	{ CRED_CONTROL, control, sizeof(control) / 4 },
};

static const struct summary_case summaries[] = {
	{ S("hunter2"), 0, "" },
	{ S("Tr0ub4dor&3xyzQWERTY\n"), 1,
	    "trailing newline at position 21 (U+000A)" },
	{ S(" pw\r\n"), 3, "leading space at position 1 (U+0020); "
	    "trailing carriage return at position 4 (U+000D); "
	    "trailing newline at position 5 (U+000A)" },
	{ S("pw   "), 3, "trailing space at positions 3-5 (U+0020)" },
	{ S("\t\tpw"), 2, "leading tab at positions 1-2 (U+0009)" },
	{ S("p\nw"), 1, "newline at position 2 (U+000A)" },
	{ S("\r\npw"), 2, "leading carriage return at position 1 (U+000D); "
	    "leading newline at position 2 (U+000A)" },
	{ S("p\xff\xfe"), 2, "invalid UTF-8 at position 2 (byte 0xFF); "
	    "invalid UTF-8 at position 3 (byte 0xFE)" },
	{ S("\xc3\xa4\xe2\x80\x8b\xe2\x80\x8b" "x"), 3,
	    "non-ASCII character at position 1 (U+00E4); "
	    "zero-width character at positions 2-3 (U+200B)" },
	{ S("\xd0\xb0\xd0\xb5"), 2,
	    "look-alike letter at position 1 (U+0430); "
	    "look-alike letter at position 2 (U+0435)" },
	{ S("a\tb\x01\xc2\xa0\xe2\x80\x9c\xf0\x9f\x98\x80"), 5,
	    "tab at position 2 (U+0009); "
	    "control character at position 4 (U+0001); "
	    "non-breaking space at position 5 (U+00A0); "
	    "typographic quote at position 6 (U+201C); "
	    "non-ASCII character at position 7 (U+1F600)" },
};

static const struct clean_case cleans[] = {
	{ S("pw"), S("pw") },
	{ S(""), S("") },
	{ S("   "), S("") },
	{ S("  pw\r\n"), S("pw") },
	{ S("\tpw \t"), S("pw") },
	{ S("\xc2\xa0pw\xc2\xa0"), S("pw") },
	{ S("\xe3\x80\x80pw\xe2\x80\xaf"), S("pw") },
	{ S("p\xe2\x80\x8bw"), S("pw") },
	{ S("\xef\xbb\xbfpw"), S("pw") },
	{ S("p\xe2\x81\xa0w\xe2\x80\x8d"), S("pw") },
	{ S(" \xe2\x80\x8b \xe3\x80\x80pw\t\xe2\x80\x8b\n"), S("pw") },
	{ S("p w"), S("p w") },
	{ S("p\xc2\xa0w"), S("p\xc2\xa0w") },
	{ S("p\tw"), S("p\tw") },
	{ S("p\r\nw\n"), S("p\r\nw") },
	{ S("\xe2\x80\x9cpw\xe2\x80\x9d"), S("\xe2\x80\x9cpw\xe2\x80\x9d") },
	{ S("\xd0\xb0pw "), S("\xd0\xb0pw") },
	{ S("\xffpw "), S("\xffpw") },
	{ S("\xe2\x80pw"), S("\xe2\x80pw") },
	{ S("p\0w "), S("p\0w") },
	{ S("\x01pw"), S("\x01pw") },
	{ S("pw\xc2\xa0\xe2\x80\x8b\xc2\xa0"), S("pw") },
};

static void	test_check_table(void **);
static void	test_code_points(void **);
static void	test_overflow(void **);
static void	test_names_texts(void **);
static void	test_summary_table(void **);
static void	test_summary_bounds(void **);
static void	test_summary_secret(void **);
static void	test_hints(void **);
static void	test_clean_table(void **);
static void	test_clean_bounds(void **);
static size_t	utf8_encode(uint32_t, char *);
static void	assert_ascii(const char *);

static void
test_check_table(void **state)
{
	struct cred_report	r;
	size_t			i, j;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check_case	*c = &checks[i];

		memset(&r, 0xa5, sizeof(r));
		if (cred_check(c->s, c->len, &r) != (c->n > 0))
			fail_msg("%s: return value", c->name);
		if (r.n != c->n)
			fail_msg("%s: %zu findings, want %zu", c->name, r.n,
			    c->n);
		assert_int_equal(r.overflow, 0);
		for (j = 0; j < c->n; j++) {
			const struct want	*w = &c->f[j];

			if (r.f[j].kind != w->kind || r.f[j].offset !=
			    w->offset || r.f[j].pos != w->pos ||
			    r.f[j].cp != w->cp)
				fail_msg("%s: finding %zu is %s/%zu/%zu/U+%04X,"
				    " want %s/%zu/%zu/U+%04X", c->name, j,
				    cred_kind_name(r.f[j].kind),
				    r.f[j].offset, r.f[j].pos,
				    (unsigned)r.f[j].cp,
				    cred_kind_name(w->kind), w->offset,
				    w->pos, (unsigned)w->cp);
		}
	}
}

/* Each listed code point between two ASCII letters. */
static void
test_code_points(void **state)
{
	struct cred_report	r;
	char			s[8];
	size_t			i, j, n;

	for (i = 0; i < sizeof(cp_lists) / sizeof(cp_lists[0]); i++) {
		for (j = 0; j < cp_lists[i].n; j++) {
			uint32_t	cp = cp_lists[i].cps[j];

			s[0] = 'a';
			n = 1 + utf8_encode(cp, s + 1);
			s[n++] = 'z';
			assert_int_equal(cred_check(s, n, &r), 1);
			if (r.n != 1 || r.f[0].kind != cp_lists[i].kind ||
			    r.f[0].cp != cp || r.f[0].pos != 2 ||
			    r.f[0].offset != 1)
				fail_msg("U+%04X: %zu findings, first %s, "
				    "want %s", (unsigned)cp, r.n,
				    cred_kind_name(r.f[0].kind),
				    cred_kind_name(cp_lists[i].kind));
		}
	}
	/* Every printable ASCII character is fine inside. */
	for (i = 0x21; i < 0x7f; i++) {
		s[0] = 'a';
		s[1] = (char)i;
		s[2] = 'z';
		assert_int_equal(cred_check(s, 3, &r), 0);
	}
}

static void
test_overflow(void **state)
{
	struct cred_report	r;
	char			s[64];
	size_t			i;

	/* Exactly CRED_FINDINGS_MAX: no overflow. */
	s[0] = 'a';
	memset(s + 1, '\t', CRED_FINDINGS_MAX);
	s[CRED_FINDINGS_MAX + 1] = 'b';
	assert_int_equal(cred_check(s, CRED_FINDINGS_MAX + 2, &r), 1);
	assert_int_equal(r.n, CRED_FINDINGS_MAX);
	assert_int_equal(r.overflow, 0);

	/* 40 findings: the first 16 kept, in order. */
	memset(s + 1, '\t', 40);
	s[41] = 'b';
	assert_int_equal(cred_check(s, 42, &r), 1);
	assert_int_equal(r.n, CRED_FINDINGS_MAX);
	assert_int_equal(r.overflow, 1);
	for (i = 0; i < r.n; i++) {
		assert_int_equal(r.f[i].kind, CRED_TAB);
		assert_int_equal(r.f[i].offset, i + 1);
		assert_int_equal(r.f[i].pos, i + 2);
	}
}

static void
test_names_texts(void **state)
{
	static const char *const names[CRED_KIND_COUNT] = {
		"leading-space", "trailing-space", "line-break", "tab",
		"control", "zero-width", "nbsp", "smart-quote", "lookalike",
		"non-ascii", "invalid-utf8",
	};
	size_t	i, j;

	for (i = 0; i < CRED_KIND_COUNT; i++) {
		assert_string_equal(cred_kind_name(i), names[i]);
		assert_true(strlen(cred_kind_text(i)) > 20);
		assert_ascii(cred_kind_text(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(cred_kind_text(i),
			    cred_kind_text(j));
	}
	assert_string_equal(cred_kind_name(CRED_KIND_COUNT), "unknown");
	assert_string_equal(cred_kind_name((enum cred_kind)-1), "unknown");
	assert_ascii(cred_kind_text(CRED_KIND_COUNT));
	assert_non_null(strstr(cred_kind_text(CRED_LINE_BREAK),
	    "line break (CR or LF)"));
}

static void
test_summary_table(void **state)
{
	char	out[512];
	size_t	i;

	for (i = 0; i < sizeof(summaries) / sizeof(summaries[0]); i++) {
		const struct summary_case	*c = &summaries[i];

		memset(out, 'X', sizeof(out));
		assert_int_equal(cred_summary(c->s, c->len, out, sizeof(out)),
		    c->rc);
		assert_string_equal(out, c->want);
	}
	/* Every check row: printable ASCII, count agrees. */
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		assert_int_equal(cred_summary(checks[i].s, checks[i].len, out,
		    sizeof(out)), (int)checks[i].n);
		assert_ascii(out);
	}
}

static void
test_summary_bounds(void **state)
{
	static char	s[4000];
	char		out[CRED_SUMMARY_MIN + 64];
	size_t		i, sz;
	int		rc;

	memset(out, 'X', sizeof(out));
	assert_int_equal(cred_summary(" x", 2, out, CRED_SUMMARY_MIN - 1),
	    -1);
	assert_string_equal(out, "");
	assert_int_equal(cred_summary(" x", 2, out, 0), -1);

	/* Alternate tab and letter: 2000 separate findings. */
	for (i = 0; i < sizeof(s); i++)
		s[i] = i % 2 ? '\t' : 'a';
	s[sizeof(s) - 1] = 'a';
	for (sz = CRED_SUMMARY_MIN; sz <= sizeof(out); sz++) {
		memset(out, 'X', sizeof(out));
		rc = cred_summary(s, sizeof(s), out, sz);
		assert_int_equal(rc, 1999);
		assert_true(strlen(out) < sz);
		assert_ascii(out);
		assert_non_null(strstr(out, " more"));
		if (sz < sizeof(out))
			assert_int_equal(out[sz], 'X');	/* not written */
	}
	cred_summary(s, sizeof(s), out, CRED_SUMMARY_MIN);
	assert_string_equal(out, "tab at position 2 (U+0009); and 1998 more");

	/* One long run merges into a single item. */
	memset(s, ' ', sizeof(s));
	s[0] = 'a';
	assert_int_equal(cred_summary(s, sizeof(s), out, CRED_SUMMARY_MIN),
	    3999);
	assert_string_equal(out,
	    "trailing space at positions 2-4000 (U+0020)");
}

/*
 * The credential's letters are capitals no summary word uses; the
 * summary holds none of them and no byte of the non-ASCII characters.
 */
static void
test_summary_secret(void **state)
{
	static const char	secret[] =
	    " GHJ\xd0\xb0KLM\tNOP\xe2\x80\x8bQRV\xc2\xa0WXYZ\xe2\x80\x9c\xff\n";
	static const char	letters[] = "GHJKLMNOPQRVWXYZ";
	char			out[1024];
	size_t			i;

	assert_int_equal(cred_summary(secret, sizeof(secret) - 1, out,
	    sizeof(out)), 8);
	assert_ascii(out);
	for (i = 0; letters[i] != '\0'; i++)
		if (strchr(out, letters[i]) != NULL)
			fail_msg("summary holds '%c': %s", letters[i], out);
	assert_string_equal(out,
	    "leading space at position 1 (U+0020); "
	    "look-alike letter at position 5 (U+0430); "
	    "tab at position 9 (U+0009); "
	    "zero-width character at position 13 (U+200B); "
	    "non-breaking space at position 17 (U+00A0); "
	    "typographic quote at position 22 (U+201C); "
	    "invalid UTF-8 at position 23 (byte 0xFF); "
	    "trailing newline at position 24 (U+000A)");
}

static void
test_hints(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		unsigned	 want;
	} rows[] = {
		{ S("user@example.org"), 0 },
		{ S(""), 0 },
		{ S("p\xc3\xa4ss\xff"), 0 },
		{ S(" pw"), CRED_HINT_SPACE },
		{ S("pw\t"), CRED_HINT_SPACE },
		{ S("pw\n"), CRED_HINT_LINE_BREAK },
		{ S("p\rw"), CRED_HINT_LINE_BREAK },
		{ S("p\tw"), CRED_HINT_INVISIBLE },
		{ S("p\x01w"), CRED_HINT_INVISIBLE },
		{ S("p\xe2\x80\x8bw"), CRED_HINT_INVISIBLE },
		{ S("p\xc2\xa0w"), CRED_HINT_INVISIBLE },
		{ S("p\xe2\x80\x99w"), CRED_HINT_INVISIBLE },
		{ S("p\xd0\xb0w"), CRED_HINT_INVISIBLE },
		{ S(" p\xd0\xb0w\r\n"), CRED_HINT_SPACE | CRED_HINT_LINE_BREAK |
		    CRED_HINT_INVISIBLE },
	};
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (cred_hints(rows[i].s, rows[i].len) != rows[i].want)
			fail_msg("row %zu: 0x%x, want 0x%x", i,
			    cred_hints(rows[i].s, rows[i].len), rows[i].want);
}

static void
test_clean_table(void **state)
{
	char	out[128], inplace[128];
	size_t	i;

	for (i = 0; i < sizeof(cleans) / sizeof(cleans[0]); i++) {
		const struct clean_case	*c = &cleans[i];

		memset(out, 'X', sizeof(out));
		if (cred_clean(c->in, c->inlen, out, sizeof(out)) !=
		    (int)c->outlen)
			fail_msg("row %zu: length", i);
		assert_memory_equal(out, c->out, c->outlen);
		assert_int_equal(out[c->outlen], '\0');
		/* In place gives the same. */
		memcpy(inplace, c->in, c->inlen);
		assert_int_equal(cred_clean(inplace, c->inlen, inplace,
		    sizeof(inplace)), (int)c->outlen);
		assert_memory_equal(inplace, c->out, c->outlen + 1);
		/* Exactly enough room, and one byte less. */
		assert_int_equal(cred_clean(c->in, c->inlen, out,
		    c->outlen + 1), (int)c->outlen);
		assert_int_equal(cred_clean(c->in, c->inlen, out, c->outlen),
		    -1);
	}
}

static void
test_clean_bounds(void **state)
{
	char	out[8];

	memset(out, 'X', sizeof(out));
	assert_int_equal(cred_clean(" password ", 10, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(out[1], 'X');		/* nothing else written */
	assert_int_equal(cred_clean("", 0, out, 0), -1);
	assert_int_equal(cred_clean(" pass ", 6, out, 5), 4);
	assert_string_equal(out, "pass");
}

static size_t
utf8_encode(uint32_t cp, char *s)
{
	if (cp < 0x80) {
		s[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	s[0] = (char)(0xf0 | cp >> 18);
	s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	s[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
assert_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			fail_msg("byte 0x%02x in output",
			    (unsigned)(unsigned char)*s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_code_points),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_names_texts),
		cmocka_unit_test(test_summary_table),
		cmocka_unit_test(test_summary_bounds),
		cmocka_unit_test(test_summary_secret),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_clean_table),
		cmocka_unit_test(test_clean_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
