/*
 * store_suppress: the per-domain suppression list (store.h).  A cold
 * sender protects each sending domain's reputation by never mailing an
 * address again, from that domain, once it hard-bounced; the same
 * address may still be mailed from another local domain.
 *
 * The domain is the local (sending) domain and must exist: its row owns
 * the entries (ON DELETE CASCADE, schema v3 in store_sqlite.c).  Domain
 * and address are normalised to lower case with store_norm() before any
 * statement sees them, so lookups ignore case.  The reason is the remote
 * server's reply as given; callers that show it to a client sanitise it.
 * A reason or source that does not fit its field is refused
 * (STORE_INVALID), never truncated.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define SUPPRESS_COLS	"d.name, s.address, s.reason, s.source, s.created"

static int	row_suppression(const struct store_val *, size_t, void *);

static int
row_suppression(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx			*c = arg;
	struct store_suppression	 s;

	memset(&s, 0, sizeof(s));
	if (n < 5 || store_col_str(&v[0], s.domain, sizeof(s.domain)) == -1 ||
	    store_col_str(&v[1], s.address, sizeof(s.address)) == -1 ||
	    store_col_str(&v[2], s.reason, sizeof(s.reason)) == -1 ||
	    store_col_str(&v[3], s.source, sizeof(s.source)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	s.created = v[4].i;
	c->found = 1;
	if (c->arg == NULL) {		/* single get */
		memcpy(c->out, &s, sizeof(s));
		return 1;
	}
	return ((store_suppression_cb)c->out)(&s, c->arg);
}

int
store_suppress_add(struct store *st, const char *domain, const char *address,
    const char *reason, const char *source, int64_t now)
{
	char	d[STORE_ADDR_MAX + 1], a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc, mine;

	if (store_norm(st, domain, d, sizeof(d)) == -1 ||
	    store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_INVALID;
	if (reason == NULL || strlen(reason) > STORE_REASON_MAX ||
	    source == NULL || source[0] == '\0' ||
	    strlen(source) >= sizeof(((struct store_suppression *)0)->source)) {
		snprintf(st->err, sizeof(st->err), "reason (at most %d "
		    "characters) or source invalid", STORE_REASON_MAX);
		return STORE_INVALID;
	}
	/* one statement: insert, or refresh an existing entry; and the
	   notice for the nodes that keep "this list is empty" (store.h) */
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sq(st, NULL, NULL, &n, "INSERT INTO suppression(domain_id, "
	    "address, reason, source, created) SELECT id, ?, ?, ?, ? FROM "
	    "domain WHERE name = ? ON CONFLICT(domain_id, address) DO UPDATE "
	    "SET reason = excluded.reason, source = excluded.source, "
	    "created = excluded.created", "sssis", a, reason, source, now, d);
	if (rc == STORE_OK && n == 0) {
		snprintf(st->err, sizeof(st->err), "domain %s is not "
		    "configured", d);
		rc = STORE_NOTFOUND;
	}
	if (rc == STORE_OK)
		rc = store_notice(st, d);
	return store_tx_end(st, mine, rc);
}

int
store_suppress_get(struct store *st, const char *domain, const char *address,
    struct store_suppression *out)
{
	struct row_ctx	c = { out, NULL, 0, STORE_OK };
	char		d[STORE_ADDR_MAX + 1], a[STORE_ADDR_MAX + 1];
	int		rc;

	if (store_norm(st, domain, d, sizeof(d)) == -1 ||
	    store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;	/* too long to have been stored */
	rc = store_sq(st, row_suppression, &c, NULL, "SELECT " SUPPRESS_COLS
	    " FROM suppression s JOIN domain d ON d.id = s.domain_id "
	    "WHERE d.name = ? AND s.address = ?", "ss", d, a);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_suppress_any(struct store *st, const char *domain)
{
	struct row_ctx	c;
	int64_t		one = 0;
	char		d[STORE_ADDR_MAX + 1];

	c.out = &one;
	c.found = 0;
	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	if (store_sq(st, store_row_int, &c, NULL, "SELECT 1 FROM suppression "
	    "s JOIN domain d ON d.id = s.domain_id WHERE d.name = ? LIMIT 1",
	    "s", d) != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_suppress_remove(struct store *st, const char *domain,
    const char *address)
{
	char	d[STORE_ADDR_MAX + 1], a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, domain, d, sizeof(d)) == -1 ||
	    store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "DELETE FROM suppression WHERE "
	    "address = ? AND domain_id = (SELECT id FROM domain WHERE "
	    "name = ?)", "ss", a, d);
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;
	return rc;
}

int
store_suppress_list(struct store *st, const char *domain,
    store_suppression_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	static char	dummy;
	char		d[STORE_ADDR_MAX + 1];
	int		rc;

	if (arg == NULL)
		c.arg = &dummy;	/* NULL arg means "get" to the row callback */
	if (domain == NULL)
		rc = store_sq(st, row_suppression, &c, NULL, "SELECT "
		    SUPPRESS_COLS " FROM suppression s JOIN domain d ON "
		    "d.id = s.domain_id ORDER BY d.name, s.address", "");
	else if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	else
		rc = store_sq(st, row_suppression, &c, NULL, "SELECT "
		    SUPPRESS_COLS " FROM suppression s JOIN domain d ON "
		    "d.id = s.domain_id WHERE d.name = ? ORDER BY s.address",
		    "s", d);
	return rc != STORE_OK ? rc : c.rc;
}
