/*
 * store_pg: the PostgreSQL backend (store = postgresql://...), on libpq.
 * One handle is one connection, used by one thread at a time like every
 * store handle: the auth process opens one per auth_workers thread, the
 * queue one per thread that needs the store, the CLI one, so the
 * connections of a node are bounded by its configuration
 * (docs/SCALING.md).
 *
 * Statements arrive with '?' placeholders (store.c); store_pg_translate
 * turns them into $1..$n outside quoted literals and identifiers, and
 * each is prepared once per connection.  Integers go as int8, strings as text,
 * both in text form; result columns of the integer types, booleans and
 * integral numerics (sum() of bigint) come back as STORE_T_INT, the rest
 * as text, as the SQLite backend gives them.  A unique violation
 * (SQLSTATE 23505) is STORE_EXISTS.  The schema is store_schema.c's,
 * applied under an advisory lock (pg_migrate).
 *
 * Time bound: every connect and every statement runs on libpq's
 * asynchronous calls under poll() with a deadline of store_timeout (the
 * server gets 90 % of it as statement_timeout, so it usually ends a slow
 * statement itself).  Nothing here waits longer (a host name in the URI
 * is resolved before the deadline starts: give an address, or a
 * resolver that answers), and after a server failed to answer, the
 * process leaves it alone for a second (pg_quiet_until), so a request
 * meets one store_timeout at most.
 *
 * Failure: a statement that fails is STORE_ERR with the server's message
 * in errmsg; the open transaction is then aborted and the caller rolls
 * back, as it does on SQLite.  A lost connection (the server stopped or
 * restarted, the network, a timeout) is logged, closed, and made again
 * by a later call outside a transaction: at the next one after a closed
 * connection, a second later after no answer; meanwhile calls fail at
 * once with STORE_ERR (AUTH answers 454 4.7.0).  So a node recovers by
 * itself when the database returns.  The password comes from
 * store_password_file at each connect and is wiped after; a URI that
 * carries one is refused, so postern.conf never holds it.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define PG_SQL_MAX	8192	/* a translated statement */
#define PG_COLS_MAX	STORE_ARGS_MAX
#define PG_PASS_MAX	256
#define PG_RETRY_MS	1000	/* between two failed connects */
#define PG_LOCK_KEY	"7420431"	/* advisory lock of the migrations */
#define PG_NO_ANSWER	"no answer within store_timeout"
#define PG_STMT_MAX	128	/* prepared statements per connection */

/* How pg_run sends its statement. */
enum pg_send { PG_SIMPLE, PG_PARAMS, PG_PREPARE, PG_PREPARED };

/* type oids (catalog/pg_type.h, stable across releases) */
#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_TEXT	25
#define OID_OID		26
#define OID_NUMERIC	1700

/*
 * Until when (ms) the handles of this process do not ask the server:
 * set when it did not answer a statement or a connect within
 * store_timeout, so that one request meets at most one store_timeout
 * even when its steps run on several handles (the auth process's
 * connect check and AUTH are on different worker threads).  A closed
 * connection or a refused connect does not set it (they cost no wait),
 * nor a statement the server itself ends (its statement_timeout, 90 %
 * of ours): that server answers.
 */
static _Atomic uint64_t	pg_quiet_until;

struct store_pg {
	PGconn		*conn;		/* NULL while disconnected */
	int		 in_tx;
	int		 lost;		/* lost inside a transaction */
	uint64_t	 next_try;	/* ms: no connect before */
	unsigned	 timeout_ms;
	char		 err[512];
	char		 down[400];	/* why it is disconnected */
	char		 sql[PG_SQL_MAX];	/* the statement translated */
	char		 uri[STORE_URI_MAX + 1];
	/* statements prepared on this connection, named p0, p1, ...: the
	   text and the argument types ("it...") they were prepared for */
	char		*stmts[PG_STMT_MAX];
	size_t		 nstmts;
};

static void	*pg_open(const char *, const char *, int, char *, size_t);
static void	 pg_close(void *);
static const char *pg_errmsg(void *);
static int	 pg_exec(void *, const char *, const struct store_val *,
		    size_t, store_row_fn, void *, int64_t *);
static int	 pg_begin(void *);
static int	 pg_commit(void *);
static void	 pg_rollback(void *);
static int	 pg_lock(void *, const char *);
static int	 pg_listen(void *);
static int	 pg_wait_notice(void *, int);
static int	 pg_take_notices(struct store_pg *);
static int	 pg_connect(struct store_pg *);
static int	 pg_wait(PGconn *, int, uint64_t);
static int	 pg_ready(struct store_pg *);
static int	 pg_quiet(struct store_pg *);
static PGresult	*pg_run(struct store_pg *, enum pg_send, const char *,
		    const char *, int, const Oid *, const char *const *);
static int	 pg_send(struct store_pg *, enum pg_send, const char *,
		    const char *, int, const Oid *, const char *const *);
static int	 pg_prepared(struct store_pg *, const char *, size_t,
		    const Oid *, char *, size_t);
static void	 pg_stmts_clear(struct store_pg *);
static int	 pg_failed(struct store_pg *, PGresult *);
static void	 pg_lost(struct store_pg *, const char *);
static int	 pg_simple(struct store_pg *, const char *);
static int	 pg_migrate(struct store_pg *);
static int	 pg_version(struct store_pg *, int *);
static int	 pg_steps(struct store_pg *, int);
static int	 pg_rows(PGresult *, store_row_fn, void *);
static int	 pg_password(char *, size_t, char *, size_t);
static void	 pg_notice(void *, const char *);
static void	 pg_err(struct store_pg *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

const struct store_ops store_pg_ops = {
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.listen = pg_listen,
	.wait_notice = pg_wait_notice,
};

/* The reason errmsg() gives; a long server message is cut. */
static void
pg_err(struct store_pg *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/*
 * The first line of the password file, without its newline.  0, or -1
 * with the reason in err.
 */
static int
pg_password(char *out, size_t outsz, char *err, size_t errsz)
{
	const struct store_config	*c = store_config_get();
	FILE				*fp;
	size_t				 n;

	out[0] = '\0';
	if (c->password_file[0] == '\0')
		return 0;
	if ((fp = fopen(c->password_file, "re")) == NULL) {
		(void)util_snprintf(err, errsz, "store_password_file %s: %s",
		    c->password_file, strerror(errno));
		return -1;
	}
	if (fgets(out, (int)outsz, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store: PostgreSQL: %.*s", (int)strcspn(msg, "\n"), msg);
}

/*
 * Wait until the connection's socket is ready (POLLIN or POLLOUT) or the
 * deadline (ms, util_now_ms clock) passes.  0 ready, -1 timeout or error.
 */
static int
pg_wait(PGconn *conn, int events, uint64_t deadline)
{
	struct pollfd	pfd;
	uint64_t	now;
	int		r;

	pfd.fd = PQsocket(conn);
	pfd.events = (short)events;
	if (pfd.fd < 0)
		return -1;
	for (;;) {
		now = util_now_ms();
		if (now >= deadline)
			return -1;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r > 0)
			return 0;
		if (r == 0 || errno != EINTR)
			return -1;
	}
}

/*
 * Connect under the deadline, then set statement_timeout.  STORE_OK, or
 * STORE_ERR with the reason in s->err.
 */
static int
pg_connect(struct store_pg *s)
{
	const char	*keys[5], *vals[5];
	char		 pass[PG_PASS_MAX], opts[96];
	uint64_t	 deadline = util_now_ms() + s->timeout_ms;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int		 k = 0;

	if (pg_password(pass, sizeof(pass), s->err, sizeof(s->err)) == -1)
		return STORE_ERR;
	/* the server gives up first, so a slow statement costs an error,
	   not the connection */
	(void)util_snprintf(opts, sizeof(opts), "-c statement_timeout=%u",
	    s->timeout_ms - s->timeout_ms / 10);
	keys[k] = "dbname", vals[k++] = s->uri;
	keys[k] = "application_name", vals[k++] = "postern";
	keys[k] = "options", vals[k++] = opts;
	if (pass[0] != '\0')
		keys[k] = "password", vals[k++] = pass;
	keys[k] = vals[k] = NULL;
	s->conn = PQconnectStartParams(keys, vals, 1);
	explicit_bzero(pass, sizeof(pass));
	if (s->conn == NULL) {
		pg_err(s, "PostgreSQL: out of memory");
		return STORE_ERR;
	}
	while (PQstatus(s->conn) != CONNECTION_BAD && ps != PGRES_POLLING_OK &&
	    ps != PGRES_POLLING_FAILED) {
		if (pg_wait(s->conn, ps == PGRES_POLLING_READING ? POLLIN :
		    POLLOUT, deadline) == -1) {
			pg_err(s, "PostgreSQL: no connection within %ums "
			    "(store_timeout)", s->timeout_ms);
			atomic_store(&pg_quiet_until, util_now_ms() +
			    PG_RETRY_MS);
			goto fail;
		}
		ps = PQconnectPoll(s->conn);
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		pg_err(s, "PostgreSQL: cannot connect: %.*s",
		    (int)strcspn(PQerrorMessage(s->conn), "\n"),
		    PQerrorMessage(s->conn));
		goto fail;
	}
	PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	return STORE_OK;
fail:
	PQfinish(s->conn);
	s->conn = NULL;
	return STORE_ERR;
}

/* The connection is gone or unusable: log it once, close it. */
static void
pg_lost(struct store_pg *s, const char *why)
{
	int	timeout = strcmp(why, PG_NO_ANSWER) == 0;

	pg_err(s, "PostgreSQL connection lost (%s)", why);
	util_strlcpy(s->down, s->err, sizeof(s->down));
	log_warnx("store: %s; connecting again at %s request", s->err,
	    timeout ? "a later" : "the next");
	PQfinish(s->conn);
	s->conn = NULL;
	pg_stmts_clear(s);
	s->lost = s->in_tx;
	/*
	 * A server that closed the connection (it restarted, or stopped:
	 * then a connect is refused at once) is asked again at the next
	 * request.  One that did not answer is not, for a second, by any
	 * handle: the request that saw it must not wait a second
	 * store_timeout on the same dead server.
	 */
	s->next_try = util_now_ms() + (timeout ? PG_RETRY_MS : 0);
	if (timeout)
		atomic_store(&pg_quiet_until, s->next_try);
}

/* Is the server being left alone (pg_quiet_until)?  Then say so. */
static int
pg_quiet(struct store_pg *s)
{
	uint64_t	until = atomic_load(&pg_quiet_until);

	if (util_now_ms() >= until)
		return 0;
	pg_err(s, "PostgreSQL not asked: it failed to answer or to connect "
	    "less than %dms ago", PG_RETRY_MS);
	return 1;
}

/*
 * Connected, or connect now (not inside a transaction: its statements
 * died with the old connection, and not more than once a second).
 */
static int
pg_ready(struct store_pg *s)
{
	uint64_t	now;

	if (s->conn != NULL)
		return pg_quiet(s) ? STORE_ERR : STORE_OK;
	now = util_now_ms();
	if (s->in_tx || s->lost || now < s->next_try) {
		pg_err(s, "PostgreSQL unavailable: %s; %s", s->down,
		    s->in_tx || s->lost ? "its transaction is lost" :
		    "the next connect within a second");
		return STORE_ERR;
	}
	if (pg_quiet(s))
		return STORE_ERR;
	if (pg_connect(s) != STORE_OK) {
		util_strlcpy(s->down, s->err, sizeof(s->down));
		s->next_try = now + PG_RETRY_MS;
		return STORE_ERR;
	}
	log_info("store: reconnected to PostgreSQL database %s",
	    PQdb(s->conn));
	return STORE_OK;
}

/*
 * Send one statement and wait for all of its results under the
 * deadline.  The last result (the caller clears it), or NULL with the
 * reason in s->err.
 */
static PGresult *
pg_run(struct store_pg *s, enum pg_send how, const char *name,
    const char *sql, int n, const Oid *types, const char *const *vals)
{
	uint64_t	 deadline = util_now_ms() + s->timeout_ms;
	PGresult	*res, *last = NULL;
	int		 f;

	if (pg_ready(s) != STORE_OK)
		return NULL;
	if (!pg_send(s, how, name, sql, n, types, vals))
		goto lost;
	while ((f = PQflush(s->conn)) == 1)
		if (pg_wait(s->conn, POLLIN | POLLOUT, deadline) == -1 ||
		    !PQconsumeInput(s->conn))
			goto lost;
	if (f == -1)
		goto lost;
	for (;;) {
		while (PQisBusy(s->conn))
			if (pg_wait(s->conn, POLLIN, deadline) == -1 ||
			    !PQconsumeInput(s->conn))
				goto lost;
		if ((res = PQgetResult(s->conn)) == NULL)
			break;
		PQclear(last);
		last = res;
	}
	if (PQstatus(s->conn) == CONNECTION_BAD)
		goto lost;
	return last;
lost:
	PQclear(last);
	pg_lost(s, PQstatus(s->conn) == CONNECTION_BAD ? "connection closed" :
	    util_now_ms() >= deadline ? PG_NO_ANSWER :
	    "send or receive failed");
	return NULL;
}

static int
pg_send(struct store_pg *s, enum pg_send how, const char *name,
    const char *sql, int n, const Oid *types, const char *const *vals)
{
	switch (how) {
	case PG_SIMPLE:
		return PQsendQuery(s->conn, sql);
	case PG_PARAMS:
		return PQsendQueryParams(s->conn, sql, n, types, vals, NULL,
		    NULL, 0);
	case PG_PREPARE:
		return PQsendPrepare(s->conn, name, sql, n, types);
	default:
		return PQsendQueryPrepared(s->conn, name, n, vals, NULL, NULL,
		    0);
	}
}

/* Forget the prepared statements (their connection is gone). */
static void
pg_stmts_clear(struct store_pg *s)
{
	size_t	i;

	for (i = 0; i < s->nstmts; i++)
		free(s->stmts[i]);
	s->nstmts = 0;
}

/*
 * The name of sql prepared for these argument types on this connection:
 * found, or prepared now (one round trip, once per connection; the
 * server then parses and plans it once, not at every call).  1 with the
 * name in name, 0 if the cache is full (run it unprepared), -1 if
 * preparing failed (the reason in s->err).
 */
static int
pg_prepared(struct store_pg *s, const char *sql, size_t n, const Oid *types,
    char *name, size_t namesz)
{
	PGresult	*res;
	char		 sig[STORE_ARGS_MAX + 1];
	size_t		 i, len = strlen(sql);
	char		*key;

	for (i = 0; i < n; i++)
		sig[i] = types[i] == OID_INT8 ? 'i' : types[i] ? 't' : 'n';
	sig[n] = '\0';
	for (i = 0; i < s->nstmts; i++)
		if (strcmp(s->stmts[i], sql) == 0 &&
		    strcmp(s->stmts[i] + len + 1, sig) == 0)
			break;
	(void)util_snprintf(name, namesz, "p%zu", i);
	if (i < s->nstmts)
		return 1;
	if (s->nstmts == PG_STMT_MAX || (key = malloc(len + n + 2)) == NULL)
		return 0;
	memcpy(key, sql, len + 1);
	memcpy(key + len + 1, sig, n + 1);
	res = pg_run(s, PG_PREPARE, name, sql, (int)n, types, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		free(key);
		(void)pg_failed(s, res);
		return -1;
	}
	PQclear(res);
	s->stmts[s->nstmts++] = key;
	return 1;
}

/* A result that is not a success: STORE_EXISTS or STORE_ERR. */
static int
pg_failed(struct store_pg *s, PGresult *res)
{
	const char	*state, *msg;
	int		 rc;

	if (res == NULL)
		return STORE_ERR;
	/* both point into res: used before it is cleared */
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	pg_err(s, "PostgreSQL: %s%s%s", msg ? msg :
	    PQresStatus(PQresultStatus(res)), state ? " SQLSTATE " : "",
	    state ? state : "");
	log_debug("store: %s", s->err);
	rc = state != NULL && strcmp(state, "23505") == 0 ? STORE_EXISTS :
	    STORE_ERR;
	PQclear(res);
	return rc;
}

/* A statement without parameters or rows (BEGIN, the schema). */
static int
pg_simple(struct store_pg *s, const char *sql)
{
	PGresult	*res = pg_run(s, PG_SIMPLE, NULL, sql, -1, NULL, NULL);
	ExecStatusType	 es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
		return pg_failed(s, res);
	PQclear(res);
	return STORE_OK;
}

/*
 * The schema (store_schema.c) under an advisory lock held for the
 * transaction, so two nodes starting at once migrate one after the
 * other; the second finds the work done.  The version is the one row of
 * postern_schema.  A database newer than this binary is refused.
 */
/* The version in postern_schema: 0 for none; -1 (s->err) on failure. */
static int
pg_version(struct store_pg *s, int *v)
{
	PGresult	*res;

	res = pg_run(s, PG_SIMPLE, NULL, "SELECT max(version) FROM "
	    "postern_schema", -1, NULL, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		(void)pg_failed(s, res);
		return -1;
	}
	*v = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ?
	    atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return 0;
}

/*
 * Steps v.. of the schema and the new version, inside the caller's
 * transaction.  STORE_OK or STORE_ERR (s->err).
 */
static int
pg_steps(struct store_pg *s, int v)
{
	char	*sql;
	int	 i, rc = STORE_OK;

	if ((sql = malloc(STORE_SCHEMA_MAX)) == NULL) {
		pg_err(s, "out of memory");
		return STORE_ERR;
	}
	for (i = v; i < store_schema_version() && rc == STORE_OK; i++) {
		if (store_schema_render(i, sql, STORE_SCHEMA_MAX) == -1) {
			pg_err(s, "schema step %d too long", i + 1);
			rc = STORE_ERR;
		} else
			rc = pg_simple(s, sql);
	}
	if (rc == STORE_OK) {
		(void)util_snprintf(sql, STORE_SCHEMA_MAX, "DELETE FROM "
		    "postern_schema; INSERT INTO postern_schema VALUES(%d)",
		    store_schema_version());
		rc = pg_simple(s, sql);
	}
	free(sql);
	return rc;
}

/*
 * The schema (store_schema.c).  A database at this version is only
 * read (no DDL, no lock: every connection opens this way).  Otherwise
 * the steps run in one transaction under an advisory lock, so two
 * nodes starting at once migrate one after the other and the second
 * finds the work done.  A database newer than this binary is refused.
 */
static int
pg_migrate(struct store_pg *s)
{
	int	v = -1;

	if (pg_version(s, &v) == 0 && v == store_schema_version())
		return STORE_OK;
	if (pg_simple(s, "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_KEY
	    "); CREATE TABLE IF NOT EXISTS postern_schema(version INTEGER "
	    "NOT NULL)") != STORE_OK || pg_version(s, &v) == -1)
		goto fail;
	if (v > store_schema_version()) {
		pg_err(s, "database schema version %d is newer than this "
		    "postern (%d)", v, store_schema_version());
		goto fail;
	}
	if ((v == store_schema_version() || pg_steps(s, v) == STORE_OK) &&
	    pg_simple(s, "COMMIT") == STORE_OK)
		return STORE_OK;
fail:
	if (s->conn != NULL)
		(void)pg_simple(s, "ROLLBACK");
	return STORE_ERR;
}

static void *
pg_open(const char *datadir, const char *uri, int create, char *err,
    size_t errsz)
{
	const struct store_config	*c = store_config_get();
	struct store_pg			*s;
	PQconninfoOption		*opt, *o;
	char				*perr = NULL;
	int				 has_password;

	(void)datadir;
	(void)create;	/* the database exists; its schema is made here */
	if ((opt = PQconninfoParse(uri, &perr)) == NULL) {
		(void)util_snprintf(err, errsz, "store: not a PostgreSQL "
		    "URI: %.*s", perr ? (int)strcspn(perr, "\n") : 0,
		    perr ? perr : "");
		PQfreemem(perr);
		return NULL;
	}
	for (o = opt; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			break;
	has_password = o->keyword != NULL;
	PQconninfoFree(opt);
	if (has_password) {
		util_strlcpy(err, "store: the URI holds a password; put it "
		    "in store_password_file instead", errsz);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		util_strlcpy(err, "out of memory", errsz);
		return NULL;
	}
	s->timeout_ms = c->timeout_ms;
	if (util_strlcpy(s->uri, uri, sizeof(s->uri)) == -1) {
		util_strlcpy(err, "store: URI too long", errsz);
		free(s);
		return NULL;
	}
	if (pg_quiet(s) || pg_connect(s) != STORE_OK) {
		util_strlcpy(err, s->err, errsz);
		pg_close(s);
		return NULL;
	}
	if (pg_migrate(s) != STORE_OK) {
		util_strlcpy(err, s->err, errsz);
		pg_close(s);
		return NULL;
	}
	return s;
}

static void
pg_close(void *p)
{
	struct store_pg	*s = p;

	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	pg_stmts_clear(s);
	free(s);
}

/*
 * Change notices (store.h, store_listen): LISTEN on this connection,
 * made now if it is not.  Notices that arrive on it are taken by
 * pg_wait_notice; the connection serves nothing else.
 */
static int
pg_listen(void *p)
{
	struct store_pg	*s = p;

	return pg_simple(s, "LISTEN " STORE_NOTICE_CHANNEL);
}

/* Take the notices libpq has read: how many. */
static int
pg_take_notices(struct store_pg *s)
{
	PGnotify	*n;
	int		 k = 0;

	while ((n = PQnotifies(s->conn)) != NULL) {
		PQfreemem(n);
		k++;
	}
	return k;
}

/*
 * 1 when notices came (all taken), 0 none within timeout_ms, -1 the
 * connection is gone (closed, logged; pg_listen again).  The wait is
 * not a statement's: no answer is expected, so it never counts as the
 * server failing to answer.
 */
static int
pg_wait_notice(void *p, int timeout_ms)
{
	struct store_pg	*s = p;
	struct pollfd	 pfd;
	int		 r;

	if (s->conn == NULL)
		return -1;
	if (pg_take_notices(s) > 0)
		return 1;
	pfd.fd = PQsocket(s->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		r = -1;
	else if ((r = poll(&pfd, 1, timeout_ms)) == -1 && errno == EINTR)
		return 0;
	if (r == 0)
		return 0;
	if (r == -1 || !PQconsumeInput(s->conn) ||
	    PQstatus(s->conn) == CONNECTION_BAD) {
		pg_lost(s, "connection closed");
		return -1;
	}
	return pg_take_notices(s) > 0;
}

static const char *
pg_errmsg(void *p)
{
	struct store_pg	*s = p;

	return s->err[0] ? s->err : "PostgreSQL: no error";
}

/* See store_int.h. */
int
store_pg_translate(const char *sql, char *out, size_t outsz)
{
	size_t	o = 0;
	int	n = 0, w;
	char	q = 0;

	for (; *sql != '\0'; sql++) {
		if (q == 0 && (*sql == '\'' || *sql == '"'))
			q = *sql;
		else if (q != 0 && *sql == q)
			q = 0;		/* a doubled quote reopens at once */
		if (q == 0 && *sql == '?') {
			w = snprintf(out + o, outsz - o, "$%d", ++n);
			if (w < 0 || (size_t)w >= outsz - o)
				return -1;
			o += (size_t)w;
			continue;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = *sql;
	}
	out[o] = '\0';
	return n;
}

/* One column of a row as the SQLite backend would give it. */
static void
pg_col(PGresult *res, int r, int c, struct store_val *v)
{
	Oid		 t = PQftype(res, c);
	const char	*s;
	char		*end;

	v->type = STORE_T_NULL;
	v->i = 0;
	v->s = NULL;
	if (PQgetisnull(res, r, c))
		return;
	s = PQgetvalue(res, r, c);
	if (t == OID_BOOL) {
		v->type = STORE_T_INT;
		v->i = s[0] == 't';
		return;
	}
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_OID ||
	    t == OID_NUMERIC) {
		errno = 0;
		v->i = strtoll(s, &end, 10);
		if (errno == 0 && end != s && *end == '\0') {
			v->type = STORE_T_INT;
			return;
		}
		v->i = 0;
	}
	v->type = STORE_T_TEXT;
	v->s = s;
}

/* Hand each row to fn until it asks to stop. */
static int
pg_rows(PGresult *res, store_row_fn fn, void *arg)
{
	struct store_val	cols[PG_COLS_MAX];
	int			r, c, ncols = PQnfields(res);

	if (ncols > PG_COLS_MAX)
		ncols = PG_COLS_MAX;
	for (r = 0; r < PQntuples(res); r++) {
		for (c = 0; c < ncols; c++)
			pg_col(res, r, c, &cols[c]);
		if (fn(cols, (size_t)ncols, arg))
			break;
	}
	return STORE_OK;
}

/*
 * Run one statement.  All of its rows are read before the first call to
 * fn, so fn may run statements of its own on the same handle.
 */
static int
pg_exec(void *p, const char *sql, const struct store_val *args, size_t n,
    store_row_fn fn, void *arg, int64_t *changes)
{
	struct store_pg	*s = p;
	char		*q = s->sql;
	char		 ints[STORE_ARGS_MAX][24];
	const char	*vals[STORE_ARGS_MAX];
	Oid		 types[STORE_ARGS_MAX];
	PGresult	*res;
	ExecStatusType	 es;
	char		 name[24];
	size_t		 i;
	int		 prep;

	if (n > STORE_ARGS_MAX ||
	    store_pg_translate(sql, q, sizeof(s->sql)) != (int)n) {
		pg_err(s, "statement too long or placeholders do not match "
		    "its %zu arguments", n);
		return STORE_ERR;
	}
	for (i = 0; i < n; i++) {
		types[i] = args[i].type == STORE_T_INT ? OID_INT8 :
		    args[i].type == STORE_T_TEXT ? OID_TEXT : 0;
		vals[i] = args[i].type == STORE_T_TEXT ? args[i].s : NULL;
		if (args[i].type == STORE_T_INT) {
			(void)util_snprintf(ints[i], sizeof(ints[i]),
			    "%" PRId64, args[i].i);
			vals[i] = ints[i];
		}
	}
	if ((prep = pg_prepared(s, q, n, types, name, sizeof(name))) == -1)
		return STORE_ERR;
	if ((res = pg_run(s, prep ? PG_PREPARED : PG_PARAMS, name, q, (int)n,
	    types, vals)) == NULL)
		return STORE_ERR;
	es = PQresultStatus(res);
	if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
		return pg_failed(s, res);
	if (fn != NULL && es == PGRES_TUPLES_OK)
		(void)pg_rows(res, fn, arg);
	if (changes != NULL)
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return STORE_OK;
}

static int
pg_begin(void *p)
{
	struct store_pg	*s = p;
	int		 rc;

	if ((rc = pg_simple(s, "BEGIN")) == STORE_OK)
		s->in_tx = 1;
	return rc;
}

static int
pg_commit(void *p)
{
	struct store_pg	*s = p;
	int		 rc = s->lost ? STORE_ERR : pg_simple(s, "COMMIT");

	s->in_tx = s->lost = 0;
	return rc;
}

static void
pg_rollback(void *p)
{
	struct store_pg	*s = p;

	if (s->conn != NULL && !s->lost)
		(void)pg_simple(s, "ROLLBACK");
	s->in_tx = s->lost = 0;
}

/*
 * A transaction-scoped advisory lock on a 64-bit hash of the name: two
 * names that share a hash only wait for each other, never more.
 */
static int
pg_lock(void *p, const char *name)
{
	const struct store_val	arg = { STORE_T_TEXT, 0, name };

	return pg_exec(p, "SELECT pg_advisory_xact_lock(hashtextextended(?, "
	    "0))", &arg, 1, NULL, NULL, NULL);
}
