/*
 * osmtpd_shim.c: an LD_PRELOAD shim for Debian 12's OpenSMTPD 6.8.0p2 in
 * the bench: it completes TLS handshakes with OpenSSL 3 (below), and raises
 * the listen backlog (at the end).  Benchmark use only
 * (bench/peers.sh, bench/PEERS.md); postern never loads it.
 *
 * The bug.  OpenSMTPD keeps the private key in its "ca" process.  The
 * network process ("pony") gives OpenSSL a fake private key: the
 * certificate's public key, whose RSA or EC_KEY it tags with the pki name
 * (ex_data index 0, ssl_load_pkey() in ssl.c).  Its privsep engine
 * (ca.c) sees the tag when OpenSSL signs and forwards the digest to the
 * ca process over imsg.  With OpenSSL 1.1 the EVP_PKEY held that very
 * RSA/EC_KEY.  With OpenSSL 3, X509_get_pubkey() returns a provider key:
 * EVP_PKEY_get1_EC_KEY() hands out a separate legacy copy, smtpd tags the
 * copy, and the handshake signs with the provider's own, untagged key.
 * The engine's sign hook still runs (the provider's EC_KEY was made with
 * the default engine's method) but finds no tag, falls back to a local
 * signature and fails: "elliptic curve routines::missing private key",
 * then "SSL routines::EVP lib" and smtpd logs the session as io-error.
 * The ca process is never asked.
 *
 * The fix.  SSL_CTX_use_PrivateKey() is wrapped: if the key is a provider
 * key whose legacy RSA/EC_KEY carries the tag, a new legacy EVP_PKEY is
 * built around that tagged object and passed on instead.  The tagged key
 * has the privsep engine's method, so OpenSSL treats it as foreign and
 * signs through the legacy path: the sign hook sees the tag and asks the
 * ca process, as with OpenSSL 1.1.  Every other key (a real private key,
 * an untagged key) goes through unchanged.
 *
 * Failure: if the wrapping fails the original key is used, so the
 * behaviour is no worse than without the shim (the handshake fails).
 *
 * Second, separate change: listen() backlog.  smtpd 6.8 listens with a
 * backlog of 5 (SMTPD_BACKLOG in smtpd.h).  When the bench opens 64
 * connections at once, the kernel's accept queue overflows, it answers
 * with SYN cookies and drops the client's ACK; the client believes it is
 * connected and waits for a banner that never comes, because the server
 * never learned of the connection (TcpExtListenOverflows counts them).
 * Such sessions stall until the load generator's timeout and measure the
 * accept queue, not the mail queue.  The shim raises any listen()
 * backlog below OSMTPD_SHIM_BACKLOG (default 4096, as the socket
 * peers.sh makes for chasquid) to it; OSMTPD_SHIM_BACKLOG=0 leaves
 * smtpd's own value, to see the stock behaviour.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#define SHIM_BACKLOG	4096

int	SSL_CTX_use_PrivateKey(SSL_CTX *, EVP_PKEY *);
int	listen(int, int);

static EVP_PKEY	*tagged_legacy_key(EVP_PKEY *);

static EVP_PKEY *
tagged_legacy_key(EVP_PKEY *pkey)
{
	EVP_PKEY	*legacy;
	EC_KEY		*ec;
	RSA		*rsa;
	int		 ok = 0;

	if (EVP_PKEY_get0_provider(pkey) == NULL)
		return NULL;		/* already legacy: nothing to fix */
	if ((legacy = EVP_PKEY_new()) == NULL)
		return NULL;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		ec = (EC_KEY *)EVP_PKEY_get0_EC_KEY(pkey);
		if (ec != NULL && EC_KEY_get_ex_data(ec, 0) != NULL)
			ok = EVP_PKEY_set1_EC_KEY(legacy, ec);
		break;
	case EVP_PKEY_RSA:
		rsa = (RSA *)EVP_PKEY_get0_RSA(pkey);
		if (rsa != NULL && RSA_get_ex_data(rsa, 0) != NULL)
			ok = EVP_PKEY_set1_RSA(legacy, rsa);
		break;
	}
	if (ok != 1) {
		EVP_PKEY_free(legacy);
		return NULL;
	}
	return legacy;
}

int
SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey)
{
	static int	(*real)(SSL_CTX *, EVP_PKEY *);
	EVP_PKEY	*legacy;
	int		 ret;

	if (real == NULL &&
	    (real = (int (*)(SSL_CTX *, EVP_PKEY *))dlsym(RTLD_NEXT,
	    "SSL_CTX_use_PrivateKey")) == NULL)
		return 0;
	if (pkey == NULL || (legacy = tagged_legacy_key(pkey)) == NULL)
		return real(ctx, pkey);
	ret = real(ctx, legacy);	/* takes its own reference */
	EVP_PKEY_free(legacy);
	return ret;
}

int
listen(int fd, int backlog)
{
	static int	(*real)(int, int);
	const char	*v;
	long		 want = SHIM_BACKLOG;

	if (real == NULL &&
	    (real = (int (*)(int, int))dlsym(RTLD_NEXT, "listen")) == NULL)
		return -1;
	if ((v = getenv("OSMTPD_SHIM_BACKLOG")) != NULL)
		want = strtol(v, NULL, 10);
	if (want > backlog && want <= 65535)
		backlog = (int)want;
	return real(fd, backlog);
}
