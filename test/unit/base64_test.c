/*
 * base64_test: RFC 4648 §10 vectors, round trips over every length and
 * byte value, size helpers, output bounds, and a table of malformed
 * input that the strict decoder must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base64.h"
#include "lib/log.h"

struct vector {
	const char	*plain;
	const char	*encoded;
};

struct bad_input {
	const char	*text;
	size_t		 len;
	const char	*why;
};

#define BAD(s, why)	{ s, sizeof(s) - 1, why }

static void	test_rfc4648_encode(void **);
static void	test_rfc4648_decode(void **);
static void	test_roundtrip(void **);
static void	test_sizes(void **);
static void	test_encode_bounds(void **);
static void	test_decode_bounds(void **);
static void	test_malformed(void **);
static void	test_unused_bits(void **);
static void	test_failure_wipes(void **);

/* RFC 4648 §10. */
static const struct vector vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static const struct bad_input bad_inputs[] = {
	BAD("Z", "length 1"),
	BAD("Zg", "missing padding"),
	BAD("Zg=", "length 3"),
	BAD("Zm9vY", "length 5"),
	BAD("Zg===", "three pads, length 5"),
	BAD("====", "pad only"),
	BAD("Z===", "three pads"),
	BAD("=Zm9", "leading pad"),
	BAD("Zm=v", "pad inside quantum"),
	BAD("Zg=a", "data after pad"),
	BAD("Zg==Zm9v", "pad before last quantum"),
	BAD("Zm8=Zm9v", "single pad before last quantum"),
	BAD("Zm9v====", "quantum of pads"),
	BAD("Zm9v\n", "trailing newline"),
	BAD("Zm9v\r\n", "trailing CRLF"),
	BAD(" Zm9v", "leading space"),
	BAD("Zm9v ", "trailing space"),
	BAD("Zm 9v", "inner space"),
	BAD("Zm\t9", "tab"),
	BAD("Zm9vYm\nFy", "line break"),
	BAD("Zm9-", "URL-safe '-'"),
	BAD("Zm9_", "URL-safe '_'"),
	BAD("Zm9.", "'.'"),
	BAD("Zm9\x80", "8-bit octet"),
	BAD("Zg\0=", "embedded NUL"),
	BAD("Zm9vYmFy!!!!", "bad last quantum"),
	BAD("Zh==", "non-zero unused bits, one byte"),
	BAD("Zm9=", "non-zero unused bits, two bytes"),
	BAD("Zm8==", "extra pad"),
};

static void
test_rfc4648_encode(void **state)
{
	char	out[16];
	size_t	i;
	long	r;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		r = base64_encode(vectors[i].plain, strlen(vectors[i].plain),
		    out, sizeof(out));
		assert_int_equal(r, (long)strlen(vectors[i].encoded));
		assert_string_equal(out, vectors[i].encoded);
	}
}

static void
test_rfc4648_decode(void **state)
{
	char	out[16];
	size_t	i;
	long	r;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		r = base64_decode(vectors[i].encoded,
		    strlen(vectors[i].encoded), out, sizeof(out));
		assert_int_equal(r, (long)strlen(vectors[i].plain));
		assert_memory_equal(out, vectors[i].plain, (size_t)r);
	}
}

/* Every length 0..300 over all byte values, encode then decode. */
static void
test_roundtrip(void **state)
{
	unsigned char	in[300], back[300];
	char		enc[401];
	size_t		n, i;
	long		r;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (n = 0; n <= sizeof(in); n++) {
		r = base64_encode(in, n, enc, sizeof(enc));
		assert_int_equal(r, (long)(base64_encoded_size(n) - 1));
		assert_int_equal(strlen(enc), (size_t)r);
		assert_true(base64_decoded_max((size_t)r) >= n);
		r = base64_decode(enc, (size_t)r, back, sizeof(back));
		assert_int_equal(r, (long)n);
		assert_memory_equal(in, back, n);
	}
}

static void
test_sizes(void **state)
{
	assert_int_equal(base64_encoded_size(0), 1);
	assert_int_equal(base64_encoded_size(1), 5);
	assert_int_equal(base64_encoded_size(2), 5);
	assert_int_equal(base64_encoded_size(3), 5);
	assert_int_equal(base64_encoded_size(4), 9);
	assert_int_equal(base64_encoded_size(SIZE_MAX), SIZE_MAX);
	assert_int_equal(base64_decoded_max(0), 0);
	assert_int_equal(base64_decoded_max(4), 3);
	assert_int_equal(base64_decoded_max(8), 6);
	assert_int_equal(base64_decoded_max(5), 6);
	assert_int_equal(base64_decoded_max(SIZE_MAX),
	    (SIZE_MAX / 4 + 1) * 3);
}

static void
test_encode_bounds(void **state)
{
	char	out[9];

	memset(out, 'X', sizeof(out));
	/* "foob" needs 8 characters plus the NUL. */
	assert_int_equal(base64_encode("foob", 4, out, 8), -1);
	assert_int_equal(out[0], 'X');
	assert_int_equal(base64_encode("foob", 4, out, 9), 8);
	assert_string_equal(out, "Zm9vYg==");
	assert_int_equal(base64_encode("", 0, out, 0), -1);
	assert_int_equal(base64_encode("", 0, out, 1), 0);
	assert_string_equal(out, "");
}

static void
test_decode_bounds(void **state)
{
	char	out[6];

	memset(out, 'X', sizeof(out));
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 5), -1);
	assert_int_equal(out[0], 'X');
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 6), 6);
	assert_memory_equal(out, "foobar", 6);
	/* Padding shrinks the exact size needed. */
	assert_int_equal(base64_decode("Zm9vYg==", 8, out, 4), 4);
	assert_int_equal(base64_decode("Zm9vYg==", 8, out, 3), -1);
	/* n bounds the read: the tail after n is never looked at. */
	assert_int_equal(base64_decode("Zm9v!!!!", 4, out, sizeof(out)), 3);
	assert_int_equal(base64_decode("", 0, out, 0), 0);
}

static void
test_malformed(void **state)
{
	unsigned char	out[64];
	char		esc[128];
	size_t		i;

	for (i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		if (base64_decode(bad_inputs[i].text, bad_inputs[i].len, out,
		    sizeof(out)) != -1)
			fail_msg("accepted \"%s\" (%s)",
			    log_printable(esc, sizeof(esc), bad_inputs[i].text,
			    bad_inputs[i].len), bad_inputs[i].why);
	}
}

/*
 * RFC 4648 §3.5: for each final quantum, exactly one of the 16 (or 4)
 * characters that differ only in unused bits is canonical.
 */
static void
test_unused_bits(void **state)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char		q[5];
	unsigned char	out[3];
	int		i, ok2 = 0, ok1 = 0;

	for (i = 0; i < 64; i++) {
		q[0] = 'Z';
		q[1] = alphabet[i];
		q[2] = q[3] = '=';
		q[4] = '\0';
		if (base64_decode(q, 4, out, sizeof(out)) == 1)
			ok1++;
		q[1] = 'm';
		q[2] = alphabet[i];
		if (base64_decode(q, 4, out, sizeof(out)) == 2)
			ok2++;
	}
	assert_int_equal(ok1, 4);	/* 64 / 16 */
	assert_int_equal(ok2, 16);	/* 64 / 4 */
}

/* A decode that fails after writing part of the output wipes it. */
static void
test_failure_wipes(void **state)
{
	unsigned char	out[16];
	size_t		i;

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(base64_decode("c2VjcmV0!!!!", 12, out, sizeof(out)),
	    -1);
	for (i = 0; i < 6; i++)
		assert_int_equal(out[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_encode),
		cmocka_unit_test(test_rfc4648_decode),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_encode_bounds),
		cmocka_unit_test(test_decode_bounds),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unused_bits),
		cmocka_unit_test(test_failure_wipes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
