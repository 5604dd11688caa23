/*
 * store_dkim: the DKIM keys of each domain (store.h), table dkim_key of
 * schema v3.  All of its SQL is here and runs through store_sq().
 *
 * Invariants: domain and selector are stored lower-case (DNS names are
 * compared without case); state is one of 'pending', 'active',
 * 'retired'; at most one key per domain and algorithm is active, because
 * activation retires the others in the same transaction.  A key goes
 * with its domain (ON DELETE CASCADE).
 *
 * Failure: the STORE_* codes of store.h; a value read back that does not
 * fit its field is STORE_ERR, never truncated.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define KEY_COLS "d.name, k.selector, k.algorithm, k.private_key, " \
	"k.public_key, k.state, k.created"

static const char *const state_names[] = {
	[STORE_DKIM_PENDING] = "pending",
	[STORE_DKIM_ACTIVE] = "active",
	[STORE_DKIM_RETIRED] = "retired",
};
#define NSTATES	(sizeof(state_names) / sizeof(state_names[0]))

static int	state_parse(const char *, enum store_dkim_state *);
static int	row_key(const struct store_val *, size_t, void *);
static int	row_alg(const struct store_val *, size_t, void *);
static int	key_query(struct store *, const char *, const char *,
		    store_dkim_cb, void *);

static int
state_parse(const char *s, enum store_dkim_state *out)
{
	size_t	i;

	for (i = 0; i < NSTATES; i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum store_dkim_state)i;
			return 0;
		}
	return -1;
}

static int
row_key(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_dkim_key	 k;
	char			 state[16];

	memset(&k, 0, sizeof(k));
	if (n < 7 || store_col_str(&v[0], k.domain, sizeof(k.domain)) == -1 ||
	    store_col_str(&v[1], k.selector, sizeof(k.selector)) == -1 ||
	    store_col_str(&v[2], k.algorithm, sizeof(k.algorithm)) == -1 ||
	    store_col_str(&v[3], k.private_key, sizeof(k.private_key)) == -1 ||
	    store_col_str(&v[4], k.public_key, sizeof(k.public_key)) == -1 ||
	    store_col_str(&v[5], state, sizeof(state)) == -1 ||
	    state_parse(state, &k.state) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	k.created = v[6].i;
	c->found = 1;
	return ((store_dkim_cb)c->out)(&k, c->arg);
}

/* The algorithm column into c->out (32 bytes). */
static int
row_alg(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx	*c = arg;

	c->found = 1;
	if (n < 1 || store_col_str(&v[0], c->out, 32) == -1)
		c->rc = STORE_ERR;
	return 1;
}

/* Keys of one domain (or all), oldest first; where: extra condition. */
static int
key_query(struct store *st, const char *domain, const char *where,
    store_dkim_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		d[STORE_ADDR_MAX + 1], sql[512];
	int		rc;

	if (util_snprintf(sql, sizeof(sql), "SELECT " KEY_COLS " FROM "
	    "dkim_key k JOIN domain d ON d.id = k.domain_id WHERE %s %s "
	    "ORDER BY d.name, k.created, k.id", domain ? "d.name = ?" :
	    "1 = 1", where) == -1)
		return STORE_ERR;
	if (domain == NULL)
		rc = store_sq(st, row_key, &c, NULL, sql, "");
	else if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	else
		rc = store_sq(st, row_key, &c, NULL, sql, "s", d);
	return rc != STORE_OK ? rc : c.rc;
}

int
store_dkim_add(struct store *st, const struct store_dkim_key *k)
{
	char	d[STORE_ADDR_MAX + 1], s[STORE_DKIM_SELECTOR_MAX + 1];
	int64_t	n = 0, created;
	int	rc;

	if (store_norm(st, k->domain, d, sizeof(d)) == -1 ||
	    store_norm(st, k->selector, s, sizeof(s)) == -1)
		return STORE_INVALID;
	if (s[0] == '\0' || (size_t)k->state >= NSTATES ||
	    k->private_key[0] == '\0' || k->public_key[0] == '\0') {
		snprintf(st->err, sizeof(st->err), "incomplete DKIM key");
		return STORE_INVALID;
	}
	created = k->created ? k->created : (int64_t)(util_now_ms() / 1000);
	rc = store_sq(st, NULL, NULL, &n, "INSERT INTO dkim_key(domain_id, "
	    "selector, algorithm, private_key, public_key, state, created) "
	    "SELECT id, ?, ?, ?, ?, ?, ? FROM domain WHERE name = ?",
	    "sssssis", s, k->algorithm, k->private_key, k->public_key,
	    state_names[k->state], created, d);
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;
	return rc;
}

int
store_dkim_list(struct store *st, const char *domain, store_dkim_cb cb,
    void *arg)
{
	return key_query(st, domain, "", cb, arg);
}

int
store_dkim_active(struct store *st, const char *domain, store_dkim_cb cb,
    void *arg)
{
	return key_query(st, domain, "AND k.state = 'active'", cb, arg);
}

int
store_dkim_activate(struct store *st, const char *domain,
    const char *selector)
{
	struct row_ctx	c;
	char		d[STORE_ADDR_MAX + 1], s[STORE_DKIM_SELECTOR_MAX + 1];
	char		alg[32];
	int		rc, mine;

	if (store_norm(st, domain, d, sizeof(d)) == -1 ||
	    store_norm(st, selector, s, sizeof(s)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.out = alg;
	rc = store_sq(st, row_alg, &c, NULL, "SELECT k.algorithm FROM "
	    "dkim_key k JOIN domain d ON d.id = k.domain_id WHERE d.name = ? "
	    "AND k.selector = ?", "ss", d, s);
	if (rc == STORE_OK && c.rc != STORE_OK)
		rc = c.rc;
	if (rc == STORE_OK && !c.found)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "UPDATE dkim_key SET "
		    "state = 'retired' WHERE domain_id = (SELECT id FROM "
		    "domain WHERE name = ?) AND algorithm = ? AND "
		    "state = 'active' AND selector <> ?", "sss", d, alg, s);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "UPDATE dkim_key SET "
		    "state = 'active' WHERE domain_id = (SELECT id FROM domain "
		    "WHERE name = ?) AND selector = ?", "ss", d, s);
	return store_tx_end(st, mine, rc);
}

int
store_dkim_remove(struct store *st, const char *domain, const char *selector)
{
	char	d[STORE_ADDR_MAX + 1], s[STORE_DKIM_SELECTOR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, domain, d, sizeof(d)) == -1 ||
	    store_norm(st, selector, s, sizeof(s)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "DELETE FROM dkim_key WHERE "
	    "domain_id = (SELECT id FROM domain WHERE name = ?) AND "
	    "selector = ?", "ss", d, s);
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;
	return rc;
}
