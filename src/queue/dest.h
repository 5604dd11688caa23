/*
 * dest: the destinations of the scheduler (deliver.c): local Maildir
 * delivery, the relayhost, or a remote domain.  A recipient belongs to
 * one destination for the life of its message; at most
 * destination_concurrency jobs run per destination (dest.active).
 * Destinations are made on first use and freed together by
 * dest_clear() when delivery stops.
 * Threads: the table is not locked here; dest_get() and dest_clear()
 * are called under the scheduler's lock.  dest_key() takes no lock but
 * its own cache's: it asks the account store, and keeps each answer for
 * 2 s, so a domain added or removed is routed as such within 2 s.
 */
#ifndef POSTERN_DEST_H
#define POSTERN_DEST_H

#include <stddef.h>
#include <sys/queue.h>

struct config;
struct store;

struct dest {
	LIST_ENTRY(dest) entry;
	char		 name[256];	/* domain, "" local, "[relay]" */
	int		 local, relay;
	unsigned	 active;	/* jobs running */
	int		 prov;		/* provider.h, once an MX told it;
					   -1 before, and for local, relay */
};

/*
 * The destination of rcpt: local (one of our domains, or no domain),
 * "[relay]" when a relayhost is set, else the recipient's domain, in
 * lower case.  0, or -1 when the store cannot say whether the domain is
 * ours (st NULL, or the store did not answer): the recipient must not be
 * routed then, or a local domain's mail would leave by MX or relayhost.
 */
int	dest_key(const struct config *, struct store *st, const char *rcpt,
	    char *name, size_t namesz, int *local, int *relay);
/* The destination called name, made if new; NULL if out of memory. */
struct dest *dest_get(const char *name, int local, int relay);
/* Free every destination. */
void	dest_clear(void);

#endif
