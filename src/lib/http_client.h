/*
 * http_client: one HTTPS request through libcurl, for commands that call
 * web APIs (`postern push`).  Blocking: the callers are CLI commands,
 * never the event loop.
 *
 * Safe by default: the peer's certificate and name are verified (against
 * ca_file if given, else the system's store); plain http:// is refused
 * unless the host is loopback (127.0.0.0/8, ::1, localhost), for test
 * fixtures; redirects are not followed (a key in a query string must not
 * travel to another host); the response body is bounded
 * (HTTP_BODY_MAX) and a longer one fails the request.  Nothing is
 * printed: failures come back as text in resp->error, which never holds
 * the URL (it may carry a key).
 */
#ifndef POSTERN_HTTP_CLIENT_H
#define POSTERN_HTTP_CLIENT_H

#include <stddef.h>

#include "lib/buf.h"

#define HTTP_BODY_MAX		(1024 * 1024)
#define HTTP_HEADERS_MAX	8
#define HTTP_TIMEOUT_S		60
#define HTTP_CONNECT_TIMEOUT_S	15

struct http_request {
	const char	*method;	/* "GET", "POST", "DELETE", ... */
	const char	*url;
	const char	*headers[HTTP_HEADERS_MAX];	/* "Name: value" */
	size_t		 nheaders;
	const char	*body;		/* NULL: none */
	size_t		 bodylen;
	const char	*user_agent;
	const char	*ca_file;	/* NULL: the system's store */
	long		 timeout_s;	/* 0: HTTP_TIMEOUT_S */
};

struct http_response {
	long		 status;	/* 0: no HTTP answer */
	struct buf	 body;		/* NUL-terminated */
	long		 retry_after;	/* seconds, -1 if absent */
	char		 error[256];	/* when status is 0 */
	int		 may_pass;	/* status 0 from a refused or timed-out
					   connection: worth another try */
};

/* Process-wide libcurl setup, before any thread starts.  0 or -1. */
int	http_client_init(void);
void	http_client_cleanup(void);

/* 1 if url may be used: https://, or http:// to a loopback host. */
int	http_url_allowed(const char *url);

/*
 * Perform req.  0 when an HTTP answer came (any status, in resp->status),
 * -1 when none did (resp->error says why: refused URL, DNS, connect, TLS
 * verification, timeout, body too long).  resp is initialised here;
 * http_response_free() releases it either way.
 */
int	http_request(const struct http_request *, struct http_response *);
void	http_response_free(struct http_response *);

/*
 * Seconds in a Retry-After value (RFC 9110 §10.2.3): delay-seconds or an
 * HTTP-date, relative to now; -1 if it is neither.
 */
long	http_retry_after(const char *value, long now);

#endif
