/*
 * store_warmup_test: the warm-up ramp in a real SQLite store at exact
 * times: the defaults a new mailbox gets, start and stop, the settings'
 * bounds, today's count (recipients since 00:00 UTC only), the target
 * from daily_limit, a freeze stepping down and holding until it ends,
 * a second freeze, and unknown mailboxes.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "store_fixture.h"

#define DAY	86400
#define T0	(1796601600 + 3600)	/* 2026-12-07 01:00 UTC */

static struct store *
open_store(void)
{
	struct store	*st = store_fixture_open();

	assert_int_equal(store_domain_add(st, "a.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, "m@a.test", "$argon2id$x"),
	    STORE_OK);
	return st;
}

static void
status(struct store *st, int64_t now, struct store_warmup_status *s)
{
	assert_int_equal(store_warmup_status(st, "M@a.test", now, 50, s),
	    STORE_OK);
}

static void
test_start_stop(void **state)
{
	struct store			*st = open_store();
	struct store_warmup		 w;
	struct store_warmup_status	 s;

	(void)state;
	assert_int_equal(store_warmup_get(st, "m@a.test", &w), STORE_OK);
	assert_int_equal(w.start_day, 0);
	assert_int_equal(w.first, 5);
	assert_int_equal(w.step, 2);
	status(st, T0, &s);
	assert_false(s.on);
	assert_false(s.active);

	assert_int_equal(store_warmup_start(st, "m@a.test", T0, 0, 0),
	    STORE_OK);
	status(st, T0, &s);
	assert_true(s.on && s.active);
	assert_int_equal(s.day, 1);
	assert_int_equal(s.allowance, 5);
	assert_int_equal(s.total, 24);
	assert_int_equal(s.target, 50);
	status(st, T0 + 5 * DAY, &s);
	assert_int_equal(s.day, 6);
	assert_int_equal(s.allowance, 15);
	/* 23:00 UTC is still the start day */
	status(st, T0 + 22 * 3600, &s);
	assert_int_equal(s.day, 1);

	/* provisioning's step; 0 keeps what is stored */
	assert_int_equal(store_warmup_start(st, "m@a.test", T0, 0, 4),
	    STORE_OK);
	assert_int_equal(store_warmup_get(st, "m@a.test", &w), STORE_OK);
	assert_int_equal(w.step, 4);
	assert_int_equal(w.first, 5);

	assert_int_equal(store_warmup_stop(st, "m@a.test"), STORE_OK);
	status(st, T0, &s);
	assert_false(s.on);
	store_close(st);
}

static void
test_params(void **state)
{
	struct store			*st = open_store();
	struct store_warmup_status	 s;

	(void)state;
	assert_int_equal(store_warmup_param(st, "m@a.test", "first", 0),
	    STORE_INVALID);
	assert_int_equal(store_warmup_param(st, "m@a.test", "step", 1000001),
	    STORE_INVALID);
	assert_int_equal(store_warmup_param(st, "m@a.test", "size", 3),
	    STORE_INVALID);
	assert_int_equal(store_warmup_param(st, "m@a.test", "first", 10),
	    STORE_OK);
	assert_int_equal(store_warmup_param(st, "m@a.test", "step", 5),
	    STORE_OK);
	assert_int_equal(store_warmup_start(st, "m@a.test", T0, 0, 0),
	    STORE_OK);
	/* the target is the daily limit when there is one */
	assert_int_equal(store_mailbox_set_limit(st, "m@a.test", 45),
	    STORE_OK);
	status(st, T0 + 2 * DAY, &s);
	assert_int_equal(s.allowance, 20);
	assert_int_equal(s.target, 45);
	assert_int_equal(s.total, 8);

	assert_int_equal(store_warmup_param(st, "x@a.test", "first", 3),
	    STORE_NOTFOUND);
	assert_int_equal(store_warmup_start(st, "x@a.test", T0, 0, 0),
	    STORE_NOTFOUND);
	assert_int_equal(store_warmup_stop(st, "x@a.test"), STORE_NOTFOUND);
	assert_int_equal(store_warmup_status(st, "x@a.test", T0, 50, &s),
	    STORE_NOTFOUND);
	assert_int_equal(store_warmup_freeze(st, "x@a.test", T0, 3 * DAY, 50,
	    NULL), STORE_NOTFOUND);
	store_close(st);
}

/* Recipients since 00:00 UTC of now's day, not the last 24 hours. */
static void
test_sent_today(void **state)
{
	struct store			*st = open_store();
	struct store_warmup_status	 s;

	(void)state;
	assert_int_equal(store_warmup_start(st, "m@a.test", T0 - DAY, 0, 0),
	    STORE_OK);
	assert_int_equal(store_sent_add(st, "m@a.test", 4, T0 - 2 * 3600),
	    STORE_OK);				/* yesterday, 23:00 */
	assert_int_equal(store_sent_add(st, "m@a.test", 3, T0 - 3600),
	    STORE_OK);				/* today, 00:00 */
	assert_int_equal(store_sent_add(st, "m@a.test", 2, T0), STORE_OK);
	status(st, T0, &s);
	assert_int_equal(s.sent_today, 5);
	assert_int_equal(s.day, 2);
	assert_int_equal(s.allowance, 7);
	status(st, T0 - 2 * 3600, &s);
	assert_int_equal(s.sent_today, 4 + 5);	/* the later ones too */
	status(st, T0 + DAY, &s);
	assert_int_equal(s.sent_today, 0);
	store_close(st);
}

static void
test_freeze(void **state)
{
	struct store			*st = open_store();
	struct store_warmup_status	 s;
	int64_t				 t6 = T0 + 5 * DAY;

	(void)state;
	assert_int_equal(store_warmup_freeze(st, "m@a.test", T0, 3 * DAY, 50,
	    &s), STORE_INVALID);		/* warm-up is off */
	assert_non_null(strstr(store_errmsg(st), "off"));
	assert_int_equal(store_warmup_start(st, "m@a.test", T0, 0, 0),
	    STORE_OK);
	/* day 6: 15, frozen at 11 for 3 days, then +2 a day from there */
	assert_int_equal(store_warmup_freeze(st, "m@a.test", t6, 3 * DAY, 50,
	    &s), STORE_OK);
	assert_true(s.frozen);
	assert_int_equal(s.allowance, 11);
	assert_int_equal(s.w.downs, 1);
	assert_int_equal(s.w.frozen_until, t6 + 3 * DAY);
	assert_int_equal(s.total, 9 + 20);
	status(st, t6 + 2 * DAY, &s);
	assert_int_equal(s.allowance, 11);
	status(st, t6 + 3 * DAY - 1, &s);
	assert_true(s.frozen);
	assert_int_equal(s.allowance, 11);
	status(st, t6 + 3 * DAY, &s);
	assert_false(s.frozen);
	assert_int_equal(s.allowance, 11);
	status(st, t6 + 4 * DAY, &s);
	assert_int_equal(s.allowance, 13);
	assert_int_equal(s.day, 10);

	/* frozen again while frozen: steps down again, the later end */
	assert_int_equal(store_warmup_freeze(st, "m@a.test", t6 + DAY,
	    1 * DAY, 50, &s), STORE_OK);
	assert_int_equal(s.allowance, 8);
	assert_int_equal(s.w.downs, 2);
	assert_int_equal(s.w.frozen_until, t6 + 3 * DAY);

	/* warmup on again: day 1, the freeze forgotten */
	assert_int_equal(store_warmup_start(st, "m@a.test", t6, 0, 0),
	    STORE_OK);
	status(st, t6, &s);
	assert_false(s.frozen);
	assert_int_equal(s.allowance, 5);
	assert_int_equal(s.w.downs, 0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_stop,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_params,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sent_today,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_freeze,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
