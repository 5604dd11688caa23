/*
 * http_path: judging a raw request target before any decoding, and the
 * decoding the router does after it.  A target is accepted only in one
 * canonical spelling, so no two spellings reach the same route:
 *  - origin-form, starting with '/', printable ASCII only;
 *  - no empty segment ("//"), no "." or ".." segment;
 *  - a percent-escape only for a printable ASCII character that needs
 *    one: never for an unreserved character (so "/%6detrics" is not
 *    "/metrics"), never for '/', '\' or NUL or a control or non-ASCII
 *    byte, and always two hex digits;
 *  - a raw '\' nowhere.
 * Everything else is 400.  The query (after '?') is form-encoded: '+' is
 * a space (so a '+' in an address is sent as %2B), and any byte but NUL
 * and controls may be escaped.
 */
#ifndef POSTERN_HTTP_PATH_H
#define POSTERN_HTTP_PATH_H

#include <stddef.h>

#define HTTP_PATH_MAX		1024
#define HTTP_SEGMENTS_MAX	16

struct http_path {
	char		 raw[HTTP_PATH_MAX + 1];	/* the path, undecoded */
	const char	*query;		/* after '?', or "" */
	char		 qbuf[HTTP_PATH_MAX + 1];
	/* decoded segments ("api", "v1", "mailboxes", "a@b.test") */
	char		 seg[HTTP_SEGMENTS_MAX][256];
	size_t		 nseg;
};

/* 0 if target is canonical (and fills p), -1 if it is to get 400. */
int	 http_path_parse(struct http_path *, const char *target);
/*
 * The decoded value of the first parameter named key: 1 found, 0 not
 * there, -1 malformed or too long for out.
 */
int	 http_query_get(const char *query, const char *key, char *out,
	    size_t outsz);

#endif
