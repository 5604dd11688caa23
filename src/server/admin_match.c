/*
 * admin_match: the admin listener's router (admin.h): a method's bit, a
 * parsed path against the route table's patterns, and the Host
 * allowlist.  No I/O and no state, so test/fuzz/fuzz_route.c runs it on
 * the real table (admin_routes.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "server/admin.h"

static int	 route_match(const char *, const struct http_path *);

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

