/*
 * store_sqlite: the embedded default backend, DATADIR/db/postern.db.
 * WAL mode so the CLI can write while the auth process reads; a busy
 * timeout instead of failing on a concurrent writer.  The schema version
 * is PRAGMA user_version and the steps of store_schema.c bring any older
 * database up to date inside one transaction, at open.  A database newer
 * than this binary is refused rather than guessed at.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define STMT_CACHE	32

/*
 * Prepared statements are kept, keyed by their SQL text: the queries of
 * a session (AUTH, MAIL, RCPT) are a handful, and parsing them again for
 * every message cost more than running them.  A kept statement is always
 * reset and its bindings cleared after use, so it holds no transaction
 * and no pointer into the caller's memory.
 */
struct stmt_slot {
	sqlite3_stmt	*st;
	uint64_t	 used;		/* for replacement: least recent */
	int		 busy;		/* being stepped */
};

struct store_sqlite {
	sqlite3		*db;
	struct stmt_slot cache[STMT_CACHE];
	uint64_t	 tick;
};


static void	*sq_open(const char *, const char *, int, char *, size_t);
static void	 sq_close(void *);
static const char *sq_errmsg(void *);
static int	 sq_migrate(sqlite3 *, char *, size_t);
static int	 sq_exec(void *, const char *, const struct store_val *,
		    size_t, store_row_fn, void *, int64_t *);
static int	 sq_begin(void *);
static int	 sq_commit(void *);
static void	 sq_rollback(void *);

const struct store_ops store_sqlite_ops = {
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
};

static void *
sq_open(const char *datadir, const char *uri, int create, char *err,
    size_t errsz)
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
	if (v > store_schema_version()) {
		snprintf(err, errsz, "database schema version %d is newer "
		    "than this postern (%d)", v, store_schema_version());
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = v; i < store_schema_version(); i++) {
		char	pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d",
		    i + 1);
		if (sqlite3_exec(db, store_schema_step(i), NULL, NULL, NULL) !=
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

/*
 * A prepared statement for sql: from the cache, or prepared and cached.
 * A statement in use (a row callback that runs another query) is never
 * handed out twice or replaced: then *slot is NULL and the statement is
 * the caller's own, finalized by stmt_put.
 */
static sqlite3_stmt *
stmt_get(struct store_sqlite *s, const char *sql, struct stmt_slot **slot)
{
	struct stmt_slot	*victim = NULL;
	sqlite3_stmt		*st;
	size_t			 i;

	*slot = NULL;
	s->tick++;
	for (i = 0; i < STMT_CACHE; i++) {
		struct stmt_slot *c = &s->cache[i];

		if (c->busy)
			continue;
		if (c->st == NULL) {
			if (victim == NULL || victim->st != NULL)
				victim = c;
			continue;
		}
		if (strcmp(sqlite3_sql(c->st), sql) == 0) {
			victim = c;
			goto found;
		}
		if (victim == NULL ||
		    (victim->st != NULL && c->used < victim->used))
			victim = c;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (victim == NULL)
		return st;
	if (victim->st != NULL)
		sqlite3_finalize(victim->st);
	victim->st = st;
found:
	victim->used = s->tick;
	victim->busy = 1;
	*slot = victim;
	return victim->st;
}

/* Done with a statement: a cached one keeps no transaction or binding. */
static void
stmt_put(sqlite3_stmt *st, struct stmt_slot *slot)
{
	if (slot == NULL) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	slot->busy = 0;
}

static void
sq_close(void *p)
{
	struct store_sqlite	*s = p;
	size_t			 i;

	for (i = 0; i < STMT_CACHE; i++)
		if (s->cache[i].st != NULL)
			sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

static const char *
sq_errmsg(void *p)
{
	struct store_sqlite	*s = p;

	return sqlite3_errmsg(s->db);
}

/*
 * Run one statement (prepared once, see stmt_get).  Text columns handed
 * to fn are valid only during the call.
 */
static int
sq_exec(void *p, const char *sql, const struct store_val *args, size_t n,
    store_row_fn fn, void *arg, int64_t *changes)
{
	struct store_sqlite	*s = p;
	sqlite3_stmt		*st;
	struct stmt_slot	*slot;
	struct store_val	 cols[STORE_ARGS_MAX];
	size_t			 i, ncols;
	int			 rc, stop = 0;

	if ((st = stmt_get(s, sql, &slot)) == NULL)
		return STORE_ERR;
	for (i = 0; i < n; i++) {
		if (args[i].type == STORE_T_TEXT)
			rc = sqlite3_bind_text(st, (int)i + 1, args[i].s, -1,
			    SQLITE_STATIC);
		else if (args[i].type == STORE_T_INT)
			rc = sqlite3_bind_int64(st, (int)i + 1, args[i].i);
		else
			rc = sqlite3_bind_null(st, (int)i + 1);
		if (rc != SQLITE_OK) {
			stmt_put(st, slot);
			return STORE_ERR;
		}
	}
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ncols = (size_t)sqlite3_column_count(st);
		if (ncols > sizeof(cols) / sizeof(cols[0]))
			ncols = sizeof(cols) / sizeof(cols[0]);
		for (i = 0; i < ncols; i++) {
			switch (sqlite3_column_type(st, (int)i)) {
			case SQLITE_INTEGER:
				cols[i].type = STORE_T_INT;
				cols[i].i = sqlite3_column_int64(st, (int)i);
				cols[i].s = NULL;
				break;
			case SQLITE_NULL:
				cols[i].type = STORE_T_NULL;
				cols[i].i = 0;
				cols[i].s = NULL;
				break;
			default:
				cols[i].type = STORE_T_TEXT;
				cols[i].s = (const char *)
				    sqlite3_column_text(st, (int)i);
				cols[i].i = 0;
				if (cols[i].s == NULL)
					cols[i].type = STORE_T_NULL;
				break;
			}
		}
		if (fn != NULL)
			stop = fn(cols, ncols, arg);
	}
	if (stop)
		rc = SQLITE_DONE;
	if (rc != SQLITE_DONE) {
		rc = sqlite3_extended_errcode(s->db);
		stmt_put(st, slot);
		return rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY ? STORE_EXISTS :
		    STORE_ERR;
	}
	if (changes != NULL)
		*changes = sqlite3_changes(s->db);
	stmt_put(st, slot);
	return STORE_OK;
}

static int
sq_begin(void *p)
{
	struct store_sqlite	*s = p;

	return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK ? STORE_OK : STORE_ERR;
}

static int
sq_commit(void *p)
{
	struct store_sqlite	*s = p;

	return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ?
	    STORE_OK : STORE_ERR;
}

static void
sq_rollback(void *p)
{
	struct store_sqlite	*s = p;

	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}
