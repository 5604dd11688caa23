/*
 * base64: strict RFC 4648 §4 encoder and decoder.
 *
 * The decoder accepts exactly the canonical encoding and nothing else:
 * the length is a multiple of 4, only the 64 alphabet characters appear,
 * '=' appears only as one or two trailing pad characters of the last
 * quantum, and the bits a pad leaves unused are zero (RFC 4648 §3.5), so
 * every byte string has one and only one accepted encoding.  Whitespace,
 * line breaks and the URL-safe alphabet are errors.
 *
 * Invariants: no function reads past n bytes of src or writes past dstsz
 * bytes of dst.  The output size is checked before any byte is written.
 *
 * Failure: both codecs return -1.  A decode that fails part way wipes
 * what it had written, since SASL feeds credentials through it.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lib/base64.h"

#define B64_PAD		'='

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int	b64_value(unsigned char);
static size_t	b64_padding(const char *, size_t);
static int	b64_quantum(const char *, int, unsigned char *);
static void	b64_encode_quantum(const unsigned char *, size_t, char *);

size_t
base64_encoded_size(size_t n)
{
	size_t	groups;

	groups = n / 3 + (n % 3 != 0);
	if (groups > (SIZE_MAX - 1) / 4)
		return SIZE_MAX;	/* cannot be allocated anyway */
	return groups * 4 + 1;
}

size_t
base64_decoded_max(size_t n)
{
	return (n / 4 + (n % 4 != 0)) * 3;
}

long
base64_encode(const void *src, size_t n, char *dst, size_t dstsz)
{
	const unsigned char	*in = src;
	size_t			 need, i, o;

	need = base64_encoded_size(n);
	if (need == SIZE_MAX || need > dstsz || need - 1 > LONG_MAX)
		return -1;
	for (i = 0, o = 0; i < n; i += 3, o += 4)
		b64_encode_quantum(in + i, n - i < 3 ? n - i : 3, dst + o);
	dst[o] = '\0';
	return (long)o;
}

long
base64_decode(const char *src, size_t n, void *dst, size_t dstsz)
{
	unsigned char	*out = dst;
	size_t		 outlen, i, o;
	int		 r;

	if (n % 4 != 0)
		return -1;
	outlen = n / 4 * 3 - b64_padding(src, n);
	if (outlen > dstsz || outlen > LONG_MAX)
		return -1;
	for (i = 0, o = 0; i < n; i += 4, o += (size_t)r) {
		r = b64_quantum(src + i, i + 4 == n, out + o);
		if (r == -1) {
			explicit_bzero(out, o);
			return -1;
		}
	}
	return (long)o;
}

/* 6-bit value of an alphabet character, or -1 (RFC 4648 Table 1). */
static int
b64_value(unsigned char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - b64_alphabet);
}

/*
 * Number of '=' at the end of a length-checked input, so the output size
 * is known before decoding.  Misplaced pads are caught by b64_quantum().
 */
static size_t
b64_padding(const char *src, size_t n)
{
	size_t	pad = 0;

	while (pad < 2 && pad < n && src[n - 1 - pad] == B64_PAD)
		pad++;
	return pad;
}

/*
 * Decode one 4-character quantum into out.  Padding is allowed only when
 * last is set, only as "xx==" or "xxx=", and the bits it leaves unused
 * must be zero.  Returns the number of bytes written (1 to 3) or -1.
 */
static int
b64_quantum(const char *in, int last, unsigned char *out)
{
	uint32_t	bits = 0;
	int		i, k, v;

	for (k = 0; k < 4 && in[k] != B64_PAD; k++) {
		if ((v = b64_value((unsigned char)in[k])) == -1)
			return -1;
		bits |= (uint32_t)v << (18 - 6 * k);
	}
	if (k < 2 || (k < 4 && !last))
		return -1;
	for (i = k; i < 4; i++)
		if (in[i] != B64_PAD)
			return -1;
	/* Unused low bits must be zero: 4 bits for "xx==", 2 for "xxx=". */
	if ((k == 2 && (bits & 0xffff)) || (k == 3 && (bits & 0xff)))
		return -1;
	for (i = 0; i < k - 1; i++)
		out[i] = (unsigned char)(bits >> (16 - 8 * i));
	return k - 1;
}

/* Encode 1 to 3 bytes into 4 characters, padding with '='. */
static void
b64_encode_quantum(const unsigned char *in, size_t len, char *out)
{
	uint32_t	bits = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		bits |= (uint32_t)in[i] << (16 - 8 * i);
	for (i = 0; i < 4; i++)
		out[i] = i <= len ?
		    b64_alphabet[(bits >> (18 - 6 * i)) & 0x3f] : B64_PAD;
}
