/*
 * provision_hash: the passwords of a provisioning run, generated and
 * hashed (argon2id, core/password.h) on one thread per core, for
 * `postern provision` and POST /api/v1/provision alike (provision_fmt.h).
 * Hashing is slow on purpose (about 30 ms a password at postern's cost on
 * one core), so a run of a thousand takes seconds: the API gives it a
 * deadline, after which the threads stop taking passwords and the call
 * fails, with nothing written anywhere, rather than outlive the HTTP
 * request that asked for them.  Once a tenth is done, the pace so far
 * says whether the rest can make it: if it misses by far, the run stops
 * then, rather than burn the cores until the deadline for nothing.
 *
 * Failure: -1 if a password cannot be generated or hashed, -2 past the
 * deadline; *done says how many were finished either way.  Secrets of
 * unfinished entries are left zeroed.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/password.h"
#include "core/provision_fmt.h"
#include "lib/util.h"

#define HASH_THREADS_MAX	16

struct hash_work {
	char		*base;
	size_t		 size;		/* of one entry */
	size_t		 n;
	size_t		 next;
	size_t		 done;
	uint64_t	 start;
	uint64_t	 deadline;	/* util_monotonic_ms(); 0: none */
	size_t		 nt;		/* threads */
	int		 failed;	/* -1, -2 */
	pthread_mutex_t	 lock;
};

static void	*hash_thread(void *);

static void *
hash_thread(void *arg)
{
	struct hash_work	*w = arg;
	struct provision_secret	*s;
	size_t			 i;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		if (w->failed == 0 && w->deadline != 0 &&
		    util_monotonic_ms() > w->deadline)
			w->failed = -2;
		i = w->failed != 0 ? w->n : w->next++;
		pthread_mutex_unlock(&w->lock);
		if (i >= w->n)
			return NULL;
		s = (struct provision_secret *)(void *)(w->base + i * w->size);
		if (password_generate(s->password, sizeof(s->password),
		    PASSWORD_GEN_LEN) == -1 || password_hash(s->password,
		    strlen(s->password), s->hash, sizeof(s->hash)) == -1) {
			pthread_mutex_lock(&w->lock);
			w->failed = -1;
			pthread_mutex_unlock(&w->lock);
			continue;
		}
		pthread_mutex_lock(&w->lock);
		w->done++;
		/* the pace so far, on a tenth of the run at least, misses
		   the deadline by a quarter of the time given: give up */
		if (w->failed == 0 && w->deadline != 0 &&
		    w->done >= 2 * w->nt + 4 && w->done >= w->n / 10 &&
		    w->start + (util_monotonic_ms() - w->start) * w->n /
		    w->done > w->deadline + (w->deadline - w->start) / 4)
			w->failed = -2;
		pthread_mutex_unlock(&w->lock);
	}
}

int
provision_hash_all(void *entries, size_t n, size_t size,
    uint64_t deadline_ms, size_t *done)
{
	struct hash_work	 w;
	pthread_t		 t[HASH_THREADS_MAX];
	long			 cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t			 nt, i;

	memset(&w, 0, sizeof(w));
	w.base = entries;
	w.size = size;
	w.n = n;
	w.deadline = deadline_ms;
	nt = cores < 1 ? 1 : cores > HASH_THREADS_MAX ? HASH_THREADS_MAX :
	    (size_t)cores;
	if (nt > n)
		nt = n;
	w.nt = nt;
	w.start = util_monotonic_ms();
	pthread_mutex_init(&w.lock, NULL);
	for (i = 0; i < nt; i++)
		if (pthread_create(&t[i], NULL, hash_thread, &w) != 0)
			break;
	if (i == 0)
		hash_thread(&w);
	nt = i;
	for (i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&w.lock);
	if (done != NULL)
		*done = w.done;
	return w.failed;
}
