/*
 * auth_jobs: see auth_jobs.h.  One list in arrival order under one lock;
 * busy[w] is the session id worker w handles (0: none, or a job without
 * a session).  A worker takes the first job whose session is not busy,
 * so a session's jobs keep their order and nobody else waits for them.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/log.h"
#include "server/auth_jobs.h"

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct auth_job	*head, *tail;
	size_t		 queued;
	int		 done;
	uint64_t	*busy;		/* per worker: session, 0 none */
	size_t		 nworkers;
} J = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static int	 session_busy(uint64_t);

int
auth_jobs_init(size_t nworkers)
{
	if ((J.busy = calloc(nworkers, sizeof(*J.busy))) == NULL)
		return -1;
	J.nworkers = nworkers;
	return 0;
}

static int
session_busy(uint64_t id)
{
	size_t	w;

	for (w = 0; id != 0 && w < J.nworkers; w++)
		if (J.busy[w] == id)
			return 1;
	return 0;
}

int
auth_jobs_put(struct auth_job *job)
{
	static int	warned;	/* under J.lock */
	int		first;

	job->next = NULL;
	pthread_mutex_lock(&J.lock);
	if (J.queued >= AUTH_QUEUE_MAX && job->msg.type == IPC_AUTH_REQ) {
		first = warned++ == 0;
		pthread_mutex_unlock(&J.lock);
		if (first)
			log_warnx("auth: %d password checks waiting; "
			    "answering the excess as a temporary failure",
			    AUTH_QUEUE_MAX);
		return -1;
	}
	warned = 0;
	J.queued++;
	if (J.tail)
		J.tail->next = job;
	else
		J.head = job;
	J.tail = job;
	pthread_cond_signal(&J.cond);
	pthread_mutex_unlock(&J.lock);
	return 0;
}

struct auth_job *
auth_jobs_get(size_t w)
{
	struct auth_job	*job, *prev;
	uint64_t	 id;

	pthread_mutex_lock(&J.lock);
	for (;;) {
		for (prev = NULL, job = J.head; job != NULL;
		    prev = job, job = job->next) {
			id = job->reply_fd == -1 ? job->msg.id : 0;
			if (!session_busy(id))
				break;
		}
		if (job != NULL || (J.head == NULL && J.done))
			break;
		pthread_cond_wait(&J.cond, &J.lock);
	}
	if (job != NULL) {
		if (prev != NULL)
			prev->next = job->next;
		else
			J.head = job->next;
		if (J.tail == job)
			J.tail = prev;
		J.queued--;
		J.busy[w] = job->reply_fd == -1 ? job->msg.id : 0;
	}
	pthread_mutex_unlock(&J.lock);
	return job;
}

int
auth_jobs_done(size_t w)
{
	struct auth_job	*job;
	uint64_t	 id;
	int		 idle;

	pthread_mutex_lock(&J.lock);
	id = J.busy[w];
	J.busy[w] = 0;
	idle = J.head == NULL;
	/*
	 * A job of this session may wait behind the one just done: one
	 * idle worker can take it now.  Nothing else needs a wake-up (a
	 * new job signals one worker; this one looks for more itself), so
	 * the others sleep on: waking them all for every job was most of
	 * this process's futex traffic.
	 */
	for (job = J.head; id != 0 && job != NULL; job = job->next)
		if (job->reply_fd == -1 && job->msg.id == id) {
			pthread_cond_signal(&J.cond);
			break;
		}
	pthread_mutex_unlock(&J.lock);
	return idle;
}

void
auth_jobs_stop(void)
{
	pthread_mutex_lock(&J.lock);
	J.done = 1;
	pthread_cond_broadcast(&J.cond);
	pthread_mutex_unlock(&J.lock);
}
