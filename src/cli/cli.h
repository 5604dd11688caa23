/*
 * cli: the operator commands of the postern binary.  They work on the
 * data directory directly, never through the running server (changes
 * reach it at once: the auth process reads the store per request); as
 * root they switch to the server's user before touching the database so
 * every file stays usable by the auth process.  Each command returns the
 * process exit status: 0 done, 1 failed (the message names the object
 * and the reason), 2 usage.
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct json;
struct passwd;
struct store;
struct store_dkim_key;

int	cli_init(const char *datadir, int argc, char **argv);

/* postern(8) from the usage texts of the command table (cli_man.c). */
int	cli_man8(FILE *, const char *const *helps, size_t n,
	    const char *version, const char *date);
int	cli_domain(const char *datadir, int argc, char **argv);
int	cli_mailbox(const char *datadir, int argc, char **argv);
int	cli_alias(const char *datadir, int argc, char **argv);
int	cli_provision(const char *datadir, int argc, char **argv);
int	cli_push(const char *datadir, int argc, char **argv);
int	cli_dns(const char *datadir, int argc, char **argv);
int	cli_queue(const char *datadir, int argc, char **argv);
int	cli_dkim(const char *datadir, int argc, char **argv);
int	cli_suppress(const char *datadir, int argc, char **argv);
int	cli_token(const char *datadir, int argc, char **argv);
int	cli_admin(const char *datadir, int argc, char **argv);
/* One audit-log row, actor "cli" (cli_token.c); a failure is only said. */
void	cli_audit(struct store *, const char *action, const char *target,
	    const char *detail);
/* migrate; store copy (cli_store.c) */
int	cli_migrate(const char *datadir, int argc, char **argv);
int	cli_store_cmd(const char *datadir, int argc, char **argv);

/* Shared by the cli_*.c files. */
int	cli_load_config(const char *datadir, struct config *);
struct store *cli_store(const char *datadir, int create);
/* Load the config and, as root, act as the server's user.  0 or -1. */
int	cli_server_user(const char *datadir);
int	cli_read_password(char *, size_t);
/* Root only: 1 = act as the invoking root again, 0 = back to the
   server's user (see cli_store).  0 or -1. */
int	cli_as_invoker(int on);
int	cli_reachable(const char *datadir, const struct passwd *, int parent);
/* "2026-11-27 23:07:15 UTC", or "-" for 0. */
void	cli_time(int64_t, char *, size_t);
/* Validate and lower-case an ASCII local@domain address. */
int	cli_address(const char *in, char *out, size_t outsz);
/*
 * Generate a DKIM key for a configured domain and store it (cli_dkim.c):
 * alg "rsa" or "ed25519" (or the a= names), rsa_bits 0 for the default,
 * selector NULL for a generated one ("p" YYYYMMDD "r"/"e", then -2,
 * -3, ...).  It is active if the domain has no active key of that
 * algorithm, else pending.  out gets the stored key without its private
 * part.  0, or -1 after printing the reason.
 */
int	cli_dkim_create(struct store *, const char *domain, const char *alg,
	    unsigned rsa_bits, const char *selector,
	    struct store_dkim_key *out);

/* The warm-up ramp in `mailbox` (cli_warmup.c). */
int	cli_warmup_set(struct store *, const char *addr, const char *key,
	    const char *value);
void	cli_warmup_show(struct store *, const char *addr,
	    const struct config *, struct json *);
int	cli_warmup_freeze(struct store *, const char *datadir, char **a);
/* Sending health (cli_health.c): `stats`, `mailbox show`'s last 7 days
   (with j, its "health" member), `mailbox resume ADDRESS|DOMAIN`. */
int	cli_stats(const char *datadir, int argc, char **argv);
void	cli_health_show(struct store *, const char *addr, struct json *j);
int	cli_health_resume(struct store *, char **a);

#endif
