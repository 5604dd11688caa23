/*
 * admin: the process that serves the admin HTTP listeners (the HTTP API,
 * the console and /metrics; docs/API.md).  Forked by the parent when
 * postern.conf has an `admin` listener, it drops to the server's user
 * and chroots into DATADIR/empty like the smtp process: it holds no store
 * handle and no spool, and reads the counters other processes write in
 * the shared metrics page (core/metrics.h).
 *
 * Every request goes through one pipeline (admin.c): Host allowlist
 * (421), the raw target judged before any decoding (http_path.h, 400),
 * the route table (404, 405 with Allow), then the route's handler; every
 * answer carries the same security headers, is counted and logged.
 * Errors are RFC 9457 (formerly 7807) application/problem+json.
 */
#ifndef POSTERN_ADMIN_H
#define POSTERN_ADMIN_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/http_path.h"
#include "lib/http_srv.h"

struct event_base;

struct config;

/* One request as a handler sees it. */
struct admin_req {
	struct http_xchg	*x;
	const struct http_req	*req;
	struct http_path	 path;
	const struct config	*cfg;
};

typedef void (*admin_handler)(struct admin_req *);

enum admin_method {
	AM_GET = 0x01,		/* and HEAD */
	AM_POST = 0x02,
	AM_PUT = 0x04,
	AM_PATCH = 0x08,
	AM_DELETE = 0x10,
};

#define AR_LOOPBACK_OPEN	0x01	/* no token needed from loopback */
#define AR_BIG_BODY		0x02	/* body up to ADMIN_BIG_BODY_MAX */
#define AR_NO_API		0x04	/* not in the OpenAPI description (the
					   console's static files) */

#define ADMIN_BODY_MAX		(1024 * 1024)
#define ADMIN_BIG_BODY_MAX	(8 * 1024 * 1024)	/* provisioning */

struct admin_route {
	int		 methods;	/* AM_* */
	const char	*pattern;	/* "/api/v1/mailboxes/{address}" */
	const char	*scope;		/* token scope (core/token.h); NULL:
					   open */
	const char	*op;		/* run by the auth process (api.h),
					   or NULL: handler, here */
	admin_handler	 handler;
	int		 flags;		/* AR_* */
	const char	*summary;	/* for the OpenAPI description */
};

extern const struct admin_route	admin_routes[];
extern const size_t		admin_nroutes;

/* The routes answered here without the store (admin_builtin.c). */
void	 admin_route_metrics(struct admin_req *);
void	 admin_route_live(struct admin_req *);
void	 admin_route_ready(struct admin_req *);
void	 admin_route_openapi(struct admin_req *);
void	 admin_route_explain(struct admin_req *);

/*
 * The router (admin_match.c).  The route for a parsed path: its row, or
 * NULL (404).  *allowed gets
 * the AM_* bits of the matching pattern even when method is not one.
 */
const struct admin_route *admin_route_find(const struct http_path *,
	    int method, int *allowed);
/* AM_* of a method name; 0 when the server never allows it. */
int	 admin_method(const char *);
/* 1 if Host (without port) may be answered for this configuration. */
int	 admin_host_ok(const struct config *, const char *host);

/* The API flow (admin_api.c): token check, then op or handler. */
void	 admin_api_init(struct event_base *, int auth_sock, int queue_sock);
void	 admin_api_request(struct admin_req *, const struct admin_route *);
/* An operation's answer, for admin_api_op's caller: status and JSON. */
typedef void (*admin_done)(struct admin_req *, int status, struct buf *);
/* Run op in the auth process as actor, without a token check (the
   caller has decided who may); done gets the answer.  0, or -1 (nothing
   sent, no callback). */
int	 admin_api_op(struct admin_req *, const char *op, const char *actor,
	    admin_done);
/* The failure budget per client address, for logins too. */
void	 admin_api_failed(struct admin_req *);
/* 1 if the client is over its budget: 429 with Retry-After is sent. */
int	 admin_api_blocked(struct admin_req *);

/* Console sessions (admin_session.c). */
struct admin_session {
	char		id[65];		/* 32 random bytes, hex */
	char		csrf[65];
	char		user[65];
	int64_t		created;
	int64_t		last;		/* 0: slot free */
};
/* The live session of the request's cookie, or NULL. */
const struct admin_session *admin_session_get(struct admin_req *);
/* For a method other than GET and HEAD: the CSRF header and the Origin
   must match.  0, or -1 with 403 sent. */
int	 admin_session_write_ok(struct admin_req *,
	    const struct admin_session *);
/* GET, POST (log in), DELETE (log out) /api/v1/session. */
void	 admin_session_route(struct admin_req *);

/* The OpenAPI 3.1 description of the route table, into b. 0 or -1. */
int	 admin_openapi(struct buf *);

/* Answers (admin.c). */
void	 admin_reply(struct admin_req *, int status, const char *ctype,
	    const struct buf *);
/* The same with extra header lines (each ending in CRLF). */
void	 admin_reply_extra(struct admin_req *, int status, const char *ctype,
	    const char *extra, const char *body, size_t len);
/* The same without the API's Cache-Control and CSP: extra must carry
   its own (the console's files, console.h). */
void	 admin_reply_static(struct admin_req *, int status, const char *ctype,
	    const char *extra, const char *body, size_t len);
/* RFC 9457 problem: title from the status, detail and fix for people. */
void	 admin_problem(struct admin_req *, int status, const char *detail,
	    const char *fix);
/* The same with extra header lines (each ending in CRLF). */
void	 admin_problem_extra(struct admin_req *, int status,
	    const char *extra, const char *detail, const char *fix);

/* auth_sock, queue_sock: to those processes' API threads */
__attribute__((noreturn)) void admin_main(const struct config *,
	    struct ssl_ctx_st *tls, const int *fds, size_t nfds,
	    int auth_sock, int queue_sock);

#endif
