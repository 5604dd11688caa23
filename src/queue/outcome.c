/*
 * outcome: see outcome.h.
 */
#include <inttypes.h>

#include "core/bounce_class.h"
#include "lib/log.h"
#include "queue/djob.h"
#include "queue/finish.h"
#include "queue/outcome.h"
#include "queue/spool.h"

static void	log_failure(const char *, const char *,
		    const struct spool_rcpt *);

void
outcome_log(const struct djob_msg *jm, size_t k, int64_t now)
{
	const struct spool_rcpt	*r = &jm->res[k];
	const char		*what = r->state == SPOOL_R_DONE ? "sent" :
	    r->state == SPOOL_R_FAILED ? "bounced" : "deferred";

	log_info("deliver: %s: to=<%s> relay=%s delay=%" PRId64 "s "
	    "attempts=%" PRIu32 " status=%s dsn=%s (%s)", jm->id,
	    jm->env->rcpt[jm->idx[k]].addr, r->mta[0] ? r->mta : "none",
	    now - (int64_t)jm->env->created, r->attempts, what, r->status,
	    r->reply);
	if (r->state == SPOOL_R_FAILED)
		log_failure(jm->id, jm->env->rcpt[jm->idx[k]].addr, r);
}

/* A final failure: why, and whose fault (core/bounce_class.h). */
static void
log_failure(const char *id, const char *addr, const struct spool_rcpt *r)
{
	struct bounce_class	c;

	finish_classify(r, &c);
	log_info("deliver: %s: %s failed: reason=%s fault=%s %s%s", id,
	    addr, bounce_reason_name(c.reason), bounce_fault_name(c.fault),
	    c.hard ? "hard" : "soft", r->flags & SPOOL_F_HARD ?
	    " suppress" : "");
}

