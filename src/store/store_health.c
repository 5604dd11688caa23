/*
 * store_health: a mailbox's sending health in the store (store.h, schema
 * v8 in store_sqlite.c): counters per UTC day, sender-fault rejections
 * per provider, the last outcomes and the pause.  The rules that decide
 * a pause are core/health.c's; this file only counts and remembers.
 *
 * The caller passes the time (lib/clock.h clock_now() in the queue, the
 * auth process and the CLI).  An outcome and its counters are written
 * together: one statement on PostgreSQL when there is one counter,
 * else one transaction.  What only bounds the tables' size is done
 * less often than at every outcome (each is a statement, a round trip
 * on PostgreSQL): a mailbox's outcome rows beyond the largest window
 * are trimmed at every 127th of them, the counters of past days once a
 * day.  An unknown mailbox (a sender that is not one of ours, or was removed meanwhile)
 * changes nothing and gives NOTFOUND.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define MAILBOX_ID	"(SELECT id FROM mailbox WHERE address = ?)"
#define HEALTH_TRIM_EVERY	127	/* outcomes (health_trim_due) */

/* The day of the last sweep of old counters (health_sweep_due). */
static _Atomic int64_t	health_swept_day;

static int	health_bump(struct store *, const char *, int64_t,
		    const char *, int64_t, int64_t *);
static int	row_window(const struct store_val *, size_t, void *);
static int	row_pause(const struct store_val *, size_t, void *);
static int	row_day(const struct store_val *, size_t, void *);
static int	row_provider(const struct store_val *, size_t, void *);
static uint64_t	col_u64(const struct store_val *);
struct health_trims;
static int	health_outcome_pg(struct store *, const char *, int64_t,
		    enum store_health_kind, struct health_trims *);
static int	health_trim_due(int64_t);
static int	health_trim(struct store *, int64_t);
static int	row_max(const struct store_val *, size_t, void *);
static int	health_sweep_due(int64_t);
static int	health_sweep(struct store *, int64_t);
static int	row_trim(const struct store_val *, size_t, void *);
static void	health_rows_make(void);
struct health_sum;
static int	health_sum_add(struct store *, struct health_sum *, size_t *,
		    const char *, int64_t, const struct store_health_rec *);
static int	health_rows(struct store *, const struct store_health_rec *,
		    size_t, size_t *);

static uint64_t
col_u64(const struct store_val *v)
{
	return v->type == STORE_T_INT && v->i > 0 ? (uint64_t)v->i : 0;
}

/*
 * Add n to one counter column of (mailbox a, day): col is ours.  One
 * atomic upsert; *changes (may be NULL) is 0 when there is no such
 * mailbox.
 */
static int
health_bump(struct store *st, const char *a, int64_t day, const char *col,
    int64_t n, int64_t *changes)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO health_day(mailbox_id, day, "
	    "%s) SELECT id, ?, ? FROM mailbox WHERE address = ? "
	    "ON CONFLICT(mailbox_id, day) DO UPDATE SET %s = "
	    "health_day.%s + excluded.%s", col, col, col, col);
	return store_sq(st, NULL, NULL, changes, sql, "iis", day, n, a);
}

int
store_health_submitted(struct store *st, const char *address, int64_t now,
    uint32_t n)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	found = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	/* one statement, no transaction: it runs for every message */
	rc = health_bump(st, a, clock_day(now), "submitted", n, &found);
	return rc == STORE_OK && found == 0 ? STORE_NOTFOUND : rc;
}

static const char *const health_cols[] = { "delivered", "bounced",
    "sender_fault", NULL, "sender_fault" };

/* outcome rows a statement: 4 arguments each, within STORE_ARGS_MAX */
#define HEALTH_ROWS	32

/* The mailboxes whose list an inserted outcome row says to trim. */
struct health_trims {
	int64_t	mb[HEALTH_ROWS];
	size_t	n;
	size_t	rows;		/* rows written */
};

/*
 * PostgreSQL, an outcome with at most one counter (the common one: not
 * deferred, no provider to blame): the outcome and its counter in one
 * statement, atomic by itself, so no transaction around it.  Its row
 * goes to *t as a batch's rows do (row_trim).
 */
static int
health_outcome_pg(struct store *st, const char *a, int64_t day,
    enum store_health_kind kind, struct health_trims *t)
{
	const char	*col = health_cols[kind];
	char		 sql[640];
	int		 rc;

	t->n = 0;
	t->rows = 0;
	if (col == NULL)
		rc = store_sq(st, row_trim, t, NULL, "INSERT INTO "
		    "health_outcome(mailbox_id, kind, provider) SELECT id, ?, "
		    "'' FROM mailbox WHERE address = ? RETURNING id, "
		    "mailbox_id", "is", (int64_t)kind, a);
	else {
		snprintf(sql, sizeof(sql), "WITH o AS (INSERT INTO "
		    "health_outcome(mailbox_id, kind, provider) SELECT id, ?, "
		    "'' FROM mailbox WHERE address = ? RETURNING id, "
		    "mailbox_id), d AS (INSERT INTO health_day(mailbox_id, "
		    "day, %s) SELECT mailbox_id, ?, 1 FROM o ON "
		    "CONFLICT(mailbox_id, day) DO UPDATE SET %s = "
		    "health_day.%s + 1) SELECT id, mailbox_id FROM o", col,
		    col, col);
		rc = store_sq(st, row_trim, t, NULL, sql, "isi",
		    (int64_t)kind, a, day);
	}
	return rc == STORE_OK && t->rows == 0 ? STORE_NOTFOUND : rc;
}

int
store_health_outcome(struct store *st, const char *address, int64_t now,
    enum store_health_kind kind, int deferred, const char *provider)
{
	struct store_health_rec	 r;
	struct health_trims	 trims;
	char			 a[STORE_ADDR_MAX + 1];
	int64_t			 day = clock_day(now);
	size_t			 written;
	int			 rc, mine = 0, alone;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (provider == NULL)
		provider = "";
	alone = store_is_pg(st) && !deferred && ((kind !=
	    STORE_HEALTH_SENDER && kind != STORE_HEALTH_BLOCKED) ||
	    provider[0] == '\0');
	if (!alone) {
		/* the batch's writer, for one: rows, counters, trim, sweep */
		memset(&r, 0, sizeof(r));
		memcpy(r.address, a, sizeof(r.address));
		if (util_strlcpy(r.provider, provider, sizeof(r.provider)) ==
		    -1) {
			snprintf(st->err, sizeof(st->err), "provider name too "
			    "long");
			return STORE_ERR;
		}
		r.now = now;
		r.kind = kind;
		r.deferred = deferred;
		if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
			return rc;
		rc = health_rows(st, &r, 1, &written);
		if (rc == STORE_OK && written == 0)
			rc = STORE_NOTFOUND;	/* not a mailbox */
		return store_tx_end(st, mine, rc);
	}
	rc = health_outcome_pg(st, a, day, kind, &trims);
	if (rc == STORE_OK && trims.n > 0)
		rc = health_trim(st, trims.mb[0]);
	if (rc == STORE_OK && health_sweep_due(day))
		rc = health_sweep(st, day);
	return rc;
}

/* The day counters of one mailbox and day, added up over a batch. */
struct health_sum {
	char		a[STORE_ADDR_MAX + 1];
	int64_t		day;
	int64_t		delivered, bounced, sender_fault, deferred;
};

static int
health_sum_write(struct store *st, const struct health_sum *h)
{
	if (h->delivered == 0 && h->bounced == 0 && h->sender_fault == 0 &&
	    h->deferred == 0)
		return STORE_OK;
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO health_day("
	    "mailbox_id, day, delivered, bounced, sender_fault, deferred) "
	    "SELECT id, ?, ?, ?, ?, ? FROM mailbox WHERE address = ? "
	    "ON CONFLICT(mailbox_id, day) DO UPDATE SET "
	    "delivered = health_day.delivered + excluded.delivered, "
	    "bounced = health_day.bounced + excluded.bounced, "
	    "sender_fault = health_day.sender_fault + excluded.sender_fault, "
	    "deferred = health_day.deferred + excluded.deferred", "iiiiis",
	    h->day, h->delivered, h->bounced, h->sender_fault, h->deferred,
	    h->a);
}

#define HEALTH_SUMS	16

/*
 * Add o to the batch's sum for (a, day), made if new; with all
 * HEALTH_SUMS in use the oldest is written first and its place reused.
 */
static int
health_sum_add(struct store *st, struct health_sum *sum, size_t *nsum,
    const char *a, int64_t day, const struct store_health_rec *o)
{
	struct health_sum	*h;
	size_t			 k;
	int			 rc = STORE_OK;

	for (k = 0; k < *nsum; k++)
		if (sum[k].day == day && strcmp(sum[k].a, a) == 0)
			break;
	if (k == *nsum) {
		if (*nsum == HEALTH_SUMS) {
			rc = health_sum_write(st, &sum[0]);
			memmove(&sum[0], &sum[1],
			    (HEALTH_SUMS - 1) * sizeof(sum[0]));
			k = --*nsum;
		}
		memset(&sum[k], 0, sizeof(sum[k]));
		util_strlcpy(sum[k].a, a, sizeof(sum[k].a));
		sum[k].day = day;
		(*nsum)++;
	}
	h = &sum[k];
	if (o->kind == STORE_HEALTH_DELIVERED)
		h->delivered++;
	else if (o->kind == STORE_HEALTH_BOUNCED)
		h->bounced++;
	else if (o->kind == STORE_HEALTH_SENDER ||
	    o->kind == STORE_HEALTH_BLOCKED)
		h->sender_fault++;
	if (o->deferred)
		h->deferred++;
	return rc;
}

/*
 * One INSERT for HEALTH_ROWS outcomes, in their order (the window reads
 * the newest by id); a row with address "" matches no mailbox and pads
 * a short batch, so the statement is always the same (prepared once).
 */
static pthread_once_t	health_rows_once = PTHREAD_ONCE_INIT;
static char		health_rows_sql[4096];

static void
health_rows_make(void)
{
	size_t	n, i;

	n = (size_t)snprintf(health_rows_sql, sizeof(health_rows_sql),
	    "INSERT INTO health_outcome(mailbox_id, kind, provider, n) "
	    "SELECT m.id, v.column2, v.column3, v.column5 FROM (VALUES ");
	for (i = 0; i < HEALTH_ROWS && n < sizeof(health_rows_sql); i++)
		n += (size_t)snprintf(health_rows_sql + n,
		    sizeof(health_rows_sql) - n, "%s(?, ?, ?, %zu, ?)",
		    i ? ", " : "", i);
	if (n < sizeof(health_rows_sql))
		snprintf(health_rows_sql + n, sizeof(health_rows_sql) - n,
		    ") AS v JOIN mailbox m ON m.address = v.column1 "
		    "ORDER BY v.column4 RETURNING id, mailbox_id");
}


static int
row_trim(const struct store_val *v, size_t n, void *arg)
{
	struct health_trims	*t = arg;
	size_t			 i;

	t->rows++;
	if (n < 2 || v[0].type != STORE_T_INT || v[1].type != STORE_T_INT ||
	    !health_trim_due(v[0].i))
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->mb[i] == v[1].i)
			return 0;
	if (t->n < HEALTH_ROWS)
		t->mb[t->n++] = v[1].i;
	return 0;
}

int
store_health_outcomes(struct store *st, const struct store_health_rec *v,
    size_t n)
{
	size_t	written;

	return health_rows(st, v, n, &written);
}

/*
 * A run: outcomes of one mailbox in a row, of one kind and provider,
 * written as one row of n (schema step 13).  A batch's runs wait here
 * until HEALTH_ROWS of them make a statement.
 */
struct health_runs {
	char			 a[HEALTH_ROWS][STORE_ADDR_MAX + 1];
	const char		*prov[HEALTH_ROWS];
	enum store_health_kind	 kind[HEALTH_ROWS];
	int64_t			 n[HEALTH_ROWS];
	size_t			 nruns;
};

/* Write the runs waiting, padded to HEALTH_ROWS; trim as the ids say. */
static int
health_runs_write(struct store *st, struct health_runs *h, size_t *written)
{
	struct health_trims	 trims;
	struct store_val	 args[HEALTH_ROWS * 4];
	size_t			 r, j;
	int			 rc;

	if (h->nruns == 0)
		return STORE_OK;
	for (r = 0; r < HEALTH_ROWS; r++) {
		args[r * 4].type = STORE_T_TEXT;
		args[r * 4].s = r < h->nruns ? h->a[r] : "";
		args[r * 4 + 1].type = STORE_T_INT;
		args[r * 4 + 1].i = r < h->nruns ? (int64_t)h->kind[r] : 0;
		args[r * 4 + 2].type = STORE_T_TEXT;
		args[r * 4 + 2].s = r < h->nruns ? h->prov[r] : "";
		args[r * 4 + 3].type = STORE_T_INT;
		args[r * 4 + 3].i = r < h->nruns ? h->n[r] : 0;
	}
	h->nruns = 0;
	trims.n = 0;
	trims.rows = 0;
	st->err[0] = '\0';
	rc = st->ops->exec(st->impl, health_rows_sql, args, HEALTH_ROWS * 4,
	    row_trim, &trims, NULL);
	*written += trims.rows;
	for (j = 0; j < trims.n && rc == STORE_OK; j++)
		rc = health_trim(st, trims.mb[j]);
	return rc;
}

/*
 * Add outcome o (of mailbox a, normalised) to the runs: to its
 * mailbox's last run if that has its kind and provider, else as a run
 * of its own, the waiting ones written first when there is no room.
 */
static int
health_runs_add(struct store *st, struct health_runs *h, const char *a,
    const struct store_health_rec *o, size_t *written)
{
	size_t	r;
	int	rc;

	for (r = h->nruns; r-- > 0; )
		if (strcmp(h->a[r], a) == 0) {
			if (h->kind[r] == o->kind &&
			    strcmp(h->prov[r], o->provider) == 0) {
				h->n[r]++;
				return STORE_OK;
			}
			break;
		}
	if (h->nruns == HEALTH_ROWS &&
	    (rc = health_runs_write(st, h, written)) != STORE_OK)
		return rc;
	r = h->nruns++;
	memcpy(h->a[r], a, sizeof(h->a[r]));
	h->prov[r] = o->provider;
	h->kind[r] = o->kind;
	h->n[r] = 1;
	return STORE_OK;
}

/* store_health_outcomes; *written: the rows written (0: no mailbox). */
static int
health_rows(struct store *st, const struct store_health_rec *v, size_t n,
    size_t *written)
{
	struct health_sum	 sum[HEALTH_SUMS];
	struct health_runs	 runs;
	char			 a[STORE_ADDR_MAX + 1];
	const char		*prov;
	int64_t			 day;
	size_t			 i, k, nsum = 0;
	int			 rc = STORE_OK;

	*written = 0;
	runs.nruns = 0;
	if (pthread_once(&health_rows_once, health_rows_make) != 0)
		return STORE_ERR;
	for (i = 0; i < n && rc == STORE_OK; i++) {
		const struct store_health_rec *o = &v[i];

		if (store_norm(st, o->address, a, sizeof(a)) == -1)
			continue;	/* too long: no mailbox */
		if ((rc = health_runs_add(st, &runs, a, o, written)) !=
		    STORE_OK)
			break;
		prov = o->provider;
		day = clock_day(o->now);
		/* a mailbox that is gone: these write nothing */
		if ((o->kind == STORE_HEALTH_SENDER ||
		    o->kind == STORE_HEALTH_BLOCKED) && prov[0] != '\0')
			rc = store_sq(st, NULL, NULL, NULL, "INSERT INTO "
			    "health_provider(mailbox_id, day, provider, "
			    "rejected) SELECT id, ?, ?, 1 FROM mailbox "
			    "WHERE address = ? ON CONFLICT(mailbox_id, "
			    "day, provider) DO UPDATE SET rejected = "
			    "health_provider.rejected + 1", "iss", day,
			    prov, a);
		if (rc == STORE_OK && health_sweep_due(day))
			rc = health_sweep(st, day);
		if (rc == STORE_OK)
			rc = health_sum_add(st, sum, &nsum, a, day, o);
	}
	if (rc == STORE_OK)
		rc = health_runs_write(st, &runs, written);
	for (k = 0; k < nsum && rc == STORE_OK; k++)
		rc = health_sum_write(st, &sum[k]);
	return rc;
}

/*
 * Is the outcome row just written the one that trims its mailbox's
 * list?  Every HEALTH_TRIM_EVERY-th of the mailbox's rows, by their ids
 * (a statement less for most messages on a database across the
 * network); the window's query reads the newest STORE_HEALTH_OUTCOMES
 * rows at most (a row is one outcome or more), so the rows above it
 * change nothing but the table's size, which stays under
 * STORE_HEALTH_OUTCOMES + HEALTH_TRIM_EVERY rows a mailbox in the long
 * run.  The modulus is prime: ids come from one
 * sequence shared by the mailboxes, so mailboxes sending in strict
 * turns get every residue unless their number is a multiple of it.
 */
static int
health_trim_due(int64_t id)
{
	return id <= 0 || id % HEALTH_TRIM_EVERY == 0;
}

/* Row callback: the largest first column into *(int64_t *)arg. */
static int
row_max(const struct store_val *v, size_t n, void *arg)
{
	int64_t	*max = arg;

	if (n > 0 && v[0].type == STORE_T_INT && v[0].i > *max)
		*max = v[0].i;
	return 0;
}

/*
 * Trim mailbox mb's outcomes to the newest STORE_HEALTH_OUTCOMES, from
 * where this handle trimmed it last (st->trims): rows below that are
 * gone, and reading them again cost a trim a scan of the mailbox's
 * every row, live or dead, since the table's last vacuum (on
 * PostgreSQL, thousands at a thousand messages a second).  A row whose
 * transaction committed after a trim passed its id (two nodes writing
 * one mailbox's outcomes at once) is below the mark without being
 * gone, and so is a row of a new mailbox that took a removed one's id
 * (SQLite reuses the largest): every HEALTH_TRIM_FULL-th trim of a
 * mailbox, and the first of a handle, reads from the start.  A
 * rollback forgets the marks (store_trims_forget).  A handle knows
 * STORE_TRIM_MAX mailboxes: with more sending at once most trims read
 * from the start, which is cheap then, as each has few rows.
 */
#define HEALTH_TRIM_FULL	16

static int
health_trim(struct store *st, int64_t mb)
{
	struct store_trim	*t = NULL;
	int64_t			 from = 0, max = 0;
	size_t			 i;
	int			 rc;

	for (i = 0; i < STORE_TRIM_MAX; i++)
		if (st->trims[i].mailbox_id == mb) {
			t = &st->trims[i];
			break;
		}
	if (t == NULL) {
		t = &st->trims[st->trim_next];
		st->trim_next = (st->trim_next + 1) % STORE_TRIM_MAX;
		memset(t, 0, sizeof(*t));
		t->mailbox_id = mb;
	} else if (++t->n % HEALTH_TRIM_FULL != 0)
		from = t->below;
	rc = store_sq(st, row_max, &max, NULL, "DELETE FROM health_outcome "
	    "WHERE mailbox_id = ? AND id > ? AND id <= (SELECT id FROM "
	    "health_outcome WHERE mailbox_id = ? AND id > ? ORDER BY id DESC "
	    "LIMIT 1 OFFSET ?) RETURNING id", "iiiii", mb, from, mb, from,
	    (int64_t)STORE_HEALTH_OUTCOMES);
	if (rc == STORE_OK && max > t->below)
		t->below = max;	/* a failure rolls back: store_trims_forget */
	return rc;
}

/*
 * The first outcome of a day in this process forgets the counters
 * older than STORE_HEALTH_DAYS, once, not at every outcome: old rows
 * only cost space, never change a count.
 */
static int
health_sweep_due(int64_t day)
{
	int64_t	last = atomic_load(&health_swept_day);

	return last != day && atomic_compare_exchange_strong(
	    &health_swept_day, &last, day);
}

static int
health_sweep(struct store *st, int64_t day)
{
	int	rc;

	rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM health_day "
	    "WHERE day < ?", "i", day - STORE_HEALTH_DAYS);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM "
		    "health_provider WHERE day < ?", "i",
		    day - STORE_HEALTH_DAYS);
	if (rc != STORE_OK)
		atomic_store(&health_swept_day, 0);	/* the next one */
	return rc;
}

/* One complaint (a feedback report) about mail the mailbox sent. */
int
store_health_complaint(struct store *st, const char *address, int64_t now)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "INSERT INTO health_day(mailbox_id, "
	    "day, complaints) SELECT id, ?, 1 FROM mailbox WHERE address = ? "
	    "ON CONFLICT(mailbox_id, day) DO UPDATE SET complaints = "
	    "health_day.complaints + 1", "is", clock_day(now), a);
	if (rc == STORE_OK && n == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

/* store_health_window's rows: the window, and how many it holds. */
struct win_ctx {
	struct health_window	*w;
	uint32_t		 want;
};

static int
row_window(const struct store_val *v, size_t n, void *arg)
{
	struct win_ctx		*c = arg;
	struct health_window	*w = c->w;
	const char		*p;
	uint32_t		 i, k;

	if (n < 3 || w->known >= c->want)
		return 1;
	/* a row is a run of v[2] outcomes (1 if unreadable); the window
	   may end inside it */
	k = c->want - w->known;
	if (v[2].type != STORE_T_INT || v[2].i <= 0)
		k = 1;
	else if (v[2].i < (int64_t)k)
		k = (uint32_t)v[2].i;
	w->known += k;
	if (v[0].i == STORE_HEALTH_BOUNCED)
		w->bounced += k;
	if (v[0].i != STORE_HEALTH_BLOCKED || (p = v[1].s) == NULL ||
	    p[0] == '\0')
		return 0;
	for (i = 0; i < w->nblocked && i < HEALTH_BLOCKED_MAX; i++)
		if (strcmp(w->blocked[i], p) == 0)
			return 0;
	if (w->nblocked >= HEALTH_BLOCKED_MAX)
		return 0;	/* enough to judge; counted up to the max */
	snprintf(w->blocked[w->nblocked], sizeof(w->blocked[0]), "%s", p);
	w->nblocked++;
	return 0;
}

/*
 * The newest `window` outcomes: as many rows at most, each a run of one
 * or more (the last one read may count in part).
 */
int
store_health_window(struct store *st, const char *address, uint32_t window,
    struct health_window *w)
{
	struct win_ctx	c = { w, window };
	char		a[STORE_ADDR_MAX + 1];

	memset(w, 0, sizeof(*w));
	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	return store_sq(st, row_window, &c, NULL, "SELECT o.kind, "
	    "o.provider, o.n FROM health_outcome o JOIN mailbox m ON "
	    "o.mailbox_id = m.id WHERE m.address = ? AND o.id > "
	    "m.health_from ORDER BY o.id DESC LIMIT ?", "si", a,
	    (int64_t)window);
}

/* Pause or resume: a mailbox row's pause, older outcomes forgotten. */
int
store_health_pause(struct store *st, const char *address, int64_t until,
    const char *reason)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc, mine;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sq(st, NULL, NULL, &n, "UPDATE mailbox SET "
	    "health_paused_until = ?, health_reason = ?, "
	    "health_pauses = health_pauses + 1, health_from = "
	    "(SELECT coalesce(max(id), 0) FROM health_outcome) "
	    "WHERE address = ?", "iss", until, reason, a);
	if (rc == STORE_OK && n == 0)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = store_notice(st, store_domain_of(a));
	return store_tx_end(st, mine, rc);
}

int
store_health_resume(struct store *st, const char *address)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc, mine;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sq(st, NULL, NULL, &n, "UPDATE mailbox SET "
	    "health_paused_until = 0, health_from = "
	    "(SELECT coalesce(max(id), 0) FROM health_outcome) "
	    "WHERE address = ?", "s", a);
	if (rc == STORE_OK && n == 0)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = store_notice(st, store_domain_of(a));
	return store_tx_end(st, mine, rc);
}

int
store_health_expire(struct store *st, const char *address, int64_t until)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "UPDATE mailbox SET "
	    "health_paused_until = 0 WHERE address = ? AND "
	    "health_paused_until = ? AND health_paused_until != 0", "si", a,
	    until);
	return rc == STORE_OK && n == 0 ? STORE_NOTFOUND : rc;
}

static int
row_pause(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx			*c = arg;
	struct store_health_pause	*p = c->out;

	if (n < 5) {
		c->rc = STORE_ERR;
		return 1;
	}
	p->paused_until = v[0].i;
	if (store_col_str(&v[1], p->reason, sizeof(p->reason)) == -1)
		p->reason[0] = '\0';
	p->pauses = (uint32_t)col_u64(&v[2]);
	p->dom_total = (uint32_t)col_u64(&v[3]);
	p->dom_paused = (uint32_t)col_u64(&v[4]);
	p->suppressed_any = n < 6 || v[5].type != STORE_T_INT || v[5].i != 0;
	c->found = 1;
	return 1;
}

int
store_health_status(struct store *st, const char *address, int64_t now,
    struct store_health_pause *p)
{
	return store_health_status_any(st, address, now, NULL, p);
}

int
store_health_status_any(struct store *st, const char *address, int64_t now,
    const char *domain, struct store_health_pause *p)
{
	struct row_ctx	c = { p, NULL, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1], d[STORE_ADDR_MAX + 1];
	int64_t		until = 0;
	struct row_ctx	u = { &until, NULL, 0, STORE_OK };
	int		rc;

	memset(p, 0, sizeof(*p));
	p->suppressed_any = 1;
	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (domain == NULL || store_norm(st, domain, d, sizeof(d)) == -1)
		d[0] = '\0';
	rc = store_sq(st, row_pause, &c, NULL, "SELECT m.health_paused_until, "
	    "m.health_reason, m.health_pauses, "
	    "(SELECT count(*) FROM mailbox d WHERE d.domain_id = m.domain_id),"
	    " (SELECT count(*) FROM mailbox d WHERE d.domain_id = m.domain_id"
	    " AND d.health_paused_until > ?), "
	    "? = '' OR EXISTS(SELECT 1 FROM suppression s JOIN domain sd ON "
	    "sd.id = s.domain_id WHERE sd.name = ?) "
	    "FROM mailbox m WHERE m.address = ?", "isss", now, d, d, a);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	if (!c.found)
		return STORE_NOTFOUND;
	p->paused = now < p->paused_until;
	p->domain = health_domain_paused(p->dom_paused, p->dom_total);
	if (!p->domain)
		return STORE_OK;
	/* it ends when the paused drop below the need: the (paused -
	   need + 1)th pause to end */
	rc = store_sq(st, store_row_int, &u, NULL, "SELECT "
	    "health_paused_until FROM mailbox WHERE domain_id = (SELECT "
	    "domain_id FROM mailbox WHERE address = ?) AND "
	    "health_paused_until > ? ORDER BY health_paused_until "
	    "LIMIT 1 OFFSET ?", "sii", a, now,
	    (int64_t)(p->dom_paused - health_domain_need(p->dom_total)));
	p->domain_until = until;
	return rc;
}

static int
row_day(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_health_day	 d;

	if (n < 7)
		return 1;
	d.day = v[0].i;
	d.submitted = col_u64(&v[1]);
	d.delivered = col_u64(&v[2]);
	d.deferred = col_u64(&v[3]);
	d.bounced = col_u64(&v[4]);
	d.sender_fault = col_u64(&v[5]);
	d.complaints = col_u64(&v[6]);
	return ((store_health_day_cb)c->out)(&d, c->arg);
}

int
store_health_days(struct store *st, const char *address, int64_t from_day,
    store_health_day_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1];

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	return store_sq(st, row_day, &c, NULL, "SELECT day, submitted, "
	    "delivered, deferred, bounced, sender_fault, complaints FROM "
	    "health_day WHERE mailbox_id = " MAILBOX_ID " AND day >= ? "
	    "ORDER BY day", "si", a, from_day);
}

static int
row_provider(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx	*c = arg;

	if (n < 3 || v[1].s == NULL)
		return 1;
	return ((store_health_provider_cb)c->out)(v[0].i, v[1].s,
	    col_u64(&v[2]), c->arg);
}

int
store_health_providers(struct store *st, const char *address,
    int64_t from_day, store_health_provider_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1];

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	return store_sq(st, row_provider, &c, NULL, "SELECT day, provider, "
	    "rejected FROM health_provider WHERE mailbox_id = " MAILBOX_ID
	    " AND day >= ? ORDER BY day, provider", "si", a, from_day);
}
