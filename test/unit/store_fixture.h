/*
 * store_fixture: a scratch data directory with an empty db/ for the
 * store's unit tests (store_test, store_dkim_test, store_suppress_test).
 * cmocka setup/teardown per test; store_fixture_open() creates the
 * database there, failing the test if it cannot.
 */
#ifndef POSTERN_STORE_FIXTURE_H
#define POSTERN_STORE_FIXTURE_H

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

static char	store_fixture_dir[64];

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
