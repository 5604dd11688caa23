/*
 * admin: the admin process and its request pipeline (admin.h).  The
 * checks run in a fixed order, each before anything that trusts what
 * the one before judged:
 *   1. Host in the allowlist, else 421 (DNS rebinding);
 *   2. the raw target canonical, else 400 (no decoding before this);
 *   3. a method the server knows, else 501; a route, else 404; a method
 *      the route allows, else 405 with Allow;
 *   4. the handler.
 * Writes (POST, PUT, PATCH, and a DELETE with a body) must say
 * Content-Type: application/json (415 otherwise): a browser form cannot,
 * which is the first guard against cross-site requests.
 *
 * Failure: a request that cannot be answered normally gets a problem
 * document; nothing here exits on a client's input.  SIGTERM stops the
 * process at once (it holds nothing that needs draining).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <event2/event.h>

#include "core/config.h"
#include "core/metrics.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/admin.h"


/* Sent with every answer (docs/API.md, "Headers"). */
#define BASE_HEADERS \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n"
/* And with every answer but the console's files, which bring their own
   policy and caching (console.h): two CSPs would both apply. */
#define SECURITY_HEADERS \
	"Cache-Control: no-store\r\n" BASE_HEADERS \
	"Content-Security-Policy: default-src 'none'; " \
	    "frame-ancestors 'none'\r\n"

static const struct config	*admin_cfg;
static struct event_base	*admin_base;

static void	 admin_request(struct http_xchg *, void *);
static size_t	 admin_body_max(const struct http_req *, void *);
static void	 admin_stop(evutil_socket_t, short, void *);
static void	 admin_send(struct admin_req *, int, const char *,
		    const char *, const char *, const char *, size_t);
static void	 admin_log(struct admin_req *, int);
static int	 admin_is_json(const char *);

static void
admin_log(struct admin_req *r, int status)
{
	char	path[128];

	log_printable(path, sizeof(path), r->req->target,
	    strlen(r->req->target));
	log_info("admin: %s %s %s %d", http_xchg_client(r->x),
	    r->req->method[0] != '\0' ? r->req->method : "-", path, status);
}

static void
admin_send(struct admin_req *r, int status, const char *ctype,
    const char *base, const char *extra, const char *body, size_t len)
{
	char	hdr[1024];

	(void)util_snprintf(hdr, sizeof(hdr), "%s%s", base,
	    extra != NULL ? extra : "");
	metrics_http(status);
	admin_log(r, status);
	http_reply(r->x, status, ctype, hdr, body, len, status == 400 ||
	    status == 421);
}

void
admin_reply_extra(struct admin_req *r, int status, const char *ctype,
    const char *extra, const char *body, size_t len)
{
	admin_send(r, status, ctype, SECURITY_HEADERS, extra, body, len);
}

void
admin_reply_static(struct admin_req *r, int status, const char *ctype,
    const char *extra, const char *body, size_t len)
{
	admin_send(r, status, ctype, BASE_HEADERS, extra, body, len);
}

void
admin_reply(struct admin_req *r, int status, const char *ctype,
    const struct buf *b)
{
	admin_send(r, status, ctype, SECURITY_HEADERS, NULL,
	    b->len > 0 ? b->data : "", b->len);
}

void
admin_problem(struct admin_req *r, int status, const char *detail,
    const char *fix)
{
	admin_problem_extra(r, status, NULL, detail, fix);
}

void
admin_problem_extra(struct admin_req *r, int status, const char *extra,
    const char *detail, const char *fix)
{
	struct buf	b;

	buf_init(&b, 8192);
	(void)http_problem(&b, status, detail, fix);
	admin_send(r, status, "application/problem+json", SECURITY_HEADERS,
	    extra, b.len > 0 ? b.data : "", b.len);
	buf_free(&b);
}

/* application/json, with or without parameters (charset). */
static int
admin_is_json(const char *ct)
{
	size_t	n = strcspn(ct, "; \t");

	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/*
 * The body limit, known from the head: 8 MiB for the routes that take
 * bulk input (AR_BIG_BODY), else 1 MiB.  A path that does not parse or
 * match gets the small limit; the pipeline refuses it afterwards.
 */
static size_t
admin_body_max(const struct http_req *req, void *arg)
{
	const struct admin_route	*rt;
	struct http_path		 p;
	int				 m, allowed;

	(void)arg;
	if ((m = admin_method(req->method)) == 0 ||
	    http_path_parse(&p, req->target) == -1 ||
	    (rt = admin_route_find(&p, m, &allowed)) == NULL)
		return ADMIN_BODY_MAX;
	return rt->flags & AR_BIG_BODY ? ADMIN_BIG_BODY_MAX : ADMIN_BODY_MAX;
}

static void
admin_request(struct http_xchg *x, void *arg)
{
	struct admin_req		 r;
	const struct admin_route	*rt;
	const char			*host, *ct;
	char				 allow[128];
	size_t				 blen;
	int				 m, allowed;

	(void)arg;
	memset(&r, 0, sizeof(r));
	r.x = x;
	r.req = http_xchg_req(x);
	r.cfg = admin_cfg;
	host = http_req_header(r.req, "Host");
	if (host == NULL || !admin_host_ok(admin_cfg, host)) {
		admin_problem(&r, 421, "this server does not answer for that "
		    "Host name", "use a loopback address, localhost or the "
		    "server's hostname, or add the name to admin_hosts");
		return;
	}
	if (http_path_parse(&r.path, r.req->target) == -1) {
		admin_problem(&r, 400, "the request path is not in canonical "
		    "form (encoded '/', '\\' or NUL, an escaped letter or "
		    "digit, a '.', '..' or empty segment, or non-ASCII)",
		    NULL);
		return;
	}
	if ((m = admin_method(r.req->method)) == 0) {
		admin_problem(&r, 501, "method not supported", NULL);
		return;
	}
	if ((rt = admin_route_find(&r.path, m, &allowed)) == NULL) {
		if (allowed == 0) {
			admin_problem(&r, 404, "no such resource", NULL);
			return;
		}
		(void)util_snprintf(allow, sizeof(allow), "Allow: %s%s%s%s%s\r\n",
		    allowed & AM_GET ? "GET, HEAD" : "",
		    allowed & AM_POST ? ", POST" : "",
		    allowed & AM_PUT ? ", PUT" : "",
		    allowed & AM_PATCH ? ", PATCH" : "",
		    allowed & AM_DELETE ? ", DELETE" : "");
		admin_problem_extra(&r, 405, allow, NULL, NULL);
		return;
	}
	ct = http_req_header(r.req, "Content-Type");
	(void)http_xchg_body(x, &blen);
	if ((m == AM_POST || m == AM_PUT || m == AM_PATCH || blen > 0) &&
	    m != AM_GET && (ct == NULL || !admin_is_json(ct))) {
		admin_problem(&r, 415, "write requests take a JSON body",
		    "send Content-Type: application/json");
		return;
	}
	if (rt->scope != NULL || rt->op != NULL) {
		admin_api_request(&r, rt);
		return;
	}
	rt->handler(&r);
}

static void
admin_stop(evutil_socket_t sig, short ev, void *arg)
{
	sigset_t	stop;

	(void)ev;
	(void)arg;
	/* a second stop (the parent's after a Ctrl-C) waits unseen */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	log_info("admin: signal %d, stopping", (int)sig);
	event_base_loopbreak(admin_base);
}

void
admin_main(const struct config *cfg, struct ssl_ctx_st *tls,
    const int *fds, size_t nfds, int auth_sock, int queue_sock)
{
	static struct config	 cfg_copy;
	struct http_srv_conf	 hc;
	struct http_srv		*srv;
	struct event		*ev_term, *ev_int;
	size_t			 i;

	log_set_role("admin");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	cfg_copy = *cfg;
	admin_cfg = &cfg_copy;
	if ((admin_base = event_base_new()) == NULL)
		fatalx("admin: event_base_new");
	memset(&hc, 0, sizeof(hc));
	hc.max_conns = cfg->admin_max_connections;
	hc.timeout_ms = cfg->admin_timeout_ms;
	hc.body_max = ADMIN_BODY_MAX;
	hc.on_head = admin_body_max;
	hc.tls = tls;
	hc.on_request = admin_request;
	if ((srv = http_srv_new(admin_base, &hc)) == NULL)
		fatalx("admin: out of memory");
	for (i = 0; i < nfds; i++)
		if (http_srv_listen(srv, fds[i]) == -1)
			fatalx("admin: cannot serve listener %zu", i);
	admin_api_init(admin_base, auth_sock, queue_sock);
	ev_term = evsignal_new(admin_base, SIGTERM, admin_stop, NULL);
	ev_int = evsignal_new(admin_base, SIGINT, admin_stop, NULL);
	if (ev_term == NULL || ev_int == NULL || evsignal_add(ev_term, NULL) ||
	    evsignal_add(ev_int, NULL))
		fatalx("admin: cannot install signal handlers");
	log_info("admin: ready (%s)", tls != NULL ? "https" : "http");
	event_base_dispatch(admin_base);
	http_srv_free(srv);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(admin_base);
	if (tls != NULL)
		SSL_CTX_free(tls);
	log_info("admin: stopped");
	exit(0);
}
