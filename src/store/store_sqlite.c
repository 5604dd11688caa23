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

#include "lib/util.h"
#include "store/store.h"

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

/*
 * migrations[i] takes the schema from version i to i + 1.  Never edit a
 * released step: add one.
 */
static const char *migrations[] = {
	/* 1: domains and mailboxes */
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
	/* 2: settings, aliases, auth failures and locks, sent counts */
	"ALTER TABLE domain ADD COLUMN sender_policy TEXT NOT NULL"
	"  DEFAULT 'mailbox';"
	"ALTER TABLE domain ADD COLUMN host_match INTEGER NOT NULL"
	"  DEFAULT -1;"
	"ALTER TABLE domain ADD COLUMN submission_host TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE mailbox ADD COLUMN daily_limit INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE INDEX mailbox_domain ON mailbox(domain_id);"
	"CREATE TABLE alias ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  address TEXT NOT NULL UNIQUE,"
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX alias_mailbox ON alias(mailbox_id);"
	"CREATE TABLE auth_failure ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL,"
	"  client TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  counted INTEGER NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX auth_failure_user ON auth_failure(username, time);"
	"CREATE INDEX auth_failure_client ON auth_failure(client, time);"
	"CREATE INDEX auth_failure_time ON auth_failure(time);"
	"CREATE TABLE auth_lock ("
	"  username TEXT PRIMARY KEY,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  counted_from INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE ip_lock ("
	"  client TEXT PRIMARY KEY,"
	"  locked_until INTEGER NOT NULL);"
	"CREATE TABLE sent ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  time INTEGER NOT NULL,"
	"  count INTEGER NOT NULL);"
	"CREATE INDEX sent_mailbox ON sent(mailbox_id, time);",
	/* 3: DKIM keys and the per-domain suppression list (delivery) */
	"CREATE TABLE dkim_key ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  selector TEXT NOT NULL,"
	"  algorithm TEXT NOT NULL,"		/* rsa-sha256, ed25519-sha256 */
	"  private_key TEXT NOT NULL,"		/* PEM */
	"  public_key TEXT NOT NULL,"		/* base64, the p= value */
	"  state TEXT NOT NULL,"		/* pending, active, retired */
	"  created INTEGER NOT NULL,"
	"  UNIQUE(domain_id, selector));"
	"CREATE TABLE suppression ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  address TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  source TEXT NOT NULL,"		/* bounce, manual */
	"  created INTEGER NOT NULL,"
	"  UNIQUE(domain_id, address));",
	/* 4: which protocol a failed login came over (smtp, imap) */
	"ALTER TABLE auth_failure ADD COLUMN protocol TEXT NOT NULL"
	"  DEFAULT 'smtp';",
	/*
	 * 5: the familiar-client rule (store_auth.c).  The networks a
	 * mailbox logged in from, each with a lock of its own; which lock
	 * a failure counted toward ('' the unfamiliar sources'); the
	 * administrator's lock on every source.  Every lock set before
	 * this version held for every client, and still does.
	 */
	"CREATE TABLE auth_familiar ("
	"  username TEXT NOT NULL,"
	"  network TEXT NOT NULL,"
	"  last_login INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  counted_from INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(username, network));"
	"ALTER TABLE auth_failure ADD COLUMN source TEXT NOT NULL"
	"  DEFAULT '';"
	"CREATE INDEX auth_failure_source ON auth_failure(username, source,"
	"  time);"
	"ALTER TABLE auth_lock ADD COLUMN all_until INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE auth_lock SET all_until = locked_until, locked_until = 0"
	"  WHERE locked_until != 0;"
	"CREATE INDEX auth_lock_until ON auth_lock(locked_until);"
	"CREATE INDEX ip_lock_until ON ip_lock(locked_until);",
	/* 6: a locked client familiar to some mailbox is let in at
	   connect time (store_client_familiar) */
	"CREATE INDEX auth_familiar_network ON auth_familiar(network,"
	"  last_login);",
	/*
	 * 7: the warm-up ramp (store_warmup.c, core/warmup.h): the unix
	 * day it started (0: off), its first day's allowance and daily
	 * step, and the last freeze: until when, the allowance it held
	 * (0: never frozen), the ramp day it ends on, how many step-downs.
	 */
	"ALTER TABLE mailbox ADD COLUMN warmup_start INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_first INTEGER NOT NULL"
	"  DEFAULT 5;"
	"ALTER TABLE mailbox ADD COLUMN warmup_step INTEGER NOT NULL"
	"  DEFAULT 2;"
	"ALTER TABLE mailbox ADD COLUMN warmup_frozen_until INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_held INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_resume INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_downs INTEGER NOT NULL"
	"  DEFAULT 0;",
	/*
	 * 8: sending health (store_health.c, core/health.h).  Counters per
	 * mailbox per UTC day (recipients; complaints: feedback reports,
	 * queue/local_arf.c), sender-fault rejections per provider per
	 * day, the last outcomes the pause rules judge (kind: 0
	 * delivered, 1 recipient hard bounce, 2 sender fault, 3 other
	 * failure, 4 sender fault that is a block), and the pause: until
	 * when, why, the last outcome
	 * before it (older ones no longer count), how many pauses.
	 */
	"ALTER TABLE mailbox ADD COLUMN health_paused_until INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN health_reason TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE mailbox ADD COLUMN health_from INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN health_pauses INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TABLE health_day ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  day INTEGER NOT NULL,"
	"  submitted INTEGER NOT NULL DEFAULT 0,"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  deferred INTEGER NOT NULL DEFAULT 0,"
	"  bounced INTEGER NOT NULL DEFAULT 0,"
	"  sender_fault INTEGER NOT NULL DEFAULT 0,"
	"  complaints INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(mailbox_id, day));"
	"CREATE TABLE health_provider ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  day INTEGER NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  rejected INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(mailbox_id, day, provider));"
	"CREATE TABLE health_outcome ("
	"  id INTEGER PRIMARY KEY,"
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  kind INTEGER NOT NULL,"
	"  provider TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX health_outcome_mailbox ON health_outcome(mailbox_id,"
	"  id);",
	/*
	 * 9: the admin listener's API tokens (the SHA-256 of each secret,
	 * never the secret; store_token.c, core/token.h) and its audit log.
	 */
	"CREATE TABLE api_token ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  hash TEXT NOT NULL,"
	"  scopes TEXT NOT NULL,"
	"  domain TEXT NOT NULL DEFAULT '',"
	"  cidrs TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL DEFAULT 0,"
	"  last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  client TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  detail TEXT NOT NULL);",
};
#define SCHEMA_VERSION	(int)(sizeof(migrations) / sizeof(migrations[0]))

static void	*sq_open(const char *, int, char *, size_t);
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
	struct store_val	 cols[16];
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
