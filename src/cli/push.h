/*
 * push: create provisioned mailboxes as accounts on a sending platform
 * through its API (`postern push`, `provision --push`).  The platforms
 * are rows of push_platform.c; push_run() does the calls for a list of
 * accounts whose passwords are known in clear and prints what happened
 * to each.
 *
 * One account's failure never stops the others.  A refused key (401,
 * 402, 403) stops the run: every later call would get the same answer;
 * those accounts are reported as not tried.  429 and 5xx answers, and
 * connections that fail or time out, are retried up to PUSH_ATTEMPTS
 * times, waiting as Retry-After says (at most PUSH_RETRY_MAX_S) or 1, 2,
 * 4, 8 s.  The key is never printed: platform words, curl errors and
 * shown requests have it replaced by "****".
 */
#ifndef POSTERN_PUSH_H
#define POSTERN_PUSH_H

#include <stddef.h>

#include "core/provision_fmt.h"
#include "cli/push_platform.h"

#define PUSH_ATTEMPTS		5
#define PUSH_RETRY_MAX_S	120
#define PUSH_KEY_MAX		512

enum push_mode {
	PUSH_CREATE,		/* an existing account is skipped */
	PUSH_UPDATE,		/* updated where the platform can */
	PUSH_REPLACE,		/* deleted and created, else updated */
};

struct push_opts {
	const struct push_platform	*p;
	const char			*base_url;	/* NULL: the row's */
	const char			*ca_file;
	const char			*key_file;
	char				 key[PUSH_KEY_MAX + 1];
	enum push_mode			 mode;
	int				 dry_run;
	int				 json;
	int				 no_check;	/* no postern check */
	const char			*check_ca_file;
	const char			*check_connect;	/* numeric address
							   for the check */
	int				 given;		/* any option taken */
};

/*
 * An option of push's own at argv[*i] (--key-file, --base-url,
 * --ca-file, --check-ca-file, --check-connect, --update, --replace,
 * --dry-run, --no-check): taken, *i moved past its value, 1; not one,
 * 0; -1 with *why the reason, or -2 with *why the option that needs a
 * value.  "--json" is left to the caller.
 */
int	push_option(struct push_opts *, int argc, char **argv, int *i,
	    const char **why);

/*
 * The key from --key-file, else $POSTERN_PUSH_KEY: one line, trailing
 * white space dropped; refused if empty or if it holds a space or an
 * invisible character (a pasted key often does).  Not needed with
 * --dry-run.  0, or -1 after saying why.
 */
int	push_load_key(struct push_opts *);

/* Checks that need the whole set of options: NULL, or the reason of a
   usage error. */
const char *push_check_opts(const struct push_opts *);

/* Push the accounts; returns the exit status (0, or 1 if any failed). */
int	push_run(const struct push_opts *,
	    const struct provision_account *, size_t n);

#endif
