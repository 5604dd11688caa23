/*
 * store_auth: failed logins and the locks they lead to (store.h): the
 * per-username soft lock, the per-client lock for password spraying, and
 * the failure history `mailbox show` lists.  Usernames are normalised
 * with store_norm() before any statement sees them, so a lock holds for
 * every spelling of a name; unknown usernames are tracked like real ones.
 * A failure and the locks it causes are one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

#define FAILURE_KEEP	(30 * 86400)	/* forget failures after 30 days */

static int	row_failure(const struct store_val *, size_t, void *);

int
store_lock_get(struct store *st, const char *username, int64_t now,
    int64_t *until)
{
	struct row_ctx	c;
	char		u[STORE_ADDR_MAX + 1];

	*until = 0;
	c.out = until;
	c.found = 0;
	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_OK;
	if (store_sq(st, store_row_int, &c, NULL,
	    "SELECT locked_until FROM auth_lock "
	    "WHERE username = ? AND locked_until > ?", "si", u, now) !=
	    STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

int
store_lock_set(struct store *st, const char *username, int64_t until)
{
	char	u[STORE_ADDR_MAX + 1];

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_lock(username, "
	    "locked_until) VALUES(?, ?) ON CONFLICT(username) DO UPDATE SET "
	    "locked_until = excluded.locked_until", "si", u, until);
}

int
store_lock_clear(struct store *st, const char *username, int64_t now)
{
	char		u[STORE_ADDR_MAX + 1];
	struct row_ctx	c;
	int64_t		n = 1;

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	/* the common case, a login with nothing to forget, writes nothing:
	   a write transaction per session was the auth process's main cost */
	c.out = &n;
	c.found = 0;
	if (store_sq(st, store_row_int, &c, NULL, "SELECT "
	    "EXISTS(SELECT 1 FROM auth_lock WHERE username = ? AND "
	    "locked_until != 0) OR EXISTS(SELECT 1 FROM auth_failure WHERE "
	    "username = ? AND counted = 1 AND time >= COALESCE((SELECT "
	    "counted_from FROM auth_lock WHERE username = ?), 0))", "sss", u,
	    u, u) == STORE_OK && c.found && n == 0)
		return STORE_OK;
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_lock(username, "
	    "locked_until, counted_from) VALUES(?, 0, ?) ON CONFLICT(username) "
	    "DO UPDATE SET locked_until = 0, counted_from = excluded."
	    "counted_from", "si", u, now + 1);
}

int
store_ip_lock_get(struct store *st, const char *client, int64_t now,
    int64_t *until)
{
	struct row_ctx	c;

	*until = 0;
	c.out = until;
	c.found = 0;
	if (store_sq(st, store_row_int, &c, NULL,
	    "SELECT locked_until FROM ip_lock WHERE "
	    "client = ? AND locked_until > ?", "si", client, now) != STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

int
store_auth_failure(struct store *st, const char *protocol,
    const char *username, const char *client, const char *reason,
    int counts, int64_t now,
    const struct store_policy *p, int64_t *user_until, int64_t *ip_until)
{
	struct row_ctx	c;
	char		u[STORE_ADDR_MAX + 1];
	int64_t		n = 0, since = now - p->fail_window;
	int		rc, mine;

	*user_until = *ip_until = 0;
	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sq(st, NULL, NULL, NULL,
	    "INSERT INTO auth_failure(username, client, reason, counted, "
	    "time, protocol) VALUES(?, ?, ?, ?, ?, ?)", "sssiis", u, client,
	    reason, (int64_t)(counts != 0), now, protocol);
	if (rc == STORE_OK && !counts)
		return store_tx_end(st, mine, rc);
	if (rc == STORE_OK)	/* bounded: forget old failures a few at a time */
		rc = store_sq(st, NULL, NULL, NULL,
		    "DELETE FROM auth_failure WHERE id "
		    "IN (SELECT id FROM auth_failure WHERE time < ? LIMIT 100)",
		    "i", now - FAILURE_KEEP);
	c.out = &n;
	c.found = 0;
	if (rc == STORE_OK)
		rc = store_sq(st, store_row_int, &c, NULL,
		    "SELECT count(*) FROM "
		    "auth_failure WHERE username = ? AND time > ? AND time >= "
		    "COALESCE((SELECT counted_from FROM auth_lock WHERE "
		    "username = ?), 0) AND counted = 1", "sis", u, since, u);
	if (rc == STORE_OK && n >= p->fail_limit) {
		*user_until = now + p->lock_time;
		rc = store_lock_set(st, u, *user_until);
	}
	if (rc == STORE_OK)
		rc = store_sq(st, store_row_int, &c, NULL,
		    "SELECT count(DISTINCT username) "
		    "FROM auth_failure WHERE client = ? AND time > ? AND "
		    "counted = 1", "si", client, since);
	if (rc == STORE_OK && p->ip_fail_limit > 0 && n >= p->ip_fail_limit) {
		*ip_until = now + p->lock_time;
		rc = store_sq(st, NULL, NULL, NULL,
		    "INSERT INTO ip_lock(client, "
		    "locked_until) VALUES(?, ?) ON CONFLICT(client) DO UPDATE "
		    "SET locked_until = excluded.locked_until", "si", client,
		    *ip_until);
	}
	return store_tx_end(st, mine, rc);
}

static int
row_failure(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_failure	 f;

	if (n < 5 || store_col_str(&v[1], f.username,
	    sizeof(f.username)) == -1 ||
	    store_col_str(&v[2], f.client, sizeof(f.client)) == -1 ||
	    store_col_str(&v[3], f.reason, sizeof(f.reason)) == -1 ||
	    store_col_str(&v[4], f.protocol, sizeof(f.protocol)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	f.time = v[0].i;
	return ((store_failure_cb)c->out)(&f, c->arg);
}

int
store_failure_list(struct store *st, const char *username, size_t max,
    store_failure_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		u[STORE_ADDR_MAX + 1];
	int		rc;

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_failure, &c, NULL,
	    "SELECT time, username, client, reason, protocol "
	    "FROM auth_failure WHERE username = ? ORDER BY time DESC, "
	    "id DESC LIMIT ?", "si", u, (int64_t)max);
	return rc != STORE_OK ? rc : c.rc;
}
