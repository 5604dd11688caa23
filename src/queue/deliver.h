/*
 * deliver: the delivery side of the queue process.  The queue (queue.c)
 * makes messages durable; deliver owns them from then on: it keeps every
 * queued message in memory with its recipients' state (spool.h), and a
 * pool of worker threads takes jobs from it.
 *
 * A job is one destination (a remote domain, the relayhost, or local
 * Maildir delivery) and up to DJOB_MSG_MAX messages with their
 * recipients for that destination, so one connection carries several
 * messages.  At most destination_concurrency jobs run per destination.
 * A worker records each recipient's outcome in ID.st (durable) before it
 * takes the next job; when a message has no pending recipient left, it
 * queues the bounce (dsn.h) if one is due, adds hard-bounced recipients
 * to the sender domain's suppression list, and removes the message.
 *
 * Threads: all scheduler state is under one mutex, held only to pick and
 * to return jobs, never across I/O.  Operator commands (`postern queue`)
 * arrive as files in DIR/spool/cmd, read every second.
 */
#ifndef POSTERN_DELIVER_H
#define POSTERN_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "queue/envelope.h"
#include "queue/finish.h"

struct config;

/*
 * How delivery queues a message of its own (a bounce): the queue's
 * queue_inject(), handed in so that this side never calls up by name;
 * finish.c, which queues the bounces, defines its type.
 */
typedef finish_inject_fn deliver_inject_fn;

/* Load the spool and start the workers.  0 or -1. */
int	deliver_start(const struct config *, const char *datadir, int dirfd,
	    deliver_inject_fn);
/* A message the queue just made durable (copied). */
/* Around several deliver_add() calls: one wake-up for them all. */
void	deliver_batch_begin(void);
void	deliver_batch_end(void);
void	deliver_add(const struct envelope *, uint64_t content_off,
	    uint64_t content_len);
/* Finish the transactions in flight, record them, stop the threads. */
void	deliver_stop(void);
/* A thread that called deliver_add() ends: close its store handle. */
void	deliver_thread_done(void);

#endif
