/*
 * store: dispatch to the configured backend (only SQLite for now) and
 * normalise arguments (addresses and domains are compared lower-case)
 * so every backend sees the same input.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

struct store {
	const struct store_ops	*ops;
	void			*impl;
	char			 err[256];
};

static int	store_norm(struct store *, const char *, char *, size_t);

struct store *
store_open(const char *datadir, int create, char *err, size_t errsz)
{
	struct store	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		util_strlcpy(err, "out of memory", errsz);
		return NULL;
	}
	st->ops = &store_sqlite_ops;
	if ((st->impl = st->ops->open(datadir, create, err, errsz)) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->impl);
	free(st);
}

const char *
store_errmsg(struct store *st)
{
	return st->err[0] ? st->err : st->ops->errmsg(st->impl);
}

static int
store_norm(struct store *st, const char *in, char *out, size_t outsz)
{
	st->err[0] = '\0';
	if (util_strlcpy(out, in, outsz) == -1) {
		util_strlcpy(st->err, "name too long", sizeof(st->err));
		return -1;
	}
	util_lower(out);
	return 0;
}

int
store_domain_add(struct store *st, const char *domain)
{
	char	d[STORE_ADDR_MAX + 1];

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_ERR;
	return st->ops->domain_add(st->impl, d);
}

int
store_domain_exists(struct store *st, const char *domain)
{
	char	d[STORE_ADDR_MAX + 1];

	if (store_norm(st, domain, d, sizeof(d)) == -1)
		return STORE_NOTFOUND;
	return st->ops->domain_exists(st->impl, d);
}

int
store_mailbox_add(struct store *st, const char *address, const char *hash)
{
	char	a[STORE_ADDR_MAX + 1];

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_ERR;
	return st->ops->mailbox_add(st->impl, a, hash);
}

int
store_mailbox_get(struct store *st, const char *address,
    struct store_mailbox *mb)
{
	char	a[STORE_ADDR_MAX + 1];

	if (store_norm(st, address, a, sizeof(a)) == -1)
		return STORE_NOTFOUND;
	return st->ops->mailbox_get(st->impl, a, mb);
}
