/*
 * http_test: the request-head parser (http_parse.h) and the raw-target
 * judge (http_path.h), table-driven: every head and target with the
 * status or verdict it must get, the canonical-form rules one by one
 * (the spellings evhttp let through to /metrics among them), query
 * decoding, and the admin router's matching (admin.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "lib/http_parse.h"
#include "lib/http_path.h"
#include "server/admin.h"

struct head_case {
	const char	*head;
	int		 status;	/* 0: accepted */
	const char	*why;
};

struct path_case {
	const char	*target;
	int		 ok;
	size_t		 nseg;
	const char	*last;		/* decoded last segment */
};

static const struct head_case heads[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, "minimal" },
	{ "GET / HTTP/1.0\r\n\r\n", 0, "1.0 needs no Host" },
	{ "GET / HTTP/1.1\r\n\r\n", 400, "1.1 without Host" },
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts" },
	{ "GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare LF" },
	{ "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400, "bare CR" },
	{ "GET / HTTP/1.1\r\nHost: a\r\n X: folded\r\n\r\n", 400,
	    "obs-fold" },
	{ "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400, "space in name" },
	{ "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400, "empty name" },
	{ "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400, "no colon" },
	{ "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400, "control in value" },
	{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2 text" },
	{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "trailing space" },
	{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "double space" },
	{ "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "non-ASCII" },
	{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "method not a token" },
	{ "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: a\r\n\r\n", 501,
	    "method too long" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
	    501, "chunked request" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\n", 400, "two lengths" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400,
	    "negative length" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400,
	    "length with a space" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "9999999999999999999\r\n\r\n", 400, "length overflow" },
	{ "GET / HTTP/1.1\r\nHost: a\r\n", 400, "no empty line" },
};

static const struct path_case paths[] = {
	{ "/", 1, 0, NULL },
	{ "/metrics", 1, 1, "metrics" },
	{ "/metrics?x=1", 1, 1, "metrics" },
	{ "/api/v1/mailboxes/a%40b.test", 1, 4, "a@b.test" },
	{ "/api/v1/mailboxes/a@b.test", 1, 4, "a@b.test" },
	{ "/api/v1/mailboxes/a%2Bb%40c.test", 1, 4, "a+b@c.test" },
	{ "/metrics/", 1, 1, "metrics" },
	{ "/%6detrics", 0, 0, NULL },		/* escaped letter */
	{ "/metrics%00.js", 0, 0, NULL },	/* NUL */
	{ "/api/v1/mailboxes%00x", 0, 0, NULL },
	{ "/api%2Fv1", 0, 0, NULL },		/* encoded slash */
	{ "/api%2fv1", 0, 0, NULL },
	{ "/api%5Cv1", 0, 0, NULL },		/* encoded backslash */
	{ "/api\\v1", 0, 0, NULL },
	{ "//metrics", 0, 0, NULL },
	{ "/a//b", 0, 0, NULL },
	{ "/./metrics", 0, 0, NULL },
	{ "/a/../metrics", 0, 0, NULL },
	{ "/a/%2e%2e/metrics", 0, 0, NULL },	/* escaped unreserved '.' */
	{ "/a%C3%A9", 0, 0, NULL },		/* non-ASCII */
	{ "/a%2", 0, 0, NULL },			/* short escape */
	{ "/a%zz", 0, 0, NULL },
	{ "/a%20b", 0, 0, NULL },		/* space */
	{ "/a%0Ab", 0, 0, NULL },		/* control */
	{ "metrics", 0, 0, NULL },		/* not origin-form */
	{ "http://x/metrics", 0, 0, NULL },	/* absolute-form */
	{ "*", 0, 0, NULL },
};

static void
test_heads(void **state)
{
	static struct http_req	r;
	size_t			i;
	int			st;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		st = http_parse_head(&r, heads[i].head, strlen(heads[i].head));
		if (st != heads[i].status)
			fail_msg("%s: got %d, want %d", heads[i].why, st,
			    heads[i].status);
	}
}

static void
test_head_fields(void **state)
{
	static struct http_req	r;
	const char		*h = "POST /x?y=1 HTTP/1.1\r\nHost: a:80\r\n"
				    "Content-Type:  application/json  \r\n"
				    "Content-Length: 12\r\n"
				    "Connection: keep-alive, close\r\n\r\n";

	(void)state;
	assert_int_equal(http_parse_head(&r, h, strlen(h)), 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/x?y=1");
	assert_int_equal(r.minor, 1);
	assert_int_equal(r.content_length, 12);
	assert_int_equal(r.keep_alive, 0);
	assert_string_equal(http_req_header(&r, "content-type"),
	    "application/json");
	assert_string_equal(http_req_header(&r, "HOST"), "a:80");
	assert_null(http_req_header(&r, "Cookie"));
}

static void
test_head_bounds(void **state)
{
	static struct http_req	r;
	static char		big[HTTP_HEAD_MAX + 64];
	size_t			n;

	(void)state;
	/* exactly HTTP_HEAD_MAX bytes is a head; one more is refused */
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: ");
	memset(big + n, 'a', HTTP_HEAD_MAX - n);
	memcpy(big + HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(http_parse_head(&r, big, HTTP_HEAD_MAX), 0);
	assert_int_equal(strlen(http_req_header(&r, "X")),
	    HTTP_HEAD_MAX - n - 4);
	memset(big + n, 'a', HTTP_HEAD_MAX + 1 - n);
	memcpy(big + HTTP_HEAD_MAX + 1 - 4, "\r\n\r\n", 4);
	assert_int_equal(http_parse_head(&r, big, HTTP_HEAD_MAX + 1), 400);
	/* NUL anywhere */
	assert_int_equal(http_parse_head(&r, "GET / HTTP/1.1\r\nHost: a\0b"
	    "\r\n\r\n", 29), 400);
}

static void
test_paths(void **state)
{
	static struct http_path	p;
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		rc = http_path_parse(&p, paths[i].target);
		if ((rc == 0) != paths[i].ok)
			fail_msg("%s: %s", paths[i].target, rc == 0 ?
			    "accepted" : "refused");
		if (rc != 0)
			continue;
		assert_int_equal(p.nseg, paths[i].nseg);
		if (paths[i].last != NULL)
			assert_string_equal(p.seg[p.nseg - 1], paths[i].last);
	}
}

static void
test_query(void **state)
{
	char	v[32];

	(void)state;
	assert_int_equal(http_query_get("a=1&domain=x%2Fy.test&q=", "domain",
	    v, sizeof(v)), 1);
	assert_string_equal(v, "x/y.test");
	assert_int_equal(http_query_get("r=550+5.7.1+x%2By", "r", v,
	    sizeof(v)), 1);
	assert_string_equal(v, "550 5.7.1 x+y");
	assert_int_equal(http_query_get("a=1&q=", "q", v, sizeof(v)), 1);
	assert_string_equal(v, "");
	assert_int_equal(http_query_get("flag&a=1", "flag", v, sizeof(v)), 1);
	assert_int_equal(http_query_get("a=1", "b", v, sizeof(v)), 0);
	assert_int_equal(http_query_get("ab=1", "a", v, sizeof(v)), 0);
	assert_int_equal(http_query_get("a=%00", "a", v, sizeof(v)), -1);
	assert_int_equal(http_query_get("a=%4", "a", v, sizeof(v)), -1);
	assert_int_equal(http_query_get("a=0123456789012345678901234567890123",
	    "a", v, sizeof(v)), -1);
}

static void
test_router(void **state)
{
	static struct http_path		 p;
	const struct admin_route	*r;
	int				 allowed;
	size_t				 i;

	(void)state;
	assert_int_equal(http_path_parse(&p, "/metrics"), 0);
	assert_non_null(r = admin_route_find(&p, AM_GET, &allowed));
	assert_string_equal(r->pattern, "/metrics");
	assert_null(admin_route_find(&p, AM_POST, &allowed));
	assert_int_equal(allowed, AM_GET);
	assert_int_equal(http_path_parse(&p, "/metrics/x"), 0);
	assert_null(admin_route_find(&p, AM_GET, &allowed));
	assert_int_equal(allowed, 0);
	assert_int_equal(admin_method("HEAD"), AM_GET);
	assert_int_equal(admin_method("TRACE"), 0);
	assert_int_equal(admin_method("get"), 0);
	/* every route is reachable by its own pattern and documented */
	for (i = 0; i < admin_nroutes; i++) {
		assert_non_null(admin_routes[i].summary);
		assert_int_equal(admin_routes[i].pattern[0], '/');
	}
}

static void
test_hosts(void **state)
{
	static struct config	c;

	(void)state;
	config_defaults(&c);
	strcpy(c.hostname, "mail.example.test");
	strcpy(c.admin_hosts, "admin.example.test, ops.example.test");
	assert_true(admin_host_ok(&c, "127.0.0.1:8480"));
	assert_true(admin_host_ok(&c, "127.0.0.1"));
	assert_true(admin_host_ok(&c, "[::1]:8480"));
	assert_true(admin_host_ok(&c, "localhost:8480"));
	assert_true(admin_host_ok(&c, "MAIL.example.test"));
	assert_true(admin_host_ok(&c, "ops.example.test:443"));
	assert_false(admin_host_ok(&c, "evil.test"));
	assert_false(admin_host_ok(&c, "127.0.0.1.evil.test"));
	assert_false(admin_host_ok(&c, "localhost.evil.test"));
	assert_false(admin_host_ok(&c, "admin.example.test.evil"));
	assert_false(admin_host_ok(&c, ""));
	assert_false(admin_host_ok(&c, "[::1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_head_fields),
		cmocka_unit_test(test_head_bounds),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_router),
		cmocka_unit_test(test_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
