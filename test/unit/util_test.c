/*
 * util_test: util_addr_network(), the client network a familiar login is
 * remembered by (store_auth.c): each row an address, the two prefix
 * lengths and the network text expected, or NULL where it must fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util.h"

struct net_case {
	const char	*addr;
	unsigned	 v4, v6;
	const char	*want;		/* NULL: -1 and "" */
};

static void	test_addr_network(void **);
static void	test_addr_network_bounds(void **);
static void	test_u64_dec(void **);

static const struct net_case net_cases[] = {
	/* full length, or 0: the address alone */
	{ "192.0.2.7", 32, 128, "192.0.2.7" },
	{ "192.0.2.7", 0, 0, "192.0.2.7" },
	{ "2001:db8::1", 32, 128, "2001:db8::1" },
	{ "2001:DB8:0:0::1", 0, 0, "2001:db8::1" },	/* canonical text */
	/* a network: the host bits cleared, the length written */
	{ "192.0.2.7", 24, 64, "192.0.2.0/24" },
	{ "203.0.113.200", 20, 64, "203.0.112.0/20" },
	{ "198.51.100.255", 31, 64, "198.51.100.254/31" },
	{ "10.1.2.3", 16, 64, "10.1.0.0/16" },
	{ "2001:db8:1:2:3:4:5:6", 24, 64, "2001:db8:1:2::/64" },
	{ "2001:db8:1:2:3:4:5:6", 24, 56, "2001:db8:1::/56" },
	{ "2001:db8:1:2ff:3:4:5:6", 24, 60, "2001:db8:1:2f0::/60" },
	/* a dual-stack listener's IPv4-mapped form is the IPv4 address */
	{ "::ffff:192.0.2.7", 24, 64, "192.0.2.0/24" },
	{ "::ffff:192.0.2.7", 32, 64, "192.0.2.7" },
	/* not a numeric address: no network */
	{ "local", 32, 128, NULL },
	{ "", 32, 128, NULL },
	{ "?", 32, 128, NULL },
	{ "192.0.2.7/24", 32, 128, NULL },
	{ "fe80::1%eth0", 32, 128, NULL },
	{ "example.com", 32, 128, NULL },
	/* prefix longer than the family's */
	{ "192.0.2.7", 33, 128, NULL },
	{ "2001:db8::1", 32, 129, NULL },
};

static void
test_addr_network(void **state)
{
	char	out[64];
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(net_cases) / sizeof(net_cases[0]); i++) {
		const struct net_case *c = &net_cases[i];

		memset(out, 'x', sizeof(out));
		rc = util_addr_network(c->addr, c->v4, c->v6, out,
		    sizeof(out));
		if (c->want == NULL) {
			if (rc != -1 || out[0] != '\0')
				fail_msg("%s /%u /%u: got %d '%s'", c->addr,
				    c->v4, c->v6, rc, out);
			continue;
		}
		if (rc != 0 || strcmp(out, c->want) != 0)
			fail_msg("%s /%u /%u: got %d '%s', want '%s'",
			    c->addr, c->v4, c->v6, rc, out, c->want);
	}
}

/* A result that does not fit is an error, never cut short. */
static void
test_addr_network_bounds(void **state)
{
	char	out[16];

	assert_int_equal(util_addr_network("192.0.2.7", 24, 64, out, 13), 0);
	assert_string_equal(out, "192.0.2.0/24");
	assert_int_equal(util_addr_network("192.0.2.7", 24, 64, out, 12), -1);
	assert_string_equal(out, "");
	assert_int_equal(util_addr_network("192.0.2.7", 32, 64, out, 9), -1);
	assert_string_equal(out, "");
	assert_int_equal(util_addr_network("192.0.2.7", 32, 64, out, 0), -1);
}

/* util_u64_dec against printf, at the edges of each digit count */
static void
test_u64_dec(void **state)
{
	char		 got[UTIL_U64_DIG + 1], want[32];
	uint64_t	 v = 1;
	int		 d;

	(void)state;
	assert_int_equal(util_u64_dec(0, got), 1);
	assert_string_equal(got, "0");
	for (d = 1; d < 20; d++, v *= 10) {
		snprintf(want, sizeof(want), "%" PRIu64, v - 1);
		assert_int_equal(util_u64_dec(v - 1, got), strlen(want));
		assert_string_equal(got, want);
		snprintf(want, sizeof(want), "%" PRIu64, v);
		assert_int_equal(util_u64_dec(v, got), strlen(want));
		assert_string_equal(got, want);
	}
	assert_int_equal(util_u64_dec(UINT64_MAX, got), 20);
	assert_string_equal(got, "18446744073709551615");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_network),
		cmocka_unit_test(test_addr_network_bounds),
		cmocka_unit_test(test_u64_dec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
