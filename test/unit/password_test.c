/*
 * password_test: known vectors for every accepted scheme (generated with
 * mkpasswd(1) from Debian's whois package and the argon2(1) CLI), bare
 * and behind each Dovecot prefix; tampered and truncated hashes; schemes
 * that must be refused; scheme names and the rehash predicate; the
 * password generator's length, alphabet and uniqueness; a
 * hash-then-verify round trip; and every scheme verified from several
 * threads at once.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/password.h"

#define PW		"correct horse"
#define PW_UTF8		"p\xc3\xa4ssw\xc3\xb6rd \xe2\x82\xac"
#define NSAMPLES	2000

struct vector {
	const char	*hash;
	const char	*pw;
	const char	*scheme;	/* password_scheme() */
};

struct prefixed {
	const char	*prefix;	/* Dovecot scheme prefix */
	const char	*hash;
	int		 want;		/* with PW */
};

static void	test_vectors(void **);
static void	test_tampered(void **);
static void	test_dovecot(void **);
static void	test_unsupported(void **);
static void	test_odd_passwords(void **);
static void	test_scheme_names(void **);
static void	test_needs_rehash(void **);
static void	test_roundtrip(void **);
static void	test_dummy(void **);
static void	test_threads(void **);
static void	*verify_loop(void *);
static void	test_generate_length(void **);
static void	test_generate_alphabet(void **);
static void	test_generate_distinct(void **);
static void	test_generate_bounds(void **);

#define ARGON2ID_OURS	"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHlzYWx0eXNh" \
			"bHR5MQ$46218BXcnnmF+m/vNi9n0/hmO3sxs8an+Cap/ayXWyU"
#define ARGON2ID_SMALL	"$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2" \
			"FsdA$4BnlcpLz5MRq0Izs2E2zIqpIFISeK/m9DFKmAc7uq5Y"
#define ARGON2I_SMALL	"$argon2i$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2F" \
			"sdA$DvOFzkGfq+KnIJd6iT3E79g7tvGBhMTX1w99hbpDw54"
#define YESCRYPT	"$y$j9T$dZlAtCG9rsqo4LTII8nEK.$xAj4N2rkiGd2jVFICX" \
			"dcANUYB1DHxR/aiV6g6fvyGC2"
#define YESCRYPT_UTF8	"$y$j9T$08PtGikBnw835aTHGoo2i.$KWvfk.JwXN0CmstMeE" \
			"Iw.mCLOlwTKR7qy9l0ys4ZWo9"
#define BCRYPT_TAIL	"$05$4B74UPTSv6Wm6lhfv7KHuuAQWhcxx5Fqv5p6qItgacedh" \
			"bON..siC"
#define SHA512		"$6$hltZrkT7kj3gv16f$4OlmVevSI4jzUwyi3kIB14oHDDoW2" \
			"paFNzbbJVk6cQRVlW4SX0/PL.uAZL2qv15vBVDSxUyLFv4bNzf" \
			"VW03AT0"
#define SHA512_ROUNDS	"$6$rounds=10000$MoQfnJfv4Er7JKAW$0V52/vsRqc41JCPLPf" \
			"DMH0cffSynAkmUFi8aRiC67vaLq6dFOAprj830WW1k7AJoQa" \
			"HLHQ9LvLV1U0ai3NSxi0"
#define SHA256		"$5$zL55m8.012RtKGxL$XoEhj.NMt7PhwSLSk3q94nPvmIdFN" \
			"SgBCQP1MHbbbE/"

static const struct vector vectors[] = {
	{ ARGON2ID_OURS,	PW,	"argon2id" },
	{ ARGON2ID_SMALL,	PW,	"argon2id" },
	{ ARGON2I_SMALL,	PW,	"argon2i" },
	{ YESCRYPT,		PW,	"yescrypt" },
	{ YESCRYPT_UTF8,	PW_UTF8, "yescrypt" },
	{ "$2b" BCRYPT_TAIL,	PW,	"bcrypt" },
	{ "$2y" BCRYPT_TAIL,	PW,	"bcrypt" },
	{ "$2a" BCRYPT_TAIL,	PW,	"bcrypt" },
	{ SHA512,		PW,	"sha512-crypt" },
	{ SHA512_ROUNDS,	PW,	"sha512-crypt" },
	{ SHA256,		PW,	"sha256-crypt" },
};

/* Each prefix in three spellings is tried by test_dovecot(). */
static const struct prefixed prefixed[] = {
	{ "{ARGON2ID}",		ARGON2ID_SMALL,		1 },
	{ "{ARGON2I}",		ARGON2I_SMALL,		1 },
	{ "{BLF-CRYPT}",	"$2y" BCRYPT_TAIL,	1 },
	{ "{BLF-CRYPT}",	"$2b" BCRYPT_TAIL,	1 },
	{ "{SHA512-CRYPT}",	SHA512,			1 },
	{ "{SHA256-CRYPT}",	SHA256,			1 },
	{ "{CRYPT}",		YESCRYPT,		1 },
	{ "{CRYPT}",		"$2a" BCRYPT_TAIL,	1 },
	{ "{CRYPT}",		SHA512,			1 },
	{ "{CRYPT}",		SHA256,			1 },
	/* The prefix must agree with the hash. */
	{ "{ARGON2ID}",		ARGON2I_SMALL,		-1 },
	{ "{ARGON2I}",		ARGON2ID_SMALL,		-1 },
	{ "{SHA512-CRYPT}",	SHA256,			-1 },
	{ "{SHA256-CRYPT}",	SHA512,			-1 },
	{ "{BLF-CRYPT}",	YESCRYPT,		-1 },
	{ "{CRYPT}",		ARGON2ID_SMALL,		-1 },
	{ "{CRYPT}",		"GoMi.mJF2oO6o",	-1 },	/* DES */
};

/* Everything here must be refused whatever the password. */
static const char *const unsupported[] = {
	"",
	"{PLAIN}" PW,
	"{plain}" PW,
	"{CLEAR}" PW,
	"{MD5}$1$kBEDigrU$CKUcZQJDKt3859FXX2XUJ/",
	"{PLAIN-MD5}1f3870be274f6c49b3e31a0c6728957f",
	"{SSHA512}AAAA",
	"{SHA512-CRYPT",				/* unterminated */
	"{}" SHA512,
	"{ARGON2ID}",					/* nothing after */
	"GoMi.mJF2oO6o",				/* DES */
	"_J9..CCCCXBrJUJV154M",				/* BSDi DES */
	"$1$kBEDigrU$CKUcZQJDKt3859FXX2XUJ/",		/* MD5-crypt */
	"$2x" BCRYPT_TAIL,				/* buggy bcrypt */
	"$7$CU..../....LT/8jL2zY0oss9YdEj.n9.$qYRWnFLEi.CSfn4X0Tk.pbzPo"
	    "Lt0I4nznECa5K1XCtB",			/* scrypt */
	"$3$$8846f7eaee8fb117ad06bdd830b7586c",		/* NT */
	"$argon2d$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA",
	"*", "!", "!" SHA512, "*LK*",			/* locked */
	" " SHA512,
	SHA512 " ",
	SHA512 "\n",
	"$6$",
	"$y$",
	"$argon2id$",
	"$argon2id$v=19$m=1024,t=2$c29tZXNhbHRzb21lc2FsdA$AAAA",
	"$argon2id$v=19$m=1024,t=2,p=1",
	"$argon2id$v=19$m=x,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA",
	"$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA",
	/* Over the memory bound: refused before anything is allocated. */
	"$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	    "4BnlcpLz5MRq0Izs2E2zIqpIFISeK/m9DFKmAc7uq5Y",
	"$argon2id$v=19$m=1024,t=1000,p=1$c29tZXNhbHRzb21lc2FsdA$"
	    "4BnlcpLz5MRq0Izs2E2zIqpIFISeK/m9DFKmAc7uq5Y",
};

static void
test_vectors(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector	*v = &vectors[i];
		size_t			 n = strlen(v->pw);

		if (password_verify(v->hash, v->pw, n) != 1)
			fail_msg("%s: right password refused", v->hash);
		if (password_verify(v->hash, "correct horsE", 13) != 0)
			fail_msg("%s: wrong password accepted", v->hash);
		if (password_verify(v->hash, v->pw, n - 1) != 0)
			fail_msg("%s: prefix of password accepted", v->hash);
		if (password_verify(v->hash, "", 0) != 0)
			fail_msg("%s: empty password accepted", v->hash);
	}
}

/*
 * Change one character at a time in the last 12 (the digest) and in the
 * salt, and drop the last character: never a match.
 */
static void
test_tampered(void **state)
{
	char	h[PASSWORD_HASH_MAX + 1];
	size_t	i, j, n;
	int	rc;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector	*v = &vectors[i];

		n = strlen(v->hash);
		for (j = n - 12; j <= n; j++) {
			snprintf(h, sizeof(h), "%s", v->hash);
			if (j == n)
				h[n - 1] = '\0';
			else
				h[j] = h[j] == 'A' ? 'B' : 'A';
			rc = password_verify(h, v->pw, strlen(v->pw));
			if (rc != 0 && rc != -1)
				fail_msg("%s: tampered at %zu: %d", h, j, rc);
		}
		/* The salt starts after the last but one '$'. */
		snprintf(h, sizeof(h), "%s", v->hash);
		j = (size_t)(strrchr(h, '$') - h);
		while (j > 0 && h[j - 1] != '$')
			j--;
		h[j] = h[j] == 'A' ? 'B' : 'A';
		rc = password_verify(h, v->pw, strlen(v->pw));
		if (rc != 0 && rc != -1)
			fail_msg("%s: salt tampered: %d", h, rc);
	}
}

static void
test_dovecot(void **state)
{
	char	h[PASSWORD_HASH_MAX + 1], pfx[32];
	size_t	i, k, j;

	for (i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
		const struct prefixed	*p = &prefixed[i];

		for (k = 0; k < 3; k++) {
			snprintf(pfx, sizeof(pfx), "%s", p->prefix);
			for (j = 0; pfx[j] != '\0'; j++) {
				if (k == 1 && pfx[j] >= 'A' && pfx[j] <= 'Z')
					pfx[j] += 'a' - 'A';
				if (k == 2 && j % 2 == 1 &&
				    pfx[j] >= 'A' && pfx[j] <= 'Z')
					pfx[j] += 'a' - 'A';
			}
			snprintf(h, sizeof(h), "%s%s", pfx, p->hash);
			if (password_verify(h, PW, strlen(PW)) != p->want)
				fail_msg("%s: want %d", h, p->want);
			if (p->want == 1 &&
			    password_verify(h, "wrong", 5) != 0)
				fail_msg("%s: wrong password accepted", h);
			if (p->want == -1 && password_scheme(h) != NULL)
				fail_msg("%s: has a scheme", h);
		}
	}
}

static void
test_unsupported(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (password_verify(unsupported[i], PW, strlen(PW)) != -1)
			fail_msg("accepted \"%s\"", unsupported[i]);
		if (password_verify(unsupported[i], "", 0) != -1)
			fail_msg("accepted \"%s\" (empty)", unsupported[i]);
	}
	assert_int_equal(password_verify(NULL, PW, strlen(PW)), -1);
}

/* Passwords the crypt schemes cannot represent are mismatches. */
static void
test_odd_passwords(void **state)
{
	static char	long_pw[600];

	assert_int_equal(password_verify(SHA512, PW "\0x", strlen(PW) + 2),
	    0);
	assert_int_equal(password_verify(SHA512, PW "\0", strlen(PW) + 1),
	    0);
	memset(long_pw, 'a', sizeof(long_pw));
	assert_int_equal(password_verify(SHA512, long_pw, sizeof(long_pw)),
	    0);
	assert_int_equal(password_verify(YESCRYPT, long_pw, 511), 0);
	assert_int_equal(password_verify(YESCRYPT, NULL, 0), 0);
	/* argon2 takes a length: a NUL is just another byte. */
	assert_int_equal(password_verify(ARGON2ID_SMALL, PW "\0",
	    strlen(PW) + 1), 0);
}

static void
test_scheme_names(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_string_equal(password_scheme(vectors[i].hash),
		    vectors[i].scheme);
	assert_string_equal(password_scheme("{SHA512-CRYPT}" SHA512),
	    "sha512-crypt");
	assert_string_equal(password_scheme("{blf-crypt}$2y" BCRYPT_TAIL),
	    "bcrypt");
	assert_string_equal(password_scheme("{CRYPT}" YESCRYPT), "yescrypt");
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		const char	*s = password_scheme(unsupported[i]);

		/* Prefix only: malformed bodies may still have a name. */
		if (s != NULL && strncmp(unsupported[i], "$argon2id$", 10) &&
		    strncmp(unsupported[i], "$6$", 3) &&
		    strncmp(unsupported[i], "$y$", 3))
			fail_msg("\"%s\" named %s", unsupported[i], s);
	}
	assert_null(password_scheme(NULL));
	assert_null(password_scheme("{PLAIN}x"));
	assert_null(password_scheme("$1$kBEDigrU$CKUcZQJDKt3859FXX2XUJ/"));
}

static void
test_needs_rehash(void **state)
{
	size_t	i;

	assert_int_equal(password_needs_rehash(ARGON2ID_OURS), 0);
	assert_int_equal(password_needs_rehash("{ARGON2ID}" ARGON2ID_OURS),
	    0);
	assert_int_equal(password_needs_rehash(ARGON2ID_SMALL), 1);
	assert_int_equal(password_needs_rehash(
	    "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHlzYWx0eXNhbHR5MQ$"
	    "46218BXcnnmF+m/vNi9n0/hmO3sxs8an+Cap/ayXWyU"), 1);
	assert_int_equal(password_needs_rehash(
	    "$argon2id$m=19456,t=2,p=1$c2FsdHlzYWx0eXNhbHR5MQ$"
	    "46218BXcnnmF+m/vNi9n0/hmO3sxs8an+Cap/ayXWyU"), 1);
	assert_int_equal(password_needs_rehash(
	    "$argon2id$v=19$m=19456,t=3,p=1$c2FsdHlzYWx0eXNhbHR5MQ$"
	    "46218BXcnnmF+m/vNi9n0/hmO3sxs8an+Cap/ayXWyU"), 1);
	assert_int_equal(password_needs_rehash(
	    "$argon2id$v=19$m=19456,t=2,p=2$c2FsdHlzYWx0eXNhbHR5MQ$"
	    "46218BXcnnmF+m/vNi9n0/hmO3sxs8an+Cap/ayXWyU"), 1);
	for (i = 1; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_int_equal(password_needs_rehash(vectors[i].hash), 1);
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		assert_int_equal(password_needs_rehash(unsupported[i]), 1);
	assert_int_equal(password_needs_rehash(NULL), 1);
}

static void
test_roundtrip(void **state)
{
	char	h[PASSWORD_HASH_MAX + 1], h2[PASSWORD_HASH_MAX + 1];

	assert_int_equal(password_hash(PW, strlen(PW), h, sizeof(h)), 0);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31),
	    0);
	assert_string_equal(password_scheme(h), "argon2id");
	assert_int_equal(password_needs_rehash(h), 0);
	assert_int_equal(password_verify(h, PW, strlen(PW)), 1);
	assert_int_equal(password_verify(h, PW "x", strlen(PW) + 1), 0);
	/* Fresh salt each time. */
	assert_int_equal(password_hash(PW, strlen(PW), h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
	/* Binary passwords and the empty one. */
	assert_int_equal(password_hash("a\0b", 3, h, sizeof(h)), 0);
	assert_int_equal(password_verify(h, "a\0b", 3), 1);
	assert_int_equal(password_verify(h, "a\0c", 3), 0);
	assert_int_equal(password_hash("", 0, h, sizeof(h)), 0);
	assert_int_equal(password_verify(h, "", 0), 1);
	/* Too small an output buffer. */
	assert_int_equal(password_hash(PW, strlen(PW), h, 20), -1);
}

static void
test_dummy(void **state)
{
	assert_int_equal(password_verify_dummy(PW, strlen(PW)), 0);
	assert_int_equal(password_verify_dummy("", 0), 0);
}

/* crypt_rn() with per-call data: threads do not disturb each other. */
static void *
verify_loop(void *arg)
{
	const struct vector	*v = arg;
	size_t			 i;

	for (i = 0; i < 8; i++) {
		if (password_verify(v->hash, v->pw, strlen(v->pw)) != 1 ||
		    password_verify(v->hash, "nope", 4) != 0)
			return (void *)v;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t	t[sizeof(vectors) / sizeof(vectors[0])];
	void		*bad;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(pthread_create(&t[i], NULL, verify_loop,
		    (void *)&vectors[i]), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

static void
test_generate_length(void **state)
{
	char	out[128];
	size_t	len;

	for (len = 1; len < sizeof(out); len++) {
		memset(out, 'X', sizeof(out));
		assert_int_equal(password_generate(out, sizeof(out), len), 0);
		assert_int_equal(strlen(out), len);
	}
	assert_int_equal(password_generate(out, PASSWORD_GEN_LEN + 1,
	    PASSWORD_GEN_LEN), 0);
	assert_int_equal(strlen(out), PASSWORD_GEN_LEN);
}

static void
test_generate_alphabet(void **state)
{
	static const char	banned[] = "0Oo1lI'\"` \t";
	char			out[PASSWORD_GEN_LEN + 1];
	unsigned		seen[256];
	size_t			i, j, distinct = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NSAMPLES; i++) {
		assert_int_equal(password_generate(out, sizeof(out),
		    PASSWORD_GEN_LEN), 0);
		for (j = 0; j < PASSWORD_GEN_LEN; j++) {
			unsigned char	c = (unsigned char)out[j];

			if (!((c >= 'A' && c <= 'Z') ||
			    (c >= 'a' && c <= 'z') || (c >= '2' && c <= '9')))
				fail_msg("character 0x%02x", c);
			if (strchr(banned, c) != NULL)
				fail_msg("banned character '%c'", c);
			seen[c]++;
		}
	}
	for (i = 0; i < 256; i++)
		distinct += seen[i] > 0;
	/* 24 capitals (no I, O), 24 small (no l, o), 8 digits (2-9). */
	assert_int_equal(distinct, 56);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_generate_distinct(void **state)
{
	static char	all[NSAMPLES][PASSWORD_GEN_LEN + 1];
	size_t		i;

	for (i = 0; i < NSAMPLES; i++)
		assert_int_equal(password_generate(all[i], sizeof(all[i]),
		    PASSWORD_GEN_LEN), 0);
	qsort(all, NSAMPLES, sizeof(all[0]), cmp_str);
	for (i = 1; i < NSAMPLES; i++)
		if (strcmp(all[i - 1], all[i]) == 0)
			fail_msg("duplicate password");
}

static void
test_generate_bounds(void **state)
{
	char	out[8];

	memset(out, 'X', sizeof(out));
	assert_int_equal(password_generate(out, sizeof(out), 0), -1);
	assert_int_equal(password_generate(out, sizeof(out), 8), -1);
	assert_int_equal(password_generate(out, 0, 0), -1);
	assert_int_equal(out[0], 'X');
	assert_int_equal(password_generate(out, sizeof(out), 7), 0);
	assert_int_equal(strlen(out), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_dovecot),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_odd_passwords),
		cmocka_unit_test(test_scheme_names),
		cmocka_unit_test(test_needs_rehash),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_dummy),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_generate_length),
		cmocka_unit_test(test_generate_alphabet),
		cmocka_unit_test(test_generate_distinct),
		cmocka_unit_test(test_generate_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
