/*
 * dest: see dest.h.  A hash table of lists, by name.
 */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "lib/util.h"
#include "queue/dest.h"
#include "store/store.h"

#define DEST_BUCKETS	256

static LIST_HEAD(, dest) dests[DEST_BUCKETS];

static unsigned	dest_hash(const char *);

static unsigned
dest_hash(const char *s)
{
	return util_hash_str(s) % DEST_BUCKETS;
}

struct dest *
dest_get(const char *name, int local, int relay)
{
	struct dest	*d;
	unsigned	 h = dest_hash(name);

	LIST_FOREACH(d, &dests[h], entry)
		if (strcmp(d->name, name) == 0)
			return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	util_strlcpy(d->name, name, sizeof(d->name));
	d->local = local;
	d->relay = relay;
	d->prov = -1;
	LIST_INSERT_HEAD(&dests[h], d, entry);
	return d;
}

void
dest_clear(void)
{
	struct dest	*d;
	size_t		 i;

	for (i = 0; i < DEST_BUCKETS; i++)
		while ((d = LIST_FIRST(&dests[i])) != NULL) {
			LIST_REMOVE(d, entry);
			free(d);
		}
}

int
dest_key(const struct config *cfg, struct store *st, const char *rcpt,
    char *name, size_t namesz, int *local, int *relay)
{
	const char	*at = strrchr(rcpt, '@');
	char		 dom[256];
	int		 rc = STORE_OK;

	util_strlcpy(dom, at ? at + 1 : cfg->hostname, sizeof(dom));
	util_lower(dom);
	*local = *relay = 0;
	if (at != NULL && (st == NULL ||
	    (rc = store_domain_exists(st, dom)) == STORE_ERR))
		return -1;
	if (at == NULL || rc == STORE_OK) {
		*local = 1;
		name[0] = '\0';
	} else if (cfg->relayhost[0] != '\0') {
		*relay = 1;
		util_strlcpy(name, "[relay]", namesz);
	} else
		util_strlcpy(name, dom, namesz);
	return 0;
}
