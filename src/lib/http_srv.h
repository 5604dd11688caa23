/*
 * http_srv: a small HTTP/1.1 server on libevent bufferevents, plain or
 * TLS, for the admin process: the one place that reads HTTP from the
 * network.  Everything above it (routing, authorisation, JSON) sees whole
 * requests through this interface, so the glue can be replaced without
 * touching the API.
 *
 * Why not evhttp: measured on Debian 12's libevent 2.1.12, evhttp's
 * timeout is per read, so a client sending one byte a second kept a
 * request open for 39 s against a 2 s timeout; 2.1 has no connection cap
 * and no per-connection close hook (a filter bufferevent, the usual way
 * to get one, broke keep-alive).  Here every phase has a deadline of its
 * own, counted from its start, not from the last byte:
 *  - the whole head (request line and fields, at most HTTP_HEAD_MAX) within
 *    timeout of the connection's start or the previous response; an idle
 *    keep-alive connection is closed by the same deadline;
 *  - the body within timeout of the head;
 *  - the response written within timeout.
 * A head too large gets 431 (RFC 6585 §5), a body over the limit the
 * route allows 413, a deadline missed mid-request 408; each of those
 * closes the connection.  At most max_conns connections are open: the
 * listeners stop accepting at the cap and resume when one closes.
 *
 * Requests on a connection are answered one at a time and in order:
 * reading stops while a request waits for its answer (pipelined bytes
 * stay buffered).  The handler may answer later (after IPC): it must call
 * http_reply() exactly once for every request it is given; if the client
 * went away meanwhile, the reply is dropped and the connection freed then.
 */
#ifndef POSTERN_HTTP_SRV_H
#define POSTERN_HTTP_SRV_H

#include <stddef.h>

#include "lib/http_parse.h"

struct event_base;
struct ssl_ctx_st;
struct http_srv;
struct http_xchg;		/* one request and its answer */

struct http_srv_conf {
	size_t		 max_conns;
	unsigned	 timeout_ms;	/* per phase, see above */
	size_t		 body_max;	/* when on_head gives 0 */
	struct ssl_ctx_st *tls;		/* NULL: plain HTTP */
	/* The body limit for this request (0: body_max); called once the
	   head is parsed.  May be NULL. */
	size_t		(*on_head)(const struct http_req *, void *arg);
	/* A whole request: answer it with http_reply(). */
	void		(*on_request)(struct http_xchg *, void *arg);
	void		*arg;
};

struct http_srv *http_srv_new(struct event_base *,
	    const struct http_srv_conf *);
/* Serve a bound, listening socket (the srv owns it from now). 0 or -1. */
int	 http_srv_listen(struct http_srv *, int fd);
void	 http_srv_free(struct http_srv *);
/* Connections open now (for tests and metrics). */
size_t	 http_srv_conns(const struct http_srv *);

const struct http_req *http_xchg_req(const struct http_xchg *);
const char *http_xchg_body(const struct http_xchg *, size_t *len);
/* The client's address as text ("127.0.0.1", "::1"). */
const char *http_xchg_client(const struct http_xchg *);
int	 http_xchg_tls(const struct http_xchg *);

/*
 * Answer: status, its Content-Type (NULL: none), extra header lines (each
 * ending in CRLF, or NULL) and the body.  Content-Length is always sent
 * but for 204 and 304, which never have a body; a HEAD request gets no
 * body.  close_after: close the connection after it.
 */
void	 http_reply(struct http_xchg *, int status, const char *ctype,
	    const char *extra, const void *body, size_t len, int close_after);
/* The reason phrase of a status code (RFC 9110 §15). */
const char *http_reason(int status);
/*
 * b := an RFC 9457 problem document (type, title from the status,
 * status, detail and fix when given) and a newline.  Returns status, so a
 * handler can `return http_problem(...)`.
 */
struct buf;
int	 http_problem(struct buf *b, int status, const char *detail,
	    const char *fix);

#endif
