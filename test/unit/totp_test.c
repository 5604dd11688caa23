/*
 * totp_test: RFC 6238's own test vectors (appendix B, HMAC-SHA-1, the
 * last six of its eight digits), base32 both ways (RFC 4648 section 10),
 * the one-step window either side, a code never taken twice, and
 * malformed codes and secrets refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/totp.h"

/* base32 of the ASCII secret "12345678901234567890" */
#define RFC_SECRET	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_rfc6238_vectors(void **state)
{
	static const struct { int64_t t; int64_t code; } v[] = {
		{ 59, 287082 }, { 1111111109, 81804 }, { 1111111111, 50471 },
		{ 1234567890, 5924 }, { 2000000000, 279037 },
		{ 20000000000LL, 353130 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(totp_code(RFC_SECRET, (uint64_t)v[i].t / 30),
		    v[i].code);
}

static void
test_base32(void **state)
{
	unsigned char	out[16];
	char		txt[32];

	(void)state;
	assert_int_equal(base32_encode((const unsigned char *)"foobar", 6,
	    txt, sizeof(txt)), 10);
	assert_string_equal(txt, "MZXW6YTBOI");
	assert_int_equal(base32_decode("mzxw6ytboi", out, sizeof(out)), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(base32_decode("MZXW6YTBOI======", out, sizeof(out)),
	    6);
	assert_int_equal(base32_decode("MZXW1", out, sizeof(out)), -1);
	assert_int_equal(base32_decode(RFC_SECRET, out, 4), -1);
	assert_int_equal(base32_encode((const unsigned char *)"foobar", 6,
	    txt, 10), -1);
	assert_int_equal(totp_code("not base32!", 1), -1);
}

static void
test_check_window_and_replay(void **state)
{
	char		code[8], secret[TOTP_SECRET_B32 + 1];
	uint64_t	last = 0;
	int64_t		now = 1700000015;

	(void)state;
	assert_int_equal(totp_secret_new(secret, sizeof(secret)), 0);
	assert_int_equal(strlen(secret), TOTP_SECRET_B32);
	/* the previous step's code is still good, once */
	snprintf(code, sizeof(code), "%06lld",
	    (long long)totp_code(secret, (uint64_t)now / 30 - 1));
	assert_true(totp_check(secret, code, now, &last));
	assert_int_equal(last, (uint64_t)now / 30 - 1);
	assert_false(totp_check(secret, code, now, &last));
	/* the current one after it */
	snprintf(code, sizeof(code), "%06lld",
	    (long long)totp_code(secret, (uint64_t)now / 30));
	assert_true(totp_check(secret, code, now, &last));
	assert_false(totp_check(secret, code, now, &last));
	/* two steps away is refused */
	last = 0;
	snprintf(code, sizeof(code), "%06lld",
	    (long long)totp_code(secret, (uint64_t)now / 30 + 2));
	assert_false(totp_check(secret, code, now, &last));
	assert_false(totp_check(secret, "12345", now, &last));
	assert_false(totp_check(secret, "1234567", now, &last));
	assert_false(totp_check(secret, "12a456", now, &last));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_check_window_and_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
