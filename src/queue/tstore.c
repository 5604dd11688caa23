/*
 * tstore: see tstore.h.
 */
#include <stddef.h>

#include "lib/log.h"
#include "queue/tstore.h"
#include "store/store.h"

static const char		*tstore_dir;
static __thread struct store	*tl_store;

void
tstore_init(const char *datadir)
{
	tstore_dir = datadir;
}

struct store *
tstore_get(void)
{
	char	err[256];

	if (tl_store == NULL && tstore_dir != NULL && (tl_store =
	    store_open(tstore_dir, 0, err, sizeof(err))) == NULL)
		log_warnx("deliver: store: %s", err);
	return tl_store;
}

void
tstore_close(void)
{
	if (tl_store != NULL)
		store_close(tl_store);
	tl_store = NULL;
}
