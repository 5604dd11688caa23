/*
 * finish: see finish.h.  The caller has the message to itself (it set
 * `finishing` under the scheduler's lock) and has written every outcome
 * to ID.st first, so a failed or interrupted finish repeats no delivery.
 * Failures: a suppression that cannot be stored is logged and not
 * retried; a notice that cannot be queued returns -1 and the message
 * stays in place to be finished again.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bounce_class.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/dsn.h"
#include "queue/finish.h"
#include "queue/health.h"
#include "store/store.h"

#define ORIGINAL_MAX	(10 * 1024 * 1024)	/* RET=FULL bound */

static int	wants_notice(const struct env_rcpt *, const struct spool_rcpt *);
static int	hard_bounce(const struct spool_rcpt *);
static size_t	bounce_rcpts(const struct spool_msg *, const uint8_t *,
		    struct dsn_rcpt *);
static int	bounce_queue(const struct spool_msg *, const struct dsn_rcpt *,
		    size_t, const char *, const char *, finish_inject_fn,
		    int64_t, int);
static int	notice(const struct spool_msg *, const struct dsn_rcpt *,
		    size_t, int, const char *, finish_inject_fn, int64_t,
		    int);
static int	wants_delay(const struct env_rcpt *,
		    const struct spool_rcpt *);

void
finish_classify(const struct spool_rcpt *s, struct bounce_class *c)
{
	const char	*t = s->reply;
	int		 code = 0;

	if (t[0] >= '2' && t[0] <= '5' && t[1] >= '0' && t[1] <= '9' &&
	    t[2] >= '0' && t[2] <= '9' && (t[3] == ' ' || t[3] == '\0'))
		code = (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
	bounce_classify(code, s->status, t, s->mta, c);
}

static int
wants_notice(const struct env_rcpt *r, const struct spool_rcpt *s)
{
	if (r->notify & DSN_NOTIFY_NEVER)
		return 0;
	if (s->state == SPOOL_R_FAILED)
		return r->notify == 0 || (r->notify & DSN_NOTIFY_FAILURE);
	return s->state == SPOOL_R_DONE && !(s->flags & SPOOL_F_DSN_PASSED) &&
	    (r->notify & DSN_NOTIFY_SUCCESS);
}

int
finish_needs_notice(const struct spool_msg *sm)
{
	size_t	i;

	if (sm->env.sender[0] == '\0')
		return 0;
	for (i = 0; i < sm->env.nrcpt; i++)
		if (wants_notice(&sm->env.rcpt[i], &sm->rs[i]))
			return 1;
	return 0;
}

/*
 * Hard bounces protect the sender's domain: only what mta.c flagged, a
 * RCPT refused as a bad mailbox or domain (the classifier's hard
 * recipient faults: userunknown, hostunknown, hasmoved, notaccept, e.g.
 * 5.1.1, 5.1.2, 5.1.6, 5.1.10, "no such user"), a domain that does not
 * exist or has a null MX.  Never a refusal of MAIL FROM or of the
 * content, nor a block of the sender (5.7.x, reputation,
 * authentication): those say nothing about the recipient.
 */
static int
hard_bounce(const struct spool_rcpt *s)
{
	return s->state == SPOOL_R_FAILED && (s->flags & SPOOL_F_HARD);
}

void
finish_suppress(struct store *st, const struct spool_msg *sm,
    const uint8_t *local, int64_t now)
{
	const char	*at = strrchr(sm->env.sender, '@');
	size_t		 i;
	int		 rc;

	health_record(st, sm, local);	/* the mailbox's counts and pause */
	for (i = 0; i < sm->env.nrcpt; i++)
		if (hard_bounce(&sm->rs[i]) && !local[i])
			break;
	/* the store is asked only when there is something to suppress */
	if (i == sm->env.nrcpt || at == NULL || st == NULL ||
	    store_domain_exists(st, at + 1) != STORE_OK)
		return;
	for (; i < sm->env.nrcpt; i++) {
		if (!hard_bounce(&sm->rs[i]) || local[i])
			continue;
		rc = store_suppress_add(st, at + 1, sm->env.rcpt[i].addr,
		    sm->rs[i].reply, "bounce", now);
		if (rc != STORE_OK)
			log_warnx("deliver: %s: suppress %s: %s",
			    sm->env.id, sm->env.rcpt[i].addr,
			    store_errmsg(st));
		else
			log_info("deliver: %s: %s added to the suppression "
			    "list of %s (%s)", sm->env.id,
			    sm->env.rcpt[i].addr, at + 1, sm->rs[i].status);
	}
}

static size_t
bounce_rcpts(const struct spool_msg *sm, const uint8_t *local,
    struct dsn_rcpt *out)
{
	size_t	i, n = 0;

	for (i = 0; i < sm->env.nrcpt; i++) {
		const struct spool_rcpt *s = &sm->rs[i];

		if (!wants_notice(&sm->env.rcpt[i], s))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].rcpt = sm->env.rcpt[i].addr;
		out[n].orcpt = sm->env.rcpt[i].orcpt;
		out[n].action = s->state == SPOOL_R_FAILED ? DSN_FAILED :
		    local[i] ? DSN_DELIVERED : DSN_RELAYED;
		out[n].status = s->status;
		out[n].remote_mta = s->mta[0] && strcmp(s->mta, "local") ?
		    s->mta : NULL;
		out[n].diagnostic = s->reply;
		out[n].last_attempt = s->last;
		n++;
	}
	return n;
}

/* Build the RFC 3464 report for the n recipients in dr and queue it to
   the sender; original is the content (NULL: none).  0 or -1. */
static int
bounce_queue(const struct spool_msg *sm, const struct dsn_rcpt *dr, size_t n,
    const char *original, const char *hostname, finish_inject_fn inject,
    int64_t now, int full)
{
	struct dsn_info	 di;
	struct envelope	 env;
	struct buf	 out;
	int		 rc = -1;

	memset(&di, 0, sizeof(di));
	di.reporting_mta = hostname;
	di.queue_id = sm->env.id;
	di.envid = sm->env.envid;
	di.original_sender = sm->env.sender;
	di.arrival = (int64_t)sm->env.created;
	di.ret_full = full;
	di.original = original ? original : "";
	di.original_len = sm->content_len;
	di.max_original = ORIGINAL_MAX;
	buf_init(&out, 2 * ORIGINAL_MAX);
	envelope_init(&env);
	util_strlcpy(env.listener, "bounce", sizeof(env.listener));
	util_strlcpy(env.helo, hostname, sizeof(env.helo));
	if (dsn_build(&di, dr, n, now, &out) == 0 &&
	    envelope_add_rcpt(&env, sm->env.sender) == 0 &&
	    inject(&env, out.data, out.len) == 0) {
		log_info("deliver: %s: notice %s sent to <%s> for %zu "
		    "recipient(s)", sm->env.id, env.id, sm->env.sender, n);
		rc = 0;
	} else
		log_warnx("deliver: %s: cannot queue the delivery notice",
		    sm->env.id);
	envelope_free(&env);
	buf_free(&out);
	return rc;
}

/*
 * Queue the notice for the n recipients in dr, the original mapped from
 * ID.msg (whole when full, else its header).  0 or -1.
 */
static int
notice(const struct spool_msg *sm, const struct dsn_rcpt *dr, size_t n,
    int dirfd, const char *hostname, finish_inject_fn inject, int64_t now,
    int full)
{
	struct spool_map map;
	int		 fd, rc = -1;

	if ((fd = spool_open_msg(dirfd, sm->env.id)) == -1)
		return -1;
	if (spool_map(fd, sm->content_off, sm->content_len, &map) == 0)
		rc = bounce_queue(sm, dr, n, map.p, hostname, inject, now,
		    full);
	spool_unmap(&map);
	close(fd);
	return rc;
}

int
finish_bounce(struct spool_msg *sm, const uint8_t *local, int dirfd,
    const char *hostname, finish_inject_fn inject, int64_t now)
{
	struct dsn_rcpt	*dr;
	struct buf	 rec;
	size_t		 n;
	int		 rc;

	if (sm->env.sender[0] == '\0')
		return 0;	/* never bounce a bounce (RFC 5321 §6.1) */
	if ((dr = calloc(sm->env.nrcpt, sizeof(*dr))) == NULL)
		return -1;
	if ((n = bounce_rcpts(sm, local, dr)) == 0) {
		free(dr);
		return 0;
	}
	if ((rc = notice(sm, dr, n, dirfd, hostname, inject, now,
	    sm->env.ret == DSN_RET_FULL)) == 0) {
		buf_init(&rec, 16);
		spool_rec_bounced(&rec);
		if (spool_log(dirfd, sm->env.id, &rec, NULL) == -1)
			log_warn("deliver: %s: record bounce", sm->env.id);
		buf_free(&rec);
		sm->bounced = 1;
	}
	free(dr);
	return rc;
}

/* RFC 3461 §4.1: NOTIFY=DELAY asks for it; no NOTIFY leaves it to us. */
static int
wants_delay(const struct env_rcpt *r, const struct spool_rcpt *s)
{
	return s->state == SPOOL_R_PENDING && !(r->notify &
	    DSN_NOTIFY_NEVER) && (r->notify == 0 ||
	    (r->notify & DSN_NOTIFY_DELAY));
}

int
finish_delay_due(const struct spool_msg *sm, int64_t now, int64_t warn)
{
	size_t	i;

	if (warn <= 0 || sm->warned || sm->env.sender[0] == '\0' ||
	    now - (int64_t)sm->env.created < warn)
		return 0;
	for (i = 0; i < sm->env.nrcpt; i++)
		if (wants_delay(&sm->env.rcpt[i], &sm->rs[i]))
			return 1;
	return 0;
}

int
finish_delay(const struct spool_msg *sm, const struct spool_rcpt *rs,
    int dirfd, const char *hostname, finish_inject_fn inject, int64_t now,
    int64_t retry_until)
{
	struct dsn_rcpt	*dr;
	size_t		 i, n = 0;
	int		 rc = 0;

	if ((dr = calloc(sm->env.nrcpt, sizeof(*dr))) == NULL)
		return -1;
	for (i = 0; i < sm->env.nrcpt; i++) {
		if (!wants_delay(&sm->env.rcpt[i], &rs[i]))
			continue;
		dr[n].rcpt = sm->env.rcpt[i].addr;
		dr[n].orcpt = sm->env.rcpt[i].orcpt;
		dr[n].action = DSN_DELAYED;
		dr[n].status = rs[i].status[0] ? rs[i].status : "4.0.0";
		dr[n].remote_mta = rs[i].mta[0] && strcmp(rs[i].mta,
		    "local") ? rs[i].mta : NULL;
		dr[n].diagnostic = rs[i].reply;
		dr[n].last_attempt = rs[i].last;
		dr[n++].will_retry_until = retry_until;
	}
	if (n > 0)
		rc = notice(sm, dr, n, dirfd, hostname, inject, now, 0);
	free(dr);
	return rc;
}
