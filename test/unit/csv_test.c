/*
 * csv_test: table-driven tests for the RFC 4180 writer (quoting, CRLF,
 * the formula-injection flag, rollback on a full buffer) and the reader
 * (accepted forms, malformed input with its "line N: reason", bounds),
 * plus round trips of writer output through the reader, including a
 * password made of every printable ASCII character.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/csv.h"

#define MAXREC		4
#define MAXF		5

struct field_case {
	const char	*in;
	int		 flags;
	const char	*out;
};

struct read_case {
	const char	*name;
	const char	*in;
	size_t		 nrec;
	size_t		 nf[MAXREC];
	const char	*f[MAXREC][MAXF];
	size_t		 line[MAXREC];
};

struct bad_case {
	const char	*in;
	const char	*err;
};

static void	test_field(void **);
static void	test_row(void **);
static void	test_neutralize(void **);
static void	test_rollback(void **);
static void	test_read(void **);
static void	test_malformed(void **);
static void	test_bounds(void **);
static void	test_roundtrip_printable(void **);
static void	test_roundtrip_table(void **);
static void	roundtrip(const char *const *, const int *, size_t);

static const struct field_case field_cases[] = {
	{ "", 0, "" },
	{ NULL, 0, "" },
	{ "plain", 0, "plain" },
	{ "a,b", 0, "\"a,b\"" },
	{ "say \"hi\"", 0, "\"say \"\"hi\"\"\"" },
	{ "\"", 0, "\"\"\"\"" },
	{ "two\r\nlines", 0, "\"two\r\nlines\"" },
	{ "lf\n", 0, "\"lf\n\"" },
	{ "cr\r", 0, "\"cr\r\"" },
	{ " lead", 0, "\" lead\"" },
	{ "trail ", 0, "\"trail \"" },
	{ "\tlead", 0, "\"\tlead\"" },
	{ "in side", 0, "in side" },
	{ "José Núñez", 0, "José Núñez" },
	{ "'quoted'", 0, "'quoted'" },
	/* The flag changes only risky leads. */
	{ "=1+2", CSV_F_NEUTRALIZE, "'=1+2" },
	{ "+33 1", CSV_F_NEUTRALIZE, "'+33 1" },
	{ "-x", CSV_F_NEUTRALIZE, "'-x" },
	{ "@SUM(A1)", CSV_F_NEUTRALIZE, "'@SUM(A1)" },
	{ "\tx", CSV_F_NEUTRALIZE, "'\tx" },
	{ "\rx", CSV_F_NEUTRALIZE, "\"'\rx\"" },
	{ "=HYPERLINK(\"x\",\"y\")", CSV_F_NEUTRALIZE,
	    "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"" },
	{ "Anne", CSV_F_NEUTRALIZE, "Anne" },
	{ "a=b", CSV_F_NEUTRALIZE, "a=b" },
	{ "", CSV_F_NEUTRALIZE, "" },
	/* Without the flag a formula-looking value is left alone. */
	{ "=1+2", 0, "=1+2" },
	{ "-x", 0, "-x" },
};

static const struct read_case read_cases[] = {
	{ "empty", "", 0, { 0 }, { { NULL } }, { 0 } },
	{ "only line ends", "\r\n\n\r\n", 0, { 0 }, { { NULL } }, { 0 } },
	{ "one field no eol", "a", 1, { 1 }, { { "a" } }, { 1 } },
	{ "crlf", "a,b\r\nc,d\r\n", 2, { 2, 2 },
	    { { "a", "b" }, { "c", "d" } }, { 1, 2 } },
	{ "lf", "a,b\nc,d\n", 2, { 2, 2 },
	    { { "a", "b" }, { "c", "d" } }, { 1, 2 } },
	{ "mixed eol, blank lines", "a\n\r\n\nb\r\n", 2, { 1, 1 },
	    { { "a" }, { "b" } }, { 1, 4 } },
	{ "empty fields", ",,\r\n", 1, { 3 }, { { "", "", "" } }, { 1 } },
	{ "trailing comma at eof", "a,", 1, { 2 }, { { "a", "" } }, { 1 } },
	{ "quoted comma", "\"a,b\",c", 1, { 2 }, { { "a,b", "c" } }, { 1 } },
	{ "doubled quotes", "\"x\"\"y\"\"\"", 1, { 1 }, { { "x\"y\"" } },
	    { 1 } },
	{ "empty quoted", "\"\",\"\"\r\n", 1, { 2 }, { { "", "" } }, { 1 } },
	{ "quoted newlines", "\"l1\r\nl2\nl3\",z\r\nnext\r\n", 2, { 2, 1 },
	    { { "l1\r\nl2\nl3", "z" }, { "next" } }, { 1, 4 } },
	{ "spaces kept", " a , b ", 1, { 2 }, { { " a ", " b " } }, { 1 } },
	{ "bom skipped", "\xef\xbb\xbfh1,h2\r\n1,2", 2, { 2, 2 },
	    { { "h1", "h2" }, { "1", "2" } }, { 1, 2 } },
	{ "utf-8 kept", "Núñez,李\n", 1, { 2 }, { { "Núñez", "李" } },
	    { 1 } },
	{ "quoted at eof", "a,\"b\"", 1, { 2 }, { { "a", "b" } }, { 1 } },
	{ "single quote ordinary", "'=x,it's", 1, { 2 },
	    { { "'=x", "it's" } }, { 1 } },
};

static const struct bad_case bad_cases[] = {
	{ "a\"b", "line 1: field 1: quote inside unquoted field" },
	{ "x,y\r\nab,c\"d\r\n",
	    "line 2: field 2: quote inside unquoted field" },
	{ "\"ab\"c", "line 1: field 1: text after closing quote" },
	{ "\"ab\" ,c", "line 1: field 1: text after closing quote" },
	{ "ok\n\"open\nstill\nopen",
	    "line 2: field 1: unterminated quoted field" },
	{ "\"", "line 1: field 1: unterminated quoted field" },
	{ "a\rb", "line 1: bare CR outside quotes" },
	{ "a\r", "line 1: bare CR outside quotes" },
	{ "\"q\"\rx", "line 1: field 1: text after closing quote" },
	{ "a\n\n\"x\"\"\n", "line 3: field 1: unterminated quoted field" },
};

static void
test_field(void **state)
{
	struct buf	b;
	size_t		i;

	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		buf_init(&b, 1 << 16);
		assert_int_equal(csv_field_flags(&b, field_cases[i].in,
		    field_cases[i].flags), 0);
		if (strcmp(buf_str(&b), field_cases[i].out) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, buf_str(&b),
			    field_cases[i].out);
		buf_free(&b);
	}
}

static void
test_row(void **state)
{
	const char *const	 f[] = { "email", "a,b", "", "x\"y" };
	const int		 fl[] = { 0, 0, 0, 0 };
	struct buf		 b;

	buf_init(&b, 1 << 16);
	assert_int_equal(csv_row(&b, f, 4), 0);
	assert_string_equal(buf_str(&b), "email,\"a,b\",,\"x\"\"y\"\r\n");
	assert_int_equal(csv_row_flags(&b, f, fl, 1), 0);
	assert_string_equal(buf_str(&b) + b.len - 7, "email\r\n");
	buf_reset(&b);
	assert_int_equal(csv_row(&b, f, 0), 0);	/* an empty record */
	assert_string_equal(buf_str(&b), "\r\n");
	buf_free(&b);
}

static void
test_neutralize(void **state)
{
	const char	*risky = "=+-@\t\r";
	char		 s[3] = { 0, 'x', 0 };
	size_t		 i;

	for (i = 0; risky[i] != '\0'; i++) {
		s[0] = risky[i];
		assert_true(csv_formula_risk(s));
	}
	assert_false(csv_formula_risk(""));
	assert_false(csv_formula_risk(NULL));
	assert_false(csv_formula_risk("'=x"));
	assert_false(csv_formula_risk(" =x"));
	assert_false(csv_formula_risk("Zq8mN2pK"));
}

/* A full buffer leaves no partial field or record behind. */
static void
test_rollback(void **state)
{
	const char *const	 f[] = { "abc", "d\"e\"f", "ghi" };
	struct buf		 b;
	size_t			 max;

	for (max = 0; max < 24; max++) {
		buf_init(&b, max);
		if (csv_row(&b, f, 3) == -1)
			assert_int_equal(b.len, 0);
		else
			assert_string_equal(buf_str(&b),
			    "abc,\"d\"\"e\"\"f\",ghi\r\n");
		buf_free(&b);
	}
	buf_init(&b, 5);
	assert_int_equal(csv_field(&b, "ab"), 0);
	assert_int_equal(csv_field(&b, "x,y"), -1);
	assert_string_equal(buf_str(&b), "ab");
	assert_int_equal(csv_field_flags(&b, "=1", CSV_F_NEUTRALIZE), 0);
	assert_string_equal(buf_str(&b), "ab'=1");
	buf_free(&b);
}

static void
test_read(void **state)
{
	const struct read_case	*c;
	struct csv_reader	 r;
	struct csv_record	 rec;
	size_t			 i, k, j;

	csv_record_init(&rec);
	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		c = &read_cases[i];
		csv_reader_init(&r, c->in, strlen(c->in));
		for (k = 0; k < c->nrec; k++) {
			if (csv_read(&r, &rec) != 1)
				fail_msg("%s: record %zu: %s", c->name, k,
				    r.err);
			assert_int_equal(rec.nfields, c->nf[k]);
			assert_int_equal(rec.line, c->line[k]);
			for (j = 0; j < rec.nfields; j++) {
				assert_string_equal(rec.field[j], c->f[k][j]);
				assert_int_equal(rec.flen[j],
				    strlen(c->f[k][j]));
			}
		}
		if (csv_read(&r, &rec) != 0)
			fail_msg("%s: expected end, err [%s]", c->name, r.err);
		assert_int_equal(csv_read(&r, &rec), 0);
	}
	csv_record_free(&rec);
}

static void
test_malformed(void **state)
{
	struct csv_reader	r;
	struct csv_record	rec;
	size_t			i;
	int			rc;
	const char		nul[] = "a,b\0c\n";

	csv_record_init(&rec);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		csv_reader_init(&r, bad_cases[i].in, strlen(bad_cases[i].in));
		while ((rc = csv_read(&r, &rec)) == 1)
			;
		if (rc != -1)
			fail_msg("case %zu [%s]: accepted", i, bad_cases[i].in);
		assert_string_equal(r.err, bad_cases[i].err);
		/* The reader stays failed. */
		assert_int_equal(csv_read(&r, &rec), -1);
	}
	csv_reader_init(&r, nul, sizeof(nul) - 1);
	assert_int_equal(csv_read(&r, &rec), -1);
	assert_string_equal(r.err, "line 1: field 2: NUL byte");
	csv_reader_init(&r, "\"a\0\"", 4);
	assert_int_equal(csv_read(&r, &rec), -1);
	assert_string_equal(r.err, "line 1: field 1: NUL byte");
	csv_record_free(&rec);
}

static void
test_bounds(void **state)
{
	struct csv_reader	 r;
	struct csv_record	 rec;
	struct buf		 b;
	char			*big;
	size_t			 i;

	csv_record_init(&rec);
	buf_init(&b, 1 << 20);

	/* 64 fields pass, 65 do not. */
	for (i = 0; i < CSV_MAX_FIELDS; i++)
		assert_int_equal(buf_appends(&b, i ? ",f" : "f"), 0);
	csv_reader_init(&r, b.data, b.len);
	assert_int_equal(csv_read(&r, &rec), 1);
	assert_int_equal(rec.nfields, CSV_MAX_FIELDS);
	assert_int_equal(buf_appends(&b, ",f"), 0);
	csv_reader_init(&r, b.data, b.len);
	assert_int_equal(csv_read(&r, &rec), -1);
	assert_string_equal(r.err, "line 1: more than 64 fields");

	/* A field of 4096 bytes passes (quoted too), 4097 does not. */
	big = malloc(CSV_MAX_FIELD + 2);
	assert_non_null(big);
	memset(big, 'x', CSV_MAX_FIELD + 1);
	big[CSV_MAX_FIELD] = '\0';
	buf_reset(&b);
	assert_int_equal(buf_appendf(&b, "a,%s\r\n\"%s\"\r\n", big, big), 0);
	csv_reader_init(&r, b.data, b.len);
	assert_int_equal(csv_read(&r, &rec), 1);
	assert_int_equal(rec.flen[1], CSV_MAX_FIELD);
	assert_int_equal(csv_read(&r, &rec), 1);
	assert_int_equal(rec.flen[0], CSV_MAX_FIELD);
	big[CSV_MAX_FIELD] = 'x';
	big[CSV_MAX_FIELD + 1] = '\0';
	buf_reset(&b);
	assert_int_equal(buf_appendf(&b, "ok\r\na,\"%s\"", big), 0);
	csv_reader_init(&r, b.data, b.len);
	assert_int_equal(csv_read(&r, &rec), 1);
	assert_int_equal(csv_read(&r, &rec), -1);
	assert_string_equal(r.err, "line 2: field 2: longer than 4096 bytes");
	free(big);
	buf_free(&b);
	csv_record_free(&rec);
}

static void
roundtrip(const char *const *f, const int *flags, size_t n)
{
	struct csv_reader	r;
	struct csv_record	rec;
	struct buf		b;
	size_t			i;

	buf_init(&b, 1 << 20);
	csv_record_init(&rec);
	assert_int_equal(csv_row_flags(&b, f, flags, n), 0);
	assert_int_equal(csv_row_flags(&b, f, flags, n), 0);
	csv_reader_init(&r, b.data, b.len);
	for (i = 0; i < 2; i++) {
		if (csv_read(&r, &rec) != 1)
			fail_msg("roundtrip: %s", r.err);
		assert_int_equal(rec.nfields, n);
	}
	for (i = 0; i < n; i++) {
		if (flags && flags[i] && csv_formula_risk(f[i])) {
			assert_int_equal(rec.field[i][0], '\'');
			assert_string_equal(rec.field[i] + 1, f[i]);
		} else
			assert_string_equal(rec.field[i], f[i] ? f[i] : "");
	}
	assert_int_equal(csv_read(&r, &rec), 0);
	csv_record_free(&rec);
	buf_free(&b);
}

/* Every printable ASCII character in a password survives unchanged. */
static void
test_roundtrip_printable(void **state)
{
	char		 pw[96], rot[96];
	const char	*f[3];
	const int	 flags[3] = { 0, 0, CSV_F_NEUTRALIZE };
	size_t		 i, k;

	for (i = 0; i < 95; i++)
		pw[i] = (char)(0x20 + i);
	pw[95] = '\0';
	/* Every rotation, so each character also leads and ends a field. */
	for (k = 0; k < 95; k++) {
		for (i = 0; i < 95; i++)
			rot[i] = pw[(i + k) % 95];
		rot[95] = '\0';
		f[0] = "user@example.com";
		f[1] = rot;
		f[2] = rot;
		roundtrip(f, flags, 3);
	}
}

static void
test_roundtrip_table(void **state)
{
	const char *const	 f1[] = { "", NULL, ",", "\"", "\r\n", "\n\n",
	    " ", "a\rb", "=cmd|' /C calc'!A0", "+", "-", "@" };
	const int		 fl1[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	const char *const	 f2[] = { "José", "Núñez", "O'Brien" };

	roundtrip(f1, NULL, sizeof(f1) / sizeof(f1[0]));
	roundtrip(f1, fl1, sizeof(f1) / sizeof(f1[0]));
	roundtrip(f2, NULL, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_neutralize),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_roundtrip_printable),
		cmocka_unit_test(test_roundtrip_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
