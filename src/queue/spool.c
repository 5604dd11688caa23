/*
 * spool: see spool.h.  Loading reads the trailer first, then exactly the
 * envelope it points at, then the whole state log (bounded by
 * SPOOL_ST_MAX); every number and length in a record is checked before
 * use, and a malformed record makes the load fail rather than guess.
 *
 * Records an append could not write (a full disk, an I/O error) are kept
 * in memory, per log, and written before anything else that log gets
 * next, by spool_log() or spool_log_retry().  Dropping them would be
 * wrong even though the caller keeps the state in memory and retries
 * the message: the next append names only the recipients of its own
 * attempt, so a delivery recorded nowhere would be made again after a
 * restart.  Every write of kept records happens under K.lock, and so do
 * spool_compact() and the removal of ID.st in spool_remove(), which
 * both drop what is kept for the log: kept records never land after a
 * snapshot that already holds them, nor recreate a removed log.  Order:
 * a newer record for a recipient is made only by an attempt that began
 * after the older one was recorded or kept (delivery marks a recipient
 * busy until then), so it finds the older one kept and writes it first.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "queue/spool.h"

#define ENV_MAX		(16 * 1024 * 1024)

/* Records not written yet, per log; see the top of this file. */
struct spool_kept {
	struct spool_kept	*next;
	char			 id[ENVELOPE_ID_MAX + 1];
	struct buf		 recs;
};

static struct {
	pthread_mutex_t		 lock;
	struct spool_kept	*head;
	size_t			 n;
} K = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * The ids whose ID.st this process made (spool_append, spool_compact),
 * so that spool_remove_new() need not unlink a state log that a message
 * delivered at its first attempt never had.  If a note cannot be kept
 * (no memory), the set is no longer trusted and every removal unlinks.
 */
#define ST_BUCKETS	1024

struct st_note {
	struct st_note	*next;
	char		 id[ENVELOPE_ID_MAX + 1];
};

static struct {
	pthread_mutex_t	 lock;
	struct st_note	*b[ST_BUCKETS];
	int		 untrusted;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int	spool_read_envelope(int, struct spool_msg *, char *, size_t);
static int	spool_read_seg_envelope(int, const struct seglog_loc *,
		    struct spool_msg *, char *, size_t);
static int	spool_append(int, const char *, const struct buf *,
		    uint64_t *);
static struct spool_kept **kept_find(const char *);
static int	kept_add(const char *, const struct buf *);
static void	kept_drop(struct spool_kept **);
static void	st_note(const char *);
static int	st_forget(const char *);
static int	spool_remove_at(int, const char *, int, int);
static int	spool_read_log(int, const char *, struct buf *);
static int	spool_record(struct spool_msg *, const char *, size_t);
static int	rec_num(const char **, const char *, int64_t *);
static int	rec_str(const char **, const char *, char *, size_t);

/* The suffixes, by enum spool_file. */
static const char *const suffix[] = {
	[SPOOL_MSG] = ".msg",
	[SPOOL_ST] = ".st",
	[SPOOL_TMP] = ".tmp",
	[SPOOL_ST_TMP] = ".st.tmp",
};

int
spool_valid_id(const char *id)
{
	return strlen(id) == 18 && strspn(id, "0123456789ABCDEF") == 18;
}

int
spool_msg_name(const char *name, char *id, size_t idsz)
{
	size_t	len = strlen(name);

	if (len <= 4 || len - 4 > ENVELOPE_ID_MAX ||
	    strcmp(name + len - 4, suffix[SPOOL_MSG]) != 0 || name[0] == '.' ||
	    len - 4 >= idsz)
		return 0;
	memcpy(id, name, len - 4);
	id[len - 4] = '\0';
	return 1;
}

int
spool_path(const char *id, enum spool_file kind, char *out, size_t outsz)
{
	return util_snprintf(out, outsz, "%s%s", id, suffix[kind]);
}

int
spool_file_kind(const char *name, char *id, size_t idsz)
{
	const char	*dot = strrchr(name, '.');
	int		 k;

	if (name[0] == '.' || dot == NULL)
		return -1;
	for (k = SPOOL_MSG; k <= SPOOL_TMP; k++)
		if (strcmp(dot, suffix[k]) == 0)
			break;
	if (k > SPOOL_TMP || (size_t)(dot - name) >= idsz)
		return -1;
	memcpy(id, name, (size_t)(dot - name));
	id[dot - name] = '\0';
	return k;
}

int
spool_open_msg(int dirfd, const char *id)
{
	char			name[SPOOL_NAME_MAX];
	struct seglog_loc	loc;

	if (spool_index_find(id, &loc)) {
		(void)seglog_name(loc.segno, 0, name, sizeof(name));
		return openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	}

	if (spool_path(id, SPOOL_MSG, name, sizeof(name)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(dirfd, name, O_RDONLY | O_CLOEXEC);
}

int
spool_msg_access(int dirfd, const char *id)
{
	char	name[SPOOL_NAME_MAX];

	if (spool_index_find(id, NULL))
		return 0;

	if (spool_path(id, SPOOL_MSG, name, sizeof(name)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return faccessat(dirfd, name, F_OK, 0);
}

int
spool_map(int fd, uint64_t off, uint64_t len, struct spool_map *m)
{
	uint64_t	pg = (uint64_t)sysconf(_SC_PAGESIZE), lead = off % pg;
	void		*base;

	m->base = NULL;
	m->maplen = 0;
	m->p = NULL;
	if (len == 0)
		return 0;
	if (len > SIZE_MAX - lead) {
		errno = EFBIG;
		return -1;
	}
	base = mmap(NULL, (size_t)(len + lead), PROT_READ, MAP_PRIVATE, fd,
	    (off_t)(off - lead));
	if (base == MAP_FAILED)
		return -1;
	m->base = base;
	m->maplen = (size_t)(len + lead);
	m->p = (const char *)base + lead;
	return 0;
}

void
spool_unmap(struct spool_map *m)
{
	if (m->base != NULL)
		munmap(m->base, m->maplen);
	m->base = NULL;
	m->p = NULL;
}

void
spool_printable(char *out, size_t outsz, const char *in, size_t n)
{
	size_t	i, o = 0;

	if (outsz == 0)
		return;
	for (i = 0; i < n && o + 1 < outsz; i++) {
		unsigned char c = (unsigned char)in[i];

		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static int
spool_read_envelope(int fd, struct spool_msg *m, char *err, size_t errsz)
{
	char		 tr[ENVELOPE_TRAILER_LEN];
	struct stat	 sb;
	uint64_t	 off, len;
	char		*env;
	ssize_t		 r;
	int		 rc;

	if (fstat(fd, &sb) == -1 || sb.st_size < ENVELOPE_TRAILER_LEN ||
	    pread(fd, tr, sizeof(tr), sb.st_size - ENVELOPE_TRAILER_LEN) !=
	    ENVELOPE_TRAILER_LEN ||
	    envelope_trailer_parse(tr, (uint64_t)sb.st_size, &off, &len) ==
	    -1 || len > ENV_MAX) {
		snprintf(err, errsz, "no valid trailer");
		return -1;
	}
	if ((env = malloc(len ? len : 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	r = pread(fd, env, len, (off_t)off);
	rc = r == (ssize_t)len ? envelope_parse(&m->env, env, len, err, errsz)
	    : -1;
	if (r != (ssize_t)len)
		snprintf(err, errsz, "short read of the envelope");
	free(env);
	m->content_off = 0;
	m->content_len = off;
	return rc;
}

/* The envelope of a message in the spool log, from its record. */
static int
spool_read_seg_envelope(int fd, const struct seglog_loc *l,
    struct spool_msg *m, char *err, size_t errsz)
{
	char	*env;
	int	 rc = -1;

	if ((env = malloc(l->env_len + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (pread(fd, env, l->env_len, (off_t)SEGLOG_ENV_OFF(l)) !=
	    (ssize_t)l->env_len)
		snprintf(err, errsz, "short read of the envelope");
	else
		rc = envelope_parse(&m->env, env, l->env_len, err, errsz);
	free(env);
	m->content_off = SEGLOG_CONTENT_OFF(l);
	m->content_len = l->content_len;
	return rc;
}

static int
spool_read_log(int dirfd, const char *id, struct buf *b)
{
	char	name[SPOOL_NAME_MAX], chunk[8192];
	ssize_t	r;
	int	fd;

	(void)spool_path(id, SPOOL_ST, name, sizeof(name));
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)r) == -1) {
			r = -1;
			errno = EFBIG;
			break;
		}
	close(fd);
	return r == 0 ? 0 : -1;
}

int
spool_load(int dirfd, const char *id, struct spool_msg *m, char *err,
    size_t errsz)
{
	char			name[SPOOL_NAME_MAX];
	struct seglog_loc	loc;
	struct buf		log;
	int			fd, rc = -1, inlog;

	memset(m, 0, sizeof(*m));
	envelope_init(&m->env);
	if ((inlog = spool_index_find(id, &loc)))
		(void)seglog_name(loc.segno, 0, name, sizeof(name));
	else
		(void)spool_path(id, SPOOL_MSG, name, sizeof(name));
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", name, strerror(errno));
		return -1;
	}
	buf_init(&log, SPOOL_ST_MAX);
	if ((inlog ? spool_read_seg_envelope(fd, &loc, m, err, errsz) :
	    spool_read_envelope(fd, m, err, errsz)) == -1)
		goto done;
	if (strcmp(m->env.id, id) != 0) {
		snprintf(err, errsz, "%s: holds message %s", name, m->env.id);
		goto done;
	}
	if ((m->rs = calloc(m->env.nrcpt, sizeof(*m->rs))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < m->env.nrcpt; i++)
		m->rs[i].state = SPOOL_R_PENDING;
	if (spool_read_log(dirfd, id, &log) == -1) {
		snprintf(err, errsz, "%s.st: %s", id, strerror(errno));
		goto done;
	}
	if (spool_apply(m, log.data ? log.data : "", log.len) == -1) {
		snprintf(err, errsz, "%s.st: malformed record", id);
		goto done;
	}
	rc = 0;
done:
	close(fd);
	buf_free(&log);
	if (rc == -1)
		spool_msg_free(m);
	return rc;
}

void
spool_msg_free(struct spool_msg *m)
{
	envelope_free(&m->env);
	free(m->rs);
	m->rs = NULL;
}

int
spool_apply(struct spool_msg *m, const char *p, size_t n)
{
	const char	*end = p + n, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;		/* cut by a crash: ignored */
		if (spool_record(m, p, (size_t)(nl - p)) == -1)
			return -1;
		p = nl + 1;
	}
	return 0;
}

/* A decimal number followed by one space or the end of the record. */
static int
rec_num(const char **pp, const char *end, int64_t *out)
{
	const char	*p = *pp;
	int64_t		 v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (p < end && *p++ != ' ')
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* LEN:BYTES followed by one space or the end of the record. */
static int
rec_str(const char **pp, const char *end, char *out, size_t outsz)
{
	const char	*p = *pp;
	int64_t		 len = 0;

	for (; p < end && *p >= '0' && *p <= '9' && len < 100000; p++)
		len = len * 10 + (*p - '0');
	if (p == *pp || p >= end || *p != ':' || end - p - 1 < len ||
	    (size_t)len >= outsz)
		return -1;
	p++;
	spool_printable(out, outsz, p, (size_t)len);
	p += len;
	if (p < end && *p++ != ' ')
		return -1;
	*pp = p;
	return 0;
}

static int
spool_record(struct spool_msg *m, const char *p, size_t n)
{
	const char		*end = p + n;
	struct spool_rcpt	 r;
	int64_t			 idx, v[4];

	if (n == 1 && *p == 'B') {
		m->bounced = 1;
		return 0;
	}
	if (n == 3 && (p[0] == 'H' || p[0] == 'W') && p[1] == ' ' &&
	    (p[2] == '0' || p[2] == '1')) {
		*(p[0] == 'H' ? &m->hold : &m->warned) = p[2] == '1';
		return 0;
	}
	if (n < 4 || p[0] != 'R' || p[1] != ' ')
		return -1;
	p += 2;
	memset(&r, 0, sizeof(r));
	if (rec_num(&p, end, &idx) == -1 || idx < 0 ||
	    (size_t)idx >= m->env.nrcpt || end - p < 2 ||
	    strchr("pdf", p[0]) == NULL || p[1] != ' ')
		return -1;
	r.state = (enum spool_rstate)p[0];
	p += 2;
	if (rec_num(&p, end, &v[0]) == -1 || v[0] > UINT32_MAX ||
	    rec_num(&p, end, &v[1]) == -1 || rec_num(&p, end, &v[2]) == -1 ||
	    rec_num(&p, end, &v[3]) == -1 || v[3] > UINT32_MAX ||
	    rec_str(&p, end, r.status, sizeof(r.status)) == -1 ||
	    rec_str(&p, end, r.mta, sizeof(r.mta)) == -1 ||
	    rec_str(&p, end, r.reply, sizeof(r.reply)) == -1 || p != end)
		return -1;
	r.attempts = (uint32_t)v[0];
	r.next = v[1];
	r.last = v[2];
	r.flags = (uint32_t)v[3];
	m->rs[idx] = r;
	return 0;
}

int
spool_rec_rcpt(struct buf *b, size_t idx, const struct spool_rcpt *r)
{
	char	st[SPOOL_STATUS_MAX + 1], mta[SPOOL_MTA_MAX + 1];
	char	reply[SPOOL_REPLY_MAX + 1];

	/* one record is one line: no value may carry a newline */
	spool_printable(st, sizeof(st), r->status, strlen(r->status));
	spool_printable(mta, sizeof(mta), r->mta, strlen(r->mta));
	spool_printable(reply, sizeof(reply), r->reply, strlen(r->reply));
	return buf_appendf(b, "R %zu %c %" PRIu32 " %" PRId64 " %" PRId64
	    " %" PRIu32 " %zu:%s %zu:%s %zu:%s\n", idx, (char)r->state,
	    r->attempts, r->next < 0 ? 0 : r->next, r->last < 0 ? 0 :
	    r->last, r->flags, strlen(st), st, strlen(mta), mta,
	    strlen(reply), reply);
}

int
spool_rec_hold(struct buf *b, int hold)
{
	return buf_appendf(b, "H %d\n", hold ? 1 : 0);
}

int
spool_rec_bounced(struct buf *b)
{
	return buf_appends(b, "B\n");
}

int
spool_rec_warned(struct buf *b, int warned)
{
	return buf_appendf(b, "W %d\n", warned ? 1 : 0);
}

/*
 * A log that does not end in a newline ends in a record cut by a crash
 * or a full disk: cut it back to the last whole record.
 */
static int
spool_log_trim(int fd, off_t *size)
{
	char	tail[2048];
	off_t	off;
	ssize_t	n, i;

	while (*size > 0) {
		off = *size > (off_t)sizeof(tail) ? *size - (off_t)sizeof(tail)
		    : 0;
		if ((n = pread(fd, tail, (size_t)(*size - off), off)) <= 0)
			return -1;
		if (tail[n - 1] == '\n')
			return 0;
		for (i = n - 1; i >= 0 && tail[i] != '\n'; i--)
			;
		*size = off + i + 1;
		if (i >= 0 || off == 0)
			return ftruncate(fd, *size);
	}
	return 0;
}

/* One append to ID.st, all of b or nothing (see spool.h, spool_log). */
static int
spool_append(int dirfd, const char *id, const struct buf *b, uint64_t *size)
{
	char		name[SPOOL_NAME_MAX];
	struct stat	sb;
	off_t		old;
	int		fd, created = 0, rc = -1, saved;

	(void)spool_path(id, SPOOL_ST, name, sizeof(name));
	/* noted before it can exist: a removal racing this write then
	   still looks for it (a note too many is harmless) */
	st_note(id);
	fd = openat(dirfd, name, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		fd = openat(dirfd, name, O_RDWR | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600);
		created = 1;
	}
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		goto done;
	old = sb.st_size;
	if (spool_log_trim(fd, &old) == -1)
		goto done;
	if (util_write_all(fd, b->data, b->len) == -1) {
		saved = errno;
		(void)ftruncate(fd, old);	/* no fragment left behind */
		errno = saved;
		goto done;
	}
	if (fdatasync(fd) == 0 && (!created || fsync(dirfd) == 0))
		rc = 0;
	if (size != NULL)
		*size = (uint64_t)old + b->len;
done:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The kept records of log id, as the link that points at them.  Locked. */
static struct spool_kept **
kept_find(const char *id)
{
	struct spool_kept	**kp;

	for (kp = &K.head; *kp != NULL; kp = &(*kp)->next)
		if (strcmp((*kp)->id, id) == 0)
			return kp;
	return NULL;
}

/* Keep b for log id, after what is kept already.  Locked.  0 or -1. */
static int
kept_add(const char *id, const struct buf *b)
{
	struct spool_kept	**kp, *k;

	if ((kp = kept_find(id)) != NULL)
		return buf_append(&(*kp)->recs, b->data, b->len);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	if (util_strlcpy(k->id, id, sizeof(k->id)) == -1) {
		free(k);
		return -1;
	}
	buf_init(&k->recs, SPOOL_KEPT_MAX);
	if (buf_append(&k->recs, b->data, b->len) == -1) {
		free(k);
		return -1;
	}
	k->next = K.head;
	K.head = k;
	K.n++;
	return 0;
}

static void
kept_drop(struct spool_kept **kp)
{
	struct spool_kept	*k = *kp;

	*kp = k->next;
	buf_free(&k->recs);
	free(k);
	K.n--;
}

int
spool_log(int dirfd, const char *id, const struct buf *b, uint64_t *size)
{
	struct spool_kept	**kp;
	int			  rc, saved;

	pthread_mutex_lock(&K.lock);
	if ((kp = kept_find(id)) == NULL) {
		pthread_mutex_unlock(&K.lock);
		if (spool_append(dirfd, id, b, size) == 0)
			return 0;
		saved = errno;
		pthread_mutex_lock(&K.lock);
		(void)kept_add(id, b);	/* no memory: as before, lost */
		pthread_mutex_unlock(&K.lock);
		errno = saved;
		return -1;
	}
	/* older records first, in the same write */
	if (buf_append(&(*kp)->recs, b->data, b->len) == -1) {
		pthread_mutex_unlock(&K.lock);
		errno = ENOMEM;
		return -1;
	}
	if ((rc = spool_append(dirfd, id, &(*kp)->recs, size)) == 0)
		kept_drop(kp);
	saved = errno;
	pthread_mutex_unlock(&K.lock);
	errno = saved;
	return rc;
}

size_t
spool_log_kept(void)
{
	size_t	n;

	pthread_mutex_lock(&K.lock);
	n = K.n;
	pthread_mutex_unlock(&K.lock);
	return n;
}

size_t
spool_log_retry(int dirfd)
{
	struct spool_kept	**kp;
	size_t			  n;

	pthread_mutex_lock(&K.lock);
	for (kp = &K.head; *kp != NULL; ) {
		/* a message removed since needs no log */
		if ((spool_msg_access(dirfd, (*kp)->id) == -1 &&
		    errno == ENOENT) ||
		    spool_append(dirfd, (*kp)->id, &(*kp)->recs, NULL) == 0)
			kept_drop(kp);
		else
			kp = &(*kp)->next;
	}
	n = K.n;
	pthread_mutex_unlock(&K.lock);
	return n;
}

int
spool_snapshot(const struct spool_msg *m, struct buf *b)
{
	size_t	i;

	for (i = 0; i < m->env.nrcpt; i++)
		if (spool_rec_rcpt(b, i, &m->rs[i]) == -1)
			return -1;
	if ((m->hold && spool_rec_hold(b, 1) == -1) ||
	    (m->bounced && spool_rec_bounced(b) == -1) ||
	    (m->warned && spool_rec_warned(b, 1) == -1))
		return -1;
	return 0;
}

int
spool_compact(int dirfd, const char *id, const struct buf *b)
{
	struct spool_kept	**kp;
	char			  tmp[SPOOL_NAME_MAX];
	char			  name[SPOOL_NAME_MAX];
	int			  fd, rc = -1, saved;

	(void)spool_path(id, SPOOL_ST_TMP, tmp, sizeof(tmp));
	(void)spool_path(id, SPOOL_ST, name, sizeof(name));
	pthread_mutex_lock(&K.lock);
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1)
		goto done;
	st_note(id);	/* before the rename: a note too many is harmless */
	if (util_write_all(fd, b->data, b->len) == 0 && fsync(fd) == 0 &&
	    renameat(dirfd, tmp, dirfd, name) == 0 && fsync(dirfd) == 0)
		rc = 0;
	saved = errno;
	close(fd);
	if (rc == -1)
		unlinkat(dirfd, tmp, 0);
	/* the snapshot holds the whole state, the kept records too */
	else if ((kp = kept_find(id)) != NULL)
		kept_drop(kp);
	errno = saved;
done:
	pthread_mutex_unlock(&K.lock);
	return rc;
}

static void
st_note(const char *id)
{
	struct st_note	*n;
	unsigned	 h = util_hash_str(id) % ST_BUCKETS;

	pthread_mutex_lock(&S.lock);
	for (n = S.b[h]; n != NULL; n = n->next)
		if (strcmp(n->id, id) == 0)
			break;
	if (n == NULL) {
		if (strlen(id) > ENVELOPE_ID_MAX ||
		    (n = malloc(sizeof(*n))) == NULL)
			S.untrusted = 1;
		else {
			memcpy(n->id, id, strlen(id) + 1);
			n->next = S.b[h];
			S.b[h] = n;
		}
	}
	pthread_mutex_unlock(&S.lock);
}

/* 1 if id's state log may exist (and forget it), 0 if it cannot. */
static int
st_forget(const char *id)
{
	struct st_note	**np, *n;
	unsigned	  h = util_hash_str(id) % ST_BUCKETS;
	int		  maybe;

	pthread_mutex_lock(&S.lock);
	maybe = S.untrusted;
	for (np = &S.b[h]; *np != NULL; np = &(*np)->next)
		if (strcmp((*np)->id, id) == 0) {
			n = *np;
			*np = n->next;
			free(n);
			maybe = 1;
			break;
		}
	pthread_mutex_unlock(&S.lock);
	return maybe;
}

int
spool_remove(int dirfd, const char *id, int sync)
{
	return spool_remove_at(dirfd, id, sync, 0);
}

int
spool_remove_new(int dirfd, const char *id, int sync)
{
	return spool_remove_at(dirfd, id, sync, 1);
}

/* trust: ID.st exists only if st_note() saw it made */
static int
spool_remove_at(int dirfd, const char *id, int sync, int trust)
{
	struct spool_kept	**kp;
	char			  name[SPOOL_NAME_MAX];
	int			  rc = 0, changed = 0;

	if (spool_index_find(id, NULL)) {
		/* not marked done (a full disk): the record comes back at
		   the next start, and its state log must say it is done.
		   The done list syncs itself (and its directory when new). */
		if (spool_index_remove(dirfd, id, sync) == -1)
			return -1;
	} else {
		(void)spool_path(id, SPOOL_MSG, name, sizeof(name));
		if (spool_pool_put(dirfd, name) == 0)
			changed = 1;
		else if (errno != ENOENT)
			rc = -1;
	}
	(void)spool_path(id, SPOOL_ST, name, sizeof(name));
	pthread_mutex_lock(&K.lock);
	if ((kp = kept_find(id)) != NULL)
		kept_drop(kp);
	if (!st_forget(id) && trust)
		;	/* never had one */
	else if (unlinkat(dirfd, name, 0) == 0)
		changed = 1;
	else if (errno != ENOENT)
		rc = -1;
	pthread_mutex_unlock(&K.lock);
	/* the directory is synced only when this changed it: a message
	   delivered at its first attempt has no state log to remove */
	if (sync && changed && fsync(dirfd) == -1)
		rc = -1;
	return rc;
}
