/*
 * warmup_test: the warm-up ramp's arithmetic (core/warmup.c) as a table
 * -- day, first, step, target, freeze -> allowance, day-of-total,
 * active -- the step-down, and the clock it reads (lib/clock.c): unix
 * days, and the POSTERN_TEST_CLOCK hook (set, bad, missing, unset).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/warmup.h"
#include "lib/clock.h"

struct ramp_case {
	int64_t		day;
	uint32_t	first, step, target, held;
	int64_t		resume;
	int		frozen;
	uint32_t	allowance;
	int64_t		total;
	int		active;
};

static const struct ramp_case ramp_cases[] = {
	/* the default schedule: 5, +2 a day, to 50 on day 24 */
	{ 1, 5, 2, 50, 0, 0, 0, 5, 24, 1 },
	{ 2, 5, 2, 50, 0, 0, 0, 7, 24, 1 },
	{ 6, 5, 2, 50, 0, 0, 0, 15, 24, 1 },
	{ 23, 5, 2, 50, 0, 0, 0, 49, 24, 1 },
	{ 24, 5, 2, 50, 0, 0, 0, 50, 24, 1 },
	{ 25, 5, 2, 50, 0, 0, 0, 50, 24, 0 },
	/* the "day 6 of 21": a daily_limit of 45 */
	{ 6, 5, 2, 45, 0, 0, 0, 15, 21, 1 },
	{ 21, 5, 2, 45, 0, 0, 0, 45, 21, 1 },
	/* before the start (a clock set back) counts as day 1 */
	{ 0, 5, 2, 50, 0, 0, 0, 5, 24, 1 },
	{ -30, 5, 2, 50, 0, 0, 0, 5, 24, 1 },
	/* first at or above the target: the target, one day */
	{ 1, 60, 2, 50, 0, 0, 0, 50, 1, 1 },
	{ 2, 50, 2, 50, 0, 0, 0, 50, 1, 0 },
	/* step 0 reads as 1; first 0 as 1; target 0 as 1 */
	{ 3, 5, 0, 50, 0, 0, 0, 7, 46, 1 },
	{ 1, 0, 2, 50, 0, 0, 0, 1, 26, 1 },
	{ 5, 5, 2, 0, 0, 0, 0, 1, 1, 0 },
	/* frozen on day 6 at 15 -> held 11 until ramp day 9 */
	{ 6, 5, 2, 50, 11, 9, 1, 11, 29, 1 },
	{ 8, 5, 2, 50, 11, 9, 1, 11, 29, 1 },
	{ 9, 5, 2, 50, 11, 9, 1, 11, 29, 1 },	/* still before it ends */
	{ 9, 5, 2, 50, 11, 9, 0, 11, 29, 1 },	/* ended that day */
	{ 10, 5, 2, 50, 11, 9, 0, 13, 29, 1 },
	{ 29, 5, 2, 50, 11, 9, 0, 50, 29, 1 },
	{ 30, 5, 2, 50, 11, 9, 0, 50, 29, 0 },
	/* a finished ramp frozen again: held below target, active */
	{ 40, 5, 2, 50, 37, 43, 1, 37, 50, 1 },
	/* a held value above a lowered target */
	{ 8, 5, 2, 20, 30, 9, 1, 20, 9, 1 },
	/* no overflow far out */
	{ INT64_MAX / 2, 5, 2, 50, 0, 0, 0, 50, 24, 0 },
	{ INT64_MAX / 2, 5, UINT32_MAX, UINT32_MAX, 0, 0, 0, UINT32_MAX, 2,
	    0 },
	{ 3, UINT32_MAX - 1, UINT32_MAX, UINT32_MAX, 0, 0, 0, UINT32_MAX, 2,
	    0 },
};

static void
test_ramp_table(void **state)
{
	const struct ramp_case	*c;
	struct warmup_plan	 p;
	struct warmup_today	 t;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(ramp_cases) / sizeof(ramp_cases[0]); i++) {
		c = &ramp_cases[i];
		memset(&p, 0, sizeof(p));
		p.day = c->day;
		p.first = c->first;
		p.step = c->step;
		p.target = c->target;
		p.held = c->held;
		p.resume_day = c->resume;
		p.frozen = c->frozen;
		warmup_compute(&p, &t);
		if (t.allowance != c->allowance || t.total != c->total ||
		    t.active != c->active)
			fail_msg("case %zu: allowance %u total %lld active %d, "
			    "want %u %lld %d", i, t.allowance,
			    (long long)t.total, t.active, c->allowance,
			    (long long)c->total, c->active);
		assert_true(t.day >= 1);
	}
}

static void
test_step_down(void **state)
{
	(void)state;
	assert_int_equal(warmup_step_down(15), 11);
	assert_int_equal(warmup_step_down(16), 12);
	assert_int_equal(warmup_step_down(4), 3);
	assert_int_equal(warmup_step_down(2), 1);
	assert_int_equal(warmup_step_down(1), 1);
	assert_int_equal(warmup_step_down(0), 1);
	assert_int_equal(warmup_step_down(50), 37);
	assert_int_equal(warmup_step_down(UINT32_MAX), 3221225471u);
}

static void
test_clock_day(void **state)
{
	(void)state;
	assert_int_equal(clock_day(0), 0);
	assert_int_equal(clock_day(86399), 0);
	assert_int_equal(clock_day(86400), 1);
	assert_int_equal(clock_day(-1), -1);
	assert_int_equal(clock_day(-86400), -1);
	assert_int_equal(clock_day(-86401), -2);
	assert_int_equal(clock_day_start(90000), 86400);
	assert_int_equal(clock_day_start(1796601600 + 5), 1796601600);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The test hook: offset added when set, nothing when bad or unset. */
static void
test_clock_hook(void **state)
{
	char	path[64];
	int64_t	t0, got;
	int	fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/postern-clock-XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(unsetenv(CLOCK_TEST_ENV), 0);
	t0 = (int64_t)time(NULL);
	got = clock_now();
	assert_true(got >= t0 && got <= t0 + 1);

	assert_int_equal(setenv(CLOCK_TEST_ENV, path, 1), 0);
	write_file(path, "86400\n");
	t0 = (int64_t)time(NULL);
	got = clock_now();
	assert_true(got >= t0 + 86400 && got <= t0 + 86401);
	write_file(path, "-3600");		/* re-read on each call */
	got = clock_now();
	assert_true(got >= t0 - 3600 && got <= t0 - 3599);
	write_file(path, "12 days");		/* not an integer: nothing */
	got = clock_now();
	assert_true(got >= t0 && got <= t0 + 1);
	write_file(path, "");
	got = clock_now();
	assert_true(got >= t0 && got <= t0 + 1);
	unlink(path);				/* missing: nothing */
	got = clock_now();
	assert_true(got >= t0 && got <= t0 + 1);
	assert_int_equal(unsetenv(CLOCK_TEST_ENV), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ramp_table),
		cmocka_unit_test(test_step_down),
		cmocka_unit_test(test_clock_day),
		cmocka_unit_test(test_clock_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
