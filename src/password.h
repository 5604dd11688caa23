/*
 * password: hashing, verification and generation of mailbox passwords.
 * New hashes are argon2id (RFC 9106) in PHC string form.  Verification is
 * constant-time in the password and, for unknown users, runs against a
 * dummy hash of the same cost so timing does not reveal which accounts
 * exist.  Functions are thread-safe.
 */
#ifndef POSTERN_PASSWORD_H
#define POSTERN_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_MAX	255
#define PASSWORD_GEN_LEN	20

/* Hash into out (PHC string).  0 or -1. */
int	password_hash(const char *pw, size_t pwlen, char *out, size_t outsz);

/* 1 match, 0 mismatch, -1 unsupported or malformed hash. */
int	password_verify(const char *hash, const char *pw, size_t pwlen);

/* Verify against a process-wide dummy hash; always 0 (or -1). */
int	password_verify_dummy(const char *pw, size_t pwlen);

/*
 * Generate a password of len characters (len < outsz) from an alphabet
 * without look-alikes, quotes or characters spreadsheets mangle.
 */
int	password_generate(char *out, size_t outsz, size_t len);

#endif
