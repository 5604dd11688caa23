/*
 * local: see local.h.  Each message goes back to the scheduler
 * (djob_msg_return) as soon as all its recipients have an outcome.  A
 * bounce, once in the mailbox, is read for the suppression list
 * (local_dsn.h), a feedback report for the sender's complaints
 * (local_arf.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/djob.h"
#include "queue/local.h"
#include "queue/local_arf.h"
#include "queue/local_dsn.h"
#include "queue/maildir.h"
#include "store/store.h"

struct local_batch;
static void	local_stage(struct local_batch *, struct djob_msg *, size_t,
		    struct store *, const char *);
static void	local_commit(struct local_batch *, struct store *);
static void	local_answer(struct djob *, size_t, size_t);
static void	local_outcome(struct djob_msg *, size_t, int, const char *,
		    const char *, const char *);

/*
 * A job's deliveries go into the Maildirs LOCAL_BATCH at a time: each
 * written into tmp/ first, then all synced and linked and each new/
 * synced once (maildir_commit), instead of two syncs a message -- the
 * file and its directory -- one after the other.  Nothing is reported
 * before its commit, so a message is answered only once every one of
 * its deliveries is on disk.
 */
#define LOCAL_BATCH	16

struct local_item {
	struct djob_msg	*jm;
	size_t		 k;
	char		 mbox[STORE_ADDR_MAX + 1];
};

struct local_batch {
	struct maildir_item	it[LOCAL_BATCH];
	struct local_item	who[LOCAL_BATCH];
	size_t			n;
};

/* Stage recipient k of jm (RFC 5321 §4.4: Return-Path added at final
   delivery); an outcome known at once is given at once. */
static void
local_stage(struct local_batch *b, struct djob_msg *jm, size_t k,
    struct store *st, const char *datadir)
{
	const struct env_rcpt	*r = &jm->env->rcpt[jm->idx[k]];
	struct local_item	*w = &b->who[b->n];
	struct maildir_item	*it = &b->it[b->n];
	char			 path[PATH_MAX], key[128];
	struct buf		 pre;
	int			 rc;

	rc = st ? store_resolve_local(st, r->addr, w->mbox, sizeof(w->mbox)) :
	    STORE_ERR;
	if (rc == STORE_NOTFOUND) {
		djob_result(jm, k, SPOOL_R_FAILED, "5.1.1", "local",
		    "550 5.1.1 no such local mailbox");
		return;
	}
	if (rc != STORE_OK || maildir_path(datadir, w->mbox, path,
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
	(void)maildir_stage(it, path, key, jm->maybe_done, pre.data, pre.len,
	    jm->fd, jm->content_off, jm->content_len);
	buf_free(&pre);
	w->jm = jm;
	w->k = k;
	b->n++;
}

/* Commit what is staged, then give each its outcome. */
static void
local_commit(struct local_batch *b, struct store *st)
{
	size_t	i;

	maildir_commit(b->it, b->n);
	for (i = 0; i < b->n; i++) {
		struct local_item	*w = &b->who[i];
		const char		*addr;

		errno = b->it[i].error;
		local_outcome(w->jm, w->k, b->it[i].rc, w->mbox,
		    b->it[i].name, b->it[i].err);
		/* a complaint, or a bounce, about mail we sent? */
		addr = w->jm->env->rcpt[w->jm->idx[w->k]].addr;
		if (b->it[i].rc == 0 && !local_arf(w->jm, st, addr))
			local_dsn(w->jm, st, addr, w->mbox);
	}
	b->n = 0;
}

/* What maildir_deliver_once() returned (rc, errno), as an outcome. */
static void
local_outcome(struct djob_msg *jm, size_t k, int rc, const char *mbox,
    const char *name, const char *err)
{
	char	why[600];
	int	nospace;

	if (rc == 1)
		log_info("deliver: %s: <%s> already in the mailbox as %s "
		    "(delivered before a restart or retry); not again",
		    jm->id, jm->env->rcpt[jm->idx[k]].addr, name);
	if (rc == 0 || rc == 1) {
		djob_result(jm, k, SPOOL_R_DONE, "2.0.0", "local",
		    "delivered to the mailbox");
		return;
	}
	nospace = errno == ENOSPC || errno == EDQUOT;
	(void)util_snprintf(why, sizeof(why), "%s: %s", mbox, err);
	djob_result(jm, k, SPOOL_R_PENDING, nospace ? "4.3.1" : "4.3.0",
	    "local", why);
}

void
local_run(struct djob *job, struct store *st, const char *datadir)
{
	struct local_batch	*b;
	size_t			 i, k, first = 0;

	if ((b = malloc(sizeof(*b))) == NULL) {
		for (i = 0; i < job->nmsg; i++)
			for (k = 0; !job->msg[i].answered &&
			    k < job->msg[i].n; k++)
				djob_result(&job->msg[i], k, SPOOL_R_PENDING,
				    "4.3.0", "local", "out of memory");
		first = job->nmsg;	/* answered below, failed */
	} else
		b->n = 0;
	for (i = first; i < job->nmsg; i++) {
		if (job->msg[i].answered)
			continue;
		for (k = 0; k < job->msg[i].n; k++) {
			if (b->n == LOCAL_BATCH) {
				local_commit(b, st);
				local_answer(job, first, i);
				first = i;
			}
			local_stage(b, &job->msg[i], k, st, datadir);
		}
	}
	if (b != NULL)
		local_commit(b, st);
	local_answer(job, b != NULL ? first : 0, job->nmsg);
	free(b);
}

/* Messages [from, to) have every outcome: back to the scheduler. */
static void
local_answer(struct djob *job, size_t from, size_t to)
{
	size_t	i;

	for (i = from; i < to; i++) {
		if (job->msg[i].answered)
			continue;
		job->msg[i].answered = 1;
		djob_msg_return(&job->msg[i]);
	}
}
