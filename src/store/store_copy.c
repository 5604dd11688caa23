/*
 * store_copy: every row of one store into another, whichever the two
 * backends (`postern store copy`, moving a single-node SQLite install
 * to the PostgreSQL several nodes share).  Both stores were opened, so
 * both have this postern's schema; the columns of each table are read
 * from the source's catalogue, so a column added by a later step is
 * copied without a change here.  A table missing from tables[] makes the
 * copy refuse rather than leave it behind.
 *
 * Invariants: the destination must hold no domain (nothing is merged or
 * overwritten); everything goes in one transaction of the destination,
 * so a failed copy leaves it empty; ids are copied as they are (aliases,
 * DKIM keys and the rest refer to them), and on PostgreSQL each id
 * sequence is then moved past the largest id.
 *
 * Failure: the backend's STORE_ERR, with the reason in to's errmsg.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define COPY_SQL_MAX	2048

/* In an order the foreign keys accept: a row's parents come first. */
static const char *const tables[] = {
	"domain", "mailbox", "alias", "dkim_key", "suppression", "sent",
	"sent_hold", "health_day", "health_provider", "health_outcome",
	"auth_failure", "auth_lock", "ip_lock", "auth_familiar", "api_token",
	"audit", "admin_user", "api_idempotency",
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))

struct copy {
	struct store	*from, *to;
	const char	*table;
	char		 cols[COPY_SQL_MAX];	/* "a, b, c" */
	char		 insert[COPY_SQL_MAX];
	size_t		 ncols;
	int64_t		 rows;
	int		 rc;
	int		 has_id;
};

static int	copy_known(const struct store_val *, size_t, void *);
static int	copy_col(const struct store_val *, size_t, void *);
static int	copy_row(const struct store_val *, size_t, void *);
static int	copy_check(struct copy *);
static int	copy_table(struct copy *, const char *);
static int	copy_sequence(struct copy *);

/* A table of the source: one of tables[]? */
static int
copy_known(const struct store_val *v, size_t n, void *arg)
{
	struct copy	*c = arg;
	size_t		 i;

	if (n < 1 || v[0].type != STORE_T_TEXT)
		return 0;
	for (i = 0; i < NTABLES; i++)
		if (strcmp(v[0].s, tables[i]) == 0)
			return 0;
	snprintf(c->to->err, sizeof(c->to->err), "table %s is unknown to "
	    "this postern's copy; nothing copied", v[0].s);
	c->rc = STORE_INVALID;
	return 1;
}

/* Every table of the source is known, and the destination is empty. */
static int
copy_check(struct copy *c)
{
	struct row_ctx	r;
	int64_t		n = 0;
	int		rc;

	rc = store_sq(c->from, copy_known, c, NULL, store_is_pg(c->from) ?
	    "SELECT table_name FROM information_schema.tables WHERE "
	    "table_schema = current_schema() AND table_type = 'BASE TABLE' "
	    "AND table_name <> 'postern_schema'" :
	    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	    "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", "");
	if (rc != STORE_OK || c->rc != STORE_OK)
		return rc != STORE_OK ? rc : c->rc;
	r.out = &n;
	r.found = 0;
	if ((rc = store_sq(c->to, store_row_int, &r, NULL,
	    "SELECT count(*) FROM domain", "")) != STORE_OK)
		return rc;
	if (n > 0) {
		snprintf(c->to->err, sizeof(c->to->err), "the destination "
		    "already holds %lld domain(s); copy only into an empty "
		    "store", (long long)n);
		return STORE_EXISTS;
	}
	return STORE_OK;
}

/* One column name of the table being copied. */
static int
copy_col(const struct store_val *v, size_t n, void *arg)
{
	struct copy	*c = arg;
	size_t		 len = strlen(c->cols);

	if (n < 1 || v[0].type != STORE_T_TEXT ||
	    util_snprintf(c->cols + len, sizeof(c->cols) - len, "%s%s",
	    len ? ", " : "", v[0].s) == -1 || ++c->ncols > STORE_ARGS_MAX) {
		c->rc = STORE_ERR;
		return 1;
	}
	if (strcmp(v[0].s, "id") == 0)
		c->has_id = 1;
	return 0;
}

/* One row of the source into the destination. */
static int
copy_row(const struct store_val *v, size_t n, void *arg)
{
	struct copy	*c = arg;

	if (n != c->ncols) {
		snprintf(c->to->err, sizeof(c->to->err), "%s: %zu columns, "
		    "%zu expected", c->table, n, c->ncols);
		c->rc = STORE_ERR;
		return 1;
	}
	c->rc = c->to->ops->exec(c->to->impl, c->insert, v, n, NULL, NULL,
	    NULL);
	c->rows++;
	return c->rc != STORE_OK;
}

static int
copy_table(struct copy *c, const char *table)
{
	char	select[COPY_SQL_MAX];
	size_t	i, len;
	int	rc;

	c->table = table;
	c->cols[0] = '\0';
	c->ncols = 0;
	c->rows = 0;
	c->has_id = 0;
	c->rc = STORE_OK;
	rc = store_sq(c->from, copy_col, c, NULL, store_is_pg(c->from) ?
	    "SELECT column_name FROM information_schema.columns WHERE "
	    "table_schema = current_schema() AND table_name = ? ORDER BY "
	    "ordinal_position" :
	    "SELECT name FROM pragma_table_info(?) ORDER BY cid", "s", table);
	if (rc != STORE_OK || c->rc != STORE_OK || c->ncols == 0)
		return rc != STORE_OK ? rc : STORE_ERR;
	if (util_snprintf(select, sizeof(select), "SELECT %s FROM %s",
	    c->cols, table) == -1 || util_snprintf(c->insert,
	    sizeof(c->insert), "INSERT INTO %s(%s) VALUES(?", table,
	    c->cols) == -1)
		return STORE_ERR;
	for (i = 1; i < c->ncols; i++) {
		len = strlen(c->insert);
		if (util_strlcpy(c->insert + len, ", ?", sizeof(c->insert) -
		    len) == -1)
			return STORE_ERR;
	}
	len = strlen(c->insert);
	if (util_strlcpy(c->insert + len, ")", sizeof(c->insert) - len) == -1)
		return STORE_ERR;
	rc = c->from->ops->exec(c->from->impl, select, NULL, 0, copy_row, c,
	    NULL);
	if (rc != STORE_OK) {
		util_strlcpy(c->to->err, store_errmsg(c->from),
		    sizeof(c->to->err));
		return rc;
	}
	/* api_token's id is the token's public text, no identity */
	if (c->rc == STORE_OK && c->has_id && store_is_pg(c->to) &&
	    strcmp(c->table, "api_token") != 0)
		return copy_sequence(c);
	return c->rc;
}

/* PostgreSQL: the table's id identity continues after the copied ids. */
static int
copy_sequence(struct copy *c)
{
	char	sql[COPY_SQL_MAX];

	if (util_snprintf(sql, sizeof(sql), "SELECT setval("
	    "pg_get_serial_sequence(?, 'id'), max(id)) FROM %s", c->table) ==
	    -1)
		return STORE_ERR;
	return store_sq(c->to, NULL, NULL, NULL, sql, "s", c->table);
}

int
store_copy(struct store *from, struct store *to,
    void (*cb)(const char *, int64_t, void *), void *arg)
{
	struct copy	c;
	size_t		i;
	int		rc;

	memset(&c, 0, sizeof(c));
	c.from = from;
	c.to = to;
	to->err[0] = '\0';
	if ((rc = copy_check(&c)) != STORE_OK)
		return rc;
	if ((rc = store_begin(to)) != STORE_OK)
		return rc;
	for (i = 0; i < NTABLES && rc == STORE_OK; i++) {
		rc = copy_table(&c, tables[i]);
		if (rc == STORE_OK && cb != NULL)
			cb(tables[i], c.rows, arg);
	}
	if (rc == STORE_OK)
		rc = store_commit(to);
	if (rc != STORE_OK)
		store_rollback(to);
	return rc;
}
