/*
 * outcome: see outcome.h.
 */
#include <inttypes.h>
#include <string.h>

#include "core/metrics.h"
#include "core/bounce_class.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/djob.h"
#include "queue/finish.h"
#include "queue/outcome.h"
#include "queue/provider.h"
#include "queue/spool.h"

static void	log_failure(const char *, const char *,
		    const struct spool_rcpt *);
static int	outcome_provider(const char *);

void
outcome_log(const struct djob_msg *jm, size_t k, int64_t now)
{
	const struct spool_rcpt	*r = &jm->res[k];
	const char		*what = r->state == SPOOL_R_DONE ? "sent" :
	    r->state == SPOOL_R_FAILED ? "bounced" : "deferred";
	char			 use[32] = "";

	/* as Postfix: the second and later transactions of a connection */
	if (jm->conn_use > 1 && r->mta[0] != '\0')
		(void)util_snprintf(use, sizeof(use), " conn_use=%u",
		    jm->conn_use);
	log_info("deliver: %s: to=<%s> relay=%s%s delay=%" PRId64 "s "
	    "attempts=%" PRIu32 " status=%s dsn=%s (%s)", jm->id,
	    jm->env->rcpt[jm->idx[k]].addr, r->mta[0] ? r->mta : "none", use,
	    now - (int64_t)jm->env->created, r->attempts, what, r->status,
	    r->reply);
	if (r->state == SPOOL_R_FAILED)
		log_failure(jm->id, jm->env->rcpt[jm->idx[k]].addr, r);
	metrics_delivery(outcome_provider(r->mta), r->state == SPOOL_R_DONE ?
	    MD_DELIVERED : r->state == SPOOL_R_FAILED ? MD_BOUNCED :
	    MD_DEFERRED);
}

/*
 * The provider label of who answered: "local" for the Maildir, the
 * provider of the MX host otherwise, none when no host was reached.
 */
static int
outcome_provider(const char *mta)
{
	char	host[SPOOL_MTA_MAX + 1];
	size_t	n = strcspn(mta, "[");

	if (strcmp(mta, "local") == 0)
		return METRICS_LOCAL;
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, mta, n);
	host[n] = '\0';
	return provider_find(host);
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

