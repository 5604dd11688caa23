/*
 * auth_sent: see auth_sent.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/batch.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/auth_sent.h"
#include "store/store.h"

#define SENT_BATCH	256	/* settlements that make a write at once */

static struct {
	struct batch	 buf;
	pthread_mutex_t	 flush;		/* one write at a time, in order */
	pthread_mutex_t	 lock;		/* stop */
	pthread_cond_t	 cond;		/* the ticker's sleep */
	int		 stop;
	const char	*datadir;
	pthread_t	 ticker;
	int		 running;
} SB = {
	.buf = BATCH_INITIALIZER(sizeof(struct store_settle)),
	.flush = PTHREAD_MUTEX_INITIALIZER,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void	*sent_ticker(void *);

void
auth_sent_add(struct store *st, const char *user, uint64_t tx, uint32_t n,
    int64_t now)
{
	struct store_settle	 rec;
	size_t		 n_waiting;

	if (n == 0 && tx == 0)
		return;		/* no message, no holds: nothing to write */
	if (n == 0) {
		/* a transaction given up: its holds go now, not in a
		   second, or they would refuse a recipient meanwhile */
		if (store_sent_settle(st, user, tx, 0, now) == STORE_ERR)
			log_warnx("auth: store: %s", store_errmsg(st));
		return;
	}
	memset(&rec, 0, sizeof(rec));
	util_strlcpy(rec.address, user, sizeof(rec.address));
	rec.tx = tx;
	rec.count = n;
	rec.now = now;
	if ((n_waiting = batch_add(&SB.buf, &rec)) == 0) {
		/* no memory: this one alone, now */
		if (store_sent_settle(st, user, tx, n, now) == STORE_ERR)
			log_warnx("auth: store: %s", store_errmsg(st));
	} else if (n_waiting >= SENT_BATCH)
		auth_sent_flush(st);
}

void
auth_sent_flush(struct store *st)
{
	struct store_settle	*v;
	size_t			 n;
	int			 rc = STORE_OK, tx;

	pthread_mutex_lock(&SB.flush);
	v = batch_take(&SB.buf, &n);
	if (n == 0)
		;
	else if (st == NULL)
		log_warnx("auth: %zu transaction(s) not counted: no store", n);
	else if (n == 1)
		rc = store_sent_settle(st, v[0].address, v[0].tx, v[0].count,
		    v[0].now);
	else {
		/* SQLite: one transaction.  PostgreSQL: six to a statement,
		   each atomic by itself (store_quota.c) */
		if ((tx = !store_is_pg(st)) &&
		    (rc = store_begin(st)) != STORE_OK)
			tx = 0;		/* nothing to roll back */
		if (rc == STORE_OK)
			rc = store_sent_settle_many(st, v, n);
		if (tx && rc == STORE_OK)
			rc = store_commit(st);
		else if (tx)
			store_rollback(st);
	}
	if (rc == STORE_ERR)
		log_warnx("auth: %zu transaction(s) not counted: %s", n,
		    store_errmsg(st));
	pthread_mutex_unlock(&SB.flush);
	free(v);
}

/* Once a second, what the workers left in the buffer; a last time at
   stop. */
static void *
sent_ticker(void *arg)
{
	struct store	*st = NULL;
	struct timespec	 ts;
	char		 err[512];
	int		 stop;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_mutex_lock(&SB.lock);
		if (!SB.stop)
			pthread_cond_timedwait(&SB.cond, &SB.lock, &ts);
		stop = SB.stop;
		pthread_mutex_unlock(&SB.lock);
		if (st == NULL && (st = store_open(SB.datadir, 0, err,
		    sizeof(err))) == NULL)
			log_warnx("auth: %s", err);
		auth_sent_flush(st);
		if (stop)
			break;
	}
	if (st != NULL)
		store_close(st);
	return NULL;
}

int
auth_sent_start(const char *datadir)
{
	SB.datadir = datadir;
	if (pthread_create(&SB.ticker, NULL, sent_ticker, NULL) != 0)
		return -1;
	SB.running = 1;
	return 0;
}

void
auth_sent_stop(void)
{
	if (!SB.running)
		return;
	pthread_mutex_lock(&SB.lock);
	SB.stop = 1;
	pthread_cond_signal(&SB.cond);
	pthread_mutex_unlock(&SB.lock);
	pthread_join(SB.ticker, NULL);
	SB.running = 0;
}
