/*
 * password: see password.h.  New hashes are argon2id with t=2, m=19 MiB,
 * p=1 (the OWASP 2023 baseline): slow on purpose, which is why only the
 * auth process's worker threads call it.  The dummy hash is computed
 * once, lazily, from a random password so no real password can ever
 * match it.
 *
 * Verification dispatches through two tables: pw_schemes[] maps the
 * start of a hash to a scheme and its verifier; pw_dovecot[] maps a
 * Dovecot "{SCHEME}" prefix to the set of schemes it may wrap, so
 * "{SHA512-CRYPT}$5$..." is refused rather than guessed at.
 *
 * Invariants:
 *  - Only the schemes in pw_schemes[] ever reach libargon2 or libxcrypt;
 *    libxcrypt's weak methods (DES, $1$, $3$ NT, ...) are never called.
 *  - A hash is at most PASSWORD_HASH_MAX bytes of printable ASCII
 *    without spaces; anything else is malformed before any parsing.
 *  - argon2 parameters are parsed and bounded (ARGON2_M_LIMIT etc.)
 *    before libargon2 sees them, so a hostile hash in the account
 *    database cannot make a worker allocate gigabytes.
 *  - crypt_rn() gets a zeroed struct crypt_data of its own on the heap
 *    (32 KiB: too large for a worker stack), wiped and freed after use;
 *    results are compared in constant time over the whole string.
 *
 * Failure: password_verify() returns -1 for an unsupported or malformed
 * hash and for allocation failure, never a match; nothing here logs.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <argon2.h>
#include <crypt.h>

#include "core/password.h"
#include "lib/util.h"

#define ARGON2_T	2
#define ARGON2_M	19456	/* KiB */
#define ARGON2_P	1
#define SALT_LEN	16
#define HASH_LEN	32

/* Upper bounds accepted when verifying someone else's argon2 hash. */
#define ARGON2_M_LIMIT	(1024 * 1024)	/* KiB: 1 GiB, libsodium SENSITIVE */
#define ARGON2_T_LIMIT	32
#define ARGON2_P_LIMIT	16

/* One bit per scheme, so a Dovecot prefix can name a set of them. */
#define S_ARGON2ID	0x01
#define S_ARGON2I	0x02
#define S_YESCRYPT	0x04
#define S_BCRYPT	0x08
#define S_SHA512	0x10
#define S_SHA256	0x20
#define S_CRYPT		(S_YESCRYPT | S_BCRYPT | S_SHA512 | S_SHA256)

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

typedef int	(*pw_verifier)(const char *, const char *, size_t);

struct pw_scheme {
	const char	*start;		/* how the hash begins */
	const char	*name;		/* password_scheme() */
	unsigned	 bit;
	pw_verifier	 verify;
};

struct pw_dovecot {
	const char	*prefix;	/* matched ignoring case */
	unsigned	 allow;		/* S_* the prefix may wrap */
};

struct argon2_params {
	uint32_t	v, m, t, p;
};

static int	verify_argon2id(const char *, const char *, size_t);
static int	verify_argon2i(const char *, const char *, size_t);
static int	verify_argon2(argon2_type, const char *, const char *,
		    size_t);
static int	verify_crypt(const char *, const char *, size_t);
static const struct pw_scheme *scheme_lookup(const char *);
static const char *hash_body(const char *);
static int	hash_ok(const char *);
static int	argon2_params_parse(const char *, struct argon2_params *);
static int	parse_u32(const char **, const char *, uint32_t *);
static int	ct_equal(const char *, const char *, size_t);
static void	dummy_init(void);

static const struct pw_scheme pw_schemes[] = {
	{ "$argon2id$",	"argon2id",	S_ARGON2ID,	verify_argon2id },
	{ "$argon2i$",	"argon2i",	S_ARGON2I,	verify_argon2i },
	{ "$y$",	"yescrypt",	S_YESCRYPT,	verify_crypt },
	{ "$2b$",	"bcrypt",	S_BCRYPT,	verify_crypt },
	{ "$2y$",	"bcrypt",	S_BCRYPT,	verify_crypt },
	{ "$2a$",	"bcrypt",	S_BCRYPT,	verify_crypt },
	{ "$6$",	"sha512-crypt",	S_SHA512,	verify_crypt },
	{ "$5$",	"sha256-crypt",	S_SHA256,	verify_crypt },
};

/* Dovecot's password scheme names (doc.dovecot.org, "Password Schemes"). */
static const struct pw_dovecot pw_dovecot[] = {
	{ "{ARGON2ID}",		S_ARGON2ID },
	{ "{ARGON2I}",		S_ARGON2I },
	{ "{BLF-CRYPT}",	S_BCRYPT },
	{ "{SHA512-CRYPT}",	S_SHA512 },
	{ "{SHA256-CRYPT}",	S_SHA256 },
	{ "{CRYPT}",		S_CRYPT },	/* crypt(3): strong ones only */
};

/* Unambiguous: no 0/O/o, 1/l/I, no quotes, no leading =+-@ risk. */
static const char pw_alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

static char		dummy_hash[PASSWORD_HASH_MAX + 1];
static pthread_once_t	dummy_once = PTHREAD_ONCE_INIT;

int
password_hash(const char *pw, size_t pwlen, char *out, size_t outsz)
{
	unsigned char	salt[SALT_LEN];

	if (util_random(salt, sizeof(salt)) == -1)
		return -1;
	if (argon2id_hash_encoded(ARGON2_T, ARGON2_M, ARGON2_P, pw, pwlen,
	    salt, sizeof(salt), HASH_LEN, out, outsz) != ARGON2_OK)
		return -1;
	return 0;
}

int
password_verify(const char *hash, const char *pw, size_t pwlen)
{
	const struct pw_scheme	*sc;

	if (hash == NULL || !hash_ok(hash))
		return -1;
	if ((sc = scheme_lookup(hash)) == NULL)
		return -1;
	return sc->verify(hash_body(hash), pw, pwlen);
}

const char *
password_scheme(const char *hash)
{
	const struct pw_scheme	*sc;

	if (hash == NULL || (sc = scheme_lookup(hash)) == NULL)
		return NULL;
	return sc->name;
}

int
password_needs_rehash(const char *hash)
{
	const struct pw_scheme	*sc;
	struct argon2_params	 ap;

	if (hash == NULL || !hash_ok(hash) ||
	    (sc = scheme_lookup(hash)) == NULL || sc->bit != S_ARGON2ID)
		return 1;
	hash = hash_body(hash) + strlen(sc->start);
	if (argon2_params_parse(hash, &ap) == -1)
		return 1;
	return !(ap.v == ARGON2_VERSION_13 && ap.m == ARGON2_M &&
	    ap.t == ARGON2_T && ap.p == ARGON2_P);
}

/*
 * The scheme of hash, looking through a Dovecot prefix that must allow
 * it; NULL if there is none.
 */
static const struct pw_scheme *
scheme_lookup(const char *hash)
{
	const struct pw_dovecot	*dp = NULL;
	size_t			 i, n;

	if (hash[0] == '{') {
		for (i = 0; i < nitems(pw_dovecot); i++) {
			n = strlen(pw_dovecot[i].prefix);
			if (strncasecmp(hash, pw_dovecot[i].prefix, n) == 0) {
				dp = &pw_dovecot[i];
				hash += n;
				break;
			}
		}
		if (dp == NULL)
			return NULL;
	}
	for (i = 0; i < nitems(pw_schemes); i++) {
		n = strlen(pw_schemes[i].start);
		if (strncmp(hash, pw_schemes[i].start, n) != 0)
			continue;
		if (dp != NULL && (dp->allow & pw_schemes[i].bit) == 0)
			return NULL;
		return &pw_schemes[i];
	}
	return NULL;
}

/* The hash after a Dovecot prefix that scheme_lookup() accepted. */
static const char *
hash_body(const char *hash)
{
	if (hash[0] == '{')
		return strchr(hash, '}') + 1;
	return hash;
}

/* Non-empty, bounded, printable ASCII without blanks. */
static int
hash_ok(const char *hash)
{
	size_t	i;

	for (i = 0; hash[i] != '\0'; i++) {
		if (i == PASSWORD_HASH_MAX)
			return 0;
		if ((unsigned char)hash[i] <= ' ' ||
		    (unsigned char)hash[i] > '~')
			return 0;
	}
	return i > 0;
}

static int
verify_argon2id(const char *hash, const char *pw, size_t pwlen)
{
	return verify_argon2(Argon2_id, hash, pw, pwlen);
}

static int
verify_argon2i(const char *hash, const char *pw, size_t pwlen)
{
	return verify_argon2(Argon2_i, hash, pw, pwlen);
}

static int
verify_argon2(argon2_type type, const char *hash, const char *pw,
    size_t pwlen)
{
	struct argon2_params	 ap;
	const char		*p;
	int			 rc;

	p = strchr(hash + 1, '$') + 1;		/* after "$argon2id$" */
	if (argon2_params_parse(p, &ap) == -1 || ap.m > ARGON2_M_LIMIT ||
	    ap.t > ARGON2_T_LIMIT || ap.p > ARGON2_P_LIMIT)
		return -1;
	rc = argon2_verify(hash, pw, pwlen, type);
	if (rc == ARGON2_OK)
		return 1;
	if (rc == ARGON2_VERIFY_MISMATCH)
		return 0;
	return -1;
}

/*
 * libxcrypt takes a NUL-terminated passphrase of less than
 * CRYPT_MAX_PASSPHRASE_SIZE bytes; a password it cannot represent
 * cannot be the one that was hashed, so it is a mismatch, not an error.
 * bcrypt itself ignores bytes after the 72nd.  The output's length
 * depends on the setting only, so a length that differs from the stored
 * hash's means the hash is malformed (e.g. "$6$" without a digest).
 */
static int
verify_crypt(const char *hash, const char *pw, size_t pwlen)
{
	struct crypt_data	*cd;
	const char		*out;
	size_t			 hlen;
	int			 rc;

	if (pwlen >= CRYPT_MAX_PASSPHRASE_SIZE ||
	    (pwlen > 0 && memchr(pw, '\0', pwlen) != NULL))
		return 0;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	if (pwlen > 0)
		memcpy(cd->input, pw, pwlen);
	cd->input[pwlen] = '\0';
	out = crypt_rn(cd->input, hash, cd, sizeof(*cd));
	hlen = strlen(hash);
	if (out == NULL || out[0] == '*' || strlen(out) != hlen)
		rc = -1;	/* a bare setting, or not libxcrypt's form */
	else
		rc = ct_equal(out, hash, hlen);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

/*
 * "[v=19$]m=19456,t=2,p=1$...", the PHC parameter section; argon2 1.0
 * hashes have no version, which means 0x10.
 */
static int
argon2_params_parse(const char *s, struct argon2_params *ap)
{
	ap->v = ARGON2_VERSION_10;
	if (strncmp(s, "v=", 2) == 0 &&
	    (parse_u32(&s, "v=", &ap->v) == -1 || *s++ != '$'))
		return -1;
	if (parse_u32(&s, "m=", &ap->m) == -1 || *s++ != ',' ||
	    parse_u32(&s, "t=", &ap->t) == -1 || *s++ != ',' ||
	    parse_u32(&s, "p=", &ap->p) == -1 || *s != '$')
		return -1;
	return 0;
}

/* key, then 1 to 10 digits that fit in 32 bits; *s moves past them. */
static int
parse_u32(const char **s, const char *key, uint32_t *out)
{
	const char	*p = *s;
	uint64_t	 v = 0;
	size_t		 n;

	n = strlen(key);
	if (strncmp(p, key, n) != 0)
		return -1;
	p += n;
	for (n = 0; p[n] >= '0' && p[n] <= '9'; n++) {
		v = v * 10 + (uint64_t)(p[n] - '0');
		if (n == 10 || v > UINT32_MAX)
			return -1;
	}
	if (n == 0)
		return -1;
	*out = (uint32_t)v;
	*s = p + n;
	return 0;
}

/* Time depends on n only, never on where the strings differ. */
static int
ct_equal(const char *a, const char *b, size_t n)
{
	volatile unsigned char	d = 0;
	size_t			i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

static void
dummy_init(void)
{
	char	pw[33];

	if (password_generate(pw, sizeof(pw), 32) == -1 ||
	    password_hash(pw, strlen(pw), dummy_hash, sizeof(dummy_hash)) == -1)
		dummy_hash[0] = '\0';
	explicit_bzero(pw, sizeof(pw));
}

int
password_verify_dummy(const char *pw, size_t pwlen)
{
	pthread_once(&dummy_once, dummy_init);
	if (dummy_hash[0] == '\0')
		return -1;
	(void)password_verify(dummy_hash, pw, pwlen);
	return 0;
}

int
password_generate(char *out, size_t outsz, size_t len)
{
	const size_t	n = sizeof(pw_alphabet) - 1;
	const unsigned	limit = 256 - 256 % n;	/* rejection sampling */
	unsigned char	r[64];
	size_t		i = 0, j;

	if (len == 0 || len >= outsz)
		return -1;
	while (i < len) {
		if (util_random(r, sizeof(r)) == -1)
			return -1;
		for (j = 0; j < sizeof(r) && i < len; j++)
			if (r[j] < limit)
				out[i++] = pw_alphabet[r[j] % n];
	}
	out[len] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}
