/*
 * store_page: mailboxes a page at a time, for the admin API and console
 * (store.h).  Keyset pagination on the address (the primary order):
 * "after" is the last address of the previous page, so a page costs the
 * same at the end of 10,000 mailboxes as at the start and a mailbox added
 * meanwhile never shifts the pages.  Each row carries what the mailbox
 * list shows: lock and pause state, last good login, failed logins and
 * messages sent in the last 24 h (what the daily limit counts), delivered
 * and bounced recipients of the last 7 UTC days, the warm-up start.
 *
 * The filters are a domain, a piece of the address (LIKE with its
 * wildcards escaped) and a state (locked, paused, active); every
 * statement is one of four fixed texts, so the backend keeps each
 * prepared.  Failure: STORE_ERR from the backend, STORE_INVALID for a
 * filter that does not fit.
 */
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define ROW_COLS \
	"SELECT m.address, d.name, m.created, m.daily_limit, " \
	"COALESCE((SELECT CASE WHEN l.all_until > l.locked_until THEN " \
	"l.all_until ELSE l.locked_until END FROM auth_lock l WHERE " \
	"l.username = m.address), 0), m.health_paused_until, " \
	"m.health_reason, m.warmup_start, COALESCE((SELECT " \
	"MAX(f.last_login) FROM auth_familiar f WHERE f.username = " \
	"m.address), 0), (SELECT COUNT(*) FROM auth_failure a WHERE " \
	"a.username = m.address AND a.time > ?), (SELECT " \
	"COALESCE(SUM(s.count), 0) FROM sent s WHERE s.mailbox_id = m.id " \
	"AND s.time > ?), (SELECT COALESCE(SUM(h.delivered), 0) FROM " \
	"health_day h WHERE h.mailbox_id = m.id AND h.day >= ?), (SELECT " \
	"COALESCE(SUM(h.bounced), 0) FROM health_day h WHERE h.mailbox_id " \
	"= m.id AND h.day >= ?) " \
	"FROM mailbox m JOIN domain d ON d.id = m.domain_id "
#define PAGE_COLS	ROW_COLS \
	"WHERE (d.name = ? OR ? = '') AND (m.address LIKE ? ESCAPE '!' OR " \
	"? = '') AND m.address > ? "
#define LOCKED \
	"EXISTS (SELECT 1 FROM auth_lock l WHERE l.username = m.address " \
	"AND (l.locked_until > ? OR l.all_until > ?))"
#define PAGE_END	"ORDER BY m.address LIMIT ?"

static const char *page_sql[] = {
	PAGE_COLS PAGE_END,
	PAGE_COLS "AND " LOCKED " " PAGE_END,
	PAGE_COLS "AND m.health_paused_until > ? " PAGE_END,
	PAGE_COLS "AND m.health_paused_until <= ? AND NOT " LOCKED " "
	    PAGE_END,
};
#define ONE_SQL	ROW_COLS "WHERE m.address = ?"

static int	 row_page(const struct store_val *, size_t, void *);
static int	 like_pattern(const char *, char *, size_t);
static int	 row_one(const struct store_mailbox_row *, void *);

static int
row_page(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_mailbox_row r;

	memset(&r, 0, sizeof(r));
	if (n < 13 || store_col_str(&v[0], r.address, sizeof(r.address)) ==
	    -1 || store_col_str(&v[1], r.domain, sizeof(r.domain)) == -1 ||
	    store_col_str(&v[6], r.pause_reason, sizeof(r.pause_reason)) ==
	    -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	r.created = v[2].i;
	r.daily_limit = (uint32_t)v[3].i;
	r.locked_until = v[4].i;
	r.paused_until = v[5].i;
	r.warmup_start = v[7].i;
	r.last_login = v[8].i;
	r.failures_24h = v[9].i;
	r.sent_24h = v[10].i;
	r.delivered_7d = v[11].i;
	r.bounced_7d = v[12].i;
	c->found++;
	return ((store_mailbox_row_cb)c->out)(&r, c->arg);
}

/* "%text%" with LIKE's wildcards and the escape escaped. */
static int
like_pattern(const char *text, char *out, size_t outsz)
{
	size_t	o = 0;

	if (outsz < 3)
		return -1;
	out[o++] = '%';
	for (; *text != '\0'; text++) {
		if (o + 4 >= outsz)
			return -1;
		if (*text == '%' || *text == '_' || *text == '!')
			out[o++] = '!';
		out[o++] = *text;
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}

int
store_mailbox_page(struct store *st, const struct store_page_query *q,
    store_mailbox_row_cb cb, void *arg)
{
	struct row_ctx		c = { (void *)cb, arg, 0, STORE_OK };
	struct store_val	v[STORE_ARGS_MAX];
	char			dom[STORE_ADDR_MAX + 1], text[STORE_ADDR_MAX + 1];
	char			like[2 * STORE_ADDR_MAX + 4];
	char			after[STORE_ADDR_MAX + 1];
	size_t			n = 0, k;
	int			rc;

	if (store_norm(st, q->domain, dom, sizeof(dom)) == -1 ||
	    store_norm(st, q->text, text, sizeof(text)) == -1 ||
	    store_norm(st, q->after, after, sizeof(after)) == -1 ||
	    like_pattern(text, like, sizeof(like)) == -1 ||
	    q->state < STORE_PAGE_ANY || q->state > STORE_PAGE_ACTIVE)
		return STORE_INVALID;
#define ARG_I(x)	(v[n].type = STORE_T_INT, v[n].i = (x), n++)
#define ARG_S(x)	(v[n].type = STORE_T_TEXT, v[n].s = (x), n++)
	ARG_I(q->now - 86400);
	ARG_I(q->now - 86400);
	ARG_I(clock_day(q->now) - 6);
	ARG_I(clock_day(q->now) - 6);
	ARG_S(dom);
	ARG_S(dom);
	ARG_S(like);
	ARG_S(text);
	ARG_S(after);
	k = q->state == STORE_PAGE_LOCKED ? 2 : q->state ==
	    STORE_PAGE_PAUSED ? 1 : q->state == STORE_PAGE_ACTIVE ? 3 : 0;
	while (k-- > 0)
		ARG_I(q->now);
	ARG_I(q->limit);
#undef ARG_I
#undef ARG_S
	st->err[0] = '\0';
	rc = st->ops->exec(st->impl, page_sql[q->state], v, n, row_page, &c,
	    NULL);
	return rc != STORE_OK ? rc : c.rc;
}

static int
row_one(const struct store_mailbox_row *r, void *arg)
{
	memcpy(arg, r, sizeof(*r));
	return 1;
}

int
store_mailbox_row_get(struct store *st, const char *address, int64_t now,
    struct store_mailbox_row *out)
{
	struct row_ctx	c = { (void *)row_one, out, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1];
	int		rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_page, &c, NULL, ONE_SQL, "iiiis", now - 86400,
	    now - 86400, clock_day(now) - 6, clock_day(now) - 6, a);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}
