/*
 * store_idem_test: the admin API's idempotency records (store_idem.c) on
 * a real store (SQLite, and PostgreSQL when `make unit` runs the store
 * tests again there): a record reads back whole, per actor and key; a
 * second record for the same pair is refused; a record past its horizon
 * is not found, and goes when a new one is kept a day later.
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

#define T0	1796601600	/* 2026-12-07 00:00 UTC */
#define DAY	86400

struct got {
	char	request[80];
	int	status;
	char	answer[256];
	int	calls;
};

static int
got_row(const char *request, int status, const char *answer, void *arg)
{
	struct got	*g = arg;

	snprintf(g->request, sizeof(g->request), "%s", request);
	g->status = status;
	snprintf(g->answer, sizeof(g->answer), "%s", answer);
	g->calls++;
	return 0;
}

static void
test_keep_and_read(void **state)
{
	struct store	*st = store_fixture_open();
	struct got	 g;

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_idem_get(st, "prov", "k1", T0 - DAY, got_row,
	    &g), STORE_NOTFOUND);
	assert_int_equal(g.calls, 0);
	assert_int_equal(store_idem_put(st, "prov", "k1", "abc", T0, 201,
	    "{\"created\":2}"), STORE_OK);
	assert_int_equal(store_idem_get(st, "prov", "k1", T0 - DAY, got_row,
	    &g), STORE_OK);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.request, "abc");
	assert_int_equal(g.status, 201);
	assert_string_equal(g.answer, "{\"created\":2}");
	/* keys are per actor */
	assert_int_equal(store_idem_get(st, "root", "k1", T0 - DAY, got_row,
	    &g), STORE_NOTFOUND);
	assert_int_equal(store_idem_put(st, "root", "k1", "def", T0, 200,
	    "{}"), STORE_OK);
	/* the same pair twice */
	assert_int_equal(store_idem_put(st, "prov", "k1", "xyz", T0 + 1, 201,
	    "{}"), STORE_EXISTS);
	store_close(st);
}

static void
test_expiry(void **state)
{
	struct store	*st = store_fixture_open();
	struct got	 g;

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_idem_put(st, "prov", "old", "abc", T0, 201,
	    "{}"), STORE_OK);
	/* past the reader's horizon: not found */
	assert_int_equal(store_idem_get(st, "prov", "old", T0 + 1, got_row,
	    &g), STORE_NOTFOUND);
	/* a day and more later, keeping another record deletes it, so its
	   key can be used again */
	assert_int_equal(store_idem_put(st, "prov", "new", "def",
	    T0 + DAY + 1, 201, "{}"), STORE_OK);
	assert_int_equal(store_idem_put(st, "prov", "old", "ghi",
	    T0 + DAY + 2, 201, "{}"), STORE_OK);
	assert_int_equal(store_idem_get(st, "prov", "old", T0, got_row, &g),
	    STORE_OK);
	assert_string_equal(g.request, "ghi");
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_and_read,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_expiry,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
