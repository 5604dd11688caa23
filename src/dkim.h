/* Placeholder with the agreed API; replaced by the dkim branch. */
#ifndef POSTERN_DKIM_H
#define POSTERN_DKIM_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
struct dkim_signer;
struct dkim_signer *dkim_signer_new(const char *domain, const char *selector,
    const char *algorithm, const char *pem, char *err, size_t errsz);
void	dkim_signer_free(struct dkim_signer *);
int	dkim_sign(struct dkim_signer *, const char *msg, size_t len,
	    int64_t now, struct buf *out, char *err, size_t errsz);
int	dkim_keygen(const char *algorithm, unsigned rsa_bits, struct buf *pem,
	    struct buf *pub_b64, char *err, size_t errsz);
int	dkim_txt_record(const char *algorithm, const char *pub_b64,
	    struct buf *out);
#endif
