/*
 * console: the web console's static files (HTML, CSS, JavaScript),
 * embedded in the binary and served by the admin process (docs/CONSOLE.md).
 * The files live in src/server/console/; the build turns them into a
 * generated table (scripts/embed_console.py -> BUILD/obj/console_data.c),
 * so the admin process, chrooted into an empty directory, reads nothing
 * at run time.  The files are public: everything they show comes from
 * the API, which needs a session or a token.
 */
#ifndef POSTERN_CONSOLE_H
#define POSTERN_CONSOLE_H

#include <stddef.h>

/* One embedded file (the generated table). */
struct console_file {
	const char		*name;	/* "index.html": no directories */
	const char		*ctype;	/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
	const char		*etag;	/* "\"<16 hex of its SHA-256>\"" */
};

extern const struct console_file	console_files[];
extern const size_t			console_nfiles;

/* The policy every console file is sent with: no inline script or
   style, nothing from another origin. */
#define CONSOLE_CSP	"default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

struct admin_req;

/* The embedded file of that name, or NULL. */
const struct console_file *console_find(const char *name);
/*
 * The route handler for "/", "/console", "/console/" and
 * "/console/{file}" (GET and HEAD): "/" and "/console" redirect to
 * "/console/", which is index.html; a file gets its type, the CSP,
 * Cache-Control: no-cache and an ETag (304 for a matching
 * If-None-Match); an unknown name 404.
 */
void	 console_serve(struct admin_req *);

#endif
