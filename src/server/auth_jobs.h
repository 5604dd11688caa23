/*
 * auth_jobs: the auth process's queue of requests for its workers
 * (auth_jobs.c).  Requests of one SMTP session are answered in the order
 * they came: a worker never takes a request while another worker still
 * handles an earlier one of the same session.  That matters for the one
 * request a session does not wait for: the end of a transaction
 * (IPC_SENT) is taken before that session's next daily-limit or warm-up
 * question is answered (its count then waits in auth_sent.c's batch,
 * its holds counting for it in the store meanwhile).  Requests of different sessions
 * (and the IMAP helpers', which carry no session) run in parallel.
 */
#ifndef POSTERN_AUTH_JOBS_H
#define POSTERN_AUTH_JOBS_H

#include <stddef.h>

#include "lib/ipc.h"

#define AUTH_QUEUE_MAX	256	/* password checks waiting for a worker */

struct auth_job {
	struct auth_job	*next;
	struct ipc_msg	 msg;
	int		 reply_fd;	/* a checkpassword helper, or -1 */
};

/* Set up for n workers.  0 or -1. */
int	 auth_jobs_init(size_t nworkers);
/*
 * Queue a job; -1 when AUTH_QUEUE_MAX password checks already wait:
 * every one costs an argon2id run, so past this backlog the excess is
 * answered as a temporary failure at once rather than delay everyone's
 * login for minutes.
 */
int	 auth_jobs_put(struct auth_job *);
/* Worker w's next job (blocks); NULL once stopped and empty. */
struct auth_job *auth_jobs_get(size_t w);
/* Worker w is done with its job: its session's next may run.  1 when
   no job waits (the moment to write what was batched), else 0. */
int	 auth_jobs_done(size_t w);
/* No more jobs: the workers end when the queue is empty. */
void	 auth_jobs_stop(void);

#endif
