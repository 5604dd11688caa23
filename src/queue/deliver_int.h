/*
 * deliver_int: what the scheduler (deliver.c) shares with its keeper
 * thread (keeper.c); queue_admin.c calls keeper_command() only.  Every field of D and of
 * a struct dmsg is read and written under D.lock, as deliver.c's
 * invariants say.
 */
#ifndef POSTERN_DELIVER_INT_H
#define POSTERN_DELIVER_INT_H

#include <sys/queue.h>

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "queue/deliver.h"
#include "queue/dest.h"
#include "queue/spool.h"

/* Where a message is on the scheduler's lists (struct deliver_state). */
enum { SCHED_NONE, SCHED_CAND, SCHED_PARKED };

struct dmsg {
	TAILQ_ENTRY(dmsg) entry;	/* D.msgs: every message */
	TAILQ_ENTRY(dmsg) sched;	/* D.cand or D.parked */
	int		 sched_on;	/* SCHED_* */
	struct spool_msg sm;
	struct dest	**rdest;	/* per recipient */
	uint8_t		*busy;		/* per recipient: in a job */
	uint8_t		*local;		/* per recipient: delivered here */
	unsigned	 inflight;	/* jobs */
	int		 deleted, finishing;
	int		 suppressed;	/* finish_suppress() done */
	int64_t		 finish_retry;	/* a failed finish: not before */
	struct buf	 dkim;		/* signature fields, once made */
	int		 dkim_done;
	int		 recovered;	/* found in the spool at start */
};

struct deliver_state {
	const struct config	*cfg;
	const char		*datadir;
	int			 dirfd;
	char			 cmddir[PATH_MAX];
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* the workers wait here */
	pthread_cond_t		 kcond;		/* the keeper waits here */
	TAILQ_HEAD(, dmsg)	 msgs;
	/*
	 * What the workers' passes read (job_pick()): the candidates,
	 * and the parked messages, which had nothing that could go when
	 * a pass looked (every recipient not yet due, held by a hold or
	 * by the operator).  Parked messages come back to the head of
	 * the candidates at the next second, when the holds change
	 * (hold_epoch()), or at an operator's command (unpark), so that
	 * a pass does not read thousands of held messages each time a
	 * new one arrives.
	 */
	TAILQ_HEAD(, dmsg)	 cand;
	TAILQ_HEAD(, dmsg)	 parked;
	int64_t			 parked_at;	/* the second they were */
	uint64_t		 parked_hold;	/* hold_epoch() then */
	int			 unpark;
	TAILQ_HEAD(, dwait)	 waiting;	/* not routed yet: the store
						   did not answer */
	pthread_t		*workers;
	pthread_t		 keeper;
	size_t			 nworkers;
	/*
	 * Idle passes: gen counts the events that can make a recipient
	 * due or a destination ready (deliver_wake()); a pass that found
	 * nothing notes gen and the second, and another idle worker
	 * waking in the same second with no event since skips its pass:
	 * the answer cannot have changed (worker_main()).
	 */
	uint64_t		 gen;
	uint64_t		 idle_gen;
	int64_t			 idle_at;	/* -1: no empty pass */
	size_t			 nidle;		/* workers waiting for work */
	int			 stopping, running, keeping;
	char			 relay_pass[256];
	deliver_inject_fn	 inject;	/* queue_inject() */
};

/* A message whose recipients could not be routed yet (dest_key -1). */
struct dwait {
	TAILQ_ENTRY(dwait)	 entry;
	struct spool_msg	 sm;
	int			 recovered;
};

extern struct deliver_state	deliver_d;
#define D	deliver_d

static inline int64_t
deliver_now(void)
{
	return (int64_t)(util_now_ms() / 1000);
}

/* Something changed that may give a worker work: wake one.  Locked. */
static inline void
deliver_wake(void)
{
	D.gen++;
	pthread_cond_signal(&D.cond);
}

/* deliver.c */
int	 dmsg_complete(const struct dmsg *);
/* Off D.msgs and the scheduler's lists.  Locked. */
void	 dmsg_unlink(struct dmsg *);
void	 deliver_finish(struct dmsg *);
/* Route the waiting messages again (the keeper, once a second). */
void	 deliver_route_waiting(void);
/* keeper.c: the housekeeping thread; keeper_command is also the
   admin API's way to hold, release, delete and retry (queue_admin.c) */
void	*keeper_main(void *);
void	 keeper_command(const char *, const char *, void *);

#endif
