/*
 * fuzz_route: libFuzzer harness for the admin listener's router and Host
 * check (server/admin_match.c) on the real route table
 * (server/admin_routes.c), behind the raw-target judge (http_path.c),
 * as the pipeline runs them (server/admin.c).  The handlers the table
 * names are never called here; they are stubs below.
 *
 * Byte 0: bits 0-2 pick the method, bit 3 the mode: clear, the rest is a
 * request target; set, a Host header value.  Checks:
 *  1. no crash, no out-of-bounds access (ASan), no undefined behaviour;
 *  2. a route found allows the method asked for, its pattern has exactly
 *     the path's segments, its literal segments equal the path's, and its
 *     "{name}" segment is a non-empty decoded segment without '/', '\',
 *     controls or non-ASCII bytes; *allowed holds its methods;
 *  3. with no route found, no matching route allows the method (so a
 *     405's Allow is right), and the same path twice gives the same
 *     answer;
 *  4. a Host accepted names loopback, localhost, the server's hostname or
 *     an admin_hosts entry: recomputed here independently.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "lib/http_path.h"
#include "server/admin.h"
#include "server/console.h"

#define STUB(name) void name(struct admin_req *r) { (void)r; abort(); }
STUB(admin_route_metrics)
STUB(admin_route_live)
STUB(admin_route_ready)
STUB(admin_route_openapi)
STUB(admin_route_explain)
STUB(admin_session_route)
STUB(console_serve)

static void
check_route(const char *target, int method)
{
	static struct http_path		 p;
	const struct admin_route	*rt, *again;
	const char			*s, *e;
	size_t				 i, n, j;
	int				 allowed, allowed2;

	if (http_path_parse(&p, target) != 0)
		return;
	rt = admin_route_find(&p, method, &allowed);
	again = admin_route_find(&p, method, &allowed2);
	assert(rt == again && allowed == allowed2);
	if (rt == NULL) {	/* 404, or 405: no match allows method */
		assert(!(allowed & method));
		return;
	}
	assert(rt->methods & method);
	assert((allowed & rt->methods) == rt->methods);
	s = rt->pattern + 1;
	for (i = 0; ; i++, s = e + 1) {
		if (strcmp(rt->pattern, "/") == 0) {
			assert(p.nseg == 0);
			break;
		}
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		assert(i < p.nseg);
		if (n > 2 && s[0] == '{' && s[n - 1] == '}') {
			assert(p.seg[i][0] != '\0');
			for (j = 0; p.seg[i][j] != '\0'; j++)
				assert(p.seg[i][j] != '/' &&
				    p.seg[i][j] != '\\' &&
				    (unsigned char)p.seg[i][j] > 0x20 &&
				    (unsigned char)p.seg[i][j] < 0x7f);
		} else
			assert(strlen(p.seg[i]) == n &&
			    memcmp(p.seg[i], s, n) == 0);
		if (e == NULL) {
			assert(i + 1 == p.nseg);
			break;
		}
	}
}

/* Check 4: what admin_host_ok may accept, said again. */
static int
host_allowed(const struct config *cfg, const char *host)
{
	char	name[256];
	size_t	n, k;

	n = host[0] == '[' ? (strchr(host, ']') != NULL ?
	    (size_t)(strchr(host, ']') - host) + 1 : 0) : strcspn(host, ":");
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	if (strcmp(name, "[::1]") == 0 || strcasecmp(name, "localhost") == 0 ||
	    strcasecmp(name, cfg->hostname) == 0 ||
	    strcasecmp(name, "console.example.test") == 0 ||
	    strcasecmp(name, "other.example.test") == 0)
		return 1;
	if (strncmp(name, "127.", 4) != 0)
		return 0;
	for (k = 4; k < n; k++)
		if (!(name[k] >= '0' && name[k] <= '9') && name[k] != '.')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	 methods[] = { AM_GET, AM_POST, AM_PUT,
				    AM_PATCH, AM_DELETE, AM_GET, AM_POST,
				    AM_DELETE };
	static struct config	 cfg;
	char			 text[HTTP_PATH_MAX * 2 + 2];

	if (size == 0)
		return 0;
	strcpy(cfg.hostname, "mail.example.test");
	strcpy(cfg.admin_hosts, "console.example.test, other.example.test");
	size--;
	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data + 1, size);
	text[size] = '\0';
	if (data[0] & 8)
		assert(admin_host_ok(&cfg, text) == host_allowed(&cfg, text));
	else
		check_route(text, methods[data[0] & 7]);
	return 0;
}
