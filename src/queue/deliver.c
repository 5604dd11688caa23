/*
 * deliver: see deliver.h.  Invariants, all under D.lock:
 *  - a recipient is in at most one job (busy[i]);
 *  - a message with jobs in flight (inflight > 0) is never freed, and
 *    is finished (bounce, suppression, removal) exactly once, by the
 *    thread that sets `finishing`;
 *  - rs[] in memory is what ID.st says, plus outcomes whose record is
 *    being written by the thread that produced them.
 * Failures: an outcome that cannot be recorded (a full spool) is kept
 * in memory and by spool_log() until a later write gets it on disk; only
 * a crash before that repeats the delivery (a local one finds its copy,
 * see maildir_deliver_once), nothing is lost; a bounce that cannot be queued leaves the message in place to
 * be finished again by the next housekeeping pass.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "lib/log.h"
#include "lib/util.h"
#include "queue/deliver.h"
#include "queue/djob.h"
#include "queue/dkim.h"
#include "queue/dsn.h"
#include "queue/maildir.h"
#include "queue/mta.h"
#include "store/store.h"

#define DEST_BUCKETS	256
#define CMD_MAX		256
#define ORIGINAL_MAX	(10 * 1024 * 1024)	/* RET=FULL bound */

struct dest {
	LIST_ENTRY(dest) entry;
	char		 name[256];	/* domain, "" local, "[relay]" */
	int		 local, relay;
	unsigned	 active;
};

struct dmsg {
	TAILQ_ENTRY(dmsg) entry;
	struct spool_msg sm;
	struct dest	**rdest;	/* per recipient */
	uint8_t		*busy;		/* per recipient: in a job */
	unsigned	 inflight;	/* jobs */
	int		 deleted, finishing;
	int		 suppressed;	/* finish_suppress() done */
	int64_t		 finish_retry;	/* a failed finish: not before */
	struct buf	 dkim;		/* signature fields, once made */
	int		 dkim_done;
	int		 recovered;	/* found in the spool at start */
};

static struct {
	const struct config	*cfg;
	const char		*datadir;
	int			 dirfd;
	char			 cmddir[PATH_MAX];
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	TAILQ_HEAD(, dmsg)	 msgs;
	LIST_HEAD(, dest)	 dests[DEST_BUCKETS];
	pthread_t		*workers;
	pthread_t		 keeper;
	size_t			 nworkers;
	int			 stopping, running, keeping;
	char			 relay_pass[256];
	deliver_inject_fn	 inject;	/* queue_inject() */
} D = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static __thread struct store *tl_store;

static struct store *deliver_store(void);
static struct dest *dest_get(const char *, int, int);
static void	dest_key(const char *, char *, size_t, int *, int *);
static struct dmsg *dmsg_new(struct spool_msg *, int);
static void	dmsg_free(struct dmsg *);
static int	dmsg_complete(const struct dmsg *);
static struct djob *job_pick(int64_t, int64_t *);
static void	job_run(struct mta_ctx *, struct djob *);
static void	job_return(struct djob *);
static void	job_local(struct djob *);
static void	job_dkim(struct djob_msg *);
static void	outcome_apply(struct dmsg *, size_t, struct spool_rcpt *,
		    int64_t);
static void	finish(struct dmsg *);
static int	finish_bounce(struct dmsg *);
static void	finish_suppress(struct dmsg *);
static void	*worker_main(void *);
static void	*keeper_main(void *);
static void	keeper_commands(void);
static void	keeper_finish(void);
static void	load_spool(void);

static int64_t
now_s(void)
{
	return (int64_t)(util_now_ms() / 1000);
}

static struct store *
deliver_store(void)
{
	char	err[256];

	if (tl_store == NULL &&
	    (tl_store = store_open(D.datadir, 0, err, sizeof(err))) == NULL)
		log_warnx("deliver: store: %s", err);
	return tl_store;
}

/* --- destinations ------------------------------------------------------ */

static unsigned
dest_hash(const char *s)
{
	unsigned	h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % DEST_BUCKETS;
}

static struct dest *
dest_get(const char *name, int local, int relay)
{
	struct dest	*d;
	unsigned	 h = dest_hash(name);

	LIST_FOREACH(d, &D.dests[h], entry)
		if (strcmp(d->name, name) == 0)
			return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	util_strlcpy(d->name, name, sizeof(d->name));
	d->local = local;
	d->relay = relay;
	LIST_INSERT_HEAD(&D.dests[h], d, entry);
	return d;
}

/* Local domain, relayhost or the recipient's own domain.  Not locked:
   it asks the store. */
static void
dest_key(const char *rcpt, char *name, size_t namesz, int *local,
    int *relay)
{
	const char	*at = strrchr(rcpt, '@');
	char		 dom[256];
	struct store	*st = deliver_store();

	util_strlcpy(dom, at ? at + 1 : D.cfg->hostname, sizeof(dom));
	util_lower(dom);
	*local = *relay = 0;
	if (at == NULL || (st != NULL &&
	    store_domain_exists(st, dom) == STORE_OK)) {
		*local = 1;
		name[0] = '\0';
	} else if (D.cfg->relayhost[0] != '\0') {
		*relay = 1;
		util_strlcpy(name, "[relay]", namesz);
	} else
		util_strlcpy(name, dom, namesz);
}

/* --- messages ----------------------------------------------------------- */

/* Track a loaded message: classify its recipients, then insert it. */
static struct dmsg *
dmsg_new(struct spool_msg *sm, int recovered)
{
	struct dmsg	*m;
	size_t		 i, n = sm->env.nrcpt;
	char		(*names)[256] = NULL;
	int		*kind = NULL, local, relay;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->rdest = calloc(n, sizeof(*m->rdest))) == NULL ||
	    (m->busy = calloc(n, 1)) == NULL ||
	    (names = calloc(n, sizeof(*names))) == NULL ||
	    (kind = calloc(n, sizeof(*kind))) == NULL) {
		if (m != NULL) {
			free(m->rdest);
			free(m->busy);
		}
		free(m);
		free(names);
		spool_msg_free(sm);
		return NULL;
	}
	m->sm = *sm;
	m->recovered = recovered;
	buf_init(&m->dkim, 64 * 1024);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcasecmp(strrchr(sm->env.rcpt[i].addr, '@') ?
		    strrchr(sm->env.rcpt[i].addr, '@') : "",
		    strrchr(sm->env.rcpt[i - 1].addr, '@') ?
		    strrchr(sm->env.rcpt[i - 1].addr, '@') : "") == 0) {
			memcpy(names[i], names[i - 1], sizeof(names[i]));
			kind[i] = kind[i - 1];
			continue;
		}
		dest_key(sm->env.rcpt[i].addr, names[i], sizeof(names[i]),
		    &local, &relay);
		kind[i] = local | relay << 1;
	}
	pthread_mutex_lock(&D.lock);
	for (i = 0; i < n && m != NULL; i++)
		if ((m->rdest[i] = dest_get(names[i], kind[i] & 1,
		    kind[i] >> 1)) == NULL) {
			dmsg_free(m);
			m = NULL;
		}
	if (m != NULL)
		TAILQ_INSERT_TAIL(&D.msgs, m, entry);
	pthread_cond_signal(&D.cond);	/* see worker_main() */
	pthread_mutex_unlock(&D.lock);
	free(names);
	free(kind);
	return m;
}

static void
dmsg_free(struct dmsg *m)
{
	spool_msg_free(&m->sm);
	buf_free(&m->dkim);
	free(m->rdest);
	free(m->busy);
	free(m);
}

/* No pending recipient and nothing in flight.  Locked. */
static int
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
deliver_add(const struct envelope *env, uint64_t content_len)
{
	struct spool_msg	 sm;
	struct buf		 b;
	char			 err[128];
	struct dmsg		*m;
	size_t			 i;

	if (!D.running)
		return;
	/* a deep copy through the on-disk form: one code path, checked */
	buf_init(&b, 16 * 1024 * 1024);
	memset(&sm, 0, sizeof(sm));
	if (envelope_format(env, &b) == -1 ||
	    envelope_parse(&sm.env, b.data, b.len, err, sizeof(err)) == -1 ||
	    (sm.rs = calloc(env->nrcpt, sizeof(*sm.rs))) == NULL) {
		log_warnx("deliver: %s: cannot track it (copy of the "
		    "envelope failed); it will be delivered after a restart",
		    env->id);
		envelope_free(&sm.env);
		buf_free(&b);
		return;
	}
	buf_free(&b);
	sm.content_len = content_len;
	for (i = 0; i < sm.env.nrcpt; i++)
		sm.rs[i].state = SPOOL_R_PENDING;
	if ((m = dmsg_new(&sm, 0)) == NULL)
		log_warnx("deliver: %s: cannot track; it will be delivered "
		    "after a restart", env->id);
}

/* --- picking jobs ------------------------------------------------------- */

/* Fill job with due recipients of m for d.  Locked. */
static void
job_take(struct djob *job, struct dmsg *m, struct dest *d, int64_t now)
{
	struct djob_msg	*jm = &job->msg[job->nmsg];
	size_t		 i;

	/* not memset: a djob_msg is ~80 KiB, nearly all of it the result
	   slots of recipients the message does not have */
	jm->n = 0;
	jm->maybe_done = m->recovered;
	for (i = 0; i < m->sm.env.nrcpt && jm->n < DJOB_RCPT_MAX; i++) {
		if (m->rdest[i] != d || m->busy[i] ||
		    m->sm.rs[i].state != SPOOL_R_PENDING ||
		    m->sm.rs[i].next > now)
			continue;
		m->busy[i] = 1;
		jm->idx[jm->n++] = i;
		if (m->sm.rs[i].attempts > 0)
			jm->maybe_done = 1;
	}
	if (jm->n == 0)
		return;
	memset(jm->res, 0, jm->n * sizeof(jm->res[0]));
	memset(&jm->prefix, 0, sizeof(jm->prefix));
	jm->answered = jm->recorded = 0;
	jm->id = m->sm.env.id;
	jm->env = &m->sm.env;
	jm->content_len = m->sm.content_len;
	jm->fd = -1;
	jm->owner = m;
	m->inflight++;
	job->nmsg++;
}

static int
dmsg_eligible(const struct dmsg *m)
{
	return !m->deleted && !m->finishing && !m->sm.hold;
}

/*
 * The first due recipient whose destination has room decides the
 * destination; the job then takes that destination's due recipients in
 * arrival order.  *wake: when the next recipient falls due.  Locked.
 */
static struct djob *
job_pick(int64_t now, int64_t *wake)
{
	struct dmsg	*m, *start = NULL;
	struct dest	*d = NULL;
	struct djob	*job;
	size_t		 i;

	TAILQ_FOREACH(m, &D.msgs, entry) {
		if (!dmsg_eligible(m))
			continue;
		for (i = 0; i < m->sm.env.nrcpt && d == NULL; i++) {
			if (m->busy[i] ||
			    m->sm.rs[i].state != SPOOL_R_PENDING)
				continue;
			if (m->sm.rs[i].next > now) {
				if (m->sm.rs[i].next < *wake)
					*wake = m->sm.rs[i].next;
				continue;
			}
			if (m->rdest[i]->active <
			    D.cfg->destination_concurrency)
				d = m->rdest[i];
		}
		if (d != NULL) {
			start = m;
			break;
		}
	}
	/* not calloc: ~4 MiB, of which a job touches what it fills */
	if (d == NULL || (job = malloc(sizeof(*job))) == NULL)
		return NULL;
	job->nmsg = 0;
	job->last_err[0] = job->last_mta[0] = '\0';
	util_strlcpy(job->dest, d->name, sizeof(job->dest));
	job->local = d->local;
	job->relay = d->relay;
	for (m = start; m != NULL && job->nmsg < DJOB_MSG_MAX;
	    m = TAILQ_NEXT(m, entry))
		if (dmsg_eligible(m))
			job_take(job, m, d, now);
	d->active++;
	return job;
}

/* --- running jobs ------------------------------------------------------- */

void
djob_result(struct djob_msg *jm, size_t k, enum spool_rstate st,
    const char *status, const char *mta, const char *reply)
{
	struct spool_rcpt	*r = &jm->res[k];

	r->state = st;
	util_strlcpy(r->status, status, sizeof(r->status));
	util_strlcpy(r->mta, mta ? mta : "", sizeof(r->mta));
	spool_printable(r->reply, sizeof(r->reply), reply, strlen(reply));
}

void
djob_result_all(struct djob *job, enum spool_rstate st, const char *status,
    const char *mta, const char *reply, int only_unanswered)
{
	size_t	i, k;

	for (i = 0; i < job->nmsg; i++)
		for (k = 0; k < job->msg[i].n; k++)
			if (!only_unanswered || job->msg[i].res[k].state == 0)
				djob_result(&job->msg[i], k, st, status, mta,
				    reply);
}

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

static void
job_run(struct mta_ctx *ctx, struct djob *job)
{
	size_t	i;

	if (D.cfg->delivery == DELIVERY_DISCARD) {
		job_discard(job);
		return;
	}
	job_open(job);
	if (job->local)
		job_local(job);
	else {
		for (i = 0; i < job->nmsg; i++)
			if (job->msg[i].fd != -1)
				job_dkim(&job->msg[i]);
		mta_run(ctx, job);
	}
	for (i = 0; i < job->nmsg; i++) {
		if (job->msg[i].fd != -1)
			close(job->msg[i].fd);
		buf_free(&job->msg[i].prefix);
	}
}

struct dkim_ctx {
	const char	*msg;
	size_t		 len;
	struct buf	*out;
	const char	*id;
};

static int
dkim_one(const struct store_dkim_key *k, void *arg)
{
	struct dkim_ctx		*c = arg;
	struct dkim_signer	*s;
	char			 err[256];

	s = dkim_signer_new(k->domain, k->selector, k->algorithm,
	    k->private_key, err, sizeof(err));
	if (s == NULL || dkim_sign(s, c->msg, c->len, now_s(), c->out, err,
	    sizeof(err)) == -1)
		log_warnx("deliver: %s: DKIM %s (%s): %s", c->id, k->domain,
		    k->selector, err);
	if (s != NULL)
		dkim_signer_free(s);
	return 0;
}

/* Sign once per message with the sender domain's active keys. */
static void
job_dkim(struct djob_msg *jm)
{
	struct dmsg	*m = jm->owner;
	struct buf	 sig;
	struct dkim_ctx	 c;
	const char	*at = strrchr(jm->env->sender, '@'), *map;
	struct store	*st = deliver_store();
	int		 done;

	pthread_mutex_lock(&D.lock);
	done = m->dkim_done;
	if (done && m->dkim.len > 0)
		buf_append(&jm->prefix, m->dkim.data, m->dkim.len);
	pthread_mutex_unlock(&D.lock);
	if (done || at == NULL || st == NULL || jm->content_len == 0)
		return;
	map = mmap(NULL, jm->content_len, PROT_READ, MAP_PRIVATE, jm->fd, 0);
	if (map == MAP_FAILED)
		return;
	buf_init(&sig, 64 * 1024);
	c.msg = map;
	c.len = jm->content_len;
	c.out = &sig;
	c.id = jm->id;
	if (store_dkim_active(st, at + 1, dkim_one, &c) != STORE_OK)
		log_warnx("deliver: %s: DKIM keys: %s", jm->id,
		    store_errmsg(st));
	munmap((void *)(uintptr_t)map, jm->content_len);
	if (sig.len > 0)
		buf_append(&jm->prefix, sig.data, sig.len);
	pthread_mutex_lock(&D.lock);
	if (!m->dkim_done && sig.len > 0)
		buf_append(&m->dkim, sig.data, sig.len);
	m->dkim_done = 1;
	pthread_mutex_unlock(&D.lock);
	buf_free(&sig);
}

/* Maildir delivery (RFC 5321 §4.4: Return-Path added at final delivery). */
static void
job_local_one(struct djob_msg *jm, size_t k, struct store *st)
{
	const struct env_rcpt	*r = &jm->env->rcpt[jm->idx[k]];
	char			 mbox[STORE_ADDR_MAX + 1], path[PATH_MAX];
	char			 name[NAME_MAX + 8], err[256], why[600];
	char			 key[128];
	struct buf		 pre;
	int			 rc;

	rc = st ? store_resolve_local(st, r->addr, mbox, sizeof(mbox)) :
	    STORE_ERR;
	if (rc == STORE_NOTFOUND) {
		djob_result(jm, k, SPOOL_R_FAILED, "5.1.1", "local",
		    "550 5.1.1 no such local mailbox");
		return;
	}
	if (rc != STORE_OK || maildir_path(D.datadir, mbox, path,
	    sizeof(path)) == -1) {
		djob_result(jm, k, SPOOL_R_PENDING, "4.3.0", "local",
		    "account store unavailable");
		return;
	}
	/*
	 * Named by what a retry after a crash sees again (arrival time,
	 * queue id, recipient index), so that retry finds this delivery
	 * instead of making a second copy: the file is on disk before the
	 * spool's record of it.
	 */
	(void)util_snprintf(key, sizeof(key), "%" PRIu64 ".Q%sR%zu",
	    jm->env->created, jm->id, jm->idx[k]);
	buf_init(&pre, 2048);
	buf_appendf(&pre, "Return-Path: <%s>\r\nDelivered-To: %s\r\n",
	    jm->env->sender, r->addr);
	rc = maildir_deliver_once(path, key, jm->maybe_done, pre.data, pre.len,
	    jm->fd, 0, jm->content_len, name, sizeof(name), err, sizeof(err));
	if (rc == 0)
		djob_result(jm, k, SPOOL_R_DONE, "2.0.0", "local",
		    "delivered to the mailbox");
	else if (rc == 1) {
		log_info("deliver: %s: <%s> already in the mailbox as %s "
		    "(delivered before a restart or retry); not again",
		    jm->id, r->addr, name);
		djob_result(jm, k, SPOOL_R_DONE, "2.0.0", "local",
		    "delivered to the mailbox");
	} else {
		int nospace = errno == ENOSPC || errno == EDQUOT;

		(void)util_snprintf(why, sizeof(why), "%s: %s", mbox, err);
		djob_result(jm, k, SPOOL_R_PENDING, nospace ? "4.3.1" :
		    "4.3.0", "local", why);
	}
	buf_free(&pre);
}

static void
job_local(struct djob *job)
{
	struct store	*st = deliver_store();
	size_t		 i, k;

	for (i = 0; i < job->nmsg; i++) {
		if (job->msg[i].answered)
			continue;
		for (k = 0; k < job->msg[i].n; k++)
			job_local_one(&job->msg[i], k, st);
		job->msg[i].answered = 1;
		djob_msg_return(&job->msg[i]);
	}
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

static void
log_outcome(const struct djob_msg *jm, size_t k, int64_t now)
{
	const struct spool_rcpt	*r = &jm->res[k];
	const char		*what = r->state == SPOOL_R_DONE ? "sent" :
	    r->state == SPOOL_R_FAILED ? "bounced" : "deferred";

	log_info("deliver: %s: to=<%s> relay=%s delay=%" PRId64 "s "
	    "attempts=%" PRIu32 " status=%s dsn=%s (%s)", jm->id,
	    jm->env->rcpt[jm->idx[k]].addr, r->mta[0] ? r->mta : "none",
	    now - (int64_t)jm->env->created, r->attempts, what, r->status,
	    r->reply);
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
	int64_t		 now = now_s();
	uint64_t	 logsize = 0;
	size_t		 k;
	int		 skip, done = 0;

	if (jm->recorded || jm->n == 0)
		return;
	jm->recorded = 1;
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
		log_outcome(jm, k, now);
	if (!skip && spool_log(D.dirfd, jm->id, &rec, &logsize) == -1)
		log_warn("deliver: %s: cannot record outcomes", jm->id);
	buf_free(&rec);
	if (!skip && logsize > SPOOL_COMPACT)
		snapshot(m);
	pthread_mutex_lock(&D.lock);
	for (k = 0; k < jm->n; k++)
		m->busy[jm->idx[k]] = 0;
	m->inflight--;
	if (m->deleted && m->inflight == 0 && !m->finishing) {
		TAILQ_REMOVE(&D.msgs, m, entry);
		m->finishing = done = 2;	/* deleted: remove only */
	} else if (!m->finishing && dmsg_complete(m))
		m->finishing = done = 1;
	pthread_cond_signal(&D.cond);
	pthread_mutex_unlock(&D.lock);
	if (done)
		finish(m);
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
	if (d != NULL && d->active > 0)
		d->active--;
	pthread_cond_signal(&D.cond);
	pthread_mutex_unlock(&D.lock);
}

/* --- finishing: bounce, suppression, removal ---------------------------- */

static int
wants_notice(const struct env_rcpt *r, const struct spool_rcpt *s)
{
	if (r->notify & DSN_NOTIFY_NEVER)
		return 0;
	if (s->state == SPOOL_R_FAILED)
		return r->notify == 0 || (r->notify & DSN_NOTIFY_FAILURE);
	return s->state == SPOOL_R_DONE && !(s->flags & SPOOL_F_DSN_PASSED) &&
	    (r->notify & DSN_NOTIFY_SUCCESS);
}

static int
needs_notice(const struct dmsg *m)
{
	size_t	i;

	if (m->sm.env.sender[0] == '\0')
		return 0;
	for (i = 0; i < m->sm.env.nrcpt; i++)
		if (wants_notice(&m->sm.env.rcpt[i], &m->sm.rs[i]))
			return 1;
	return 0;
}

static void
finish(struct dmsg *m)
{
	int	ok = 1;

	if (m->finishing == 1 && !m->suppressed) {
		finish_suppress(m);
		m->suppressed = 1;
	}
	if (m->finishing == 1 && !m->sm.bounced && needs_notice(m)) {
		snapshot(m);	/* every outcome on disk first */
		ok = finish_bounce(m) == 0;
	}
	if (!ok) {
		pthread_mutex_lock(&D.lock);
		m->finishing = 0;	/* the keeper tries again, later */
		m->finish_retry = now_s() + 60;
		pthread_mutex_unlock(&D.lock);
		return;
	}
	if (spool_remove(D.dirfd, m->sm.env.id, 1) == -1)
		log_warn("deliver: %s: remove", m->sm.env.id);
	else
		log_info("deliver: %s: removed%s", m->sm.env.id,
		    m->finishing == 2 ? " (deleted by the operator)" : "");
	pthread_mutex_lock(&D.lock);
	if (m->finishing == 1)
		TAILQ_REMOVE(&D.msgs, m, entry);
	pthread_mutex_unlock(&D.lock);
	dmsg_free(m);
}

/*
 * Hard bounces protect the sender's domain: only what mta.c flagged, a
 * RCPT refused as a bad mailbox or domain (5.1.1, 5.1.2, 5.1.10, 5.2.1),
 * a domain that does not exist or has a null MX.  Never a refusal of
 * MAIL FROM or of the content: those say nothing about the recipient.
 */
static int
hard_bounce(const struct spool_rcpt *s)
{
	return s->state == SPOOL_R_FAILED && (s->flags & SPOOL_F_HARD);
}

static void
finish_suppress(struct dmsg *m)
{
	const char	*at = strrchr(m->sm.env.sender, '@');
	struct store	*st = deliver_store();
	size_t		 i;
	int		 rc;

	if (at == NULL || st == NULL ||
	    store_domain_exists(st, at + 1) != STORE_OK)
		return;
	for (i = 0; i < m->sm.env.nrcpt; i++) {
		if (!hard_bounce(&m->sm.rs[i]) || m->rdest[i]->local)
			continue;
		rc = store_suppress_add(st, at + 1, m->sm.env.rcpt[i].addr,
		    m->sm.rs[i].reply, "bounce", now_s());
		if (rc != STORE_OK)
			log_warnx("deliver: %s: suppress %s: %s",
			    m->sm.env.id, m->sm.env.rcpt[i].addr,
			    store_errmsg(st));
		else
			log_info("deliver: %s: %s added to the suppression "
			    "list of %s", m->sm.env.id,
			    m->sm.env.rcpt[i].addr, at + 1);
	}
}

static size_t
bounce_rcpts(struct dmsg *m, struct dsn_rcpt *out)
{
	size_t	i, n = 0;

	for (i = 0; i < m->sm.env.nrcpt; i++) {
		const struct spool_rcpt *s = &m->sm.rs[i];

		if (!wants_notice(&m->sm.env.rcpt[i], s))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].rcpt = m->sm.env.rcpt[i].addr;
		out[n].orcpt = m->sm.env.rcpt[i].orcpt;
		out[n].action = s->state == SPOOL_R_FAILED ? DSN_FAILED :
		    m->rdest[i]->local ? DSN_DELIVERED : DSN_RELAYED;
		out[n].status = s->status;
		out[n].remote_mta = s->mta[0] && strcmp(s->mta, "local") ?
		    s->mta : NULL;
		out[n].diagnostic = s->reply;
		out[n].last_attempt = s->last;
		n++;
	}
	return n;
}

/* Build the RFC 3464 report and queue it to the sender. */
static int
finish_bounce(struct dmsg *m)
{
	struct spool_msg	*sm = &m->sm;
	struct dsn_rcpt		*dr;
	struct dsn_info		 di;
	struct envelope		 env;
	struct buf		 out, rec;
	const char		*map = NULL;
	size_t			 n;
	int			 fd = -1, rc = -1;

	if (sm->env.sender[0] == '\0')
		return 0;	/* never bounce a bounce (RFC 5321 §6.1) */
	if ((dr = calloc(sm->env.nrcpt, sizeof(*dr))) == NULL)
		return -1;
	if ((n = bounce_rcpts(m, dr)) == 0) {
		free(dr);
		return 0;
	}
	if ((fd = spool_open_msg(D.dirfd, sm->env.id)) == -1 ||
	    (sm->content_len > 0 && (map = mmap(NULL, sm->content_len,
	    PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)) {
		map = NULL;
		goto done;
	}
	memset(&di, 0, sizeof(di));
	di.reporting_mta = D.cfg->hostname;
	di.queue_id = sm->env.id;
	di.envid = sm->env.envid;
	di.original_sender = sm->env.sender;
	di.arrival = (int64_t)sm->env.created;
	di.ret_full = sm->env.ret == DSN_RET_FULL;
	di.original = map ? map : "";
	di.original_len = sm->content_len;
	di.max_original = ORIGINAL_MAX;
	buf_init(&out, 2 * ORIGINAL_MAX);
	envelope_init(&env);
	util_strlcpy(env.listener, "bounce", sizeof(env.listener));
	util_strlcpy(env.helo, D.cfg->hostname, sizeof(env.helo));
	if (dsn_build(&di, dr, n, now_s(), &out) == 0 &&
	    envelope_add_rcpt(&env, sm->env.sender) == 0 &&
	    D.inject(&env, out.data, out.len) == 0) {
		buf_init(&rec, 16);
		spool_rec_bounced(&rec);
		if (spool_log(D.dirfd, sm->env.id, &rec, NULL) == -1)
			log_warn("deliver: %s: record bounce", sm->env.id);
		buf_free(&rec);
		log_info("deliver: %s: notice %s sent to <%s> for %zu "
		    "recipient(s)", sm->env.id, env.id, sm->env.sender, n);
		sm->bounced = 1;
		rc = 0;
	} else
		log_warnx("deliver: %s: cannot queue the delivery notice",
		    sm->env.id);
	envelope_free(&env);
	buf_free(&out);
done:
	if (map != NULL)
		munmap((void *)(uintptr_t)map, sm->content_len);
	if (fd != -1)
		close(fd);
	free(dr);
	return rc;
}

/* --- threads ------------------------------------------------------------ */

static void *
worker_main(void *arg)
{
	struct mta_ctx	 ctx;
	struct djob	*job;
	struct timespec	 ts;
	char		 err[256];
	int64_t		 wake;

	if (mta_init(&ctx, D.cfg, err, sizeof(err)) == -1) {
		log_warnx("deliver: worker: %s", err);
		return NULL;
	}
	util_strlcpy(ctx.relay_pass, D.relay_pass, sizeof(ctx.relay_pass));
	pthread_mutex_lock(&D.lock);
	for (;;) {
		if (D.stopping)
			break;
		wake = now_s() + 1;
		if ((job = job_pick(now_s(), &wake)) == NULL) {
			ts.tv_sec = wake;
			ts.tv_nsec = 0;
			pthread_cond_timedwait(&D.cond, &D.lock, &ts);
			continue;
		}
		/*
		 * Work appears one event at a time (a message queued, a job
		 * back), each signalling one worker instead of waking all
		 * twenty; a worker that found a job passes the wake-up on,
		 * in case the event made room for more than one.
		 */
		pthread_cond_signal(&D.cond);
		pthread_mutex_unlock(&D.lock);
		job_run(&ctx, job);
		job_return(job);
		free(job);
		pthread_mutex_lock(&D.lock);
	}
	pthread_mutex_unlock(&D.lock);
	mta_free(&ctx);
	if (tl_store != NULL)
		store_close(tl_store);
	return NULL;
}

/* Messages that are complete but not finished (a failed bounce, or
   found so at start). */
static void
keeper_finish(void)
{
	struct dmsg	*m, *list[64];
	size_t		 n = 0, i;

	pthread_mutex_lock(&D.lock);
	TAILQ_FOREACH(m, &D.msgs, entry) {
		if (n == 64)
			break;
		if (m->finishing || m->inflight > 0 ||
		    m->finish_retry > now_s())
			continue;
		if (m->deleted) {
			m->finishing = 2;
			list[n++] = m;
		} else if (dmsg_complete(m)) {
			m->finishing = 1;
			list[n++] = m;
		}
	}
	for (i = 0; i < n; i++)
		if (list[i]->finishing == 2)
			TAILQ_REMOVE(&D.msgs, list[i], entry);
	pthread_mutex_unlock(&D.lock);
	for (i = 0; i < n; i++)
		finish(list[i]);
}

/* One operator command: "hold ID", "release ID", "delete ID", "flush [ID]". */
static void
keeper_command(const char *verb, const char *id)
{
	struct dmsg	*m;
	struct buf	 rec;
	size_t		 i;
	int		 hold = -1, found = 0;

	if (*id != '\0' && !spool_valid_id(id)) {
		log_warnx("deliver: operator command with a bad queue id");
		return;
	}
	buf_init(&rec, 16);
	pthread_mutex_lock(&D.lock);
	TAILQ_FOREACH(m, &D.msgs, entry) {
		if (*id && strcmp(m->sm.env.id, id) != 0)
			continue;
		found = 1;
		if (strcmp(verb, "flush") == 0) {
			for (i = 0; i < m->sm.env.nrcpt; i++)
				m->sm.rs[i].next = 0;
			if (m->sm.hold && *id)
				hold = 0;	/* flush releases, durably */
			m->sm.hold = 0;
		} else if (strcmp(verb, "hold") == 0)
			m->sm.hold = hold = 1;
		else if (strcmp(verb, "release") == 0)
			m->sm.hold = hold = 0;
		else if (strcmp(verb, "delete") == 0)
			m->deleted = 1;
		if (*id)
			break;
	}
	if (!found && !D.running)
		hold = strcmp(verb, "hold") == 0 ? 1 :
		    strcmp(verb, "release") == 0 ? 0 : -1;
	if (*id && !found && !D.running && strcmp(verb, "flush") != 0 &&
	    spool_msg_access(D.dirfd, id) == 0) {
		/* delivery = no: nothing is tracked, act on the files */
		found = 1;
		if (strcmp(verb, "delete") == 0 &&
		    spool_remove(D.dirfd, id, 1) == -1)
			log_warn("deliver: %s: remove", id);
	}
	if (*id && !found)
		log_warnx("deliver: %s %s: no such message in the queue", verb,
		    id);
	else
		log_info("deliver: operator: %s %s", verb, *id ? id : "all");
	/* written under the lock: the message cannot be removed meanwhile */
	if (hold != -1 && found && *id) {
		spool_rec_hold(&rec, hold);
		if (spool_log(D.dirfd, id, &rec, NULL) == -1)
			log_warn("deliver: %s: record hold", id);
	}
	pthread_cond_broadcast(&D.cond);
	pthread_mutex_unlock(&D.lock);
	buf_free(&rec);
}

static int
cmd_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
cmd_visible(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* DIR/spool/cmd: one command per file, written by `postern queue`;
   applied in the order of their names (they start with the time). */
static void
keeper_commands(void)
{
	struct dirent	**v;
	char		  path[PATH_MAX], line[CMD_MAX], verb[16];
	char		  id[ENVELOPE_ID_MAX + 1];
	FILE		 *fp;
	int		  n, i;

	if ((n = scandir(D.cmddir, &v, cmd_visible, cmd_cmp)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (util_snprintf(path, sizeof(path), "%s/%s", D.cmddir,
		    v[i]->d_name) != -1 && (fp = fopen(path, "re")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL) {
				id[0] = '\0';
				if (sscanf(line, "%15s %32s", verb, id) >= 1)
					keeper_command(verb, id);
			}
			fclose(fp);
			unlink(path);
		}
		free(v[i]);
	}
	free(v);
}

static void *
keeper_main(void *arg)
{
	struct timespec	ts;
	int		stop;

	for (;;) {
		keeper_commands();
		keeper_finish();
		pthread_mutex_lock(&D.lock);
		if (!D.stopping) {
			/* once a second, or at once when stopping */
			ts.tv_sec = now_s() + 1;
			ts.tv_nsec = 0;
			pthread_cond_timedwait(&D.cond, &D.lock, &ts);
		}
		stop = D.stopping;
		pthread_mutex_unlock(&D.lock);
		if (stop)
			break;
	}
	if (tl_store != NULL)
		store_close(tl_store);
	return NULL;
}

/* --- start and stop ------------------------------------------------------ */

static void
load_spool(void)
{
	struct spool_msg	 sm;
	struct dmsg		*m;
	struct dirent		*de;
	char			 id[ENVELOPE_ID_MAX + 1], err[256];
	size_t			 n = 0, bad = 0;
	DIR			*d;
	int			 fd;

	if ((fd = dup(D.dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_warn("deliver: read the queue");
		return;
	}
	rewinddir(d);	/* a dup shares the offset queue_recover() moved */
	while ((de = readdir(d)) != NULL) {
		if (!spool_msg_name(de->d_name, id, sizeof(id)))
			continue;
		if (spool_load(D.dirfd, id, &sm, err, sizeof(err)) == -1) {
			log_warnx("deliver: %s: %s; left in place", id, err);
			bad++;
			continue;
		}
		/* queued before this start: a try may have reached the
		   mailbox just before a crash */
		if ((m = dmsg_new(&sm, 1)) != NULL)
			n++;
	}
	closedir(d);
	log_info("deliver: %zu message(s) to deliver%s", n, bad ?
	    ", some unreadable (see above)" : "");
}

static int
read_relay_password(void)
{
	FILE	*fp;
	size_t	 len;

	if (D.cfg->relayhost_password_file[0] == '\0')
		return 0;
	if ((fp = fopen(D.cfg->relayhost_password_file, "re")) == NULL) {
		log_warn("deliver: %s", D.cfg->relayhost_password_file);
		return -1;
	}
	if (fgets(D.relay_pass, sizeof(D.relay_pass), fp) == NULL)
		D.relay_pass[0] = '\0';
	fclose(fp);
	len = strcspn(D.relay_pass, "\r\n");
	D.relay_pass[len] = '\0';
	return 0;
}

int
deliver_start(const struct config *cfg, const char *datadir, int dirfd,
    deliver_inject_fn inject)
{
	size_t	i;

	D.cfg = cfg;
	D.datadir = datadir;
	D.dirfd = dirfd;
	D.inject = inject;
	TAILQ_INIT(&D.msgs);
	for (i = 0; i < DEST_BUCKETS; i++)
		LIST_INIT(&D.dests[i]);
	if (util_snprintf(D.cmddir, sizeof(D.cmddir), "%s/spool/cmd",
	    datadir) == -1)
		return -1;
	(void)mkdir(D.cmddir, 0700);
	if (read_relay_password() == -1)
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
	if (tl_store != NULL)
		store_close(tl_store);
	tl_store = NULL;
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
	size_t		 i;
	struct dest	*d;

	if (!D.keeping)
		return;
	pthread_mutex_lock(&D.lock);
	D.stopping = 1;
	pthread_cond_broadcast(&D.cond);
	pthread_mutex_unlock(&D.lock);
	for (i = 0; i < D.nworkers; i++)
		pthread_join(D.workers[i], NULL);
	pthread_join(D.keeper, NULL);
	free(D.workers);
	while ((m = TAILQ_FIRST(&D.msgs)) != NULL) {
		TAILQ_REMOVE(&D.msgs, m, entry);
		dmsg_free(m);
	}
	for (i = 0; i < DEST_BUCKETS; i++)
		while ((d = LIST_FIRST(&D.dests[i])) != NULL) {
			LIST_REMOVE(d, entry);
			free(d);
		}
	explicit_bzero(D.relay_pass, sizeof(D.relay_pass));
	D.running = 0;
}
