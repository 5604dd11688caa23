/*
 * store_warmup: a mailbox's warm-up ramp in the store (store.h, schema v7
 * in store_sqlite.c: columns of the mailbox row, so the ramp goes with
 * its mailbox).  The arithmetic is core/warmup.c's; this file turns the
 * stored unix days into ramp days and counts what the mailbox sent since
 * 00:00 UTC of the caller's time with store_sent_count() (recipients).
 *
 * The caller passes the time (the auth process and the CLI use
 * lib/clock.h's clock_now(), so tests can move the day).  A freeze reads
 * and writes inside one transaction, so two signals at once step down
 * twice rather than once.
 */
#include <stdio.h>
#include <string.h>

#include "core/warmup.h"
#include "lib/clock.h"
#include "store/store.h"
#include "store/store_int.h"

#define WARMUP_COLS	"warmup_start, warmup_first, warmup_step, " \
	"warmup_frozen_until, warmup_held, warmup_resume, warmup_downs, " \
	"daily_limit"

static int	row_warmup(const struct store_val *, size_t, void *);
static int	warmup_changed(int, int64_t);
static void	warmup_today_of(const struct store_warmup *, int64_t, uint32_t,
		    struct store_warmup_status *);
static uint32_t	col_u32(const struct store_val *);

static uint32_t
col_u32(const struct store_val *v)
{
	return v->type == STORE_T_INT && v->i > 0 && v->i <= UINT32_MAX ?
	    (uint32_t)v->i : 0;
}

static int
row_warmup(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_warmup	*w = c->out;

	if (n < 8) {
		c->rc = STORE_ERR;
		return 1;
	}
	w->start_day = v[0].i;
	w->first = col_u32(&v[1]);
	w->step = col_u32(&v[2]);
	w->frozen_until = v[3].i;
	w->held = col_u32(&v[4]);
	w->resume_day = v[5].i;
	w->downs = col_u32(&v[6]);
	w->daily_limit = col_u32(&v[7]);
	c->found = 1;
	return 1;
}

int
store_warmup_get(struct store *st, const char *address,
    struct store_warmup *w)
{
	struct row_ctx	c = { w, NULL, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1];

	memset(w, 0, sizeof(*w));
	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (store_sq(st, row_warmup, &c, NULL, "SELECT " WARMUP_COLS
	    " FROM mailbox WHERE address = ?", "s", a) != STORE_OK ||
	    c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

/* The result of an UPDATE of one mailbox row: NOTFOUND if none. */
static int
warmup_changed(int rc, int64_t n)
{
	return rc == STORE_OK && n == 0 ? STORE_NOTFOUND : rc;
}

int
store_warmup_start(struct store *st, const char *address, int64_t now,
    uint32_t first, uint32_t step)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "UPDATE mailbox SET "
	    "warmup_start = ?, "
	    "warmup_first = CASE WHEN ? > 0 THEN ? ELSE warmup_first END, "
	    "warmup_step = CASE WHEN ? > 0 THEN ? ELSE warmup_step END, "
	    "warmup_frozen_until = 0, warmup_held = 0, warmup_resume = 0, "
	    "warmup_downs = 0 WHERE address = ?", "iiiiis", clock_day(now),
	    (int64_t)first, (int64_t)first, (int64_t)step, (int64_t)step, a);
	return warmup_changed(rc, n);
}

int
store_warmup_stop(struct store *st, const char *address)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "UPDATE mailbox SET "
	    "warmup_start = 0, warmup_frozen_until = 0, warmup_held = 0, "
	    "warmup_resume = 0, warmup_downs = 0 WHERE address = ?", "s", a);
	return warmup_changed(rc, n);
}

int
store_warmup_param(struct store *st, const char *address, const char *key,
    uint32_t value)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (value == 0 || value > 1000000 || (strcmp(key, "first") != 0 &&
	    strcmp(key, "step") != 0)) {
		snprintf(st->err, sizeof(st->err), "warm-up %s must be a "
		    "number from 1 to 1000000", key);
		return STORE_INVALID;
	}
	rc = store_sq(st, NULL, NULL, &n, strcmp(key, "first") == 0 ?
	    "UPDATE mailbox SET warmup_first = ? WHERE address = ?" :
	    "UPDATE mailbox SET warmup_step = ? WHERE address = ?", "is",
	    (int64_t)value, a);
	return warmup_changed(rc, n);
}

/* The stored ramp at now, through core/warmup.c, without the count. */
static void
warmup_today_of(const struct store_warmup *w, int64_t now,
    uint32_t default_target, struct store_warmup_status *s)
{
	struct warmup_plan	p;
	struct warmup_today	t;

	memset(s, 0, sizeof(*s));
	s->w = *w;
	s->on = w->start_day != 0;
	s->target = w->daily_limit > 0 ? w->daily_limit : default_target;
	s->frozen = w->held > 0 && now < w->frozen_until;
	if (!s->on)
		return;
	memset(&p, 0, sizeof(p));
	p.day = clock_day(now) - w->start_day + 1;
	p.first = w->first;
	p.step = w->step;
	p.target = s->target;
	p.held = w->held;
	p.resume_day = w->resume_day - w->start_day + 1;
	p.frozen = s->frozen;
	warmup_compute(&p, &t);
	s->day = t.day;
	s->total = t.total;
	s->allowance = t.allowance;
	s->active = t.active;
}

int
store_warmup_now(struct store *st, const char *address, int64_t now,
    uint32_t default_target, struct store_warmup_status *s)
{
	struct store_warmup	w;
	int			rc;

	memset(s, 0, sizeof(*s));
	if ((rc = store_warmup_get(st, address, &w)) != STORE_OK)
		return rc;
	warmup_today_of(&w, now, default_target, s);
	return STORE_OK;
}

int
store_warmup_status(struct store *st, const char *address, int64_t now,
    uint32_t default_target, struct store_warmup_status *s)
{
	int64_t	oldest;
	int	rc;

	if ((rc = store_warmup_now(st, address, now, default_target, s)) !=
	    STORE_OK)
		return rc;
	/* sent records are per minute: since 00:00 means time >= it */
	return store_sent_count(st, address, clock_day_start(now) - 1,
	    &s->sent_today, &oldest);
}

int
store_warmup_freeze(struct store *st, const char *address, int64_t now,
    int64_t duration, uint32_t default_target,
    struct store_warmup_status *out)
{
	struct store_warmup_status	 s;
	char				 a[STORE_ADDR_MAX + 1];
	int64_t				 until = now + duration;
	uint32_t			 held;
	int				 rc, mine;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	/* the mailbox row first: two nodes' freezes step down in turn */
	rc = store_sq(st, NULL, NULL, NULL, "UPDATE mailbox SET id = id WHERE "
	    "address = ?", "s", a);
	if (rc == STORE_OK)
		rc = store_warmup_status(st, a, now, default_target, &s);
	if (rc == STORE_OK && !s.on) {
		snprintf(st->err, sizeof(st->err), "warm-up is off for %s",
		    a);
		rc = STORE_INVALID;
	}
	if (rc == STORE_OK) {
		held = warmup_step_down(s.allowance);
		if (s.frozen && s.w.frozen_until > until)
			until = s.w.frozen_until;
		rc = store_sq(st, NULL, NULL, NULL, "UPDATE mailbox SET "
		    "warmup_frozen_until = ?, warmup_held = ?, "
		    "warmup_resume = ?, warmup_downs = warmup_downs + 1 "
		    "WHERE address = ?", "iiis", until, (int64_t)held,
		    clock_day(until), a);
	}
	rc = store_tx_end(st, mine, rc);
	if (rc == STORE_OK && out != NULL)
		rc = store_warmup_status(st, a, now, default_target, out);
	return rc;
}
