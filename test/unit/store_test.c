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

#include "store/store.h"
#include "store_fixture.h"
#include "store/store_int.h"

/* The plain lock (no familiar networks), and the familiar-client rule
   as postern.conf's defaults give it (30 days, exact addresses). */
#define PLAIN(limit, window, lock, ip)					\
	{ .fail_limit = (limit), .fail_window = (window),		\
	    .lock_time = (lock), .ip_fail_limit = (ip) }
#define DAYS		86400
#define FAMILIAR(limit, v4, v6)						\
	{ .fail_limit = (limit), .fail_window = 900, .lock_time = 1800,	\
	    .ip_fail_limit = 100, .familiar_time = 30 * DAYS,		\
	    .familiar_v4 = (v4), .familiar_v6 = (v6) }

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

	if (store_fixture_pg() != NULL)
		skip();	/* SQLite's own file */

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
	struct store_policy	 p = PLAIN(3, 900, 1800, 4);
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

/* Failures of one username from one client, at t, t + 1, ... */
static int64_t
fail_n(struct store *st, const char *user, const char *client, int n,
    int64_t t, const struct store_policy *p)
{
	int64_t	uu = 0, iu, last = 0;
	int	i;

	for (i = 0; i < n; i++) {
		assert_int_equal(store_auth_failure(st, "smtp", user, client,
		    "wrong password", 1, t + i, p, &uu, &iu), STORE_OK);
		if (uu > 0)
			last = uu;
	}
	return last;
}

/* The lock a client is under (0 none); its familiar network in net. */
static int64_t
lock_of(struct store *st, const char *user, const char *client, int64_t now,
    const struct store_policy *p, char *net, int *all)
{
	struct store_source	src;

	assert_int_equal(store_source_lock(st, user, client, now, p, &src),
	    STORE_OK);
	if (net != NULL)
		strcpy(net, src.network);
	if (all != NULL)
		*all = src.all;
	return src.locked_until;
}

static int64_t
table_rows(struct store *st, const char *sql)
{
	int64_t	rows = -1;

	assert_int_equal(store_sq(st, count_row, &rows, NULL, sql, ""),
	    STORE_OK);
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
	    &(struct store_policy)PLAIN(5, 900, 1800, 10), &oldest, &oldest);
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

/*
 * A login with no failure and no lock to forget writes no row (with the
 * plain lock; test_familiar_bounded has the familiar case).
 */
static void
test_login_writes_only_when_needed(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = PLAIN(3, 900, 1800, 4);
	int64_t			 uu, iu, rows = -1, t = 1000000;

	assert_int_equal(store_login_ok(st, "v@x.test", "192.0.2.1", t, &p),
	    STORE_OK);
	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM auth_lock",
	    "");
	assert_int_equal(rows, 0);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_familiar"),
	    0);
	store_auth_failure(st, "smtp", "v@x.test", "192.0.2.1", "wrong", 1,
	    t + 1, &p, &uu, &iu);
	assert_int_equal(store_login_ok(st, "v@x.test", "192.0.2.1", t + 2,
	    &p), STORE_OK);
	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM auth_lock "
	    "WHERE counted_from = ?", "i", t + 2);
	assert_int_equal(rows, 1);
	/* forgotten now: the next login changes nothing */
	assert_int_equal(store_login_ok(st, "v@x.test", "192.0.2.1", t + 9,
	    &p), STORE_OK);
	store_sq(st, count_row, &rows, NULL, "SELECT count(*) FROM auth_lock "
	    "WHERE counted_from = ?", "i", t + 2);
	assert_int_equal(rows, 1);
	store_close(st);
}

/*
 * The case: failures from elsewhere lock every unfamiliar source
 * but not the network the owner logged in from; the owner's logins do
 * not lift that lock; a familiar network's own failures lock only it.
 */
static void
test_familiar_rule(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = FAMILIAR(3, 0, 0);
	struct store_policy	 off = PLAIN(3, 900, 1800, 100);
	const char		*u = "u@x.test";
	char			 net[64];
	int64_t			 t = 1000000, until, v;
	int			 all;

	assert_int_equal(store_login_ok(st, "U@X.test", "192.0.2.1", t, &p),
	    STORE_OK);
	assert_int_equal(lock_of(st, u, "192.0.2.1", t, &p, net, NULL), 0);
	assert_string_equal(net, "192.0.2.1");
	assert_int_equal(lock_of(st, u, "192.0.2.2", t, &p, net, NULL), 0);
	assert_string_equal(net, "");		/* exact address by default */
	/* an attacker's third guess locks the unfamiliar sources */
	until = fail_n(st, u, "198.51.100.9", 3, t + 10, &p);
	assert_int_equal(until, t + 12 + 1800);
	assert_int_equal(lock_of(st, u, "198.51.100.9", t + 20, &p, NULL,
	    &all), until);
	assert_int_equal(all, 0);
	assert_int_equal(lock_of(st, u, "203.0.113.5", t + 20, &p, NULL,
	    NULL), until);
	assert_int_equal(store_lock_get(st, u, t + 20, &v), STORE_OK);
	assert_int_equal(v, until);
	/* but not the owner's network */
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 20, &p, net, NULL),
	    0);
	assert_string_equal(net, "192.0.2.1");
	/* whose logins leave the attacker's lock in place */
	assert_int_equal(store_login_ok(st, u, "192.0.2.1", t + 21, &p),
	    STORE_OK);
	assert_int_equal(lock_of(st, u, "203.0.113.5", t + 22, &p, NULL,
	    NULL), until);
	/* with the rule off, one lock for all, as before */
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 22, &off, net, NULL),
	    until);
	assert_string_equal(net, "");
	/* the familiar network's own failures lock it alone */
	assert_int_equal(fail_n(st, u, "192.0.2.1", 2, t + 30, &p), 0);
	v = fail_n(st, u, "192.0.2.1", 1, t + 32, &p);
	assert_int_equal(v, t + 32 + 1800);
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 33, &p, net, &all),
	    v);
	assert_string_equal(net, "192.0.2.1");
	assert_int_equal(all, 0);
	assert_int_equal(lock_of(st, u, "203.0.113.5", t + 33, &p, NULL,
	    NULL), until);			/* its own, unchanged */
	/* the administrator's unlock lifts both, keeps the network familiar */
	assert_int_equal(store_lock_clear(st, u, t + 40), STORE_OK);
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 41, &p, net, NULL),
	    0);
	assert_string_equal(net, "192.0.2.1");
	assert_int_equal(lock_of(st, u, "203.0.113.5", t + 41, &p, NULL,
	    NULL), 0);
	/* and the administrator's lock holds for every source */
	assert_int_equal(store_lock_set(st, u, t + 5000), STORE_OK);
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 42, &p, NULL, &all),
	    t + 5000);
	assert_int_equal(all, 1);
	assert_int_equal(lock_of(st, u, "203.0.113.5", t + 42, &p, NULL,
	    &all), t + 5000);
	assert_int_equal(all, 1);
	assert_int_equal(store_lock_clear(st, u, t + 43), STORE_OK);
	/* a login keeps a network familiar for familiar_time, no longer
	   (the login at t + 21 came within the hour: last_login is t) */
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 30 * DAYS, &p,
	    net, NULL), 0);
	assert_string_equal(net, "192.0.2.1");
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 1 + 30 * DAYS, &p,
	    net, NULL), 0);
	assert_string_equal(net, "");
	/* unknown usernames and non-addresses: never familiar */
	assert_int_equal(lock_of(st, "ghost@x.test", "192.0.2.1", t, &p, net,
	    NULL), 0);
	assert_string_equal(net, "");
	assert_int_equal(store_login_ok(st, u, "local", t + 50, &p),
	    STORE_OK);
	assert_int_equal(lock_of(st, u, "local", t + 51, &p, net, NULL), 0);
	assert_string_equal(net, "");
	store_close(st);
}

/*
 * A success forgets the failures of the lock that judged it: a client
 * not yet familiar, the unfamiliar sources' (as the plain lock always
 * did); a familiar network, only its own.
 */
static void
test_success_forgets_its_own_source(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = FAMILIAR(3, 0, 0);
	const char		*u = "u@x.test";
	int64_t			 t = 1000000, v, iu;

	assert_int_equal(store_login_ok(st, u, "192.0.2.1", t, &p),
	    STORE_OK);
	/* two guesses, the owner logs in, a third guess: locked */
	assert_int_equal(fail_n(st, u, "198.51.100.9", 2, t + 10, &p), 0);
	assert_int_equal(store_login_ok(st, u, "192.0.2.1", t + 20, &p),
	    STORE_OK);
	assert_int_equal(fail_n(st, u, "198.51.100.9", 1, t + 30, &p),
	    t + 30 + 1800);
	assert_int_equal(store_lock_clear(st, u, t + 40), STORE_OK);
	/* two guesses, a new network logs in: the count starts over */
	assert_int_equal(fail_n(st, u, "198.51.100.9", 2, t + 50, &p), 0);
	assert_int_equal(store_login_ok(st, u, "192.0.2.50", t + 60, &p),
	    STORE_OK);
	assert_int_equal(fail_n(st, u, "198.51.100.9", 2, t + 70, &p), 0);
	/* a familiar network's success forgets its own failures only */
	assert_int_equal(fail_n(st, u, "192.0.2.1", 2, t + 80, &p), 0);
	assert_int_equal(store_login_ok(st, u, "192.0.2.1", t + 90, &p),
	    STORE_OK);
	assert_int_equal(fail_n(st, u, "192.0.2.1", 2, t + 100, &p), 0);
	assert_int_equal(fail_n(st, u, "198.51.100.9", 1, t + 110, &p),
	    t + 110 + 1800);
	/* guesses in the very second of a login count (times are seconds) */
	assert_int_equal(store_login_ok(st, u, "192.0.2.7", t + 200, &p),
	    STORE_OK);
	assert_int_equal(store_auth_failure(st, "smtp", u, "192.0.2.7", "x",
	    1, t + 200, &p, &v, &iu), STORE_OK);
	assert_int_equal(store_auth_failure(st, "smtp", u, "192.0.2.7", "x",
	    1, t + 200, &p, &v, &iu), STORE_OK);
	assert_int_equal(store_auth_failure(st, "smtp", u, "192.0.2.7", "x",
	    1, t + 200, &p, &v, &iu), STORE_OK);
	assert_int_equal(v, t + 200 + 1800);
	store_close(st);
}

/* auth_familiar_prefix: one login makes its whole network familiar. */
static void
test_familiar_prefix(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = FAMILIAR(2, 24, 64);
	const char		*u = "u@x.test";
	char			 net[64];
	int64_t			 t = 1000000, until;

	assert_int_equal(store_login_ok(st, u, "192.0.2.1", t, &p),
	    STORE_OK);
	assert_int_equal(store_login_ok(st, u, "2001:db8:1:2::7", t, &p),
	    STORE_OK);
	until = fail_n(st, u, "192.0.3.1", 2, t + 1, &p);
	assert_true(until > 0);
	assert_int_equal(lock_of(st, u, "192.0.2.200", t + 5, &p, net, NULL),
	    0);
	assert_string_equal(net, "192.0.2.0/24");
	assert_int_equal(lock_of(st, u, "::ffff:192.0.2.9", t + 5, &p, net,
	    NULL), 0);
	assert_string_equal(net, "192.0.2.0/24");
	assert_int_equal(lock_of(st, u, "2001:db8:1:2:ffff::1", t + 5, &p,
	    net, NULL), 0);
	assert_string_equal(net, "2001:db8:1:2::/64");
	assert_int_equal(lock_of(st, u, "2001:db8:1:3::1", t + 5, &p, net,
	    NULL), until);
	assert_int_equal(lock_of(st, u, "192.0.3.77", t + 5, &p, net, NULL),
	    until);
	/* a failure from inside the network counts against the network */
	assert_int_equal(fail_n(st, u, "192.0.2.33", 2, t + 10, &p),
	    t + 11 + 1800);
	assert_int_equal(lock_of(st, u, "192.0.2.1", t + 12, &p, net, NULL),
	    t + 11 + 1800);
	assert_string_equal(net, "192.0.2.0/24");
	assert_int_equal(lock_of(st, u, "2001:db8:1:2::7", t + 12, &p, NULL,
	    NULL), 0);
	store_close(st);
}

static int
familiar_row(const struct store_familiar *f, void *arg)
{
	char	(*nets)[64] = arg;
	size_t	i;

	for (i = 0; nets[i][0] != '\0'; i++)
		;
	snprintf(nets[i], sizeof(nets[i]), "%s", f->network);
	nets[i + 1][0] = '\0';
	return 0;
}

/*
 * At most STORE_FAMILIAR_MAX networks per mailbox: the least recently
 * used goes; expired ones go; a login within the hour writes nothing; a
 * new password and removing the mailbox forget them all.
 */
static void
test_familiar_bounded(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = FAMILIAR(3, 0, 0);
	const char		*u = "a@x.test";
	char			 nets[STORE_FAMILIAR_MAX + 8][64], ip[32];
	int64_t			 t = 1000000, v;
	int			 i;

	assert_int_equal(store_domain_add(st, "x.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, u, "h"), STORE_OK);
	for (i = 0; i < STORE_FAMILIAR_MAX + 5; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", i);
		assert_int_equal(store_login_ok(st, u, ip, t + i, &p),
		    STORE_OK);
	}
	/* 10.0.0.0 logs in again: now the most recent, it stays */
	assert_int_equal(store_login_ok(st, u, "10.0.0.0", t + 4000, &p),
	    STORE_OK);
	assert_int_equal(store_login_ok(st, u, "10.0.0.99", t + 4001, &p),
	    STORE_OK);
	nets[0][0] = '\0';
	assert_int_equal(store_familiar_list(st, u, 0, familiar_row, nets),
	    STORE_OK);
	for (i = 0; nets[i][0] != '\0'; i++)
		;
	assert_int_equal(i, STORE_FAMILIAR_MAX);
	assert_string_equal(nets[0], "10.0.0.99");
	assert_string_equal(nets[1], "10.0.0.0");
	assert_string_equal(nets[2], "10.0.0.36");
	assert_string_equal(nets[STORE_FAMILIAR_MAX - 1], "10.0.0.7");
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_familiar"),
	    STORE_FAMILIAR_MAX);
	/* again within the hour: nothing written; after it: refreshed */
	assert_int_equal(store_login_ok(st, u, "10.0.0.99", t + 4001 +
	    STORE_FAMILIAR_REFRESH - 1, &p), STORE_OK);
	v = table_rows(st, "SELECT max(last_login) FROM auth_familiar");
	assert_int_equal(v, t + 4001);
	assert_int_equal(store_login_ok(st, u, "10.0.0.99", t + 4001 +
	    STORE_FAMILIAR_REFRESH + 1, &p), STORE_OK);
	v = table_rows(st, "SELECT max(last_login) FROM auth_familiar");
	assert_int_equal(v, t + 4001 + STORE_FAMILIAR_REFRESH + 1);
	/* a month later, a new network's login drops the expired */
	assert_int_equal(store_login_ok(st, u, "10.0.1.1", t + 4002 + 30 *
	    DAYS, &p), STORE_OK);
	nets[0][0] = '\0';
	assert_int_equal(store_familiar_list(st, u, 0, familiar_row, nets),
	    STORE_OK);
	assert_string_equal(nets[0], "10.0.1.1");
	assert_string_equal(nets[1], "10.0.0.99");
	assert_string_equal(nets[2], "");
	/* listing from a time shows only those familiar since then */
	nets[0][0] = '\0';
	assert_int_equal(store_familiar_list(st, u, t + 4002 + 30 * DAYS,
	    familiar_row, nets), STORE_OK);
	assert_string_equal(nets[1], "");
	/* a new password: the old one vouches for no network */
	assert_int_equal(store_mailbox_set_hash(st, u, "h2"), STORE_OK);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_familiar"),
	    0);
	assert_int_equal(store_login_ok(st, u, "10.0.1.1", t + 5000 + 30 *
	    DAYS, &p), STORE_OK);
	assert_int_equal(store_mailbox_remove(st, u), STORE_OK);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_familiar"),
	    0);
	/* and so does removing its domain */
	assert_int_equal(store_mailbox_add(st, u, "h"), STORE_OK);
	assert_int_equal(store_login_ok(st, u, "10.0.1.1", t + 5000 + 30 *
	    DAYS, &p), STORE_OK);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_familiar"),
	    1);
	assert_int_equal(store_domain_remove(st, "x.test"), STORE_OK);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_familiar"),
	    0);
	assert_int_equal(store_domain_remove(st, "x.test"), STORE_NOTFOUND);
	store_close(st);
}

/*
 * Failed-login bookkeeping cannot grow the store without bound: an
 * attacker rotating addresses and usernames leaves at most failures_max
 * failure rows, none older than 30 days, and client locks go when they
 * end.  The newest rows, the ones locks count, are the ones kept.
 */
static void
test_failure_history_bounded(void **state)
{
	struct store		*st = open_store();
	struct store_policy	 p = PLAIN(3, 900, 1800, 4);
	char			 user[64], client[64];
	int64_t			 t = 1000000, uu, iu;
	int			 i, nf = 0;

	p.failures_max = 50;
	for (i = 0; i < 500; i++) {
		snprintf(user, sizeof(user), "u%d@x.test", i % 37);
		snprintf(client, sizeof(client), "2001:db8::%x", i);
		assert_int_equal(store_auth_failure(st, "smtp", user, client,
		    "unknown user", i % 3 != 0, t + i / 10, &p, &uu, &iu),
		    STORE_OK);
		assert_true(table_rows(st,
		    "SELECT count(*) FROM auth_failure") <= 50);
	}
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_failure"),
	    50);
	assert_int_equal(table_rows(st, "SELECT min(time) FROM auth_failure"),
	    t + 45);
	/* and a lock still sees the newest guesses */
	assert_int_equal(fail_n(st, "v@x.test", "192.0.2.1", 3, t + 60, &p),
	    t + 62 + 1800);
	/* client locks: four usernames from one address lock it */
	for (i = 0; i < 4; i++) {
		snprintf(user, sizeof(user), "w%d@x.test", i);
		fail_n(st, user, "192.0.2.99", 1, t + 70, &p);
	}
	assert_int_equal(table_rows(st, "SELECT count(*) FROM ip_lock"), 1);
	/* a month later one failure drops what is older than 30 days, and
	   the client lock that ended */
	p.failures_max = 0;
	assert_int_equal(fail_n(st, "late@x.test", "192.0.2.5", 1,
	    t + 31 * DAYS, &p), 0);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_failure"),
	    1);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM ip_lock"), 0);
	/* username lock rows with nothing left to lock or forget go too */
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_lock"), 0);
	assert_int_equal(store_failure_list(st, "late@x.test", 10,
	    count_failure, &nf), STORE_OK);
	assert_int_equal(nf, 1);
	store_close(st);
}

/*
 * Schema 9 makes the minute a key of sent: rows of an older database,
 * per second or two for one minute, are summed into their minute.
 */
static void
test_migration_merges_sent_rows(void **state)
{
	struct store	*st;
	sqlite3		*db;
	char		 path[128];
	uint64_t	 n = 0;
	int64_t		 oldest = 0;
	int		 i;

	(void)state;
	if (store_fixture_pg() != NULL)
		skip();	/* SQLite's own file */
	snprintf(path, sizeof(path), "%s/db/postern.db", store_fixture_dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < 8; i++)
		assert_int_equal(sqlite3_exec(db, store_schema_step(i), NULL,
		    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO domain(id, name, created) VALUES(1, 'a.test', 1);"
	    "INSERT INTO mailbox(id, domain_id, address, password_hash, "
	    "created) VALUES(1, 1, 'm@a.test', 'x', 1);"
	    "INSERT INTO sent VALUES(1, 6000, 2), (1, 6000, 3), (1, 6031, 4),"
	    "(1, 6060, 1);"
	    "PRAGMA user_version=8;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store();
	assert_int_equal(count_rows(st), 2);
	assert_int_equal(store_sent_count(st, "m@a.test", 0, &n, &oldest),
	    STORE_OK);
	assert_int_equal(n, 10);
	assert_int_equal(oldest, 6000);
	/* and a later count adds to its minute's row */
	assert_int_equal(store_sent_add(st, "m@a.test", 5, 6075), STORE_OK);
	assert_int_equal(count_rows(st), 2);
	assert_int_equal(store_sent_count(st, "m@a.test", 6059, &n, &oldest),
	    STORE_OK);
	assert_int_equal(n, 6);
	store_close(st);
}

/*
 * A database of schema 4 (before the familiar-client rule) is upgraded:
 * a lock it holds keeps holding for every client, as it did.
 */
static void
test_migration_keeps_locks(void **state)
{
	struct store_mailbox	 mb;
	struct store_policy	 p = FAMILIAR(3, 0, 0);
	struct store		*st;
	sqlite3			*db;
	char			 path[128];
	int64_t			 t = 1000000;
	int			 all;

	if (store_fixture_pg() != NULL)
		skip();	/* SQLite's own file */
	st = open_store();
	assert_int_equal(store_domain_add(st, "x.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, "a@x.test", "h"), STORE_OK);
	store_close(st);
	snprintf(path, sizeof(path), "%s/db/postern.db", store_fixture_dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "DROP TABLE auth_familiar;"
	    "DROP INDEX auth_failure_source;"
	    "DROP INDEX auth_lock_until;"
	    "DROP INDEX ip_lock_until;"
	    "ALTER TABLE auth_failure DROP COLUMN source;"
	    "ALTER TABLE auth_lock DROP COLUMN all_until;"
	    /* schema 7's warm-up columns */
	    "ALTER TABLE mailbox DROP COLUMN warmup_start;"
	    "ALTER TABLE mailbox DROP COLUMN warmup_first;"
	    "ALTER TABLE mailbox DROP COLUMN warmup_step;"
	    "ALTER TABLE mailbox DROP COLUMN warmup_frozen_until;"
	    "ALTER TABLE mailbox DROP COLUMN warmup_held;"
	    "ALTER TABLE mailbox DROP COLUMN warmup_resume;"
	    "ALTER TABLE mailbox DROP COLUMN warmup_downs;"
	    /* schema 8's sending health */
	    "DROP TABLE health_day;"
	    "DROP TABLE health_provider;"
	    "DROP TABLE health_outcome;"
	    "ALTER TABLE mailbox DROP COLUMN health_paused_until;"
	    "ALTER TABLE mailbox DROP COLUMN health_reason;"
	    "ALTER TABLE mailbox DROP COLUMN health_from;"
	    "ALTER TABLE mailbox DROP COLUMN health_pauses;"
	    /* schema 9's API tokens and audit log */
	    "DROP TABLE api_token;"
	    "DROP TABLE audit;"
	    /* schema 11's administrators and idempotency keys */
	    "DROP TABLE admin_user;"
	    "DROP TABLE api_idempotency;"
	    /* schema 12's daily budget holds */
	    "DROP TABLE sent_hold;"
	    "INSERT INTO auth_lock VALUES('a@x.test', 1005000, 0);"
	    "INSERT INTO auth_failure(username, client, reason, counted, "
	    "time) VALUES('a@x.test', '192.0.2.1', 'wrong', 1, 999000);"
	    "PRAGMA user_version=4;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store();
	assert_int_equal(lock_of(st, "a@x.test", "192.0.2.1", t, &p, NULL,
	    &all), 1005000);
	assert_int_equal(all, 1);
	assert_int_equal(store_mailbox_get(st, "a@x.test", &mb), STORE_OK);
	assert_int_equal(mb.locked_until, 1005000);
	assert_int_equal(mb.all_locked_until, 1005000);
	assert_int_equal(table_rows(st, "SELECT count(*) FROM auth_failure "
	    "WHERE source = ''"), 1);
	store_close(st);
}


/*
 * Issue 21: a platform that logged in to many mailboxes and fails on a
 * few (stale passwords) is not spraying: failures on mailboxes it is
 * familiar to never count toward the client lock, failures on names it
 * never logged in to do; store_client_familiar tells the connect-time
 * check that a locked client still has mailboxes to log in to.
 */
static void
test_familiar_not_spraying(void **state)
{
	struct store_policy	 p = FAMILIAR(3, 0, 0);
	struct store		*st = open_store();
	int64_t			 t = 1000000, uu, iu, until;
	char			 name[64];
	int			 i, fam;

	p.ip_fail_limit = 5;
	assert_int_equal(store_domain_add(st, "x.test"), STORE_OK);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "m%d@x.test", i);
		assert_int_equal(store_mailbox_add(st, name, "h"), STORE_OK);
		assert_int_equal(store_login_ok(st, name, "203.0.113.5", t, &p),
		    STORE_OK);
	}
	assert_int_equal(store_client_familiar(st, "203.0.113.5", t + 1, &p,
	    &fam), STORE_OK);
	assert_int_equal(fam, 1);
	assert_int_equal(store_client_familiar(st, "203.0.113.6", t + 1, &p,
	    &fam), STORE_OK);
	assert_int_equal(fam, 0);
	/* twenty familiar mailboxes fail once each: no client lock */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "m%d@x.test", i);
		assert_int_equal(store_auth_failure(st, "smtp", name,
		    "203.0.113.5", "wrong", 1, t + 10, &p, &uu, &iu),
		    STORE_OK);
		assert_int_equal(iu, 0);
	}
	assert_int_equal(store_ip_lock_get(st, "203.0.113.5", t + 11, &until),
	    STORE_OK);
	assert_int_equal(until, 0);
	/* ...but they still count against each network's own lock */
	for (i = 0; i < 2; i++)
		store_auth_failure(st, "smtp", "m0@x.test", "203.0.113.5",
		    "wrong", 1, t + 20, &p, &uu, &iu);
	assert_int_equal(uu, t + 20 + 1800);
	assert_int_equal(iu, 0);
	/* five names it never logged in to: locked */
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "stale%d@x.test", i);
		store_auth_failure(st, "smtp", name, "203.0.113.5", "wrong", 1,
		    t + 30, &p, &uu, &iu);
		assert_int_equal(iu, i < 4 ? 0 : t + 30 + 1800);
	}
	/* familiarity expires: then it is just an address */
	assert_int_equal(store_client_familiar(st, "203.0.113.5",
	    t + 31 * DAYS, &p, &fam), STORE_OK);
	assert_int_equal(fam, 0);
	/* ip_fail_limit 0 (a trusted client): never client-locked */
	p.ip_fail_limit = 0;
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "u%d@x.test", i);
		store_auth_failure(st, "smtp", name, "198.51.100.9", "wrong", 1,
		    t, &p, &uu, &iu);
		assert_int_equal(iu, 0);
	}
	assert_int_equal(store_ip_lock_get(st, "198.51.100.9", t + 1, &until),
	    STORE_OK);
	assert_int_equal(until, 0);
	store_close(st);
}

/* A domain goes only while it has no mailbox and no alias: one
   statement, so a mailbox added meanwhile keeps it. */
static void
test_domain_remove_empty(void **state)
{
	struct store	*st = open_store();

	(void)state;
	assert_int_equal(store_domain_add(st, "full.test"), STORE_OK);
	assert_int_equal(store_domain_add(st, "empty.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(st, "a@full.test", "h"), STORE_OK);
	assert_int_equal(store_domain_remove_empty(st, "full.test"),
	    STORE_EXISTS);
	assert_int_equal(store_domain_exists(st, "full.test"), STORE_OK);
	assert_int_equal(store_domain_remove_empty(st, "EMPTY.test"),
	    STORE_OK);
	assert_int_equal(store_domain_exists(st, "empty.test"),
	    STORE_NOTFOUND);
	assert_int_equal(store_domain_remove_empty(st, "none.test"),
	    STORE_NOTFOUND);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domain_remove_empty,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lockout_policy, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_accounts_aliases_senders_sent,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_login_writes_only_when_needed,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_familiar_rule,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_success_forgets_its_own_source,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_familiar_prefix,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_familiar_bounded,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_failure_history_bounded,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_migration_merges_sent_rows, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_migration_keeps_locks,
		    store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_familiar_not_spraying,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
