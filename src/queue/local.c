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

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/djob.h"
#include "queue/local.h"
#include "queue/local_arf.h"
#include "queue/local_dsn.h"
#include "queue/maildir.h"
#include "store/store.h"

static void	local_one(struct djob_msg *, size_t, struct store *,
		    const char *);
static void	local_outcome(struct djob_msg *, size_t, int, const char *,
		    const char *, const char *);

/* Maildir delivery (RFC 5321 §4.4: Return-Path added at final delivery). */
static void
local_one(struct djob_msg *jm, size_t k, struct store *st,
    const char *datadir)
{
	const struct env_rcpt	*r = &jm->env->rcpt[jm->idx[k]];
	char			 mbox[STORE_ADDR_MAX + 1], path[PATH_MAX];
	char			 name[NAME_MAX + 8], err[256], key[128];
	struct buf		 pre;
	int			 rc;

	rc = st ? store_resolve_local(st, r->addr, mbox, sizeof(mbox)) :
	    STORE_ERR;
	if (rc == STORE_NOTFOUND) {
		djob_result(jm, k, SPOOL_R_FAILED, "5.1.1", "local",
		    "550 5.1.1 no such local mailbox");
		return;
	}
	if (rc != STORE_OK || maildir_path(datadir, mbox, path,
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
	rc = maildir_deliver_once(path, key, jm->maybe_done, pre.data, pre.len,
	    jm->fd, jm->content_off, jm->content_len, name, sizeof(name), err, sizeof(err));
	local_outcome(jm, k, rc, mbox, name, err);
	buf_free(&pre);
	/* a complaint, or a bounce, about mail we sent? */
	if (rc == 0 && !local_arf(jm, st, r->addr))
		local_dsn(jm, st, r->addr, mbox);
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
	size_t	i, k;

	for (i = 0; i < job->nmsg; i++) {
		if (job->msg[i].answered)
			continue;
		for (k = 0; k < job->msg[i].n; k++)
			local_one(&job->msg[i], k, st, datadir);
		job->msg[i].answered = 1;
		djob_msg_return(&job->msg[i]);
	}
}
