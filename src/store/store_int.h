/*
 * store_int: what the store's modules share (store.c, store_auth.c,
 * store_dkim.c, store_suppress.c), never included outside them.  Every
 * statement still goes through store_sq() and the backend's exec(); names
 * are normalised with store_norm() before any statement sees them.
 */
#ifndef POSTERN_STORE_INT_H
#define POSTERN_STORE_INT_H

#include "store/store.h"

#include <limits.h>

#define STORE_ARGS_MAX	128	/* also the columns a row may have */
#define STORE_SCHEMA_MAX	16384	/* a rendered migration step */

#define STORE_TRIM_MAX	32	/* mailboxes whose last trim a handle knows */

/*
 * Where a handle last trimmed a mailbox's health outcomes: the highest
 * id it deleted (store_health.c, health_trim), so the next trim reads
 * from there, not from the mailbox's first row.
 */
struct store_trim {
	int64_t		mailbox_id;	/* 0: unused */
	int64_t		below;		/* rows up to this id are gone */
	unsigned	n;		/* trims from it since a full one */
};

struct store {
	const struct store_ops	*ops;
	void			*impl;
	int			 in_tx;
	char			 err[512];
	struct store_trim	 trims[STORE_TRIM_MAX];
	size_t			 trim_next;	/* the slot to reuse */
};

/* For row callbacks that fill one struct or call a user callback. */
struct row_ctx {
	void	*out;		/* struct to fill, or the user callback */
	void	*arg;
	int	 found;
	int	 rc;
};

/*
 * Run sql with arguments described by fmt: 's' a string, 'i' an int64_t.
 * Returns the backend's result.
 */
int	store_sq(struct store *, store_row_fn, void *, int64_t *,
	    const char *sql, const char *fmt, ...);
/* Copy and lower-case a name; -1 (message set) if it does not fit. */
int	store_norm(struct store *, const char *, char *, size_t);
/* The part after the last '@', or "". */
const char *store_domain_of(const char *);
/* Copy a text column (NULL gives ""); -1 if it does not fit. */
int	store_col_str(const struct store_val *, char *, size_t);
/* Row callback: the first column as int64 into *(int64_t *)ctx->out. */
int	store_row_int(const struct store_val *, size_t, void *);
/*
 * The change notice of a write that MAIL's checks depend on (store.h,
 * store_listen), inside the write's transaction; what: the domain it
 * concerns.  STORE_OK at once on a backend without notices.
 */
int	store_notice(struct store *, const char *what);
/* Forget the trim marks (a rollback may have undone their trims). */
void	store_trims_forget(struct store *);
/* Open a transaction unless the caller holds one; *mine says which. */
int	store_tx_begin(struct store *, int *mine);
/* Commit or roll back a transaction of our own; returns rc. */
int	store_tx_end(struct store *, int mine, int rc);
/*
 * Inside a transaction: wait for, then hold until it ends, the lock
 * named kind + key, so that read-then-write steps on one name run one
 * after the other on every node sharing the database.
 */
int	store_tx_lock(struct store *, const char *kind, const char *key);

/* Drop the sent records no limit counts any more. */
int	store_sent_prune(struct store *, int64_t now);
/* store_warmup_status() without the count of today's recipients. */
int	store_warmup_now(struct store *, const char *address, int64_t now,
	    uint32_t default_target, struct store_warmup_status *);

/*
 * The schema (store_schema.c): step i as SQLite runs it, step i
 * rendered for PostgreSQL (-1 if it does not fit); how many steps
 * there are: store_schema_version() in store.h.
 */
const char *store_schema_step(int);
int	store_schema_render(int, char *, size_t);

/*
 * '?' to $1..$n, except inside '...' literals and "..." identifiers
 * (a doubled quote stays inside), for PostgreSQL (store_pg.c).  The
 * number of placeholders, or -1 if out is too small.
 */
int	store_pg_translate(const char *sql, char *out, size_t outsz);

/* What store_configure() was given, for the backends. */
struct store_config {
	char		uri[STORE_URI_MAX + 1];		/* "" or "sqlite" */
	char		password_file[PATH_MAX];
	unsigned	timeout_ms;
};
const struct store_config *store_config_get(void);

#endif
