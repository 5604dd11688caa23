/*
 * dkim: see dkim.h.  Signing is RFC 6376 §5 with c=relaxed/relaxed.
 *
 * The message is never copied: header fields are found as spans of the
 * caller's memory, and the body is canonicalized line by line straight
 * into SHA-256 through a small staging buffer, so a message of tens of
 * MB costs a few KiB.  Only the canonical form of the signed header
 * fields (bounded by the header size) is built in memory.
 *
 * Which header fields are signed: a fixed list of the fields that
 * recipients see or that change how the message is shown (sign_names[]).
 * Every instance present is signed, bottom-up (§5.4.2), and From is
 * listed once more than it occurs, so a From added in transit breaks the
 * signature (§8.15).  Trace and DKIM fields are never signed: they are
 * added on the way.
 *
 * The signature header is laid out once, folded at tag boundaries (and
 * inside h=, bh= and b= where FWS is allowed) so no line passes
 * DKIM_LINE_MAX; b= is the last tag, so the text that is signed (§3.7:
 * the field with an empty b=) is exactly the prefix built before the
 * signature is appended.
 *
 * Ed25519 follows RFC 8463 §3: PureEdDSA over the SHA-256 digest of the
 * canonical header data; RSA is RSASSA-PKCS1-v1_5 with SHA-256.
 *
 * Failure: -1 with a reason in err; output buffers are rolled back.
 * OpenSSL's (thread-local) error queue is cleared after a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "queue/dkim.h"

#define SIG_MAX		1024	/* bytes: an 8192-bit RSA signature */
#define SIG_B64_MAX	1400
#define BH_B64_MAX	64
#define FIELDS_MAX	1000	/* signed header field instances */
#define STAGE_SIZE	8192
#define DOMAIN_MAX	253
#define SELECTOR_MAX	63
#define TOKEN_MAX	(DOMAIN_MAX + 16)
#define HEADER_SLACK	(64 * 1024)

struct dkim_alg {
	const char	*name;		/* a= */
	const char	*key_type;	/* OpenSSL key type */
	const char	*k;		/* k= of the DNS record */
};

static const struct dkim_alg algs[] = {
	{ "rsa-sha256", "RSA", "rsa" },
	{ "ed25519-sha256", "ED25519", "ed25519" },
};

/* Signed when present, in this order in h=; index 0 is over-signed. */
static const char *const sign_names[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "message-id",
	"in-reply-to", "references", "mime-version", "content-type",
	"content-transfer-encoding", "list-unsubscribe",
	"list-unsubscribe-post", "list-id", "sender", "feedback-id",
};
#define NSIGN		(sizeof(sign_names) / sizeof(sign_names[0]))
#define NAME_FROM	0

struct dkim_signer {
	EVP_PKEY		*key;
	const struct dkim_alg	*alg;
	char			 domain[DOMAIN_MAX + 1];
	char			 selector[SELECTOR_MAX + 1];
};

struct field {
	size_t		 name;		/* index into sign_names */
	const char	*p;		/* whole field, folding and line end */
	size_t		 len;
};

struct header {
	struct field	*f;
	size_t		 n;
	size_t		 cap;
	size_t		 count[NSIGN];
	const char	*body;
	size_t		 bodylen;
};

/* Where canonical body bytes go. */
typedef int	(*sink_fn)(void *, const void *, size_t);

struct body_canon {
	sink_fn		 fn;
	void		*arg;
	size_t		 blank;		/* empty lines held back (§3.4.4) */
};

struct stage {
	EVP_MD_CTX	*md;
	size_t		 n;
	unsigned char	 b[STAGE_SIZE];
};

struct fold {
	struct buf	*b;
	size_t		 col;		/* characters on the current line */
};

static const struct dkim_alg *alg_find(const char *);
static int	 set_err(char *, size_t, const char *);
static int	 ossl_err(char *, size_t, const char *);
static int	 valid_name(const char *, size_t, int);
static int	 is_wsp(char);
static size_t	 line_len(const char *, const char *, size_t *);
static void	 rollback(struct buf *, size_t);
static int	 canon_header(const char *, size_t, struct buf *, int);
static int	 body_line(struct body_canon *, const char *, size_t);
static int	 body_canon(const char *, size_t, sink_fn, void *);
static int	 sink_buf(void *, const void *, size_t);
static int	 sink_stage(void *, const void *, size_t);
static int	 body_hash(const char *, size_t, char *, size_t);
static int	 name_index(const char *, size_t);
static int	 header_add(struct header *, const char *, size_t);
static int	 header_parse(const char *, size_t, struct header *);
static int	 fold_add(struct fold *, const char *, const char *);
static int	 fold_value(struct fold *, const char *);
static int	 sig_prefix(const struct dkim_signer *, const struct header *,
		    int64_t, const char *, struct fold *);
static int	 signed_data(const struct header *, struct buf *);
static int	 sign_data(const struct dkim_signer *, const char *, size_t,
		    char *, size_t);
static int	 no_passphrase(char *, int, int, void *);
static int	 pub_b64(EVP_PKEY *, const struct dkim_alg *, struct buf *);

static const struct dkim_alg *
alg_find(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(name, algs[i].name) == 0)
			return &algs[i];
	return NULL;
}

static int
set_err(char *err, size_t errsz, const char *msg)
{
	if (errsz > 0)
		util_strlcpy(err, msg, errsz);
	return -1;
}

/* what, plus OpenSSL's reason if it has one; clears the error queue. */
static int
ossl_err(char *err, size_t errsz, const char *what)
{
	const char	*r = ERR_reason_error_string(ERR_peek_last_error());

	if (errsz > 0 && (r == NULL ||
	    util_snprintf(err, errsz, "%s: %s", what, r) == -1))
		util_strlcpy(err, what, errsz);
	ERR_clear_error();
	return -1;
}

/*
 * A d= or s= value: letters, digits, '-', '.' (and '_' in selectors,
 * which some DNS providers insist on).  Nothing that could end a tag.
 */
static int
valid_name(const char *s, size_t max, int underscore)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || (underscore && s[i] == '_')))
			return 0;
	return 1;
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The line at p: returns its length with the line end (LF, or CRLF);
 * *content is the length without it.  The last line may lack one.
 */
static size_t
line_len(const char *p, const char *end, size_t *content)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL) {
		*content = (size_t)(end - p);
		return *content;
	}
	*content = (size_t)(nl - p);
	if (*content > 0 && nl[-1] == '\r')
		(*content)--;
	return (size_t)(nl - p) + 1;
}

static void
rollback(struct buf *b, size_t len)
{
	if (b->data != NULL && len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* --- canonicalization (RFC 6376 §3.4) ------------------------------- */

/*
 * Relaxed header (§3.4.2): name lower-cased without WSP before the
 * colon; value unfolded, WSP runs to one SP, WSP at both ends removed.
 * crlf: end with CRLF (not for the DKIM-Signature field itself, §3.7).
 */
static int
canon_header(const char *p, size_t len, struct buf *out, int crlf)
{
	const char	*colon = memchr(p, ':', len), *end = p + len, *q;
	size_t		 start = out->len, nlen;
	int		 sp = 0, any = 0;
	char		 c;

	if (colon == NULL)
		return -1;
	for (nlen = (size_t)(colon - p); nlen > 0 && is_wsp(p[nlen - 1]);)
		nlen--;
	for (q = p; q < p + nlen; q++) {
		c = (*q >= 'A' && *q <= 'Z') ? (char)(*q - 'A' + 'a') : *q;
		if (buf_append(out, &c, 1) == -1)
			goto fail;
	}
	if (buf_append(out, ":", 1) == -1)
		goto fail;
	for (q = colon + 1; q < end; q++) {
		if (*q == '\n' || (*q == '\r' && q + 1 < end && q[1] == '\n'))
			continue;		/* unfold */
		if (is_wsp(*q)) {
			sp = any;
			continue;
		}
		if ((sp && buf_append(out, " ", 1) == -1) ||
		    buf_append(out, q, 1) == -1)
			goto fail;
		sp = 0;
		any = 1;
	}
	if (crlf && buf_append(out, "\r\n", 2) == -1)
		goto fail;
	return 0;
fail:
	rollback(out, start);
	return -1;
}

/*
 * Relaxed body, one line without its line end (§3.4.4): WSP at the end
 * dropped, other WSP runs to one SP.  Empty lines are held back and
 * written only when a non-empty line follows, which drops the trailing
 * ones; an empty body stays empty.
 */
static int
body_line(struct body_canon *bc, const char *p, size_t n)
{
	const char	*end = p + n, *q;

	while (end > p && is_wsp(end[-1]))
		end--;
	if (end == p) {
		bc->blank++;
		return 0;
	}
	for (; bc->blank > 0; bc->blank--)
		if (bc->fn(bc->arg, "\r\n", 2) == -1)
			return -1;
	while (p < end) {
		for (q = p; q < end && !is_wsp(*q); q++)
			;
		if (q > p && bc->fn(bc->arg, p, (size_t)(q - p)) == -1)
			return -1;
		if (q == end)
			break;
		if (bc->fn(bc->arg, " ", 1) == -1)
			return -1;
		for (p = q; p < end && is_wsp(*p); p++)
			;
	}
	return bc->fn(bc->arg, "\r\n", 2);
}

static int
body_canon(const char *body, size_t len, sink_fn fn, void *arg)
{
	struct body_canon	 bc = { fn, arg, 0 };
	const char		*p = body, *end = body + len;
	size_t			 n, content;

	while (p < end) {
		n = line_len(p, end, &content);
		if (body_line(&bc, p, content) == -1)
			return -1;
		p += n;
	}
	return 0;
}

static int
sink_buf(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

static int
sink_stage(void *arg, const void *p, size_t n)
{
	struct stage	*s = arg;

	if (s->n + n > sizeof(s->b)) {
		if (EVP_DigestUpdate(s->md, s->b, s->n) != 1)
			return -1;
		s->n = 0;
		if (n >= sizeof(s->b))
			return EVP_DigestUpdate(s->md, p, n) == 1 ? 0 : -1;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
	return 0;
}

int
dkim_canon_header(const char *field, size_t len, struct buf *out)
{
	return canon_header(field, len, out, 1);
}

int
dkim_canon_body(const char *body, size_t len, struct buf *out)
{
	size_t	start = out->len;

	if (body_canon(body, len, sink_buf, out) == -1) {
		rollback(out, start);
		return -1;
	}
	return 0;
}

/* bh= (§3.7): base64 SHA-256 of the canonical body. */
static int
body_hash(const char *body, size_t len, char *out, size_t outsz)
{
	struct stage	*s;
	unsigned char	 dg[EVP_MAX_MD_SIZE];
	unsigned int	 dglen = 0;
	int		 rc = -1;

	if ((s = malloc(sizeof(*s))) == NULL)
		return -1;
	s->n = 0;
	if ((s->md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) == 1 &&
	    body_canon(body, len, sink_stage, s) == 0 &&
	    EVP_DigestUpdate(s->md, s->b, s->n) == 1 &&
	    EVP_DigestFinal_ex(s->md, dg, &dglen) == 1 &&
	    base64_encode(dg, dglen, out, outsz) > 0)
		rc = 0;
	EVP_MD_CTX_free(s->md);
	free(s);
	return rc;
}

/* --- header fields ---------------------------------------------------- */

static int
name_index(const char *p, size_t len)
{
	const char	*colon = memchr(p, ':', len);
	size_t		 n, i;

	if (colon == NULL)
		return -1;		/* not a field ("From " lines) */
	for (n = (size_t)(colon - p); n > 0 && is_wsp(p[n - 1]);)
		n--;
	for (i = 0; i < NSIGN; i++)
		if (strlen(sign_names[i]) == n &&
		    strncasecmp(p, sign_names[i], n) == 0)
			return (int)i;
	return -1;
}

/* Keep the field at p if it is one we sign. */
static int
header_add(struct header *h, const char *p, size_t len)
{
	struct field	*f;
	int		 i;

	if (p == NULL || (i = name_index(p, len)) == -1)
		return 0;
	if (h->n == FIELDS_MAX)
		return -1;
	if (h->n == h->cap) {
		f = reallocarray(h->f, h->cap ? h->cap * 2 : 16, sizeof(*f));
		if (f == NULL)
			return -1;
		h->f = f;
		h->cap = h->cap ? h->cap * 2 : 16;
	}
	h->f[h->n].name = (size_t)i;
	h->f[h->n].p = p;
	h->f[h->n].len = len;
	h->n++;
	h->count[i]++;
	return 0;
}

/*
 * Split msg into header fields (a line starting with WSP continues the
 * field before it) and the body after the first empty line.
 */
static int
header_parse(const char *msg, size_t len, struct header *h)
{
	const char	*p = msg, *end = msg + len, *cur = NULL;
	size_t		 n, content, curlen = 0;

	while (p < end) {
		n = line_len(p, end, &content);
		if (content == 0) {
			p += n;
			break;
		}
		if (is_wsp(*p)) {
			curlen += cur != NULL ? n : 0;
		} else {
			if (header_add(h, cur, curlen) == -1)
				return -1;
			cur = p;
			curlen = n;
		}
		p += n;
	}
	if (header_add(h, cur, curlen) == -1)
		return -1;
	h->body = p;
	h->bodylen = (size_t)(end - p);
	return 0;
}

/* The fields in h= order, each name's instances bottom-up (§5.4.2). */
static int
signed_data(const struct header *h, struct buf *out)
{
	size_t	i, k;

	for (i = 0; i < NSIGN; i++)
		for (k = h->n; k-- > 0;)
			if (h->f[k].name == i && canon_header(h->f[k].p,
			    h->f[k].len, out, 1) == -1)
				return -1;
	return 0;
}

/* --- the DKIM-Signature field ----------------------------------------- */

/* Append tok after sep, or after a fold if the line would be too long. */
static int
fold_add(struct fold *f, const char *sep, const char *tok)
{
	size_t	sl = strlen(sep), tl = strlen(tok);

	if (f->col + sl + tl > DKIM_LINE_MAX && f->col > 1) {
		if (buf_append(f->b, "\r\n\t", 3) == -1)
			return -1;
		f->col = 1;
	} else {
		if (buf_append(f->b, sep, sl) == -1)
			return -1;
		f->col += sl;
	}
	if (buf_append(f->b, tok, tl) == -1)
		return -1;
	f->col += tl;
	return 0;
}

/* A base64 value, folded anywhere (FWS is allowed in it, §3.5). */
static int
fold_value(struct fold *f, const char *v)
{
	size_t	n = strlen(v), k;

	while (n > 0) {
		if (f->col >= DKIM_LINE_MAX) {
			if (buf_append(f->b, "\r\n\t", 3) == -1)
				return -1;
			f->col = 1;
		}
		k = DKIM_LINE_MAX - f->col;
		if (k > n)
			k = n;
		if (buf_append(f->b, v, k) == -1)
			return -1;
		f->col += k;
		v += k;
		n -= k;
	}
	return 0;
}

/* Everything up to and including "b=": the text that is signed. */
static int
sig_prefix(const struct dkim_signer *s, const struct header *h,
    int64_t now, const char *bh, struct fold *f)
{
	char	tok[TOKEN_MAX];
	size_t	i, k, n;
	int	first = 1;

	if (buf_appends(f->b, "DKIM-Signature: v=1;") == -1)
		return -1;
	f->col = strlen("DKIM-Signature: v=1;");
	if (util_snprintf(tok, sizeof(tok), "a=%s;", s->alg->name) == -1 ||
	    fold_add(f, " ", tok) == -1 ||
	    fold_add(f, " ", "c=relaxed/relaxed;") == -1 ||
	    util_snprintf(tok, sizeof(tok), "d=%s;", s->domain) == -1 ||
	    fold_add(f, " ", tok) == -1 ||
	    util_snprintf(tok, sizeof(tok), "s=%s;", s->selector) == -1 ||
	    fold_add(f, " ", tok) == -1 ||
	    util_snprintf(tok, sizeof(tok), "t=%lld;", (long long)now) == -1 ||
	    fold_add(f, " ", tok) == -1)
		return -1;
	for (i = 0; i < NSIGN; i++) {
		n = h->count[i] + (i == NAME_FROM);
		for (k = 0; k < n; k++, first = 0)
			if (util_snprintf(tok, sizeof(tok), "%s%s",
			    first ? "h=" : ":", sign_names[i]) == -1 ||
			    fold_add(f, first ? " " : "", tok) == -1)
				return -1;
	}
	if (fold_add(f, "", ";") == -1 ||
	    util_snprintf(tok, sizeof(tok), "bh=%s;", bh) == -1 ||
	    fold_add(f, " ", tok) == -1)
		return -1;
	return fold_add(f, " ", "b=");
}

/* b= (§3.7, RFC 8463 §3): sign the canonical header data. */
static int
sign_data(const struct dkim_signer *s, const char *data, size_t len,
    char *out, size_t outsz)
{
	EVP_MD_CTX		*ctx;
	const EVP_MD		*md = EVP_sha256();
	const unsigned char	*in = (const unsigned char *)data;
	unsigned char		 sig[SIG_MAX], dg[EVP_MAX_MD_SIZE];
	unsigned int		 dglen;
	size_t			 siglen = sizeof(sig);
	int			 rc = -1;

	if (strcmp(s->alg->key_type, "ED25519") == 0) {
		if (EVP_Digest(data, len, dg, &dglen, md, NULL) != 1)
			return -1;
		in = dg;
		len = dglen;
		md = NULL;		/* PureEdDSA over the digest */
	}
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(ctx, NULL, md, NULL, s->key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, in, len) == 1 &&
	    base64_encode(sig, siglen, out, outsz) > 0)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
dkim_sign(struct dkim_signer *s, const char *msg, size_t len, int64_t now,
    struct buf *out, char *err, size_t errsz)
{
	struct header	 h;
	struct buf	 hd, sh;
	struct fold	 f;
	char		 bh[BH_B64_MAX], b[SIG_B64_MAX];
	int		 rc = -1;

	memset(&h, 0, sizeof(h));
	buf_init(&hd, len + HEADER_SLACK);
	buf_init(&sh, HEADER_SLACK);
	f.b = &sh;
	f.col = 0;
	if (header_parse(msg, len, &h) == -1) {
		set_err(err, errsz, "too many header fields to sign");
		goto done;
	}
	if (h.count[NAME_FROM] == 0) {
		set_err(err, errsz, "no From header field");
		goto done;
	}
	if (body_hash(h.body, h.bodylen, bh, sizeof(bh)) == -1) {
		ossl_err(err, errsz, "body hash");
		goto done;
	}
	if (sig_prefix(s, &h, now, bh, &f) == -1 ||
	    signed_data(&h, &hd) == -1 ||
	    canon_header(sh.data, sh.len, &hd, 0) == -1) {
		set_err(err, errsz, "header too large");
		goto done;
	}
	if (sign_data(s, hd.data, hd.len, b, sizeof(b)) == -1) {
		ossl_err(err, errsz, "signing");
		goto done;
	}
	if (fold_value(&f, b) == -1 || buf_append(&sh, "\r\n", 2) == -1 ||
	    buf_append(out, sh.data, sh.len) == -1) {
		set_err(err, errsz, "signature does not fit the output");
		goto done;
	}
	rc = 0;
done:
	free(h.f);
	buf_free(&hd);
	buf_free(&sh);
	return rc;
}

/* --- keys ------------------------------------------------------------- */

/* Encrypted keys are refused, never prompted for. */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	return -1;
}

struct dkim_signer *
dkim_signer_new(const char *domain, const char *selector,
    const char *algorithm, const char *pem, char *err, size_t errsz)
{
	struct dkim_signer	*s;
	const struct dkim_alg	*alg;
	BIO			*bio;
	EVP_PKEY		*key;

	if ((alg = alg_find(algorithm)) == NULL) {
		set_err(err, errsz, "unknown algorithm (rsa-sha256, "
		    "ed25519-sha256)");
		return NULL;
	}
	if (domain == NULL || !valid_name(domain, DOMAIN_MAX, 0) ||
	    selector == NULL || !valid_name(selector, SELECTOR_MAX, 1)) {
		set_err(err, errsz, "invalid domain or selector");
		return NULL;
	}
	if (pem == NULL || (bio = BIO_new_mem_buf(pem, -1)) == NULL) {
		ossl_err(err, errsz, "no key");
		return NULL;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (key == NULL) {
		ossl_err(err, errsz, "cannot read the private key PEM");
		return NULL;
	}
	if (!EVP_PKEY_is_a(key, alg->key_type) ||
	    EVP_PKEY_get_size(key) > SIG_MAX || (strcmp(alg->key_type,
	    "RSA") == 0 && EVP_PKEY_get_bits(key) < DKIM_RSA_BITS_MIN)) {
		set_err(err, errsz, "private key does not suit the algorithm "
		    "(RSA of 1024 to 8192 bits for rsa-sha256, Ed25519 for "
		    "ed25519-sha256)");
		EVP_PKEY_free(key);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		set_err(err, errsz, "out of memory");
		EVP_PKEY_free(key);
		return NULL;
	}
	s->key = key;
	s->alg = alg;
	util_strlcpy(s->domain, domain, sizeof(s->domain));
	util_strlcpy(s->selector, selector, sizeof(s->selector));
	return s;
}

void
dkim_signer_free(struct dkim_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key);
	free(s);
}

/* The p= value: SubjectPublicKeyInfo for RSA, raw key for Ed25519. */
static int
pub_b64(EVP_PKEY *key, const struct dkim_alg *alg, struct buf *out)
{
	unsigned char	*der = NULL, *p, raw[64];
	char		*b64 = NULL;
	size_t		 n = sizeof(raw);
	int		 len, rc = -1;

	if (strcmp(alg->key_type, "RSA") == 0) {
		if ((len = i2d_PUBKEY(key, NULL)) <= 0 ||
		    (der = malloc((size_t)len)) == NULL)
			goto done;
		p = der;
		if (i2d_PUBKEY(key, &p) != len)
			goto done;
		n = (size_t)len;
	} else if (EVP_PKEY_get_raw_public_key(key, raw, &n) != 1)
		goto done;
	if ((b64 = malloc(base64_encoded_size(n))) == NULL ||
	    base64_encode(der ? der : raw, n, b64, base64_encoded_size(n)) <= 0)
		goto done;
	rc = buf_appends(out, b64);
done:
	free(der);
	free(b64);
	return rc;
}

int
dkim_keygen(const char *algorithm, unsigned rsa_bits, struct buf *pem,
    struct buf *pub, char *err, size_t errsz)
{
	const struct dkim_alg	*alg;
	EVP_PKEY		*key = NULL;
	BIO			*bio = NULL;
	char			*data;
	long			 n;
	size_t			 pem0 = pem->len, pub0 = pub->len;
	int			 rc = -1;

	if ((alg = alg_find(algorithm)) == NULL)
		return set_err(err, errsz, "unknown algorithm (rsa-sha256, "
		    "ed25519-sha256)");
	if (rsa_bits == 0)
		rsa_bits = DKIM_RSA_BITS_DEFAULT;
	if (rsa_bits < DKIM_RSA_BITS_MIN || rsa_bits > DKIM_RSA_BITS_MAX)
		return set_err(err, errsz, "RSA keys must have 1024 to 4096 "
		    "bits");
	key = strcmp(alg->key_type, "RSA") == 0 ?
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits) :
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (key == NULL)
		return ossl_err(err, errsz, "key generation");
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0) {
		ossl_err(err, errsz, "writing the private key");
		goto done;
	}
	if (buf_append(pem, data, (size_t)n) == -1 ||
	    pub_b64(key, alg, pub) == -1) {
		rollback(pem, pem0);
		rollback(pub, pub0);
		set_err(err, errsz, "key does not fit the output");
		goto done;
	}
	rc = 0;
done:
	BIO_free(bio);		/* clears the PEM it held */
	EVP_PKEY_free(key);
	return rc;
}

int
dkim_txt_record(const char *algorithm, const char *pub, struct buf *out)
{
	const struct dkim_alg	*alg = alg_find(algorithm);

	if (alg == NULL || pub == NULL || *pub == '\0' ||
	    strspn(pub, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != strlen(pub))
		return -1;
	return buf_appendf(out, "v=DKIM1; k=%s; p=%s", alg->k, pub);
}

int
dkim_keygen_str(const char *algorithm, unsigned rsa_bits, char *priv,
    size_t privsz, char *pub, size_t pubsz, char *err, size_t errsz)
{
	struct buf	pem, p;
	int		rc = -1;

	buf_init(&pem, privsz);
	buf_init(&p, pubsz);
	if (dkim_keygen(algorithm, rsa_bits, &pem, &p, err, errsz) == 0) {
		if (util_strlcpy(priv, buf_str(&pem), privsz) == -1 ||
		    util_strlcpy(pub, buf_str(&p), pubsz) == -1)
			(void)util_snprintf(err, errsz, "the key does not fit");
		else
			rc = 0;
	}
	if (rc == -1) {
		explicit_bzero(priv, privsz);
		if (pubsz > 0)
			pub[0] = '\0';
	}
	if (pem.data != NULL)
		explicit_bzero(pem.data, pem.cap);
	buf_free(&pem);
	buf_free(&p);
	return rc;
}
