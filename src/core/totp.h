/*
 * totp: time-based one-time passwords (RFC 6238 over RFC 4226's HOTP,
 * HMAC-SHA-1, 30-second steps, 6 digits: what every authenticator app
 * reads from an otpauth:// URI), for the console's administrators.  The
 * secret is 20 random bytes, kept and shown in base32 (RFC 4648, no
 * padding).  Pure functions but for totp_secret_new's random bytes.
 */
#ifndef POSTERN_TOTP_H
#define POSTERN_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES	20
#define TOTP_SECRET_B32		32	/* base32 characters of it */
#define TOTP_STEP		30
#define TOTP_WINDOW		1	/* steps accepted either side */

/* A new secret in base32 into out (TOTP_SECRET_B32 + 1).  0 or -1. */
int	 totp_secret_new(char *out, size_t outsz);
/* The 6-digit code of a base32 secret for one step counter; -1 if the
   secret is not base32. */
int64_t	 totp_code(const char *secret_b32, uint64_t counter);
/*
 * 1 if code (six digits) is the secret's code at now within the window
 * and its step is later than *last_step (no code is taken twice; the
 * caller keeps *last_step), else 0.  *last_step gets the step matched.
 */
int	 totp_check(const char *secret_b32, const char *code, int64_t now,
	    uint64_t *last_step);
/* RFC 4648 base32 without padding.  Bytes written or -1 (bad input). */
int	 base32_decode(const char *in, unsigned char *out, size_t outsz);
int	 base32_encode(const unsigned char *in, size_t n, char *out,
	    size_t outsz);

#endif
