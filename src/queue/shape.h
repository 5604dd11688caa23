/*
 * shape: the provider limits and holds (provider.h, hold.h) applied to
 * the connections of one delivery job, for mta.c.
 *
 * A connection is opened only with a slot of the provider's connection
 * cap and for messages whose holds let them go; it carries at most the
 * provider's messages per connection, then mta.c opens another.  A
 * message that may not go now is not tried: it is marked (jm->skip) and
 * the scheduler puts it back without counting an attempt.  Every 4xx
 * or 5xx reply is shown to the rule table, which may start a hold.
 * A job of no provider (the relayhost, local) is not shaped.
 */
#ifndef POSTERN_SHAPE_H
#define POSTERN_SHAPE_H

#include <stddef.h>

#include "queue/hold.h"

struct djob;
struct djob_msg;

struct shape_conn {
	int			 prov;		/* -1: not shaped */
	int			 slot;		/* a provider slot is held */
	struct hold_ticket	 ticket;
	unsigned		 sent;		/* messages tried on it */
	char			 ip[64];	/* our address, once connected */
};

/*
 * The scheduler's hint, before it makes a job: may a message signed
 * with sig (DKIM-Signature fields, may be empty) from sender go to
 * provider p now?  SHAPE_READY; SHAPE_FULL: the provider's connections
 * are all taken (one closing frees one); SHAPE_HELD: a hold keeps it
 * (hold_epoch() counts what may free it).  Takes nothing.
 */
enum { SHAPE_HELD = -1, SHAPE_FULL = 0, SHAPE_READY = 1 };
int	shape_ready(int p, const char *sig, size_t siglen, const char *sender);
/* Before connecting: 1 to connect, 0 nothing may go now (all marked). */
int	shape_open(struct shape_conn *, struct djob *);
/* Before each message: 1 send it, 0 it was marked to wait. */
int	shape_msg(struct shape_conn *, struct djob_msg *);
/* The connection carried its provider's messages per connection. */
int	shape_full(const struct shape_conn *);
void	shape_close(struct shape_conn *);
/* Between jobs on one connection: the holds' slots go back (the next
   messages take theirs again); the provider's connection stays. */
void	shape_between(struct shape_conn *);
/* A reply to message jm (NULL: to the connection) for the rule table. */
void	shape_reply(struct shape_conn *, const struct djob_msg *, int code,
	    const char *enhanced, const char *text);
/* Our local address on fd, for an IP hold. */
void	shape_local_addr(struct shape_conn *, int fd);

#endif
