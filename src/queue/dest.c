/*
 * dest: see dest.h.  A hash table of lists, by name; and a small cache
 * of the store's answer to "is this domain ours", direct-mapped by name,
 * each answer kept DOMAIN_TTL_MS.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "lib/util.h"
#include "queue/dest.h"
#include "store/store.h"

#define DEST_BUCKETS	256
#define DOMAIN_SLOTS	256
#define DOMAIN_TTL_MS	2000

static LIST_HEAD(, dest) dests[DEST_BUCKETS];

/* the store's answer for a domain: STORE_OK ours, STORE_NOTFOUND not */
static struct {
	pthread_mutex_t	 lock;
	struct {
		char	 name[256];
		int	 rc;
		uint64_t until;		/* monotonic ms; 0 empty */
	} slot[DOMAIN_SLOTS];
} domains = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned	dest_hash(const char *);
static int	dest_domain_ours(struct store *, const char *);

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

/*
 * store_domain_exists() for dom (lower case), answered from the cache
 * while the answer is fresh: one SQL read transaction per domain and
 * DOMAIN_TTL_MS, not per message.  A store error is not kept.
 */
static int
dest_domain_ours(struct store *st, const char *dom)
{
	unsigned	 h = util_hash_str(dom) % DOMAIN_SLOTS;
	uint64_t	 now = util_monotonic_ms();
	int		 rc = 1;		/* not known */

	pthread_mutex_lock(&domains.lock);
	if (domains.slot[h].until > now &&
	    strcmp(domains.slot[h].name, dom) == 0)
		rc = domains.slot[h].rc;
	pthread_mutex_unlock(&domains.lock);
	if (rc != 1)
		return rc;
	if ((rc = store_domain_exists(st, dom)) == STORE_ERR)
		return rc;
	pthread_mutex_lock(&domains.lock);
	util_strlcpy(domains.slot[h].name, dom, sizeof(domains.slot[h].name));
	domains.slot[h].rc = rc;
	domains.slot[h].until = now + DOMAIN_TTL_MS;
	pthread_mutex_unlock(&domains.lock);
	return rc;
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
	    (rc = dest_domain_ours(st, dom)) == STORE_ERR))
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
