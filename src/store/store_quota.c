/*
 * store_quota: a mailbox's daily budget (its daily limit and its warm-up
 * allowance) spent exactly, across the sessions of a node and across the
 * nodes of one database (schema 12, store.h "daily budget").
 *
 * Each recipient a session accepts first takes a hold: one sent_hold row
 * made by one conditional INSERT that adds the row only while the
 * recipients counted (sent) plus the holds still running stay under both
 * the limit (24 h) and today's ramp allowance (since 00:00 UTC).  The
 * decision is the database's, never a count read here and written back.
 * When the message is accepted its transaction's holds become a count,
 * in one transaction (the sum of counts and holds never moves, so no
 * other reader sees the recipient twice or not at all); when the
 * transaction ends without a message its holds go.
 *
 * Atomicity: on SQLite a statement runs alone (one writer at a time), so
 * the INSERT is enough.  On PostgreSQL a statement reads the snapshot it
 * started with, so two INSERTs at once could both see room for one;
 * there the INSERT runs in a transaction after a lock on the mailbox's
 * name (store_tx_lock), and so with a snapshot taken after the previous
 * holder committed.  Nothing else needs the lock: a settle never raises
 * the sum and a release lowers it.
 *
 * A hold left by a crash (a node that died between RCPT and the end of
 * its transaction) stops counting STORE_HOLD_TTL seconds after it was
 * made and is deleted at the next settle of any transaction.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "store/store.h"
#include "store/store_int.h"

static int	quota_insert(struct store *, const char *, uint64_t, int64_t,
		    uint32_t, uint32_t, int64_t *);
static int	quota_explain(struct store *, const char *, int64_t,
		    struct store_quota *);
static int	quota_settle_pg(struct store *, const char *, uint64_t,
		    uint32_t, int64_t, int64_t *);

/*
 * The conditional INSERT: one hold for tx while counts + holds stay
 * under the limit (0: none) and the allowance (0: no ramp today).
 * *made: 1 if the hold was made.
 */
static int
quota_insert(struct store *st, const char *a, uint64_t tx, int64_t now,
    uint32_t limit, uint32_t allowance, int64_t *made)
{
	*made = 0;
	return store_sq(st, NULL, NULL, made,
	    "INSERT INTO sent_hold(mailbox_id, tx, time) SELECT q.id, ?, ? "
	    "FROM (SELECT m.id, "
	    "(SELECT COALESCE(sum(s.count), 0) FROM sent s WHERE "
	    "s.mailbox_id = m.id AND s.time > ?) AS last24, "
	    "(SELECT COALESCE(sum(s.count), 0) FROM sent s WHERE "
	    "s.mailbox_id = m.id AND s.time >= ?) AS today, "
	    "(SELECT count(*) FROM sent_hold h WHERE h.mailbox_id = m.id AND "
	    "h.time > ?) AS held FROM mailbox m WHERE m.address = ?) q "
	    "WHERE (? = 0 OR q.last24 + q.held < ?) AND "
	    "(? = 0 OR q.today + q.held < ?)", "iiiiisiiii", (int64_t)tx, now,
	    now - 86400, clock_day_start(now), now - STORE_HOLD_TTL, a,
	    (int64_t)limit, (int64_t)limit, (int64_t)allowance,
	    (int64_t)allowance);
}

/* For a refusal's reply: the counts with the running holds added. */
static int
quota_explain(struct store *st, const char *a, int64_t now,
    struct store_quota *q)
{
	struct row_ctx	c;
	int64_t		held = 0, oldest = 0;

	c.out = &held;
	c.found = 0;
	if (store_sent_count(st, a, now - 86400, &q->sent, &q->oldest) !=
	    STORE_OK || store_sent_count(st, a, clock_day_start(now) - 1,
	    &q->ws.sent_today, &oldest) != STORE_OK ||
	    store_sq(st, store_row_int, &c, NULL, "SELECT count(*) FROM "
	    "sent_hold h JOIN mailbox m ON m.id = h.mailbox_id WHERE "
	    "m.address = ? AND h.time > ?", "si", a,
	    now - STORE_HOLD_TTL) != STORE_OK)
		return STORE_ERR;
	q->held = held > 0 ? (uint64_t)held : 0;
	q->sent += q->held;
	q->ws.sent_today += q->held;
	return STORE_OK;
}

int
store_sent_reserve(struct store *st, const char *address, uint64_t tx,
    int64_t now, uint32_t default_target, struct store_quota *q)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	made = 0;
	int	rc, mine = 0, locked = st->ops->lock != NULL;

	memset(q, 0, sizeof(*q));
	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_warmup_now(st, a, now, default_target, &q->ws);
	if (rc != STORE_OK)
		return rc;
	q->limit = q->ws.w.daily_limit;
	if (q->limit == 0 && !q->ws.active) {
		q->reserved = 1;	/* nothing to spend */
		return STORE_OK;
	}
	if (locked && ((rc = store_tx_begin(st, &mine)) != STORE_OK ||
	    (rc = store_tx_lock(st, "quota", a)) != STORE_OK))
		return store_tx_end(st, mine, rc);
	rc = quota_insert(st, a, tx, now, q->limit, q->ws.active ?
	    q->ws.allowance : 0, &made);
	if (locked && (rc = store_tx_end(st, mine, rc)) != STORE_OK)
		return rc;
	if (rc != STORE_OK)
		return rc;
	q->reserved = made > 0;
	return q->reserved ? STORE_OK : quota_explain(st, a, now, q);
}

/*
 * PostgreSQL: a transaction's whole end in one statement, atomic by
 * itself: its holds and expired ones go, the count is added to its
 * minute and to the day's submitted counter.  The minute's count is
 * returned in *total (0 if the mailbox is gone).
 */
static int
quota_settle_pg(struct store *st, const char *a, uint64_t tx,
    uint32_t count, int64_t now, int64_t *total)
{
	struct row_ctx	c;

	c.out = total;
	c.found = 0;
	return store_sq(st, store_row_int, &c, NULL,
	    "WITH h AS (DELETE FROM sent_hold WHERE tx = ? OR time <= ?), "
	    "s AS (INSERT INTO sent(mailbox_id, time, count) SELECT id, ?, ? "
	    "FROM mailbox WHERE address = ? ON CONFLICT(mailbox_id, time) DO "
	    "UPDATE SET count = sent.count + excluded.count "
	    "RETURNING mailbox_id, count), "
	    "d AS (INSERT INTO health_day(mailbox_id, day, submitted) "
	    "SELECT mailbox_id, ?, ? FROM s ON CONFLICT(mailbox_id, day) DO "
	    "UPDATE SET submitted = health_day.submitted + excluded.submitted) "
	    "SELECT count FROM s", "iiiisii", (int64_t)tx,
	    now - STORE_HOLD_TTL, now - now % 60, (int64_t)count, a,
	    clock_day(now), (int64_t)count);
}

/*
 * PostgreSQL: SETTLE_ROWS settlements in one statement, as
 * quota_settle_pg does one: their holds and the expired ones go, each
 * mailbox's recipients are added to their minutes and their days'
 * submitted counters, grouped first (one row may not be updated twice
 * in a statement).  A row with address "" matches no mailbox and pads
 * a short batch (its tx 0 is no hold's: a hold's id is never 0), so
 * the statement is always the same.  It returns how many minutes it
 * started, for the prune.
 */
#define SETTLE_ROWS	24	/* 5 arguments a row, and the cut-off */

static pthread_once_t	settle_once = PTHREAD_ONCE_INIT;
static char		settle_sql[4096];

static void
settle_make(void)
{
	size_t	n, i;

	n = (size_t)snprintf(settle_sql, sizeof(settle_sql), "WITH v AS "
	    "(VALUES ");
	for (i = 0; i < SETTLE_ROWS && n < sizeof(settle_sql); i++)
		n += (size_t)snprintf(settle_sql + n, sizeof(settle_sql) - n,
		    "%s(?, ?, ?, ?, ?)", i ? ", " : "");
	if (n < sizeof(settle_sql))
		snprintf(settle_sql + n, sizeof(settle_sql) - n, "), "
		    "h AS (DELETE FROM sent_hold WHERE tx IN (SELECT column2 "
		    "FROM v) OR time <= ?), "
		    "g AS (SELECT m.id AS mb, v.column4 AS minute, v.column5 "
		    "AS day, sum(v.column3)::bigint AS n FROM v JOIN mailbox m "
		    "ON m.address = v.column1 GROUP BY m.id, v.column4, "
		    "v.column5), "
		    "s AS (INSERT INTO sent(mailbox_id, time, count) SELECT "
		    "mb, minute, n FROM g ON CONFLICT(mailbox_id, time) DO "
		    "UPDATE SET count = sent.count + excluded.count RETURNING "
		    "mailbox_id, time, count), "
		    "d AS (INSERT INTO health_day(mailbox_id, day, submitted) "
		    "SELECT mb, day, sum(n)::bigint FROM g GROUP BY mb, day ON "
		    "CONFLICT(mailbox_id, day) DO UPDATE SET submitted = "
		    "health_day.submitted + excluded.submitted) "
		    "SELECT count(*) FROM s JOIN g ON s.mailbox_id = g.mb AND "
		    "s.time = g.minute WHERE s.count = g.n");
}

int
store_sent_settle_many(struct store *st, const struct store_settle *v,
    size_t n)
{
	struct store_val	 args[SETTLE_ROWS * 5 + 1];
	struct row_ctx		 c;
	char			 a[SETTLE_ROWS][STORE_ADDR_MAX + 1];
	int64_t			 started, oldest;
	size_t			 i, r;
	int			 rc = STORE_OK, x;

	if (!store_is_pg(st)) {
		for (i = 0; i < n && rc == STORE_OK; i++)
			if ((x = store_sent_settle(st, v[i].address, v[i].tx,
			    v[i].count, v[i].now)) != STORE_NOTFOUND)
				rc = x;	/* a mailbox gone counts nothing */
		return rc;
	}
	if (pthread_once(&settle_once, settle_make) != 0)
		return STORE_ERR;
	for (i = 0; i < n && rc == STORE_OK; i += SETTLE_ROWS) {
		oldest = INT64_MAX;
		for (r = 0; r < SETTLE_ROWS; r++) {
			const struct store_settle *o = i + r < n ? &v[i + r] :
			    NULL;

			a[r][0] = '\0';
			if (o != NULL && store_norm(st, o->address, a[r],
			    sizeof(a[r])) == -1)
				a[r][0] = '\0';
			args[r * 5].type = STORE_T_TEXT;
			args[r * 5].s = a[r];
			args[r * 5 + 1].type = STORE_T_INT;
			args[r * 5 + 1].i = o != NULL ? (int64_t)o->tx : 0;
			args[r * 5 + 2].type = STORE_T_INT;
			args[r * 5 + 2].i = o != NULL ? (int64_t)o->count : 0;
			args[r * 5 + 3].type = STORE_T_INT;
			args[r * 5 + 3].i = o != NULL ? o->now - o->now % 60 : 0;
			args[r * 5 + 4].type = STORE_T_INT;
			args[r * 5 + 4].i = o != NULL ? clock_day(o->now) : 0;
			if (o != NULL && o->now < oldest)
				oldest = o->now;
		}
		args[SETTLE_ROWS * 5].type = STORE_T_INT;
		args[SETTLE_ROWS * 5].i = oldest - STORE_HOLD_TTL;
		started = 0;
		c.out = &started;
		c.found = 0;
		st->err[0] = '\0';
		rc = st->ops->exec(st->impl, settle_sql, args,
		    SETTLE_ROWS * 5 + 1, store_row_int, &c, NULL);
		if (rc == STORE_OK && started > 0)
			rc = store_sent_prune(st, oldest);	/* new minutes */
	}
	return rc;
}

/*
 * The end of a transaction: its holds go (and any older than
 * STORE_HOLD_TTL), and count recipients are counted, in the sent
 * records and the sending health's submitted counter, all at once: one
 * statement on PostgreSQL, one transaction on SQLite.
 */
int
store_sent_settle(struct store *st, const char *address, uint64_t tx,
    uint32_t count, int64_t now)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	total = 0;
	int	rc, mine;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (count == 0)
		return store_sq(st, NULL, NULL, NULL, "DELETE FROM sent_hold "
		    "WHERE tx = ? OR time <= ?", "ii", (int64_t)tx,
		    now - STORE_HOLD_TTL);
	if (store_is_pg(st) && !st->in_tx) {
		rc = quota_settle_pg(st, a, tx, count, now, &total);
		if (rc == STORE_OK && total == (int64_t)count)
			rc = store_sent_prune(st, now);	/* a new minute */
		return rc;
	}
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sent_add(st, a, count, now);
	if (rc == STORE_OK && (rc = store_health_submitted(st, a, now,
	    count)) == STORE_NOTFOUND)
		rc = STORE_OK;	/* gone meanwhile: nothing counted */
	if (rc == STORE_OK && tx != 0)
		rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM sent_hold "
		    "WHERE tx = ? OR time <= ?", "ii", (int64_t)tx,
		    now - STORE_HOLD_TTL);
	return store_tx_end(st, mine, rc);
}
