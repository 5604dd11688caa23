/*
 * store_sqlite: the embedded default backend, DATADIR/db/postern.db.
 * WAL mode so the CLI can write while the auth process reads; a busy
 * timeout instead of failing on a concurrent writer.  The schema version
 * is PRAGMA user_version and migrations[] brings any older database up to
 * date inside one transaction, at open.  A database newer than this binary
 * is refused rather than guessed at.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

struct store_sqlite {
	sqlite3	*db;
};

/* migrations[i] takes the schema from version i to i + 1 */
static const char *migrations[] = {
	"CREATE TABLE domain ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE mailbox ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  address TEXT NOT NULL UNIQUE,"
	"  password_hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL);",
};
#define SCHEMA_VERSION	(int)(sizeof(migrations) / sizeof(migrations[0]))

static void	*sq_open(const char *, int, char *, size_t);
static void	 sq_close(void *);
static const char *sq_errmsg(void *);
static int	 sq_migrate(sqlite3 *, char *, size_t);
static int	 sq_domain_add(void *, const char *);
static int	 sq_domain_exists(void *, const char *);
static int	 sq_mailbox_add(void *, const char *, const char *);
static int	 sq_mailbox_get(void *, const char *, struct store_mailbox *);
static int	 sq_result(sqlite3 *, int);

const struct store_ops store_sqlite_ops = {
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.domain_add = sq_domain_add,
	.domain_exists = sq_domain_exists,
	.mailbox_add = sq_mailbox_add,
	.mailbox_get = sq_mailbox_get,
};

static void *
sq_open(const char *datadir, int create, char *err, size_t errsz)
{
	struct store_sqlite	*s;
	char			 path[PATH_MAX];
	int			 flags = SQLITE_OPEN_READWRITE |
				    SQLITE_OPEN_NOMUTEX;

	if (util_snprintf(path, sizeof(path), "%s/db/postern.db",
	    datadir) == -1) {
		util_strlcpy(err, "data directory path too long", errsz);
		return NULL;
	}
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		util_strlcpy(err, "out of memory", errsz);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA foreign_keys=ON;PRAGMA synchronous=NORMAL;",
	    NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sq_migrate(s->db, err, errsz) == -1)
		goto fail;
	return s;
fail:
	sqlite3_close(s->db);
	free(s);
	return NULL;
}

static int
sq_migrate(sqlite3 *db, char *err, size_t errsz)
{
	sqlite3_stmt	*st;
	int		 v = -1, i;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v < 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errsz, "database schema version %d is newer "
		    "than this postern (%d)", v, SCHEMA_VERSION);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = v; i < SCHEMA_VERSION; i++) {
		char	pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d",
		    i + 1);
		if (sqlite3_exec(db, migrations[i], NULL, NULL, NULL) !=
		    SQLITE_OK ||
		    sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	snprintf(err, errsz, "schema migration: %s", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void
sq_close(void *p)
{
	struct store_sqlite	*s = p;

	sqlite3_close(s->db);
	free(s);
}

static const char *
sq_errmsg(void *p)
{
	struct store_sqlite	*s = p;

	return sqlite3_errmsg(s->db);
}

static int
sq_result(sqlite3 *db, int rc)
{
	if (rc == SQLITE_DONE || rc == SQLITE_OK)
		return STORE_OK;
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE ||
	    sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_EXISTS;
	return STORE_ERR;
}

static int
sq_domain_add(void *p, const char *domain)
{
	struct store_sqlite	*s = p;
	sqlite3_stmt		*st;
	int			 rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO domain(name, created) "
	    "VALUES(?, ?)", -1, &st, NULL) != SQLITE_OK)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	rc = sq_result(s->db, sqlite3_step(st));
	sqlite3_finalize(st);
	return rc;
}

static int
sq_domain_exists(void *p, const char *domain)
{
	struct store_sqlite	*s = p;
	sqlite3_stmt		*st;
	int			 rc;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM domain WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ?
	    STORE_NOTFOUND : STORE_ERR;
	sqlite3_finalize(st);
	return rc;
}

static int
sq_mailbox_add(void *p, const char *address, const char *hash)
{
	struct store_sqlite	*s = p;
	sqlite3_stmt		*st;
	const char		*at = strrchr(address, '@');
	int			 rc;

	if (at == NULL || sq_domain_exists(p, at + 1) != STORE_OK)
		return STORE_NOTFOUND;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO mailbox(domain_id, "
	    "address, password_hash, created) SELECT id, ?, ?, ? FROM domain "
	    "WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 4, at + 1, -1, SQLITE_STATIC);
	rc = sq_result(s->db, sqlite3_step(st));
	sqlite3_finalize(st);
	return rc;
}

static int
sq_mailbox_get(void *p, const char *address, struct store_mailbox *mb)
{
	struct store_sqlite	*s = p;
	sqlite3_stmt		*st;
	const unsigned char	*h;
	int			 rc;

	if (sqlite3_prepare_v2(s->db, "SELECT password_hash FROM mailbox "
	    "WHERE address = ?", -1, &st, NULL) != SQLITE_OK)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h = sqlite3_column_text(st, 0);
		if (h == NULL || util_strlcpy(mb->hash, (const char *)h,
		    sizeof(mb->hash)) == -1 ||
		    util_strlcpy(mb->address, address,
		    sizeof(mb->address)) == -1)
			rc = STORE_ERR;
		else
			rc = STORE_OK;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : STORE_ERR;
	sqlite3_finalize(st);
	return rc;
}
