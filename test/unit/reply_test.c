/*
 * reply_test: SMTP replies as a client reads them (RFC 5321 §4.2.1):
 * single and multi-line replies, lines that are not replies, code
 * mismatches, enhanced status codes at the start of the text (RFC 2034
 * §4, RFC 3463 §2), and replies typed by a person.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/replies.h"
#include "core/reply.h"

struct line_case {
	const char	*line;
	int		 rc;		/* of reply_add_line on a new reply */
	int		 code;
	const char	*enhanced;
	const char	*text;
};

struct text_case {
	const char	*in;
	int		 rc;
	int		 code;
	const char	*enhanced;
	const char	*text;
};

static void	test_single_lines(void **);
static void	test_multi_line(void **);
static void	test_mismatch(void **);
static void	test_valid_enhanced(void **);
static void	test_parse_text(void **);
static void	test_long_text(void **);
static void	test_format_limit(void **);

static const struct line_case line_cases[] = {
	{ "250 2.0.0 Ok", 1, 250, "2.0.0", "Ok" },
	{ "250 Ok", 1, 250, "", "Ok" },
	{ "250", 1, 250, "", "" },
	{ "250 ", 1, 250, "", "" },
	{ "250 2.1.5", 1, 250, "2.1.5", "" },
	{ "250-mail.example.org", 0, 250, "", "mail.example.org" },
	{ "550 5.7.26 Unauthenticated", 1, 550, "5.7.26", "Unauthenticated" },
	{ "550 5.7.26  two spaces", 1, 550, "5.7.26", "two spaces" },
	{ "550 5.7.260 x", 1, 550, "5.7.260", "x" },
	{ "550 5.7.2600 x", 1, 550, "", "5.7.2600 x" },
	{ "550 5.07.1 x", 1, 550, "", "5.07.1 x" },
	{ "550 5.7.01 x", 1, 550, "", "5.7.01 x" },
	{ "550 5.7.1x", 1, 550, "", "5.7.1x" },
	{ "550 3.7.1 x", 1, 550, "", "3.7.1 x" },
	{ "550 4.2.2 x", 1, 550, "4.2.2", "x" },	/* class differs */
	{ "354 2.0.0 go ahead", 1, 354, "", "2.0.0 go ahead" },
	{ "550 5.1.1\r", 1, 550, "5.1.1", "" },
	{ "550 1.2.3.4 blocked", 1, 550, "", "1.2.3.4 blocked" },
	{ "", -1, 0, "", "" },
	{ "55", -1, 0, "", "" },
	{ "5500 x", -1, 0, "", "" },
	{ "550x", -1, 0, "", "" },
	{ "150 x", -1, 0, "", "" },
	{ "650 x", -1, 0, "", "" },
	{ "560 x", -1, 0, "", "" },
	{ "abc", -1, 0, "", "" },
	{ " 550 x", -1, 0, "", "" },
};

static const struct text_case text_cases[] = {
	{ "530", 0, 530, "", "" },
	{ "  530  \n", 0, 530, "", "" },
	{ "550 5.7.26 Unauthenticated email", 0, 550, "5.7.26",
	    "Unauthenticated email" },
	{ "5.7.8", 0, 0, "5.7.8", "" },
	{ "5.7.8 Authentication credentials invalid", 0, 0, "5.7.8",
	    "Authentication credentials invalid" },
	{ "550-5.7.1 a\n550 5.7.1 b", 0, 550, "5.7.1", "a\nb" },
	{ "550-5.7.1 a\r\n550-5.7.1 b\r\n550 5.7.1 c\r\n", 0, 550, "5.7.1",
	    "a\nb\nc" },
	{ "421-4.7.0 first\n421-4.7.0 second wrapped\n  by a mail client\n"
	    "421 4.7.0 end", 0, 421, "4.7.0",
	    "first\nsecond wrapped\nby a mail client\nend" },
	{ "550 5.1.1 done\n550 5.1.1 again", 0, 550, "5.1.1",
	    "done\n550 5.1.1 again" },
	{ "hello", -1, 0, "", "" },
	{ "", -1, 0, "", "" },
	{ "   ", -1, 0, "", "" },
	{ "5.7", -1, 0, "", "" },
	{ "99 x", -1, 0, "", "" },
};

static void
test_single_lines(void **state)
{
	const struct line_case	*c;
	struct reply		 r;
	size_t			 i;

	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		c = &line_cases[i];
		reply_init(&r);
		if (reply_add_line(&r, c->line, strlen(c->line)) != c->rc)
			fail_msg("case %zu \"%s\": rc", i, c->line);
		if (c->rc == -1) {
			assert_int_equal(r.code, 0);
			assert_int_equal(r.nlines, 0);
			continue;
		}
		assert_int_equal(r.code, c->code);
		if (strcmp(r.enhanced, c->enhanced) != 0)
			fail_msg("case %zu \"%s\": enhanced \"%s\"", i,
			    c->line, r.enhanced);
		if (strcmp(r.text, c->text) != 0)
			fail_msg("case %zu \"%s\": text \"%s\"", i, c->line,
			    r.text);
	}
}

static void
test_multi_line(void **state)
{
	static const char *const lines[] = {
		"250-mail.example.org Hello",
		"250-PIPELINING",
		"250-SIZE 10240000",
		"250 ENHANCEDSTATUSCODES",
	};
	struct reply	r;
	size_t		i;

	reply_init(&r);
	for (i = 0; i < 3; i++)
		assert_int_equal(reply_add_line(&r, lines[i],
		    strlen(lines[i])), 0);
	assert_int_equal(reply_add_line(&r, lines[3], strlen(lines[3])), 1);
	assert_int_equal(r.nlines, 4);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text, "mail.example.org Hello\nPIPELINING\n"
	    "SIZE 10240000\nENHANCEDSTATUSCODES");
	/* Nothing more after the last line. */
	assert_int_equal(reply_add_line(&r, "250 x", 5), -1);
	assert_int_equal(r.nlines, 4);

	/* A different enhanced code on a later line stays in the text. */
	reply_init(&r);
	assert_int_equal(reply_add_line(&r, "550-5.7.1 a", 11), 0);
	assert_int_equal(reply_add_line(&r, "550 5.7.2 b", 11), 1);
	assert_string_equal(r.enhanced, "5.7.1");
	assert_string_equal(r.text, "a\n5.7.2 b");
}

static void
test_mismatch(void **state)
{
	struct reply	r;

	reply_init(&r);
	assert_int_equal(reply_add_line(&r, "550-5.1.1 a", 11), 0);
	assert_int_equal(reply_add_line(&r, "551 5.1.1 b", 11), -1);
	assert_int_equal(reply_add_line(&r, "garbage", 7), -1);
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.text, "a");
	assert_int_equal(reply_add_line(&r, "550 5.1.1 b", 11), 1);
	assert_string_equal(r.text, "a\nb");
}

static void
test_valid_enhanced(void **state)
{
	static const char *const good[] = { "2.0.0", "4.7.0", "5.7.26",
	    "5.1.10", "5.999.999", "5.0.0", "4.7.500" };
	static const char *const bad[] = { "", "5", "5.7", "5.7.", ".7.1",
	    "3.0.0", "1.0.0", "6.0.0", "5.07.1", "5.7.01", "5.1000.1",
	    "5.1.1000", "5.7.1 ", " 5.7.1", "5.7.1.1", "X.7.1", "5..1",
	    "5.a.1" };
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!reply_valid_enhanced(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (reply_valid_enhanced(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
}

static void
test_parse_text(void **state)
{
	const struct text_case	*c;
	struct reply		 r;
	size_t			 i;

	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		c = &text_cases[i];
		if (reply_parse_text(&r, c->in) != c->rc)
			fail_msg("case %zu \"%s\": rc", i, c->in);
		if (c->rc == -1)
			continue;
		assert_int_equal(r.code, c->code);
		if (strcmp(r.enhanced, c->enhanced) != 0)
			fail_msg("case %zu: enhanced \"%s\"", i, r.enhanced);
		if (strcmp(r.text, c->text) != 0)
			fail_msg("case %zu: text \"%s\"", i, r.text);
	}
}

static void
test_long_text(void **state)
{
	static char	line[REPLY_TEXT_MAX * 2];
	struct reply	r;
	int		i;

	memset(line, 'a', sizeof(line) - 1);
	memcpy(line, "550-", 4);
	reply_init(&r);
	for (i = 0; i < 3; i++)
		assert_int_equal(reply_add_line(&r, line, strlen(line)), 0);
	assert_int_equal(strlen(r.text), REPLY_TEXT_MAX - 1);
	assert_int_equal(r.nlines, 3);
}

/* RFC 5321 §4.5.3.1.5: a reply line is cut to 510 octets plus CRLF. */
static void
test_format_limit(void **state)
{
	char	line[1024], arg[700], small[8];
	int	n;

	memset(arg, 'a', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	n = replies_format(line, sizeof(line), RPL_PARAM_BAD, arg);
	assert_int_equal(n, (int)strlen("501 5.5.4 Bad parameter ") + 699);
	assert_int_equal(strlen(line), REPLY_LINE_MAX - 2);
	assert_memory_equal(line, "501 5.5.4 Bad parameter aaa", 27);
	n = replies_format(line, sizeof(line), RPL_AUTH_INVALID "%s%s", ": ",
	    "hint");
	assert_int_equal(n, (int)strlen(line));
	assert_string_equal(line, "535 5.7.8 Authentication credentials "
	    "invalid: hint");
	n = replies_format(small, sizeof(small), RPL_OK);
	assert_int_equal(n, 12);
	assert_string_equal(small, "250 2.0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_lines),
		cmocka_unit_test(test_format_limit),
		cmocka_unit_test(test_multi_line),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_valid_enhanced),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_long_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
