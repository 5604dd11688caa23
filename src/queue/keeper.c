/*
 * keeper: the scheduler's housekeeping thread (deliver_int.h), once a
 * second: the operator's commands (control.h), delay notices, finishing
 * messages that are complete but not finished (a failed bounce, or found
 * so at start), and the queue's size for the metrics.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/metrics.h"
#include "lib/log.h"
#include "queue/control.h"
#include "queue/deliver_int.h"
#include "queue/finish.h"
#include "queue/health.h"
#include "queue/spool.h"
#include "queue/tstore.h"

static void	keeper_finish(void);
static void	keeper_delays(void);
static int	delay_record(struct dmsg *, int);
static void	keeper_gauge(void);

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
		    m->finish_retry > deliver_now())
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
			dmsg_unlink(list[i]);
	pthread_mutex_unlock(&D.lock);
	for (i = 0; i < n; i++)
		deliver_finish(list[i]);
}

/*
 * The queue's size and its oldest message for /metrics: what delivery
 * tracks (with delivery = no nothing is tracked and both stay 0).
 */
static void
keeper_gauge(void)
{
	struct dmsg	*m;
	int64_t		 n = 0, oldest = 0;

	if (!metrics_on())
		return;
	pthread_mutex_lock(&D.lock);
	TAILQ_FOREACH(m, &D.msgs, entry) {
		n++;
		if (oldest == 0 || (int64_t)m->sm.env.created < oldest)
			oldest = (int64_t)m->sm.env.created;
	}
	pthread_mutex_unlock(&D.lock);
	metrics_queue(n, oldest);
}

/* "W 1" or "W 0" on disk and in memory.  0 or -1. */
static int
delay_record(struct dmsg *m, int warned)
{
	struct buf	rec;
	int		rc;

	buf_init(&rec, 16);
	spool_rec_warned(&rec, warned);
	rc = spool_log(D.dirfd, m->sm.env.id, &rec, NULL);
	buf_free(&rec);
	if (rc == -1)
		log_warn("deliver: %s: record delay notice", m->sm.env.id);
	if (!warned) {
		pthread_mutex_lock(&D.lock);
		m->sm.warned = 0;
		pthread_mutex_unlock(&D.lock);
	}
	return rc;
}

/*
 * Messages waiting longer than delay_warning_time get one delay notice
 * each.  A message is pinned (inflight) while its notice is made, so
 * no job return finishes and frees it meanwhile, and the notice works
 * on a copy of its recipients' states, which delivery goes on changing.
 * "W 1" is on disk before the notice is queued: a crash loses one
 * rather than sending two.
 */
static void
keeper_delays(void)
{
	struct dmsg		*m, *list[16];
	struct spool_rcpt	*rs[16];
	size_t			 n = 0, i;
	int64_t			 now = deliver_now();

	pthread_mutex_lock(&D.lock);
	TAILQ_FOREACH(m, &D.msgs, entry) {
		if (n == 16)
			break;
		if (m->finishing || m->deleted || !finish_delay_due(&m->sm,
		    now, (int64_t)D.cfg->delay_warning_ms / 1000) ||
		    (rs[n] = calloc(m->sm.env.nrcpt, sizeof(*rs[n]))) == NULL)
			continue;
		memcpy(rs[n], m->sm.rs, m->sm.env.nrcpt * sizeof(*rs[n]));
		m->sm.warned = 1;
		m->inflight++;
		list[n++] = m;
	}
	pthread_mutex_unlock(&D.lock);
	for (i = 0; i < n; i++) {
		m = list[i];
		if (delay_record(m, 1) == -1 || finish_delay(&m->sm, rs[i],
		    D.dirfd, D.cfg->hostname, D.inject, now, m->sm.env.created +
		    D.cfg->queue_lifetime_ms / 1000) == -1)
			(void)delay_record(m, 0);	/* try again later */
		free(rs[i]);
		pthread_mutex_lock(&D.lock);
		m->inflight--;
		pthread_mutex_unlock(&D.lock);
	}
}

/* One operator command: "hold ID", "release ID", "delete ID", "flush [ID]". */
void
keeper_command(const char *verb, const char *id, void *arg)
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
		/* being removed (deliver_finish, outside the lock): a hold
		   written now would outlive it */
		if (m->finishing)
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
	D.gen++;	/* an event for the workers' idle passes */
	D.unpark = 1;	/* and for the parked messages */
	pthread_cond_broadcast(&D.cond);
	pthread_mutex_unlock(&D.lock);
	buf_free(&rec);
}

void *
keeper_main(void *arg)
{
	struct timespec	ts;
	int		stop;

	for (;;) {
		control_read(D.cmddir, keeper_command, NULL);
		if (D.cfg->delay_warning_ms > 0)
			keeper_delays();
		if (D.running)
			deliver_route_waiting();
		keeper_finish();
		keeper_gauge();
		/* the health counts and done marks of the last second
		   (health_record, spool_index_remove) */
		health_flush(tstore_get());
		if (spool_index_flush(D.dirfd) == -1)
			log_warn("deliver: sync of the spool log's done lists");
		pthread_mutex_lock(&D.lock);
		if (!D.stopping) {
			/* once a second, or at once when stopping; its own
			   condition, so the workers' wake-ups (one each) never
			   land here */
			ts.tv_sec = deliver_now() + 1;
			ts.tv_nsec = 0;
			pthread_cond_timedwait(&D.kcond, &D.lock, &ts);
		}
		stop = D.stopping;
		pthread_mutex_unlock(&D.lock);
		if (stop)
			break;
	}
	tstore_close();
	return NULL;
}

