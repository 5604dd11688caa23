/*
 * http_parse: the head of one HTTP/1.x request (RFC 9112 §2-§6), parsed
 * strictly from a complete head (request line, header fields, the empty
 * line).  Nothing is decoded: the request target is kept exactly as sent,
 * because the admin router judges the raw bytes (http_path.h) before any
 * percent-decoding could turn "/%6detrics" into "/metrics".
 *
 * Strict on purpose, as the SMTP reader is: lines end in CRLF only (a
 * bare CR or LF is 400), no obsolete line folding, header names are
 * tokens, values carry no control characters but HTAB, at most
 * HTTP_HEADERS_MAX fields, one Host (required in HTTP/1.1), at most one
 * Content-Length (digits only).  A request with Transfer-Encoding is
 * 501: the admin API takes bodies with a length only, so there is no
 * chunked decoder to get wrong (RFC 9112 §6.1 lets a server refuse a
 * coding it does not implement).  Results are HTTP status codes: 0 for a
 * good head, else 400, 501 or 505 for the reply.
 */
#ifndef POSTERN_HTTP_PARSE_H
#define POSTERN_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX		16384	/* request line + fields */
#define HTTP_HEADERS_MAX	64
#define HTTP_METHOD_MAX		15

struct http_header {
	const char	*name;		/* as sent; compare without case */
	const char	*value;		/* leading/trailing spaces removed */
};

struct http_req {
	char		 method[HTTP_METHOD_MAX + 1];
	const char	*target;	/* raw request target */
	int		 minor;		/* HTTP/1.minor */
	struct http_header h[HTTP_HEADERS_MAX];
	size_t		 nh;
	int64_t		 content_length;	/* -1: none */
	int		 keep_alive;	/* the client allows another request */
	char		 head[HTTP_HEAD_MAX + 1];	/* fields point here */
};

/*
 * Parse a head of len bytes ending with the empty line (CRLF CRLF).
 * 0, or the status to answer (400, 501, 505).
 */
int	 http_parse_head(struct http_req *, const char *, size_t len);
/* The value of the first field of that name, or NULL. */
const char *http_req_header(const struct http_req *, const char *name);

#endif
