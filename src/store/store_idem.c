/*
 * store_idem: the API's idempotency records (store.h, schema step 11,
 * table api_idempotency): a request that carries an Idempotency-Key has
 * its answer kept under (actor, key) for 24 hours, with the SHA-256 of
 * the body it answered, so that a client that retries after a lost answer
 * gets the first answer back instead of a second run (api_provision.c).
 * The answer kept never holds a password: the caller strips them.
 *
 * Expired records are deleted when a new one is kept; a read ignores
 * those older than its caller's horizon, so an expired key is free
 * again even before that.
 */
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

#define IDEM_TTL	86400

struct idem_ctx {
	store_idem_cb	 cb;
	void		*arg;
	int		 found;
};

static int	row_idem(const struct store_val *, size_t, void *);

static int
row_idem(const struct store_val *v, size_t n, void *arg)
{
	struct idem_ctx	*c = arg;

	if (n < 3 || v[0].type != STORE_T_TEXT || v[2].type != STORE_T_TEXT)
		return 1;
	c->found = 1;
	(void)c->cb(v[0].s, (int)v[1].i, v[2].s, c->arg);
	return 1;
}

int
store_idem_get(struct store *st, const char *actor, const char *key,
    int64_t since, store_idem_cb cb, void *arg)
{
	struct idem_ctx	c = { cb, arg, 0 };
	int		rc;

	rc = store_sq(st, row_idem, &c, NULL, "SELECT request, status, answer "
	    "FROM api_idempotency WHERE actor = ? AND idem_key = ? AND "
	    "created >= ?", "ssi", actor, key, since);
	if (rc != STORE_OK)
		return rc;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_idem_put(struct store *st, const char *actor, const char *key,
    const char *request, int64_t now, int status, const char *answer)
{
	int	rc;

	rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM api_idempotency "
	    "WHERE created < ?", "i", now - IDEM_TTL);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "INSERT INTO "
		    "api_idempotency(actor, idem_key, request, created, status, "
		    "answer) VALUES(?, ?, ?, ?, ?, ?)", "sssiis", actor, key,
		    request, now, (int64_t)status, answer);
	return rc;
}
