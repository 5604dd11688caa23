/*
 * base64: strict RFC 4648 §4 base64, as SASL needs it (RFC 4954 §4).
 * The decoder accepts only the canonical alphabet, length a multiple of 4,
 * '=' padding only at the end, and no whitespace; anything else is an
 * error, so a peer cannot smuggle bytes past a lenient decoder.
 */
#ifndef POSTERN_BASE64_H
#define POSTERN_BASE64_H

#include <stddef.h>

/* Bytes needed to encode n bytes, including the terminating NUL. */
size_t	base64_encoded_size(size_t n);

/* Decoded size upper bound for an encoded string of n characters. */
size_t	base64_decoded_max(size_t n);

/*
 * Encode n bytes of src into dst (dstsz bytes, NUL-terminated).
 * Returns the encoded length, or -1 if dst is too small.
 */
long	base64_encode(const void *src, size_t n, char *dst, size_t dstsz);

/*
 * Decode n characters of src into dst (dstsz bytes).  Returns the decoded
 * length, or -1 on malformed input or if dst is too small.  dst is not
 * NUL-terminated.
 */
long	base64_decode(const char *src, size_t n, void *dst, size_t dstsz);

#endif
