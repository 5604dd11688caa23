/*
 * dkim: DKIM signing (RFC 6376) with rsa-sha256 and ed25519-sha256
 * (RFC 8463), and the keys it needs.  A pure module: no store, no I/O
 * besides memory.  Canonicalization is always relaxed/relaxed.
 *
 * A signer is used by one thread at a time; distinct signers share no
 * state and may be used from different threads.  Every function returns
 * 0 or -1 (with a reason in err when there is an err argument); output
 * buffers receive appended text and are left as they were on failure.
 */
#ifndef POSTERN_DKIM_H
#define POSTERN_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define DKIM_RSA_BITS_DEFAULT	2048
#define DKIM_RSA_BITS_MIN	1024	/* RFC 8301 §3.2 */
#define DKIM_RSA_BITS_MAX	4096	/* the PEM must fit the store */
#define DKIM_LINE_MAX		78	/* RFC 5322 §2.1.1 */

struct dkim_signer;	/* opaque */

/*
 * algorithm: "rsa-sha256" or "ed25519-sha256"; pem: PKCS#8 or
 * traditional PEM private key of that type.  NULL with err on failure.
 */
struct dkim_signer *dkim_signer_new(const char *domain, const char *selector,
		    const char *algorithm, const char *pem, char *err,
		    size_t errsz);
void		 dkim_signer_free(struct dkim_signer *);

/*
 * Sign msg[0..len), an RFC 5322 message (CRLF line ends; a lone LF is
 * taken as a line end too).  Appends one DKIM-Signature header field,
 * folded to DKIM_LINE_MAX columns and ending in CRLF, to out.  now is
 * the t= value.  -1 with err if there is no From header field.
 */
int	dkim_sign(struct dkim_signer *, const char *msg, size_t len,
	    int64_t now, struct buf *out, char *err, size_t errsz);

/*
 * Generate a key: algorithm as above; rsa_bits 0 means
 * DKIM_RSA_BITS_DEFAULT.  Appends the private key (PKCS#8 PEM) to pem
 * and the p= value to pub_b64: the base64 SubjectPublicKeyInfo for RSA,
 * the base64 raw 32-byte key for Ed25519 (RFC 8463 §4.2).
 */
int	dkim_keygen(const char *algorithm, unsigned rsa_bits, struct buf *pem,
	    struct buf *pub_b64, char *err, size_t errsz);

/*
 * dkim_keygen() into two strings: the PEM private key into priv, the p=
 * value into pub, the temporary copies wiped.  0, or -1 with err (and
 * both strings empty) when generation fails or a string does not fit.
 */
int	dkim_keygen_str(const char *algorithm, unsigned rsa_bits, char *priv,
	    size_t privsz, char *pub, size_t pubsz, char *err, size_t errsz);

/* Append "v=DKIM1; k=rsa; p=..." or "v=DKIM1; k=ed25519; p=..." to out. */
int	dkim_txt_record(const char *algorithm, const char *pub_b64,
	    struct buf *out);

/*
 * The relaxed canonical forms, exposed for tests and diagnostics.
 * dkim_canon_header: one header field (name, colon, value, any folding;
 * a trailing line end is optional) to "name:value\r\n" (RFC 6376
 * §3.4.2).  dkim_canon_body: a body to its canonical form (§3.4.4).
 */
int	dkim_canon_header(const char *field, size_t len, struct buf *out);
int	dkim_canon_body(const char *body, size_t len, struct buf *out);

#endif
