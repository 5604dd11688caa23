/*
 * store_suppress_test: the per-domain suppression list against a real
 * SQLite file: add and refresh, case-insensitive lookup, per sending
 * domain (also as MAIL asks it, with the health pause), list order and
 * filter, remove, unknown domains, bounds, and entries going with their
 * domain.
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

#define LIST_MAX	8

struct seen {
	size_t				n;
	struct store_suppression	s[LIST_MAX];
	int				stop_after;	/* 0: never */
};

static struct store *
open_store(void)
{
	struct store	*st = store_fixture_open();

	assert_int_equal(store_domain_add(st, "a.test"), STORE_OK);
	assert_int_equal(store_domain_add(st, "b.test"), STORE_OK);
	return st;
}

static int
collect(const struct store_suppression *s, void *arg)
{
	struct seen	*l = arg;

	if (l->n < LIST_MAX)
		l->s[l->n] = *s;
	l->n++;
	return l->stop_after != 0 && (int)l->n >= l->stop_after;
}

/* MAIL's form of the question, asked with the health pause. */
static int
any_with_pause(struct store *st, const char *domain)
{
	struct store_health_pause	p;

	assert_int_equal(store_health_status_any(st, "m@b.test", 1000, domain,
	    &p), STORE_OK);
	assert_false(p.paused);
	return p.suppressed_any;
}

static void
test_add_get(void **state)
{
	struct store			*st = open_store();
	struct store_suppression	 s;

	assert_int_equal(store_mailbox_add(st, "m@b.test", "h"), STORE_OK);
	assert_int_equal(store_suppress_any(st, "a.test"), STORE_NOTFOUND);
	assert_int_equal(any_with_pause(st, "a.test"), 0);
	assert_int_equal(any_with_pause(st, NULL), 1);	/* not asked */
	assert_int_equal(store_suppress_add(st, "A.Test", "Bob@Remote.Example",
	    "550 5.1.1 user unknown", "bounce", 1000), STORE_OK);
	/* the MAIL-time shortcut sees it, per domain */
	assert_int_equal(store_suppress_any(st, "A.TEST"), STORE_OK);
	assert_int_equal(store_suppress_any(st, "b.test"), STORE_NOTFOUND);
	assert_int_equal(any_with_pause(st, "A.test"), 1);
	assert_int_equal(any_with_pause(st, "b.test"), 0);
	/* any case finds it; what is stored is lower case */
	assert_int_equal(store_suppress_get(st, "a.test",
	    "bob@remote.example", &s), STORE_OK);
	assert_string_equal(s.domain, "a.test");
	assert_string_equal(s.address, "bob@remote.example");
	assert_string_equal(s.reason, "550 5.1.1 user unknown");
	assert_string_equal(s.source, "bounce");
	assert_int_equal(s.created, 1000);
	assert_int_equal(store_suppress_get(st, "A.TEST",
	    "BOB@REMOTE.EXAMPLE", &s), STORE_OK);
	/* per sending domain */
	assert_int_equal(store_suppress_get(st, "b.test",
	    "bob@remote.example", &s), STORE_NOTFOUND);
	assert_int_equal(store_suppress_get(st, "a.test",
	    "alice@remote.example", &s), STORE_NOTFOUND);
	assert_int_equal(store_suppress_get(st, "nowhere.test",
	    "bob@remote.example", &s), STORE_NOTFOUND);
	/* adding again refreshes reason, source and time */
	assert_int_equal(store_suppress_add(st, "a.test", "bob@remote.example",
	    "manual entry", "manual", 2000), STORE_OK);
	assert_int_equal(store_suppress_get(st, "a.test",
	    "bob@remote.example", &s), STORE_OK);
	assert_string_equal(s.reason, "manual entry");
	assert_string_equal(s.source, "manual");
	assert_int_equal(s.created, 2000);
	store_close(st);
}

static void
test_invalid(void **state)
{
	struct store	*st = open_store();
	char		 longreason[STORE_REASON_MAX + 2];
	char		 longaddr[STORE_ADDR_MAX + 8];

	/* the sending domain must be local */
	assert_int_equal(store_suppress_add(st, "nowhere.test",
	    "bob@remote.example", "", "manual", 1), STORE_NOTFOUND);
	assert_non_null(strstr(store_errmsg(st), "nowhere.test"));
	memset(longreason, 'r', sizeof(longreason) - 1);
	longreason[sizeof(longreason) - 1] = '\0';
	assert_int_equal(store_suppress_add(st, "a.test", "bob@remote.example",
	    longreason, "bounce", 1), STORE_INVALID);
	longreason[STORE_REASON_MAX] = '\0';
	assert_int_equal(store_suppress_add(st, "a.test", "bob@remote.example",
	    longreason, "bounce", 1), STORE_OK);
	assert_int_equal(store_suppress_add(st, "a.test", "bob@remote.example",
	    "x", "a-source-name-too-long", 1), STORE_INVALID);
	assert_int_equal(store_suppress_add(st, "a.test", "bob@remote.example",
	    "x", "", 1), STORE_INVALID);
	assert_int_equal(store_suppress_add(st, "a.test", "bob@remote.example",
	    NULL, "bounce", 1), STORE_INVALID);
	memset(longaddr, 'l', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	assert_int_equal(store_suppress_add(st, "a.test", longaddr, "x",
	    "bounce", 1), STORE_INVALID);
	assert_int_equal(store_suppress_remove(st, "a.test", longaddr),
	    STORE_NOTFOUND);
	store_close(st);
}

static void
test_list_remove(void **state)
{
	struct store	*st = open_store();
	struct seen	 l;

	assert_int_equal(store_suppress_add(st, "b.test", "z@r.example", "r1",
	    "bounce", 10), STORE_OK);
	assert_int_equal(store_suppress_add(st, "a.test", "y@r.example", "r2",
	    "manual", 20), STORE_OK);
	assert_int_equal(store_suppress_add(st, "a.test", "x@r.example", "r3",
	    "bounce", 30), STORE_OK);
	/* every domain: by domain, then address */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_suppress_list(st, NULL, collect, &l),
	    STORE_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.s[0].address, "x@r.example");
	assert_string_equal(l.s[0].domain, "a.test");
	assert_string_equal(l.s[1].address, "y@r.example");
	assert_string_equal(l.s[1].source, "manual");
	assert_string_equal(l.s[2].domain, "b.test");
	assert_int_equal(l.s[2].created, 10);
	/* one domain, any case */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_suppress_list(st, "B.TEST", collect, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.s[0].address, "z@r.example");
	/* a callback may stop early */
	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	assert_int_equal(store_suppress_list(st, NULL, collect, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	/* remove: only that domain's entry, any case, once */
	assert_int_equal(store_suppress_remove(st, "A.test", "X@R.example"),
	    STORE_OK);
	assert_int_equal(store_suppress_remove(st, "a.test", "x@r.example"),
	    STORE_NOTFOUND);
	assert_int_equal(store_suppress_remove(st, "b.test", "y@r.example"),
	    STORE_NOTFOUND);
	assert_int_equal(store_suppress_remove(st, "nowhere.test",
	    "z@r.example"), STORE_NOTFOUND);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_suppress_list(st, "a.test", collect, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.s[0].address, "y@r.example");
	/* entries go with their domain */
	assert_int_equal(store_domain_remove(st, "a.test"), STORE_OK);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_suppress_list(st, NULL, collect, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.s[0].domain, "b.test");
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_get, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_invalid, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_list_remove, store_fixture_setup,
		    store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
