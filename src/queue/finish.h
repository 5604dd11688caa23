/*
 * finish: what becomes of a message once no recipient is pending, before
 * the scheduler (deliver.c) removes it:
 *  - each recipient's final outcome counts toward the sending health of
 *    the mailbox that submitted it (queue/health.h: counters, window,
 *    auto-pause);
 *  - hard bounces of remote recipients go on the suppression list of the
 *    sender's domain, when that domain is ours (store_suppress_add);
 *  - the delivery status notification (RFC 3464, built by dsn.h) goes to
 *    the sender for the recipients that asked for one (RFC 3461 NOTIFY;
 *    failures by default), queued through the queue's inject function,
 *    and a B record in ID.st says so, so that a crash before the removal
 *    does not send it twice.
 * A message from the null sender never gets a notice (RFC 5321 §6.1).
 * local[i] says whether recipient i was delivered locally (no
 * suppression; action "delivered" rather than "relayed").
 */
#ifndef POSTERN_FINISH_H
#define POSTERN_FINISH_H

#include <stddef.h>
#include <stdint.h>

#include "queue/envelope.h"
#include "queue/spool.h"

struct store;
struct bounce_class;

/* How the scheduler queues a message of its own: queue_inject(). */
typedef int	(*finish_inject_fn)(struct envelope *, const char *content,
		    size_t len);

/*
 * Why recipient s failed and whose fault it is (core/bounce_class.h),
 * from what its state record keeps: the status, the reply ("550 5.1.1
 * ..." or our own words) and the host that answered.  Nothing new is
 * stored in the spool: the record already holds all three.
 */
void	finish_classify(const struct spool_rcpt *s, struct bounce_class *);

/* Does a recipient of sm want a notice?  1 or 0. */
int	finish_needs_notice(const struct spool_msg *sm);
/* Count sm's outcomes for its mailbox's health, and add its
   hard-bounced remote recipients to the suppression list. */
void	finish_suppress(struct store *, const struct spool_msg *sm,
	    const uint8_t *local, int64_t now);
/*
 * Queue the notice for sm (ID.msg in dirfd; hostname reports it) and
 * record it (sm->bounced).  0 when it is queued or none is due, -1 when
 * it could not be: the caller tries again later.
 */
int	finish_bounce(struct spool_msg *sm, const uint8_t *local, int dirfd,
	    const char *hostname, finish_inject_fn, int64_t now);

/*
 * Delay notices (RFC 3464 Action: delayed): is one due for sm at now,
 * warn seconds after its arrival (not sent before, never to <>, and a
 * pending recipient whose NOTIFY allows DELAY: absent NOTIFY does)?
 * 1 or 0.
 */
int	finish_delay_due(const struct spool_msg *sm, int64_t now, int64_t warn);
/*
 * Queue the delay notice for the pending recipients of sm, whose states
 * are rs (the caller's copy: delivery goes on meanwhile), with the
 * original's header; retry_until: when the queue gives up.  0 or -1.
 */
int	finish_delay(const struct spool_msg *sm, const struct spool_rcpt *rs,
	    int dirfd, const char *hostname, finish_inject_fn, int64_t now,
	    int64_t retry_until);

#endif
