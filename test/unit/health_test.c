/*
 * health_test: the sending-health arithmetic (core/health.c) as tables:
 * the bounce rule at and around its limit (the window as denominator,
 * per mille exact), the block rule (two providers), the texts the 451
 * shows, the domain rule (more than half, at least 3) and the provider
 * of an MX host as the spool keeps it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/health.h"

struct judge_case {
	uint32_t		bounced, nblocked, window, rate;
	enum health_verdict	want;
	const char		*text;
};

static void
test_judge(void **state)
{
	static const struct judge_case cases[] = {
		{ 0, 0, 50, 50, HEALTH_OK, "" },
		{ 2, 0, 50, 50, HEALTH_OK, "" },	/* 4 % */
		{ 2, 1, 40, 50, HEALTH_OK, "" },	/* exactly 5 % */
		{ 3, 0, 50, 50, HEALTH_BOUNCES,
		    "3 of the last 50 recipients did not exist (6% > 5%)" },
		{ 4, 0, 50, 50, HEALTH_BOUNCES,
		    "4 of the last 50 recipients did not exist (8% > 5%)" },
		{ 11, 0, 200, 50, HEALTH_BOUNCES,
		    "11 of the last 200 recipients did not exist "
		    "(5.5% > 5%)" },
		{ 1, 0, 10, 25, HEALTH_BOUNCES,
		    "1 of the last 10 recipients did not exist (10% > 2.5%)" },
		{ 1, 0, 0, 50, HEALTH_BOUNCES,	/* window 0 read as 1 */
		    "1 of the last 1 recipients did not exist (100% > 5%)" },
		{ 0, 1, 50, 50, HEALTH_OK, "" },
		{ 0, 2, 50, 50, HEALTH_BLOCKED,
		    "2 providers blocked the sender (google.com, "
		    "outlook.com)" },
		{ 9, 2, 50, 50, HEALTH_BOUNCES,	/* bounces reported first */
		    "9 of the last 50 recipients did not exist (18% > 5%)" },
	};
	struct health_window	w;
	char			text[HEALTH_REASON_MAX + 1];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&w, 0, sizeof(w));
		w.bounced = cases[i].bounced;
		w.nblocked = cases[i].nblocked;
		snprintf(w.blocked[0], sizeof(w.blocked[0]), "google.com");
		snprintf(w.blocked[1], sizeof(w.blocked[1]), "outlook.com");
		assert_int_equal(health_judge(&w, cases[i].window,
		    cases[i].rate, text, sizeof(text)), cases[i].want);
		assert_string_equal(text, cases[i].text);
		assert_int_equal(health_judge(&w, cases[i].window,
		    cases[i].rate, NULL, 0), cases[i].want);
	}
}

static void
test_domain(void **state)
{
	(void)state;
	assert_int_equal(health_domain_need(1), 3);
	assert_int_equal(health_domain_need(4), 3);
	assert_int_equal(health_domain_need(5), 3);
	assert_int_equal(health_domain_need(6), 4);
	assert_int_equal(health_domain_need(10), 6);
	assert_false(health_domain_paused(2, 2));	/* at least 3 */
	assert_true(health_domain_paused(3, 3));
	assert_true(health_domain_paused(3, 5));
	assert_false(health_domain_paused(3, 6));	/* half is not most */
	assert_true(health_domain_paused(4, 6));
	assert_false(health_domain_paused(0, 0));
}

static void
test_provider(void **state)
{
	static const char *const cases[][2] = {
		{ "gmail-smtp-in.l.google.com[127.0.0.5]", "google.com" },
		{ "alt1.gmail-smtp-in.l.google.com.", "google.com" },
		{ "a-test.mail.protection.outlook.com", "outlook.com" },
		{ "MX.Example.CO.UK[192.0.2.1]", "example.co.uk" },
		{ "mx.example.com.au", "example.com.au" },
		{ "mx.sink.test", "sink.test" },
		{ "example.com", "example.com" },
		{ "[127.0.0.1]", "" },
		{ "127.0.0.1", "" },
		{ "2001:db8::1", "" },
		{ "local", "" },
		{ "", "" },
	};
	char	out[HEALTH_PROVIDER_MAX + 1], tiny[5];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		health_provider_of(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	health_provider_of("mx.google.com", tiny, sizeof(tiny));
	assert_string_equal(tiny, "goog");	/* cut, still terminated */
}

static void
test_permille(void **state)
{
	char	out[16];

	(void)state;
	health_permille_text(50, out, sizeof(out));
	assert_string_equal(out, "5%");
	health_permille_text(55, out, sizeof(out));
	assert_string_equal(out, "5.5%");
	health_permille_text(1000, out, sizeof(out));
	assert_string_equal(out, "100%");
	health_permille_text(1, out, sizeof(out));
	assert_string_equal(out, "0.1%");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_permille),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
