/*
 * authcache: see authcache.h.  An open-addressed table of AUTHCACHE_MAX
 * slots indexed by the first bytes of the HMAC; a collision overwrites
 * (the cache only ever saves work, it never decides a login alone: the
 * full 32-byte tag and the stored hash must both match).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/metrics.h"
#include "core/password.h"
#include "lib/util.h"
#include "server/authcache.h"

struct slot {
	unsigned char	tag[32];
	unsigned char	hash_tag[32];	/* digest of the stored hash */
	time_t		expires;
};

static struct slot	 table[AUTHCACHE_MAX];
static unsigned char	 key[32];
static unsigned		 ttl;
static int		 enabled;
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;

static int	authcache_tag(const char *, const char *, size_t,
		    unsigned char *);
static void	authcache_hash_tag(const char *, unsigned char *);

int
authcache_init(unsigned ttl_s)
{
	ttl = ttl_s;
	enabled = ttl_s > 0 && util_random(key, sizeof(key)) == 0;
	return enabled || ttl_s == 0 ? 0 : -1;
}

static int
authcache_tag(const char *user, const char *pass, size_t passlen,
    unsigned char *out)
{
	unsigned char	 buf[512 + 1 + 1024];
	size_t		 ul = strlen(user), n;
	unsigned int	 outlen = 32;
	char		 lower[256];

	if (ul >= sizeof(lower) || passlen > 1024)
		return -1;
	memcpy(lower, user, ul + 1);
	util_lower(lower);	/* usernames compare case-insensitively */
	memcpy(buf, lower, ul);
	buf[ul] = '\0';
	memcpy(buf + ul + 1, pass, passlen);
	n = ul + 1 + passlen;
	if (HMAC(EVP_sha256(), key, sizeof(key), buf, n, out, &outlen) ==
	    NULL) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

static void
authcache_hash_tag(const char *stored_hash, unsigned char *out)
{
	unsigned int	outlen = 32;

	if (HMAC(EVP_sha256(), key, sizeof(key),
	    (const unsigned char *)stored_hash, strlen(stored_hash), out,
	    &outlen) == NULL)
		memset(out, 0, 32);
}

int
authcache_hit(const char *user, const char *pass, size_t passlen,
    const char *stored_hash)
{
	unsigned char	 tag[32], htag[32];
	struct slot	*s;
	int		 hit;

	if (!enabled || authcache_tag(user, pass, passlen, tag) == -1)
		return 0;
	authcache_hash_tag(stored_hash, htag);
	pthread_mutex_lock(&lock);
	s = &table[(tag[0] | tag[1] << 8 | (unsigned)tag[2] << 16) %
	    AUTHCACHE_MAX];
	hit = s->expires > time(NULL) &&
	    CRYPTO_memcmp(s->tag, tag, sizeof(tag)) == 0 &&
	    CRYPTO_memcmp(s->hash_tag, htag, sizeof(htag)) == 0;
	pthread_mutex_unlock(&lock);
	OPENSSL_cleanse(tag, sizeof(tag));
	metrics_authcache(hit);
	return hit;
}

void
authcache_put(const char *user, const char *pass, size_t passlen,
    const char *stored_hash)
{
	unsigned char	 tag[32], htag[32];
	struct slot	*s;

	if (!enabled || authcache_tag(user, pass, passlen, tag) == -1)
		return;
	authcache_hash_tag(stored_hash, htag);
	pthread_mutex_lock(&lock);
	s = &table[(tag[0] | tag[1] << 8 | (unsigned)tag[2] << 16) %
	    AUTHCACHE_MAX];
	memcpy(s->tag, tag, sizeof(tag));
	memcpy(s->hash_tag, htag, sizeof(htag));
	s->expires = time(NULL) + (time_t)ttl;
	pthread_mutex_unlock(&lock);
	OPENSSL_cleanse(tag, sizeof(tag));
}
