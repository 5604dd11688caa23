/*
 * store_test: the account store against a real SQLite file: migration
 * from the first schema, the lockout policy at exact times, aliases and
 * sender ownership, and sent counts.
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
#include <sqlite3.h>

#include "store.h"
#include "store_fixture.h"
#include "store_int.h"

static struct store *
open_store(void)
{
	struct store	*st = store_fixture_open();

	return st;
}

/* A database made by the first released schema opens and keeps its data. */
static void
test_migration_from_v1(void **state)
{
	struct store_mailbox	 mb;
	struct store_domain	 d;
	struct store		*st;
	sqlite3			*db;
	char			 path[128];

	snprintf(path, sizeof(path), "%s/db/postern.db", store_fixture_dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE domain (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
	    "UNIQUE, created INTEGER NOT NULL);"
	    "CREATE TABLE mailbox (id INTEGER PRIMARY KEY, domain_id INTEGER "
	    "NOT NULL REFERENCES domain(id) ON DELETE CASCADE, address TEXT "
	    "NOT NULL UNIQUE, password_hash TEXT NOT NULL, created INTEGER "
	    "NOT NULL);"
	    "INSERT INTO domain VALUES(1, 'old.test', 100);"
	    "INSERT INTO mailbox VALUES(1, 1, 'a@old.test', '$argon2id$x', 100);"
	    "PRAGMA user_version=1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store();
	assert_int_equal(store_mailbox_get(st, "A@Old.Test", &mb), STORE_OK);
	assert_string_equal(mb.hash, "$argon2id$x");
	assert_int_equal(mb.daily_limit, 0);
	assert_int_equal(store_domain_get(st, "old.test", &d), STORE_OK);
	assert_int_equal(d.sender_policy, STORE_SENDER_MAILBOX);
	assert_int_equal(d.host_match, -1);
	assert_int_equal(d.nmailboxes, 1);
	assert_int_equal(store_alias_add(st, "b@old.test", "a@old.test"),
	    STORE_OK);
	store_close(st);
	/* and a newer schema than this binary knows is refused */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	{
		char	err[256];

		assert_null(store_open(store_fixture_dir, 0, err, sizeof(err)));
		assert_non_null(strstr(err, "newer"));
	}
}

static void
test_lockout_policy(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = { 3, 900, 1800, 4 };
	int64_t			 uu, iu, until, t = 1000000;

	/* two failures, a success, two more: no lock (count restarts) */
	store_auth_failure(st, "smtp", "u@x.test", "192.0.2.1", "wrong", 1, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "u@x.test", "192.0.2.1", "wrong", 1, t + 1, &p,
	    &uu, &iu);
	assert_int_equal(store_lock_clear(st, "u@x.test", t + 2), STORE_OK);
	store_auth_failure(st, "smtp", "u@x.test", "192.0.2.1", "wrong", 1, t + 3, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "u@x.test", "192.0.2.1", "wrong", 1, t + 4, &p,
	    &uu, &iu);
	assert_int_equal(uu, 0);
	/* the third within the window locks, case-insensitively */
	store_auth_failure(st, "smtp", "U@X.TEST", "192.0.2.1", "wrong", 1, t + 5, &p,
	    &uu, &iu);
	assert_int_equal(uu, t + 5 + 1800);
	assert_int_equal(store_lock_get(st, "u@x.test", t + 6, &until),
	    STORE_OK);
	assert_int_equal(until, t + 5 + 1800);
	assert_int_equal(store_lock_get(st, "u@x.test", t + 5 + 1800, &until),
	    STORE_OK);
	assert_int_equal(until, 0);	/* expired */
	/* attempts on a locked name are recorded but do not count */
	store_auth_failure(st, "smtp", "v@x.test", "192.0.2.2", "locked", 0, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "v@x.test", "192.0.2.2", "locked", 0, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "v@x.test", "192.0.2.2", "locked", 0, t, &p,
	    &uu, &iu);
	assert_int_equal(uu, 0);
	/* failures outside the window do not count */
	store_auth_failure(st, "smtp", "w@x.test", "192.0.2.3", "wrong", 1, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "w@x.test", "192.0.2.3", "wrong", 1, t + 1000,
	    &p, &uu, &iu);
	store_auth_failure(st, "smtp", "w@x.test", "192.0.2.3", "wrong", 1, t + 1001,
	    &p, &uu, &iu);
	assert_int_equal(uu, 0);
	/* one client, four distinct usernames: the client is locked */
	store_auth_failure(st, "smtp", "a@y.test", "198.51.100.7", "wrong", 1, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "a@y.test", "198.51.100.7", "wrong", 1, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "b@y.test", "198.51.100.7", "wrong", 1, t, &p,
	    &uu, &iu);
	store_auth_failure(st, "smtp", "c@y.test", "198.51.100.7", "wrong", 1, t, &p,
	    &uu, &iu);
	assert_int_equal(iu, 0);
	store_auth_failure(st, "smtp", "d@y.test", "198.51.100.7", "wrong", 1, t, &p,
	    &uu, &iu);
	assert_int_equal(iu, t + 1800);
	assert_int_equal(store_ip_lock_get(st, "198.51.100.7", t + 1, &until),
	    STORE_OK);
	assert_int_equal(until, t + 1800);
	assert_int_equal(store_ip_lock_get(st, "198.51.100.8", t + 1, &until),
	    STORE_OK);
	assert_int_equal(until, 0);
	store_close(st);
}

static int
count_failure(const struct store_failure *f, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* Rows in the sent table, through the backend as store.c runs it. */
static int
count_row(const struct store_val *v, size_t n, void *arg)
{
	*(int64_t *)arg = n > 0 ? v[0].i : -1;
	return 1;
}

static int64_t
count_rows(struct store *st)
{
	int64_t	rows = -1;

	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM sent", "");
	return rows;
}

static int64_t
count_domains(struct store *st)
{
	int64_t	rows = -1;

	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM domain",
	    "");
	return rows;
}

static void
test_accounts_aliases_senders_sent(void **state)
{
	struct store	*st = open_store();
	uint64_t	 n;
	int64_t		 oldest;
	int		 nf = 0;

	assert_int_equal(store_domain_add(st, "Ex.Test"), STORE_OK);
	assert_int_equal(store_domain_add(st, "ex.test"), STORE_EXISTS);
	assert_int_equal(store_mailbox_add(st, "a@ex.test", "h"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, "a@nowhere.test", "h"),
	    STORE_NOTFOUND);
	assert_int_equal(store_alias_add(st, "sales@ex.test", "a@ex.test"),
	    STORE_OK);
	assert_int_equal(store_mailbox_add(st, "sales@ex.test", "h"),
	    STORE_EXISTS);
	assert_int_equal(store_alias_add(st, "x@ex.test", "nobody@ex.test"),
	    STORE_NOTFOUND);
	assert_int_equal(store_address_exists(st, "SALES@ex.test"), STORE_OK);
	assert_int_equal(store_sender_allowed(st, "a@ex.test", "A@EX.TEST"),
	    STORE_OK);
	assert_int_equal(store_sender_allowed(st, "a@ex.test",
	    "sales@ex.test"), STORE_OK);
	assert_int_equal(store_sender_allowed(st, "a@ex.test", "b@ex.test"),
	    STORE_NOTFOUND);
	assert_int_equal(store_domain_set(st, "ex.test", "sender_policy",
	    "domain"), STORE_OK);
	assert_int_equal(store_sender_allowed(st, "a@ex.test", "b@ex.test"),
	    STORE_OK);
	assert_int_equal(store_sender_allowed(st, "a@ex.test", "b@other.test"),
	    STORE_NOTFOUND);
	assert_int_equal(store_domain_set(st, "ex.test", "bogus", "1"),
	    STORE_INVALID);
	assert_int_equal(store_sent_add(st, "a@ex.test", 3, 5000), STORE_OK);
	assert_int_equal(store_sent_add(st, "a@ex.test", 1, 5030), STORE_OK);
	assert_int_equal(store_sent_add(st, "a@ex.test", 2, 9000), STORE_OK);
	assert_int_equal(store_sent_count(st, "a@ex.test", 4000, &n, &oldest),
	    STORE_OK);
	assert_int_equal(n, 6);
	/* counted per minute: the oldest is the start of its minute */
	assert_int_equal(oldest, 4980);
	assert_int_equal(store_sent_count(st, "a@ex.test", 6000, &n, &oldest),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count_rows(st), 2);	/* 5000 and 5030 share one */
	store_auth_failure(st, "smtp", "a@ex.test", "192.0.2.1", "wrong", 1, 10,
	    &(struct store_policy){ 5, 900, 1800, 10 }, &oldest, &oldest);
	assert_int_equal(store_failure_list(st, "a@ex.test", 10,
	    count_failure, &nf), STORE_OK);
	assert_int_equal(nf, 1);
	/* removing the domain takes its mailboxes and aliases along */
	assert_int_equal(store_domain_remove(st, "ex.test"), STORE_OK);
	assert_int_equal(store_address_exists(st, "sales@ex.test"),
	    STORE_NOTFOUND);
	assert_int_equal(store_domain_remove(st, "ex.test"), STORE_NOTFOUND);
	store_close(st);
}

/* Nested: every row of the outer query runs the same query again. */
#define NEST_SQL "SELECT count(*) FROM domain WHERE name >= ? GROUP BY name"
struct nest {
	struct store	*st;
	int64_t		 outer, inner;
};

static int
nest_row(const struct store_val *v, size_t n, void *arg)
{
	struct nest	*ns = arg;
	int64_t		 rows = -1;

	ns->outer++;
	assert_int_equal(store_sq(ns->st, count_row, &rows, NULL,
	    NEST_SQL, "s", ""), STORE_OK);
	ns->inner += rows;
	return 0;
}

/*
 * Prepared statements are kept and reused: the same query many times,
 * more distinct queries than the cache holds, a query run again from
 * inside its own row callback, bindings that change between runs, and
 * a failing statement that leaves the next one unharmed.
 */
static void
test_statement_cache(void **state)
{
	struct store	*st = open_store();
	struct nest	 ns = { st, 0, 0 };
	char		 sql[128];
	int64_t		 rows;
	int		 i;

	assert_int_equal(store_domain_add(st, "a.test"), STORE_OK);
	assert_int_equal(store_domain_add(st, "b.test"), STORE_OK);
	for (i = 0; i < 100; i++) {
		rows = -1;
		assert_int_equal(store_sq(st, count_row, &rows, NULL,
		    "SELECT count(*) FROM domain WHERE name >= ?", "s",
		    i % 2 ? "b" : "a"), STORE_OK);
		assert_int_equal(rows, i % 2 ? 1 : 2);
	}
	for (i = 0; i < 80; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) + %d FROM domain",
		    i);
		rows = -1;
		assert_int_equal(store_sq(st, count_row, &rows, NULL, sql, ""),
		    STORE_OK);
		assert_int_equal(rows, 2 + i);
	}
	assert_int_equal(store_sq(st, nest_row, &ns, NULL, NEST_SQL, "s", ""),
	    STORE_OK);
	assert_int_equal(ns.outer, 2);	/* two groups of one */
	assert_int_equal(ns.inner, 2);	/* the first group's count, twice */
	assert_int_equal(store_domain_add(st, "a.test"), STORE_EXISTS);
	assert_int_equal(store_domain_add(st, "c.test"), STORE_OK);
	assert_int_equal(count_domains(st), 3);
	store_close(st);
}

/* A login with no failure and no lock to forget writes no row. */
static void
test_lock_clear_writes_only_when_needed(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = { 3, 900, 1800, 4 };
	int64_t			 uu, iu, rows = -1, t = 1000000;

	assert_int_equal(store_lock_clear(st, "v@x.test", t), STORE_OK);
	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM auth_lock",
	    "");
	assert_int_equal(rows, 0);
	store_auth_failure(st, "smtp", "v@x.test", "192.0.2.1", "wrong", 1, t + 1, &p,
	    &uu, &iu);
	assert_int_equal(store_lock_clear(st, "v@x.test", t + 2), STORE_OK);
	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM auth_lock "
	    "WHERE counted_from = ?", "i", t + 3);
	assert_int_equal(rows, 1);
	/* forgotten now: the next clear changes nothing */
	assert_int_equal(store_lock_clear(st, "v@x.test", t + 9), STORE_OK);
	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM auth_lock "
	    "WHERE counted_from = ?", "i", t + 3);
	assert_int_equal(rows, 1);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migration_from_v1, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lockout_policy, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_accounts_aliases_senders_sent,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_lock_clear_writes_only_when_needed,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
