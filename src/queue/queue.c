/*
 * queue: the process that owns the spool, DATADIR/spool/queue.
 *
 * A message is born in IPC_Q_OPEN: the queue gives it an id and passes
 * the SMTP process the descriptor of a staging file (seglog_stage_get:
 * unnamed, reused, never synced) to write the content into; recipients
 * come with it, as many as fit, and the rest in IPC_Q_RCPT.  IPC_Q_COMMIT hands it to the commit thread,
 * which appends every message of the batch it took to the spool log
 * (seglog.h: one record each, envelope and content, in the active
 * segment), then calls fdatasync once and only then answers
 * QUEUE_RES_OK to every message of the batch (group commit).  The
 * record, whole and synced, is the commit point; recovery at start
 * (spool_index_load) keeps every whole record and ignores a torn tail
 * (docs/ARCHITECTURE.md, "Spool and crash safety").  Messages the queue
 * makes itself (queue_inject: delivery notices) are still one ID.msg
 * file each, fsynced and renamed from ID.tmp; at start any .tmp is left
 * over from a message that was never acknowledged and is removed.
 *
 * Threads: the main thread owns the table of open messages; a committed
 * message passes to the commit thread and is freed there, which alone
 * owns the log's writer.  Replies are serialised by a mutex.
 * SIGINT/SIGTERM are ignored: the queue stops when the SMTP process
 * closes the socket, after the last commit.
 *
 * A nearly full disk refuses a message at IPC_Q_OPEN (queue_space_low);
 * past that, it fails the step it hits (ENOSPC or EDQUOT from the staging
 * file, the smtp process's content write, a new segment or the append):
 * QUEUE_RES_NOSPACE, which the client sees as 452 4.3.1, and nothing of
 * the message stays (a failed append is cut off again).  Delivery state
 * that could not be written then (spool_log keeps it in memory) is
 * written by the idle commit thread every STATE_RETRY_S seconds, and at
 * exit; the idle commit thread also leaves a segment whose messages are
 * all done, so that it is reclaimed.
 */
#include <sys/file.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/proc.h"
#include "lib/buf.h"
#include "lib/ipc.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/deliver.h"
#include "queue/envelope.h"
#include "queue/health.h"
#include "queue/queue.h"
#include "queue/queue_admin.h"
#include "queue/seglog.h"
#include "queue/spool.h"

#define QBUCKETS	1024
#define ENV_FILE_MAX	(4 * 1024 * 1024)
#define STATE_RETRY_S	5	/* delivery state not written: retry */
#define QUEUE_SPACE_MIN	(32 * 1024)	/* free bytes to open a message */

struct qmsg {
	LIST_ENTRY(qmsg)	 entry;		/* open table */
	struct qmsg		*next;		/* commit list */
	uint64_t		 reqid;
	int			 fd;
	int			 err;		/* errno of a failed commit */
	uint64_t		 content_len;	/* set at commit */
	uint64_t		 commit_us;	/* when the commit came */
	struct seglog_loc	 loc;		/* its record, once written */
	struct envelope		 env;
};

static struct {
	int			 sock;
	int			 dirfd;
	char			 dir[PATH_MAX];
	LIST_HEAD(, qmsg)	 open[QBUCKETS];
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	pthread_mutex_t		 send_lock;
	struct qmsg		*head, *tail;	/* to commit */
	int			 done;
	size_t			 kept_warned;	/* committer only */
	struct seglog_w		 w;		/* committer only */
	uint64_t		 w_open;	/* segment w had open, 0 */
} Q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.send_lock = PTHREAD_MUTEX_INITIALIZER,
};

static void	 queue_recover(void);
static void	 queue_recover_log(void);
static void	 queue_new_id(char *, size_t);
static struct qmsg *queue_find(uint64_t, int);
static uint64_t	 queue_us(void);
static int	 queue_open_spool(const char *);
static void	 queue_open(struct ipc_msg *);
static void	 queue_rcpt(struct ipc_msg *);
static void	 queue_commit(struct ipc_msg *);
static void	 queue_abort(struct ipc_msg *);
static void	 queue_discard(struct qmsg *);
static int	 queue_space_low(void);
static int	 queue_rcpts(struct qmsg *, struct ipc_msg *);
static struct qmsg *queue_next_batch(void);
static void	*queue_committer(void *);
static void	 queue_unlink_committed(const char *);
static int	 queue_make_durable(struct qmsg *);
static int	 queue_write_envelope(struct qmsg *);
static int	 queue_log_prepare(void);
static void	 queue_log_batch(struct qmsg *);
static void	 queue_log_idle(void);
static int	 queue_commit_failed(struct qmsg *);
static void	 queue_reply(uint32_t, uint64_t, uint32_t, const char *, int);

static void
queue_reply(uint32_t type, uint64_t reqid, uint32_t result, const char *id,
    int fd)
{
	struct ipc_msg	m;

	ipc_msg_init(&m, type, reqid);
	ipc_put_u32(&m, result);
	ipc_put_str(&m, id);
	m.fd = fd;
	pthread_mutex_lock(&Q.send_lock);
	if (ipc_send(Q.sock, &m) == -1)
		log_warn("queue: reply");
	pthread_mutex_unlock(&Q.send_lock);
}

/*
 * Queue ids sort by arrival: 13 hex digits of microseconds since the
 * epoch, then 5 random ones; a collision with a message of the spool
 * log is drawn again (queue_open).
 */
static void
queue_new_id(char *out, size_t outsz)
{
	struct timespec	ts;
	uint64_t	us;

	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	snprintf(out, outsz, "%013" PRIX64 "%05" PRIX64,
	    (uint64_t)(us & 0xfffffffffffffULL),
	    (uint64_t)(util_random_u64() & 0xfffffULL));
}

/*
 * The spool directory, and its lock, held for life: `postern queue`
 * acts on the files only when it can take it.  The lock's descriptor.
 */
static int
queue_open_spool(const char *datadir)
{
	int	lockfd;

	if (util_snprintf(Q.dir, sizeof(Q.dir), "%s/spool/queue",
	    datadir) == -1)
		fatalx("queue: path too long");
	if ((Q.dirfd = open(Q.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("queue: %s", Q.dir);
	if ((lockfd = openat(Q.dirfd, "../queue.lock", O_RDWR | O_CREAT |
	    O_CLOEXEC, 0600)) == -1 || flock(lockfd, LOCK_EX) == -1)
		fatal("queue: lock %s/../queue.lock", Q.dir);
	return lockfd;
}

/* Monotonic microseconds, for the commit latency metric. */
static uint64_t
queue_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static struct qmsg *
queue_find(uint64_t reqid, int unlink_it)
{
	struct qmsg	*q;

	LIST_FOREACH(q, &Q.open[reqid % QBUCKETS], entry)
		if (q->reqid == reqid) {
			if (unlink_it)
				LIST_REMOVE(q, entry);
			return q;
		}
	return NULL;
}

static void
queue_discard(struct qmsg *q)
{
	seglog_stage_put(q->fd, UINT64_MAX);
	envelope_free(&q->env);
	free(q);
}

/*
 * Is the spool's file system (nearly) full?  Then a message is refused
 * at DATA, before the client sends its content, rather than after the
 * dot: a reused staging file takes the content without a new block, so
 * only its record would fail, once the whole message had come.  One
 * fstatvfs a message; QUEUE_SPACE_MIN is what a record of an ordinary
 * message and its share of a segment need.  A statvfs that fails says
 * nothing: the writes will tell.
 */
static int
queue_space_low(void)
{
	struct statvfs	sv;

	if (fstatvfs(Q.dirfd, &sv) == -1)
		return 0;
	if ((uint64_t)sv.f_bavail * sv.f_frsize >= QUEUE_SPACE_MIN &&
	    (sv.f_files == 0 || sv.f_favail > 0))
		return 0;
	errno = ENOSPC;
	return 1;
}

static void
queue_open(struct ipc_msg *m)
{
	struct qmsg	*q;
	int		 tries, fd = -1, dupfd;

	if ((q = queue_find(m->id, 1)) != NULL) {
		log_warnx("queue: request %" PRIx64 " reopened", m->id);
		queue_discard(q);
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		queue_reply(IPC_Q_OPENED, m->id, QUEUE_RES_TEMPFAIL, "", -1);
		return;
	}
	envelope_init(&q->env);
	q->reqid = m->id;
	q->fd = -1;
	if (ipc_get_str(m, q->env.sender, sizeof(q->env.sender)) == -1 ||
	    ipc_get_str(m, q->env.helo, sizeof(q->env.helo)) == -1 ||
	    ipc_get_str(m, q->env.client, sizeof(q->env.client)) == -1 ||
	    ipc_get_str(m, q->env.auth_user, sizeof(q->env.auth_user)) == -1 ||
	    ipc_get_str(m, q->env.listener, sizeof(q->env.listener)) == -1 ||
	    ipc_get_u32(m, &q->env.flags) == -1 ||
	    ipc_get_u32(m, &q->env.ret) == -1 ||
	    ipc_get_str(m, q->env.envid, sizeof(q->env.envid)) == -1 ||
	    queue_rcpts(q, m) == -1) {
		log_warnx("queue: malformed open request");
		envelope_free(&q->env);
		free(q);
		queue_reply(IPC_Q_OPENED, m->id, QUEUE_RES_TEMPFAIL, "", -1);
		return;
	}
	/* ids are 13 hex digits of microseconds and 5 random ones */
	for (tries = 0; tries < 10; tries++) {
		queue_new_id(q->env.id, sizeof(q->env.id));
		if (!spool_index_find(q->env.id, NULL))
			break;
	}
	/* a staging file: the content goes into the spool log at commit */
	if (queue_space_low())
		fd = -1;	/* errno ENOSPC */
	else
		fd = seglog_stage_get(Q.dirfd);
	if (fd == -1 || (dupfd = dup(fd)) == -1) {
		int saved = errno;

		log_warn("queue: staging file for a message");
		seglog_stage_put(fd, UINT64_MAX);
		envelope_free(&q->env);
		free(q);
		queue_reply(IPC_Q_OPENED, m->id, saved == ENOSPC ||
		    saved == EDQUOT ? QUEUE_RES_NOSPACE : QUEUE_RES_TEMPFAIL,
		    "", -1);
		return;
	}
	q->fd = fd;
	q->env.created = util_now_ms() / 1000;
	LIST_INSERT_HEAD(&Q.open[m->id % QBUCKETS], q, entry);
	queue_reply(IPC_Q_OPENED, m->id, QUEUE_RES_OK, q->env.id, dupfd);
	close(dupfd);
}

static void
queue_rcpt(struct ipc_msg *m)
{
	struct qmsg	*q = queue_find(m->id, 0);

	if (q == NULL)
		return;
	if (ipc_get_end(m) == 0 || queue_rcpts(q, m) == -1) {
		log_warnx("queue: %s: bad recipient, message dropped",
		    q->env.id);
		LIST_REMOVE(q, entry);
		queue_discard(q);
	}
}

/*
 * The rest of m: recipients, each its address, DSN NOTIFY and ORCPT
 * (IPC_Q_OPEN carries those that fit, IPC_Q_RCPT one).  0, or -1 when
 * one is malformed or cannot be added.
 */
static int
queue_rcpts(struct qmsg *q, struct ipc_msg *m)
{
	struct env_rcpt	r;

	while (ipc_get_end(m) == -1) {
		if (ipc_get_str(m, r.addr, sizeof(r.addr)) == -1 ||
		    ipc_get_u32(m, &r.notify) == -1 ||
		    ipc_get_str(m, r.orcpt, sizeof(r.orcpt)) == -1 ||
		    envelope_add_rcpt(&q->env, r.addr) == -1)
			return -1;
		q->env.rcpt[q->env.nrcpt - 1].notify = r.notify;
		memcpy(q->env.rcpt[q->env.nrcpt - 1].orcpt, r.orcpt,
		    sizeof(r.orcpt));
	}
	return 0;
}

static void
queue_commit(struct ipc_msg *m)
{
	struct qmsg	*q = queue_find(m->id, 1);

	if (q == NULL) {
		queue_reply(IPC_Q_COMMITTED, m->id, QUEUE_RES_TEMPFAIL, "", -1);
		return;
	}
	if (ipc_get_u64(m, &q->env.size) == -1 ||
	    ipc_get_u64(m, &q->content_len) == -1 || ipc_get_end(m) == -1 ||
	    q->env.nrcpt == 0) {
		log_warnx("queue: %s: malformed commit", q->env.id);
		queue_reply(IPC_Q_COMMITTED, m->id, QUEUE_RES_TEMPFAIL, "", -1);
		queue_discard(q);
		return;
	}
	q->next = NULL;
	q->commit_us = queue_us();
	pthread_mutex_lock(&Q.lock);
	if (Q.tail)
		Q.tail->next = q;
	else
		Q.head = q;
	Q.tail = q;
	pthread_cond_signal(&Q.cond);
	pthread_mutex_unlock(&Q.lock);
}

static void
queue_abort(struct ipc_msg *m)
{
	struct qmsg	*q = queue_find(m->id, 1);

	if (q != NULL) {
		log_debug("queue: %s: aborted", q->env.id);
		queue_discard(q);
	}
}

/* A commit step failed: nothing of the message may survive. */
static int
queue_commit_failed(struct qmsg *q)
{
	char	name[SPOOL_NAME_MAX];
	int	saved = errno ? errno : EIO;

	log_warn("queue: %s: cannot make durable", q->env.id);
	spool_path(q->env.id, SPOOL_TMP, name, sizeof(name));
	unlinkat(Q.dirfd, name, 0);
	spool_path(q->env.id, SPOOL_MSG, name, sizeof(name));
	unlinkat(Q.dirfd, name, 0);
	errno = q->err = saved;
	return -1;
}

/*
 * Step 1 of the commit (see top): append envelope and trailer, and start
 * writing the file out without waiting, so that the fsyncs of a batch
 * wait for writes already in flight together rather than one by one.
 */
static int
queue_write_envelope(struct qmsg *q)
{
	char		 trailer[ENVELOPE_TRAILER_LEN + 1];
	struct buf	 b;
	struct stat	 sb;
	int		 rc = -1;

	buf_init(&b, ENV_FILE_MAX);
	if (fstat(q->fd, &sb) == -1)
		goto done;
	q->content_len = (uint64_t)sb.st_size;
	if (envelope_format(&q->env, &b) == -1 ||
	    envelope_trailer(trailer, (uint64_t)sb.st_size, b.len) == -1 ||
	    buf_append(&b, trailer, ENVELOPE_TRAILER_LEN) == -1) {
		errno = ENOMEM;
		goto done;
	}
	if (util_pwrite_all(q->fd, b.data, b.len, (uint64_t)sb.st_size) == -1)
		goto done;
	/* only a hint: fsync below is what makes it durable */
	(void)sync_file_range(q->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	rc = 0;
done:
	buf_free(&b);
	return rc == 0 ? 0 : queue_commit_failed(q);
}

/* Step 2 of the commit; the directory fsync is batched. */
static int
queue_make_durable(struct qmsg *q)
{
	char	tmp[SPOOL_NAME_MAX], msg[SPOOL_NAME_MAX];

	spool_path(q->env.id, SPOOL_TMP, tmp, sizeof(tmp));
	spool_path(q->env.id, SPOOL_MSG, msg, sizeof(msg));
	if (fsync(q->fd) == -1 || renameat(Q.dirfd, tmp, Q.dirfd, msg) == -1)
		return queue_commit_failed(q);
	return 0;
}

/*
 * The directory fsync failed: the client gets 451 and will send again,
 * so the files must not survive to be delivered a second time.
 */
static void
queue_unlink_committed(const char *id)
{
	char	name[SPOOL_NAME_MAX];

	if (spool_path(id, SPOOL_MSG, name, sizeof(name)) == 0)
		unlinkat(Q.dirfd, name, 0);
}

/*
 * The next batch to commit, or NULL when the queue stops.  Idle, it
 * looks every STATE_RETRY_S seconds for delivery state that a full disk
 * kept in memory (spool_log) and tries to write it.
 */
static struct qmsg *
queue_next_batch(void)
{
	struct qmsg	*batch;
	struct timespec	 ts;
	size_t		 left;
	int		 timedout = 0;

	for (;;) {
		pthread_mutex_lock(&Q.lock);
		while (Q.head == NULL && !Q.done && !timedout) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += STATE_RETRY_S;
			timedout = pthread_cond_timedwait(&Q.cond, &Q.lock,
			    &ts) == ETIMEDOUT;
		}
		batch = Q.head;
		Q.head = Q.tail = NULL;
		pthread_mutex_unlock(&Q.lock);
		if (batch != NULL || !timedout)
			return batch;
		timedout = 0;
		queue_log_idle();
		if (spool_log_kept() == 0)
			continue;
		if ((left = spool_log_retry(Q.dirfd)) == 0)
			log_info("queue: delivery state written");
		else if (left != Q.kept_warned)
			log_warnx("queue: delivery state of %zu message(s) "
			    "not written yet (disk full?); trying every %d s",
			    left, STATE_RETRY_S);
		Q.kept_warned = left;
	}
}

/*
 * Before a batch: a segment to write to.  The one the writer leaves is
 * sealed, so that it is reclaimed once its messages are done.
 */
static int
queue_log_prepare(void)
{
	int	rc, saved;

	if ((rc = seglog_w_prepare(&Q.w)) == -1)
		log_warn("queue: spool log segment %016" PRIX64, Q.w.segno);
	saved = errno;
	if (Q.w_open != 0 && (Q.w.fd == -1 || Q.w.segno != Q.w_open))
		spool_index_seal(Q.dirfd, Q.w_open);
	Q.w_open = Q.w.fd != -1 ? Q.w.segno : 0;
	errno = saved;
	return rc;
}

/*
 * Group commit: every message of the batch appended to the active
 * segment (its envelope, then its content from the staging file), then
 * one fdatasync for them all.  q->err is 0 for each message that is now
 * durable, and nothing else may be acknowledged.
 */
static void
queue_log_batch(struct qmsg *batch)
{
	struct qmsg	*q;
	struct buf	 b;
	int		 appended = 0, err = 0;

	/* no segment (no space or inode for one): the batch fails so */
	if (queue_log_prepare() == -1)
		err = errno;
	buf_init(&b, ENV_FILE_MAX);
	for (q = batch; q != NULL; q = q->next) {
		buf_reset(&b);
		q->err = err;
		if (err != 0)
			continue;
		/* the content is the first content_len bytes of the
		   staging file, as the smtp process said: a reused file is
		   cut to 0 first, so what follows may be an older message's
		   (which passed through the smtp process too); a claim past
		   the end fails the copy: EIO */
		if (envelope_format(&q->env, &b) == -1)
			q->err = ENOMEM;
		else if (seglog_w_append(&Q.w, b.data, (uint32_t)b.len, q->fd,
		    q->content_len, &q->loc) == -1)
			q->err = errno;
		else
			appended = 1;
		if (q->err != 0) {
			errno = q->err;
			log_warn("queue: %s: cannot write to the spool log",
			    q->env.id);
		}
	}
	buf_free(&b);
	if (appended && seglog_w_sync(&Q.w) == -1) {
		err = errno;
		log_warn("queue: fdatasync of the spool log");
		for (q = batch; q != NULL; q = q->next)
			if (q->err == 0)
				q->err = err;
	}
}

/*
 * Idle: a segment whose messages are all done is left, so that it is
 * reclaimed (its space back) without waiting for it to fill.
 */
static void
queue_log_idle(void)
{
	if (Q.w.fd == -1 || Q.w.tail == 0 ||
	    spool_index_live(Q.w.segno) != 0)
		return;
	if (seglog_w_retire(&Q.w) == 0 && Q.w_open != 0) {
		spool_index_seal(Q.dirfd, Q.w_open);
		Q.w_open = 0;	/* the next batch opens the next one */
	}
}

static void *
queue_committer(void *arg)
{
	struct qmsg	*batch, *q, *next;
	int		 err;

	while ((batch = queue_next_batch()) != NULL) {
		queue_log_batch(batch);
		/* known by id before the 250: `postern queue` may ask */
		for (q = batch; q != NULL; q = q->next)
			if (q->err == 0 && spool_index_add(q->env.id,
			    &q->loc) == -1)
				log_warn("queue: %s: not indexed; it will be "
				    "delivered after a restart", q->env.id);
		for (q = batch; q != NULL; q = q->next) {
			err = q->err;
			if (err == 0) {
				char esc[SMTP_ADDR_MAX * 4 + 8];

				log_info("queue: %s: queued from=<%s> nrcpt=%zu "
				    "size=%" PRIu64, q->env.id,
				    log_printable(esc, sizeof(esc),
				    q->env.sender, strlen(q->env.sender)),
				    q->env.nrcpt, q->env.size);
				queue_reply(IPC_Q_COMMITTED, q->reqid,
				    QUEUE_RES_OK, q->env.id, -1);
				metrics_commit(queue_us() - q->commit_us);
			} else
				queue_reply(IPC_Q_COMMITTED, q->reqid,
				    err == ENOSPC || err == EDQUOT ?
				    QUEUE_RES_NOSPACE : QUEUE_RES_TEMPFAIL,
				    q->env.id, -1);
		}
		/* every 250 of the batch first: handing over to delivery
		   asks the store, and no client should wait on that; one
		   wake-up of a delivery worker for the batch */
		deliver_batch_begin();
		for (q = batch; q != NULL; q = next) {
			next = q->next;
			if (q->err == 0 && spool_index_find(q->env.id, NULL))
				deliver_add(&q->env,
				    SEGLOG_CONTENT_OFF(&q->loc),
				    q->content_len);
			/* a failure (a full disk) gives the blocks back */
			seglog_stage_put(q->fd, q->err == 0 ? q->content_len :
			    UINT64_MAX);
			envelope_free(&q->env);
			free(q);
		}
		deliver_batch_end();
	}
	deliver_thread_done();
	return NULL;
}

/*
 * A message made here (a delivery notice): the same steps as a commit,
 * on the calling thread, then handed to delivery.  0 or -1.
 */
int
queue_inject(struct envelope *env, const char *content, size_t len)
{
	struct qmsg	 q;
	char		 name[SPOOL_NAME_MAX];
	int		 tries, rc = -1;

	memset(&q, 0, sizeof(q));
	q.fd = -1;
	for (tries = 0; tries < 10 && q.fd == -1; tries++) {
		queue_new_id(env->id, sizeof(env->id));
		spool_path(env->id, SPOOL_TMP, name, sizeof(name));
		q.fd = spool_pool_open(Q.dirfd, name);
		if (q.fd == -1 && errno != EEXIST)
			return -1;
	}
	if (q.fd == -1)
		return -1;
	env->created = util_now_ms() / 1000;
	env->size = len;
	q.env = *env;		/* borrowed: not freed here */
	if (util_write_all(q.fd, content, len) == -1) {
		unlinkat(Q.dirfd, name, 0);
		goto done;
	}
	if (queue_write_envelope(&q) == 0 && queue_make_durable(&q) == 0 &&
	    fsync(Q.dirfd) == 0)
		rc = 0;
	else
		queue_unlink_committed(env->id);
done:
	close(q.fd);
	if (rc == 0)
		deliver_add(env, 0, q.content_len);
	return rc;
}

/*
 * The spool log: every acknowledged message it holds into the index
 * (docs/ARCHITECTURE.md, "The spool log"); the writer starts a new
 * segment, after all of them.
 */
static void
queue_recover_log(void)
{
	uint64_t	next;
	long		n;

	if ((n = spool_index_load(Q.dirfd, &next, 0)) == -1)
		fatal("queue: recover the spool log in %s", Q.dir);
	log_info("queue: %ld message(s) in the spool log", n);
	Q.w.fd = -1;
	Q.w.dirfd = Q.dirfd;
	Q.w.segno = next;
	Q.w.seg_max = SEGLOG_SEG_MAX;
	Q.w_open = 0;
}

/* Remove what no 250 ever covered; see the top of this file. */
static void
queue_recover(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 id[NAME_MAX + 1];
	size_t		 kept = 0, removed = 0;
	int		 fd, kind;

	if ((fd = dup(Q.dirfd)) == -1 || (d = fdopendir(fd)) == NULL)
		fatal("queue: %s", Q.dir);
	while ((de = readdir(d)) != NULL) {
		kind = spool_file_kind(de->d_name, id, sizeof(id));
		if (kind == SPOOL_MSG) {
			kept++;
			continue;
		}
		if (kind == SPOOL_ST) {
			if (spool_msg_access(Q.dirfd, id) == 0 ||
			    errno != ENOENT)
				continue;	/* state of a queued message */
		} else if (kind != SPOOL_TMP)
			continue;
		if (unlinkat(Q.dirfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	if (removed)
		fsync(Q.dirfd);
	log_info("queue: %zu message(s) in %s, %zu unacknowledged file(s) "
	    "removed", kept, Q.dir, removed);
}

void
queue_main(const struct config *cfg, const char *datadir, int sock,
    int admin_sock)
{
	struct ipc_msg	*m;
	pthread_t	 tid;
	size_t		 i;
	int		 r;

	log_set_role("queue");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	/* a peer that closes mid-DATA must not kill us: OpenSSL writes with
	   write(2), not send(MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	Q.sock = sock;
	for (i = 0; i < QBUCKETS; i++)
		LIST_INIT(&Q.open[i]);
	(void)queue_open_spool(datadir);	/* the lock stays held */
	queue_recover_log();
	queue_recover();
	if (spool_pool_start(Q.dirfd) == -1)
		log_warn("queue: free-file pool off");
	health_configure(cfg);
	if (deliver_start(cfg, datadir, Q.dirfd, queue_inject) == -1)
		fatalx("queue: cannot start delivery");
	if (pthread_create(&tid, NULL, queue_committer, NULL) != 0)
		fatalx("queue: cannot start commit thread");
	if (queue_admin_start(admin_sock, Q.dirfd) == -1)
		fatalx("queue: cannot start the admin thread");
	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("queue: malloc");
	while ((r = ipc_recv(sock, m)) == 1) {
		if (m->fd != -1) {
			close(m->fd);	/* the queue is never sent fds */
			m->fd = -1;
		}
		switch (m->type) {
		case IPC_Q_OPEN:
			queue_open(m);
			break;
		case IPC_Q_RCPT:
			queue_rcpt(m);
			break;
		case IPC_Q_COMMIT:
			queue_commit(m);
			break;
		case IPC_Q_ABORT:
			queue_abort(m);
			break;
		default:
			log_warnx("queue: unexpected message type %u", m->type);
			break;
		}
	}
	if (r == -1)
		log_warn("queue: receive");
	pthread_mutex_lock(&Q.lock);
	Q.done = 1;
	pthread_cond_broadcast(&Q.cond);
	pthread_mutex_unlock(&Q.lock);
	pthread_join(tid, NULL);
	seglog_w_close(&Q.w);
	seglog_stage_clear();
	queue_admin_stop();
	deliver_stop();
	if (spool_log_retry(Q.dirfd) > 0)
		log_warnx("queue: delivery state of %zu message(s) lost (disk "
		    "full?): their last attempts may be made again",
		    spool_log_kept());
	/* messages never committed were never acknowledged */
	for (i = 0; i < QBUCKETS; i++) {
		struct qmsg *q;

		while ((q = LIST_FIRST(&Q.open[i])) != NULL) {
			LIST_REMOVE(q, entry);
			queue_discard(q);
		}
	}
	free(m);
	log_debug("queue: exiting");
	exit(0);
}
