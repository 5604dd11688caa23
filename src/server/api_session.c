/*
 * api_session: the store side of the console's login and of the API's
 * tokens (api.h, docs/API.md).
 *
 * "session.login" checks an administrator's password (argon2id, on this
 * thread: the auth process's admin thread, never an event loop) and TOTP
 * code.  An unknown name costs the same hashing as a known one.  Without
 * a TOTP secret an administrator may log in from loopback only; a TOTP
 * code is taken once (the last step used is remembered per name).  The
 * session itself is the admin process's (admin_session.c): this only
 * says yes or no.  Every attempt, good or bad, is in the audit log; the
 * password never is, nor anywhere else.
 *
 * "tokens.list", "token.create", "token.revoke": the API's version of
 * `postern token` (store_token_issue makes both).  A caller limited to a
 * domain only makes tokens limited to that domain.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/password.h"
#include "core/token.h"
#include "core/totp.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/http_srv.h"
#include "lib/util.h"
#include "server/api.h"

#define STEPS_MAX	64	/* administrators whose last TOTP step is kept */

static struct {
	char		name[STORE_ADMIN_NAME_MAX + 1];
	uint64_t	step;
} steps[STEPS_MAX];

static uint64_t	*step_of(const char *);
static void	 login_audit(struct store *, const struct api_call *,
		    const char *, const char *);
static int	 token_row(const struct store_token *, void *);
static int	 token_domain(const struct store_token *, void *);

/* The slot for name's last TOTP step (reusing the first free one). */
static uint64_t *
step_of(const char *name)
{
	size_t	i, free_slot = STEPS_MAX;

	for (i = 0; i < STEPS_MAX; i++) {
		if (strcmp(steps[i].name, name) == 0)
			return &steps[i].step;
		if (steps[i].name[0] == '\0' && free_slot == STEPS_MAX)
			free_slot = i;
	}
	if (free_slot == STEPS_MAX)
		free_slot = 0;
	util_strlcpy(steps[free_slot].name, name,
	    sizeof(steps[free_slot].name));
	steps[free_slot].step = 0;
	return &steps[free_slot].step;
}

/* One audit row per attempt; a name that is not printable is not kept. */
static void
login_audit(struct store *st, const struct api_call *c, const char *user,
    const char *result)
{
	struct store_audit	a;
	size_t			i;

	memset(&a, 0, sizeof(a));
	a.time = c->now;
	(void)util_snprintf(a.actor, sizeof(a.actor), "admin:%.64s", user);
	for (i = 0; a.actor[i] != '\0'; i++)
		if (a.actor[i] < 0x21 || a.actor[i] > 0x7e)
			a.actor[i] = '?';
	util_strlcpy(a.client, c->r.client, sizeof(a.client));
	util_strlcpy(a.action, "session.login", sizeof(a.action));
	util_strlcpy(a.target, a.actor + 6, sizeof(a.target));
	util_strlcpy(a.detail, result, sizeof(a.detail));
	if (store_audit_add(st, &a) != STORE_OK)
		log_warnx("api: audit log: %s", store_errmsg(st));
}

int
api_session_login(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_admin	 a;
	struct json		 j;
	json_t			*root;
	const char		*user = "", *pw = "", *code = "";
	int			 rc, ok;

	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (root == NULL || json_unpack(root, "{s:s, s:s, s?:s}", "user",
	    &user, "password", &pw, "totp", &code) == -1) {
		json_decref(root);
		return http_problem(out, 400, "the body is {\"user\", "
		    "\"password\", \"totp\"} (totp when the administrator has "
		    "one)", NULL);
	}
	rc = store_admin_get(st, user, &a);
	if (rc == STORE_ERR) {
		json_decref(root);
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	}
	ok = rc == STORE_OK ? password_verify(a.hash, pw, strlen(pw)) == 1 :
	    (password_verify_dummy(pw, strlen(pw)), 0);
	if (ok && a.totp[0] != '\0' &&
	    !totp_check(a.totp, code, c->now, step_of(a.name)))
		ok = -1;
	if (ok == 1 && a.totp[0] == '\0' && !util_addr_loopback(c->r.client))
		ok = -2;
	login_audit(st, c, user, ok == 1 ? "ok" : ok == -1 ? "wrong or "
	    "reused TOTP code" : ok == -2 ? "no TOTP, not from loopback" :
	    rc == STORE_NOTFOUND ? "no such administrator" :
	    "wrong password");
	if (ok != 1) {
		log_info("api: console login refused for %.64s from %s",
		    rc == STORE_OK ? a.name : "an unknown name", c->r.client);
		json_decref(root);
		explicit_bzero(&a, sizeof(a));
		return ok == -2 ? http_problem(out, 403, "this administrator "
		    "has no TOTP, so it may log in from loopback only",
		    "postern admin remove NAME; postern admin add NAME --totp") :
		    http_problem(out, 401, "wrong name, password or TOTP code",
		    NULL);
	}
	(void)store_admin_logged_in(st, a.name, c->now);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "user", a.name);
	json_obj_end(&j);
	json_decref(root);
	explicit_bzero(&a, sizeof(a));
	return json_finish(&j) == 0 ? 200 : 500;
}

static int
token_row(const struct store_token *t, void *arg)
{
	void			**a = arg;
	struct json		 *j = a[0];
	const struct api_call	 *c = a[1];

	if (c->r.domain[0] != '\0' && strcmp(c->r.domain, t->domain) != 0)
		return 0;
	store_token_json(j, t);
	return 0;
}

int
api_tokens_list(struct store *st, const struct api_call *c, struct buf *out)
{
	struct json	 j;
	void		*a[2];
	int		 rc;

	json_init(&j, out);
	a[0] = &j;
	a[1] = (void *)(uintptr_t)c;
	json_obj_begin(&j);
	json_key(&j, "items");
	json_arr_begin(&j);
	rc = store_token_list(st, token_row, a);
	json_arr_end(&j);
	json_obj_end(&j);
	if (rc != STORE_OK) {
		buf_reset(out);
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	}
	return json_finish(&j) == 0 ? 200 : 500;
}

int
api_token_create(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_token_spec	 sp;
	struct store_token	 t;
	struct json		 j;
	json_t			*root;
	json_int_t		 life = 0;
	char			 text[TOKEN_TEXT_LEN + 1], detail[256];
	const char		*why;
	int			 rc;

	memset(&sp, 0, sizeof(sp));
	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (root == NULL || json_unpack(root, "{s:s, s:s, s?:s, s?:s, s?:I}",
	    "name", &sp.name, "scopes", &sp.scopes, "domain", &sp.domain,
	    "from", &sp.cidrs, "expires", &life) == -1) {
		json_decref(root);
		return http_problem(out, 400, "the body is {\"name\", "
		    "\"scopes\": \"read,queue\", \"domain\"?, \"from\"?: "
		    "\"CIDR,...\", \"expires\"?: seconds}", NULL);
	}
	if (c->r.domain[0] != '\0')	/* never wider than the caller */
		sp.domain = c->r.domain;
	sp.life = life;
	sp.now = c->now;
	rc = store_token_issue(st, &sp, &t, text, &why);
	json_decref(root);
	if (rc != STORE_OK)
		return rc == STORE_INVALID ? http_problem(out, 400, why, NULL) :
		    rc == STORE_EXISTS ? http_problem(out, 409, "a token has "
		    "that name", "revoke it first, or choose another name") :
		    rc == STORE_NOTFOUND ? http_problem(out, 404, "that domain "
		    "is not a local domain", NULL) : http_problem(out, 503,
		    "the account store did not answer", NULL);
	(void)util_snprintf(detail, sizeof(detail), "scopes=%s domain=%s "
	    "from=%s", t.scopes, t.domain[0] ? t.domain : "*",
	    t.cidrs[0] ? t.cidrs : "*");
	api_audit(st, c, "token.create", t.name, detail);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "name", t.name);
	json_kstr(&j, "id", t.id);
	json_kstr(&j, "scopes", t.scopes);
	json_kstr(&j, "domain", t.domain);
	json_kstr(&j, "from", t.cidrs);
	json_kint(&j, "expires", t.expires);
	json_kstr(&j, "token", text);
	json_kstr(&j, "note", "shown this once: only its hash is kept");
	json_obj_end(&j);
	explicit_bzero(text, sizeof(text));
	return json_finish(&j) == 0 ? 201 : 500;
}

/* The domain of the token named in *(const char **)arg[0]. */
static int
token_domain(const struct store_token *t, void *arg)
{
	void	**a = arg;

	if (strcmp(t->name, a[0]) != 0)
		return 0;
	util_strlcpy(a[1], t->domain, STORE_ADDR_MAX + 1);
	*(int *)a[2] = 1;
	return 1;
}

int
api_token_revoke(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct json	 j;
	char		 domain[STORE_ADDR_MAX + 1] = "";
	int		 found = 0, rc;
	void		*a[3];

	a[0] = (void *)(uintptr_t)c->r.arg;
	a[1] = domain;
	a[2] = &found;
	if (store_token_list(st, token_domain, a) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	/* a caller limited to a domain revokes that domain's tokens only */
	if (!found || (c->r.domain[0] != '\0' &&
	    strcmp(c->r.domain, domain) != 0))
		return http_problem(out, 404, "no token has that name", NULL);
	if ((rc = store_token_revoke(st, c->r.arg)) != STORE_OK)
		return rc == STORE_NOTFOUND ? http_problem(out, 404, "no token "
		    "has that name", NULL) : http_problem(out, 503, "the "
		    "account store did not answer", NULL);
	api_audit(st, c, "token.revoke", c->r.arg, "");
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "revoked", c->r.arg);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}
