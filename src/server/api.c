/*
 * api: the operation table of the admin API's store side (api.h), the
 * helpers every operation shares, and the small operations: the token
 * check, the domain list, the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/token.h"
#include "lib/http_path.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/http_srv.h"
#include "server/api.h"

static const struct {
	const char	*op;
	int		(*fn)(struct store *, const struct api_call *,
			    struct buf *);
} ops[] = {
	{ "token.check",	api_token_check },
	{ "mailboxes.list",	api_mailboxes_list },
	{ "mailbox.get",	api_mailbox_get },
	{ "mailbox.unlock",	api_mailbox_unlock },
	{ "mailbox.password",	api_mailbox_password },
	{ "mailbox.lock",	api_mailbox_lock },
	{ "mailbox.create",	api_mailbox_create },
	{ "mailbox.delete",	api_mailbox_delete },
	{ "suppressions.list",	api_suppress_list },
	{ "suppression.add",	api_suppress_add },
	{ "suppression.remove",	api_suppress_remove },
	{ "domains.list",	api_domains_list },
	{ "audit.list",		api_audit_list },
	{ "overview",		api_overview },
	{ "logins.list",	api_logins_list },
	{ "session.login",	api_session_login },
	{ "tokens.list",	api_tokens_list },
	{ "token.create",	api_token_create },
	{ "token.revoke",	api_token_revoke },
	/* --- provisioning, domains, check (helper B) --- */
	{ "provision",		api_provision },
	{ "domain.create",	api_domain_create },
	{ "domain.delete",	api_domain_delete },
	{ "domain.check",	api_domain_check },
	{ "check.run",		api_check },
};

const struct config	*api_cfg;

static int	 token_from_ok(const char *, const char *);
static int	 domain_row(const struct store_domain *, void *);
static int	 audit_row(const struct store_audit *, void *);

int
api_run(struct store *st, const struct config *cfg,
    const struct api_call *c, struct buf *out)
{
	size_t	i;

	api_cfg = cfg;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].op, c->r.op) == 0)
			return ops[i].fn(st, c, out);
	log_warnx("api: unknown operation %.32s", c->r.op);
	return http_problem(out, 500, "unknown operation", NULL);
}

int
api_domain_ok(const struct api_call *c, const char *domain)
{
	return c->r.domain[0] == '\0' || strcasecmp(c->r.domain, domain) == 0;
}

void
api_audit(struct store *st, const struct api_call *c, const char *action,
    const char *target, const char *detail)
{
	struct store_audit	a;

	memset(&a, 0, sizeof(a));
	a.time = c->now;
	util_strlcpy(a.actor, c->r.actor, sizeof(a.actor));
	util_strlcpy(a.client, c->r.client, sizeof(a.client));
	util_strlcpy(a.action, action, sizeof(a.action));
	util_strlcpy(a.target, target, sizeof(a.target));
	util_strlcpy(a.detail, detail, sizeof(a.detail));
	if (store_audit_add(st, &a) != STORE_OK)
		log_warnx("api: audit log: %s", store_errmsg(st));
}

int
api_query_str(const struct api_call *c, const char *key, char *out,
    size_t outsz)
{
	int	rc = http_query_get(c->r.query, key, out, outsz);

	if (rc == 0 && outsz > 0)
		out[0] = '\0';
	return rc == -1 ? -1 : 0;
}

int
api_query_int(const struct api_call *c, const char *key, int64_t min,
    int64_t max, int64_t def, int64_t *out)
{
	char		 v[24], *end;
	long long	 n;
	int		 rc;

	if ((rc = http_query_get(c->r.query, key, v, sizeof(v))) == -1)
		return -1;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* The token's networks ("" anywhere) hold the client address. */
static int
token_from_ok(const char *cidrs, const char *client)
{
	struct config_net	n[TOKEN_NETS_MAX];
	size_t			k = 0, len;

	if (cidrs[0] == '\0')
		return 1;
	while (*cidrs != '\0' && k < TOKEN_NETS_MAX) {
		cidrs += strspn(cidrs, " ,");
		if ((len = strcspn(cidrs, " ,")) == 0)
			break;
		if (config_net_parse(cidrs, len, &n[k]) == 0)
			k++;
		cidrs += len;
	}
	return config_net_match(n, k, client);
}

int
api_token_check(struct store *st, const struct api_call *c, struct buf *out)
{
	struct store_token	t;
	struct json		j;
	char			id[TOKEN_ID_LEN + 1], secret[TOKEN_SECRET_LEN + 1];
	int			rc, ok;

	if (token_parse(c->r.token, id, secret) == -1)
		return http_problem(out, 401, "malformed token", "send "
		    "Authorization: Bearer pst_..., as `postern token create` "
		    "printed it");
	rc = store_token_get(st, id, &t);
	ok = rc == STORE_OK && token_matches(secret, t.hash);
	explicit_bzero(secret, sizeof(secret));
	if (rc == STORE_ERR)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	if (!ok)
		return http_problem(out, 401, "unknown or revoked token", NULL);
	if (t.expires != 0 && t.expires <= c->now)
		return http_problem(out, 401, "this token has expired",
		    "create a new one: postern token create");
	if (!token_from_ok(t.cidrs, c->r.client))
		return http_problem(out, 403, "this token may not be used from "
		    "this address", NULL);
	(void)store_token_used(st, t.id, c->now);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "name", t.name);
	json_kstr(&j, "scopes", t.scopes);
	json_kstr(&j, "domain", t.domain);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

static int
domain_row(const struct store_domain *d, void *arg)
{
	void		**a = arg;
	struct json	 *j = a[0];
	const struct api_call *c = a[1];

	if (!api_domain_ok(c, d->name))
		return 0;
	json_obj_begin(j);
	json_kstr(j, "name", d->name);
	json_kstr(j, "sender_policy", d->sender_policy ==
	    STORE_SENDER_MAILBOX ? "mailbox" : "domain");
	json_kstr(j, "submission_host", d->submission_host);
	json_kint(j, "require_host_match", d->host_match);
	json_kint(j, "mailboxes", d->nmailboxes);
	json_kint(j, "aliases", d->naliases);
	json_kint(j, "created", d->created);
	json_obj_end(j);
	return 0;
}

int
api_domains_json(struct store *st, const struct api_call *c, struct json *j)
{
	void	*a[2];
	int	 rc;

	a[0] = j;
	a[1] = (void *)(uintptr_t)c;
	json_key(j, "domains");
	json_arr_begin(j);
	rc = store_domain_list(st, domain_row, a);
	json_arr_end(j);
	return rc;
}

int
api_domains_list(struct store *st, const struct api_call *c, struct buf *out)
{
	struct json	 j;

	json_init(&j, out);
	json_obj_begin(&j);
	if (api_domains_json(st, c, &j) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

struct audit_page {
	struct json	*j;
	int64_t		 last;
	int64_t		 n;
};

static int
audit_row(const struct store_audit *a, void *arg)
{
	struct audit_page	*p = arg;

	json_obj_begin(p->j);
	json_kint(p->j, "id", a->id);
	json_kint(p->j, "time", a->time);
	json_kstr(p->j, "actor", a->actor);
	json_kstr(p->j, "client", a->client);
	json_kstr(p->j, "action", a->action);
	json_kstr(p->j, "target", a->target);
	json_kstr(p->j, "detail", a->detail);
	json_obj_end(p->j);
	p->last = a->id;
	p->n++;
	return 0;
}

int
api_audit_list(struct store *st, const struct api_call *c, struct buf *out)
{
	struct audit_page	p = { NULL, 0, 0 };
	struct json		j;
	int64_t			cursor, limit;

	if (api_query_int(c, "cursor", 0, INT64_MAX, 0, &cursor) == -1 ||
	    api_query_int(c, "limit", 1, 500, 100, &limit) == -1)
		return http_problem(out, 400, "cursor and limit are numbers "
		    "(limit 1 to 500)", NULL);
	json_init(&j, out);
	p.j = &j;
	json_obj_begin(&j);
	json_key(&j, "events");
	json_arr_begin(&j);
	if (store_audit_list(st, cursor, limit, audit_row, &p) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	json_arr_end(&j);
	if (p.n == limit)
		json_kint(&j, "next_cursor", p.last);
	else
		json_kstr(&j, "next_cursor", "");
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}
