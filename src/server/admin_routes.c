/*
 * admin_routes: the admin listener's route table and its matching, and
 * the routes outside /api/v1 (/metrics, /healthz/live, /healthz/ready).  One table says
 * method, pattern, scope and handler, so dispatch, authorisation and the
 * API description cannot disagree.  Patterns are literal segments or one
 * "{name}" segment matched against a decoded segment (http_path.h: a
 * segment can never hold a '/').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/metrics.h"
#include "diag/explain.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "server/admin.h"
#include "server/console.h"

static void	 route_metrics(struct admin_req *);
static void	 route_live(struct admin_req *);
static void	 route_ready(struct admin_req *);
static int	 route_match(const char *, const struct http_path *);
static void	 route_openapi(struct admin_req *);
static void	 route_explain(struct admin_req *);

const struct admin_route admin_routes[] = {
	{ AM_GET, "/metrics", "metrics", NULL, route_metrics,
	    AR_LOOPBACK_OPEN,
	    "Prometheus metrics (text format 0.0.4); open to loopback "
	    "clients, others need a token with the metrics scope" },
	{ AM_GET, "/healthz/live", NULL, NULL, route_live, 0,
	    "200 while the admin process runs" },
	{ AM_GET, "/healthz/ready", NULL, NULL, route_ready, 0,
	    "200 while the server accepts mail, 503 while it starts or "
	    "stops" },
	{ AM_GET, "/api/v1/openapi.json", NULL, NULL, route_openapi, 0,
	    "this API's OpenAPI 3.1 description" },
	{ AM_GET, "/api/v1/mailboxes", "read", "mailboxes.list", NULL, 0,
	    "mailboxes a page at a time: ?domain= &state=locked|paused|"
	    "active &q= (part of the address) &cursor= &limit= (1-500)" },
	{ AM_POST, "/api/v1/mailboxes", "mailboxes", "mailbox.create", NULL,
	    0, "create {\"address\", \"daily_limit\"?} with a generated "
	    "password, in this answer only; 201 (audited)" },
	{ AM_DELETE, "/api/v1/mailboxes/{address}", "mailboxes",
	    "mailbox.delete", NULL, 0,
	    "delete a mailbox, its locks and networks (audited)" },
	{ AM_GET, "/api/v1/mailboxes/{address}", "read", "mailbox.get", NULL,
	    0, "one mailbox: state, last login, recent failed logins with "
	    "reason and client, the networks it logs in from" },
	{ AM_POST, "/api/v1/mailboxes/{address}/unlock", "mailboxes",
	    "mailbox.unlock", NULL, 0,
	    "lift every login lock of the mailbox (audited)" },
	{ AM_POST, "/api/v1/mailboxes/{address}/lock", "mailboxes",
	    "mailbox.lock", NULL, 0,
	    "lock the mailbox for every source: ?for= seconds (default 3600; "
	    "audited)" },
	{ AM_POST, "/api/v1/mailboxes/{address}/password", "mailboxes",
	    "mailbox.password", NULL, 0,
	    "a new generated password, in this answer only (the store keeps "
	    "its hash); lifts the locks (audited)" },
	{ AM_GET, "/api/v1/suppressions", "read", "suppressions.list", NULL,
	    0, "the suppression list: ?domain=" },
	{ AM_POST, "/api/v1/suppressions", "mailboxes", "suppression.add",
	    NULL, 0, "add {\"domain\", \"address\", \"reason\"} (audited)" },
	{ AM_DELETE, "/api/v1/suppressions/{address}", "mailboxes",
	    "suppression.remove", NULL, 0,
	    "remove an entry: ?domain= (audited)" },
	{ AM_GET, "/api/v1/explain", "read", NULL, route_explain, 0,
	    "what an SMTP reply means, whose side it is, how to fix it, as "
	    "postern explain --json: ?reply=" },
	{ AM_GET, "/api/v1/queue", "read", "queue.list", NULL, 0,
	    "queued messages in arrival order, with each recipient's state, "
	    "attempts and last reply: ?state=active|deferred|held|finishing "
	    "&domain= (a recipient's) &sender= &cursor= &limit= (1-500)" },
	{ AM_POST, "/api/v1/queue/flush", "queue", "queue.flush", NULL, 0,
	    "try every queued message now (audited)" },
	{ AM_GET, "/api/v1/queue/{id}", "read", "queue.show", NULL, 0,
	    "one queued message" },
	{ AM_DELETE, "/api/v1/queue/{id}", "queue", "queue.delete", NULL, 0,
	    "delete a message without a bounce (audited)" },
	{ AM_POST, "/api/v1/queue/{id}/hold", "queue", "queue.hold", NULL, 0,
	    "keep a message from delivery until released (audited)" },
	{ AM_POST, "/api/v1/queue/{id}/release", "queue", "queue.release",
	    NULL, 0, "let a held message go (audited)" },
	{ AM_POST, "/api/v1/queue/{id}/retry", "queue", "queue.retry", NULL, 0,
	    "try a message now (audited)" },
	{ AM_GET, "/api/v1/domains", "read", "domains.list", NULL, 0,
	    "the local domains and their settings" },
	{ AM_GET, "/api/v1/audit", "admin", "audit.list", NULL, 0,
	    "the audit log, newest first: ?cursor= &limit=" },
	{ AM_GET | AM_POST | AM_DELETE, "/api/v1/session", NULL, NULL,
	    admin_session_route, 0,
	    "the console's session: POST {\"user\", \"password\", "
	    "\"totp\"} logs in (a __Host- cookie and a CSRF token), GET "
	    "says who is logged in, DELETE logs out" },
	{ AM_GET, "/api/v1/overview", "read", "overview", NULL, 0,
	    "what needs attention: locked and paused mailboxes, the queue, "
	    "the certificate's expiry, 14 days of sending, the domains" },
	{ AM_GET, "/api/v1/logins", "read", "logins.list", NULL, 0,
	    "the newest failed logins with reason and client: "
	    "?result=failed &limit= (1-500)" },
	{ AM_GET, "/api/v1/tokens", "admin", "tokens.list", NULL, 0,
	    "the API tokens (never their secrets)" },
	{ AM_POST, "/api/v1/tokens", "admin", "token.create", NULL, 0,
	    "create {\"name\", \"scopes\", \"domain\"?, \"from\"?, "
	    "\"expires\"? (seconds)}: the token, in this answer only "
	    "(audited)" },
	{ AM_DELETE, "/api/v1/tokens/{name}", "admin", "token.revoke", NULL,
	    0, "revoke a token (audited)" },
	/* --- console (helper A) --- */
	{ AM_GET, "/", NULL, NULL, console_serve, AR_NO_API,
	    "redirect to the console" },
	{ AM_GET, "/console", NULL, NULL, console_serve, AR_NO_API,
	    "the web console (docs/CONSOLE.md)" },
	{ AM_GET, "/console/{file}", NULL, NULL, console_serve, AR_NO_API,
	    "the console's static files" },
};
const size_t admin_nroutes = sizeof(admin_routes) / sizeof(admin_routes[0]);

int
admin_method(const char *m)
{
	static const struct { const char *name; int bit; } t[] = {
		{ "GET", AM_GET }, { "HEAD", AM_GET }, { "POST", AM_POST },
		{ "PUT", AM_PUT }, { "PATCH", AM_PATCH },
		{ "DELETE", AM_DELETE },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(m, t[i].name) == 0)
			return t[i].bit;
	return 0;
}

/* 1 if every segment of pattern matches the path's. */
static int
route_match(const char *pattern, const struct http_path *p)
{
	const char	*s = pattern + 1, *e;
	size_t		 i = 0, n;

	if (strcmp(pattern, "/") == 0)
		return p->nseg == 0;
	for (; ; s = e + 1, i++) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (i == p->nseg)
			return 0;
		if (!(n > 2 && s[0] == '{' && s[n - 1] == '}') &&
		    (strlen(p->seg[i]) != n || strncmp(p->seg[i], s, n) != 0))
			return 0;
		if (e == NULL)
			return i + 1 == p->nseg;
	}
}

const struct admin_route *
admin_route_find(const struct http_path *p, int method, int *allowed)
{
	const struct admin_route	*found = NULL;
	size_t				 i;

	*allowed = 0;
	for (i = 0; i < admin_nroutes; i++) {
		if (!route_match(admin_routes[i].pattern, p))
			continue;
		*allowed |= admin_routes[i].methods;
		if ((admin_routes[i].methods & method) && found == NULL)
			found = &admin_routes[i];
	}
	return found;
}

/*
 * DNS rebinding: a page on an attacker's name that resolves to 127.0.0.1
 * sends its own name as Host.  Loopback literals, localhost, the server's
 * hostname and admin_hosts are answered; the port is not judged.
 */
int
admin_host_ok(const struct config *cfg, const char *host)
{
	char		 name[256];
	const char	*p, *e;
	size_t		 n;

	if (host[0] == '[') {
		if ((e = strchr(host, ']')) == NULL)
			return 0;
		n = (size_t)(e - host) + 1;
	} else
		n = strcspn(host, ":");
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	if (strcmp(name, "[::1]") == 0 || strcasecmp(name, "localhost") == 0 ||
	    strcasecmp(name, cfg->hostname) == 0)
		return 1;
	if (strncmp(name, "127.", 4) == 0 && strspn(name, "0123456789.") == n)
		return 1;
	for (p = cfg->admin_hosts; *p != '\0'; p = e) {
		p += strspn(p, " \t,");
		e = p + strcspn(p, " \t,");
		if ((size_t)(e - p) == n && strncasecmp(p, name, n) == 0)
			return 1;
	}
	return 0;
}

static void
route_metrics(struct admin_req *r)
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

static void
route_live(struct admin_req *r)
{
	struct buf	b;

	buf_init(&b, 64);
	(void)buf_appends(&b, "{\"status\":\"live\"}\n");
	admin_reply(r, 200, "application/json", &b);
	buf_free(&b);
}

static void
route_ready(struct admin_req *r)
{
	struct buf	b;
	int		ready = metrics_ready();

	buf_init(&b, 64);
	(void)buf_appendf(&b, "{\"status\":\"%s\"}\n", ready ? "ready" :
	    "not ready");
	admin_reply(r, ready ? 200 : 503, "application/json", &b);
	buf_free(&b);
}

static void
route_openapi(struct admin_req *r)
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
	size_t		i, k;

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
	for (i = 0; i < admin_nroutes; i++) {
		if (admin_routes[i].flags & AR_NO_API)
			continue;
		json_key(&j, admin_routes[i].pattern);
		json_obj_begin(&j);
		for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
			if (!(admin_routes[i].methods & m[k].bit))
				continue;
			json_key(&j, m[k].name);
			json_obj_begin(&j);
			json_kstr(&j, "summary", admin_routes[i].summary);
			if (admin_routes[i].scope != NULL) {
				json_key(&j, "security");
				json_arr_begin(&j);
				json_obj_begin(&j);
				json_key(&j, "token");
				json_arr_begin(&j);
				json_str(&j, admin_routes[i].scope);
				json_arr_end(&j);
				json_obj_end(&j);
				json_obj_begin(&j);
				json_key(&j, "session");
				json_arr_begin(&j);
				json_arr_end(&j);
				json_obj_end(&j);
				json_arr_end(&j);
			}
			json_key(&j, "responses");
			json_obj_begin(&j);
			json_key(&j, "200");
			json_obj_begin(&j);
			json_kstr(&j, "description", "OK");
			json_obj_end(&j);
			json_obj_end(&j);
			json_obj_end(&j);
		}
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
static void
route_explain(struct admin_req *r)
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
