/*
 * token: see token.h.
 */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "core/token.h"
#include "lib/util.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} scopes[] = {
	{ "read", TS_READ }, { "mailboxes", TS_MAILBOXES },
	{ "domains", TS_DOMAINS }, { "queue", TS_QUEUE },
	{ "provision", TS_PROVISION }, { "metrics", TS_METRICS },
	{ "admin", TS_ADMIN },
};
#define NSCOPES	(sizeof(scopes) / sizeof(scopes[0]))

static int	 all_hex(const char *, size_t);

static int
all_hex(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
token_new(char *text, char *id, char *hash)
{
	unsigned char	r[TOKEN_ID_LEN / 2 + TOKEN_SECRET_LEN / 2];
	char		secret[TOKEN_SECRET_LEN + 1];

	if (util_random(r, sizeof(r)) == -1)
		return -1;
	util_hex(r, TOKEN_ID_LEN / 2, id);
	util_hex(r + TOKEN_ID_LEN / 2, TOKEN_SECRET_LEN / 2, secret);
	memcpy(text, "pst_", 4);
	memcpy(text + 4, id, TOKEN_ID_LEN);
	text[4 + TOKEN_ID_LEN] = '_';
	memcpy(text + 5 + TOKEN_ID_LEN, secret, TOKEN_SECRET_LEN + 1);
	token_hash(secret, hash);
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}

int
token_parse(const char *text, char *id, char *secret)
{
	if (strlen(text) != TOKEN_TEXT_LEN || strncmp(text, "pst_", 4) != 0 ||
	    text[4 + TOKEN_ID_LEN] != '_' || !all_hex(text + 4, TOKEN_ID_LEN) ||
	    !all_hex(text + 5 + TOKEN_ID_LEN, TOKEN_SECRET_LEN))
		return -1;
	memcpy(id, text + 4, TOKEN_ID_LEN);
	id[TOKEN_ID_LEN] = '\0';
	memcpy(secret, text + 5 + TOKEN_ID_LEN, TOKEN_SECRET_LEN + 1);
	return 0;
}

void
token_hash(const char *secret, char *hash)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)secret, strlen(secret), md);
	util_hex(md, sizeof(md), hash);
}

int
token_matches(const char *secret, const char *stored_hash)
{
	char	h[TOKEN_HASH_LEN + 1];
	int	ok;

	if (strlen(stored_hash) != TOKEN_HASH_LEN)
		return 0;
	token_hash(secret, h);
	ok = CRYPTO_memcmp(h, stored_hash, TOKEN_HASH_LEN) == 0;
	OPENSSL_cleanse(h, sizeof(h));
	return ok;
}

int
token_scopes_parse(const char *s, unsigned *bits, char *bad, size_t badsz)
{
	size_t	n, i;

	*bits = 0;
	for (;;) {
		s += strspn(s, " \t,");
		if (*s == '\0')
			return *bits != 0 ? 0 : -1;
		n = strcspn(s, " \t,");
		for (i = 0; i < NSCOPES; i++)
			if (strlen(scopes[i].name) == n &&
			    strncasecmp(s, scopes[i].name, n) == 0)
				break;
		if (i == NSCOPES) {
			if (badsz > 0)
				(void)util_snprintf(bad, badsz, "%.*s",
				    (int)(n < 64 ? n : 64), s);
			return -1;
		}
		*bits |= scopes[i].bit;
		s += n;
	}
}

void
token_scopes_text(unsigned bits, char *out, size_t outsz)
{
	size_t	i, len = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < NSCOPES; i++)
		if ((bits & scopes[i].bit) && util_snprintf(out + len,
		    outsz - len, "%s%s", len > 0 ? " " : "",
		    scopes[i].name) == 0)
			len = strlen(out);
}

int
token_allows(unsigned have, unsigned need)
{
	return (have & TS_ADMIN) != 0 || (have & need) == need;
}
