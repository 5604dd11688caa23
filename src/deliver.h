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

#include "buf.h"
#include "envelope.h"
#include "spool.h"

#define DJOB_MSG_MAX	50
#define DJOB_RCPT_MAX	100	/* per message in one job */

struct config;

/* One message of a job: read-only envelope, results filled in. */
struct djob_msg {
	const char		*id;
	const struct envelope	*env;
	uint64_t		 content_len;
	int			 fd;		/* ID.msg, opened for the job */
	struct buf		 prefix;	/* header fields to send first */
	size_t			 n;
	size_t			 idx[DJOB_RCPT_MAX];	/* recipient indices */
	struct spool_rcpt	 res[DJOB_RCPT_MAX];	/* outcomes */
	int			 answered;	/* a server gave a verdict */
	int			 maybe_done;	/* an earlier try may have
						   delivered (local: look) */
	int			 recorded;	/* djob_msg_return() done */
	struct dmsg		*owner;
};

struct djob {
	char		 dest[256];	/* domain, or "" for local */
	int		 local;
	int		 relay;
	size_t		 nmsg;
	struct djob_msg	 msg[DJOB_MSG_MAX];
	char		 last_err[SPOOL_REPLY_MAX + 1];	/* why the last host
							   failed (mta.c) */
	char		 last_mta[SPOOL_MTA_MAX + 1];
};

/* Load the spool and start the workers.  0 or -1. */
int	deliver_start(const struct config *, const char *datadir, int dirfd);
/* A message the queue just made durable (copied). */
void	deliver_add(const struct envelope *, uint64_t content_len);
/* Finish the transactions in flight, record them, stop the threads. */
void	deliver_stop(void);
/* A thread that called deliver_add() ends: close its store handle. */
void	deliver_thread_done(void);
/* 1 once deliver_stop() began: workers end after their transaction. */
int	deliver_stopping(void);

/* queue.c: write a new message (a bounce) durably and hand it over. */
int	queue_inject(struct envelope *, const char *content, size_t len);

/*
 * A message of the job has all its outcomes: record them now (and
 * finish the message if it is complete).  jm->env and jm->id are not to
 * be used afterwards.
 */
void	djob_msg_return(struct djob_msg *);

/* Outcome helpers shared by mta.c and local delivery. */
void	djob_result(struct djob_msg *, size_t k, enum spool_rstate,
	    const char *status, const char *mta, const char *reply);
void	djob_result_all(struct djob *, enum spool_rstate, const char *status,
	    const char *mta, const char *reply, int only_unanswered);

#endif
