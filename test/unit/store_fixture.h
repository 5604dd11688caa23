/*
 * store_fixture: a scratch data directory with an empty db/ for the
 * store's unit tests (store_test, store_dkim_test, store_suppress_test,
 * store_health_test, store_warmup_test).  cmocka setup/teardown per
 * test; store_fixture_open() creates the database there, failing the
 * test if it cannot.
 *
 * With POSTERN_TEST_PG set (a libpq URI, and its password in the file
 * POSTERN_TEST_PG_PASSWORD_FILE: test/integration/pgserver.py, which
 * `make unit` runs) the same tests run on PostgreSQL instead: each setup
 * empties that database (its public schema), so every test starts from
 * no schema at all, as it does on SQLite.  Tests of SQLite's own files
 * skip there (store_fixture_pg()).
 */
#ifndef POSTERN_STORE_FIXTURE_H
#define POSTERN_STORE_FIXTURE_H

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store/store.h"

static char	store_fixture_dir[64];

/* The PostgreSQL URI the tests run on, or NULL for SQLite. */
static inline const char *
store_fixture_pg(void)
{
	const char	*uri = getenv("POSTERN_TEST_PG");

	return uri != NULL && uri[0] != '\0' ? uri : NULL;
}

/* Drop everything of the last test: the public schema, made anew. */
static inline void
store_fixture_pg_reset(const char *uri)
{
	const char	*keys[] = { "dbname", "password", NULL };
	const char	*vals[3] = { uri, NULL, NULL };
	const char	*pwf = getenv("POSTERN_TEST_PG_PASSWORD_FILE");
	char		 pass[256] = "";
	FILE		*fp;
	PGconn		*c;
	PGresult	*r;

	if (pwf != NULL && (fp = fopen(pwf, "r")) != NULL) {
		if (fgets(pass, sizeof(pass), fp) == NULL)
			pass[0] = '\0';
		fclose(fp);
		pass[strcspn(pass, "\n")] = '\0';
		vals[1] = pass;
	}
	c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("PostgreSQL %s: %s", uri, PQerrorMessage(c));
	r = PQexec(c, "SET client_min_messages = warning; "
	    "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("PostgreSQL reset: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	store_configure(uri, pwf, 10000);
}

static inline int
store_fixture_setup(void **state)
{
	char	db[96];

	(void)state;
	snprintf(store_fixture_dir, sizeof(store_fixture_dir),
	    "/tmp/postern-store-XXXXXX");
	assert_non_null(mkdtemp(store_fixture_dir));
	snprintf(db, sizeof(db), "%s/db", store_fixture_dir);
	assert_int_equal(mkdir(db, 0700), 0);
	if (store_fixture_pg() != NULL)
		store_fixture_pg_reset(store_fixture_pg());
	return 0;
}

static inline int
store_fixture_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", store_fixture_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static inline struct store *
store_fixture_open(void)
{
	char		 err[256];
	struct store	*st = store_open(store_fixture_dir, 1, err,
	    sizeof(err));

	if (st == NULL)
		fail_msg("store_open: %s", err);
	return st;
}

#endif
