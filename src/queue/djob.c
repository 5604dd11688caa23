/*
 * djob: the outcome helpers of djob.h, shared by the runners (mta.c,
 * local.c).  They only fill in a job's result slots; recording the
 * outcomes is the scheduler's (djob_msg_return() in deliver.c).
 * Reply text is made printable and cut to SPOOL_REPLY_MAX here, so what
 * a peer said can never break a record of the state log.
 */
#include <string.h>

#include "lib/util.h"
#include "queue/djob.h"

void
djob_result(struct djob_msg *jm, size_t k, enum spool_rstate st,
    const char *status, const char *mta, const char *reply)
{
	struct spool_rcpt	*r = &jm->res[k];

	r->state = st;
	util_strlcpy(r->status, status, sizeof(r->status));
	util_strlcpy(r->mta, mta ? mta : "", sizeof(r->mta));
	spool_printable(r->reply, sizeof(r->reply), reply, strlen(reply));
}

void
djob_result_all(struct djob *job, enum spool_rstate st, const char *status,
    const char *mta, const char *reply, int only_unanswered)
{
	size_t	i, k;

	for (i = 0; i < job->nmsg; i++)
		for (k = 0; k < job->msg[i].n && !job->msg[i].skip; k++)
			if (!only_unanswered || job->msg[i].res[k].state == 0)
				djob_result(&job->msg[i], k, st, status, mta,
				    reply);
}
