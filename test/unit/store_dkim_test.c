/*
 * store_dkim_test: DKIM keys in a real SQLite store: add (duplicates,
 * unknown domain, case), list order and filtering, activation retiring
 * the other active key of the same algorithm only, removal, and keys
 * going away with their domain.
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

#include <fcntl.h>

#include <sqlite3.h>

#include "lib/buf.h"
#include "queue/sign.h"
#include "store/store.h"
#include "store_fixture.h"

#define NKEYS_MAX	16

struct seen {
	size_t			n;
	struct store_dkim_key	k[NKEYS_MAX];
};

static struct store *
open_store(void)
{
	struct store	*st = store_fixture_open();

	return st;
}

static int
collect(const struct store_dkim_key *k, void *arg)
{
	struct seen	*s = arg;

	if (s->n == NKEYS_MAX)
		return 1;
	s->k[s->n++] = *k;
	return 0;
}

static int
add(struct store *st, const char *domain, const char *sel, const char *alg,
    enum store_dkim_state state, int64_t created)
{
	struct store_dkim_key	k;

	memset(&k, 0, sizeof(k));
	snprintf(k.domain, sizeof(k.domain), "%s", domain);
	snprintf(k.selector, sizeof(k.selector), "%s", sel);
	snprintf(k.algorithm, sizeof(k.algorithm), "%s", alg);
	snprintf(k.private_key, sizeof(k.private_key), "PEM of %s", sel);
	snprintf(k.public_key, sizeof(k.public_key), "PUB%s", sel);
	k.state = state;
	k.created = created;
	return store_dkim_add(st, &k);
}

static void
list(struct store *st, const char *domain, int active, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(active ? store_dkim_active(st, domain, collect, s) :
	    store_dkim_list(st, domain, collect, s), STORE_OK);
}

static void
test_add_list(void **state)
{
	struct store	*st = open_store();
	struct seen	 s;

	assert_int_equal(store_domain_add(st, "ex.test"), STORE_OK);
	assert_int_equal(store_domain_add(st, "other.test"), STORE_OK);
	assert_int_equal(add(st, "Ex.Test", "S2", "rsa-sha256",
	    STORE_DKIM_PENDING, 200), STORE_OK);
	assert_int_equal(add(st, "ex.test", "s1", "rsa-sha256",
	    STORE_DKIM_ACTIVE, 100), STORE_OK);
	assert_int_equal(add(st, "ex.test", "e1", "ed25519-sha256",
	    STORE_DKIM_ACTIVE, 300), STORE_OK);
	assert_int_equal(add(st, "other.test", "s1", "rsa-sha256",
	    STORE_DKIM_ACTIVE, 50), STORE_OK);
	/* the same selector twice in a domain, case-insensitively */
	assert_int_equal(add(st, "ex.test", "s2", "ed25519-sha256",
	    STORE_DKIM_PENDING, 1), STORE_EXISTS);
	assert_int_equal(add(st, "nowhere.test", "s1", "rsa-sha256",
	    STORE_DKIM_ACTIVE, 1), STORE_NOTFOUND);
	assert_int_equal(add(st, "ex.test", "", "rsa-sha256",
	    STORE_DKIM_ACTIVE, 1), STORE_INVALID);

	list(st, "EX.test", 0, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.k[0].selector, "s1");	/* oldest first */
	assert_string_equal(s.k[1].selector, "s2");
	assert_string_equal(s.k[2].selector, "e1");
	assert_string_equal(s.k[0].domain, "ex.test");
	assert_string_equal(s.k[0].private_key, "PEM of s1");
	assert_string_equal(s.k[0].public_key, "PUBs1");
	assert_string_equal(s.k[2].algorithm, "ed25519-sha256");
	assert_int_equal(s.k[1].state, STORE_DKIM_PENDING);
	assert_int_equal(s.k[1].created, 200);
	list(st, NULL, 0, &s);
	assert_int_equal(s.n, 4);
	list(st, "ex.test", 1, &s);
	assert_int_equal(s.n, 2);
	list(st, "nowhere.test", 0, &s);
	assert_int_equal(s.n, 0);
	store_close(st);
}

static void
test_activate_remove(void **state)
{
	struct store	*st = open_store();
	struct seen	 s;

	assert_int_equal(store_domain_add(st, "ex.test"), STORE_OK);
	assert_int_equal(store_domain_add(st, "other.test"), STORE_OK);
	assert_int_equal(add(st, "ex.test", "r1", "rsa-sha256",
	    STORE_DKIM_ACTIVE, 100), STORE_OK);
	assert_int_equal(add(st, "ex.test", "e1", "ed25519-sha256",
	    STORE_DKIM_ACTIVE, 110), STORE_OK);
	assert_int_equal(add(st, "ex.test", "r2", "rsa-sha256",
	    STORE_DKIM_PENDING, 120), STORE_OK);
	assert_int_equal(add(st, "other.test", "r1", "rsa-sha256",
	    STORE_DKIM_ACTIVE, 100), STORE_OK);

	assert_int_equal(store_dkim_activate(st, "ex.test", "R2"), STORE_OK);
	list(st, "ex.test", 0, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.k[0].state, STORE_DKIM_RETIRED);	/* r1 */
	assert_int_equal(s.k[1].state, STORE_DKIM_ACTIVE);	/* e1 kept */
	assert_int_equal(s.k[2].state, STORE_DKIM_ACTIVE);	/* r2 */
	list(st, "other.test", 1, &s);		/* other domains untouched */
	assert_int_equal(s.n, 1);
	/* activating the active key again changes nothing */
	assert_int_equal(store_dkim_activate(st, "ex.test", "r2"), STORE_OK);
	list(st, "ex.test", 1, &s);
	assert_int_equal(s.n, 2);
	/* a retired key may come back; the current one retires */
	assert_int_equal(store_dkim_activate(st, "ex.test", "r1"), STORE_OK);
	list(st, "ex.test", 1, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.k[0].selector, "r1");
	assert_int_equal(store_dkim_activate(st, "ex.test", "nope"),
	    STORE_NOTFOUND);
	assert_int_equal(store_dkim_activate(st, "nowhere.test", "r1"),
	    STORE_NOTFOUND);

	assert_int_equal(store_dkim_remove(st, "ex.test", "r2"), STORE_OK);
	assert_int_equal(store_dkim_remove(st, "ex.test", "r2"),
	    STORE_NOTFOUND);
	assert_int_equal(store_dkim_remove(st, "nowhere.test", "r1"),
	    STORE_NOTFOUND);
	list(st, "ex.test", 0, &s);
	assert_int_equal(s.n, 2);
	/* keys go with their domain */
	assert_int_equal(store_domain_remove(st, "ex.test"), STORE_OK);
	list(st, NULL, 0, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.k[0].domain, "other.test");
	store_close(st);
}

/*
 * Signing needs the keys: with no store, or a store that fails, it says
 * so (-2: the message must wait), and never answers as for a domain
 * without keys (0: send unsigned).
 */
static void
test_sign_waits_for_the_store(void **state)
{
	static const char	 msg[] = "From: u@a.test\r\nSubject: x\r\n"
				    "\r\nbody\r\n";
	struct store		*st;
	struct buf		 b;
	sqlite3			*db;
	char			 path[160];
	int			 fd;

	(void)state;
	st = store_fixture_open();
	assert_int_equal(store_domain_add(st, "a.test"), STORE_OK);
	snprintf(path, sizeof(path), "%s/msg", store_fixture_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, msg, sizeof(msg) - 1), sizeof(msg) - 1);
	buf_init(&b, 64 * 1024);
	/* no key for the domain: nothing to add, go */
	assert_int_equal(sign_message(st, "id", "u@a.test", fd,
	    0, sizeof(msg) - 1, 1000000, &b), 0);
	assert_int_equal(b.len, 0);
	/* a bounce (no sender domain): unsigned, as ever */
	assert_int_equal(sign_message(st, "id", "", fd, 0,
	    sizeof(msg) - 1, 1000000, &b), -1);
	/* no store: wait */
	assert_int_equal(sign_message(NULL, "id", "u@a.test", fd,
	    0, sizeof(msg) - 1, 1000000, &b), -2);
	/* a store that fails (the table gone under it): wait */
	if (store_fixture_pg() == NULL) {
		snprintf(path, sizeof(path), "%s/db/postern.db",
		    store_fixture_dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "DROP TABLE dkim_key", NULL,
		    NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		assert_int_equal(sign_message(st, "id", "u@a.test", fd,
		    0, sizeof(msg) - 1, 1000000, &b), -2);
	}
	buf_free(&b);
	close(fd);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_list, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_activate_remove, store_fixture_setup,
		    store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sign_waits_for_the_store,
		    store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
