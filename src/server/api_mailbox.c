/*
 * api_mailbox: the mailbox operations of the admin API (api.h): the
 * paged list with its filters, one mailbox with its recent failed logins
 * and the networks it logs in from, and unlock.  A token limited to a
 * domain sees and touches only that domain's mailboxes (403 otherwise,
 * and its list is that domain's whatever it asks).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/password.h"
#include "core/smtp_parse.h"
#include "lib/json.h"
#include "lib/util.h"
#include "lib/http_srv.h"
#include "server/api.h"

struct page_ctx {
	struct json	*j;
	int64_t		 now;
	int64_t		 n;
	char		 last[STORE_ADDR_MAX + 1];
};

static void	 mailbox_json(struct json *, const struct store_mailbox_row *,
		    int64_t);
static int	 page_row(const struct store_mailbox_row *, void *);
static int	 failure_row(const struct store_failure *, void *);
static int	 familiar_row(const struct store_familiar *, void *);
static int	 mailbox_find(struct store *, const struct api_call *,
		    struct store_mailbox_row *, struct buf *);

static void
mailbox_json(struct json *j, const struct store_mailbox_row *r, int64_t now)
{
	const char	*state = r->locked_until > now ? "locked" :
			    r->paused_until > now ? "paused" : "active";

	json_kstr(j, "address", r->address);
	json_kstr(j, "domain", r->domain);
	json_kstr(j, "state", state);
	json_kint(j, "locked_until", r->locked_until > now ?
	    r->locked_until : 0);
	json_kint(j, "paused_until", r->paused_until > now ?
	    r->paused_until : 0);
	json_kstr(j, "pause_reason", r->paused_until > now ?
	    r->pause_reason : "");
	json_kint(j, "last_login", r->last_login);
	json_kint(j, "failures_24h", r->failures_24h);
	json_kint(j, "daily_limit", r->daily_limit);
	json_kint(j, "sent_24h", r->sent_24h);
	json_kint(j, "delivered_7d", r->delivered_7d);
	json_kint(j, "bounced_7d", r->bounced_7d);
	json_kbool(j, "warmup", r->warmup_start != 0);
	json_kint(j, "created", r->created);
}

static int
page_row(const struct store_mailbox_row *r, void *arg)
{
	struct page_ctx	*p = arg;

	json_obj_begin(p->j);
	mailbox_json(p->j, r, p->now);
	json_obj_end(p->j);
	util_strlcpy(p->last, r->address, sizeof(p->last));
	p->n++;
	return 0;
}

int
api_mailboxes_list(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_page_query	q;
	struct page_ctx		p;
	struct json		j;
	char			dom[STORE_ADDR_MAX + 1], text[STORE_ADDR_MAX + 1];
	char			state[16], after[STORE_ADDR_MAX + 1];
	int64_t			limit;
	int			rc;

	if (api_query_str(c, "domain", dom, sizeof(dom)) == -1 ||
	    api_query_str(c, "q", text, sizeof(text)) == -1 ||
	    api_query_str(c, "state", state, sizeof(state)) == -1 ||
	    api_query_str(c, "cursor", after, sizeof(after)) == -1 ||
	    api_query_int(c, "limit", 1, 500, 100, &limit) == -1)
		return http_problem(out, 400, "bad query: domain, q, state "
		    "(locked, paused, active), cursor, limit (1 to 500)", NULL);
	memset(&q, 0, sizeof(q));
	if (dom[0] != '\0' && !api_domain_ok(c, dom))
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	q.domain = c->r.domain[0] != '\0' ? c->r.domain : dom;
	q.text = text;
	q.after = after;
	q.limit = limit;
	q.now = c->now;
	q.state = state[0] == '\0' ? STORE_PAGE_ANY :
	    strcmp(state, "locked") == 0 ? STORE_PAGE_LOCKED :
	    strcmp(state, "paused") == 0 ? STORE_PAGE_PAUSED :
	    strcmp(state, "active") == 0 ? STORE_PAGE_ACTIVE : -1;
	if ((int)q.state == -1)
		return http_problem(out, 400, "state is locked, paused or "
		    "active", NULL);
	json_init(&j, out);
	memset(&p, 0, sizeof(p));
	p.j = &j;
	p.now = c->now;
	json_obj_begin(&j);
	json_key(&j, "mailboxes");
	json_arr_begin(&j);
	if ((rc = store_mailbox_page(st, &q, page_row, &p)) != STORE_OK)
		return rc == STORE_INVALID ? http_problem(out, 400, "a filter "
		    "is too long", NULL) : http_problem(out, 503, "the account "
		    "store did not answer", NULL);
	json_arr_end(&j);
	json_kstr(&j, "next_cursor", p.n == limit ? p.last : "");
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

/* The mailbox of the path, within the token's domain.  200 or a problem. */
static int
mailbox_find(struct store *st, const struct api_call *c,
    struct store_mailbox_row *r, struct buf *out)
{
	int	rc = store_mailbox_row_get(st, c->r.arg, c->now, r);

	if (rc == STORE_ERR)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	if (rc != STORE_OK)
		return http_problem(out, 404, "no such mailbox", NULL);
	if (!api_domain_ok(c, r->domain))
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	return 200;
}

static int
failure_row(const struct store_failure *f, void *arg)
{
	struct json	*j = arg;

	json_obj_begin(j);
	json_kint(j, "time", f->time);
	json_kstr(j, "protocol", f->protocol);
	json_kstr(j, "client", f->client);
	json_kstr(j, "reason", f->reason);
	json_obj_end(j);
	return 0;
}

static int
familiar_row(const struct store_familiar *f, void *arg)
{
	struct json	*j = arg;

	json_obj_begin(j);
	json_kstr(j, "network", f->network);
	json_kint(j, "last_login", f->last_login);
	json_kint(j, "locked_until", f->locked_until);
	json_obj_end(j);
	return 0;
}

int
api_mailbox_get(struct store *st, const struct api_call *c, struct buf *out)
{
	struct store_mailbox_row	r;
	struct json			j;
	int				rc;

	if ((rc = mailbox_find(st, c, &r, out)) != 200)
		return rc;
	json_init(&j, out);
	json_obj_begin(&j);
	mailbox_json(&j, &r, c->now);
	json_key(&j, "recent_failures");
	json_arr_begin(&j);
	rc = store_failure_list(st, r.address, 20, failure_row, &j);
	json_arr_end(&j);
	json_key(&j, "networks");
	json_arr_begin(&j);
	if (rc == STORE_OK)
		rc = store_familiar_list(st, r.address, c->familiar_since,
		    familiar_row, &j);
	json_arr_end(&j);
	json_obj_end(&j);
	if (rc != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	return json_finish(&j) == 0 ? 200 : 500;
}

int
api_mailbox_unlock(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_mailbox_row	r;
	struct json			j;
	char				detail[64];
	int				rc;

	if ((rc = mailbox_find(st, c, &r, out)) != 200)
		return rc;
	if (store_lock_clear(st, r.address, c->now) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	(void)util_snprintf(detail, sizeof(detail), "was %s",
	    r.locked_until > c->now ? "locked" : "not locked");
	api_audit(st, c, "mailbox.unlock", r.address, detail);
	buf_reset(out);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "address", r.address);
	json_kbool(&j, "was_locked", r.locked_until > c->now);
	json_kstr(&j, "state", r.paused_until > c->now ? "paused" :
	    "active");
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

/*
 * A new generated password, returned this once (the store keeps its
 * argon2id hash); a new password lifts the locks, as `mailbox passwd`.
 */
int
api_mailbox_password(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_mailbox_row	r;
	struct json			j;
	char				pw[PASSWORD_GEN_LEN + 1];
	char				hash[PASSWORD_HASH_MAX + 1];
	int				rc;

	if ((rc = mailbox_find(st, c, &r, out)) != 200)
		return rc;
	if (password_generate(pw, sizeof(pw), PASSWORD_GEN_LEN) == -1 ||
	    password_hash(pw, strlen(pw), hash, sizeof(hash)) == -1) {
		explicit_bzero(pw, sizeof(pw));
		return http_problem(out, 500, "no password could be made", NULL);
	}
	if (store_mailbox_set_hash(st, r.address, hash) != STORE_OK) {
		explicit_bzero(pw, sizeof(pw));
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	}
	(void)store_lock_clear(st, r.address, c->now);
	api_audit(st, c, "mailbox.password", r.address, "new password "
	    "generated");
	buf_reset(out);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "address", r.address);
	json_kstr(&j, "password", pw);
	json_kstr(&j, "note", "shown this once: only its hash is kept");
	json_obj_end(&j);
	explicit_bzero(pw, sizeof(pw));
	return json_finish(&j) == 0 ? 200 : 500;
}

/* Lock the mailbox for every source for ?for= seconds (default 1 h). */
int
api_mailbox_lock(struct store *st, const struct api_call *c, struct buf *out)
{
	struct store_mailbox_row	r;
	struct json			j;
	char				detail[64];
	int64_t				secs;
	int				rc;

	if (api_query_int(c, "for", 60, 365 * 86400, 3600, &secs) == -1)
		return http_problem(out, 400, "for is seconds, 60 to 31536000",
		    NULL);
	if ((rc = mailbox_find(st, c, &r, out)) != 200)
		return rc;
	if (store_lock_set(st, r.address, c->now + secs) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	(void)util_snprintf(detail, sizeof(detail), "for %llds",
	    (long long)secs);
	api_audit(st, c, "mailbox.lock", r.address, detail);
	buf_reset(out);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "address", r.address);
	json_kint(&j, "locked_until", c->now + secs);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

/*
 * A new mailbox {"address", "daily_limit"?} with a generated password,
 * in this answer only.  409 if the address is taken (a mailbox or an
 * alias), 404 if its domain is not one of ours.
 */
int
api_mailbox_create(struct store *st, const struct api_call *c,
    struct buf *out)
{
	json_t		*root;
	const char	*addr = NULL;
	json_int_t	 limit = 0;
	struct json	 j;
	char		 a[STORE_ADDR_MAX + 1], pw[PASSWORD_GEN_LEN + 1];
	char		 hash[PASSWORD_HASH_MAX + 1];
	int		 rc;

	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	rc = root == NULL || json_unpack(root, "{s:s, s?:I}", "address",
	    &addr, "daily_limit", &limit) == -1 || limit < 0 ||
	    limit > 1000000 || smtp_parse_mailbox(addr, a, sizeof(a)) == -1;
	json_decref(root);
	if (rc)
		return http_problem(out, 400, "the body is {\"address\": "
		    "\"local@domain\", \"daily_limit\": N} (daily_limit "
		    "optional)", NULL);
	if (!api_domain_ok(c, strrchr(a, '@') + 1))
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	if (password_generate(pw, sizeof(pw), PASSWORD_GEN_LEN) == -1 ||
	    password_hash(pw, strlen(pw), hash, sizeof(hash)) == -1)
		return http_problem(out, 500, "no password could be made", NULL);
	rc = store_mailbox_add(st, a, hash);
	if (rc == STORE_OK && limit > 0)
		rc = store_mailbox_set_limit(st, a, (uint32_t)limit);
	if (rc != STORE_OK) {
		explicit_bzero(pw, sizeof(pw));
		return rc == STORE_EXISTS ? http_problem(out, 409, "that address "
		    "is taken (a mailbox or an alias)", NULL) :
		    rc == STORE_NOTFOUND ? http_problem(out, 404, "its domain is "
		    "not a local domain", "add the domain first") :
		    http_problem(out, 503, "the account store did not answer",
		    NULL);
	}
	api_audit(st, c, "mailbox.create", a, "");
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "address", a);
	json_kstr(&j, "password", pw);
	json_kstr(&j, "note", "shown this once: only its hash is kept");
	json_obj_end(&j);
	explicit_bzero(pw, sizeof(pw));
	return json_finish(&j) == 0 ? 201 : 500;
}

int
api_mailbox_delete(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_mailbox_row	r;
	struct json			j;
	int				rc;

	if ((rc = mailbox_find(st, c, &r, out)) != 200)
		return rc;
	if (store_mailbox_remove(st, r.address) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	api_audit(st, c, "mailbox.delete", r.address, "");
	buf_reset(out);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "deleted", r.address);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}
