/*
 * mailcheck: see mailcheck.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/util.h"
#include "server/mailcheck.h"
#include "store/store.h"

#define MC_WAIT_MS	250	/* a notice's wait, so a stop is seen */
#define MC_RETRY_S	1	/* between two failed listens */
#define MC_PING_MS	10000	/* quiet this long: ask the server */

struct mc_slot {
	uint64_t	gen;		/* 0: empty */
	uint64_t	at;		/* util_monotonic_ms when asked */
	uint32_t	any;
	char		user[STORE_ADDR_MAX + 1];
	char		domain[STORE_ADDR_MAX + 1];
};

static struct {
	pthread_mutex_t	 lock;		/* everything below */
	pthread_cond_t	 cond;		/* the listener's pause between tries */
	uint64_t	 gen;		/* a notice, a listen or a loss: +1 */
	int		 listening;
	int		 stop;
	int		 running;
	const char	*datadir;
	pthread_t	 thread;
	struct mc_slot	*slots;
} MC = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.gen = 1,
};

static void	*mc_listener(void *);
static void	 mc_listening(int);
static int	 mc_pause(void);
static size_t	 mc_slot(const char *, const char *);

/* FNV-1a over user, a NUL, domain. */
static size_t
mc_slot(const char *user, const char *domain)
{
	uint64_t	h = 14695981039346656037ULL;
	const char	*p;

	for (p = user; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h *= 1099511628211ULL;
	for (p = domain; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (size_t)(h % MAILCHECK_SLOTS);
}

uint64_t
mailcheck_gen(void)
{
	uint64_t	g;

	pthread_mutex_lock(&MC.lock);
	g = MC.listening && MC.slots != NULL ? MC.gen : 0;
	pthread_mutex_unlock(&MC.lock);
	return g;
}

int
mailcheck_get(const char *user, const char *domain, uint32_t *any)
{
	const struct mc_slot	*s;
	uint64_t		 now = util_monotonic_ms();
	int			 hit = 0;

	if (domain == NULL)
		domain = "";
	pthread_mutex_lock(&MC.lock);
	if (MC.listening && MC.slots != NULL) {
		s = &MC.slots[mc_slot(user, domain)];
		if (s->gen == MC.gen && now - s->at < MAILCHECK_TTL_MS &&
		    strcmp(s->user, user) == 0 &&
		    strcmp(s->domain, domain) == 0) {
			*any = s->any;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&MC.lock);
	return hit;
}

void
mailcheck_put(uint64_t gen, const char *user, const char *domain,
    uint32_t any)
{
	struct mc_slot	*s;
	uint64_t	 now = util_monotonic_ms();

	if (domain == NULL)
		domain = "";
	if (gen == 0 || strlen(user) > STORE_ADDR_MAX ||
	    strlen(domain) > STORE_ADDR_MAX)
		return;
	pthread_mutex_lock(&MC.lock);
	/* a notice since the question: the answer may be older than it */
	if (MC.listening && MC.slots != NULL && gen == MC.gen) {
		s = &MC.slots[mc_slot(user, domain)];
		s->gen = gen;
		s->at = now;
		s->any = any;
		util_strlcpy(s->user, user, sizeof(s->user));
		util_strlcpy(s->domain, domain, sizeof(s->domain));
	}
	pthread_mutex_unlock(&MC.lock);
}

/*
 * Listening starts or ends: either way what was kept is forgotten (a
 * notice may have been missed while no one listened).
 */
static void
mc_listening(int on)
{
	pthread_mutex_lock(&MC.lock);
	MC.listening = on;
	MC.gen++;
	pthread_mutex_unlock(&MC.lock);
}

/* Wait MC_RETRY_S or until stopped; 1 when stopped. */
static int
mc_pause(void)
{
	struct timespec	ts;
	int		stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += MC_RETRY_S;
	pthread_mutex_lock(&MC.lock);
	if (!MC.stop)
		pthread_cond_timedwait(&MC.cond, &MC.lock, &ts);
	stop = MC.stop;
	pthread_mutex_unlock(&MC.lock);
	return stop;
}

static void *
mc_listener(void *arg)
{
	struct store	*st = NULL;
	uint64_t	 heard = 0;
	char		 err[512];
	int		 r, listening = 0, said = 0, stop = 0;

	(void)arg;
	while (!stop) {
		if (st == NULL && (st = store_open(MC.datadir, 0, err,
		    sizeof(err))) == NULL) {
			stop = mc_pause();
			continue;
		}
		if (!listening) {
			if ((r = store_listen(st)) == STORE_INVALID)
				break;	/* no notices: every MAIL asks */
			if (r != STORE_OK) {
				if (!said)
					log_warnx("auth: MAIL checks not kept: "
					    "%s", store_errmsg(st));
				said = 1;
				stop = mc_pause();
				continue;
			}
			if (said)
				log_info("auth: MAIL checks kept again: "
				    "listening to the store's notices");
			said = 0;
			listening = 1;
			heard = util_monotonic_ms();
			mc_listening(1);
		}
		r = store_wait_notice(st, MC_WAIT_MS);
		/*
		 * Notices are rare and the listener only reads, so a
		 * connection that died without a word (a NAT's idle timeout,
		 * a host gone) would look like one with nothing to say: when
		 * nothing came for MC_PING_MS, LISTEN again, which asks the
		 * server for an answer within store_timeout.
		 */
		if (r == 1)
			heard = util_monotonic_ms();
		else if (r == 0 && util_monotonic_ms() - heard >= MC_PING_MS) {
			heard = util_monotonic_ms();
			if (store_listen(st) != STORE_OK)
				r = -1;
		}
		pthread_mutex_lock(&MC.lock);
		if (r == 1)
			MC.gen++;	/* forget everything kept */
		stop = MC.stop;
		pthread_mutex_unlock(&MC.lock);
		if (r == -1) {
			log_warnx("auth: MAIL checks not kept until the "
			    "store's notices are heard again");
			said = 1;
			listening = 0;
			mc_listening(0);
		}
	}
	if (listening)
		mc_listening(0);
	store_close(st);
	return NULL;
}

int
mailcheck_start(const char *datadir)
{
	if ((MC.slots = calloc(MAILCHECK_SLOTS, sizeof(*MC.slots))) == NULL)
		return -1;
	MC.datadir = datadir;
	if (pthread_create(&MC.thread, NULL, mc_listener, NULL) != 0) {
		free(MC.slots);
		MC.slots = NULL;
		return -1;
	}
	MC.running = 1;
	return 0;
}

void
mailcheck_stop(void)
{
	if (!MC.running)
		return;
	pthread_mutex_lock(&MC.lock);
	MC.stop = 1;
	pthread_cond_signal(&MC.cond);
	pthread_mutex_unlock(&MC.lock);
	pthread_join(MC.thread, NULL);
	MC.running = 0;
	pthread_mutex_lock(&MC.lock);
	free(MC.slots);
	MC.slots = NULL;
	pthread_mutex_unlock(&MC.lock);
}
