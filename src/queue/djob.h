/*
 * djob: a delivery job, as the scheduler (deliver.c) hands it to the
 * code that carries it out (mta.c for remote destinations, local.c for
 * Maildirs) and as that code reports each recipient's outcome back.
 * This header is the whole contract between the two sides: the runners
 * include it, never deliver.h, so nothing calls back up by name.
 */
#ifndef POSTERN_DJOB_H
#define POSTERN_DJOB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "queue/envelope.h"
#include "queue/spool.h"

struct dmsg;

#define DJOB_MSG_MAX	50
#define DJOB_RCPT_MAX	100	/* per message in one job */

/* One message of a job: read-only envelope, results filled in. */
struct djob_msg {
	const char		*id;
	const struct envelope	*env;
	uint64_t		 content_off;	/* in fd */
	uint64_t		 content_len;
	int			 fd;		/* the message's file, opened
						   for the job */
	struct buf		 prefix;	/* header fields to send first */
	size_t			 n;
	size_t			 idx[DJOB_RCPT_MAX];	/* recipient indices */
	struct spool_rcpt	 res[DJOB_RCPT_MAX];	/* outcomes */
	int			 answered;	/* a server gave a verdict */
	int			 maybe_done;	/* an earlier try may have
						   delivered (local: look) */
	int			 recorded;	/* djob_msg_return() done */
	int64_t			 skip;		/* not tried (a hold, a cap):
						   put back, due again at
						   this time (seconds) */
	unsigned		 conn_use;	/* its transaction's number
						   on its connection; 0 none */
	struct dmsg		*owner;
};

struct djob {
	char		 dest[256];	/* domain, or "" for local */
	int		 local;
	int		 relay;
	int		 provider;	/* provider.h; -1 not known */
	size_t		 nmsg;
	struct djob_msg	 msg[DJOB_MSG_MAX];
	char		 last_err[SPOOL_REPLY_MAX + 1];	/* why the last host
							   failed (mta.c) */
	char		 last_mta[SPOOL_MTA_MAX + 1];
};

/* 1 once deliver_stop() began: workers end after their transaction. */
int	deliver_stopping(void);

/*
 * A message of the job has all its outcomes: record them now (and
 * finish the message if it is complete).  jm->env and jm->id are not to
 * be used afterwards.
 */
void	djob_msg_return(struct djob_msg *);

/*
 * The job's connection has carried all its messages and may carry more
 * (mta.c, connection_reuse_time): record every message the job holds,
 * then fill the job again with due recipients of the same destination,
 * opened and signed as the first ones were.  The destination's slot and
 * the provider's connection stay with the job, so only holds are
 * checked.  Returns the number of messages taken; 0: none, close.
 */
size_t	djob_refill(struct djob *);

/* Outcome helpers shared by mta.c and local.c (djob.c). */
void	djob_result(struct djob_msg *, size_t k, enum spool_rstate,
	    const char *status, const char *mta, const char *reply);
void	djob_result_all(struct djob *, enum spool_rstate, const char *status,
	    const char *mta, const char *reply, int only_unanswered);

#endif
