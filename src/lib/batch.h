/*
 * batch: records that wait in memory for one write of them all (the
 * sending-health outcomes of the queue, the ends of transactions in the
 * auth process): a growable array of fixed-size records behind a mutex.
 *
 * batch_add copies a record in and says how many wait; batch_take hands
 * the whole array to the caller (who frees it) and leaves the batch
 * empty, so records are written in the order they came when one writer
 * at a time takes them (the callers' flush mutex).  Fails: batch_add
 * returns 0 when there is no memory for the record (it is not kept).
 */
#ifndef POSTERN_BATCH_H
#define POSTERN_BATCH_H

#include <pthread.h>
#include <stddef.h>

struct batch {
	pthread_mutex_t	 lock;
	size_t		 size;		/* of one record */
	void		*v;
	size_t		 n, cap;
};

#define BATCH_INITIALIZER(recsize) \
	{ PTHREAD_MUTEX_INITIALIZER, (recsize), NULL, 0, 0 }

/* Copy rec in.  The number of records waiting, or 0 (not kept). */
size_t	 batch_add(struct batch *, const void *rec);
/* Every record waiting, oldest first (*n of them; free() it), or NULL. */
void	*batch_take(struct batch *, size_t *n);

#endif
