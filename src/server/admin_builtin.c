/*
 * admin_builtin: the admin listener's own routes, answered in the admin
 * process without the store: /metrics (the shared page, core/metrics.h),
 * /healthz/live, /healthz/ready, /api/v1/openapi.json (generated from the
 * route table) and /api/v1/explain (diag/explain.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "diag/explain.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "server/admin.h"

static int	 pattern_seen(size_t);
static void	 openapi_op(struct json *, const struct admin_route *,
		    const char *);

void
admin_route_metrics(struct admin_req *r)
{
	struct buf	b;

	buf_init(&b, 1024 * 1024);
	if (metrics_write(&b, clock_now()) == -1) {
		buf_free(&b);
		admin_problem(r, 500, "the metrics page could not be written",
		    NULL);
		return;
	}
	admin_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
	buf_free(&b);
}

void
admin_route_live(struct admin_req *r)
{
	struct buf	b;

	buf_init(&b, 64);
	(void)buf_appends(&b, "{\"status\":\"live\"}\n");
	admin_reply(r, 200, "application/json", &b);
	buf_free(&b);
}

void
admin_route_ready(struct admin_req *r)
{
	struct buf	b;
	int		ready = metrics_ready();

	buf_init(&b, 64);
	(void)buf_appendf(&b, "{\"status\":\"%s\"}\n", ready ? "ready" :
	    "not ready");
	admin_reply(r, ready ? 200 : 503, "application/json", &b);
	buf_free(&b);
}

void
admin_route_openapi(struct admin_req *r)
{
	struct buf	b;

	buf_init(&b, 256 * 1024);
	if (admin_openapi(&b) == -1) {
		buf_free(&b);
		admin_problem(r, 500, "the description could not be written",
		    NULL);
		return;
	}
	admin_reply(r, 200, "application/json", &b);
	buf_free(&b);
}

/* 1 if a row before i has the same pattern (its path item is written). */
static int
pattern_seen(size_t i)
{
	size_t	k;

	for (k = 0; k < i; k++)
		if (!(admin_routes[k].flags & AR_NO_API) &&
		    strcmp(admin_routes[k].pattern, admin_routes[i].pattern) == 0)
			return 1;
	return 0;
}

/* One operation: summary, security (a token's scope or a session). */
static void
openapi_op(struct json *j, const struct admin_route *rt, const char *method)
{
	json_key(j, method);
	json_obj_begin(j);
	json_kstr(j, "summary", rt->summary);
	if (rt->scope != NULL) {
		json_key(j, "security");
		json_arr_begin(j);
		json_obj_begin(j);
		json_key(j, "token");
		json_arr_begin(j);
		json_str(j, rt->scope);
		json_arr_end(j);
		json_obj_end(j);
		json_obj_begin(j);
		json_key(j, "session");
		json_arr_begin(j);
		json_arr_end(j);
		json_obj_end(j);
		json_arr_end(j);
	}
	json_key(j, "responses");
	json_obj_begin(j);
	json_key(j, "200");
	json_obj_begin(j);
	json_kstr(j, "description", "OK");
	json_obj_end(j);
	json_obj_end(j);
	json_obj_end(j);
}

/*
 * OpenAPI 3.1 from the table: one path item per pattern, one operation
 * per method, its scope as a bearer-token security requirement.
 */
int
admin_openapi(struct buf *b)
{
	static const struct { int bit; const char *name; } m[] = {
		{ AM_GET, "get" }, { AM_POST, "post" }, { AM_PUT, "put" },
		{ AM_PATCH, "patch" }, { AM_DELETE, "delete" },
	};
	struct json	j;
	size_t		i, k, n;

	json_init(&j, b);
	json_obj_begin(&j);
	json_kstr(&j, "openapi", "3.1.0");
	json_key(&j, "info");
	json_obj_begin(&j);
	json_kstr(&j, "title", "postern admin API");
	json_kstr(&j, "version", "1");
	json_obj_end(&j);
	json_key(&j, "components");
	json_obj_begin(&j);
	json_key(&j, "securitySchemes");
	json_obj_begin(&j);
	json_key(&j, "token");
	json_obj_begin(&j);
	json_kstr(&j, "type", "http");
	json_kstr(&j, "scheme", "bearer");
	json_obj_end(&j);
	json_key(&j, "session");	/* the console's (admin_session.c) */
	json_obj_begin(&j);
	json_kstr(&j, "type", "apiKey");
	json_kstr(&j, "in", "cookie");
	json_kstr(&j, "name", "__Host-postern");
	json_obj_end(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_key(&j, "paths");
	json_obj_begin(&j);
	/* one path item per pattern, whatever rows share it */
	for (i = 0; i < admin_nroutes; i++) {
		if ((admin_routes[i].flags & AR_NO_API) ||
		    pattern_seen(i))
			continue;
		json_key(&j, admin_routes[i].pattern);
		json_obj_begin(&j);
		for (n = i; n < admin_nroutes; n++)
			if (!(admin_routes[n].flags & AR_NO_API) &&
			    strcmp(admin_routes[n].pattern,
			    admin_routes[i].pattern) == 0)
				for (k = 0; k < sizeof(m) / sizeof(m[0]); k++)
					if (admin_routes[n].methods & m[k].bit)
						openapi_op(&j, &admin_routes[n],
						    m[k].name);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_obj_end(&j);
	if (json_finish(&j) == -1)
		return -1;
	return buf_appends(b, "\n");
}

/* explain_reply_text's JSON, made here: the knowledge base is in the
   binary and explaining needs no store. */
void
admin_route_explain(struct admin_req *r)
{
	char	 reply[1024], *text = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if (http_query_get(r->path.query, "reply", reply, sizeof(reply)) != 1 ||
	    reply[0] == '\0') {
		admin_problem(r, 400, "give the reply: ?reply=550%205.7.1%20...",
		    NULL);
		return;
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		admin_problem(r, 500, "out of memory", NULL);
		return;
	}
	(void)explain_reply_text(reply, fp, 1);
	fclose(fp);
	admin_reply_extra(r, 200, "application/json", NULL, text, len);
	free(text);
}
