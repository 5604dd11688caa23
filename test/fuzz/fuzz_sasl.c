/*
 * fuzz_sasl: libFuzzer harness for the SASL PLAIN/LOGIN server side
 * (sasl.c) and the strict base64 decoder under it (base64.c).
 *
 * Input: byte 0 picks the mechanism and whether the AUTH line carries an
 * initial response; the rest is split into lines at LF (CR and NUL are
 * dropped, as smtp_read_line() never passes them).  The first line is
 * the initial response (when chosen), the others are client lines fed to
 * sasl_step() for as long as the exchange continues.  Lines are in exactly
 * sized heap blocks.  Checks:
 *  - SASL_CONTINUE always comes with a challenge, other results never;
 *  - SASL_DONE leaves user and pass NUL-terminated, 1..max octets, with
 *    userlen/passlen equal to their string lengths, and (PLAIN) never lets
 *    an authzid differ from the authcid;
 *  - any error leaves user and pass all zero (no secret kept);
 *  - sasl_step() after the end is SASL_ERR_SYNTAX;
 *  - base64: decode(encode(x)) == x for the raw input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "core/sasl.h"

static int
all_zero(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
check(const struct sasl *sa, enum sasl_status st, const char *chal)
{
	if (st == SASL_CONTINUE) {
		assert(chal != NULL);
		return;
	}
	assert(chal == NULL);
	if (st == SASL_DONE) {
		assert(sa->userlen >= 1 && sa->userlen <= SASL_USER_MAX);
		assert(sa->passlen >= 1 && sa->passlen <= SASL_PASS_MAX);
		assert(strnlen(sa->user, sizeof(sa->user)) == sa->userlen);
		assert(strnlen(sa->pass, sizeof(sa->pass)) == sa->passlen);
		return;
	}
	assert(all_zero(sa->user, sizeof(sa->user)));
	assert(all_zero(sa->pass, sizeof(sa->pass)));
	assert(sa->userlen == 0 && sa->passlen == 0);
}

static char *
next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t	*s = *p;
	char		*line;
	size_t		 n = 0;

	while (*p < end && **p != '\n')
		(*p)++;
	if ((line = malloc((size_t)(*p - s) + 1)) == NULL)
		abort();
	for (; s < *p; s++)
		if (*s != '\r' && *s != '\0')
			line[n++] = (char)*s;
	line[n] = '\0';
	if (*p < end)
		(*p)++;		/* the LF */
	return realloc(line, n + 1);
}

static void
base64_roundtrip(const uint8_t *data, size_t size)
{
	char		*enc;
	unsigned char	*dec;
	size_t		 encsz;
	long		 n, m;

	if (size > 4096)
		size = 4096;
	encsz = base64_encoded_size(size);
	enc = malloc(encsz);
	dec = malloc(size ? size : 1);
	if (enc == NULL || dec == NULL)
		abort();
	n = base64_encode(data, size, enc, encsz);
	assert(n >= 0 && (size_t)n + 1 == encsz);
	assert(base64_decoded_max((size_t)n) >= size);
	m = base64_decode(enc, (size_t)n, dec, size);
	assert(m == (long)size);
	assert(memcmp(dec, data, size) == 0);
	free(enc);
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl		 sa;
	enum sasl_status	 st;
	const char		*chal = NULL;
	const uint8_t		*p, *end = data + size;
	char			*line;
	int			 steps = 0;
	enum sasl_mech		 mech;

	if (size < 1)
		return 0;
	base64_roundtrip(data, size);
	mech = (data[0] & 1) ? SASL_MECH_LOGIN : SASL_MECH_PLAIN;
	p = data + 1;
	memset(&sa, 0xa5, sizeof(sa));	/* sasl_start must not need zeroing */
	if (data[0] & 2) {
		line = next_line(&p, end);
		st = sasl_start(&sa, mech, line, &chal);
		free(line);
	} else
		st = sasl_start(&sa, mech, NULL, &chal);
	check(&sa, st, chal);
	while (st == SASL_CONTINUE && p < end && steps++ < 8) {
		line = next_line(&p, end);
		st = sasl_step(&sa, line, &chal);
		free(line);
		check(&sa, st, chal);
	}
	if (st == SASL_DONE && mech == SASL_MECH_PLAIN) {
		/* the exchange is over: one more line is a syntax error */
		st = sasl_step(&sa, "", &chal);
		assert(st == SASL_ERR_SYNTAX);
		check(&sa, st, chal);
	} else if (st != SASL_CONTINUE && st != SASL_DONE) {
		st = sasl_step(&sa, "dGVzdA==", &chal);
		assert(st == SASL_ERR_SYNTAX);
	}
	sasl_clear(&sa);
	assert(all_zero(sa.user, sizeof(sa.user)));
	assert(all_zero(sa.pass, sizeof(sa.pass)));
	return 0;
}
