/*
 * token_test: API token text, hashing and scopes (core/token.h): a new
 * token parses back to its id and a secret that matches its hash; every
 * malformed spelling is refused; a changed secret never matches; scope
 * lists parse, print canonically and authorise as documented (admin
 * allows everything, otherwise every needed bit must be held).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/token.h"

static void
test_new_parse_match(void **state)
{
	char	text[TOKEN_TEXT_LEN + 1], id[TOKEN_ID_LEN + 1];
	char	hash[TOKEN_HASH_LEN + 1], id2[TOKEN_ID_LEN + 1];
	char	secret[TOKEN_SECRET_LEN + 1], other[TOKEN_TEXT_LEN + 1];
	char	oid[TOKEN_ID_LEN + 1], ohash[TOKEN_HASH_LEN + 1];

	(void)state;
	assert_int_equal(token_new(text, id, hash), 0);
	assert_int_equal(strlen(text), TOKEN_TEXT_LEN);
	assert_memory_equal(text, "pst_", 4);
	assert_int_equal(token_parse(text, id2, secret), 0);
	assert_string_equal(id, id2);
	assert_true(token_matches(secret, hash));
	secret[10] = secret[10] == 'a' ? 'b' : 'a';
	assert_false(token_matches(secret, hash));
	/* two tokens differ in id and secret */
	assert_int_equal(token_new(other, oid, ohash), 0);
	assert_string_not_equal(id, oid);
	assert_string_not_equal(hash, ohash);
	assert_false(token_matches(secret, "short"));
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"", "pst_", "pst_abc_def",
		"xst_0123456789ab_0123456789abcdef0123456789abcdef0123456789"
		    "abcdef0123456789abcdef",
		"pst_0123456789AB_0123456789abcdef0123456789abcdef01234567"
		    "89abcdef0123456789abcdef",	/* upper case */
		"pst_0123456789ab-0123456789abcdef0123456789abcdef01234567"
		    "89abcdef0123456789abcdef",	/* separator */
		"pst_0123456789ab_0123456789abcdef0123456789abcdef01234567"
		    "89abcdef0123456789abcde",	/* one short */
		"pst_0123456789ab_0123456789abcdef0123456789abcdef01234567"
		    "89abcdef0123456789abcdef0",	/* one long */
		"pst_0123456789ab_0123456789abcdef0123456789abcdef01234567"
		    "89abcdef0123456789abcde\n",	/* a line break */
	};
	char	id[TOKEN_ID_LEN + 1], secret[TOKEN_SECRET_LEN + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (token_parse(bad[i], id, secret) != -1)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(token_parse("pst_0123456789ab_0123456789abcdef0123"
	    "456789abcdef0123456789abcdef0123456789abcdef", id, secret), 0);
}

static void
test_scopes(void **state)
{
	unsigned	b;
	char		bad[32], text[TOKEN_SCOPES_MAX];

	(void)state;
	assert_int_equal(token_scopes_parse("queue,read", &b, bad,
	    sizeof(bad)), 0);
	assert_int_equal(b, TS_QUEUE | TS_READ);
	token_scopes_text(b, text, sizeof(text));
	assert_string_equal(text, "read queue");
	assert_int_equal(token_scopes_parse(" Metrics ,, admin", &b, bad,
	    sizeof(bad)), 0);
	assert_int_equal(b, TS_METRICS | TS_ADMIN);
	assert_int_equal(token_scopes_parse("read,root", &b, bad,
	    sizeof(bad)), -1);
	assert_string_equal(bad, "root");
	assert_int_equal(token_scopes_parse("", &b, bad, sizeof(bad)), -1);
	assert_true(token_allows(TS_READ | TS_QUEUE, TS_QUEUE));
	assert_false(token_allows(TS_READ, TS_MAILBOXES));
	assert_false(token_allows(TS_METRICS, TS_READ));
	assert_true(token_allows(TS_ADMIN, TS_MAILBOXES | TS_METRICS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_parse_match),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_scopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
