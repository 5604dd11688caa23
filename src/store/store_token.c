/*
 * store_token: API tokens and the audit log of the admin listener
 * (store.h, core/token.h; schema v9 in store_sqlite.c).  A token row
 * holds the SHA-256 of the secret, never the secret; its id is the public
 * half of the token text.  Names are unique so an operator revokes by
 * name.  The audit log is append-only here: one row per mutation made
 * through the API or by `postern token`, newest first when listed, kept
 * at most AUDIT_KEEP rows (the oldest are dropped as new ones come).
 *
 * Failure: STORE_ERR from the backend; a field too long is STORE_INVALID,
 * never truncated.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/token.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define TOKEN_COLS	"id, name, hash, scopes, domain, cidrs, created, " \
			"expires, last_used"
#define AUDIT_KEEP	100000

static int	 row_token(const struct store_val *, size_t, void *);
static int	 row_audit(const struct store_val *, size_t, void *);
static int	 fits(struct store *, const char *, size_t, const char *);
static int	 cidrs_ok(const char *);

static int
fits(struct store *st, const char *s, size_t max, const char *what)
{
	if (s != NULL && strlen(s) <= max)
		return 1;
	snprintf(st->err, sizeof(st->err), "%s too long (at most %zu)", what,
	    max);
	return 0;
}

static int
row_token(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_token	 t;

	memset(&t, 0, sizeof(t));
	if (n < 9 || store_col_str(&v[0], t.id, sizeof(t.id)) == -1 ||
	    store_col_str(&v[1], t.name, sizeof(t.name)) == -1 ||
	    store_col_str(&v[2], t.hash, sizeof(t.hash)) == -1 ||
	    store_col_str(&v[3], t.scopes, sizeof(t.scopes)) == -1 ||
	    store_col_str(&v[4], t.domain, sizeof(t.domain)) == -1 ||
	    store_col_str(&v[5], t.cidrs, sizeof(t.cidrs)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	t.created = v[6].i;
	t.expires = v[7].i;
	t.last_used = v[8].i;
	c->found = 1;
	if (c->arg == NULL) {
		memcpy(c->out, &t, sizeof(t));
		return 1;
	}
	return ((store_token_cb)c->out)(&t, c->arg);
}

int
store_token_add(struct store *st, const struct store_token *t)
{
	if (!fits(st, t->name, STORE_TOKEN_NAME_MAX, "name") ||
	    !fits(st, t->scopes, STORE_TOKEN_SCOPES_MAX, "scopes") ||
	    !fits(st, t->domain, STORE_ADDR_MAX, "domain") ||
	    !fits(st, t->cidrs, STORE_TOKEN_CIDRS_MAX, "networks") ||
	    strlen(t->id) != STORE_TOKEN_ID_LEN ||
	    strlen(t->hash) != STORE_TOKEN_HASH_LEN)
		return STORE_INVALID;
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO api_token("
	    TOKEN_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)", "ssssssii",
	    t->id, t->name, t->hash, t->scopes, t->domain, t->cidrs,
	    t->created, t->expires);
}

int
store_token_get(struct store *st, const char *id, struct store_token *out)
{
	struct row_ctx	c = { out, NULL, 0, STORE_OK };
	int		rc;

	if (strlen(id) != STORE_TOKEN_ID_LEN)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_token, &c, NULL, "SELECT " TOKEN_COLS
	    " FROM api_token WHERE id = ?", "s", id);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_token_list(struct store *st, store_token_cb cb, void *arg)
{
	static char	dummy;
	struct row_ctx	c = { (void *)cb, arg != NULL ? arg : &dummy, 0,
			    STORE_OK };
	int		rc;

	rc = store_sq(st, row_token, &c, NULL, "SELECT " TOKEN_COLS
	    " FROM api_token ORDER BY name", "");
	return rc != STORE_OK ? rc : c.rc;
}

int
store_token_revoke(struct store *st, const char *name)
{
	int64_t	n = 0;
	int	rc;

	rc = store_sq(st, NULL, NULL, &n, "DELETE FROM api_token WHERE "
	    "name = ?", "s", name);
	if (rc == STORE_OK && n == 0) {
		snprintf(st->err, sizeof(st->err), "no token named %s", name);
		return STORE_NOTFOUND;
	}
	return rc;
}

/* At most one write a minute per token: a busy script costs no writes. */
int
store_token_used(struct store *st, const char *id, int64_t now)
{
	return store_sq(st, NULL, NULL, NULL, "UPDATE api_token SET "
	    "last_used = ? WHERE id = ? AND last_used < ?", "isi", now, id,
	    now - 60);
}

static int
row_audit(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_audit	 a;

	memset(&a, 0, sizeof(a));
	if (n < 7 || store_col_str(&v[2], a.actor, sizeof(a.actor)) == -1 ||
	    store_col_str(&v[3], a.client, sizeof(a.client)) == -1 ||
	    store_col_str(&v[4], a.action, sizeof(a.action)) == -1 ||
	    store_col_str(&v[5], a.target, sizeof(a.target)) == -1 ||
	    store_col_str(&v[6], a.detail, sizeof(a.detail)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	a.id = v[0].i;
	a.time = v[1].i;
	return ((store_audit_cb)c->out)(&a, c->arg);
}

int
store_audit_add(struct store *st, const struct store_audit *a)
{
	int	rc;

	if (!fits(st, a->actor, sizeof(a->actor) - 1, "actor") ||
	    !fits(st, a->client, sizeof(a->client) - 1, "client") ||
	    !fits(st, a->action, sizeof(a->action) - 1, "action") ||
	    !fits(st, a->target, sizeof(a->target) - 1, "target") ||
	    !fits(st, a->detail, sizeof(a->detail) - 1, "detail"))
		return STORE_INVALID;
	rc = store_sq(st, NULL, NULL, NULL, "INSERT INTO audit(time, actor, "
	    "client, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
	    "isssss", a->time, a->actor, a->client, a->action, a->target,
	    a->detail);
	if (rc == STORE_OK)
		rc = store_sq(st, NULL, NULL, NULL, "DELETE FROM audit WHERE "
		    "id <= (SELECT MAX(id) FROM audit) - ?", "i",
		    (int64_t)AUDIT_KEEP);
	return rc;
}

int
store_audit_list(struct store *st, int64_t before, int64_t limit,
    store_audit_cb cb, void *arg)
{
	struct row_ctx	c = { (void *)cb, arg, 0, STORE_OK };
	int		rc;

	rc = store_sq(st, row_audit, &c, NULL, "SELECT id, time, actor, "
	    "client, action, target, detail FROM audit WHERE id < ? ORDER BY "
	    "id DESC LIMIT ?", "ii", before > 0 ? before : INT64_MAX, limit);
	return rc != STORE_OK ? rc : c.rc;
}

/* "CIDR[,CIDR...]": each one parses, at most TOKEN_NETS_MAX of them
   (what the check in the auth process reads, server/api.c). */
static int
cidrs_ok(const char *s)
{
	struct config_net	n;
	size_t			len, k = 0;

	for (;;) {
		s += strspn(s, " ,");
		if (*s == '\0')
			return 1;
		len = strcspn(s, " ,");
		if (config_net_parse(s, len, &n) == -1 ||
		    ++k > TOKEN_NETS_MAX)
			return 0;
		s += len;
	}
}

int
store_token_issue(struct store *st, const struct store_token_spec *sp,
    struct store_token *t, char *text, const char **why)
{
	struct store_domain	d;
	unsigned		bits;
	int			rc;

	memset(t, 0, sizeof(*t));
	*why = NULL;
	if (sp->name == NULL || sp->name[0] == '\0' ||
	    strlen(sp->name) > STORE_TOKEN_NAME_MAX ||
	    sp->name[strspn(sp->name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")] != '\0')
		*why = "a name is 1 to 64 letters, digits, '-', '_' or '.'";
	else if (sp->scopes == NULL ||
	    token_scopes_parse(sp->scopes, &bits, NULL, 0) == -1 || bits == 0)
		*why = "scopes are some of read, mailboxes, domains, queue, "
		    "provision, metrics, admin";
	else if (sp->cidrs != NULL && !cidrs_ok(sp->cidrs))
		*why = "networks are at most 16 CIDRs such as 192.0.2.0/24";
	else if (sp->life < 0 || sp->life > 3650LL * 86400)
		*why = "a lifetime is 0 (never expires) to ten years";
	if (*why != NULL)
		return STORE_INVALID;
	if (sp->domain != NULL && sp->domain[0] != '\0') {
		if ((rc = store_domain_get(st, sp->domain, &d)) != STORE_OK)
			return rc;
		util_strlcpy(t->domain, d.name, sizeof(t->domain));
	}
	if (token_new(text, t->id, t->hash) == -1) {
		snprintf(st->err, sizeof(st->err), "no random bytes");
		return STORE_ERR;
	}
	util_strlcpy(t->name, sp->name, sizeof(t->name));
	token_scopes_text(bits, t->scopes, sizeof(t->scopes));
	util_strlcpy(t->cidrs, sp->cidrs != NULL ? sp->cidrs : "",
	    sizeof(t->cidrs));
	t->created = sp->now;
	t->expires = sp->life > 0 ? sp->now + sp->life : 0;
	if ((rc = store_token_add(st, t)) != STORE_OK)
		explicit_bzero(text, TOKEN_TEXT_LEN + 1);
	return rc;
}

void
store_token_json(struct json *j, const struct store_token *t)
{
	json_obj_begin(j);
	json_kstr(j, "name", t->name);
	json_kstr(j, "id", t->id);
	json_kstr(j, "scopes", t->scopes);
	json_kstr(j, "domain", t->domain);
	json_kstr(j, "from", t->cidrs);
	json_kint(j, "created", t->created);
	json_kint(j, "expires", t->expires);
	json_kint(j, "last_used", t->last_used);
	json_obj_end(j);
}
