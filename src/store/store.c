/*
 * store: see store.h.  Every statement is written once, here, with '?'
 * placeholders and run through the backend's exec().  Arguments are
 * normalised (lower-case, bounded) before any statement runs, so a
 * backend never sees a name it must fold itself.  Read results are
 * copied into fixed fields with util_strlcpy(); a value that does not fit
 * is an error, never truncated.
 *
 * Multi-statement updates (a failure and its locks) run inside one
 * transaction unless the caller already opened one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

static int	row_domain(const struct store_val *, size_t, void *);
static int	row_mailbox(const struct store_val *, size_t, void *);
static int	row_alias(const struct store_val *, size_t, void *);
static int	row_sent(const struct store_val *, size_t, void *);

/*
 * Run sql with arguments described by fmt: 's' a string, 'i' an int64_t.
 */
int
store_sq(struct store *st, store_row_fn fn, void *arg, int64_t *changes,
    const char *sql, const char *fmt, ...)
{
	struct store_val	v[STORE_ARGS_MAX];
	va_list			ap;
	size_t			n = 0;

	va_start(ap, fmt);
	for (; *fmt && n < STORE_ARGS_MAX; fmt++, n++) {
		if (*fmt == 's') {
			v[n].type = STORE_T_TEXT;
			v[n].s = va_arg(ap, const char *);
		} else {
			v[n].type = STORE_T_INT;
			v[n].i = va_arg(ap, int64_t);
		}
	}
	va_end(ap);
	st->err[0] = '\0';
	return st->ops->exec(st->impl, sql, v, n, fn, arg, changes);
}

int
store_norm(struct store *st, const char *in, char *out, size_t outsz)
{
	st->err[0] = '\0';
	if (in == NULL || util_strlcpy(out, in, outsz) == -1) {
		snprintf(st->err, sizeof(st->err), "name too long");
		return -1;
	}
	util_lower(out);
	return 0;
}

const char *
store_domain_of(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

int
store_col_str(const struct store_val *v, char *out, size_t outsz)
{
	if (v->type == STORE_T_NULL) {
		out[0] = '\0';
		return 0;
	}
	if (v->type != STORE_T_TEXT)
		return -1;
	return util_strlcpy(out, v->s, outsz);
}

int
store_row_int(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx	*c = arg;

	c->found = 1;
	*(int64_t *)c->out = n > 0 && v[0].type == STORE_T_INT ? v[0].i : 0;
	return 1;
}

static struct store_config store_cfg = { "", "", 5000 };

void
store_configure(const char *uri, const char *password_file,
    unsigned timeout_ms)
{
	(void)util_strlcpy(store_cfg.uri, uri ? uri : "",
	    sizeof(store_cfg.uri));
	(void)util_strlcpy(store_cfg.password_file, password_file ?
	    password_file : "", sizeof(store_cfg.password_file));
	store_cfg.timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
}

const struct store_config *
store_config_get(void)
{
	return &store_cfg;
}

int
store_uri_is_pg(const char *uri)
{
	return strncmp(uri, "postgresql://", 13) == 0 ||
	    strncmp(uri, "postgres://", 11) == 0;
}

struct store *
store_open(const char *datadir, int create, char *err, size_t errsz)
{
	return store_open_uri(datadir, store_cfg.uri, create, err, errsz);
}

struct store *
store_open_uri(const char *datadir, const char *uri, int create, char *err,
    size_t errsz)
{
	struct store	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		util_strlcpy(err, "out of memory", errsz);
		return NULL;
	}
	st->ops = store_uri_is_pg(uri) ? &store_pg_ops : &store_sqlite_ops;
	if ((st->impl = st->ops->open(datadir, uri, create, err, errsz)) ==
	    NULL) {
		free(st);
		return NULL;
	}
	return st;
}

int
store_is_pg(const struct store *st)
{
	return st->ops == &store_pg_ops;
}

int
store_listen(struct store *st)
{
	if (st->ops->listen == NULL) {
		snprintf(st->err, sizeof(st->err), "this store has no change "
		    "notices");
		return STORE_INVALID;
	}
	st->err[0] = '\0';
	return st->ops->listen(st->impl);
}

int
store_wait_notice(struct store *st, int timeout_ms)
{
	return st->ops->wait_notice == NULL ? -1 :
	    st->ops->wait_notice(st->impl, timeout_ms);
}

int
store_notice(struct store *st, const char *what)
{
	if (st->ops->listen == NULL)
		return STORE_OK;
	return store_sq(st, NULL, NULL, NULL, "SELECT pg_notify('"
	    STORE_NOTICE_CHANNEL "', ?)", "s", what);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->impl);
	free(st);
}

const char *
store_errmsg(struct store *st)
{
	return st->err[0] ? st->err : st->ops->errmsg(st->impl);
}

int
store_begin(struct store *st)
{
	if (st->ops->begin(st->impl) != STORE_OK)
		return STORE_ERR;
	st->in_tx = 1;
	return STORE_OK;
}

int
store_commit(struct store *st)
{
	st->in_tx = 0;
	return st->ops->commit(st->impl);
}

void
store_rollback(struct store *st)
{
	st->in_tx = 0;
	st->ops->rollback(st->impl);
	store_trims_forget(st);
}

/* A rollback may undo trims: their marks would skip live rows. */
void
store_trims_forget(struct store *st)
{
	memset(st->trims, 0, sizeof(st->trims));
}

/* Open a transaction unless the caller holds one; *mine says which. */
int
store_tx_begin(struct store *st, int *mine)
{
	*mine = !st->in_tx;
	return *mine ? st->ops->begin(st->impl) : STORE_OK;
}

int
store_tx_end(struct store *st, int mine, int rc)
{
	if (!mine)
		return rc;
	if (rc == STORE_OK)
		return st->ops->commit(st->impl);
	st->ops->rollback(st->impl);
	store_trims_forget(st);
	return rc;
}

int
store_tx_lock(struct store *st, const char *kind, const char *key)
{
	char	name[STORE_ADDR_MAX + 64];

	if (st->ops->lock == NULL)
		return STORE_OK;
	if (util_snprintf(name, sizeof(name), "%s %s", kind, key) == -1) {
		snprintf(st->err, sizeof(st->err), "name too long");
		return STORE_INVALID;
	}
	return st->ops->lock(st->impl, name);
}

/* --- domains ------------------------------------------------------------ */

#define DOMAIN_COLS "d.name, d.created, d.sender_policy, d.host_match, " \
	"d.submission_host, (SELECT count(*) FROM mailbox m WHERE " \
	"m.domain_id = d.id), (SELECT count(*) FROM alias a WHERE " \
	"a.domain_id = d.id)"

static int
row_domain(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_domain	 d;

	memset(&d, 0, sizeof(d));
	if (n < 7 || store_col_str(&v[0], d.name, sizeof(d.name)) == -1 ||
	    store_col_str(&v[4], d.submission_host,
	    sizeof(d.submission_host)) ==
	    -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	d.created = v[1].i;
	d.sender_policy = v[2].type == STORE_T_TEXT &&
	    strcmp(v[2].s, "domain") == 0 ? STORE_SENDER_DOMAIN :
	    STORE_SENDER_MAILBOX;
	d.host_match = (int)v[3].i;
	d.nmailboxes = v[5].i;
	d.naliases = v[6].i;
	c->found = 1;
	if (c->arg == NULL) {		/* single get */
		memcpy(c->out, &d, sizeof(d));
		return 1;
	}
	return ((store_domain_cb)c->out)(&d, c->arg);
}

int
store_domain_add(struct store *st, const char *domain)
{
	char	d[STORE_ADDR_MAX + 1];

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_INVALID;
	return store_sq(st, NULL, NULL, NULL,
	    "INSERT INTO domain(name, created) "
	    "VALUES(?, ?)", "si", d, (int64_t)util_now_ms() / 1000);
}

int
store_domain_get(struct store *st, const char *domain,
    struct store_domain *out)
{
	struct row_ctx	c = { out, NULL, 0, STORE_OK };
	char		d[STORE_ADDR_MAX + 1];
	int		rc;

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_domain, &c, NULL, "SELECT " DOMAIN_COLS
	    " FROM domain d WHERE d.name = ?", "s", d);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_domain_exists(struct store *st, const char *domain)
{
	struct row_ctx	c;
	int64_t		one = 0;
	char		d[STORE_ADDR_MAX + 1];

	c.out = &one;
	c.found = 0;
	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	if (store_sq(st, store_row_int, &c, NULL,
	    "SELECT 1 FROM domain WHERE name = ?",
	    "s", d) != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_domain_list(struct store *st, store_domain_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	static char	dummy;
	int		rc;

	if (arg == NULL)
		c.arg = &dummy;	/* NULL arg means "get" to row_domain */
	rc = store_sq(st, row_domain, &c, NULL, "SELECT " DOMAIN_COLS
	    " FROM domain d ORDER BY d.name", "");
	return rc != STORE_OK ? rc : c.rc;
}

int
store_domain_remove(struct store *st, const char *domain)
{
	char	d[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc, mine;

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	/* its mailboxes go with it (ON DELETE CASCADE), and the networks
	   they were familiar from: a mailbox made again starts afresh */
	rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM auth_familiar WHERE "
	    "username IN (SELECT m.address FROM mailbox m JOIN domain d ON "
	    "d.id = m.domain_id WHERE d.name = ?)", "s", d);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, &n,
		    "DELETE FROM domain WHERE name = ?", "s", d);
	if (rc == STORE_OK && n == 0)
		rc = STORE_NOTFOUND;
	return store_tx_end(st, mine, rc);
}

int
store_domain_remove_empty(struct store *st, const char *domain)
{
	char	d[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	/* one statement: a mailbox added meanwhile keeps the domain */
	rc = store_sq(st, NULL, NULL, &n, "DELETE FROM domain WHERE name = ? "
	    "AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.domain_id = "
	    "domain.id) AND NOT EXISTS (SELECT 1 FROM alias a WHERE "
	    "a.domain_id = domain.id)", "s", d);
	if (rc == STORE_OK && n == 0 &&
	    (rc = store_domain_exists(st, d)) == STORE_OK)
		rc = STORE_EXISTS;
	return rc;
}

int
store_domain_set(struct store *st, const char *domain, const char *key,
    const char *value)
{
	char		 d[STORE_ADDR_MAX + 1];
	const char	*sql = NULL;
	int64_t		 n = 0, iv = 0;
	int		 rc;

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	if (strcmp(key, "sender_policy") == 0 &&
	    (strcmp(value, "mailbox") == 0 || strcmp(value, "domain") == 0))
		sql = "UPDATE domain SET sender_policy = ? WHERE name = ?";
	else if (strcmp(key, "submission_host") == 0)
		sql = "UPDATE domain SET submission_host = ? WHERE name = ?";
	else if (strcmp(key, "require_host_match") == 0) {
		iv = strcmp(value, "yes") == 0 ? 1 : strcmp(value, "no") == 0 ?
		    0 : strcmp(value, "default") == 0 ? -1 : -2;
		if (iv != -2)
			sql = "UPDATE domain SET host_match = ? WHERE name = ?";
	}
	if (sql == NULL) {
		snprintf(st->err, sizeof(st->err), "unknown setting %s=%s "
		    "(sender_policy=mailbox|domain, require_host_match="
		    "yes|no|default, submission_host=HOST)", key, value);
		return STORE_INVALID;
	}
	if (strcmp(key, "require_host_match") == 0)
		rc = st->ops->exec(st->impl, sql, (struct store_val[]){
		    { STORE_T_INT, iv, NULL }, { STORE_T_TEXT, 0, d } }, 2,
		    NULL, NULL, &n);
	else
		rc = store_sq(st, NULL, NULL, &n, sql, "ss", value, d);
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;
	return rc;
}

/* --- mailboxes ---------------------------------------------------------- */

/* locked_until: the later of the unfamiliar sources' lock and the lock
   on every source, both of which an unfamiliar client is under */
#define MAILBOX_COLS "m.address, m.password_hash, m.created, m.daily_limit, " \
	"COALESCE((SELECT CASE WHEN l.all_until > l.locked_until THEN " \
	"l.all_until ELSE l.locked_until END FROM auth_lock l WHERE " \
	"l.username = m.address), 0), COALESCE((SELECT l.all_until FROM " \
	"auth_lock l WHERE l.username = m.address), 0)"

static int
row_mailbox(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_mailbox	 mb;

	memset(&mb, 0, sizeof(mb));
	if (n < 6 || store_col_str(&v[0], mb.address,
	    sizeof(mb.address)) == -1 ||
	    store_col_str(&v[1], mb.hash, sizeof(mb.hash)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	mb.created = v[2].i;
	mb.daily_limit = v[3].i > 0 && v[3].i <= UINT32_MAX ?
	    (uint32_t)v[3].i : 0;
	mb.locked_until = v[4].i;
	mb.all_locked_until = v[5].i;
	c->found = 1;
	if (c->arg == NULL) {
		memcpy(c->out, &mb, sizeof(mb));
		return 1;
	}
	return ((store_mailbox_cb)c->out)(&mb, c->arg);
}

int
store_mailbox_add(struct store *st, const char *address, const char *hash)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_INVALID;
	if (store_address_exists(st, a) == STORE_OK)
		return STORE_EXISTS;	/* an alias of that name */
	rc = store_sq(st, NULL, NULL, &n,
	    "INSERT INTO mailbox(domain_id, address, "
	    "password_hash, created) SELECT id, ?, ?, ? FROM domain WHERE "
	    "name = ?", "ssis", a, hash, (int64_t)util_now_ms() / 1000,
	    store_domain_of(a));
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;	/* no such domain */
	return rc;
}

int
store_mailbox_get(struct store *st, const char *address,
    struct store_mailbox *mb)
{
	struct row_ctx	c = { mb, NULL, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1];
	int		rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_mailbox, &c, NULL, "SELECT " MAILBOX_COLS
	    " FROM mailbox m WHERE m.address = ?", "s", a);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_mailbox_list(struct store *st, const char *domain,
    store_mailbox_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	static char	dummy;
	char		d[STORE_ADDR_MAX + 1];
	int		rc;

	if (arg == NULL)
		c.arg = &dummy;
	if (domain == NULL)
		rc = store_sq(st, row_mailbox, &c, NULL, "SELECT " MAILBOX_COLS
		    " FROM mailbox m ORDER BY m.address", "");
	else if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	else
		rc = store_sq(st, row_mailbox, &c, NULL, "SELECT " MAILBOX_COLS
		    " FROM mailbox m JOIN domain d ON d.id = m.domain_id "
		    "WHERE d.name = ? ORDER BY m.address", "s", d);
	return rc != STORE_OK ? rc : c.rc;
}

int
store_mailbox_remove(struct store *st, const char *address)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc, mine;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sq(st, NULL, NULL, &n,
	    "DELETE FROM mailbox WHERE address = ?",
	    "s", a);
	if (rc == STORE_OK && n == 0)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL,
		    "DELETE FROM auth_lock WHERE "
		    "username = ?", "s", a);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL,
		    "DELETE FROM auth_familiar WHERE username = ?", "s", a);
	if (rc == STORE_OK)	/* the domain's share of paused mailboxes */
		rc = store_notice(st, store_domain_of(a));
	return store_tx_end(st, mine, rc);
}

int
store_mailbox_set_hash(struct store *st, const char *address,
    const char *hash)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc, mine;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if ((rc = store_tx_begin(st, &mine)) != STORE_OK)
		return rc;
	rc = store_sq(st, NULL, NULL, &n,
	    "UPDATE mailbox SET password_hash = ? "
	    "WHERE address = ?", "ss", hash, a);
	if (rc == STORE_OK && n == 0)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL,
		    "DELETE FROM auth_familiar WHERE username = ?", "s", a);
	return store_tx_end(st, mine, rc);
}

int
store_mailbox_set_limit(struct store *st, const char *address,
    uint32_t daily_limit)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "UPDATE mailbox SET daily_limit = ? "
	    "WHERE address = ?", "is", (int64_t)daily_limit, a);
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;
	return rc;
}

/* --- aliases -------------------------------------------------------------- */

static int
row_alias(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_alias	 al;

	if (n < 2 || store_col_str(&v[0], al.address,
	    sizeof(al.address)) == -1 ||
	    store_col_str(&v[1], al.target, sizeof(al.target)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	return ((store_alias_cb)c->out)(&al, c->arg);
}

int
store_alias_add(struct store *st, const char *alias, const char *target)
{
	char	a[STORE_ADDR_MAX + 1], t[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, alias, a, sizeof(a)) == -1 ||
	    store_norm(st, target, t, sizeof(t)) == -1)
		return STORE_INVALID;
	if (store_domain_exists(st, store_domain_of(a)) != STORE_OK) {
		snprintf(st->err, sizeof(st->err), "domain %s is not "
		    "configured", store_domain_of(a));
		return STORE_NOTFOUND;
	}
	if (store_address_exists(st, a) == STORE_OK)
		return STORE_EXISTS;
	rc = store_sq(st, NULL, NULL, &n,
	    "INSERT INTO alias(domain_id, address, "
	    "mailbox_id, created) SELECT d.id, ?, m.id, ? FROM domain d, "
	    "mailbox m WHERE d.name = ? AND m.address = ?", "siss", a,
	    (int64_t)util_now_ms() / 1000, store_domain_of(a), t);
	if (rc == STORE_OK && n == 0) {
		snprintf(st->err, sizeof(st->err), "mailbox %s does not "
		    "exist", t);
		return STORE_NOTFOUND;
	}
	return rc;
}

int
store_alias_remove(struct store *st, const char *alias)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	n = 0;
	int	rc;

	if (store_norm(st, alias, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	rc = store_sq(st, NULL, NULL, &n, "DELETE FROM alias WHERE address = ?",
	    "s", a);
	if (rc == STORE_OK && n == 0)
		return STORE_NOTFOUND;
	return rc;
}

int
store_alias_list(struct store *st, const char *domain, store_alias_cb cb,
    void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	char		d[STORE_ADDR_MAX + 1];
	int		rc;

	if (domain == NULL)
		rc = store_sq(st, row_alias, &c, NULL,
		    "SELECT a.address, m.address "
		    "FROM alias a JOIN mailbox m ON m.id = a.mailbox_id "
		    "ORDER BY a.address", "");
	else if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	else
		rc = store_sq(st, row_alias, &c, NULL,
		    "SELECT a.address, m.address "
		    "FROM alias a JOIN mailbox m ON m.id = a.mailbox_id "
		    "JOIN domain d ON d.id = a.domain_id WHERE d.name = ? "
		    "ORDER BY a.address", "s", d);
	return rc != STORE_OK ? rc : c.rc;
}

int
store_address_exists(struct store *st, const char *address)
{
	struct row_ctx	c;
	int64_t		one = 0;
	char		a[STORE_ADDR_MAX + 1];

	c.out = &one;
	c.found = 0;
	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (store_sq(st, store_row_int, &c, NULL,
	    "SELECT 1 FROM mailbox WHERE address = ? "
	    "UNION ALL SELECT 1 FROM alias WHERE address = ?", "ss", a, a) !=
	    STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

static int
row_text(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx	*c = arg;

	c->found = 1;
	if (n < 1 || store_col_str(&v[0], c->out, *(size_t *)c->arg) == -1)
		c->rc = STORE_ERR;
	return 1;
}

int
store_resolve_local(struct store *st, const char *address, char *out,
    size_t outsz)
{
	struct row_ctx	c = { out, &outsz, 0, STORE_OK };
	char		a[STORE_ADDR_MAX + 1];

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (store_sq(st, row_text, &c, NULL, "SELECT address FROM mailbox "
	    "WHERE address = ? UNION ALL SELECT m.address FROM alias a, "
	    "mailbox m WHERE a.address = ? AND m.id = a.mailbox_id", "ss", a,
	    a) != STORE_OK)
		return STORE_ERR;
	if (c.rc != STORE_OK)
		return c.rc;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_sender_allowed(struct store *st, const char *user, const char *sender)
{
	struct row_ctx	c;
	int64_t		one = 0;
	char		u[STORE_ADDR_MAX + 1], s[STORE_ADDR_MAX + 1];

	if (store_norm(st, user, u, sizeof(u)) == -1 ||
	    store_norm(st, sender, s, sizeof(s)) == -1)
		return STORE_NOTFOUND;
	if (strcmp(u, s) == 0)
		return STORE_OK;
	c.out = &one;
	c.found = 0;
	if (store_sq(st, store_row_int, &c, NULL,
	    "SELECT 1 FROM alias a JOIN mailbox m ON m.id = a.mailbox_id "
	    "WHERE a.address = ? AND m.address = ? "
	    "UNION ALL SELECT 1 FROM mailbox m JOIN domain d ON "
	    "d.id = m.domain_id WHERE m.address = ? AND d.name = ? AND "
	    "d.sender_policy = 'domain'", "ssss", s, u, u,
	    store_domain_of(s)) !=
	    STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

/* --- sending ------------------------------------------------------------ */

static int
row_sent(const struct store_val *v, size_t n, void *arg)
{
	int64_t	*out = arg;

	out[0] = n > 0 && v[0].type == STORE_T_INT ? v[0].i : 0;
	out[1] = n > 1 && v[1].type == STORE_T_INT ? v[1].i : 0;
	return 1;
}

int
store_sent_count(struct store *st, const char *address, int64_t since,
    uint64_t *count, int64_t *oldest)
{
	char	a[STORE_ADDR_MAX + 1];
	int64_t	r[2] = { 0, 0 };

	*count = 0;
	*oldest = 0;
	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	if (store_sq(st, row_sent, r, NULL, "SELECT COALESCE(sum(s.count), 0), "
	    "COALESCE(min(s.time), 0) FROM sent s JOIN mailbox m ON "
	    "m.id = s.mailbox_id WHERE m.address = ? AND s.time > ?", "si", a,
	    since) != STORE_OK)
		return STORE_ERR;
	*count = r[0] > 0 ? (uint64_t)r[0] : 0;
	*oldest = r[1];
	return STORE_OK;
}

/*
 * Counts go into one row per mailbox and minute, so a day is at most
 * 1,440 rows to sum however much a mailbox sends (one row per message
 * made every check, and every message, slower than the last).  One
 * upsert, atomic on every backend and across nodes (schema 9 made the
 * minute a key), no transaction needed.  Old rows are dropped when a
 * new minute's row is made, not on every message: the returned count
 * equals what was added only then.
 */
int
store_sent_add(struct store *st, const char *address, uint32_t count,
    int64_t now)
{
	struct row_ctx	c;
	char		a[STORE_ADDR_MAX + 1];
	int64_t		minute = now - now % 60, total = 0;
	int		rc;

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	c.out = &total;
	c.found = 0;
	rc = store_sq(st, store_row_int, &c, NULL, "INSERT INTO sent("
	    "mailbox_id, time, count) SELECT id, ?, ? FROM mailbox WHERE "
	    "address = ? ON CONFLICT(mailbox_id, time) DO UPDATE SET count = "
	    "sent.count + excluded.count RETURNING count", "iis", minute,
	    (int64_t)count, a);
	if (rc == STORE_OK && c.found && total == (int64_t)count)
		rc = store_sent_prune(st, now);
	return rc;
}

/* A day and a bit is all a limit needs. */
int
store_sent_prune(struct store *st, int64_t now)
{
	return store_sq(st, NULL, NULL, NULL, "DELETE FROM sent WHERE "
	    "time < ?", "i", now - 2 * 86400);
}
