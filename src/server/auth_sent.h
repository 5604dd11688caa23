/*
 * auth_sent: the ends of SMTP transactions (IPC_SENT: n recipients sent,
 * the holds tx took at RCPT), written to the store in batches.
 *
 * Settling a transaction was one write transaction a message in the
 * auth process, half of its CPU at a thousand messages a second.  The
 * settlements now wait in memory and are written together, in one
 * transaction: by a worker that finds no request waiting after its own
 * (so an idle server writes each at once, and a busy one writes what
 * came during the last write), by the worker whose one fills the
 * buffer, and by a ticker thread once a second (and at stop).  Nothing is lost to the
 * daily limit meanwhile: until its settlement is written, a
 * transaction's holds stay in the store and count as its recipients
 * (at least as many), so the next limit question of the session, or of
 * another node, still sees them (store_quota.c).  A transaction given
 * up (no recipient sent) frees its holds at once.  What lags under
 * load, by a second at most, is the split between holds and sent records: the
 * console's sent_24h and `postern stats`'s submitted.  A crash loses the
 * buffer's counts, not mail; the holds it leaves expire
 * (STORE_HOLD_TTL).  A store error is logged once for the batch.
 */
#ifndef POSTERN_AUTH_SENT_H
#define POSTERN_AUTH_SENT_H

#include <stdint.h>

struct store;

/* The ticker, with its own store handle on datadir.  0 or -1. */
int	auth_sent_start(const char *datadir);
/* Queue a settlement (writes the batch with st when it is full). */
void	auth_sent_add(struct store *st, const char *user, uint64_t tx,
	    uint32_t n, int64_t now);
/* Write what waits (st: the caller's handle). */
void	auth_sent_flush(struct store *st);
/* Stop the ticker after a last write. */
void	auth_sent_stop(void);

#endif
