/*
 * api_overview: the console's first screen and its list of failed
 * logins (api.h, docs/API.md).  "overview" gathers what needs attention
 * in one answer: mailbox counts and the first locked and paused ones with
 * the time left, the queue's size and oldest message and the soonest
 * certificate expiry (the gauges of the shared metrics page, which the
 * queue and smtp processes keep), the sending of the last 14 days and the
 * domains (the 14 days are reused for a minute: summing them over
 * thousands of mailboxes is the costly part, and they move slowly).  A
 * token limited to a domain sees that domain only; the queue
 * and the certificate belong to the whole server and are left out for it.
 *
 * Failure: 503 when the store does not answer.
 */
#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/http_srv.h"
#include "lib/util.h"
#include "server/api.h"

#define ATTENTION_MAX	50	/* locked or paused mailboxes listed */
#define DAYS_FRESH	60	/* seconds the 14 days are reused */

/* The last 14 days, summed over thousands of mailboxes, change slowly:
   reused for DAYS_FRESH per domain restriction (one admin thread). */
static struct {
	char			domain[STORE_ADDR_MAX + 1];
	int64_t			at;
	struct store_overview	o;
} days_cache;

struct listed {
	struct json	*j;
	int64_t		 now;
};

static int	 locked_row(const struct store_mailbox_row *, void *);
static int	 paused_row(const struct store_mailbox_row *, void *);
static int	 attention(struct store *, const struct api_call *,
		    struct json *, enum store_page_state);
static void	 server_json(const struct api_call *, struct json *);
static void	 days_json(const struct store_overview *, struct json *);
static int	 login_row(const struct store_failure *, void *);
static int	 days_get(struct store *, const struct api_call *,
		    struct store_overview *);

static int
days_get(struct store *st, const struct api_call *c,
    struct store_overview *o)
{
	int	rc;

	if (days_cache.at != 0 && c->now - days_cache.at < DAYS_FRESH &&
	    c->now >= days_cache.at &&
	    strcmp(days_cache.domain, c->r.domain) == 0) {
		memcpy(o->days, days_cache.o.days, sizeof(o->days));
		return STORE_OK;
	}
	if ((rc = store_overview_days(st, c->r.domain, c->now, o)) !=
	    STORE_OK)
		return rc;
	util_strlcpy(days_cache.domain, c->r.domain,
	    sizeof(days_cache.domain));
	days_cache.at = c->now;
	memcpy(days_cache.o.days, o->days, sizeof(o->days));
	return STORE_OK;
}

static int
locked_row(const struct store_mailbox_row *r, void *arg)
{
	struct listed	*l = arg;

	json_obj_begin(l->j);
	json_kstr(l->j, "address", r->address);
	json_kint(l->j, "locked_until", r->locked_until);
	json_obj_end(l->j);
	return 0;
}

static int
paused_row(const struct store_mailbox_row *r, void *arg)
{
	struct listed	*l = arg;

	json_obj_begin(l->j);
	json_kstr(l->j, "address", r->address);
	json_kint(l->j, "paused_until", r->paused_until);
	json_kstr(l->j, "reason", r->pause_reason);
	json_obj_end(l->j);
	return 0;
}

/* "locked": [...] or "paused": [...], the first ATTENTION_MAX. */
static int
attention(struct store *st, const struct api_call *c, struct json *j,
    enum store_page_state state)
{
	struct store_page_query	q;
	struct listed		l = { j, c->now };
	int			rc;

	memset(&q, 0, sizeof(q));
	q.domain = c->r.domain;
	q.text = "";
	q.after = "";
	q.limit = ATTENTION_MAX;
	q.now = c->now;
	q.state = state;
	json_key(j, state == STORE_PAGE_LOCKED ? "locked" : "paused");
	json_arr_begin(j);
	rc = store_mailbox_page(st, &q, state == STORE_PAGE_LOCKED ?
	    locked_row : paused_row, &l);
	json_arr_end(j);
	return rc;
}

/* The queue and the certificate: the whole server's, so not for a token
   limited to one domain. */
static void
server_json(const struct api_call *c, struct json *j)
{
	int64_t	messages, oldest, expiry;

	if (c->r.domain[0] != '\0') {
		json_key(j, "queue");
		json_write_null(j);
		json_key(j, "certificate");
		json_write_null(j);
		return;
	}
	metrics_queue_get(&messages, &oldest);
	json_key(j, "queue");
	json_obj_begin(j);
	json_kint(j, "messages", messages);
	json_kint(j, "oldest", oldest);
	json_kint(j, "oldest_age", oldest > 0 && c->now > oldest ?
	    c->now - oldest : 0);
	json_obj_end(j);
	json_key(j, "certificate");
	if ((expiry = metrics_cert_get()) == 0) {
		json_write_null(j);
		return;
	}
	json_obj_begin(j);
	json_kint(j, "not_after", expiry);
	json_kint(j, "days_left", (expiry - c->now) / 86400);
	json_obj_end(j);
}

static void
days_json(const struct store_overview *o, struct json *j)
{
	char	day[32];
	size_t	i;

	json_key(j, "daily");
	json_arr_begin(j);
	for (i = 0; i < STORE_OVERVIEW_DAYS; i++) {
		util_time_utc(o->days[i].day * 86400, day, sizeof(day));
		day[10] = '\0';		/* "YYYY-MM-DD" */
		json_obj_begin(j);
		json_kstr(j, "day", day);
		json_kint(j, "submitted", o->days[i].submitted);
		json_kint(j, "delivered", o->days[i].delivered);
		json_kint(j, "deferred", o->days[i].deferred);
		json_kint(j, "bounced", o->days[i].bounced);
		json_obj_end(j);
	}
	json_arr_end(j);
}

int
api_overview(struct store *st, const struct api_call *c, struct buf *out)
{
	struct store_overview	o;
	struct json		j;

	memset(&o, 0, sizeof(o));
	if (store_overview(st, c->r.domain, c->now, &o) != STORE_OK ||
	    days_get(st, c, &o) != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	json_init(&j, out);
	json_obj_begin(&j);
	json_kint(&j, "now", c->now);
	json_key(&j, "mailboxes");
	json_obj_begin(&j);
	json_kint(&j, "total", o.total);
	json_kint(&j, "locked", o.locked);
	json_kint(&j, "paused", o.paused);
	json_obj_end(&j);
	if (attention(st, c, &j, STORE_PAGE_LOCKED) != STORE_OK ||
	    attention(st, c, &j, STORE_PAGE_PAUSED) != STORE_OK) {
		buf_reset(out);
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	}
	server_json(c, &j);
	days_json(&o, &j);
	if (api_domains_json(st, c, &j) != STORE_OK) {
		buf_reset(out);
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	}
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

static int
login_row(const struct store_failure *f, void *arg)
{
	struct json	*j = arg;

	json_obj_begin(j);
	json_kint(j, "time", f->time);
	json_kstr(j, "address", f->username);
	json_kstr(j, "protocol", f->protocol);
	json_kstr(j, "client", f->client);
	json_kstr(j, "reason", f->reason);
	json_obj_end(j);
	return 0;
}

/* The newest failed logins (?result=failed, the only kind kept), for the
   diagnose screen: ?limit= 1-500, default 50. */
int
api_logins_list(struct store *st, const struct api_call *c, struct buf *out)
{
	struct json	j;
	char		result[16];
	int64_t		limit;
	int		rc;

	if (api_query_str(c, "result", result, sizeof(result)) == -1 ||
	    (result[0] != '\0' && strcmp(result, "failed") != 0) ||
	    api_query_int(c, "limit", 1, 500, 50, &limit) == -1)
		return http_problem(out, 400, "bad query: result=failed (the "
		    "store keeps failed logins; a mailbox's last good login is "
		    "in its row), limit 1 to 500", NULL);
	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "items");
	json_arr_begin(&j);
	rc = store_failure_recent(st, c->r.domain, (size_t)limit, login_row,
	    &j);
	json_arr_end(&j);
	json_obj_end(&j);
	if (rc != STORE_OK) {
		buf_reset(out);
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	}
	return json_finish(&j) == 0 ? 200 : 500;
}
