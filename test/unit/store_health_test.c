/*
 * store_health_test: sending health in a real SQLite store at exact
 * times: counters per UTC day (submitted, delivered, deferred, bounced,
 * sender fault by provider), the window (newest outcomes only, distinct
 * providers, nothing from before a pause or a resume), the pause and
 * its expiry, the domain pause (more than half, at least 3, and when it
 * ends), unknown mailboxes, and the counters going with the mailbox.
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
#include "store/store_int.h"
#include "store_fixture.h"

#define DAY	86400
#define T0	(1796601600 + 3600)	/* 2026-12-07 01:00 UTC */
#define D0	(T0 / DAY)

static struct store *
open_store(void)
{
	struct store	*st = store_fixture_open();
	const char	*mbs[] = { "m@a.test", "n@a.test", "o@a.test",
	    "p@a.test", "q@a.test" };
	size_t		 i;

	assert_int_equal(store_domain_add(st, "a.test"), STORE_OK);
	for (i = 0; i < sizeof(mbs) / sizeof(mbs[0]); i++)
		assert_int_equal(store_mailbox_add(st, mbs[i], "$argon2id$x"),
		    STORE_OK);
	return st;
}

struct days {
	struct store_health_day	d[8];
	size_t			n;
	char			prov[128];
};

static int
day_cb(const struct store_health_day *d, void *arg)
{
	struct days	*x = arg;

	if (x->n < 8)
		x->d[x->n++] = *d;
	return 0;
}

static int
prov_cb(int64_t day, const char *p, uint64_t n, void *arg)
{
	struct days	*x = arg;
	size_t		 l = strlen(x->prov);

	snprintf(x->prov + l, sizeof(x->prov) - l, "%lld:%s=%llu ",
	    (long long)(day - D0), p, (unsigned long long)n);
	return 0;
}

static void
outcome(struct store *st, const char *a, int64_t t, enum store_health_kind k,
    int deferred, const char *p)
{
	assert_int_equal(store_health_outcome(st, a, t, k, deferred, p),
	    STORE_OK);
}

static void
test_counters(void **state)
{
	struct store	*st = open_store();
	struct days	 x;

	(void)state;
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_health_submitted(st, "M@a.test", T0, 3),
	    STORE_OK);
	assert_int_equal(store_health_submitted(st, "m@a.test", T0 + DAY, 2),
	    STORE_OK);
	outcome(st, "m@a.test", T0, STORE_HEALTH_DELIVERED, 1, "");
	outcome(st, "m@a.test", T0, STORE_HEALTH_BOUNCED, 0, "");
	outcome(st, "m@a.test", T0, STORE_HEALTH_SENDER, 0, "google.com");
	outcome(st, "m@a.test", T0 + DAY, STORE_HEALTH_BLOCKED, 1,
	    "google.com");
	outcome(st, "m@a.test", T0 + DAY, STORE_HEALTH_SENDER, 0,
	    "google.com");
	outcome(st, "m@a.test", T0 + DAY, STORE_HEALTH_FAILED, 0, "");
	assert_int_equal(store_health_days(st, "m@a.test", D0, day_cb, &x),
	    STORE_OK);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.d[0].day, D0);
	assert_int_equal(x.d[0].submitted, 3);
	assert_int_equal(x.d[0].delivered, 1);
	assert_int_equal(x.d[0].deferred, 1);
	assert_int_equal(x.d[0].bounced, 1);
	assert_int_equal(x.d[0].sender_fault, 1);
	assert_int_equal(x.d[0].complaints, 0);
	assert_int_equal(x.d[1].submitted, 2);
	assert_int_equal(x.d[1].delivered, 0);
	assert_int_equal(x.d[1].deferred, 1);
	assert_int_equal(x.d[1].sender_fault, 2);
	assert_int_equal(store_health_providers(st, "m@a.test", D0, prov_cb,
	    &x), STORE_OK);
	assert_string_equal(x.prov, "0:google.com=1 1:google.com=2 ");
	x.n = 0;
	assert_int_equal(store_health_days(st, "m@a.test", D0 + 1, day_cb,
	    &x), STORE_OK);
	assert_int_equal(x.n, 1);
	/* not a mailbox: nothing counted */
	assert_int_equal(store_health_submitted(st, "x@a.test", T0, 1),
	    STORE_NOTFOUND);
	assert_int_equal(store_health_outcome(st, "x@b.test", T0,
	    STORE_HEALTH_DELIVERED, 0, ""), STORE_NOTFOUND);
	/* the counters go with the mailbox */
	assert_int_equal(store_mailbox_remove(st, "m@a.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, "m@a.test", "$argon2id$x"),
	    STORE_OK);
	x.n = 0;
	assert_int_equal(store_health_days(st, "m@a.test", D0, day_cb, &x),
	    STORE_OK);
	assert_int_equal(x.n, 0);
	store_close(st);
}

/*
 * store_health_outcomes: the batch writes what the same outcomes one by
 * one write -- counters by day and provider, and the window -- across
 * two days and two mailboxes, with more (mailbox, day) pairs than its
 * table of sums holds, a mailbox that is gone in the middle, and a
 * mixed-case address.
 */
static void
test_outcomes_batch(void **state)
{
	static const enum store_health_kind kinds[] = {
	    STORE_HEALTH_DELIVERED, STORE_HEALTH_BOUNCED, STORE_HEALTH_SENDER,
	    STORE_HEALTH_FAILED, STORE_HEALTH_BLOCKED };
	struct store_health_rec	 r[120];
	struct health_window	 w1, w2;
	struct store		*st = open_store();
	struct days		 x, y;
	const char		*who[] = { "m@a.test", "N@a.test",
	    "gone@a.test" };
	size_t			 i, k;

	(void)state;
	for (i = 0; i < 120; i++) {
		snprintf(r[i].address, sizeof(r[i].address), "%s",
		    who[i % 3]);
		/* 40 days: more pairs than the sums table, and back */
		r[i].now = T0 + (int64_t)((i * 7) % 40) * DAY;
		r[i].kind = kinds[i % 5];
		r[i].deferred = i % 4 == 0;
		snprintf(r[i].provider, sizeof(r[i].provider), "%s",
		    i % 2 ? "google.com" : "");
	}
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_health_outcomes(st, r, 120), STORE_OK);
	assert_int_equal(store_commit(st), STORE_OK);
	/* the same outcomes, one by one, for o@ (as m@) and p@ (as n@) */
	for (i = 0; i < 120; i++) {
		if (i % 3 == 2)
			continue;
		assert_int_equal(store_health_outcome(st, i % 3 == 0 ?
		    "o@a.test" : "p@a.test", r[i].now, r[i].kind,
		    r[i].deferred, r[i].provider), STORE_OK);
	}
	for (k = 0; k < 2; k++) {
		const char *batch = k == 0 ? "m@a.test" : "n@a.test";
		const char *one = k == 0 ? "o@a.test" : "p@a.test";

		memset(&x, 0, sizeof(x));
		memset(&y, 0, sizeof(y));
		assert_int_equal(store_health_days(st, batch, D0, day_cb, &x),
		    STORE_OK);
		assert_int_equal(store_health_days(st, one, D0, day_cb, &y),
		    STORE_OK);
		assert_true(x.n > 0);
		assert_int_equal(x.n, y.n);
		for (i = 0; i < x.n; i++) {
			assert_int_equal(x.d[i].day, y.d[i].day);
			assert_int_equal(x.d[i].delivered, y.d[i].delivered);
			assert_int_equal(x.d[i].deferred, y.d[i].deferred);
			assert_int_equal(x.d[i].bounced, y.d[i].bounced);
			assert_int_equal(x.d[i].sender_fault,
			    y.d[i].sender_fault);
		}
		assert_int_equal(store_health_providers(st, batch, D0, prov_cb,
		    &x), STORE_OK);
		assert_int_equal(store_health_providers(st, one, D0, prov_cb,
		    &y), STORE_OK);
		assert_string_equal(x.prov, y.prov);
		/* the newest 7, 13 and all: the batch kept their order */
		for (i = 0; i < 3; i++) {
			unsigned size = i == 0 ? 7 : i == 1 ? 13 : 50;

			assert_int_equal(store_health_window(st, batch, size,
			    &w1), STORE_OK);
			assert_int_equal(store_health_window(st, one, size,
			    &w2), STORE_OK);
			assert_int_equal(w1.known, w2.known);
			assert_int_equal(w1.bounced, w2.bounced);
			assert_int_equal(w1.nblocked, w2.nblocked);
		}
	}
	store_close(st);
}

static void
test_complaints(void **state)
{
	struct store	*st = open_store();
	struct days	 x;

	(void)state;
	memset(&x, 0, sizeof(x));
	/* a day with nothing else gets a row; a second one adds up */
	assert_int_equal(store_health_complaint(st, "M@a.test", T0), STORE_OK);
	assert_int_equal(store_health_submitted(st, "m@a.test", T0 + DAY, 1),
	    STORE_OK);
	assert_int_equal(store_health_complaint(st, "m@a.test", T0 + DAY),
	    STORE_OK);
	assert_int_equal(store_health_complaint(st, "m@a.test", T0 + DAY),
	    STORE_OK);
	assert_int_equal(store_health_days(st, "m@a.test", D0, day_cb, &x),
	    STORE_OK);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.d[0].complaints, 1);
	assert_int_equal(x.d[0].submitted, 0);
	assert_int_equal(x.d[1].complaints, 2);
	assert_int_equal(x.d[1].submitted, 1);
	/* not a mailbox of ours: nothing counted */
	assert_int_equal(store_health_complaint(st, "x@a.test", T0),
	    STORE_NOTFOUND);
	assert_int_equal(store_health_complaint(st, "x@elsewhere.example",
	    T0), STORE_NOTFOUND);
	store_close(st);
}

static void
test_window(void **state)
{
	struct store		*st = open_store();
	struct health_window	 w;
	int			 i;

	(void)state;
	for (i = 0; i < 3; i++)
		outcome(st, "m@a.test", T0, STORE_HEALTH_BOUNCED, 0, "");
	for (i = 0; i < 10; i++)
		outcome(st, "m@a.test", T0, STORE_HEALTH_DELIVERED, 0, "");
	outcome(st, "m@a.test", T0, STORE_HEALTH_BLOCKED, 0, "google.com");
	outcome(st, "m@a.test", T0, STORE_HEALTH_BLOCKED, 0, "google.com");
	/* a sender fault that is no block: not in the providers rule */
	outcome(st, "m@a.test", T0, STORE_HEALTH_SENDER, 0, "yahoo.com");
	outcome(st, "n@a.test", T0, STORE_HEALTH_BOUNCED, 0, "");
	assert_int_equal(store_health_window(st, "m@a.test", 50, &w),
	    STORE_OK);
	assert_int_equal(w.known, 16);
	assert_int_equal(w.bounced, 3);
	assert_int_equal(w.nblocked, 1);
	assert_string_equal(w.blocked[0], "google.com");
	/* the newest 13 only: the bounces fell out */
	assert_int_equal(store_health_window(st, "m@a.test", 13, &w),
	    STORE_OK);
	assert_int_equal(w.known, 13);
	assert_int_equal(w.bounced, 0);
	outcome(st, "m@a.test", T0, STORE_HEALTH_BLOCKED, 0, "outlook.com");
	outcome(st, "m@a.test", T0, STORE_HEALTH_BLOCKED, 0, "yahoo.com");
	assert_int_equal(store_health_window(st, "m@a.test", 50, &w),
	    STORE_OK);
	assert_int_equal(w.nblocked, 3);
	assert_int_equal(health_judge(&w, 50, 50, NULL, 0), HEALTH_BOUNCES);
	/* a pause starts a new window; so does a resume */
	assert_int_equal(store_health_pause(st, "m@a.test", T0 + DAY, "x"),
	    STORE_OK);
	assert_int_equal(store_health_window(st, "m@a.test", 50, &w),
	    STORE_OK);
	assert_int_equal(w.known, 0);
	outcome(st, "m@a.test", T0, STORE_HEALTH_BOUNCED, 0, "");
	assert_int_equal(store_health_window(st, "m@a.test", 50, &w),
	    STORE_OK);
	assert_int_equal(w.bounced, 1);
	assert_int_equal(store_health_resume(st, "m@a.test"), STORE_OK);
	assert_int_equal(store_health_window(st, "m@a.test", 50, &w),
	    STORE_OK);
	assert_int_equal(w.known, 0);
	assert_int_equal(store_health_window(st, "n@a.test", 50, &w),
	    STORE_OK);
	assert_int_equal(w.bounced, 1);
	store_close(st);
}

static void
test_pause(void **state)
{
	struct store			*st = open_store();
	struct store_health_pause	 p;

	(void)state;
	assert_int_equal(store_health_status(st, "m@a.test", T0, &p),
	    STORE_OK);
	assert_false(p.paused);
	assert_int_equal(p.pauses, 0);
	assert_int_equal(p.dom_total, 5);
	assert_int_equal(store_health_pause(st, "m@a.test", T0 + DAY,
	    "4 of the last 50"), STORE_OK);
	assert_int_equal(store_health_status(st, "M@a.test", T0, &p),
	    STORE_OK);
	assert_true(p.paused);
	assert_int_equal(p.paused_until, T0 + DAY);
	assert_string_equal(p.reason, "4 of the last 50");
	assert_int_equal(p.pauses, 1);
	assert_int_equal(p.dom_paused, 1);
	assert_false(p.domain);
	/* it ends by itself */
	assert_int_equal(store_health_status(st, "m@a.test", T0 + DAY, &p),
	    STORE_OK);
	assert_false(p.paused);
	/* the first to see it ended forgets it; the pause count stays */
	assert_int_equal(store_health_expire(st, "m@a.test", T0 + 5),
	    STORE_NOTFOUND);
	assert_int_equal(store_health_expire(st, "m@a.test", T0 + DAY),
	    STORE_OK);
	assert_int_equal(store_health_expire(st, "m@a.test", T0 + DAY),
	    STORE_NOTFOUND);
	assert_int_equal(store_health_status(st, "m@a.test", T0, &p),
	    STORE_OK);
	assert_false(p.paused);
	assert_int_equal(p.paused_until, 0);
	assert_int_equal(p.pauses, 1);
	assert_int_equal(store_health_pause(st, "m@a.test", T0 + DAY,
	    "again"), STORE_OK);
	/* resume ends it at once */
	assert_int_equal(store_health_resume(st, "m@a.test"), STORE_OK);
	assert_int_equal(store_health_status(st, "m@a.test", T0, &p),
	    STORE_OK);
	assert_false(p.paused);
	assert_int_equal(p.pauses, 2);
	assert_int_equal(store_health_pause(st, "x@a.test", T0, "x"),
	    STORE_NOTFOUND);
	assert_int_equal(store_health_resume(st, "x@a.test"),
	    STORE_NOTFOUND);
	assert_int_equal(store_health_status(st, "x@a.test", T0, &p),
	    STORE_NOTFOUND);
	store_close(st);
}

static void
test_domain_pause(void **state)
{
	struct store			*st = open_store();
	struct store_health_pause	 p;

	(void)state;
	/* 5 mailboxes: 3 paused is most of them */
	assert_int_equal(store_health_pause(st, "m@a.test", T0 + 300, "x"),
	    STORE_OK);
	assert_int_equal(store_health_pause(st, "n@a.test", T0 + 100, "x"),
	    STORE_OK);
	assert_int_equal(store_health_status(st, "q@a.test", T0, &p),
	    STORE_OK);
	assert_false(p.domain);
	assert_int_equal(store_health_pause(st, "o@a.test", T0 + 200, "x"),
	    STORE_OK);
	assert_int_equal(store_health_status(st, "q@a.test", T0, &p),
	    STORE_OK);
	assert_false(p.paused);
	assert_true(p.domain);
	assert_int_equal(p.dom_paused, 3);
	/* the first pause to end ends it */
	assert_int_equal(p.domain_until, T0 + 100);
	assert_int_equal(store_health_pause(st, "p@a.test", T0 + 400, "x"),
	    STORE_OK);
	assert_int_equal(store_health_status(st, "q@a.test", T0, &p),
	    STORE_OK);
	assert_int_equal(p.domain_until, T0 + 200);
	assert_int_equal(store_health_status(st, "q@a.test", T0 + 200, &p),
	    STORE_OK);
	assert_false(p.domain);
	assert_int_equal(store_health_resume(st, "p@a.test"), STORE_OK);
	assert_int_equal(store_health_status(st, "q@a.test", T0, &p),
	    STORE_OK);
	assert_int_equal(p.domain_until, T0 + 100);
	store_close(st);
}

/*
 * The change notices MAIL's kept answers depend on (store.h,
 * server/mailcheck.h): a pause, a resume, a suppressed address and a
 * mailbox removal each send one, made on another handle (another node);
 * a write that changed nothing, and the other writes, send none.
 * SQLite has none to listen to.
 */
static void
test_notices(void **state)
{
	struct store	*st = open_store();
	struct store	*ls = store_fixture_open();

	(void)state;
	if (store_fixture_pg() == NULL) {
		assert_int_equal(store_listen(ls), STORE_INVALID);
		assert_int_equal(store_wait_notice(ls, 0), -1);
		store_close(ls);
		store_close(st);
		return;
	}
	assert_int_equal(store_listen(ls), STORE_OK);
	assert_int_equal(store_wait_notice(ls, 50), 0);
	assert_int_equal(store_health_pause(st, "m@a.test", T0 + DAY, "x"),
	    STORE_OK);
	assert_int_equal(store_wait_notice(ls, 5000), 1);
	assert_int_equal(store_wait_notice(ls, 50), 0);
	assert_int_equal(store_health_resume(st, "m@a.test"), STORE_OK);
	assert_int_equal(store_wait_notice(ls, 5000), 1);
	assert_int_equal(store_suppress_add(st, "a.test", "gone@b.test",
	    "550 5.1.1", "bounce", T0), STORE_OK);
	assert_int_equal(store_wait_notice(ls, 5000), 1);
	assert_int_equal(store_mailbox_remove(st, "q@a.test"), STORE_OK);
	assert_int_equal(store_wait_notice(ls, 5000), 1);
	/* nothing changed, nothing said; nor by writes MAIL does not ask */
	assert_int_equal(store_health_pause(st, "x@a.test", T0, "x"),
	    STORE_NOTFOUND);
	assert_int_equal(store_suppress_add(st, "c.test", "gone@b.test",
	    "550 5.1.1", "bounce", T0), STORE_NOTFOUND);
	assert_int_equal(store_mailbox_remove(st, "q@a.test"),
	    STORE_NOTFOUND);
	outcome(st, "m@a.test", T0, STORE_HEALTH_DELIVERED, 0, "");
	assert_int_equal(store_health_submitted(st, "m@a.test", T0, 1),
	    STORE_OK);
	assert_int_equal(store_wait_notice(ls, 200), 0);
	/* inside a caller's transaction: heard at its commit, not before */
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_health_pause(st, "n@a.test", T0 + DAY, "x"),
	    STORE_OK);
	assert_int_equal(store_wait_notice(ls, 200), 0);
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(store_wait_notice(ls, 5000), 1);
	store_close(ls);
	store_close(st);
}

static int
count_row(const struct store_val *v, size_t n, void *arg)
{
	*(int64_t *)arg = n > 0 && v[0].type == STORE_T_INT ? v[0].i : -1;
	return 0;
}

/*
 * A batch writes a mailbox's outcomes of one kind and provider in a row
 * as one row of n (schema step 13); every window, ending inside a run
 * or not, reads what the same outcomes written one by one give.
 */
static void
test_runs(void **state)
{
	static const struct { int n; enum store_health_kind kind;
	    const char *prov; } seq[] = {
		{ 10, STORE_HEALTH_DELIVERED, "" },
		{ 3, STORE_HEALTH_BOUNCED, "" },
		{ 20, STORE_HEALTH_DELIVERED, "" },
		{ 2, STORE_HEALTH_BLOCKED, "google.com" },
		{ 1, STORE_HEALTH_BLOCKED, "yahoo.com" },
		{ 4, STORE_HEALTH_BOUNCED, "" },
		{ 7, STORE_HEALTH_DELIVERED, "" },
	};
	struct store_health_rec	 r[100];
	struct health_window	 w1, w2;
	struct store		*st = open_store();
	int64_t			 rows = -1;
	size_t			 i, k, n = 0;
	unsigned		 size;

	(void)state;
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		for (k = 0; k < (size_t)seq[i].n; k++) {
			/* n@ between them: it breaks no run of m@ */
			memset(&r[n], 0, sizeof(r[n]));
			snprintf(r[n].address, sizeof(r[n].address), "%s",
			    n % 3 == 1 ? "n@a.test" : "m@a.test");
			r[n].now = T0;
			if (n % 3 == 1) {
				r[n].kind = STORE_HEALTH_DELIVERED;
				n++;
				memset(&r[n], 0, sizeof(r[n]));
				snprintf(r[n].address, sizeof(r[n].address),
				    "m@a.test");
				r[n].now = T0;
			}
			r[n].kind = seq[i].kind;
			snprintf(r[n].provider, sizeof(r[n].provider), "%s",
			    seq[i].prov);
			assert_int_equal(store_health_outcome(st, "o@a.test",
			    T0, seq[i].kind, 0, seq[i].prov), STORE_OK);
			n++;
		}
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_health_outcomes(st, r, n), STORE_OK);
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(store_sq(st, count_row, &rows, NULL, "SELECT "
	    "count(*) FROM health_outcome WHERE mailbox_id = (SELECT id FROM "
	    "mailbox WHERE address = 'm@a.test')", ""), STORE_OK);
	assert_int_equal(rows, 7);
	for (size = 1; size <= 50; size++) {
		assert_int_equal(store_health_window(st, "m@a.test", size,
		    &w1), STORE_OK);
		assert_int_equal(store_health_window(st, "o@a.test", size,
		    &w2), STORE_OK);
		assert_int_equal(w1.known, w2.known);
		assert_int_equal(w1.bounced, w2.bounced);
		assert_int_equal(w1.nblocked, w2.nblocked);
	}
	assert_int_equal(w1.known, 47);
	assert_int_equal(w1.bounced, 7);
	assert_int_equal(w1.nblocked, 2);
	assert_int_equal(store_health_window(st, "m@a.test", 9, &w1),
	    STORE_OK);
	assert_int_equal(w1.bounced, 2);	/* 7 delivered, 2 of 4 */
	store_close(st);
}

/*
 * A mailbox's outcomes are trimmed to the newest STORE_HEALTH_OUTCOMES
 * (the largest window) plus at most a trim interval and a batch,
 * whichever handles write them: each trims from where it trimmed last,
 * and now and then from the start.  The window reads the newest 50 all
 * along.
 */
static void
test_trim(void **state)
{
	struct store		*st[2];
	struct store_health_rec	 r[50];
	struct health_window	 w;
	int64_t			 rows = -1, other = -1;
	size_t			 i, k, b;

	(void)state;
	st[0] = open_store();
	st[1] = store_fixture_open();
	for (b = 0; b < 60; b++) {
		for (k = 0; k < 50; k++) {
			i = b * 50 + k;
			memset(&r[k], 0, sizeof(r[k]));
			snprintf(r[k].address, sizeof(r[k].address), "%s",
			    i % 7 == 0 ? "n@a.test" : "m@a.test");
			r[k].now = T0;
			/* no two alike in a row for one of them: many rows */
			r[k].kind = i % 2 == 0 ? STORE_HEALTH_BOUNCED :
			    STORE_HEALTH_DELIVERED;
		}
		assert_int_equal(store_begin(st[b % 2]), STORE_OK);
		assert_int_equal(store_health_outcomes(st[b % 2], r, 50),
		    STORE_OK);
		assert_int_equal(store_commit(st[b % 2]), STORE_OK);
		assert_int_equal(store_health_window(st[0], "m@a.test", 50,
		    &w), STORE_OK);
		assert_int_equal(w.known, b == 0 ? 42 : 50);
	}
	assert_int_equal(store_sq(st[0], count_row, &rows, NULL, "SELECT "
	    "count(*) FROM health_outcome WHERE mailbox_id = (SELECT id FROM "
	    "mailbox WHERE address = 'm@a.test')", ""), STORE_OK);
	assert_int_equal(store_sq(st[0], count_row, &other, NULL, "SELECT "
	    "count(*) FROM health_outcome WHERE mailbox_id = (SELECT id FROM "
	    "mailbox WHERE address = 'n@a.test')", ""), STORE_OK);
	/* 2571 and 429 written; the newest STORE_HEALTH_OUTCOMES kept */
	assert_true(rows >= STORE_HEALTH_OUTCOMES &&
	    rows <= STORE_HEALTH_OUTCOMES + 127 + 50);
	assert_int_equal(other, 429);
	store_close(st[1]);
	store_close(st[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counters,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_outcomes_batch,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_complaints,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_window,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pause,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_domain_pause,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_notices,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_trim,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_runs,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
