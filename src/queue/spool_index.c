/*
 * spool_index: which messages the spool log (seglog.h) holds, by queue
 * id, and how many live messages each segment still has, so that the
 * rest of the spool (spool_load, spool_open_msg, spool_remove, the
 * listings) finds a message in a segment as it finds an ID.msg file.
 *
 * Filled at start by spool_index_load() (recovery: every valid record
 * that no done list names) and by the commit thread after each group
 * commit; emptied by spool_index_remove(), which appends the record to
 * its segment's done list first and reclaims the segment once it is
 * sealed and holds nothing live.  The segment the writer is filling is
 * not sealed until the writer leaves it (spool_index_seal()).
 *
 * One mutex guards everything; the done-list write and a reclaim happen
 * under it, so a segment is never reclaimed while a message is added to
 * it.  A segment's done list stays open from its first mark until the
 * segment is reclaimed (one write per mark, not open, fstat, write and
 * close); DONEFDS_MAX of them at most.  Done lists are synced apart,
 * by spool_index_flush().  Memory: one entry per queued message.
 * Fails: allocation failures return -1; the message is then still on
 * disk and is found again at the next start.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "queue/envelope.h"
#include "queue/seglog.h"
#include "queue/spool.h"

#define IBUCKETS	4096
#define DONEFDS_MAX	16	/* done lists kept open at once */

struct ientry {
	struct ientry		*next;
	char			 id[ENVELOPE_ID_MAX + 1];
	struct seglog_loc	 loc;
};

struct iseg {
	uint64_t	 segno;
	size_t		 live;
	int		 sealed;
	int		 dirty;		/* done list written, not synced */
	int		 donefd;	/* its done list, kept open for
					   appending; -1 not open yet */
};

static struct {
	pthread_mutex_t	 lock;
	struct ientry	*b[IBUCKETS];
	size_t		 n;
	struct iseg	*segs;
	size_t		 nsegs, capsegs;
	size_t		 ndonefds;	/* segs[].donefd open */
} I = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t	 id_hash(const char *);
static struct ientry **entry_find(const char *);
static struct iseg *seg_find(uint64_t, int);
static void	 seg_maybe_reclaim(int, struct iseg *);
static void	 done_close(struct iseg *);
static int	 done_fd(int, struct iseg *);
static int	 load_one(void *, const struct seglog_loc *, const char *);

static size_t
id_hash(const char *id)
{
	return util_hash_str(id) % IBUCKETS;
}

/* Locked. */
static struct ientry **
entry_find(const char *id)
{
	struct ientry	**ep;

	for (ep = &I.b[id_hash(id)]; *ep != NULL; ep = &(*ep)->next)
		if (strcmp((*ep)->id, id) == 0)
			return ep;
	return NULL;
}

/* Locked.  The segment's counts, added (live 0) if create. */
static struct iseg *
seg_find(uint64_t segno, int create)
{
	struct iseg	*ns;
	size_t		 i;

	for (i = 0; i < I.nsegs; i++)
		if (I.segs[i].segno == segno)
			return &I.segs[i];
	if (!create)
		return NULL;
	if (I.nsegs == I.capsegs) {
		if ((ns = reallocarray(I.segs, I.capsegs ? I.capsegs * 2 : 16,
		    sizeof(*ns))) == NULL)
			return NULL;
		I.segs = ns;
		I.capsegs = I.capsegs ? I.capsegs * 2 : 16;
	}
	ns = &I.segs[I.nsegs++];
	ns->segno = segno;
	ns->live = 0;
	ns->sealed = 0;
	ns->dirty = 0;
	ns->donefd = -1;
	return ns;
}

/* Locked: close s's done list if it is open. */
static void
done_close(struct iseg *s)
{
	if (s->donefd == -1)
		return;
	close(s->donefd);
	s->donefd = -1;
	I.ndonefds--;
}

/*
 * Locked: s's done list, open (at most DONEFDS_MAX stay open: past that
 * another segment's is closed, a segment that is marking again opens
 * its own again).  0/-1.
 */
static int
done_fd(int dirfd, struct iseg *s)
{
	size_t	i;

	if (s->donefd != -1)
		return 0;
	for (i = 0; I.ndonefds >= DONEFDS_MAX && i < I.nsegs; i++)
		done_close(&I.segs[i]);
	if ((s->donefd = seglog_done_open(dirfd, s->segno, NULL)) == -1)
		return -1;
	I.ndonefds++;
	return 0;
}

/* Locked: a sealed segment with nothing live goes. */
static void
seg_maybe_reclaim(int dirfd, struct iseg *s)
{
	if (!s->sealed || s->live > 0)
		return;
	done_close(s);
	if (seglog_reclaim(dirfd, s->segno) == -1)
		log_warn("spool: reclaim segment %016" PRIX64, s->segno);
	*s = I.segs[--I.nsegs];
}

int
spool_index_add(const char *id, const struct seglog_loc *loc)
{
	struct ientry	*e = NULL;
	struct iseg	*s;
	size_t		 h = id_hash(id);
	int		 rc = -1;

	if (strlen(id) <= ENVELOPE_ID_MAX && (e = calloc(1,
	    sizeof(*e))) != NULL) {
		memcpy(e->id, id, strlen(id) + 1);
		e->loc = *loc;
	}
	pthread_mutex_lock(&I.lock);
	/* counted even when it cannot be indexed: a segment is never
	   reclaimed under a record that may have been acknowledged */
	if ((s = seg_find(loc->segno, 1)) != NULL)
		s->live++;
	if (e == NULL || s == NULL)
		errno = ENOMEM;
	else if (entry_find(id) != NULL)
		errno = EEXIST;
	else {
		e->next = I.b[h];
		I.b[h] = e;
		I.n++;
		e = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&I.lock);
	free(e);
	return rc;
}

int
spool_index_find(const char *id, struct seglog_loc *loc)
{
	struct ientry	**ep;

	pthread_mutex_lock(&I.lock);
	if ((ep = entry_find(id)) != NULL && loc != NULL)
		*loc = (*ep)->loc;
	pthread_mutex_unlock(&I.lock);
	return ep != NULL;
}

int
spool_index_remove(int dirfd, const char *id, int sync)
{
	struct ientry	**ep, *e;
	struct iseg	 *s;
	int		  rc = 0;

	pthread_mutex_lock(&I.lock);
	if ((ep = entry_find(id)) == NULL) {
		pthread_mutex_unlock(&I.lock);
		errno = ENOENT;
		return -1;
	}
	e = *ep;
	/* on disk first: a message dropped from memory alone would come
	   back at the next start, and be delivered again.  Written, not
	   synced: spool_index_flush() syncs every list written since its
	   last call (the keeper's, once a second), so a kill -9 loses no
	   mark (the kernel has it) and a power failure may deliver again
	   what finished in the last second, as Postfix's unsynced unlink
	   of a delivered queue file may. */
	if ((s = seg_find(e->loc.segno, 0)) == NULL) {
		if (seglog_done_mark(dirfd, e->loc.segno, &e->loc.off, 1,
		    0) == -1)
			rc = -1;
	} else if (done_fd(dirfd, s) == -1 ||
	    seglog_done_append(s->donefd, &e->loc.off, 1) == -1) {
		rc = -1;
		done_close(s);
	}
	*ep = e->next;
	I.n--;
	if (s != NULL) {
		s->dirty |= sync && rc == 0;
		s->live--;
		seg_maybe_reclaim(dirfd, s);
	}
	pthread_mutex_unlock(&I.lock);
	free(e);
	return rc;
}

int
spool_index_flush(int dirfd)
{
	uint64_t	*segs;
	size_t		 i, n = 0;
	int		 rc = 0;

	pthread_mutex_lock(&I.lock);
	if ((segs = reallocarray(NULL, I.nsegs + 1, sizeof(*segs))) != NULL)
		for (i = 0; i < I.nsegs; i++)
			if (I.segs[i].dirty) {
				I.segs[i].dirty = 0;
				segs[n++] = I.segs[i].segno;
			}
	pthread_mutex_unlock(&I.lock);
	if (segs == NULL)
		return -1;
	/* a list reclaimed meanwhile went with its segment: nothing to do */
	for (i = 0; i < n; i++)
		if (seglog_done_sync(dirfd, segs[i]) == -1 && errno != ENOENT)
			rc = -1;
	/* a list made since the last flush is a new name */
	if (n > 0 && fsync(dirfd) == -1)
		rc = -1;
	free(segs);
	return rc;
}

void
spool_index_seal(int dirfd, uint64_t segno)
{
	struct iseg	*s;

	pthread_mutex_lock(&I.lock);
	if ((s = seg_find(segno, 1)) != NULL) {
		s->sealed = 1;
		seg_maybe_reclaim(dirfd, s);
	}
	pthread_mutex_unlock(&I.lock);
}

size_t
spool_index_live(uint64_t segno)
{
	struct iseg	*s;
	size_t		 n;

	pthread_mutex_lock(&I.lock);
	n = (s = seg_find(segno, 0)) != NULL ? s->live : 0;
	pthread_mutex_unlock(&I.lock);
	return n;
}

int
spool_index_ids(char ***out, size_t *n)
{
	struct ientry	*e;
	char		**v;
	size_t		  i, k = 0;
	int		  rc = 0;

	pthread_mutex_lock(&I.lock);
	if ((v = reallocarray(*out, *n + I.n + 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&I.lock);
		return -1;
	}
	*out = v;
	for (i = 0; i < IBUCKETS && rc == 0; i++)
		for (e = I.b[i]; e != NULL && rc == 0; e = e->next) {
			if ((v[*n + k] = strdup(e->id)) == NULL)
				rc = -1;
			else
				k++;
		}
	*n += k;
	pthread_mutex_unlock(&I.lock);
	return rc;
}

/* Recovery's callback: the record's id from its envelope. */
static int
load_one(void *arg, const struct seglog_loc *l, const char *env)
{
	struct envelope	 e;
	struct iseg	*s;
	char		 err[128] = "not a queue id";
	size_t		*bad = arg;

	envelope_init(&e);
	if (envelope_parse(&e, env, l->env_len, err, sizeof(err)) == -1 ||
	    !spool_valid_id(e.id)) {
		pthread_mutex_lock(&I.lock);
		if ((s = seg_find(l->segno, 1)) != NULL)
			s->live++;	/* never reclaimed: the operator's */
		pthread_mutex_unlock(&I.lock);
	} else if (spool_index_add(e.id, l) == 0) {
		envelope_free(&e);
		return 0;
	} else	/* counted in its segment all the same */
		snprintf(err, sizeof(err), "%s", strerror(errno));
	/* whole and checksummed, yet unreadable or a second copy of an
	   id: kept, not lost */
	log_warnx("spool: segment %016" PRIX64 " offset %" PRIu64 ": a "
	    "record that cannot be queued (%s: %s); left in place", l->segno,
	    l->off, e.id[0] ? e.id : "?", err);
	(*bad)++;
	envelope_free(&e);
	return 0;
}

long
spool_index_load(int dirfd, uint64_t *next, int flags)
{
	size_t	i, bad = 0;
	long	n;

	if ((n = seglog_recover(dirfd, load_one, &bad, next, flags)) == -1)
		return -1;
	/* every segment found at start is sealed: a new one is written */
	pthread_mutex_lock(&I.lock);
	for (i = 0; i < I.nsegs; i++)
		I.segs[i].sealed = 1;
	pthread_mutex_unlock(&I.lock);
	if (bad)
		log_warnx("spool: %zu record(s) of the spool log not queued",
		    bad);
	return n - (long)bad;
}

void
spool_index_clear(void)
{
	struct ientry	*e;
	size_t		 i;

	pthread_mutex_lock(&I.lock);
	for (i = 0; i < IBUCKETS; i++)
		while ((e = I.b[i]) != NULL) {
			I.b[i] = e->next;
			free(e);
		}
	I.n = 0;
	for (i = 0; i < I.nsegs; i++)
		done_close(&I.segs[i]);
	free(I.segs);
	I.segs = NULL;
	I.nsegs = I.capsegs = 0;
	pthread_mutex_unlock(&I.lock);
}
