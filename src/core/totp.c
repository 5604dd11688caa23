/*
 * totp: see totp.h.  HMAC from OpenSSL; the truncation and the base32
 * alphabet are RFC 4226 section 5.3 and RFC 4648 section 6.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/totp.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
base32_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0;

	if (outsz < (n * 8 + 4) / 5 + 1)
		return -1;
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

int
base32_decode(const char *in, unsigned char *out, size_t outsz)
{
	const char	*p;
	uint32_t	 acc = 0;
	size_t		 o = 0;
	int		 bits = 0;

	for (; *in != '\0' && *in != '='; in++) {
		if (*in == ' ')
			continue;
		if ((p = strchr(b32, toupper((unsigned char)*in))) == NULL)
			return -1;
		acc = (acc << 5) | (uint32_t)(p - b32);
		bits += 5;
		if (bits >= 8) {
			if (o == outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (int)o;
}

int
totp_secret_new(char *out, size_t outsz)
{
	unsigned char	key[TOTP_SECRET_BYTES];
	int		rc;

	if (RAND_bytes(key, sizeof(key)) != 1)
		return -1;
	rc = base32_encode(key, sizeof(key), out, outsz);
	OPENSSL_cleanse(key, sizeof(key));
	return rc == TOTP_SECRET_B32 ? 0 : -1;
}

int64_t
totp_code(const char *secret_b32, uint64_t counter)
{
	unsigned char	key[64], msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	uint32_t	bin;
	int		klen, i, off;

	if ((klen = base32_decode(secret_b32, key, sizeof(key))) <= 0)
		return -1;
	for (i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (unsigned char)(counter & 0xff);
	if (HMAC(EVP_sha1(), key, klen, msg, sizeof(msg), md, &mdlen) ==
	    NULL || mdlen < 20) {
		OPENSSL_cleanse(key, sizeof(key));
		return -1;
	}
	OPENSSL_cleanse(key, sizeof(key));
	off = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[off] & 0x7f) << 24) |
	    ((uint32_t)md[off + 1] << 16) | ((uint32_t)md[off + 2] << 8) |
	    md[off + 3];
	OPENSSL_cleanse(md, sizeof(md));
	return (int64_t)(bin % 1000000);
}

int
totp_check(const char *secret_b32, const char *code, int64_t now,
    uint64_t *last_step)
{
	char		want[24];
	uint64_t	step;
	int64_t		c;
	int		d, ok = 0;

	if (strlen(code) != 6 || strspn(code, "0123456789") != 6 || now < 0)
		return 0;
	for (d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
		step = (uint64_t)now / TOTP_STEP + (uint64_t)(int64_t)d;
		if ((c = totp_code(secret_b32, step)) < 0)
			return 0;
		(void)snprintf(want, sizeof(want), "%06lld", (long long)c);
		if (CRYPTO_memcmp(want, code, 6) == 0 && step > *last_step &&
		    !ok) {
			*last_step = step;
			ok = 1;
		}
	}
	return ok;
}
