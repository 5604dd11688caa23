/*
 * store_quota_test: the daily budget's holds (store_quota.c) in a real
 * store, SQLite and then PostgreSQL (make unit): a limit of N gives N
 * holds and refuses the next with the held counted, a settled hold
 * becomes a count, a released one makes room, a ramp's allowance is
 * held the same way, a hold older than STORE_HOLD_TTL stops counting and
 * goes at the next settle, a mailbox with neither limit nor ramp takes
 * no hold at all, and a settle counts the sending health's submitted
 * recipients with the sent records.  Concurrent holds from several sessions and
 * nodes: test/integration/test_pg.py and test_accounts.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "store_fixture.h"

#define T0	(1796601600 + 3600)	/* 2026-12-07 01:00 UTC */

static struct store *
open_store(uint32_t limit)
{
	struct store	*st = store_fixture_open();

	assert_int_equal(store_domain_add(st, "a.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, "m@a.test", "$argon2id$x"),
	    STORE_OK);
	if (limit > 0)
		assert_int_equal(store_mailbox_set_limit(st, "m@a.test", limit),
		    STORE_OK);
	return st;
}

/* 1 if tx got a hold at now, 0 if refused (q filled). */
static int
hold(struct store *st, uint64_t tx, int64_t now, struct store_quota *q)
{
	assert_int_equal(store_sent_reserve(st, "M@a.test", tx, now, 50, q),
	    STORE_OK);
	return q->reserved;
}

static int64_t
holds(struct store *st)
{
	struct store_quota	q;

	/* a refusal's numbers: ask with a limit that is always reached */
	assert_int_equal(store_mailbox_set_limit(st, "m@a.test", 1),
	    STORE_OK);
	assert_int_equal(store_sent_reserve(st, "m@a.test", 99, T0 + 1, 50,
	    &q), STORE_OK);
	if (q.reserved)
		assert_int_equal(store_sent_settle(st, "m@a.test", 99, 0,
		    T0 + 1), STORE_OK);
	return q.reserved ? 0 : (int64_t)q.held;
}

static int
day_cb(const struct store_health_day *d, void *arg)
{
	*(uint64_t *)arg += d->submitted;
	return 0;
}

/* The sending health's submitted counter of T0's day. */
static uint64_t
submitted(struct store *st)
{
	uint64_t	n = 0;

	assert_int_equal(store_health_days(st, "m@a.test", T0 / 86400,
	    day_cb, &n), STORE_OK);
	return n;
}

/*
 * store_sent_settle_many: holds go and counts land as one settle each
 * would do them, over more than one statement's worth (six), with the
 * same mailbox twice in a minute, two minutes, a mixed-case and an
 * unknown address.
 */
static void
test_settle_many(void **state)
{
	struct store		*st = open_store(20);
	struct store_quota	 q;
	struct store_settle	 v[8];
	uint64_t		 n, tx;
	int64_t			 oldest;

	(void)state;
	for (tx = 1; tx <= 8; tx++)
		assert_true(hold(st, tx, T0, &q));
	assert_int_equal(holds(st), 8);
	assert_int_equal(store_mailbox_set_limit(st, "m@a.test", 20),
	    STORE_OK);
	for (tx = 1; tx <= 7; tx++) {
		snprintf(v[tx - 1].address, sizeof(v[tx - 1].address), "%s",
		    tx == 3 ? "M@A.test" : "m@a.test");
		v[tx - 1].tx = tx;
		v[tx - 1].count = (uint32_t)tx;
		v[tx - 1].now = T0 + (tx <= 4 ? 5 : 65);
	}
	snprintf(v[7].address, sizeof(v[7].address), "nobody@a.test");
	/* counts nothing */
	v[7].tx = 100;
	v[7].count = 9;
	v[7].now = T0 + 70;
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_sent_settle_many(st, v, 8), STORE_OK);
	assert_int_equal(store_commit(st), STORE_OK);
	/* 1+...+7 counted, tx 8's hold alone left */
	assert_int_equal(store_sent_count(st, "m@a.test", T0 - 86400, &n,
	    &oldest), STORE_OK);
	assert_int_equal(n, 28);
	assert_int_equal(submitted(st), 28);
	assert_int_equal(holds(st), 1);
	store_close(st);
}

static void
test_limit(void **state)
{
	struct store		*st = open_store(3);
	struct store_quota	 q;
	uint64_t		 n;
	int64_t			 oldest;

	(void)state;
	assert_true(hold(st, 1, T0, &q));
	assert_true(hold(st, 1, T0, &q));	/* two recipients of tx 1 */
	assert_true(hold(st, 2, T0, &q));
	assert_false(hold(st, 3, T0, &q));
	assert_int_equal(q.limit, 3);
	assert_int_equal(q.sent, 3);		/* all held */
	assert_int_equal(q.held, 3);
	/* tx 1 accepted with its two: counted, still no room */
	assert_int_equal(store_sent_settle(st, "m@a.test", 1, 2, T0 + 5),
	    STORE_OK);
	assert_int_equal(store_sent_count(st, "m@a.test", T0 - 86400, &n,
	    &oldest), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(submitted(st), 2);	/* in the same statement */
	assert_false(hold(st, 3, T0 + 6, &q));
	assert_int_equal(q.sent, 3);
	assert_int_equal(q.held, 1);
	/* tx 2 ends without a message: its place is free again */
	assert_int_equal(store_sent_settle(st, "m@a.test", 2, 0, T0 + 7),
	    STORE_OK);
	assert_int_equal(submitted(st), 2);
	assert_true(hold(st, 3, T0 + 8, &q));
	assert_false(hold(st, 4, T0 + 8, &q));
	/* a day later the count has left the 24 h, and tx 3's hold, never
	   settled, has long stopped counting */
	assert_true(hold(st, 4, T0 + 86400 + 60, &q));
	/* a count without holds (tx 0: the mailbox had no limit then) */
	assert_int_equal(store_sent_settle(st, "m@a.test", 0, 1, T0 + 10),
	    STORE_OK);
	assert_int_equal(submitted(st), 3);
	store_close(st);
}

static void
test_expiry(void **state)
{
	struct store		*st = open_store(1);
	struct store_quota	 q;

	(void)state;
	assert_true(hold(st, 7, T0, &q));
	assert_false(hold(st, 8, T0 + STORE_HOLD_TTL - 1, &q));
	/* tx 7's node died: its hold stops counting after the bound */
	assert_true(hold(st, 8, T0 + STORE_HOLD_TTL, &q));
	/* and any settle deletes it */
	assert_int_equal(store_sent_settle(st, "m@a.test", 8, 0,
	    T0 + STORE_HOLD_TTL + 1), STORE_OK);
	assert_int_equal(holds(st), 0);
	store_close(st);
}

static void
test_warmup(void **state)
{
	struct store		*st = open_store(0);
	struct store_quota	 q;
	int			 i;

	(void)state;
	/* no limit, no ramp: nothing to hold, nothing stored */
	assert_true(hold(st, 5, T0, &q));
	assert_int_equal(store_warmup_start(st, "m@a.test", T0, 0, 0),
	    STORE_OK);
	for (i = 0; i < 5; i++)		/* day 1 allows 5 */
		assert_true(hold(st, 10 + (uint64_t)i, T0, &q));
	assert_false(hold(st, 20, T0, &q));
	assert_true(q.ws.active);
	assert_int_equal(q.ws.allowance, 5);
	assert_int_equal(q.ws.sent_today, 5);
	assert_int_equal(q.limit, 0);
	assert_int_equal(store_sent_settle(st, "m@a.test", 10, 1, T0),
	    STORE_OK);
	assert_false(hold(st, 20, T0, &q));
	assert_int_equal(q.ws.sent_today, 5);
	/* the next day allows 7; yesterday's count is not today's */
	assert_true(hold(st, 21, T0 + 86400, &q));
	assert_int_equal(store_sent_reserve(st, "x@a.test", 1, T0, 50, &q),
	    STORE_NOTFOUND);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settle_many,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_limit,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_expiry,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_warmup,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
