/*
 * tls: OpenSSL server contexts and certificate set-up.  Certificates live
 * in DATADIR/certs/NAME/{fullchain.pem,privkey.pem}, the layout certbot
 * uses.  Every pair found is loaded at start; the DNS names in each
 * certificate (subjectAltName, else CN) select it by SNI, and the pair in
 * certs/HOSTNAME is the default.  TLS 1.2 and 1.3 only, forward-secret
 * AEAD ciphers only.  Loading happens in the privileged parent before the
 * network process drops privileges, so the key files can stay root-only;
 * on a reload (SIGHUP) the parent, still root, reads the files again and
 * hands their text to the network process, which builds the contexts.
 */
#ifndef POSTERN_TLS_H
#define POSTERN_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#define TLS_PEM_MAX	8192	/* bytes of a fullchain.pem or privkey.pem
				   a reload carries */

/*
 * Load every certificate into the current SNI table.  The default
 * context (certs/HOSTNAME, else the first loaded) with a reference of
 * the caller's own, or NULL + err.
 */
SSL_CTX	*tls_server_init(const char *datadir, const char *hostname,
	    char *err, size_t errsz);

/*
 * Reload, first half (the privileged parent, which may read the keys):
 * fn(arg, dirname, chain PEM, key PEM) for each DATADIR/certs/NAME whose
 * two files are readable and under TLS_PEM_MAX.  The number of pairs,
 * or -1 if certs/ is unreadable.
 */
int	 tls_read_pairs(const char *datadir,
	    void (*fn)(void *, const char *, const char *, const char *),
	    void *arg);

/*
 * Reload, second half (the smtp process): add a pair to the table being
 * built (0, or -1 + err); then commit, which makes that table current
 * and drops the old one's references (open sessions keep theirs).  The
 * commit returns the new default with a reference for the caller and
 * the number of names in *nnames, or NULL (nothing loaded: the current
 * table stays).
 */
int	 tls_reload_add(const char *dirname, const char *chain,
	    const char *key, const char *hostname, char *err, size_t errsz);
SSL_CTX	*tls_reload_commit(size_t *nnames);

/*
 * Create a self-signed ECDSA P-256 certificate for hostname in dir
 * (fullchain.pem 0644, privkey.pem 0600).  0 or -1 + err.
 */
int	 tls_selfsigned(const char *dir, const char *hostname, char *err,
	    size_t errsz);

/*
 * For each certificate directory under DATADIR/certs with a readable
 * fullchain.pem: fn(arg, dirname, name) for each DNS name it carries
 * (subjectAltName, else CN).  What Dovecot's per-name (SNI) sections are
 * made of.  Returns the number of directories, or -1 if certs/ is
 * unreadable.
 */
int	 tls_cert_names(const char *datadir,
	    void (*fn)(void *, const char *, const char *), void *arg);

/* "TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256" for logs/headers. */
void	 tls_describe(const SSL *, char *out, size_t outsz);

#endif
