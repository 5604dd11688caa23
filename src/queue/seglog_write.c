/*
 * seglog_write: the writing side of the spool log (seglog.h): appending
 * records to the active segment with one fdatasync per batch (group
 * commit), the done lists, reclaiming segments, recovery at start, and
 * the staging files the smtp process writes content into.
 *
 * Invariant (what recovery relies on): in every segment, bytes that are
 * not a whole valid record are never followed by a record that was
 * acknowledged.  So: a record's payload is written before its header
 * (a torn record has no valid header, or a checksum that fails); a
 * failed write is cut off with ftruncate before anything else is
 * written; if the cut fails the segment is sealed; a failed fdatasync
 * cuts back to what the previous one covered and seals the segment
 * (after a failed fsync the page cache's state is unknown, so it is not
 * appended to again); and every start of the queue writes a new
 * segment, never an old one.
 *
 * Fails: every function returns -1 with errno and leaves the writer in
 * a state where the next batch can try again (a new segment).  ENOSPC
 * and EDQUOT pass through unchanged so that the client gets 452 4.3.1.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "queue/seglog.h"

#define COPY_CHUNK	(64 * 1024)
#define DONE_FILE_MAX	(16 * 1024 * 1024)
#define STAGE_KEEP	1024
#define SEGS_MAX	(1024 * 1024)

static int	append_payload(struct seglog_w *, struct seglog_sum *,
		    const void *, uint32_t, int, uint64_t, uint64_t);
static int	append_failed(struct seglog_w *, uint64_t, int);
static int	done_load(int, uint64_t, uint64_t **, size_t *);
static int	recover_segment(int, uint64_t, seglog_cb, void *, long *,
		    int);
static int	list_segments(int, uint64_t **, size_t *, uint64_t *, int);
static int	push_u64(uint64_t **, size_t *, size_t *, uint64_t);
static int	stage_named(int);

struct recover_ctx {
	seglog_cb	 cb;
	void		*arg;
	const uint64_t	*done;
	size_t		 ndone;
	long		 live;
};

static int	recover_one(void *, const struct seglog_loc *, const char *);

/* Staging descriptors kept for reuse. */
static struct {
	pthread_mutex_t	 lock;
	int		 fds[STAGE_KEEP];
	size_t		 n;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

int
seglog_w_open(struct seglog_w *w, int dirfd, uint64_t segno,
    uint64_t seg_max)
{
	char	name[SEGLOG_NAME_MAX];
	int	fd, saved;

	w->fd = -1;
	w->dirfd = dirfd;
	w->segno = segno;
	w->tail = w->synced = 0;
	w->seg_max = seg_max;
	w->sealed = 0;
	if (seglog_name(segno, 0, name, sizeof(name)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (fsync(dirfd) == -1) {
		saved = errno;
		close(fd);
		unlinkat(dirfd, name, 0);
		errno = saved;
		return -1;
	}
	w->fd = fd;
	return 0;
}

void
seglog_w_close(struct seglog_w *w)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
}

int
seglog_w_prepare(struct seglog_w *w)
{
	uint64_t	segno = w->segno;
	int		tries;

	if (w->fd != -1 && !w->sealed && w->tail < w->seg_max)
		return 0;
	if (w->fd != -1) {
		if (w->tail != w->synced) {
			errno = EBUSY;	/* a batch was not synced: a bug */
			return -1;
		}
		seglog_w_close(w);
		segno++;
	}
	/* after a failed open w->segno is the one tried: try it again */
	for (tries = 0; tries < 16; tries++, segno++)
		if (seglog_w_open(w, w->dirfd, segno, w->seg_max) == 0 ||
		    errno != EEXIST)
			break;
	return w->fd == -1 ? -1 : 0;
}

int
seglog_w_retire(struct seglog_w *w)
{
	if (w->fd == -1)
		return 0;
	if (w->tail != w->synced) {
		errno = EBUSY;
		return -1;
	}
	seglog_w_close(w);
	w->segno++;
	w->tail = w->synced = 0;
	w->sealed = 0;
	return 0;
}

/* A write of the record at off failed with err: cut it off again. */
static int
append_failed(struct seglog_w *w, uint64_t off, int err)
{
	if (ftruncate(w->fd, (off_t)off) == -1) {
		log_warn("seglog: %016" PRIX64 ": cannot cut a failed record "
		    "off; segment sealed", w->segno);
		w->sealed = 1;
	}
	w->tail = off;
	errno = err;
	return -1;
}

/* The envelope, then the content copied in chunks, both summed. */
static int
append_payload(struct seglog_w *w, struct seglog_sum *s, const void *env,
    uint32_t env_len, int content_fd, uint64_t content_len, uint64_t at)
{
	char		*chunk;
	uint64_t	 src = 0;
	ssize_t		 r;
	size_t		 n;
	int		 rc = -1;

	if (seglog_sum_update(s, env, env_len) == -1 ||
	    (chunk = malloc(COPY_CHUNK)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (util_pwrite_all(w->fd, env, env_len, at) == -1)
		goto done;
	at += env_len;
	while (src < content_len) {
		n = content_len - src < COPY_CHUNK ?
		    (size_t)(content_len - src) : COPY_CHUNK;
		r = pread(content_fd, chunk, n, (off_t)src);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;	/* shorter than said */
			goto done;
		}
		if (seglog_sum_update(s, chunk, (size_t)r) == -1) {
			errno = ENOMEM;
			goto done;
		}
		if (util_pwrite_all(w->fd, chunk, (size_t)r, at) == -1)
			goto done;
		src += (uint64_t)r;
		at += (uint64_t)r;
	}
	rc = 0;
done:
	free(chunk);
	return rc;
}

int
seglog_w_append(struct seglog_w *w, const void *env, uint32_t env_len,
    int content_fd, uint64_t content_len, struct seglog_loc *loc)
{
	struct seglog_hdr	h;
	struct seglog_sum	s;
	uint8_t			hdr[SEGLOG_HDR_LEN];
	uint64_t		off = w->tail;

	if (w->fd == -1 || w->sealed) {
		errno = EIO;
		return -1;
	}
	if (env_len > SEGLOG_ENV_MAX || content_len > SEGLOG_CONTENT_MAX) {
		errno = EFBIG;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.env_len = env_len;
	h.content_len = content_len;
	h.segno = w->segno;
	seglog_hdr_encode(hdr, &h);
	if (seglog_sum_init(&s, hdr) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (append_payload(w, &s, env, env_len, content_fd, content_len,
	    off + SEGLOG_HDR_LEN) == -1) {
		seglog_sum_free(&s);
		return append_failed(w, off, errno);
	}
	if (seglog_sum_final(&s, h.sum) == -1)
		return append_failed(w, off, ENOMEM);
	seglog_hdr_encode(hdr, &h);
	/* the header last: a torn record never has a valid one */
	if (util_pwrite_all(w->fd, hdr, sizeof(hdr), off) == -1)
		return append_failed(w, off, errno);
	loc->segno = w->segno;
	loc->off = off;
	loc->env_len = env_len;
	loc->content_len = content_len;
	w->tail = SEGLOG_REC_END(loc);
	return 0;
}

int
seglog_w_sync(struct seglog_w *w)
{
	int	saved;

	if (w->fd == -1 || w->tail == w->synced)
		return 0;
	if (fdatasync(w->fd) == 0) {
		w->synced = w->tail;
		return 0;
	}
	saved = errno;
	log_warn("seglog: %016" PRIX64 ": fdatasync; segment sealed",
	    w->segno);
	/* best effort: what was not acknowledged should not come back */
	if (ftruncate(w->fd, (off_t)w->synced) == 0)
		(void)fdatasync(w->fd);
	w->tail = w->synced;
	w->sealed = 1;
	errno = saved;
	return -1;
}

int
seglog_done_open(int dirfd, uint64_t segno, int *created)
{
	char		 name[SEGLOG_NAME_MAX];
	struct stat	 sb;
	int		 fd, saved;

	(void)seglog_name(segno, 1, name, sizeof(name));
	if ((fd = openat(dirfd, name, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	/* a torn entry from before ends the list short: align past it */
	if (fstat(fd, &sb) == -1 || (sb.st_size % SEGLOG_DONE_LEN != 0 &&
	    ftruncate(fd, sb.st_size - sb.st_size % SEGLOG_DONE_LEN) == -1)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (created != NULL)
		*created = sb.st_size == 0;
	return fd;
}

int
seglog_done_append(int fd, const uint64_t *offs, size_t n)
{
	uint8_t		 one[SEGLOG_DONE_LEN], *b = one;
	size_t		 i;
	ssize_t		 w;
	int		 saved;

	if (n == 0)
		return 0;
	if (n > 1 && (n > SIZE_MAX / SEGLOG_DONE_LEN ||
	    (b = malloc(n * SEGLOG_DONE_LEN)) == NULL)) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i++)
		seglog_done_encode(b + i * SEGLOG_DONE_LEN, offs[i]);
	/* O_APPEND: one write is one whole entry or none for a list this
	   small; a short one is an error, and the list is realigned when
	   it is next opened */
	do {
		w = write(fd, b, n * SEGLOG_DONE_LEN);
	} while (w == -1 && errno == EINTR);
	saved = errno;
	if (b != one)
		free(b);
	if (w != (ssize_t)(n * SEGLOG_DONE_LEN)) {
		errno = w == -1 ? saved : EIO;
		return -1;
	}
	return 0;
}

int
seglog_done_mark(int dirfd, uint64_t segno, const uint64_t *offs, size_t n,
    int sync)
{
	int	fd, created, rc = -1, saved;

	if (n == 0)
		return 0;
	if ((fd = seglog_done_open(dirfd, segno, &created)) == -1)
		return -1;
	if (seglog_done_append(fd, offs, n) == 0 && (!sync ||
	    (fdatasync(fd) == 0 && (!created || fsync(dirfd) == 0))))
		rc = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
seglog_done_sync(int dirfd, uint64_t segno)
{
	char	name[SEGLOG_NAME_MAX];

	(void)seglog_name(segno, 1, name, sizeof(name));
	return util_fdatasync_at(dirfd, name);
}

int
seglog_reclaim(int dirfd, uint64_t segno)
{
	char	name[SEGLOG_NAME_MAX];

	/* the segment first: a done list alone is harmless */
	(void)seglog_name(segno, 0, name, sizeof(name));
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	(void)seglog_name(segno, 1, name, sizeof(name));
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	return fsync(dirfd);
}

/* The sorted offsets of segno's done list (none if it has none). */
static int
done_load(int dirfd, uint64_t segno, uint64_t **offs, size_t *n)
{
	char		 name[SEGLOG_NAME_MAX];
	struct stat	 sb;
	uint8_t		*b = NULL;
	long		 k;
	int		 fd, rc = -1;

	*offs = NULL;
	*n = 0;
	(void)seglog_name(segno, 1, name, sizeof(name));
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) == -1)
		goto done;
	if (sb.st_size > DONE_FILE_MAX) {
		errno = EFBIG;
		goto done;
	}
	if (sb.st_size < SEGLOG_DONE_LEN) {
		rc = 0;
		goto done;
	}
	if ((b = malloc((size_t)sb.st_size)) == NULL ||
	    (*offs = calloc((size_t)sb.st_size / SEGLOG_DONE_LEN,
	    sizeof(**offs))) == NULL)
		goto done;
	if (pread(fd, b, (size_t)sb.st_size, 0) != sb.st_size) {
		errno = EIO;
		goto done;
	}
	k = seglog_done_parse(b, (size_t)sb.st_size, *offs,
	    (size_t)sb.st_size / SEGLOG_DONE_LEN);
	*n = k > 0 ? (size_t)k : 0;
	rc = 0;
done:
	close(fd);
	free(b);
	if (rc == -1) {
		free(*offs);
		*offs = NULL;
	}
	return rc;
}

static int
recover_one(void *arg, const struct seglog_loc *l, const char *env)
{
	struct recover_ctx	*c = arg;

	if (seglog_done_has(c->done, c->ndone, l->off))
		return 0;
	c->live++;
	return c->cb(c->arg, l, env);
}

/* One segment: its live records to cb, *live of them; reclaim if none. */
static int
recover_segment(int dirfd, uint64_t segno, seglog_cb cb, void *arg,
    long *live, int flags)
{
	struct recover_ctx	 c;
	struct stat		 sb;
	char			 name[SEGLOG_NAME_MAX];
	uint64_t		*done, end;
	long			 n;
	int			 fd, saved;

	*live = 0;
	(void)seglog_name(segno, 0, name, sizeof(name));
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return (flags & SEGLOG_READONLY) && errno == ENOENT ? 0 : -1;
	if (done_load(dirfd, segno, &done, &c.ndone) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	c.cb = cb;
	c.arg = arg;
	c.done = done;
	c.live = 0;
	n = seglog_scan(fd, segno, recover_one, &c, &end);
	saved = errno;
	if (n != -1 && !(flags & SEGLOG_READONLY) && fstat(fd, &sb) == 0 &&
	    (uint64_t)sb.st_size > end)
		log_warnx("seglog: %s: %" PRIu64 " byte(s) after the last "
		    "whole record (of %ld) ignored: never acknowledged", name,
		    (uint64_t)sb.st_size - end, n);
	close(fd);
	free(done);
	if (n == -1) {
		errno = saved;
		return -1;
	}
	*live = c.live;
	if (c.live == 0 && !(flags & SEGLOG_READONLY) &&
	    seglog_reclaim(dirfd, segno) == -1)
		log_warn("seglog: reclaim %s", name);
	return 0;
}

/* Add v to the array *a of *n (capacity *cap).  0 or -1. */
static int
push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	uint64_t	*na;

	if (*n == *cap) {
		if (*cap >= SEGS_MAX || (na = reallocarray(*a, *cap ? *cap * 2 :
		    64, sizeof(**a))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		*a = na;
		*cap = *cap ? *cap * 2 : 64;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/*
 * The segments of dirfd, sorted; done lists without a segment are
 * removed; *next is past every number seen.
 */
static int
list_segments(int dirfd, uint64_t **segs, size_t *n, uint64_t *next,
    int flags)
{
	DIR		*d;
	struct dirent	*de;
	uint64_t	 segno, *dones = NULL;
	size_t		 i, cap = 0, ndones = 0, dcap = 0;
	int		 fd, done, rc = 0;
	char		 name[SEGLOG_NAME_MAX];

	*segs = NULL;
	*n = 0;
	*next = 1;
	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!seglog_name_parse(de->d_name, &segno, &done))
			continue;
		if (segno >= *next)
			*next = segno + 1;
		rc = done ? push_u64(&dones, &ndones, &dcap, segno) :
		    push_u64(segs, n, &cap, segno);
	}
	closedir(d);
	if (rc == 0 && *n > 0)
		qsort(*segs, *n, sizeof(**segs), seglog_cmp_u64);
	/* a done list whose segment is gone: a reclaim cut short */
	for (i = 0; rc == 0 && !(flags & SEGLOG_READONLY) && i < ndones;
	    i++) {
		if (*n > 0 && bsearch(&dones[i], *segs, *n, sizeof(**segs),
		    seglog_cmp_u64) != NULL)
			continue;
		(void)seglog_name(dones[i], 1, name, sizeof(name));
		(void)unlinkat(dirfd, name, 0);
	}
	free(dones);
	if (rc == -1) {
		free(*segs);
		*segs = NULL;
	}
	return rc;
}

long
seglog_recover(int dirfd, seglog_cb cb, void *arg, uint64_t *next,
    int flags)
{
	uint64_t	*segs = NULL;
	size_t		 i, n;
	long		 live, total = 0;

	if (list_segments(dirfd, &segs, &n, next, flags) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (recover_segment(dirfd, segs[i], cb, arg, &live, flags) ==
		    -1) {
			free(segs);
			return -1;
		}
		total += live;
	}
	free(segs);
	return total;
}

int
seglog_stage_get(int dirfd)
{
	int	fd = -1;

	pthread_mutex_lock(&S.lock);
	if (S.n > 0)
		fd = S.fds[--S.n];
	pthread_mutex_unlock(&S.lock);
	if (fd != -1)
		return fd;
	fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	return stage_named(dirfd);
}

/*
 * No O_TMPFILE on this file system: a named file, unlinked at once.  A
 * crash in between leaves a .tmp name, which the queue removes at start.
 */
static int
stage_named(int dirfd)
{
	char		name[40];
	uint64_t	r;
	int		fd, tries;

	for (tries = 0; tries < 10; tries++) {
		if (util_random(&r, sizeof(r)) == -1)
			return -1;
		snprintf(name, sizeof(name), "stage-%016" PRIX64 ".tmp", r);
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd != -1) {
			(void)unlinkat(dirfd, name, 0);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

void
seglog_stage_put(int fd, uint64_t len)
{
	if (fd == -1)
		return;
	/* the offset is shared with the smtp process's copy: rewind */
	if ((len > SEGLOG_STAGE_TRIM && ftruncate(fd, 0) == -1) ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&S.lock);
	if (S.n < STAGE_KEEP) {
		S.fds[S.n++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&S.lock);
	if (fd != -1)
		close(fd);
}

void
seglog_stage_clear(void)
{
	pthread_mutex_lock(&S.lock);
	while (S.n > 0)
		close(S.fds[--S.n]);
	pthread_mutex_unlock(&S.lock);
}
