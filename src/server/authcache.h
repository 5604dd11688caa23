/*
 * authcache: the auth process's cache of verified credentials, so that
 * argon2id (slow on purpose) runs once per credential and not once per
 * session.  An entry is keyed by HMAC-SHA-256 under a per-process random
 * key of (username, password): no password is kept, and the key changes
 * with every start.  An entry also records the stored hash it was
 * verified against, so a password change makes it useless at once; it
 * expires after the TTL; a lock is checked before the cache is.  Only
 * successes are cached, so failed logins keep the full, uniform cost.
 * Thread-safe; bounded (AUTHCACHE_MAX entries, oldest evicted).
 */
#ifndef POSTERN_AUTHCACHE_H
#define POSTERN_AUTHCACHE_H

#include <stddef.h>
#include <stdint.h>

#define AUTHCACHE_MAX	16384

/* 0, or -1 if no random key could be made (the cache then stays off). */
int	authcache_init(unsigned ttl_s);
/* 1 if user/pass was verified against stored_hash within the TTL. */
int	authcache_hit(const char *user, const char *pass, size_t passlen,
	    const char *stored_hash);
void	authcache_put(const char *user, const char *pass, size_t passlen,
	    const char *stored_hash);

#endif
