/*
 * password: see password.h.  argon2id with t=2, m=19 MiB, p=1 (the OWASP
 * 2023 baseline): slow on purpose, which is why only the auth process's
 * worker threads call it.  The dummy hash is computed once, lazily, from
 * a random password so no real password can ever match it.
 */
#include <pthread.h>
#include <string.h>

#include <argon2.h>

#include "password.h"
#include "util.h"

#define ARGON2_T	2
#define ARGON2_M	19456	/* KiB */
#define ARGON2_P	1
#define SALT_LEN	16
#define HASH_LEN	32

/* Unambiguous: no 0/O/o, 1/l/I, no quotes, no leading =+-@ risk. */
static const char pw_alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

static char		dummy_hash[PASSWORD_HASH_MAX + 1];
static pthread_once_t	dummy_once = PTHREAD_ONCE_INIT;

static void	dummy_init(void);

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
	int	rc;

	if (strncmp(hash, "$argon2id$", 10) != 0)
		return -1;
	rc = argon2id_verify(hash, pw, pwlen);
	if (rc == ARGON2_OK)
		return 1;
	if (rc == ARGON2_VERIFY_MISMATCH)
		return 0;
	return -1;
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
