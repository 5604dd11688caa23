/*
 * check_mode_test: how `postern check` picks its port and its mode
 * before it connects.  Auto is implicit TLS on 465 (RFC 8314 section
 * 3.3) and STARTTLS everywhere else (where a silent server is then
 * probed for implicit TLS); an explicit mode is never overridden by the
 * port.  Port 0 means the default: 465 for --mode tls, else 587.  Pure
 * functions, so the 465 rule is tested without binding a privileged
 * port.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "diag/check.h"

struct mode_case {
	enum check_mode	 mode;		/* as given */
	unsigned	 port;		/* as given, 0 = none */
	unsigned	 want_port;
	enum check_mode	 want_mode;
};

static void	test_modes(void **);
static void	test_probe_step(void **);

static const struct mode_case cases[] = {
	/* auto: the port decides */
	{ CHECK_AUTO, 465, 465, CHECK_TLS },
	{ CHECK_AUTO, 587, 587, CHECK_STARTTLS },
	{ CHECK_AUTO, 0, 587, CHECK_STARTTLS },
	{ CHECK_AUTO, 25, 25, CHECK_STARTTLS },
	{ CHECK_AUTO, 2465, 2465, CHECK_STARTTLS },	/* probed instead */
	{ CHECK_AUTO, 4650, 4650, CHECK_STARTTLS },
	{ CHECK_AUTO, 1, 1, CHECK_STARTTLS },
	{ CHECK_AUTO, 65535, 65535, CHECK_STARTTLS },
	/* explicit modes stay as given, whatever the port */
	{ CHECK_TLS, 0, 465, CHECK_TLS },
	{ CHECK_TLS, 587, 587, CHECK_TLS },
	{ CHECK_TLS, 465, 465, CHECK_TLS },
	{ CHECK_STARTTLS, 465, 465, CHECK_STARTTLS },
	{ CHECK_STARTTLS, 0, 587, CHECK_STARTTLS },
	{ CHECK_PLAIN, 465, 465, CHECK_PLAIN },
	{ CHECK_PLAIN, 0, 587, CHECK_PLAIN },
	{ CHECK_PLAIN, 25, 25, CHECK_PLAIN },
};

static void
test_modes(void **state)
{
	const struct mode_case	*c;
	unsigned		 port;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		port = check_port(c->mode, c->port);
		assert_int_equal(port, c->want_port);
		assert_int_equal(check_mode_for_port(c->mode, port),
		    c->want_mode);
	}
}

/* The probe is a step of its own, between connect and tls. */
static void
test_probe_step(void **state)
{
	assert_true(STEP_CONNECT < STEP_PROBE && STEP_PROBE < STEP_TLS);
	assert_string_equal(check_step_name(STEP_PROBE), "probe");
	assert_int_equal(check_step_exit(STEP_PROBE),
	    check_step_exit(STEP_BANNER));
	assert_true(CHECK_PROBE_MS == 3000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_probe_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
