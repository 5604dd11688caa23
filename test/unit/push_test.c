/*
 * push_test: the platform rows of `postern push` without the network:
 * the URLs (the key's mark in the query or nowhere, {email} encoded),
 * the bodies (every field in order, numbers as numbers, the nested
 * warm-up object, optional fields left out, secrets masked, the update
 * id), the error words read from each platform's documented bodies, the
 * key scrubbed from text, and the URL and Retry-After rules of
 * http_client.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/push_int.h"
#include "lib/http_client.h"

static const struct provision_account acct = {
	.email = "ada.lovelace@example.test",
	.first_name = "Ada",
	.last_name = "Lovelace",
	.password = "pw\"with\\quote",
	.smtp_host = "mail.example.test",
	.smtp_port = 587,
	.imap_host = "imap.example.test",
	.imap_port = 993,
	.daily_limit = 40,
	.warmup = PROVISION_WARMUP_ON,
	.warmup_limit = 20,
	.warmup_increment = 2,
};

static const char instantly_body[] =
    "{\"email\":\"ada.lovelace@example.test\",\"first_name\":\"Ada\","
    "\"last_name\":\"Lovelace\",\"provider_code\":1,"
    "\"imap_username\":\"ada.lovelace@example.test\","
    "\"imap_password\":\"pw\\\"with\\\\quote\","
    "\"imap_host\":\"imap.example.test\",\"imap_port\":993,"
    "\"smtp_username\":\"ada.lovelace@example.test\","
    "\"smtp_password\":\"pw\\\"with\\\\quote\","
    "\"smtp_host\":\"mail.example.test\",\"smtp_port\":587,"
    "\"daily_limit\":40,\"warmup\":{\"limit\":20,\"increment\":\"2\"}}";

static const char smartlead_masked[] =
    "{\"from_name\":\"Ada Lovelace\","
    "\"from_email\":\"ada.lovelace@example.test\","
    "\"user_name\":\"ada.lovelace@example.test\","
    "\"password\":\"********\",\"smtp_host\":\"mail.example.test\","
    "\"smtp_port\":587,\"imap_host\":\"imap.example.test\","
    "\"imap_port\":993,\"warmup_enabled\":true,\"type\":\"SMTP\","
    "\"max_email_per_day\":40,\"total_warmup_per_day\":20,"
    "\"daily_rampup\":2,\"id\":77}";

static void
test_bodies(void **state)
{
	const struct push_platform	*in = push_platform_find("Instantly");
	const struct push_platform	*sl = push_platform_find("smartlead");
	struct provision_account	 bare = acct;
	struct buf			 b;

	(void)state;
	assert_non_null(in);
	assert_non_null(sl);
	assert_null(push_platform_find("lemlist"));
	buf_init(&b, 4096);
	assert_int_equal(push_body(in, &acct, -1, 0, &b), 0);
	assert_string_equal(buf_str(&b), instantly_body);
	buf_reset(&b);
	/* an update carries the id; secrets masked for --dry-run */
	assert_int_equal(push_body(sl, &acct, 77, 1, &b), 0);
	assert_string_equal(buf_str(&b), smartlead_masked);
	/* optional values at 0 are left out, the warm-up object too */
	bare.daily_limit = bare.warmup_limit = bare.warmup_increment = 0;
	bare.warmup = PROVISION_WARMUP_DEFAULT;
	buf_reset(&b);
	assert_int_equal(push_body(in, &bare, -1, 1, &b), 0);
	assert_null(strstr(buf_str(&b), "warmup"));
	assert_null(strstr(buf_str(&b), "daily_limit"));
	assert_non_null(strstr(buf_str(&b), "\"smtp_password\":\"********\""));
	/* warm-up not asked for: Smartlead's required boolean is false */
	buf_reset(&b);
	assert_int_equal(push_body(sl, &bare, -1, 0, &b), 0);
	assert_non_null(strstr(buf_str(&b), "\"warmup_enabled\":false"));
	buf_free(&b);
}

static void
test_urls(void **state)
{
	const struct push_platform	*in = push_platform_find("instantly");
	const struct push_platform	*sl = push_platform_find("smartlead");
	struct buf			 u;
	char				 h[128];

	(void)state;
	assert_int_equal(push_url(in, "https://api.example/", in->exists_path,
	    "a+b c@example.test", NULL, &u), 0);
	assert_string_equal(buf_str(&u),
	    "https://api.example/api/v2/accounts/a%2Bb%20c@example.test");
	buf_free(&u);
	assert_int_equal(push_url(sl, "https://api.example", sl->exists_path,
	    NULL, "offset=0&limit=100", &u), 0);
	assert_string_equal(buf_str(&u), "https://api.example/api/v1/"
	    "email-accounts/?api_key=" PUSH_KEY_MARK "&offset=0&limit=100");
	buf_free(&u);
	assert_string_equal(push_key_header(in, h, sizeof(h)),
	    "Authorization: Bearer " PUSH_KEY_MARK);
	assert_null(push_key_header(sl, h, sizeof(h)));
	/* {email} without an address is an error, not "{email}" sent */
	assert_int_equal(push_url(in, "https://x", in->exists_path, NULL,
	    NULL, &u), -1);
	buf_free(&u);
}

struct words_case {
	const char	*platform;
	const char	*body;
	const char	*out;
};

static const struct words_case words_cases[] = {
	{ "instantly", "{\"statusCode\":400,\"error\":\"Bad Request\","
	    "\"message\":\"body must have required property 'email'\"}",
	    "Bad Request: body must have required property 'email'" },
	{ "instantly", "{\"statusCode\":401,\"error\":\"Unauthorized\","
	    "\"message\":\"Missing Authorization header\"}",
	    "Unauthorized: Missing Authorization header" },
	{ "smartlead", "{\"ok\":false,\"message\":\"SMTP connection failed\","
	    "\"error\":\"Invalid credentials\"}",
	    "SMTP connection failed: Invalid credentials" },
	{ "smartlead", "{\"message\":\"Invalid API Key\"}", "Invalid API Key" },
	{ "smartlead", "{\"error\":\"from_name is required\"}",
	    "from_name is required" },
	/* not JSON (a proxy's page): its start */
	{ "smartlead", "<html>502 Bad Gateway</html>",
	    "<html>502 Bad Gateway</html>" },
	/* duplicate keys are refused, not picked from */
	{ "smartlead", "{\"message\":\"a\",\"message\":\"b\"}",
	    "{\"message\":\"a\",\"message\":\"b\"}" },
};

static void
test_error_words(void **state)
{
	char	out[PUSH_TEXT_MAX];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(words_cases) / sizeof(words_cases[0]); i++) {
		push_error_text(push_platform_find(words_cases[i].platform),
		    words_cases[i].body, out, sizeof(out));
		assert_string_equal(out, words_cases[i].out);
	}
}

static void
test_scrub(void **state)
{
	struct push_opts	o;
	char			s[128];

	(void)state;
	memset(&o, 0, sizeof(o));
	strcpy(o.key, "sk_123");
	strcpy(s, "url ?api_key=sk_123&x=sk_123\r\nend");
	push_scrub(&o, s);
	assert_string_equal(s, "url ?api_key=****&x=****  end");
	o.key[0] = '\0';		/* --dry-run: no key, nothing to hide */
	strcpy(s, "plain");
	push_scrub(&o, s);
	assert_string_equal(s, "plain");
}

struct url_case {
	const char	*url;
	int		 ok;
};

static const struct url_case url_cases[] = {
	{ "https://api.instantly.ai", 1 },
	{ "HTTPS://server.smartlead.ai/x", 1 },
	{ "http://127.0.0.1:8080", 1 },
	{ "http://127.9.9.9", 1 },
	{ "http://[::1]:9000/api", 1 },
	{ "http://localhost:1", 1 },
	{ "http://api.instantly.ai", 0 },
	{ "http://128.0.0.1", 0 },
	{ "http://[::2]", 0 },
	{ "ftp://127.0.0.1", 0 },
	{ "file:///etc/passwd", 0 },
	{ "api.instantly.ai", 0 },
	{ "", 0 },
};

static void
test_url_rules(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++)
		assert_int_equal(http_url_allowed(url_cases[i].url),
		    url_cases[i].ok);
}

static void
test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(http_retry_after("1", 0), 1);
	assert_int_equal(http_retry_after(" 120\r\n", 0), 120);
	assert_int_equal(http_retry_after("1.5", 0), -1);
	assert_int_equal(http_retry_after("soon", 0), -1);
	/* an HTTP-date (RFC 9110 §5.6.7), relative to now */
	assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111767L), 10);
	assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111787L), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_error_words),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_url_rules),
		cmocka_unit_test(test_retry_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
