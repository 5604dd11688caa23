/*
 * resolve_test: the resolver, in two parts.
 *
 * Always (hermetic, no DNS traffic at all): DNS server strings, address
 * literals, malformed names and a bad family_pref.  These use a resolver
 * aimed at 127.0.0.1:1, so a query sent by mistake would come back as
 * TEMPFAIL instead of the expected status and fail the test.
 *
 * With POSTERN_TEST_DNS=ADDR:PORT (set by test/integration/
 * test_resolve.py, which serves the zone listed there with dnsmasq):
 * resolver_mx() and resolver_host() against that server, each result
 * written out in one canonical line and compared with the expected one;
 * hosts of equal preference are listed by name there, and the shuffle is
 * checked apart.  POSTERN_TEST_DNS_CLOSED=ADDR:PORT, a port with nothing
 * behind it, adds the unreachable-server case.  Without the variable
 * those tests are skipped.  Every mismatch is printed with the result's
 * err, and all of a table's cases run before the test fails.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue/resolve.h"

#define PORT		25
#define LINE_MAX_TEST	4096

struct server_case {
	const char	*server;
	int		 ok;
};

struct lookup_case {
	int		 host;		/* resolver_host, else resolver_mx */
	const char	*name;
	int		 fam;
	const char	*want;		/* canonical result, see render() */
	const char	*err;		/* in result.err, or NULL */
};

static void	test_server_strings(void **);
static void	test_literals(void **);
static void	test_malformed(void **);
static void	test_family_pref(void **);
static void	test_dns_table(void **);
static void	test_dns_shuffle(void **);
static void	test_dns_bounds(void **);
static void	test_dns_timeout(void **);
static void	test_dns_closed(void **);
static const char *status_name(enum resolve_status);
static void	render(const struct resolve_result *, char *, size_t);
static int	check_invariants(const char *, const struct resolve_result *);
static int	run_cases(struct resolver *, const struct lookup_case *,
		    size_t);
static struct resolver *dns_resolver(unsigned, unsigned);

static const struct lookup_case literal_cases[] = {
	{ 0, "[192.0.2.1]", 0, "OK: 0 [192.0.2.1] 192.0.2.1:25", NULL },
	{ 0, "[IPv6:2001:db8::1]", 0,
	    "OK: 0 [IPv6:2001:db8::1] [2001:db8::1]:25", NULL },
	{ 0, "[ipv6:::1]", 6, "OK: 0 [ipv6:::1] [::1]:25", NULL },
	{ 0, "[192.0.2.1]", 6, "NOHOST", "only IPv6" },
	{ 0, "[IPv6:::1]", 4, "NOHOST", "only IPv4" },
	{ 0, "[2001:db8::1]", 0, "NXDOMAIN", "address literal: malformed" },
	{ 0, "[1.2.3]", 0, "NXDOMAIN", "malformed" },
	{ 0, "[300.1.1.1]", 0, "NXDOMAIN", "malformed" },
	{ 0, "[IPv6:1.2.3.4]", 0, "NXDOMAIN", "malformed" },
	{ 0, "[]", 0, "NXDOMAIN", "malformed" },
	{ 0, "[", 0, "NXDOMAIN", "malformed" },
	{ 0, "[192.0.2.1", 0, "NXDOMAIN", "malformed" },
	{ 0, "[192.0.2.1]x", 0, "NXDOMAIN", "malformed" },
	{ 1, "192.0.2.1", 0, "OK: 0 192.0.2.1 192.0.2.1:25", NULL },
	{ 1, "2001:db8::1", 0, "OK: 0 2001:db8::1 [2001:db8::1]:25", NULL },
	{ 1, "[2001:db8::1]", 6, "OK: 0 [2001:db8::1] [2001:db8::1]:25",
	    NULL },
	{ 1, "[IPv6:2001:db8::1]", 0,
	    "OK: 0 [IPv6:2001:db8::1] [2001:db8::1]:25", NULL },
	{ 1, "[192.0.2.1]", 4, "OK: 0 [192.0.2.1] 192.0.2.1:25", NULL },
	{ 1, "192.0.2.1", 6, "NOHOST", "only IPv6" },
	{ 1, "[bogus]", 0, "NXDOMAIN", "malformed" },
};

/* Names that must be refused before any query. */
static const char *const malformed[] = {
	"", ".", "..", "a..b", ".a", "a b", "a\nb", "exa*mple.org",
	"example.org/x", "ex\xc3\xa4mple.org", "1.2.3.4", "mail.123",
	"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.0.1.2.3.4.5",
};

/*
 * The zone served by test_resolve.py (keep the two in step):
 *  mx.test        MX 10 mx1, 10 mx2, 20 mx3, 30 noaddr, 40 mx1 (dup);
 *                 mx1 A .11 AAAA ::11, mx2 A .12, mx3 AAAA ::13
 *  shared.test    MX 10 a (.21), 20 b (.21 .22), 30 c (.21)
 *  noaddr.test    MX 10 none.noaddr.test (no such name)
 *  implicit.test  no MX; A .31, AAAA ::31
 *  v6only.test    no MX; AAAA ::41
 *  nullmx.test    MX 0 .
 *  nodata.test    TXT only
 *  fail.test      SERVFAIL for every name; slow.test: no answer
 *  part.test      MX 10 mx.fail.test, 20 ok.part.test (.51)
 *  tmp.test       MX 10 mx.fail.test
 *  tmpmix.test    MX 10 gone.tmpmix.test (no such name), 20 mx.fail.test
 *  cname.test     MX 10 alias.cname.test, CNAME to real.cname.test (.61)
 *  cnamemx.test   CNAME to mx.test
 *  big.test       MX 1..20 h1..h20.big.test, hN A 127.0.1.N
 *  many.test      MX 10 many.many.test: A 127.0.2.1-10, AAAA ::2:1-10
 * Addresses are 127.0.0.N and ::N unless written otherwise.
 */
static const struct lookup_case dns_cases[] = {
	{ 0, "mx.test", 0, "OK: 10 mx1.mx.test [::11]:25 127.0.0.11:25 | "
	    "10 mx2.mx.test 127.0.0.12:25 | 20 mx3.mx.test [::13]:25",
	    "noaddr.mx.test: no address (NXDOMAIN)" },
	{ 0, "MX.Test.", 0, "OK: 10 mx1.mx.test [::11]:25 127.0.0.11:25 | "
	    "10 mx2.mx.test 127.0.0.12:25 | 20 mx3.mx.test [::13]:25", NULL },
	{ 0, "mx.test", 4, "OK: 10 mx1.mx.test 127.0.0.11:25 | "
	    "10 mx2.mx.test 127.0.0.12:25",
	    "mx3.mx.test: no address (NODATA)" },
	{ 0, "mx.test", 6, "OK: 10 mx1.mx.test [::11]:25 | "
	    "20 mx3.mx.test [::13]:25", "mx2.mx.test: no address (NODATA)" },
	{ 0, "shared.test", 0, "OK: 10 a.shared.test 127.0.0.21:25 | "
	    "20 b.shared.test 127.0.0.22:25", NULL },
	{ 0, "noaddr.test", 0, "NOHOST",
	    "none.noaddr.test: no address (NXDOMAIN)" },
	{ 0, "implicit.test", 0,
	    "OK implicit: 0 implicit.test [::31]:25 127.0.0.31:25", NULL },
	{ 0, "implicit.test", 4, "OK implicit: 0 implicit.test 127.0.0.31:25",
	    NULL },
	{ 0, "v6only.test", 0, "OK implicit: 0 v6only.test [::41]:25", NULL },
	{ 0, "v6only.test", 4, "NOHOST implicit",
	    "v6only.test: no address (NODATA)" },
	{ 0, "nullmx.test", 0, "NULLMX", "nullmx.test: null MX" },
	{ 0, "nx.test", 0, "NXDOMAIN", "nx.test: NXDOMAIN" },
	{ 0, "nodata.test", 0, "NOHOST implicit", "no address (NODATA)" },
	{ 0, "sf.fail.test", 0, "TEMPFAIL", "sf.fail.test: SERVFAIL" },
	{ 0, "outside.example", 0, "TEMPFAIL", "outside.example: REFUSED" },
	{ 0, "part.test", 0, "OK: 20 ok.part.test 127.0.0.51:25",
	    "mx.fail.test: SERVFAIL" },
	{ 0, "tmp.test", 0, "TEMPFAIL", "mx.fail.test: SERVFAIL" },
	{ 0, "tmpmix.test", 0, "TEMPFAIL", "mx.fail.test: SERVFAIL" },
	{ 0, "cname.test", 0, "OK: 10 alias.cname.test 127.0.0.61:25",
	    NULL },
	{ 0, "cnamemx.test", 0, "OK: 10 mx1.mx.test [::11]:25 "
	    "127.0.0.11:25 | 10 mx2.mx.test 127.0.0.12:25 | "
	    "20 mx3.mx.test [::13]:25", NULL },
	{ 0, "x123456789012345678901234567890123456789012345678901234567890"
	    ".x123456789012345678901234567890123456789012345678901234567890"
	    ".x123456789012345678901234567890123456789012345678901234567890"
	    ".x1234567890123456789012345678901234567890123456789012345.test",
	    0, "NXDOMAIN", "45.test: NX" },	/* 253 octets: allowed */
	{ 1, "mx1.mx.test", 0, "OK: 0 mx1.mx.test [::11]:25 127.0.0.11:25",
	    NULL },
	{ 1, "mx1.mx.test.", 6, "OK: 0 mx1.mx.test [::11]:25", NULL },
	{ 1, "alias.cname.test", 0, "OK: 0 alias.cname.test 127.0.0.61:25",
	    NULL },
	{ 1, "mx2.mx.test", 6, "NOHOST", "mx2.mx.test: no address (NODATA)" },
	{ 1, "nx.test", 0, "NXDOMAIN", "nx.test: no address (NXDOMAIN)" },
	{ 1, "nodata.test", 0, "NOHOST", "no address (NODATA)" },
	{ 1, "sf.fail.test", 0, "TEMPFAIL", "sf.fail.test: SERVFAIL" },
};

static const char *
status_name(enum resolve_status s)
{
	switch (s) {
	case RESOLVE_OK:
		return "OK";
	case RESOLVE_NULLMX:
		return "NULLMX";
	case RESOLVE_NXDOMAIN:
		return "NXDOMAIN";
	case RESOLVE_NOHOST:
		return "NOHOST";
	case RESOLVE_TEMPFAIL:
		return "TEMPFAIL";
	}
	return "?";
}

/*
 * "STATUS[ implicit][: PREF NAME ADDR... | ...]", with the hosts of
 * equal preference in name order so the line does not depend on the
 * shuffle.  IPv6 addresses are "[addr]:port".
 */
static void
render(const struct resolve_result *res, char *out, size_t outsz)
{
	const struct resolve_host	*h[RESOLVE_HOSTS_MAX], *t;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 a[INET6_ADDRSTRLEN];
	size_t				 i, j, len;

	snprintf(out, outsz, "%s%s%s", status_name(res->status),
	    res->implicit ? " implicit" : "", res->nhost ? ":" : "");
	for (i = 0; i < res->nhost && i < RESOLVE_HOSTS_MAX; i++)
		h[i] = &res->host[i];
	for (i = 1; i < res->nhost && i < RESOLVE_HOSTS_MAX; i++)
		for (j = i; j > 0 && h[j - 1]->pref == h[j]->pref &&
		    strcmp(h[j - 1]->name, h[j]->name) > 0; j--) {
			t = h[j - 1];
			h[j - 1] = h[j];
			h[j] = t;
		}
	for (i = 0; i < res->nhost && i < RESOLVE_HOSTS_MAX; i++) {
		len = strlen(out);
		snprintf(out + len, outsz - len, "%s %u %s", i ? " |" : "",
		    h[i]->pref, h[i]->name);
		for (j = 0; j < h[i]->naddr && j < RESOLVE_ADDRS_MAX; j++) {
			len = strlen(out);
			sin = (const struct sockaddr_in *)&h[i]->addr[j];
			sin6 = (const struct sockaddr_in6 *)&h[i]->addr[j];
			if (sin->sin_family == AF_INET) {
				inet_ntop(AF_INET, &sin->sin_addr, a,
				    sizeof(a));
				snprintf(out + len, outsz - len, " %s:%u", a,
				    ntohs(sin->sin_port));
			} else {
				inet_ntop(AF_INET6, &sin6->sin6_addr, a,
				    sizeof(a));
				snprintf(out + len, outsz - len, " [%s]:%u", a,
				    ntohs(sin6->sin6_port));
			}
		}
	}
}

/* What must hold of any result; prints and returns -1 if not. */
static int
check_invariants(const char *what, const struct resolve_result *res)
{
	const struct resolve_host	*h;
	size_t				 i, j;
	const char			*bad = NULL;

	if (res->nhost > RESOLVE_HOSTS_MAX)
		bad = "nhost too large";
	else if ((res->status == RESOLVE_OK) != (res->nhost > 0))
		bad = "hosts given with a failure status, or none with OK";
	else if (memchr(res->err, '\0', sizeof(res->err)) == NULL)
		bad = "err not terminated";
	for (i = 0; bad == NULL && i < res->nhost; i++) {
		h = &res->host[i];
		if (i > 0 && h->pref < res->host[i - 1].pref)
			bad = "hosts not in preference order";
		else if (h->naddr == 0 || h->naddr > RESOLVE_ADDRS_MAX)
			bad = "host with no or too many addresses";
		else if (memchr(h->name, '\0', sizeof(h->name)) == NULL)
			bad = "host name not terminated";
		for (j = 0; bad == NULL && j < h->naddr; j++) {
			if (h->addr[j].ss_family == AF_INET ?
			    h->addrlen[j] != sizeof(struct sockaddr_in) :
			    h->addr[j].ss_family != AF_INET6 ||
			    h->addrlen[j] != sizeof(struct sockaddr_in6))
				bad = "address family or length wrong";
			else if (ntohs(((const struct sockaddr_in *)
			    &h->addr[j])->sin_port) != PORT)
				bad = "port not set";
			else if (j > 0 && h->addr[j].ss_family == AF_INET6 &&
			    h->addr[j - 1].ss_family == AF_INET)
				bad = "IPv4 address before IPv6";
		}
	}
	if (bad != NULL)
		print_error("resolve_test: %s: %s\n", what, bad);
	return bad == NULL ? 0 : -1;
}

static int
run_cases(struct resolver *r, const struct lookup_case *c, size_t n)
{
	struct resolve_result	*res;
	char			 got[LINE_MAX_TEST], what[512];
	size_t			 i;
	int			 rc, failed = 0;

	res = malloc(sizeof(*res));
	assert_non_null(res);
	for (i = 0; i < n; i++, c++) {
		snprintf(what, sizeof(what), "%s(\"%s\", family %d)",
		    c->host ? "resolver_host" : "resolver_mx", c->name,
		    c->fam);
		rc = c->host ? resolver_host(r, c->name, PORT, c->fam, res) :
		    resolver_mx(r, c->name, PORT, c->fam, res);
		if (rc != 0) {
			print_error("resolve_test: %s returned %d: %s\n",
			    what, rc, strerror(errno));
			failed++;
			continue;
		}
		if (check_invariants(what, res) == -1)
			failed++;
		render(res, got, sizeof(got));
		if (strcmp(got, c->want) != 0 || (c->err != NULL &&
		    strstr(res->err, c->err) == NULL)) {
			print_error("resolve_test: %s\n  got:  %s\n  want: %s\n"
			    "  err:  \"%s\"%s%s%s\n", what, got, c->want,
			    res->err, c->err ? " (want it to contain \"" : "",
			    c->err ? c->err : "", c->err ? "\")" : "");
			failed++;
		}
	}
	free(res);
	return failed;
}

static void
test_server_strings(void **state)
{
	static const struct server_case cases[] = {
		{ NULL, 1 }, { "", 1 }, { "127.0.0.1", 1 },
		{ "127.0.0.1:53", 1 }, { "127.0.0.1:65535", 1 },
		{ "::1", 1 }, { "[::1]", 1 }, { "[::1]:5353", 1 },
		{ "[2001:db8::53]:53", 1 },
		{ "127.0.0.1:", 0 }, { "127.0.0.1:0", 0 },
		{ "127.0.0.1:65536", 0 }, { "127.0.0.1:123456", 0 },
		{ "127.0.0.1:5x", 0 }, { "127.0.0.1:-1", 0 },
		{ "[::1", 0 }, { "[::1]x", 0 }, { "[::1]:", 0 },
		{ "[127.0.0.1]:53", 0 }, { "localhost:53", 0 },
		{ "localhost", 0 }, { "1.2.3", 0 }, { ":53", 0 },
		{ "[]:53", 0 }, { "127.0.0.1 ", 0 }, { "::1:53:x", 0 },
	};
	struct resolver	*r;
	char		 err[128];
	size_t		 i;
	int		 failed = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		r = resolver_new(cases[i].server, 100, 1, err, sizeof(err));
		if ((r != NULL) != cases[i].ok) {
			print_error("resolve_test: resolver_new(\"%s\"): %s "
			    "(%s)\n", cases[i].server ? cases[i].server :
			    "NULL", r ? "accepted" : "refused", err);
			failed++;
		}
		if (r == NULL && err[0] == '\0') {
			print_error("resolve_test: no reason given\n");
			failed++;
		}
		resolver_free(r);
	}
	r = resolver_new("127.0.0.1", 600001, 1, err, sizeof(err));
	assert_null(r);
	r = resolver_new("127.0.0.1", 100, 11, err, sizeof(err));
	assert_null(r);
	r = resolver_new("127.0.0.1", 0, 0, err, sizeof(err));	/* defaults */
	assert_non_null(r);
	resolver_free(r);
	resolver_free(NULL);
	assert_int_equal(failed, 0);
}

static void
test_literals(void **state)
{
	struct resolver	*r;
	char		 err[128];

	r = resolver_new("127.0.0.1:1", 100, 1, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(run_cases(r, literal_cases,
	    sizeof(literal_cases) / sizeof(literal_cases[0])), 0);
	resolver_free(r);
}

static void
test_malformed(void **state)
{
	struct lookup_case	 c[2 * (sizeof(malformed) /
				    sizeof(malformed[0]) + 2)];
	struct resolver		*r;
	char			 err[128], label64[80], long254[300];
	const char		*extra[2];
	size_t			 i, n = 0, nm;

	memset(label64, 'a', 64);
	memcpy(label64 + 64, ".test", 6);
	for (i = 0; i < 253; i += 2)
		memcpy(long254 + i, "a.", 2);
	memcpy(long254 + 252, "ab", 3);		/* 254 octets */
	extra[0] = label64;
	extra[1] = long254;
	nm = sizeof(malformed) / sizeof(malformed[0]);
	for (i = 0; i < nm + 2; i++) {
		c[n].host = 0;
		c[n].name = i < nm ? malformed[i] : extra[i - nm];
		c[n].fam = 0;
		c[n].want = "NXDOMAIN";
		c[n].err = "malformed";
		c[n + 1] = c[n];
		c[n + 1].host = 1;
		/* an unbracketed address is a literal for resolver_host */
		if (strcmp(c[n].name, "1.2.3.4") == 0) {
			c[n + 1].want = "OK: 0 1.2.3.4 1.2.3.4:25";
			c[n + 1].err = NULL;
		}
		n += 2;
	}
	r = resolver_new("127.0.0.1:1", 100, 1, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(run_cases(r, c, n), 0);
	resolver_free(r);
}

static void
test_family_pref(void **state)
{
	struct resolve_result	*res;
	struct resolver		*r;
	char			 err[128];

	res = malloc(sizeof(*res));
	assert_non_null(res);
	r = resolver_new("127.0.0.1:1", 100, 1, err, sizeof(err));
	assert_non_null(r);
	errno = 0;
	assert_int_equal(resolver_mx(r, "[192.0.2.1]", PORT, 5, res), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(res->err, "family_pref"));
	assert_int_equal(resolver_host(r, "192.0.2.1", PORT, -1, res), -1);
	assert_int_equal(errno, EINVAL);
	resolver_free(r);
	free(res);
}

static struct resolver *
dns_resolver(unsigned timeout_ms, unsigned tries)
{
	struct resolver	*r;
	const char	*addr = getenv("POSTERN_TEST_DNS");
	char		 err[128];

	if (addr == NULL || addr[0] == '\0')
		return NULL;
	r = resolver_new(addr, timeout_ms, tries, err, sizeof(err));
	if (r == NULL)
		fail_msg("resolver_new(\"%s\"): %s", addr, err);
	return r;
}

static void
test_dns_table(void **state)
{
	struct resolver	*r;

	if ((r = dns_resolver(2000, 2)) == NULL) {
		skip();
		return;
	}
	assert_int_equal(run_cases(r, dns_cases,
	    sizeof(dns_cases) / sizeof(dns_cases[0])), 0);
	resolver_free(r);
}

/* mx1 and mx2 share preference 10: both must come first sometimes. */
static void
test_dns_shuffle(void **state)
{
	struct resolve_result	*res;
	struct resolver		*r;
	int			 i, first1 = 0, first2 = 0;

	if ((r = dns_resolver(2000, 2)) == NULL) {
		skip();
		return;
	}
	res = malloc(sizeof(*res));
	assert_non_null(res);
	for (i = 0; i < 64; i++) {
		assert_int_equal(resolver_mx(r, "mx.test", PORT, 0, res), 0);
		assert_int_equal(res->status, RESOLVE_OK);
		assert_int_equal(res->nhost, 3);
		first1 += strcmp(res->host[0].name, "mx1.mx.test") == 0;
		first2 += strcmp(res->host[0].name, "mx2.mx.test") == 0;
		assert_string_equal(res->host[2].name, "mx3.mx.test");
	}
	if (first1 == 0 || first2 == 0)
		print_error("resolve_test: shuffle: mx1 first %d times, mx2 "
		    "%d times out of 64\n", first1, first2);
	assert_int_equal(first1 + first2, 64);
	assert_true(first1 > 0 && first2 > 0);
	free(res);
	resolver_free(r);
}

/* 20 MX hosts: the 16 best; 10 A and 10 AAAA: 4 + 4, or 8 of one. */
static void
test_dns_bounds(void **state)
{
	struct resolve_result	*res;
	struct resolver		*r;
	char			 name[64];
	size_t			 i, n6;

	if ((r = dns_resolver(2000, 2)) == NULL) {
		skip();
		return;
	}
	res = malloc(sizeof(*res));
	assert_non_null(res);
	assert_int_equal(resolver_mx(r, "big.test", PORT, 0, res), 0);
	assert_int_equal(check_invariants("big.test", res), 0);
	assert_int_equal(res->status, RESOLVE_OK);
	assert_int_equal(res->nhost, RESOLVE_HOSTS_MAX);
	for (i = 0; i < res->nhost; i++) {
		snprintf(name, sizeof(name), "h%zu.big.test", i + 1);
		assert_string_equal(res->host[i].name, name);
		assert_int_equal(res->host[i].pref, i + 1);
		assert_int_equal(res->host[i].naddr, 1);
	}
	assert_int_equal(resolver_mx(r, "many.test", PORT, 0, res), 0);
	assert_int_equal(check_invariants("many.test", res), 0);
	assert_int_equal(res->nhost, 1);
	assert_int_equal(res->host[0].naddr, RESOLVE_ADDRS_MAX);
	for (i = n6 = 0; i < res->host[0].naddr; i++)
		n6 += res->host[0].addr[i].ss_family == AF_INET6;
	assert_int_equal(n6, RESOLVE_ADDRS_MAX / 2);
	assert_int_equal(resolver_mx(r, "many.test", PORT, 4, res), 0);
	assert_int_equal(check_invariants("many.test/4", res), 0);
	assert_int_equal(res->host[0].naddr, RESOLVE_ADDRS_MAX);
	for (i = 0; i < res->host[0].naddr; i++)
		assert_int_equal(res->host[0].addr[i].ss_family, AF_INET);
	free(res);
	resolver_free(r);
}

/* slow.test is forwarded to a socket that never answers. */
static void
test_dns_timeout(void **state)
{
	static const struct lookup_case cases[] = {
		{ 0, "x.slow.test", 0, "TEMPFAIL", "x.slow.test: timeout" },
		{ 1, "x.slow.test", 0, "TEMPFAIL", "x.slow.test: timeout" },
	};
	struct resolver	*r;

	if ((r = dns_resolver(200, 1)) == NULL) {
		skip();
		return;
	}
	assert_int_equal(run_cases(r, cases, 2), 0);
	resolver_free(r);
}

static void
test_dns_closed(void **state)
{
	static const struct lookup_case cases[] = {
		{ 0, "mx.test", 0, "TEMPFAIL", "mx.test: " },
		{ 1, "mx1.mx.test", 0, "TEMPFAIL", "mx1.mx.test: " },
	};
	struct resolver	*r;
	const char	*addr = getenv("POSTERN_TEST_DNS_CLOSED");
	char		 err[128];

	if (addr == NULL || addr[0] == '\0') {
		skip();
		return;
	}
	r = resolver_new(addr, 200, 1, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(run_cases(r, cases, 2), 0);
	resolver_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_strings),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_family_pref),
		cmocka_unit_test(test_dns_table),
		cmocka_unit_test(test_dns_shuffle),
		cmocka_unit_test(test_dns_bounds),
		cmocka_unit_test(test_dns_timeout),
		cmocka_unit_test(test_dns_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
