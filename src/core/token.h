/*
 * token: API tokens for the admin listener (docs/API.md, "Tokens").  A
 * token is "pst_" ID "_" SECRET: ID, 12 hex digits, names the row in the
 * store; SECRET, 64 hex digits (256 random bits), is shown once, at
 * creation, and only its SHA-256 is stored.  A presented secret is
 * hashed and compared with the stored hash in constant time.
 *
 * Scopes say what a token may do: read (every GET of the API), mailboxes,
 * domains, queue, provision (writes to those), metrics (/metrics), admin
 * (everything, tokens and the audit log included).  A token may be
 * limited to one domain and to client networks (CIDRs).  Pure functions:
 * no I/O but the random bytes of token_new().
 */
#ifndef POSTERN_TOKEN_H
#define POSTERN_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_ID_LEN		12
#define TOKEN_SECRET_LEN	64
#define TOKEN_TEXT_LEN		(4 + TOKEN_ID_LEN + 1 + TOKEN_SECRET_LEN)
#define TOKEN_HASH_LEN		64	/* hex SHA-256 */
#define TOKEN_SCOPES_MAX	128
#define TOKEN_CIDRS_MAX		256
#define TOKEN_NETS_MAX		16	/* networks in --from */

enum token_scope {
	TS_READ = 0x01,
	TS_MAILBOXES = 0x02,
	TS_DOMAINS = 0x04,
	TS_QUEUE = 0x08,
	TS_PROVISION = 0x10,
	TS_METRICS = 0x20,
	TS_ADMIN = 0x40,
};

/* A new token: text (TOKEN_TEXT_LEN + 1), its id and hash.  0 or -1. */
int	 token_new(char *text, char *id, char *hash);
/* Split presented text into id and secret.  0, or -1 if malformed. */
int	 token_parse(const char *text, char *id, char *secret);
/* hex SHA-256 of a secret into hash (TOKEN_HASH_LEN + 1). */
void	 token_hash(const char *secret, char *hash);
/* 1 if secret hashes to the stored hash (constant time), else 0. */
int	 token_matches(const char *secret, const char *stored_hash);
/* "read,queue" or "read queue" to TS_* bits; -1 names an unknown one. */
int	 token_scopes_parse(const char *, unsigned *bits, char *bad,
	    size_t badsz);
/* The canonical "read mailboxes ..." text of bits. */
void	 token_scopes_text(unsigned bits, char *out, size_t outsz);
/* 1 if a token with have may use a route needing need (admin: all). */
int	 token_allows(unsigned have, unsigned need);

#endif
