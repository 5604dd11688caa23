/*
 * health (queue): see health.h.  The settings are copied once at start;
 * several delivery threads may record at once, each with its own store
 * handle: a pause decided twice at the same moment writes the same
 * pause twice, which is harmless.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/bounce_class.h"
#include "core/config.h"
#include "core/health.h"
#include "core/warmup.h"
#include "lib/batch.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/health.h"
#include "store/store.h"

static struct {
	uint32_t	window;
	uint32_t	rate;		/* per mille */
	int64_t		pause;		/* seconds */
	uint32_t	warmup_target;
} H = { HEALTH_WINDOW, HEALTH_RATE, 86400, WARMUP_TARGET };

static int	health_is_block(enum bounce_reason);
static enum store_health_kind	health_kind(const struct spool_rcpt *,
				    char *, size_t);
static void	health_judge_mailbox(struct store *, const char *, int64_t);
static void	health_pause(struct store *, const char *, int64_t,
		    const char *);

void
health_configure(const struct config *cfg)
{
	H.window = cfg->health_window;
	H.rate = cfg->health_bounce_rate;
	H.pause = cfg->health_pause_time_ms / 1000;
	H.warmup_target = cfg->warmup_target;
}

/*
 * A sender fault that says the provider refuses the sender itself (its
 * IP, domain, reputation, authentication, or its mail as spam): the
 * providers rule counts these.  A message too big, a syntax error or a
 * rate limit is the sender's fault too but no block.
 */
static int
health_is_block(enum bounce_reason r)
{
	return r == BOUNCE_REJECTED || r == BOUNCE_BLOCKED ||
	    r == BOUNCE_BADREPUTATION || r == BOUNCE_REQUIREPTR ||
	    r == BOUNCE_AUTHFAILURE || r == BOUNCE_SPAMDETECTED;
}

/* What a finished recipient counts as; provider: who refused it. */
static enum store_health_kind
health_kind(const struct spool_rcpt *s, char *provider, size_t providersz)
{
	struct bounce_class	 c;
	const char		*t;
	int			 code = 0;

	provider[0] = '\0';
	if (s->state == SPOOL_R_DONE)
		return STORE_HEALTH_DELIVERED;
	if (s->flags & SPOOL_F_HARD)
		return STORE_HEALTH_BOUNCED;
	/* as finish_classify() does; finish.c calls this module */
	t = s->reply;
	if (t[0] >= '2' && t[0] <= '5' && t[1] >= '0' && t[1] <= '9' &&
	    t[2] >= '0' && t[2] <= '9' && (t[3] == ' ' || t[3] == '\0'))
		code = (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
	bounce_classify(code, s->status, t, s->mta, &c);
	if (c.fault != BOUNCE_FAULT_SENDER)
		return STORE_HEALTH_FAILED;
	health_provider_of(s->mta, provider, providersz);
	return health_is_block(c.reason) ? STORE_HEALTH_BLOCKED :
	    STORE_HEALTH_SENDER;
}

/*
 * Outcomes wait here, in memory, and are written together: one
 * transaction (one WAL commit) for every message that finished since
 * the last write, instead of one each -- at a thousand messages a
 * second, the largest cost of finishing a message was this write.
 * Written by health_flush(): by a message with a bounce or a block at
 * once (it is judged on them), by the one that fills the buffer, and by
 * the keeper once a second (so the counts that `postern stats` and the
 * console read lag by a second at most).  Order is kept: one flush at a
 * time, each taking the whole buffer.  A crash loses the second's
 * counts, never mail: health is advice.
 */
#define HEALTH_BATCH	512

static struct batch	health_buf =
    BATCH_INITIALIZER(sizeof(struct store_health_rec));
/* one flush at a time, so the outcomes go in the order they came */
static pthread_mutex_t	health_flushing = PTHREAD_MUTEX_INITIALIZER;

void
health_flush(struct store *st)
{
	struct store_health_rec	*v;
	size_t			 n;
	int			 rc = STORE_OK, tx;

	pthread_mutex_lock(&health_flushing);
	v = batch_take(&health_buf, &n);
	if (n == 0 || st == NULL)
		goto done;
	/* on PostgreSQL one outcome alone is one statement, atomic by
	   itself: no transaction */
	if ((tx = n > 1 || !store_is_pg(st)) &&
	    (rc = store_begin(st)) != STORE_OK)
		tx = 0;		/* nothing to roll back */
	if (rc == STORE_OK && n == 1) {
		rc = store_health_outcome(st, v[0].address, v[0].now,
		    v[0].kind, v[0].deferred, v[0].provider);
		/* a mailbox that is gone writes nothing, stops nothing */
		if (rc == STORE_NOTFOUND)
			rc = STORE_OK;
	} else if (rc == STORE_OK)
		/* the day counters added up: a statement per mailbox */
		rc = store_health_outcomes(st, v, n);
	if (rc == STORE_OK && tx)
		rc = store_commit(st);
	if (rc != STORE_OK) {
		log_warnx("health: %zu outcome(s) not counted: %s", n,
		    store_errmsg(st));
		if (tx)
			store_rollback(st);
	}
done:
	if (n > 0 && st == NULL)
		log_warnx("health: %zu outcome(s) not counted: no store", n);
	pthread_mutex_unlock(&health_flushing);
	free(v);
}

/* Buffer sm's outcomes; 1 if one is a bounce or a block, -1 if full. */
static int
health_buffer(const struct spool_msg *sm, const uint8_t *local,
    int64_t now)
{
	struct store_health_rec	 o;
	size_t			 i, n;
	int		 worse = 0, full = 0;

	for (i = 0; i < sm->env.nrcpt; i++) {
		const struct spool_rcpt *s = &sm->rs[i];

		if (s->state == SPOOL_R_PENDING)
			continue;
		memset(&o, 0, sizeof(o));
		util_strlcpy(o.address, sm->env.auth_user, sizeof(o.address));
		o.kind = health_kind(s, o.provider, sizeof(o.provider));
		if (local[i])
			o.provider[0] = '\0';
		o.now = now;
		o.deferred = s->attempts > 1;
		worse |= o.kind == STORE_HEALTH_BOUNCED ||
		    o.kind == STORE_HEALTH_BLOCKED;
		if ((n = batch_add(&health_buf, &o)) == 0)
			log_warnx("health: %s: an outcome not counted: out of "
			    "memory", o.address);
		full |= n >= HEALTH_BATCH;
	}
	return worse ? 1 : full ? -1 : 0;
}

void
health_record(struct store *st, const struct spool_msg *sm,
    const uint8_t *local)
{
	const char	*user = sm->env.auth_user;
	int64_t		 now = clock_now();
	int		 r;

	if (st == NULL || user[0] == '\0')
		return;
	if ((r = health_buffer(sm, local, now)) != 0)
		health_flush(st);
	/* the rules count bounces and blocks among the window's last
	   outcomes: any other outcome can only lower both, never pause
	   (so a rate lowered by a reload judges at the next bounce) */
	if (r == 1)
		health_judge_mailbox(st, user, now);
}

void
health_dsn_bounce(struct store *st, const char *user, int64_t now)
{
	int	rc;

	rc = store_health_outcome(st, user, now, STORE_HEALTH_BOUNCED, 0, "");
	if (rc == STORE_NOTFOUND)
		return;		/* not a mailbox (any more) */
	if (rc != STORE_OK) {
		log_warnx("health: %s: %s", user, store_errmsg(st));
		return;
	}
	health_judge_mailbox(st, user, now);
}

/* Judge the mailbox's last outcomes, unless it is paused already. */
static void
health_judge_mailbox(struct store *st, const char *user, int64_t now)
{
	struct store_health_pause	p;
	struct health_window		w;
	char				reason[HEALTH_REASON_MAX + 1];

	if (store_health_status(st, user, now, &p) != STORE_OK ||
	    store_health_window(st, user, H.window, &w) != STORE_OK) {
		log_warnx("health: %s: %s", user, store_errmsg(st));
		return;
	}
	if (p.paused || health_judge(&w, H.window, H.rate, reason,
	    sizeof(reason)) == HEALTH_OK)
		return;
	health_pause(st, user, now, reason);
}

static void
health_pause(struct store *st, const char *user, int64_t now,
    const char *reason)
{
	struct store_health_pause	p;
	int				rc;

	if (store_health_pause(st, user, now + H.pause, reason) !=
	    STORE_OK) {
		log_warnx("health: %s: pause: %s", user, store_errmsg(st));
		return;
	}
	log_info("health: mailbox %s paused until %" PRId64 " (%" PRId64
	    "s): %s", user, now + H.pause, H.pause, reason);
	metrics_pause();
	rc = store_warmup_freeze(st, user, now, WARMUP_FREEZE_DAYS * 86400,
	    H.warmup_target, NULL);
	if (rc == STORE_OK)
		log_info("health: %s: warm-up frozen for %d days", user,
		    WARMUP_FREEZE_DAYS);
	else if (rc != STORE_INVALID)	/* INVALID: warm-up is off */
		log_warnx("health: %s: warm-up freeze: %s", user,
		    store_errmsg(st));
	if (store_health_status(st, user, now, &p) == STORE_OK &&
	    p.domain && p.dom_paused == health_domain_need(p.dom_total))
		log_info("health: domain of %s paused until %" PRId64 ": %u "
		    "of its %u mailboxes are paused", user, p.domain_until,
		    p.dom_paused, p.dom_total);
}

void
health_signal(struct store *st, const char *user, int64_t now,
    const char *why)
{
	struct store_warmup_status	w;

	if (st == NULL || user == NULL || user[0] == '\0' ||
	    store_warmup_status(st, user, now, H.warmup_target, &w) !=
	    STORE_OK || !w.on || w.frozen)
		return;
	if (store_warmup_freeze(st, user, now, WARMUP_FREEZE_DAYS * 86400,
	    H.warmup_target, &w) != STORE_OK) {
		log_warnx("health: %s: warm-up freeze: %s", user,
		    store_errmsg(st));
		return;
	}
	log_info("health: %s: warm-up frozen for %d days at %u a day: %.200s",
	    user, WARMUP_FREEZE_DAYS, w.allowance, why);
}
