/*
 * api_suppress: the suppression list over the admin API (api.h,
 * store_suppress.c): list (by domain), add (a JSON body {"domain",
 * "address", "reason"}), remove (?domain=).  A token limited to a domain
 * sees and changes only that domain's entries.  Adding and removing are
 * audited.  The reason goes to mail clients in the 550 reply, so it must
 * be printable ASCII, as `postern suppress add` requires.
 */
#include <string.h>

#include <jansson.h>

#include "lib/json.h"
#include "lib/util.h"
#include "lib/http_srv.h"
#include "server/api.h"

#define REASON_DEF	"added through the API"

static int	 suppress_row(const struct store_suppression *, void *);
static int	 printable(const char *);

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

static int
suppress_row(const struct store_suppression *s, void *arg)
{
	struct json	*j = arg;

	json_obj_begin(j);
	json_kstr(j, "domain", s->domain);
	json_kstr(j, "address", s->address);
	json_kstr(j, "reason", s->reason);
	json_kstr(j, "source", s->source);
	json_kint(j, "created", s->created);
	json_obj_end(j);
	return 0;
}

int
api_suppress_list(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct json	j;
	char		dom[STORE_ADDR_MAX + 1];
	int		rc;

	if (api_query_str(c, "domain", dom, sizeof(dom)) == -1)
		return http_problem(out, 400, "bad domain", NULL);
	if (dom[0] != '\0' && !api_domain_ok(c, dom))
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	if (dom[0] == '\0' && c->r.domain[0] != '\0')
		util_strlcpy(dom, c->r.domain, sizeof(dom));
	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "suppressions");
	json_arr_begin(&j);
	rc = store_suppress_list(st, dom[0] != '\0' ? dom : NULL,
	    suppress_row, &j);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	json_arr_end(&j);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

int
api_suppress_add(struct store *st, const struct api_call *c,
    struct buf *out)
{
	json_t		*root;
	const char	*dom = NULL, *addr = NULL, *reason = REASON_DEF;
	struct json	 j;
	char		 d[STORE_ADDR_MAX + 1], a[STORE_ADDR_MAX + 1];
	int		 rc;

	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (root == NULL || json_unpack(root, "{s:s, s:s, s?:s}", "domain",
	    &dom, "address", &addr, "reason", &reason) == -1 ||
	    util_strlcpy(d, dom, sizeof(d)) == -1 ||
	    util_strlcpy(a, addr, sizeof(a)) == -1 || strchr(a, '@') ==
	    NULL || strlen(reason) > STORE_REASON_MAX || !printable(reason)) {
		json_decref(root);
		return http_problem(out, 400, "the body is {\"domain\": ..., "
		    "\"address\": ..., \"reason\": ...} (reason optional, "
		    "printable ASCII)", NULL);
	}
	if (!api_domain_ok(c, d)) {
		json_decref(root);
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	}
	rc = store_suppress_add(st, d, a, reason, "manual", c->now);
	if (rc == STORE_OK)
		api_audit(st, c, "suppression.add", a, d);
	json_decref(root);
	if (rc == STORE_NOTFOUND)
		return http_problem(out, 404, "no such local domain", NULL);
	if (rc != STORE_OK)
		return http_problem(out, rc == STORE_INVALID ? 400 : 503,
		    store_errmsg(st), NULL);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "domain", d);
	json_kstr(&j, "address", a);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 201 : 500;
}

int
api_suppress_remove(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct json	j;
	char		dom[STORE_ADDR_MAX + 1];
	int		rc;

	if (api_query_str(c, "domain", dom, sizeof(dom)) == -1 ||
	    dom[0] == '\0')
		return http_problem(out, 400, "name the list: ?domain=", NULL);
	if (!api_domain_ok(c, dom))
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	rc = store_suppress_remove(st, dom, c->r.arg);
	if (rc == STORE_NOTFOUND)
		return http_problem(out, 404, "no such entry", NULL);
	if (rc != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	api_audit(st, c, "suppression.remove", c->r.arg, dom);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "removed", c->r.arg);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}
