/*
 * store: the account store behind one narrow interface, so that a second
 * backend (PostgreSQL) can be added without touching the SMTP code.  Only
 * the auth process and the provisioning CLI open a store; the network
 * process never does.  A store handle is used by one thread at a time.
 *
 * Results: STORE_OK (0) or a negative STORE_* code; store_errmsg() gives
 * a human-readable reason for the last STORE_ERR.
 */
#ifndef POSTERN_STORE_H
#define POSTERN_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_ADDR_MAX	254
#define STORE_HASH_MAX	255

enum store_result {
	STORE_OK	=  0,
	STORE_ERR	= -1,	/* backend failure: 454 4.7.0 to clients */
	STORE_EXISTS	= -2,
	STORE_NOTFOUND	= -3,
};

struct store_mailbox {
	char	address[STORE_ADDR_MAX + 1];	/* lower-case local@domain */
	char	hash[STORE_HASH_MAX + 1];	/* PHC / crypt string */
};

struct store;

/*
 * Open the store of a data directory.  create: make the database and
 * apply migrations if needed (CLI, init); otherwise the schema must exist.
 */
struct store	*store_open(const char *datadir, int create, char *err,
		    size_t errsz);
void		 store_close(struct store *);
const char	*store_errmsg(struct store *);

int	store_domain_add(struct store *, const char *domain);
int	store_domain_exists(struct store *, const char *domain);
int	store_mailbox_add(struct store *, const char *address,
	    const char *hash);
int	store_mailbox_get(struct store *, const char *address,
	    struct store_mailbox *);

/* Backend vtable, for store.c and the backends only. */
struct store_ops {
	void	*(*open)(const char *datadir, int create, char *err,
		    size_t errsz);
	void	 (*close)(void *);
	const char *(*errmsg)(void *);
	int	 (*domain_add)(void *, const char *);
	int	 (*domain_exists)(void *, const char *);
	int	 (*mailbox_add)(void *, const char *, const char *);
	int	 (*mailbox_get)(void *, const char *, struct store_mailbox *);
};

extern const struct store_ops store_sqlite_ops;

#endif
