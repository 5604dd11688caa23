/*
 * store_auth: failed logins and the locks they lead to (store.h): the
 * per-username soft lock with the familiar-client rule, the per-client
 * lock for password spraying, and the failure history `mailbox show`
 * lists.  Usernames are normalised with store_norm() before any statement
 * sees them, so a lock holds for every spelling of a name; unknown
 * usernames are tracked like real ones.
 *
 * The familiar-client rule ("lock the attacker, not the owner").  Each
 * username has one lock for its unfamiliar sources (auth_lock) and one
 * for each network it logged in from within familiar_time
 * (auth_familiar, the network being the client address cut to the
 * policy's prefix).  A client is judged by exactly one of them: its
 * network's if that is familiar, else the unfamiliar sources'.  So an
 * attacker guessing from anywhere locks every unfamiliar source, but not
 * the networks the owner logs in from; and a familiar network's own
 * mistakes lock only itself.  The administrator's lock (all_until) holds
 * for every source.
 *
 * Invariants:
 *  - A network becomes familiar only through a successful login
 *    (store_login_ok): no failure, and no one without the password, can
 *    make a client familiar.
 *  - Every failure counts toward exactly one username lock, its source's
 *    (auth_failure.source: the familiar network, '' for the unfamiliar
 *    sources).  Only a failure from an unfamiliar source counts toward
 *    the client's distinct-username count: a platform that logs in to
 *    hundreds of mailboxes and fails on a few of them (a user changed a
 *    password) is not spraying, while an address guessing names it has
 *    never logged in to is.  The caller turns the client count off
 *    (ip_fail_limit 0) for auth_trusted_clients.
 *  - A client lock never refuses a login to a mailbox for which the
 *    client is familiar (auth.c asks store_ip_lock_get only for the
 *    others), and the connect-time check refuses only a locked client
 *    familiar to no mailbox (store_client_familiar).
 *  - The unfamiliar sources' count and lock change only through their own
 *    failures, a success of a client that was not yet familiar, admin
 *    unlock or a new password: a familiar login never lifts them, or the
 *    owner's platform, logging in all day, would hand an attacker fresh
 *    guesses each time.
 *  - Bounded: at most STORE_FAMILIAR_MAX networks per username (least
 *    recently used evicted, expired dropped), and only real mailboxes
 *    ever log in; auth_failure keeps the newest failures_max rows and
 *    none older than FAILURE_KEEP; expired client locks and stale
 *    username lock rows are dropped a few at a time with each failure.
 *    An attacker rotating addresses and usernames therefore cannot grow
 *    the store without bound.
 *  - A failure and the locks it causes are one transaction.  A login
 *    with nothing to forget or refresh writes nothing.
 *  - Across nodes sharing one database (PostgreSQL) the count and the
 *    lock it leads to are atomic: a failure first takes the username's
 *    transaction lock (store_tx_lock), then the client's, always in that
 *    order, so two failures of one username, on any nodes, are counted
 *    one after the other and the fail_limit-th locks wherever it lands.
 *    On SQLite the write transaction already serialises them.
 *
 * Failure: STORE_ERR from the backend (the caller answers 454 4.7.0);
 * a username too long to normalise is STORE_INVALID, or no lock for
 * the read functions.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define FAILURE_KEEP	(30 * 86400)	/* forget failures after 30 days */
#define PRUNE_BATCH	100		/* stale rows dropped per failure */

/* The lock state a client is judged by (source_load). */
struct source_state {
	char		network[STORE_CLIENT_MAX + 1];	/* the client's
							   network, "" none */
	int		familiar;	/* network logged in recently */
	int64_t		last_login;	/* of the familiar record */
	int64_t		locked_until;	/* the source's own lock */
	int64_t		counted_from;	/* its failures before: forgotten */
	int64_t		all_until;	/* the lock on every source */
};

/* Up to INTS_MAX integer columns of one row. */
#define INTS_MAX	4
struct ints {
	int64_t		v[INTS_MAX];
	int		found;
};

static int	row_ints(const struct store_val *, size_t, void *);
static int	row_failure(const struct store_val *, size_t, void *);
static int	row_familiar(const struct store_val *, size_t, void *);
static const char *source_of(const struct source_state *);
static int	source_load(struct store *, const char *, const char *,
		    int64_t, const struct store_policy *,
		    struct source_state *);
static int	source_pending(struct store *, const char *,
		    const struct source_state *, int *);
static int	source_count(struct store *, const char *,
		    const struct source_state *, int64_t, int64_t *);
static int	source_lock(struct store *, const char *,
		    const struct source_state *, int64_t);
static int	source_forget(struct store *, const char *,
		    const struct source_state *, int64_t);
static int	familiar_add(struct store *, const char *, const char *,
		    int64_t, const struct store_policy *);
static int	failure_prune(struct store *, int64_t,
		    const struct store_policy *);

static int
row_ints(const struct store_val *v, size_t n, void *arg)
{
	struct ints	*r = arg;
	size_t		 i;

	r->found = 1;
	for (i = 0; i < n && i < INTS_MAX; i++)
		r->v[i] = v[i].type == STORE_T_INT ? v[i].i : 0;
	return 1;
}

/* auth_failure.source of the client's failures. */
static const char *
source_of(const struct source_state *ss)
{
	return ss->familiar ? ss->network : "";
}

/*
 * Which lock judges a client: its network's, if that network logged in
 * within familiar_time, else the unfamiliar sources'.  ss->network is
 * the client's network even when not familiar (store_login_ok adds it);
 * "" when the rule is off or the client is not a numeric address.
 */
static int
source_load(struct store *st, const char *u, const char *client,
    int64_t now, const struct store_policy *p, struct source_state *ss)
{
	struct ints	l, f;

	memset(ss, 0, sizeof(*ss));
	memset(&l, 0, sizeof(l));
	memset(&f, 0, sizeof(f));
	if (p->familiar_time > 0 && client != NULL)
		(void)util_addr_network(client, p->familiar_v4,
		    p->familiar_v6, ss->network, sizeof(ss->network));
	if (store_sq(st, row_ints, &l, NULL, "SELECT locked_until, "
	    "counted_from, all_until FROM auth_lock WHERE username = ?", "s",
	    u) != STORE_OK)
		return STORE_ERR;
	if (ss->network[0] != '\0' && store_sq(st, row_ints, &f, NULL,
	    "SELECT last_login, locked_until, counted_from FROM auth_familiar "
	    "WHERE username = ? AND network = ? AND last_login >= ?", "ssi", u,
	    ss->network, now - p->familiar_time) != STORE_OK)
		return STORE_ERR;
	ss->all_until = l.v[2];
	if (f.found) {
		ss->familiar = 1;
		ss->last_login = f.v[0];
		ss->locked_until = f.v[1];
		ss->counted_from = f.v[2];
	} else {
		ss->locked_until = l.v[0];
		ss->counted_from = l.v[1];
	}
	return STORE_OK;
}

/* Is there anything to forget: a lock, or failures that still count? */
static int
source_pending(struct store *st, const char *u, const struct source_state *ss,
    int *pending)
{
	struct row_ctx	c;
	int64_t		n = 0;

	*pending = ss->locked_until != 0;
	if (*pending)
		return STORE_OK;
	c.out = &n;
	c.found = 0;
	if (store_sq(st, store_row_int, &c, NULL, "SELECT EXISTS(SELECT 1 "
	    "FROM auth_failure WHERE username = ? AND source = ? AND "
	    "counted = 1 AND time >= ?)", "ssi", u, source_of(ss),
	    ss->counted_from) != STORE_OK)
		return STORE_ERR;
	*pending = n != 0;
	return STORE_OK;
}

/* Counted failures of the client's source within the window. */
static int
source_count(struct store *st, const char *u, const struct source_state *ss,
    int64_t since, int64_t *n)
{
	struct row_ctx	c;

	*n = 0;
	c.out = n;
	c.found = 0;
	return store_sq(st, store_row_int, &c, NULL, "SELECT count(*) FROM "
	    "auth_failure WHERE username = ? AND source = ? AND counted = 1 "
	    "AND time > ? AND time >= ?", "ssii", u, source_of(ss), since,
	    ss->counted_from);
}

static int
source_lock(struct store *st, const char *u, const struct source_state *ss,
    int64_t until)
{
	if (ss->familiar)
		return store_sq(st, NULL, NULL, NULL, "UPDATE auth_familiar "
		    "SET locked_until = ? WHERE username = ? AND network = ?",
		    "iss", until, u, ss->network);
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_lock("
	    "username, locked_until) VALUES(?, ?) ON CONFLICT(username) DO "
	    "UPDATE SET locked_until = excluded.locked_until", "si", u, until);
}

/*
 * A success: lift the source's lock, forget its failures of earlier
 * seconds.  Times are whole seconds, so a failure in the same second as
 * the success still counts: the other way round, the guesses that
 * follow a success within its second would not count at all.
 */
static int
source_forget(struct store *st, const char *u, const struct source_state *ss,
    int64_t now)
{
	if (ss->familiar)
		return store_sq(st, NULL, NULL, NULL, "UPDATE auth_familiar "
		    "SET last_login = ?, locked_until = 0, counted_from = ? "
		    "WHERE username = ? AND network = ?", "iiss", now, now, u,
		    ss->network);
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_lock(username, "
	    "locked_until, counted_from) VALUES(?, 0, ?) ON CONFLICT(username) "
	    "DO UPDATE SET locked_until = 0, counted_from = excluded."
	    "counted_from", "si", u, now);
}

/*
 * network logged in: familiar from now, with a clean slate (an expired
 * record's old lock and failures do not come back).  Then the expired
 * and, beyond STORE_FAMILIAR_MAX, the least recently used go; never the
 * network that just logged in.
 */
static int
familiar_add(struct store *st, const char *u, const char *network,
    int64_t now, const struct store_policy *p)
{
	int	rc;

	rc = store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_familiar("
	    "username, network, last_login, locked_until, counted_from) "
	    "VALUES(?, ?, ?, 0, ?) ON CONFLICT(username, network) DO UPDATE "
	    "SET last_login = excluded.last_login, locked_until = 0, "
	    "counted_from = excluded.counted_from", "ssii", u, network, now,
	    now);
	if (rc != STORE_OK)
		return rc;
	return store_sq(st, NULL, NULL, NULL, "DELETE FROM auth_familiar "
	    "WHERE username = ? AND network != ? AND (last_login < ? OR "
	    "network NOT IN (SELECT network FROM auth_familiar WHERE "
	    "username = ? ORDER BY network = ? DESC, last_login DESC, network "
	    "LIMIT ?))", "ssissi", u, network, now - p->familiar_time, u,
	    network, (int64_t)STORE_FAMILIAR_MAX);
}

/*
 * Keep the failure history bounded whoever sends the failures: the
 * newest failures_max rows (ids grow with time), none older than
 * FAILURE_KEEP; client locks that ended; username lock rows with no lock
 * and nothing left to forget (counted_from before the window).  Each
 * statement touches a few rows per failure, through an index.
 */
static int
failure_prune(struct store *st, int64_t now, const struct store_policy *p)
{
	int64_t	keep = p->failures_max > 0 ? p->failures_max :
		    STORE_FAILURES_MAX;
	int	rc;

	rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM auth_failure WHERE "
	    "id <= (SELECT max(id) FROM auth_failure) - ?", "i", keep);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM auth_failure "
		    "WHERE id IN (SELECT id FROM auth_failure WHERE time < ? "
		    "LIMIT ?)", "ii", now - FAILURE_KEEP,
		    (int64_t)PRUNE_BATCH);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM ip_lock WHERE "
		    "client IN (SELECT client FROM ip_lock WHERE locked_until "
		    "< ? LIMIT ?)", "ii", now, (int64_t)PRUNE_BATCH);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM auth_lock "
		    "WHERE username IN (SELECT username FROM auth_lock WHERE "
		    "locked_until < ? AND all_until < ? AND counted_from < ? "
		    "LIMIT ?)", "iiii", now, now, now - p->fail_window,
		    (int64_t)PRUNE_BATCH);
	return rc;
}

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
	    "SELECT CASE WHEN all_until > locked_until THEN all_until ELSE "
	    "locked_until END FROM auth_lock WHERE username = ? AND "
	    "(locked_until > ? OR all_until > ?)", "sii", u, now, now) !=
	    STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

int
store_source_lock(struct store *st, const char *username, const char *client,
    int64_t now, const struct store_policy *p, struct store_source *out)
{
	struct source_state	ss;
	char			u[STORE_ADDR_MAX + 1];
	int64_t			until;

	memset(out, 0, sizeof(*out));
	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_OK;
	if (source_load(st, u, client, now, p, &ss) != STORE_OK)
		return STORE_ERR;
	if (ss.familiar)
		util_strlcpy(out->network, ss.network, sizeof(out->network));
	until = ss.locked_until > now ? ss.locked_until : 0;
	if (ss.all_until > now && ss.all_until >= until) {
		until = ss.all_until;
		out->all = 1;
	}
	out->locked_until = until;
	return STORE_OK;
}

int
store_lock_set(struct store *st, const char *username, int64_t until)
{
	char	u[STORE_ADDR_MAX + 1];

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_lock(username, "
	    "all_until) VALUES(?, ?) ON CONFLICT(username) DO UPDATE SET "
	    "all_until = excluded.all_until", "si", u, until);
}

int
store_lock_clear(struct store *st, const char *username, int64_t now)
{
	char	u[STORE_ADDR_MAX + 1];
	int	rc, mine;

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	/* a clean slate: every failure up to the end of this second goes */
	rc = store_sq(st, NULL, NULL, NULL, "INSERT INTO auth_lock(username, "
	    "locked_until, counted_from, all_until) VALUES(?, 0, ?, 0) ON "
	    "CONFLICT(username) DO UPDATE SET locked_until = 0, counted_from = "
	    "excluded.counted_from, all_until = 0", "si", u, now + 1);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "UPDATE auth_familiar SET "
		    "locked_until = 0, counted_from = ? WHERE username = ?",
		    "is", now + 1, u);
	return store_tx_end(st, mine, rc);
}

int
store_login_ok(struct store *st, const char *username, const char *client,
    int64_t now, const struct store_policy *p)
{
	struct source_state	ss;
	char			u[STORE_ADDR_MAX + 1];
	int			rc, mine, pending;

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	/* read outside a transaction: the common case, a familiar network
	   logging in again with nothing to forget, writes nothing (a write
	   transaction per session was the auth process's main cost) */
	if (source_load(st, u, client, now, p, &ss) != STORE_OK ||
	    source_pending(st, u, &ss, &pending) != STORE_OK)
		return STORE_ERR;
	if (!pending && (ss.familiar ? ss.last_login > now -
	    STORE_FAMILIAR_REFRESH : ss.network[0] == '\0'))
		return STORE_OK;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	if (pending || ss.familiar)
		rc = source_forget(st, u, &ss, now);
	if (rc == STORE_OK && !ss.familiar && ss.network[0] != '\0')
		rc = familiar_add(st, u, ss.network, now, p);
	return store_tx_end(st, mine, rc);
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
store_client_familiar(struct store *st, const char *client, int64_t now,
    const struct store_policy *p, int *familiar)
{
	struct row_ctx	c;
	char		network[STORE_CLIENT_MAX + 1];
	int64_t		n = 0;

	*familiar = 0;
	if (p->familiar_time <= 0 || client == NULL ||
	    util_addr_network(client, p->familiar_v4, p->familiar_v6,
	    network, sizeof(network)) == -1 || network[0] == '\0')
		return STORE_OK;
	c.out = &n;
	c.found = 0;
	if (store_sq(st, store_row_int, &c, NULL, "SELECT EXISTS(SELECT 1 "
	    "FROM auth_familiar WHERE network = ? AND last_login >= ?)", "si",
	    network, now - p->familiar_time) != STORE_OK)
		return STORE_ERR;
	*familiar = n != 0;
	return STORE_OK;
}

int
store_auth_failure(struct store *st, const char *protocol,
    const char *username, const char *client, const char *reason,
    int counts, int64_t now,
    const struct store_policy *p, int64_t *user_until, int64_t *ip_until)
{
	struct source_state	ss;
	struct row_ctx		c;
	char			u[STORE_ADDR_MAX + 1];
	int64_t			n = 0, since = now - p->fail_window;
	int			rc, mine;

	*user_until = *ip_until = 0;
	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_INVALID;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	/* one failure of a username at a time, on every node: the count
	   below sees every failure committed before this one */
	rc = store_tx_lock(st, "auth_failure user", u);
	if (rc == STORE_OK)
		rc = source_load(st, u, client, now, p, &ss);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL,
		    "INSERT INTO auth_failure(username, client, reason, "
		    "counted, time, protocol, source) VALUES(?, ?, ?, ?, ?, ?, "
		    "?)", "sssiiss", u, client, reason, (int64_t)(counts != 0),
		    now, protocol, source_of(&ss));
	if (rc == STORE_OK)
		rc = failure_prune(st, now, p);
	if (rc == STORE_OK && !counts)
		return store_tx_end(st, mine, rc);
	if (rc == STORE_OK)
		rc = source_count(st, u, &ss, since, &n);
	if (rc == STORE_OK && n >= p->fail_limit) {
		*user_until = now + p->lock_time;
		rc = source_lock(st, u, &ss, *user_until);
	}
	if (rc != STORE_OK || p->ip_fail_limit == 0 || ss.familiar)
		return store_tx_end(st, mine, rc);
	/* spraying: unfamiliar usernames only, familiar ones never count;
	   one failure of a client at a time too (after the username's:
	   always in that order) */
	c.out = &n;
	c.found = 0;
	rc = store_tx_lock(st, "auth_failure client", client);
	if (rc == STORE_OK)
		rc = store_sq(st, store_row_int, &c, NULL,
		    "SELECT count(DISTINCT username) "
		    "FROM auth_failure WHERE client = ? AND time > ? AND "
		    "counted = 1 AND source = ''", "si", client, since);
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

int
store_failure_recent(struct store *st, const char *domain, size_t max,
    store_failure_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		d[STORE_ADDR_MAX + 2];
	int		rc;

	if (util_snprintf(d, sizeof(d), "@%s", domain) == -1)
		return STORE_INVALID;
	rc = store_sq(st, row_failure, &c, NULL,
	    "SELECT time, username, client, reason, protocol "
	    "FROM auth_failure WHERE ? = '' OR lower(substr(username, "
	    "length(username) - length(?) + 1)) = lower(?) "
	    "ORDER BY time DESC, id DESC LIMIT ?", "sssi", domain, d, d,
	    (int64_t)max);
	return rc != STORE_OK ? rc : c.rc;
}

static int
row_familiar(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_familiar	 f;

	if (n < 3 || store_col_str(&v[0], f.network, sizeof(f.network)) ==
	    -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	f.last_login = v[1].i;
	f.locked_until = v[2].i;
	return ((store_familiar_cb)c->out)(&f, c->arg);
}

int
store_familiar_list(struct store *st, const char *username, int64_t since,
    store_familiar_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		u[STORE_ADDR_MAX + 1];
	int		rc;

	if (store_norm(st, username, u, sizeof(u)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_familiar, &c, NULL,
	    "SELECT network, last_login, locked_until FROM auth_familiar "
	    "WHERE username = ? AND last_login >= ? ORDER BY last_login DESC, "
	    "network", "si", u, since);
	return rc != STORE_OK ? rc : c.rc;
}
