/*
 * dkim_test: relaxed canonicalization (table-driven), body hashes against
 * constants computed independently (python3 hashlib; the RFC 8463 A.3
 * body hash), the h= list (bottom-up instances, From over-signed, trace
 * fields never signed), folding, failures, key generation, and a
 * sign/verify round trip for both algorithms with OpenSSL verifying
 * against the p= value the key generator printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "queue/dkim.h"

#define S(x)	x, sizeof(x) - 1

struct canon_case {
	const char	*in;
	size_t		 inlen;
	const char	*out;		/* NULL: must fail */
};

struct key {
	const char	*alg;
	struct buf	 pem;
	struct buf	 pub;
};

static struct key	keys[2] = {
	{ "rsa-sha256", { 0 }, { 0 } },
	{ "ed25519-sha256", { 0 }, { 0 } },
};

/* RFC 6376 §3.4.2, relaxed header. */
static const struct canon_case header_cases[] = {
	{ S("Subject: Hello\r\n"), "subject:Hello\r\n" },
	{ S("SUBJECT:  Hello   World  \r\n"), "subject:Hello World\r\n" },
	{ S("Subject \t:\tx\r\n"), "subject:x\r\n" },
	{ S("Subject: a\r\n\tb\r\n   c\r\n"), "subject:a b c\r\n" },
	{ S("Subject: a \r\n b\r\n"), "subject:a b\r\n" },
	{ S("To: a\n b\n"), "to:a b\r\n" },		/* lone LF */
	{ S("From: x"), "from:x\r\n" },			/* no line end */
	{ S("X-Empty:\r\n"), "x-empty:\r\n" },
	{ S("X-Empty:   \r\n"), "x-empty:\r\n" },
	{ S("X-Tab:\ta\t\tb\t\r\n"), "x-tab:a b\r\n" },
	{ S("Mixed-Case: MiXeD\r\n"), "mixed-case:MiXeD\r\n" },
	{ S("X: a:b : c\r\n"), "x:a:b : c\r\n" },	/* first colon */
	{ S("X: caf\xc3\xa9\r\n"), "x:caf\xc3\xa9\r\n" },
	{ S("no colon here\r\n"), NULL },
};

/* RFC 6376 §3.4.4, relaxed body. */
static const struct canon_case body_cases[] = {
	{ S(""), "" },
	{ S("\r\n"), "" },
	{ S("\r\n\r\n\r\n"), "" },
	{ S(" \t \r\n\t\r\n"), "" },
	{ S("Hello\r\n"), "Hello\r\n" },
	{ S("Hello"), "Hello\r\n" },			/* CRLF added */
	{ S("  Hello \t World  \r\n\r\n\r\n"), " Hello World\r\n" },
	{ S("a\r\n\r\nb\r\n\r\n"), "a\r\n\r\nb\r\n" },
	{ S("x\r\n \r\ny\r\n"), "x\r\n\r\ny\r\n" },
	{ S("a\nb\n\n"), "a\r\nb\r\n" },			/* lone LF */
	{ S("a\r\nb\n \n"), "a\r\nb\r\n" },
	{ S("tab\tin\t\tline\r\n"), "tab in line\r\n" },
	{ S("trailing   \r\nend"), "trailing\r\nend\r\n" },
	{ S("8bit \xff\xfe \r\n"), "8bit \xff\xfe\r\n" },
	{ S("bare\rcr\r\n"), "bare\rcr\r\n" },
};

/* bh= for bodies; expected values from python3 hashlib, offline. */
static const struct {
	const char	*body;
	const char	*bh;
} bh_cases[] = {
	{ "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "\r\n\r\n", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "  Hello \t World  \r\n\r\n\r\n",
	    "rar19mzfpvXuFo9OjYutB7zB5iV+mp8YhqQ5y0JEYnU=" },
	{ "a\nb\n", "WAVb3Mc3h+uIx4028LSTnpxdwcOtF+JcyFpoM88aDKs=" },
	/* RFC 8463 Appendix A.3 */
	{ "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\n"
	    "Joe.\r\n", "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=" },
};

static int
group_setup(void **state)
{
	char	err[256];
	size_t	i;

	for (i = 0; i < 2; i++) {
		buf_init(&keys[i].pem, 64 * 1024);
		buf_init(&keys[i].pub, 64 * 1024);
		if (dkim_keygen(keys[i].alg, 0, &keys[i].pem, &keys[i].pub, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "keygen %s: %s\n", keys[i].alg, err);
			return -1;
		}
	}
	return 0;
}

static int
group_teardown(void **state)
{
	size_t	i;

	for (i = 0; i < 2; i++) {
		buf_free(&keys[i].pem);
		buf_free(&keys[i].pub);
	}
	return 0;
}

static struct dkim_signer *
signer(int k)
{
	char			 err[256];
	struct dkim_signer	*s;

	s = dkim_signer_new("example.test", "sel", keys[k].alg,
	    buf_str(&keys[k].pem), err, sizeof(err));
	if (s == NULL)
		fail_msg("dkim_signer_new: %s", err);
	return s;
}

/* Sign msg with key k; the header field in out (caller frees). */
static void
sign(int k, const char *msg, struct buf *out)
{
	struct dkim_signer	*s = signer(k);
	char			 err[256];

	buf_init(out, 1024 * 1024);
	if (dkim_sign(s, msg, strlen(msg), 1700000000, out, err,
	    sizeof(err)) == -1)
		fail_msg("dkim_sign: %s", err);
	dkim_signer_free(s);
}

/* The unfolded value of tag t in the signature field, no WSP at all. */
static void
tag_value(const char *sig, const char *t, char *out, size_t outsz)
{
	char		 flat[8192], want[16];
	const char	*p;
	size_t		 n = 0, len;

	for (p = sig; *p && n + 1 < sizeof(flat); p++)
		if (*p != '\r' && *p != '\n' && *p != ' ' && *p != '\t')
			flat[n++] = *p;
	flat[n] = '\0';
	snprintf(want, sizeof(want), ";%s=", t);
	p = strstr(flat, want);
	assert_non_null(p);
	p += strlen(want);
	len = strcspn(p, ";");
	assert_true(len < outsz);
	memcpy(out, p, len);
	out[len] = '\0';
}

static void
test_canon_header(void **state)
{
	struct buf	b;
	size_t		i;

	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct canon_case *c = &header_cases[i];

		buf_init(&b, 4096);
		if (c->out == NULL)
			assert_int_equal(dkim_canon_header(c->in, c->inlen, &b),
			    -1);
		else {
			assert_int_equal(dkim_canon_header(c->in, c->inlen,
			    &b), 0);
			assert_string_equal(buf_str(&b), c->out);
		}
		buf_free(&b);
	}
}

static void
test_canon_body(void **state)
{
	struct buf	b;
	size_t		i;

	for (i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const struct canon_case *c = &body_cases[i];

		buf_init(&b, 4096);
		assert_int_equal(dkim_canon_body(c->in, c->inlen, &b), 0);
		if (strlen(c->out) != b.len || memcmp(b.data ? b.data : "",
		    c->out, b.len) != 0)
			fail_msg("body case %zu: got [%s]", i, buf_str(&b));
		buf_free(&b);
	}
}

static void
test_body_hash(void **state)
{
	struct buf	out, msg;
	char		bh[128];
	size_t		i;

	for (i = 0; i < sizeof(bh_cases) / sizeof(bh_cases[0]); i++) {
		buf_init(&msg, 4096);
		assert_int_equal(buf_appendf(&msg, "From: a@example.test\r\n"
		    "\r\n%s", bh_cases[i].body), 0);
		sign(1, buf_str(&msg), &out);
		tag_value(buf_str(&out), "bh", bh, sizeof(bh));
		assert_string_equal(bh, bh_cases[i].bh);
		buf_free(&out);
		buf_free(&msg);
	}
	/* no body at all, and a header ending without a line end */
	sign(1, "From: a@example.test\r\n", &out);
	tag_value(buf_str(&out), "bh", bh, sizeof(bh));
	assert_string_equal(bh, bh_cases[0].bh);
	buf_free(&out);
	sign(1, "From: a@example.test", &out);
	tag_value(buf_str(&out), "bh", bh, sizeof(bh));
	assert_string_equal(bh, bh_cases[0].bh);
	buf_free(&out);
}

/* A large body is hashed in pieces; the result must not depend on it. */
static void
test_body_hash_large(void **state)
{
	struct buf	out, msg, canon;
	unsigned char	dg[32];
	char		bh[128], want[64];
	size_t		i;

	buf_init(&msg, 16 * 1024 * 1024);
	buf_init(&canon, 16 * 1024 * 1024);
	assert_int_equal(buf_appends(&msg, "From: a@example.test\r\n\r\n"), 0);
	for (i = 0; i < 200000; i++)
		assert_int_equal(buf_appendf(&msg, "line %zu\t  with  "
		    "spaces %s\r\n", i, i % 7 ? "" : "   "), 0);
	assert_int_equal(buf_appends(&msg, "\r\n \r\n\r\n"), 0);
	sign(0, buf_str(&msg), &out);
	tag_value(buf_str(&out), "bh", bh, sizeof(bh));
	assert_int_equal(dkim_canon_body(strstr(msg.data, "\r\n\r\n") + 4,
	    msg.len - (size_t)(strstr(msg.data, "\r\n\r\n") + 4 - msg.data),
	    &canon), 0);
	SHA256((unsigned char *)canon.data, canon.len, dg);
	assert_true(base64_encode(dg, 32, want, sizeof(want)) > 0);
	assert_string_equal(bh, want);
	buf_free(&out);
	buf_free(&msg);
	buf_free(&canon);
}

static void
test_signed_headers(void **state)
{
	struct buf	out;
	char		h[512], v[64];

	sign(0, "Received: from a by b\r\n"
	    "Return-Path: <x@example.test>\r\n"
	    "DKIM-Signature: v=1; old\r\n"
	    "To: one@example.test\r\n"
	    "From: a@example.test\r\n"
	    "X-Mailer: none\r\n"
	    "to: two@example.test\r\n"
	    "Subject: hi\r\n"
	    "Message-ID: <1@example.test>\r\n"
	    "List-Unsubscribe: <mailto:u@example.test>\r\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	    "\r\nbody\r\n", &out);
	tag_value(buf_str(&out), "h", h, sizeof(h));
	assert_string_equal(h, "from:from:subject:to:to:message-id:"
	    "list-unsubscribe:list-unsubscribe-post");
	assert_int_equal(strncmp(buf_str(&out), "DKIM-Signature: v=1; ", 21),
	    0);
	tag_value(buf_str(&out), "a", v, sizeof(v));
	assert_string_equal(v, "rsa-sha256");
	tag_value(buf_str(&out), "c", v, sizeof(v));
	assert_string_equal(v, "relaxed/relaxed");
	tag_value(buf_str(&out), "d", v, sizeof(v));
	assert_string_equal(v, "example.test");
	tag_value(buf_str(&out), "s", v, sizeof(v));
	assert_string_equal(v, "sel");
	tag_value(buf_str(&out), "t", v, sizeof(v));
	assert_string_equal(v, "1700000000");
	assert_null(strstr(buf_str(&out), "received"));
	buf_free(&out);
}

/* Every line at most 78 characters, continuation lines start with WSP. */
static void
assert_folded(const char *sig)
{
	const char	*p = sig, *nl;
	int		 first = 1;

	assert_true(strlen(sig) > 2);
	assert_string_equal(sig + strlen(sig) - 2, "\r\n");
	while (*p != '\0') {
		nl = strstr(p, "\r\n");
		assert_non_null(nl);
		assert_true(nl - p <= DKIM_LINE_MAX);
		assert_true(first || *p == '\t' || *p == ' ');
		assert_null(memchr(p, '\n', (size_t)(nl - p)));
		first = 0;
		p = nl + 2;
	}
}

static void
test_fold_width(void **state)
{
	struct buf	out, msg;
	int		k, i;

	for (k = 0; k < 2; k++) {
		buf_init(&msg, 64 * 1024);
		for (i = 0; i < 30; i++)
			assert_int_equal(buf_appendf(&msg, "To: r%d@example."
			    "test\r\nCc: c%d@example.test\r\n", i, i), 0);
		assert_int_equal(buf_appends(&msg, "From: a@example.test\r\n"
		    "Subject: a very long subject line that goes on and on "
		    "\r\n and is folded\r\n\r\nbody\r\n"), 0);
		sign(k, buf_str(&msg), &out);
		assert_folded(buf_str(&out));
		buf_free(&out);
		buf_free(&msg);
	}
}

static void
test_failures(void **state)
{
	struct dkim_signer	*s;
	struct buf		 out;
	char			 err[256];

	buf_init(&out, 4096);
	s = signer(0);
	err[0] = '\0';
	assert_int_equal(dkim_sign(s, S("To: a@example.test\r\n\r\nx\r\n"),
	    0, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "From"));
	assert_int_equal(out.len, 0);
	/* a From in the body is no From */
	assert_int_equal(dkim_sign(s, S("To: a\r\n\r\nFrom: b\r\n"), 0, &out,
	    err, sizeof(err)), -1);
	assert_int_equal(dkim_sign(s, S(""), 0, &out, err, sizeof(err)), -1);
	dkim_signer_free(s);

	err[0] = '\0';
	assert_null(dkim_signer_new("example.test", "sel", "rsa-sha256",
	    "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
	    err, sizeof(err)));
	assert_true(err[0] != '\0');
	err[0] = '\0';
	assert_null(dkim_signer_new("example.test", "sel", "rsa-sha256", "",
	    err, sizeof(err)));
	assert_true(err[0] != '\0');
	/* key of the wrong type */
	assert_null(dkim_signer_new("example.test", "sel", "rsa-sha256",
	    buf_str(&keys[1].pem), err, sizeof(err)));
	assert_null(dkim_signer_new("example.test", "sel", "ed25519-sha256",
	    buf_str(&keys[0].pem), err, sizeof(err)));
	assert_null(dkim_signer_new("example.test", "sel", "rsa-sha1",
	    buf_str(&keys[0].pem), err, sizeof(err)));
	/* nothing that could end a tag */
	assert_null(dkim_signer_new("example.test; x=y", "sel", "rsa-sha256",
	    buf_str(&keys[0].pem), err, sizeof(err)));
	assert_null(dkim_signer_new("example.test", "s;l", "rsa-sha256",
	    buf_str(&keys[0].pem), err, sizeof(err)));
	assert_null(dkim_signer_new("example.test", "", "rsa-sha256",
	    buf_str(&keys[0].pem), err, sizeof(err)));
	buf_free(&out);
}

static void
test_keygen(void **state)
{
	struct buf	pem, pub, txt;
	char		err[256];

	buf_init(&pem, 16384);
	buf_init(&pub, 16384);
	assert_int_equal(dkim_keygen("rsa-sha256", 512, &pem, &pub, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "1024"));
	assert_int_equal(dkim_keygen("rsa-sha256", 8192, &pem, &pub, err,
	    sizeof(err)), -1);
	assert_int_equal(dkim_keygen("dsa", 0, &pem, &pub, err, sizeof(err)),
	    -1);
	assert_int_equal(pem.len + pub.len, 0);
	assert_int_equal(dkim_keygen("rsa-sha256", 1024, &pem, &pub, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(buf_str(&pem), "BEGIN PRIVATE KEY"));
	assert_true(pub.len > 200);
	/* the stored keys: 2048-bit RSA by default, raw 32-byte Ed25519 */
	assert_true(keys[0].pub.len > 350 && keys[0].pub.len < 420);
	assert_int_equal(keys[1].pub.len, 44);

	buf_init(&txt, 4096);
	assert_int_equal(dkim_txt_record("ed25519-sha256", "AAAA", &txt), 0);
	assert_string_equal(buf_str(&txt), "v=DKIM1; k=ed25519; p=AAAA");
	buf_reset(&txt);
	assert_int_equal(dkim_txt_record("rsa-sha256", "QUJD", &txt), 0);
	assert_string_equal(buf_str(&txt), "v=DKIM1; k=rsa; p=QUJD");
	assert_int_equal(dkim_txt_record("rsa-sha256", "a; b", &txt), -1);
	assert_int_equal(dkim_txt_record("nope", "QUJD", &txt), -1);
	buf_free(&txt);
	buf_free(&pem);
	buf_free(&pub);
}

/* A traditional ("BEGIN RSA PRIVATE KEY") PEM is accepted too. */
static void
test_traditional_pem(void **state)
{
	struct dkim_signer	*s;
	EVP_PKEY		*k;
	BIO			*in, *out;
	char			*data, err[256];
	long			 n;

	in = BIO_new_mem_buf(keys[0].pem.data, (int)keys[0].pem.len);
	assert_non_null(k = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL));
	out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(out, k, NULL,
	    NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(out, &data);
	data[n - 1] = '\0';	/* replaces the last newline */
	assert_non_null(strstr(data, "BEGIN RSA PRIVATE KEY"));
	s = dkim_signer_new("example.test", "sel", "rsa-sha256", data, err,
	    sizeof(err));
	assert_non_null(s);
	dkim_signer_free(s);
	BIO_free(in);
	BIO_free(out);
	EVP_PKEY_free(k);
}

/* The public key from the p= value, as a verifier would build it. */
static EVP_PKEY *
public_key(int k)
{
	unsigned char		 der[1024];
	const unsigned char	*p = der;
	long			 n;

	n = base64_decode(keys[k].pub.data, keys[k].pub.len, der, sizeof(der));
	assert_true(n > 0);
	if (k == 0)
		return d2i_PUBKEY(NULL, &p, n);
	assert_int_equal(n, 32);
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
}

/*
 * Verify as RFC 6376 §6.1.3 says, from the fields of the message: each
 * name of h= takes the next instance from the bottom, a name with none
 * left adds nothing, then the signature field with b= emptied.
 */
static int
verify(int k, const char *const *fields, size_t nfields, const char *sig)
{
	struct buf	 data;
	EVP_PKEY	*key = public_key(k);
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 bin[1024], dg[32];
	char		 h[1024], b[2048], *name, *save, *cut;
	int		 used[32] = { 0 }, ok;
	size_t		 i, nl;
	long		 n;

	assert_non_null(key);
	buf_init(&data, 1024 * 1024);
	tag_value(sig, "h", h, sizeof(h));
	for (name = strtok_r(h, ":", &save); name != NULL;
	    name = strtok_r(NULL, ":", &save))
		for (i = nfields; i-- > 0;) {
			nl = strcspn(fields[i], ":");
			if (used[i] || strlen(name) != nl ||
			    strncasecmp(fields[i], name, nl) != 0)
				continue;
			used[i] = 1;
			assert_int_equal(dkim_canon_header(fields[i],
			    strlen(fields[i]), &data), 0);
			break;
		}
	tag_value(sig, "b", b, sizeof(b));
	cut = strchr(strstr(sig, "bh="), ';');	/* b= is the tag after */
	assert_non_null(cut = strstr(cut, "b="));
	assert_int_equal(dkim_canon_header(sig, (size_t)(cut + 2 - sig),
	    &data), 0);
	data.len -= 2;		/* the signature field has no CRLF, §3.7 */
	n = base64_decode(b, strlen(b), bin, sizeof(bin));
	assert_true(n > 0);
	if (k == 0)
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
		    key) == 1 && EVP_DigestVerify(ctx, bin, (size_t)n,
		    (unsigned char *)data.data, data.len) == 1;
	else {
		SHA256((unsigned char *)data.data, data.len, dg);
		ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
		    EVP_DigestVerify(ctx, bin, (size_t)n, dg, 32) == 1;
	}
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	buf_free(&data);
	return ok;
}

static void
test_round_trip(void **state)
{
	static const char *const fields[] = {
		"Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n",
		"From: Alice <alice@example.test>\r\n",
		"To: bob@example.test,\r\n  carol@example.test\r\n",
		"Subject:   Lunch  \t today?\r\n",
		"To: dave@example.test\r\n",
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n",
	};
	const char	*tampered[6];
	struct buf	 msg, out;
	size_t		 i;
	int		 k;

	for (k = 0; k < 2; k++) {
		buf_init(&msg, 64 * 1024);
		for (i = 0; i < 6; i++)
			assert_int_equal(buf_appends(&msg, fields[i]), 0);
		assert_int_equal(buf_appends(&msg, "\r\nSee you.\r\n"), 0);
		sign(k, buf_str(&msg), &out);
		assert_true(verify(k, fields, 6, buf_str(&out)));
		/* re-folding in transit does not matter; edits do */
		memcpy(tampered, fields, sizeof(tampered));
		tampered[3] = "subject: Lunch\r\n today?\r\n";
		assert_true(verify(k, tampered, 6, buf_str(&out)));
		tampered[3] = "Subject: Lunch tomorrow?\r\n";
		assert_false(verify(k, tampered, 6, buf_str(&out)));
		/* swapping the two To fields changes the bottom-up order */
		memcpy(tampered, fields, sizeof(tampered));
		tampered[2] = fields[4];
		tampered[4] = fields[2];
		assert_false(verify(k, tampered, 6, buf_str(&out)));
		buf_free(&out);
		buf_free(&msg);
	}
}

/* Ed25519 signatures are deterministic (RFC 8032), so signing is too. */
static void
test_deterministic(void **state)
{
	struct buf	a, b;

	sign(1, "From: a@example.test\r\n\r\nx\r\n", &a);
	sign(1, "From: a@example.test\r\n\r\nx\r\n", &b);
	assert_string_equal(buf_str(&a), buf_str(&b));
	buf_free(&a);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_header),
		cmocka_unit_test(test_canon_body),
		cmocka_unit_test(test_body_hash),
		cmocka_unit_test(test_body_hash_large),
		cmocka_unit_test(test_signed_headers),
		cmocka_unit_test(test_fold_width),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_keygen),
		cmocka_unit_test(test_traditional_pem),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
