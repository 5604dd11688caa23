/*
 * health (queue): the sending health of the mailbox that submitted a
 * finished message.  Each recipient's final outcome is counted in the
 * store (store_health_outcome: delivered, recipient hard bounce, sender
 * fault by provider -- a block or not --, other failure; deferred if it
 * was deferred first),
 * then the mailbox's last outcomes are judged (core/health.h); a mailbox
 * that trips is paused for health_pause_time, its warm-up ramp frozen
 * (store_warmup_freeze), and the pause logged, with the domain pause
 * when it is the one that tips the domain.
 *
 * Only mail submitted by a logged-in mailbox counts (the envelope's
 * auth_user).  The clock is lib/clock.h's, so tests can move it.  A
 * store failure is logged and the outcome lost: health is advice, never
 * a reason to hold a message.
 */
#ifndef POSTERN_QUEUE_HEALTH_H
#define POSTERN_QUEUE_HEALTH_H

#include <stdint.h>

#include "queue/spool.h"

struct config;
struct store;

/* The settings (health_*, warmup_target); before the first record. */
void	health_configure(const struct config *);
/* Count sm's outcomes and judge its mailbox (local[i]: delivered
   locally).  Counted in a buffer, written by health_flush(): at once
   when one is a bounce or a block, else within a second. */
void	health_record(struct store *, const struct spool_msg *sm,
	    const uint8_t *local);
/* Write the buffered outcomes (the keeper, once a second; at stop). */
void	health_flush(struct store *);
/*
 * A recipient hard bounce that a DSN arriving on the MX reported for
 * mail user sent (local_dsn.h): counted and the mailbox judged.  The
 * delivery that the remote server first accepted stays counted too:
 * the outcome is not linked to its message (that needs a schema
 * change), so the window holds one outcome more.
 */
void	health_dsn_bounce(struct store *, const char *user, int64_t now);
/*
 * A receiver throttled or refused user's mail for reputation (a hold
 * rule matched, hold.c; why: the reply): the mailbox's warm-up ramp
 * freezes.  Once: more such replies while it is frozen do not step it
 * down again, or one burst of 421s would take it to its floor.
 */
void	health_signal(struct store *, const char *user, int64_t now,
	    const char *why);

#endif
