/*
 * console: serving the embedded console files (console.h).  Only names
 * in the generated table exist; a name is looked up as a whole decoded
 * path segment (http_path.h has already refused "..", encoded slashes
 * and anything not canonical), so no request can reach anything else.
 *
 * Every file is sent with the console's own Content-Security-Policy
 * (CONSOLE_CSP) in place of the API's "default-src 'none'", and with
 * Cache-Control: no-cache plus an ETag: the browser keeps a copy but asks
 * each time, and gets 304 while the binary is the same.
 *
 * Failure: an unknown name is 404; nothing here allocates.
 */
#include <string.h>

#include "lib/http_parse.h"
#include "lib/util.h"
#include "server/admin.h"
#include "server/console.h"

#define CONSOLE_HEADERS	"Content-Security-Policy: " CONSOLE_CSP "\r\n" \
	"Cache-Control: no-cache\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n" \
	"X-Frame-Options: DENY\r\n"

static int	 console_etag_match(const char *, const char *);
static void	 console_send(struct admin_req *, const struct console_file *);

const struct console_file *
console_find(const char *name)
{
	size_t	i;

	for (i = 0; i < console_nfiles; i++)
		if (strcmp(console_files[i].name, name) == 0)
			return &console_files[i];
	return NULL;
}

/* 1 if an If-None-Match value names etag (or is "*"); weak or strong. */
static int
console_etag_match(const char *inm, const char *etag)
{
	size_t	n = strlen(etag);
	const char *p;

	if (strcmp(inm, "*") == 0)
		return 1;
	for (p = inm; (p = strstr(p, etag)) != NULL; p += n)
		if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
			return 1;
	return 0;
}

static void
console_send(struct admin_req *r, const struct console_file *f)
{
	const char	*inm;
	char		 hdr[768];

	(void)util_snprintf(hdr, sizeof(hdr), "%sETag: %s\r\n",
	    CONSOLE_HEADERS, f->etag);
	inm = http_req_header(r->req, "If-None-Match");
	if (inm != NULL && console_etag_match(inm, f->etag)) {
		admin_reply_static(r, 304, f->ctype, hdr, "", 0);
		return;
	}
	admin_reply_static(r, 200, f->ctype, hdr, (const char *)f->data,
	    f->len);
}

void
console_serve(struct admin_req *r)
{
	const struct console_file	*f;
	const char			*raw = r->path.raw;
	size_t				 n = strlen(raw);

	if (strcmp(raw, "/") == 0 || strcmp(raw, "/console") == 0) {
		admin_reply_static(r, 302, "text/plain; charset=utf-8",
		    "Location: /console/\r\nCache-Control: no-store\r\n"
		    "Content-Security-Policy: default-src 'none'; "
		    "frame-ancestors 'none'\r\n", "", 0);
		return;
	}
	if (strcmp(raw, "/console/") == 0)
		f = console_find("index.html");
	else if (r->path.nseg == 2 && raw[n - 1] != '/')
		f = console_find(r->path.seg[1]);
	else
		f = NULL;
	if (f == NULL) {
		admin_problem(r, 404, "no such console file", "open /console/");
		return;
	}
	console_send(r, f);
}
