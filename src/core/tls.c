/*
 * tls: see tls.h.  The SNI table is filled once, before any session
 * exists, and only read afterwards.  A name may be claimed by several
 * certificates; the first loaded wins and later ones are logged.
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
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/tls.h"
#include "lib/log.h"
#include "lib/util.h"

#define TLS_NAMES_MAX	256

struct tls_name {
	char	 name[256];
	SSL_CTX	*ctx;
};

static struct tls_name	tls_names[TLS_NAMES_MAX];
static size_t		tls_nnames;

static SSL_CTX	*tls_ctx_new(const char *, char *, size_t);
static void	 tls_index(SSL_CTX *, const char *);
static void	 tls_add_name(const char *, SSL_CTX *);
static int	 tls_sni_cb(SSL *, int *, void *);
static SSL_CTX	*tls_lookup(const char *);
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

static SSL_CTX *
tls_ctx_new(const char *dir, char *err, size_t errsz)
{
	static const unsigned char sid_ctx[] = "postern";
	char	 chain[PATH_MAX], key[PATH_MAX];
	SSL_CTX	*ctx;

	if (util_snprintf(chain, sizeof(chain), "%s/fullchain.pem", dir) ==
	    -1 || util_snprintf(key, sizeof(key), "%s/privkey.pem", dir) == -1) {
		snprintf(err, errsz, "%s: path too long", dir);
		return NULL;
	}
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
		goto fail;
	}
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
tls_add_name(const char *name, SSL_CTX *ctx)
{
	if (tls_lookup(name) != NULL) {
		log_debug("tls: %s already served by another certificate",
		    name);
		return;
	}
	if (tls_nnames == TLS_NAMES_MAX) {
		log_warnx("tls: more than %d names, %s ignored",
		    TLS_NAMES_MAX, name);
		return;
	}
	if (util_strlcpy(tls_names[tls_nnames].name, name,
	    sizeof(tls_names[0].name)) == -1)
		return;
	util_lower(tls_names[tls_nnames].name);
	tls_names[tls_nnames++].ctx = ctx;
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

static void
tls_index_name(void *ctx, const char *name)
{
	tls_add_name(name, ctx);
}

static void
tls_index(SSL_CTX *ctx, const char *dirname)
{
	tls_each_name(SSL_CTX_get0_certificate(ctx), tls_index_name, ctx);
	tls_add_name(dirname, ctx);
}

static SSL_CTX *
tls_lookup(const char *name)
{
	const char	*dot;
	size_t		 i;

	for (i = 0; i < tls_nnames; i++)
		if (strcasecmp(tls_names[i].name, name) == 0)
			return tls_names[i].ctx;
	/* one-label wildcard, RFC 6125 §6.4.3 */
	if ((dot = strchr(name, '.')) == NULL)
		return NULL;
	for (i = 0; i < tls_nnames; i++)
		if (tls_names[i].name[0] == '*' &&
		    tls_names[i].name[1] == '.' &&
		    strcasecmp(tls_names[i].name + 1, dot) == 0)
			return tls_names[i].ctx;
	return NULL;
}

static int
tls_sni_cb(SSL *ssl, int *alert, void *arg)
{
	const char	*name;
	SSL_CTX		*ctx;

	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL || (ctx = tls_lookup(name)) == NULL)
		return SSL_TLSEXT_ERR_OK;	/* keep the default */
	if (ctx != SSL_get_SSL_CTX(ssl))
		SSL_set_SSL_CTX(ssl, ctx);
	return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *
tls_server_init(const char *datadir, const char *hostname, char *err,
    size_t errsz)
{
	char		 certs[PATH_MAX], dir[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	SSL_CTX		*ctx, *def = NULL, *first = NULL;

	if (util_snprintf(certs, sizeof(certs), "%s/certs", datadir) == -1 ||
	    (d = opendir(certs)) == NULL) {
		snprintf(err, errsz, "%s: cannot read certificate directory",
		    certs);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    util_snprintf(dir, sizeof(dir), "%s/%s", certs,
		    de->d_name) == -1)
			continue;
		if ((ctx = tls_ctx_new(dir, err, errsz)) == NULL) {
			log_warnx("tls: skipping %s: %s", dir, err);
			continue;
		}
		SSL_CTX_set_tlsext_servername_callback(ctx, tls_sni_cb);
		tls_index(ctx, de->d_name);
		if (first == NULL)
			first = ctx;
		if (strcasecmp(de->d_name, hostname) == 0)
			def = ctx;
		log_info("tls: loaded certificate %s", dir);
	}
	closedir(d);
	if (def == NULL)
		def = first;
	if (def == NULL)
		snprintf(err, errsz, "%s: no usable certificate "
		    "(expected %s/%s/fullchain.pem and privkey.pem)", certs,
		    certs, hostname);
	return def;
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
