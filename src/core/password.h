/*
 * password: hashing, verification and generation of mailbox passwords.
 * New hashes are argon2id (RFC 9106) in PHC string form.  Verification
 * also accepts the strong hashes other mail systems store, so accounts
 * can be imported without a password reset:
 *
 *	$argon2id$ $argon2i$		libargon2
 *	$y$ (yescrypt) $2b$ $2y$ $2a$ (bcrypt)
 *	$6$ (SHA-512-crypt) $5$ (SHA-256-crypt)	libxcrypt crypt_rn()
 *
 * each optionally behind a Dovecot scheme prefix ({ARGON2ID}, {ARGON2I},
 * {BLF-CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT}, {CRYPT}; matched without
 * regard to case) that must agree with the hash that follows.  Weak or
 * unsalted schemes ({PLAIN}, {MD5}, DES crypt, $1$ MD5-crypt, ...) are
 * refused as unsupported.
 *
 * Verification is constant-time in the password and, for unknown users,
 * runs against a dummy hash of the same cost so timing does not reveal
 * which accounts exist.  Functions are thread-safe.
 */
#ifndef POSTERN_PASSWORD_H
#define POSTERN_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_MAX	255	/* bytes, prefix included */
#define PASSWORD_GEN_LEN	20

/* Hash into out (PHC string).  0 or -1. */
int	password_hash(const char *pw, size_t pwlen, char *out, size_t outsz);

/*
 * 1 match, 0 mismatch, -1 unsupported or malformed hash.  A password the
 * hash's scheme cannot represent (a NUL byte or more than 511 bytes for
 * the crypt schemes) is a mismatch.
 */
int	password_verify(const char *hash, const char *pw, size_t pwlen);

/* Verify against a process-wide dummy hash; always 0 (or -1). */
int	password_verify_dummy(const char *pw, size_t pwlen);

/*
 * Short name of the hash's scheme ("argon2id", "argon2i", "yescrypt",
 * "bcrypt", "sha512-crypt", "sha256-crypt"), looking through a Dovecot
 * prefix; NULL if unsupported.  Looks at the prefix only: a non-NULL
 * answer does not mean the rest of the hash is well formed.
 */
const char *password_scheme(const char *hash);

/*
 * 1 unless hash is argon2id (version 19) with exactly the parameters
 * password_hash() uses now, in which case 0.  Meant for upgrading a hash
 * after a successful password_verify().
 */
int	password_needs_rehash(const char *hash);

/*
 * Generate a password of len characters (len < outsz) from an alphabet
 * without look-alikes, quotes or characters spreadsheets mangle.
 */
int	password_generate(char *out, size_t outsz, size_t len);

#endif
