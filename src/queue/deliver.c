/*
 * deliver: see deliver.h.  This file is the scheduler: the messages in
 * memory, picking jobs and taking them back, the worker and keeper
 * threads (the keeper's work is keeper.c's, sharing deliver_int.h).
 * The jobs' work is done by modules it calls, each through its
 * own header and none calling back but through djob.h: dest.c (the
 * destinations), mta.c and local.c (remote and local delivery), sign.c
 * (DKIM), finish.c (suppression and delivery notices) and control.c
 * (the operator's command files; what a command does is decided here,
 * in keeper_command).  Invariants, all under D.lock:
 *  - a recipient is in at most one job (busy[i]);
 *  - a message with jobs in flight (inflight > 0) is never freed, and
 *    is finished (bounce, suppression, removal) exactly once, by the
 *    thread that sets `finishing`;
 *  - rs[] in memory is what ID.st says, plus outcomes whose record is
 *    being written by the thread that produced them.
 * Failures: an outcome that cannot be recorded (a full spool) is kept
 * in memory and by spool_log() until a later write gets it on disk; only
 * a crash before that repeats the delivery (a local one finds its copy,
 * see maildir_deliver_once), nothing is lost; a bounce that cannot be
 * queued leaves the message in place to be finished again by the next
 * housekeeping pass.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/metrics.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/control.h"
#include "queue/deliver.h"
#include "queue/deliver_int.h"
#include "queue/dest.h"
#include "queue/outcome.h"
#include "queue/tstore.h"
#include "queue/djob.h"
#include "queue/finish.h"
#include "queue/health.h"
#include "queue/hold.h"
#include "queue/local.h"
#include "queue/mta.h"
#include "queue/provider.h"
#include "queue/shape.h"
#include "queue/sign.h"
#include "queue/spool_json.h"
#include "store/store.h"

struct deliver_state deliver_d = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.kcond = PTHREAD_COND_INITIALIZER,
};


static struct dmsg *dmsg_alloc(size_t);
static int	dmsg_new(struct spool_msg *, int);
static int	dmsg_route(const struct spool_msg *, char (*)[256], int *);
static void	dmsg_wait(struct spool_msg *, int);
static void	dmsg_free(struct dmsg *);
static int	dest_ready(const struct dmsg *, const struct dest *);
/*
 * deliver_batch_begin/_end: the messages a group commit hands over are
 * announced with one wake-up, not one each; the worker it wakes takes
 * them all in one job when they share a destination, and passes the
 * wake-up on when they do not (worker_main).
 */
static __thread int	tl_batch;	/* 1 in a batch, 2 with a message */

static struct djob *job_pick(int64_t, int64_t *, int *);
static int	 dmsg_due(const struct dmsg *, int64_t);
static struct dest *dmsg_look(struct dmsg *, int64_t, int64_t *);
static int	 rcpt_due(const struct dmsg *, size_t, int64_t);
static void	job_run(struct mta_ctx *, struct djob *);
static void	job_return(struct djob *);
static void	job_dkim(struct djob_msg *);
static void	outcome_apply(struct dmsg *, size_t, struct spool_rcpt *,
		    int64_t);
static void	*worker_main(void *);
static void	load_spool(void);



/* --- messages ----------------------------------------------------------- */

/* A message's tracking for n recipients, zeroed; NULL if out of memory. */
static struct dmsg *
dmsg_alloc(size_t n)
{
	struct dmsg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->rdest = calloc(n, sizeof(*m->rdest))) == NULL ||
	    (m->busy = calloc(n, 1)) == NULL ||
	    (m->local = calloc(n, 1)) == NULL) {
		free(m->rdest);
		free(m->busy);
		free(m);
		return NULL;
	}
	buf_init(&m->dkim, 64 * 1024);
	return m;
}

/*
 * The destination of each recipient (names, kind: local | relay << 1).
 * 0, or -1 when the store did not say whether a domain is ours.
 */
static int
dmsg_route(const struct spool_msg *sm, char (*names)[256], int *kind)
{
	const char	*at, *prev;
	size_t		 i;
	int		 local, relay;

	for (i = 0; i < sm->env.nrcpt; i++) {
		at = strrchr(sm->env.rcpt[i].addr, '@');
		prev = i > 0 ? strrchr(sm->env.rcpt[i - 1].addr, '@') : NULL;
		if (i > 0 && strcasecmp(at ? at : "", prev ? prev : "") == 0) {
			memcpy(names[i], names[i - 1], sizeof(names[i]));
			kind[i] = kind[i - 1];
			continue;
		}
		if (dest_key(D.cfg, tstore_get(), sm->env.rcpt[i].addr,
		    names[i], sizeof(names[i]), &local, &relay) == -1)
			return -1;
		kind[i] = local | relay << 1;
	}
	return 0;
}

/* Park a message the store could not route; the keeper tries again. */
static void
dmsg_wait(struct spool_msg *sm, int recovered)
{
	struct dwait	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warnx("deliver: %s: cannot track; it will be delivered "
		    "after a restart", sm->env.id);
		spool_msg_free(sm);
		return;
	}
	w->sm = *sm;
	w->recovered = recovered;
	pthread_mutex_lock(&D.lock);
	TAILQ_INSERT_TAIL(&D.waiting, w, entry);
	pthread_mutex_unlock(&D.lock);
}

/*
 * Track a loaded message: route its recipients, then insert it.  0
 * tracked; 1 waiting for the store (deliver_route_waiting); -1 out of
 * memory (the message stays on disk for the next start).
 */
static int
dmsg_new(struct spool_msg *sm, int recovered)
{
	struct dmsg	*m = NULL;
	size_t		 i, n = sm->env.nrcpt;
	char		(*names)[256];
	int		*kind = NULL, rc = -1;

	if ((names = calloc(n, sizeof(*names))) == NULL ||
	    (kind = calloc(n, sizeof(*kind))) == NULL)
		spool_msg_free(sm);
	else if (dmsg_route(sm, names, kind) == -1) {
		dmsg_wait(sm, recovered);
		rc = 1;
	} else if ((m = dmsg_alloc(n)) == NULL)
		spool_msg_free(sm);
	if (m == NULL) {
		free(names);
		free(kind);
		return rc;
	}
	m->sm = *sm;
	m->recovered = recovered;
	pthread_mutex_lock(&D.lock);
	for (i = 0; i < n && m != NULL; i++) {
		m->local[i] = kind[i] & 1;
		if ((m->rdest[i] = dest_get(names[i], kind[i] & 1,
		    kind[i] >> 1)) == NULL) {
			dmsg_free(m);
			m = NULL;
		}
	}
	if (m != NULL) {
		TAILQ_INSERT_TAIL(&D.msgs, m, entry);
		TAILQ_INSERT_TAIL(&D.cand, m, sched);
		m->sched_on = SCHED_CAND;
		/* under the lock: a worker may finish and free it after */
		log_debug("deliver: %s: scheduled", m->sm.env.id);
	}
	if (tl_batch)
		tl_batch = 2;	/* signalled by deliver_batch_end() */
	else
		deliver_wake();		/* see worker_main() */
	pthread_mutex_unlock(&D.lock);
	free(names);
	free(kind);
	return m != NULL ? 0 : -1;
}

void
deliver_route_waiting(void)
{
	TAILQ_HEAD(, dwait)	 list;
	struct dwait		*w;
	char			 id[ENVELOPE_ID_MAX + 1];

	TAILQ_INIT(&list);
	pthread_mutex_lock(&D.lock);
	TAILQ_CONCAT(&list, &D.waiting, entry);
	pthread_mutex_unlock(&D.lock);
	while ((w = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, w, entry);
		util_strlcpy(id, w->sm.env.id, sizeof(id));
		if (dmsg_new(&w->sm, w->recovered) == 0)
			log_info("deliver: %s: routed now that the account "
			    "store answers", id);
		free(w);
	}
}

static void
dmsg_free(struct dmsg *m)
{
	spool_msg_free(&m->sm);
	buf_free(&m->dkim);
	free(m->rdest);
	free(m->busy);
	free(m->local);
	free(m);
}

/* No pending recipient and nothing in flight.  Locked. */
int
dmsg_complete(const struct dmsg *m)
{
	size_t	i;

	if (m->inflight > 0)
		return 0;
	for (i = 0; i < m->sm.env.nrcpt; i++)
		if (m->sm.rs[i].state == SPOOL_R_PENDING)
			return 0;
	return 1;
}

void
deliver_batch_begin(void)
{
	tl_batch = 1;
}

void
deliver_batch_end(void)
{
	if (tl_batch == 2) {
		pthread_mutex_lock(&D.lock);
		deliver_wake();
		pthread_mutex_unlock(&D.lock);
	}
	tl_batch = 0;
}

void
deliver_add(const struct envelope *env, uint64_t content_off,
    uint64_t content_len)
{
	struct spool_msg	 sm;
	size_t			 i;

	if (!D.running)
		return;
	memset(&sm, 0, sizeof(sm));
	if (envelope_copy(&sm.env, env) == -1 ||
	    (sm.rs = calloc(env->nrcpt, sizeof(*sm.rs))) == NULL) {
		log_warnx("deliver: %s: cannot track it (copy of the "
		    "envelope failed); it will be delivered after a restart",
		    env->id);
		envelope_free(&sm.env);
		return;
	}
	sm.content_off = content_off;
	sm.content_len = content_len;
	for (i = 0; i < sm.env.nrcpt; i++)
		sm.rs[i].state = SPOOL_R_PENDING;
	switch (dmsg_new(&sm, 0)) {
	case -1:
		log_warnx("deliver: %s: cannot track; it will be delivered "
		    "after a restart", env->id);
		break;
	case 1:
		log_warnx("deliver: %s: the account store does not answer; "
		    "its recipients wait to be routed", env->id);
	}
}

/* --- picking jobs ------------------------------------------------------- */

/* Is m's recipient i waiting, due, and in no job?  Locked. */
static int
rcpt_due(const struct dmsg *m, size_t i, int64_t now)
{
	return !m->busy[i] && m->sm.rs[i].state == SPOOL_R_PENDING &&
	    m->sm.rs[i].next <= now;
}

/*
 * Fill job with due recipients of m for d.  open: the job's connection
 * is already open (djob_refill()), so a provider with no free connection
 * does not keep m back, only a hold does.  Locked.
 */
static void
job_take(struct djob *job, struct dmsg *m, struct dest *d, int64_t now,
    int open)
{
	struct djob_msg	*jm = &job->msg[job->nmsg];
	size_t		 i;
	int		 r;

	/* a due recipient for d first: the hint costs locks and parsing */
	for (i = 0; i < m->sm.env.nrcpt; i++)
		if (m->rdest[i] == d && rcpt_due(m, i, now))
			break;
	if (i == m->sm.env.nrcpt)
		return;
	if ((r = dest_ready(m, d)) == SHAPE_HELD || (r == SHAPE_FULL && !open))
		return;
	/* not memset: a djob_msg is ~80 KiB, nearly all of it the result
	   slots of recipients the message does not have */
	jm->n = 0;
	jm->maybe_done = m->recovered;
	for (; i < m->sm.env.nrcpt && jm->n < DJOB_RCPT_MAX; i++) {
		if (m->rdest[i] != d || !rcpt_due(m, i, now))
			continue;
		m->busy[i] = 1;
		jm->idx[jm->n++] = i;
		if (m->sm.rs[i].attempts > 0)
			jm->maybe_done = 1;
	}
	jm->skip = 0;
	jm->conn_use = 0;
	memset(jm->res, 0, jm->n * sizeof(jm->res[0]));
	memset(&jm->prefix, 0, sizeof(jm->prefix));
	jm->answered = jm->recorded = 0;
	jm->id = m->sm.env.id;
	jm->env = &m->sm.env;
	jm->content_off = m->sm.content_off;
	jm->content_len = m->sm.content_len;
	jm->fd = -1;
	jm->owner = m;
	m->inflight++;
	job->nmsg++;
}

/* The provider's connection cap and the message's holds: SHAPE_*
   (shape.h).  Locked. */
static int
dest_ready(const struct dmsg *m, const struct dest *d)
{
	if (d->prov < 0)
		return SHAPE_READY;
	return shape_ready(d->prov, m->dkim.data, m->dkim.len,
	    m->sm.env.sender);
}

void
dmsg_unlink(struct dmsg *m)
{
	TAILQ_REMOVE(&D.msgs, m, entry);
	if (m->sched_on == SCHED_CAND)
		TAILQ_REMOVE(&D.cand, m, sched);
	else if (m->sched_on == SCHED_PARKED)
		TAILQ_REMOVE(&D.parked, m, sched);
	m->sched_on = SCHED_NONE;
}

static void
dmsg_park(struct dmsg *m)
{
	TAILQ_REMOVE(&D.cand, m, sched);
	TAILQ_INSERT_TAIL(&D.parked, m, sched);
	m->sched_on = SCHED_PARKED;
}

/*
 * The parked messages back to the head of the candidates, when what
 * kept them may have changed: a new second (retry times, a hold's pause
 * and steps), a hold's slot freed or a hold lifted, an operator's
 * command.  Locked.
 */
static void
sched_unpark(int64_t now)
{
	struct dmsg	*m;
	uint64_t	 epoch = hold_epoch();

	if (now == D.parked_at && epoch == D.parked_hold && !D.unpark)
		return;
	D.parked_at = now;
	D.parked_hold = epoch;
	D.unpark = 0;
	if (TAILQ_EMPTY(&D.parked))
		return;
	TAILQ_FOREACH(m, &D.parked, sched)
		m->sched_on = SCHED_CAND;
	/* parked, then the candidates: the parked have waited longer */
	TAILQ_CONCAT(&D.parked, &D.cand, sched);
	TAILQ_CONCAT(&D.cand, &D.parked, sched);
}

static int
dmsg_eligible(const struct dmsg *m)
{
	return !m->deleted && !m->finishing && !m->sm.hold;
}

/*
 * A candidate looked at: the destination of its first due recipient
 * whose destination has room, or NULL, and then m is parked unless
 * something may change before the next second.  *wake: lowered to its
 * next retry.  Locked.
 */
static struct dest *
dmsg_look(struct dmsg *m, int64_t now, int64_t *wake)
{
	struct dest	*d = NULL;
	size_t		 i;
	int		 stay = 0, r;

	if (!dmsg_eligible(m)) {
		/* held by the operator: read again each second */
		if (m->sm.hold && !m->deleted && !m->finishing)
			dmsg_park(m);
		return NULL;
	}
	/* stay: something may change before the next second (a job back
	   frees a recipient, a destination's slot or a provider's
	   connection) */
	for (i = 0; i < m->sm.env.nrcpt && d == NULL; i++) {
		if (m->sm.rs[i].state != SPOOL_R_PENDING)
			continue;
		if (m->busy[i]) {
			stay = 1;
			continue;
		}
		if (m->sm.rs[i].next > now) {
			if (m->sm.rs[i].next < *wake)
				*wake = m->sm.rs[i].next;
			continue;
		}
		/* held parks whatever the room: a hold outlasts
		   the jobs that fill a destination */
		if ((r = dest_ready(m, m->rdest[i])) == SHAPE_HELD)
			continue;
		if (r == SHAPE_FULL || m->rdest[i]->active >=
		    D.cfg->destination_concurrency)
			stay = 1;
		else
			d = m->rdest[i];
	}
	if (d == NULL && !stay)
		dmsg_park(m);
	return d;
}

/*
 * The first due recipient whose destination has room decides the
 * destination; the job then takes that destination's due recipients in
 * arrival order.  *wake: when the next recipient falls due; *more:
 * whether another worker would find a job too.  Locked.
 */
static struct djob *
job_pick(int64_t now, int64_t *wake, int *more)
{
	struct dmsg	*m, *next, *start = NULL;
	struct dest	*d = NULL;
	struct djob	*job;

	sched_unpark(now);
	for (m = TAILQ_FIRST(&D.cand); m != NULL; m = next) {
		next = TAILQ_NEXT(m, sched);
		if ((d = dmsg_look(m, now, wake)) != NULL) {
			start = m;
			break;
		}
	}
	/* not calloc: ~4 MiB, of which a job touches what it fills */
	if (d == NULL)
		return NULL;
	if ((job = malloc(sizeof(*job))) == NULL) {
		*more = 1;	/* not an empty pass: try again */
		return NULL;
	}
	job->nmsg = 0;
	job->last_err[0] = job->last_mta[0] = '\0';
	util_strlcpy(job->dest, d->name, sizeof(job->dest));
	job->local = d->local;
	job->relay = d->relay;
	job->provider = d->prov;
	for (m = start; m != NULL && job->nmsg < DJOB_MSG_MAX;
	    m = TAILQ_NEXT(m, sched))
		if (dmsg_eligible(m))
			job_take(job, m, d, now, 0);
	d->active++;
	/* the messages left behind: one that is due elsewhere, or the rest
	   of a full job, is work for another worker */
	*more = m != NULL;
	for (m = start; m != NULL && !*more; m = TAILQ_NEXT(m, sched))
		*more = dmsg_eligible(m) && dmsg_due(m, now);
	return job;
}

/* Has m a recipient that a worker could take now?  Locked. */
static int
dmsg_due(const struct dmsg *m, int64_t now)
{
	size_t	i;

	for (i = 0; i < m->sm.env.nrcpt; i++)
		if (rcpt_due(m, i, now) && m->rdest[i]->active <
		    D.cfg->destination_concurrency &&
		    dest_ready(m, m->rdest[i]) == SHAPE_READY)
			return 1;
	return 0;
}

/* --- running jobs ------------------------------------------------------- */

static void
job_open(struct djob *job)
{
	size_t	i;

	for (i = 0; i < job->nmsg; i++) {
		struct djob_msg *jm = &job->msg[i];

		jm->fd = spool_open_msg(D.dirfd, jm->id);
		if (jm->fd == -1) {
			size_t k;

			for (k = 0; k < jm->n; k++)
				djob_result(jm, k, SPOOL_R_PENDING, "4.3.0", "",
				    "cannot open the queued message");
			jm->answered = 1;
		}
		buf_init(&jm->prefix, 64 * 1024);
	}
}

/*
 * delivery = discard: every recipient is done and nothing is sent, like
 * Postfix's discard(8).  For staging, and for benchmarks that compare
 * servers which all throw their mail away.
 */
static void
job_discard(struct djob *job)
{
	size_t	i, k;

	for (i = 0; i < job->nmsg; i++) {
		for (k = 0; k < job->msg[i].n; k++)
			djob_result(&job->msg[i], k, SPOOL_R_DONE, "2.0.0",
			    "discard", "discarded (delivery = discard)");
		job->msg[i].answered = 1;
		djob_msg_return(&job->msg[i]);
	}
}

/* Each message's file, and for a remote destination its signature. */
static void
job_prepare(struct djob *job)
{
	size_t	i;

	job_open(job);
	if (!job->local)
		for (i = 0; i < job->nmsg; i++)
			if (job->msg[i].fd != -1)
				job_dkim(&job->msg[i]);
}

static void
job_close(struct djob *job)
{
	size_t	i;

	for (i = 0; i < job->nmsg; i++) {
		if (job->msg[i].fd != -1)
			close(job->msg[i].fd);
		job->msg[i].fd = -1;
		buf_free(&job->msg[i].prefix);
	}
}

static void
job_run(struct mta_ctx *ctx, struct djob *job)
{
	if (D.cfg->delivery == DELIVERY_DISCARD) {
		job_discard(job);
		return;
	}
	job_prepare(job);
	if (job->local)
		local_run(job, tstore_get(), D.datadir);
	else
		mta_run(ctx, job);
	job_close(job);
}

size_t
djob_refill(struct djob *job)
{
	struct dest	*d;
	struct dmsg	*m, *next;
	int64_t		 now = deliver_now(), wake = INT64_MAX;
	size_t		 i, n;
	int		 busy;

	for (i = 0; i < job->nmsg; i++)
		djob_msg_return(&job->msg[i]);
	job_close(job);
	job->nmsg = 0;
	if (deliver_stopping())
		return 0;
	pthread_mutex_lock(&D.lock);
	/*
	 * As job_pick() reads the candidates: the parked come back at a
	 * new second (a retry due elsewhere is seen), and a message with
	 * nothing for this connection is looked at as job_pick() would,
	 * and parked if nothing of it may go.
	 *
	 * With every worker busy, the connection is kept only for what
	 * job_pick() would choose next anyway: when an earlier message is
	 * due elsewhere, it ends, and arrival order decides, as without
	 * reuse.  With a worker idle, that worker takes the other mail.
	 */
	sched_unpark(now);
	busy = D.nidle == 0;
	d = dest_get(job->dest, job->local, job->relay);
	if (d != NULL && job->provider >= 0)
		d->prov = job->provider;	/* what its MX said */
	for (m = TAILQ_FIRST(&D.cand); d != NULL && m != NULL &&
	    job->nmsg < DJOB_MSG_MAX; m = next) {
		next = TAILQ_NEXT(m, sched);
		n = job->nmsg;
		if (dmsg_eligible(m))
			job_take(job, m, d, now, 1);
		if (job->nmsg > n)
			continue;
		/* nothing for this connection: as job_pick() sees it */
		if (dmsg_look(m, now, &wake) != NULL && busy &&
		    job->nmsg == 0)
			break;
	}
	pthread_mutex_unlock(&D.lock);
	if (job->nmsg > 0)
		job_prepare(job);
	return job->nmsg;
}

/*
 * Sign once per message (sign.h); every later job of the message sends
 * the same signatures.  Not locked while signing: two jobs of a message
 * may both sign it, the first to finish is kept.
 */
static void
job_dkim(struct djob_msg *jm)
{
	struct dmsg	*m = jm->owner;
	struct buf	 sig;
	size_t		 k;
	int		 done;

	pthread_mutex_lock(&D.lock);
	done = m->dkim_done;
	if (done && m->dkim.len > 0)
		buf_append(&jm->prefix, m->dkim.data, m->dkim.len);
	pthread_mutex_unlock(&D.lock);
	if (done)
		return;
	buf_init(&sig, 64 * 1024);
	switch (sign_message(tstore_get(), jm->id, jm->env->sender, jm->fd,
	    jm->content_off, jm->content_len, deliver_now(), &sig)) {
	case -2:	/* not unsigned: it waits for the keys */
		for (k = 0; k < jm->n; k++)
			djob_result(jm, k, SPOOL_R_PENDING, "4.3.0", "",
			    "account store unavailable: DKIM keys not read");
		jm->answered = 1;
		/* FALLTHROUGH */
	case -1:
		buf_free(&sig);
		return;
	}
	if (sig.len > 0)
		buf_append(&jm->prefix, sig.data, sig.len);
	pthread_mutex_lock(&D.lock);
	if (!m->dkim_done && sig.len > 0)
		buf_append(&m->dkim, sig.data, sig.len);
	m->dkim_done = 1;
	pthread_mutex_unlock(&D.lock);
	buf_free(&sig);
}

/* --- outcomes ----------------------------------------------------------- */

/* Retry schedule: retry_min doubling up to retry_max (Postfix-like). */
static int64_t
retry_delay(uint32_t attempts)
{
	uint64_t	ms = D.cfg->retry_min_ms;

	while (attempts-- > 1 && ms < D.cfg->retry_max_ms)
		ms *= 2;
	if (ms > D.cfg->retry_max_ms)
		ms = D.cfg->retry_max_ms;
	return (int64_t)((ms + 999) / 1000);
}

/* Fold one outcome into the message's state.  Locked. */
static void
outcome_apply(struct dmsg *m, size_t idx, struct spool_rcpt *res,
    int64_t now)
{
	struct spool_rcpt	*r = &m->sm.rs[idx];
	int64_t			 age = now - (int64_t)m->sm.env.created;
	char			 why[SPOOL_REPLY_MAX + 1];

	res->attempts = r->attempts + 1;
	res->last = now;
	res->next = 0;
	if (res->state == SPOOL_R_PENDING) {
		res->next = now + retry_delay(res->attempts);
		if (age * 1000 >= (int64_t)D.cfg->queue_lifetime_ms) {
			res->state = SPOOL_R_FAILED;
			(void)util_snprintf(why, sizeof(why), "gave up after "
			    "%" PRId64 " hours in the queue; last error: %s",
			    age / 3600, res->reply);
			util_strlcpy(res->reply, why, sizeof(res->reply));
			util_strlcpy(res->status, "4.4.7", sizeof(res->status));
		}
	}
	*r = *res;
}

/* Will m be complete once this job (its last in flight) returns?  Locked. */
static int
last_job(const struct dmsg *m)
{
	size_t	i;

	if (m->inflight != 1 || m->deleted)
		return 0;
	for (i = 0; i < m->sm.env.nrcpt; i++)
		if (m->sm.rs[i].state == SPOOL_R_PENDING)
			return 0;
	return 1;
}

/*
 * Replace the message's state log with a snapshot of its state in
 * memory: when the log grew past SPOOL_COMPACT, and before a bounce is
 * queued (the last job's outcomes were not written, the message was to
 * be removed, and a failed or interrupted finish must not deliver them
 * again).  Under the lock for the whole write, so no outcome applied
 * meanwhile can be appended to the old file and lost by the rename.
 */
static void
snapshot(struct dmsg *m)
{
	struct buf	b;

	buf_init(&b, SPOOL_ST_MAX);
	pthread_mutex_lock(&D.lock);
	if (spool_snapshot(&m->sm, &b) == -1 ||
	    spool_compact(D.dirfd, m->sm.env.id, &b) == -1)
		log_warn("deliver: %s: write the state log", m->sm.env.id);
	pthread_mutex_unlock(&D.lock);
	buf_free(&b);
}

/*
 * Record one message's outcomes as soon as it has them, so that a crash
 * repeats at most the message in flight, not the whole job.  The record
 * is written while the message still counts as in flight, so no other
 * thread can finish and free it meanwhile; a message this completes
 * needs no record, it is removed.  After this, jm->env and jm->id must
 * not be used: the message may be gone.
 */
void
djob_msg_return(struct djob_msg *jm)
{
	struct dmsg	*m = jm->owner;
	struct buf	 rec;
	int64_t		 now = deliver_now();
	uint64_t	 logsize = 0;
	size_t		 k;
	int		 skip, done = 0;

	if (jm->recorded || jm->n == 0)
		return;
	jm->recorded = 1;
	if (jm->skip != 0) {	/* not tried (shape.h): no attempt counted */
		pthread_mutex_lock(&D.lock);
		for (k = 0; k < jm->n; k++)
			m->sm.rs[jm->idx[k]].next = jm->skip;
		pthread_mutex_unlock(&D.lock);
		goto back;
	}
	buf_init(&rec, 1024 * 1024);
	pthread_mutex_lock(&D.lock);
	for (k = 0; k < jm->n; k++) {
		if (jm->res[k].state == 0)
			djob_result(jm, k, SPOOL_R_PENDING, "4.4.1", "",
			    "no outcome");
		outcome_apply(m, jm->idx[k], &jm->res[k], now);
		spool_rec_rcpt(&rec, jm->idx[k], &jm->res[k]);
	}
	skip = last_job(m);
	pthread_mutex_unlock(&D.lock);
	for (k = 0; k < jm->n; k++)
		outcome_log(jm, k, now);
	if (!skip && spool_log(D.dirfd, jm->id, &rec, &logsize) == -1)
		log_warn("deliver: %s: cannot record outcomes", jm->id);
	buf_free(&rec);
	if (!skip && logsize > SPOOL_COMPACT)
		snapshot(m);
back:
	pthread_mutex_lock(&D.lock);
	for (k = 0; k < jm->n; k++)
		m->busy[jm->idx[k]] = 0;
	m->inflight--;
	if (m->deleted && m->inflight == 0 && !m->finishing) {
		dmsg_unlink(m);
		m->finishing = done = 2;	/* deleted: remove only */
	} else if (!m->finishing && dmsg_complete(m))
		m->finishing = done = 1;
	deliver_wake();
	pthread_mutex_unlock(&D.lock);
	if (done)
		deliver_finish(m);
}

/* The messages not yet recorded, then the destination's slot. */
static void
job_return(struct djob *job)
{
	struct dest	*d;
	size_t		 i;

	for (i = 0; i < job->nmsg; i++)
		djob_msg_return(&job->msg[i]);
	pthread_mutex_lock(&D.lock);
	d = dest_get(job->dest, job->local, job->relay);
	if (d != NULL && job->provider >= 0)
		d->prov = job->provider;	/* what its MX said */
	if (d != NULL && d->active > 0)
		d->active--;
	deliver_wake();
	pthread_mutex_unlock(&D.lock);
}

/* --- finishing: bounce, suppression, removal ---------------------------- */

void
deliver_finish(struct dmsg *m)
{
	int	ok = 1;

	if (m->finishing == 1 && !m->suppressed) {
		finish_suppress(tstore_get(), &m->sm, m->local, deliver_now());
		m->suppressed = 1;
	}
	if (m->finishing == 1 && !m->sm.bounced &&
	    finish_needs_notice(&m->sm)) {
		snapshot(m);	/* every outcome on disk first */
		ok = finish_bounce(&m->sm, m->local, D.dirfd, D.cfg->hostname,
		    D.inject, deliver_now()) == 0;
	}
	if (!ok) {
		pthread_mutex_lock(&D.lock);
		m->finishing = 0;	/* the keeper tries again, later */
		m->finish_retry = deliver_now() + 60;
		pthread_mutex_unlock(&D.lock);
		return;
	}
	if ((m->recovered ? spool_remove(D.dirfd, m->sm.env.id, 1) :
	    spool_remove_new(D.dirfd, m->sm.env.id, 1)) == -1)
		log_warn("deliver: %s: remove", m->sm.env.id);
	else
		log_info("deliver: %s: removed%s", m->sm.env.id,
		    m->finishing == 2 ? " (deleted by the operator)" : "");
	pthread_mutex_lock(&D.lock);
	if (m->finishing == 1)
		dmsg_unlink(m);
	pthread_mutex_unlock(&D.lock);
	dmsg_free(m);
}

/* --- threads ------------------------------------------------------------ */

static void *
worker_main(void *arg)
{
	struct mta_ctx	 ctx;
	struct djob	*job;
	struct timespec	 ts;
	char		 err[256];
	int64_t		 now, wake;
	int		 more;

	if (mta_init(&ctx, D.cfg, err, sizeof(err)) == -1) {
		log_warnx("deliver: worker: %s", err);
		return NULL;
	}
	util_strlcpy(ctx.relay_pass, D.relay_pass, sizeof(ctx.relay_pass));
	pthread_mutex_lock(&D.lock);
	for (;;) {
		if (D.stopping)
			break;
		now = deliver_now();
		wake = now + 1;
		/*
		 * Twenty idle workers each waking once a second would read
		 * the whole queue twenty times a second; with 20,000
		 * messages held that was a fifth of a core
		 * (bench/queue_idle.py).  Whether a recipient is due or a
		 * destination ready changes only with the second (retry
		 * times, holds' pauses and steps) or at an event (a message
		 * queued, a job back, an operator's command): deliver_wake()
		 * counts those.  So a pass that found nothing is not
		 * repeated by another worker within the same second and
		 * event count.  A change that no event counts is seen at
		 * the next second, as every change was before.
		 */
		more = 0;
		if (D.idle_at == now && D.idle_gen == D.gen)
			job = NULL;
		else if ((job = job_pick(now, &wake, &more)) == NULL &&
		    !more) {
			D.idle_at = now;
			D.idle_gen = D.gen;
		}
		if (job == NULL) {
			ts.tv_sec = wake;
			ts.tv_nsec = 0;
			D.nidle++;
			pthread_cond_timedwait(&D.cond, &D.lock, &ts);
			D.nidle--;
			continue;
		}
		/*
		 * Work appears one event at a time (a message queued, a job
		 * back), each signalling one worker instead of waking all
		 * twenty; a worker that found a job passes the wake-up on
		 * when it left work behind (the event made room for more
		 * than one), not otherwise: a worker woken for nothing costs
		 * two context switches a message.
		 */
		if (more)
			pthread_cond_signal(&D.cond);
		pthread_mutex_unlock(&D.lock);
		job_run(&ctx, job);
		job_return(job);
		free(job);
		pthread_mutex_lock(&D.lock);
	}
	pthread_mutex_unlock(&D.lock);
	mta_free(&ctx);
	tstore_close();
	return NULL;
}

/* --- start and stop ------------------------------------------------------ */

static void
load_spool(void)
{
	struct spool_msg	 sm;
	char			 err[256], **ids, *id;
	size_t			 n = 0, bad = 0, nids, i;

	if (spool_list_ids(D.dirfd, &ids, &nids) == -1) {
		log_warn("deliver: read the queue");
		return;
	}
	for (i = 0; i < nids; i++) {
		id = ids[i];
		if (spool_load(D.dirfd, id, &sm, err, sizeof(err)) == -1) {
			log_warnx("deliver: %s: %s; left in place", id, err);
			bad++;
			continue;
		}
		/* queued before this start: a try may have reached the
		   mailbox just before a crash */
		switch (dmsg_new(&sm, 1)) {
		case 1:
			log_warnx("deliver: %s: the account store does not "
			    "answer; its recipients wait to be routed", id);
			/* FALLTHROUGH */
		case 0:
			n++;
		}
	}
	spool_free_ids(ids, nids);
	log_info("deliver: %zu message(s) to deliver%s", n, bad ?
	    ", some unreadable (see above)" : "");
}

int
deliver_start(const struct config *cfg, const char *datadir, int dirfd,
    deliver_inject_fn inject)
{
	size_t	i;

	D.cfg = cfg;
	D.datadir = datadir;
	tstore_init(datadir);
	D.dirfd = dirfd;
	D.inject = inject;
	TAILQ_INIT(&D.msgs);
	TAILQ_INIT(&D.cand);
	TAILQ_INIT(&D.parked);
	TAILQ_INIT(&D.waiting);
	D.idle_at = -1;
	D.parked_at = -1;
	if (control_dir(datadir, D.cmddir, sizeof(D.cmddir)) == -1 ||
	    provider_load(datadir) == -1 || hold_load(datadir) == -1)
		return -1;
	for (i = 0; i < provider_count(); i++)
		metrics_provider_name((int)i, provider_get((int)i)->name);
	(void)mkdir(D.cmddir, 0700);
	if (mta_relay_password(cfg, D.relay_pass, sizeof(D.relay_pass)) == -1)
		return -1;
	if (pthread_create(&D.keeper, NULL, keeper_main, NULL) != 0)
		return -1;
	D.keeping = 1;
	if (cfg->delivery == DELIVERY_NO) {
		/* nothing is tracked; the keeper applies `postern queue`
		   commands to the files */
		log_info("deliver: delivery = no: messages stay queued");
		return 0;
	}
	if (cfg->delivery == DELIVERY_DISCARD)
		log_info("deliver: delivery = discard: messages are dropped "
		    "as delivered");
	D.running = 1;
	load_spool();
	if ((D.workers = calloc(cfg->delivery_workers,
	    sizeof(*D.workers))) == NULL)
		return -1;
	for (i = 0; i < cfg->delivery_workers; i++) {
		if (pthread_create(&D.workers[i], NULL, worker_main, NULL) != 0)
			break;
		D.nworkers++;
	}
	return D.nworkers > 0 ? 0 : -1;
}

void
deliver_thread_done(void)
{
	tstore_close();
}

int
deliver_stopping(void)
{
	int	stop;

	pthread_mutex_lock(&D.lock);
	stop = D.stopping;
	pthread_mutex_unlock(&D.lock);
	return stop;
}

void
deliver_stop(void)
{
	struct dmsg	*m;
	struct dwait	*w;
	size_t		 i;

	if (!D.keeping)
		return;
	pthread_mutex_lock(&D.lock);
	D.stopping = 1;
	pthread_cond_broadcast(&D.cond);
	pthread_cond_broadcast(&D.kcond);
	pthread_mutex_unlock(&D.lock);
	for (i = 0; i < D.nworkers; i++)
		pthread_join(D.workers[i], NULL);
	pthread_join(D.keeper, NULL);
	/* what the workers finished after the keeper's last round */
	health_flush(tstore_get());
	tstore_close();
	if (spool_index_flush(D.dirfd) == -1)
		log_warn("deliver: sync of the spool log's done lists");
	free(D.workers);
	while ((m = TAILQ_FIRST(&D.msgs)) != NULL) {
		dmsg_unlink(m);
		dmsg_free(m);
	}
	while ((w = TAILQ_FIRST(&D.waiting)) != NULL) {
		TAILQ_REMOVE(&D.waiting, w, entry);
		spool_msg_free(&w->sm);
		free(w);
	}
	dest_clear();
	explicit_bzero(D.relay_pass, sizeof(D.relay_pass));
	D.running = 0;
}
