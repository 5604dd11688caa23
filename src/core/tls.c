/*
 * tls: see tls.h.  Two SNI tables: the current one, which the SNI
 * callback reads, and the one a reload fills.  A reload builds every
 * context into the other table, then flips the two and drops the old
 * table's references: a session holds its own reference to the context
 * it was made with (SSL_new, SSL_set_SSL_CTX), so an open session keeps
 * its certificate and the old context is freed with the last of them.
 * A name may be claimed by several certificates; the first loaded wins
 * and later ones are logged.  One thread only (the smtp event loop).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/metrics.h"
#include "core/tls.h"
#include "lib/log.h"
#include "lib/util.h"

#define TLS_NAMES_MAX	256

struct tls_name {
	char	 name[256];
	SSL_CTX	*ctx;
};

/* A table owns one reference to each context in ctxs[]. */
struct tls_table {
	struct tls_name	 names[TLS_NAMES_MAX];
	size_t		 nnames;
	SSL_CTX		*ctxs[TLS_NAMES_MAX];
	size_t		 nctxs;
	SSL_CTX		*def;		/* certs/HOSTNAME, else the first */
};

static struct tls_table	tls_tables[2];
static int		tls_cur;	/* the table the callback reads */

static SSL_CTX	*tls_ctx_base(char *, size_t);
static SSL_CTX	*tls_ctx_new(const char *, char *, size_t);
static int	 tls_table_add(struct tls_table *, SSL_CTX *, const char *,
		    const char *);
static void	 tls_table_clear(struct tls_table *);
static void	 tls_table_expiry(const struct tls_table *);
static void	 tls_index(struct tls_table *, SSL_CTX *, const char *);
static void	 tls_add_name(struct tls_table *, const char *, SSL_CTX *);
static int	 tls_sni_cb(SSL *, int *, void *);
static SSL_CTX	*tls_lookup(const struct tls_table *, const char *);
static void	 tls_errstr(char *, size_t, const char *);
static void	 tls_each_name(X509 *, void (*)(void *, const char *), void *);
static void	 tls_index_name(void *, const char *);
static void	 tls_cert_name(void *, const char *);

static void
tls_errstr(char *err, size_t errsz, const char *what)
{
	char	buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	snprintf(err, errsz, "%s: %s", what, buf);
	ERR_clear_error();
}

/* A server context with postern's settings and no certificate yet. */
static SSL_CTX *
tls_ctx_base(char *err, size_t errsz)
{
	static const unsigned char sid_ctx[] = "postern";
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_errstr(err, errsz, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* idle sessions keep no read/write buffers: memory per session */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_num_tickets(ctx, 1);
	if (SSL_CTX_set_cipher_list(ctx,
	    "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") != 1) {
		tls_errstr(err, errsz, "cipher list");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, tls_sni_cb);
	return ctx;
}

static SSL_CTX *
tls_ctx_new(const char *dir, char *err, size_t errsz)
{
	char	 chain[PATH_MAX], key[PATH_MAX];
	SSL_CTX	*ctx;

	if (util_snprintf(chain, sizeof(chain), "%s/fullchain.pem", dir) ==
	    -1 || util_snprintf(key, sizeof(key), "%s/privkey.pem", dir) == -1) {
		snprintf(err, errsz, "%s: path too long", dir);
		return NULL;
	}
	if ((ctx = tls_ctx_base(err, errsz)) == NULL)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, chain) != 1) {
		tls_errstr(err, errsz, chain);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_errstr(err, errsz, key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_errstr(err, errsz, key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void
tls_add_name(struct tls_table *t, const char *name, SSL_CTX *ctx)
{
	if (tls_lookup(t, name) != NULL) {
		log_debug("tls: %s already served by another certificate",
		    name);
		return;
	}
	if (t->nnames == TLS_NAMES_MAX) {
		log_warnx("tls: more than %d names, %s ignored",
		    TLS_NAMES_MAX, name);
		return;
	}
	if (util_strlcpy(t->names[t->nnames].name, name,
	    sizeof(t->names[0].name)) == -1)
		return;
	util_lower(t->names[t->nnames].name);
	t->names[t->nnames++].ctx = ctx;
}

/* fn(arg, name) for each DNS subjectAltName of x, else for its CN. */
static void
tls_each_name(X509 *x, void (*fn)(void *, const char *), void *arg)
{
	GENERAL_NAMES		*sans;
	const GENERAL_NAME	*gn;
	const ASN1_IA5STRING	*s;
	char			 cn[256];
	int			 i, n = 0;

	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type != GEN_DNS)
			continue;
		s = gn->d.dNSName;
		if (s->length <= 0 || s->length >= (int)sizeof(cn) ||
		    memchr(s->data, '\0', (size_t)s->length) != NULL)
			continue;
		memcpy(cn, s->data, (size_t)s->length);
		cn[s->length] = '\0';
		fn(arg, cn);
		n++;
	}
	GENERAL_NAMES_free(sans);
	if (n == 0 && X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof(cn)) > 0)
		fn(arg, cn);
}

struct tls_index_arg {
	struct tls_table	*t;
	SSL_CTX			*ctx;
};

static void
tls_index_name(void *arg, const char *name)
{
	struct tls_index_arg	*a = arg;

	tls_add_name(a->t, name, a->ctx);
}

static void
tls_index(struct tls_table *t, SSL_CTX *ctx, const char *dirname)
{
	struct tls_index_arg	a = { t, ctx };

	tls_each_name(SSL_CTX_get0_certificate(ctx), tls_index_name, &a);
	tls_add_name(t, dirname, ctx);
}

/*
 * Take ownership of ctx, loaded from certs/DIRNAME, into t.  0, or -1
 * (table full: ctx freed).
 */
static int
tls_table_add(struct tls_table *t, SSL_CTX *ctx, const char *dirname,
    const char *hostname)
{
	if (t->nctxs == TLS_NAMES_MAX) {
		log_warnx("tls: more than %d certificates, %s ignored",
		    TLS_NAMES_MAX, dirname);
		SSL_CTX_free(ctx);
		return -1;
	}
	t->ctxs[t->nctxs++] = ctx;
	tls_index(t, ctx, dirname);
	if (t->def == NULL || strcasecmp(dirname, hostname) == 0)
		t->def = ctx;
	return 0;
}

/*
 * The soonest notAfter of the table's certificates goes to the metrics
 * page (postern_tls_certificate_expiry_timestamp_seconds, the console's
 * overview); nothing when there is no page.
 */
static void
tls_table_expiry(const struct tls_table *t)
{
	struct tm	 tm;
	X509		*x;
	int64_t		 soonest = 0, when;
	size_t		 i;

	for (i = 0; i < t->nctxs; i++) {
		if ((x = SSL_CTX_get0_certificate(t->ctxs[i])) == NULL ||
		    ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
			continue;
		when = (int64_t)timegm(&tm);
		if (soonest == 0 || when < soonest)
			soonest = when;
	}
	metrics_cert_expiry(soonest);
}

static void
tls_table_clear(struct tls_table *t)
{
	size_t	i;

	for (i = 0; i < t->nctxs; i++)
		SSL_CTX_free(t->ctxs[i]);
	memset(t, 0, sizeof(*t));
}

static SSL_CTX *
tls_lookup(const struct tls_table *t, const char *name)
{
	const char	*dot;
	size_t		 i;

	for (i = 0; i < t->nnames; i++)
		if (strcasecmp(t->names[i].name, name) == 0)
			return t->names[i].ctx;
	/* one-label wildcard, RFC 6125 §6.4.3 */
	if ((dot = strchr(name, '.')) == NULL)
		return NULL;
	for (i = 0; i < t->nnames; i++)
		if (t->names[i].name[0] == '*' &&
		    t->names[i].name[1] == '.' &&
		    strcasecmp(t->names[i].name + 1, dot) == 0)
			return t->names[i].ctx;
	return NULL;
}

static int
tls_sni_cb(SSL *ssl, int *alert, void *arg)
{
	const char	*name;
	SSL_CTX		*ctx;

	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL || (ctx = tls_lookup(&tls_tables[tls_cur],
	    name)) == NULL)
		return SSL_TLSEXT_ERR_OK;	/* keep the default */
	if (ctx != SSL_get_SSL_CTX(ssl))
		SSL_set_SSL_CTX(ssl, ctx);
	return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *
tls_server_init(const char *datadir, const char *hostname, char *err,
    size_t errsz)
{
	struct tls_table	*t = &tls_tables[tls_cur];
	char			 certs[PATH_MAX], dir[PATH_MAX];
	DIR			*d;
	struct dirent		*de;
	SSL_CTX			*ctx;

	if (util_snprintf(certs, sizeof(certs), "%s/certs", datadir) == -1 ||
	    (d = opendir(certs)) == NULL) {
		snprintf(err, errsz, "%s: cannot read certificate directory",
		    certs);
		return NULL;
	}
	tls_table_clear(t);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    util_snprintf(dir, sizeof(dir), "%s/%s", certs,
		    de->d_name) == -1)
			continue;
		if ((ctx = tls_ctx_new(dir, err, errsz)) == NULL) {
			log_warnx("tls: skipping %s: %s", dir, err);
			continue;
		}
		if (tls_table_add(t, ctx, de->d_name, hostname) == 0)
			log_info("tls: loaded certificate %s", dir);
	}
	closedir(d);
	if (t->def == NULL) {
		snprintf(err, errsz, "%s: no usable certificate "
		    "(expected %s/%s/fullchain.pem and privkey.pem)", certs,
		    certs, hostname);
		return NULL;
	}
	tls_table_expiry(t);
	SSL_CTX_up_ref(t->def);
	return t->def;
}

/* Read at most bufsz - 1 bytes of DIR/NAME into buf.  0 or -1. */
static int
tls_slurp(const char *dir, const char *name, char *buf, size_t bufsz)
{
	char	path[PATH_MAX];
	ssize_t	n;
	size_t	len = 0;
	int	fd;

	if (util_snprintf(path, sizeof(path), "%s/%s", dir, name) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len + 1 < bufsz && (n = read(fd, buf + len,
	    bufsz - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	/* full: too large; a NUL inside: not PEM */
	if (len + 1 >= bufsz || strlen(buf) != len) {
		errno = EFBIG;
		return -1;
	}
	return 0;
}

int
tls_read_pairs(const char *datadir,
    void (*fn)(void *, const char *, const char *, const char *), void *arg)
{
	static char	 chain[TLS_PEM_MAX], key[TLS_PEM_MAX];
	char		 certs[PATH_MAX], dir[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if (util_snprintf(certs, sizeof(certs), "%s/certs", datadir) == -1 ||
	    (d = opendir(certs)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    util_snprintf(dir, sizeof(dir), "%s/%s", certs,
		    de->d_name) == -1)
			continue;
		if (tls_slurp(dir, "fullchain.pem", chain, sizeof(chain)) ==
		    -1 || tls_slurp(dir, "privkey.pem", key, sizeof(key)) ==
		    -1) {
			log_warn("tls: reload: skipping %s", dir);
			continue;
		}
		fn(arg, de->d_name, chain, key);
		n++;
	}
	explicit_bzero(key, sizeof(key));
	closedir(d);
	return n;
}

/* A context from PEM text: the first certificate, then its chain. */
static SSL_CTX *
tls_ctx_mem(const char *chain, const char *key, char *err, size_t errsz)
{
	SSL_CTX		*ctx;
	BIO		*b = NULL;
	X509		*x = NULL;
	EVP_PKEY	*pk = NULL;

	if ((ctx = tls_ctx_base(err, errsz)) == NULL)
		return NULL;
	if ((b = BIO_new_mem_buf(chain, -1)) == NULL ||
	    (x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1)
		goto fail;
	X509_free(x);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1)
			goto fail;
	ERR_clear_error();	/* the end of the chain */
	BIO_free(b);
	if ((b = BIO_new_mem_buf(key, -1)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(ctx, pk) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	EVP_PKEY_free(pk);
	BIO_free(b);
	return ctx;
fail:
	tls_errstr(err, errsz, "certificate or key");
	X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(b);
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_reload_add(const char *dirname, const char *chain, const char *key,
    const char *hostname, char *err, size_t errsz)
{
	SSL_CTX	*ctx;

	if ((ctx = tls_ctx_mem(chain, key, err, errsz)) == NULL)
		return -1;
	return tls_table_add(&tls_tables[!tls_cur], ctx, dirname, hostname);
}

SSL_CTX *
tls_reload_commit(size_t *nnames)
{
	struct tls_table	*t = &tls_tables[!tls_cur];

	*nnames = t->nnames;
	if (t->def == NULL) {
		tls_table_clear(t);
		return NULL;
	}
	tls_cur = !tls_cur;
	tls_table_clear(&tls_tables[!tls_cur]);
	tls_table_expiry(t);
	SSL_CTX_up_ref(t->def);
	return t->def;
}

int
tls_selfsigned(const char *dir, const char *hostname, char *err,
    size_t errsz)
{
	EVP_PKEY	*pkey = NULL;
	X509		*x = NULL;
	X509_EXTENSION	*ext = NULL;
	X509V3_CTX	 v3;
	FILE		*f = NULL;
	char		 path[PATH_MAX], san[512];
	int		 fd, rc = -1;

	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL) {
		tls_errstr(err, errsz, "key generation");
		goto done;
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x),
	    (long)(util_random_u64() & 0x7fffffff));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)hostname, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, pkey);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	/*
	 * The loopback names too: the listeners init writes are on
	 * 127.0.0.1, and a client that verifies (swaks --tls-verify,
	 * curl, smtplib with a context) checks the address it dialled.
	 */
	snprintf(san, sizeof(san), "DNS:%s%s,IP:127.0.0.1,IP:::1", hostname,
	    strcasecmp(hostname, "localhost") != 0 ? ",DNS:localhost" : "");
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    san)) == NULL || X509_add_ext(x, ext, -1) != 1 ||
	    X509_sign(x, pkey, EVP_sha256()) == 0) {
		tls_errstr(err, errsz, "certificate");
		goto done;
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto done;
	}
	snprintf(path, sizeof(path), "%s/privkey.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL ||
	    PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errsz, "%s: cannot write", path);
		goto done;
	}
	fclose(f);
	f = NULL;
	snprintf(path, sizeof(path), "%s/fullchain.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1 || (f = fdopen(fd, "w")) == NULL ||
	    PEM_write_X509(f, x) != 1 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		snprintf(err, errsz, "%s: cannot write", path);
		goto done;
	}
	rc = util_fsync_dir(dir) == -1 ? -1 : 0;
	if (rc == -1)
		snprintf(err, errsz, "%s: fsync: %s", dir, strerror(errno));
done:
	if (f)
		fclose(f);
	X509_EXTENSION_free(ext);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

void
tls_describe(const SSL *ssl, char *out, size_t outsz)
{
	int	bits = SSL_get_cipher_bits(ssl, NULL);

	snprintf(out, outsz, "%s cipher=%s bits=%d", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl), bits);
}

struct tls_names_ctx {
	void		(*fn)(void *, const char *, const char *);
	void		*arg;
	const char	*dirname;
};

static void
tls_cert_name(void *arg, const char *name)
{
	struct tls_names_ctx	*c = arg;

	c->fn(c->arg, c->dirname, name);
}

int
tls_cert_names(const char *datadir,
    void (*fn)(void *, const char *, const char *), void *arg)
{
	struct tls_names_ctx	 c = { fn, arg, NULL };
	DIR			*d;
	struct dirent		*de;
	FILE			*f;
	X509			*x;
	char			 path[PATH_MAX];
	int			 ndirs = 0;

	if (util_snprintf(path, sizeof(path), "%s/certs", datadir) == -1 ||
	    (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || util_snprintf(path, sizeof(path),
		    "%s/certs/%s/fullchain.pem", datadir, de->d_name) == -1 ||
		    (f = fopen(path, "re")) == NULL)
			continue;
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		if (x == NULL)
			continue;
		ndirs++;
		c.dirname = de->d_name;
		tls_each_name(x, tls_cert_name, &c);
		X509_free(x);
	}
	closedir(d);
	return ndirs;
}
