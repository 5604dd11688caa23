/*
 * store_overview: what the console's overview counts (store.h): how
 * many mailboxes, how many locked and paused now, and the sending of the
 * last 14 UTC days summed over the mailboxes' health counters
 * (health_day, store_health.c).  Optionally for one domain (a token
 * limited to it).  Four statements, each one aggregate over indexed
 * tables; at 10,000 mailboxes bench/api_list.py times them with the rest
 * of the overview.
 *
 * Failure: STORE_ERR from the backend.
 */
#include <string.h>

#include "lib/clock.h"
#include "store/store.h"
#include "store/store_int.h"

#define IN_DOMAIN \
	"FROM mailbox m JOIN domain d ON d.id = m.domain_id " \
	"WHERE (d.name = ? OR ? = '') "

static int	row_count(const struct store_val *, size_t, void *);
static int	row_day(const struct store_val *, size_t, void *);

static int
row_count(const struct store_val *v, size_t n, void *arg)
{
	if (n >= 1 && v[0].type == STORE_T_INT)
		*(int64_t *)arg = v[0].i;
	return 1;
}

struct days {
	struct store_overview	*o;
	int64_t			 first;
};

static int
row_day(const struct store_val *v, size_t n, void *arg)
{
	struct days			*d = arg;
	struct store_overview_day	*day;
	int64_t				 i;

	if (n < 5 || v[0].type != STORE_T_INT)
		return 0;
	i = v[0].i - d->first;
	if (i < 0 || i >= STORE_OVERVIEW_DAYS)
		return 0;
	day = &d->o->days[i];
	day->submitted = v[1].i;
	day->delivered = v[2].i;
	day->deferred = v[3].i;
	day->bounced = v[4].i;
	return 0;
}

int
store_overview(struct store *st, const char *domain, int64_t now,
    struct store_overview *o)
{
	int	rc;

	if ((rc = store_sq(st, row_count, &o->total, NULL, "SELECT COUNT(*) "
	    IN_DOMAIN, "ss", domain, domain)) != STORE_OK ||
	    (rc = store_sq(st, row_count, &o->locked, NULL, "SELECT COUNT(*) "
	    IN_DOMAIN "AND EXISTS (SELECT 1 FROM auth_lock l WHERE "
	    "l.username = m.address AND (l.locked_until > ? OR "
	    "l.all_until > ?))", "ssii", domain, domain, now, now)) !=
	    STORE_OK ||
	    (rc = store_sq(st, row_count, &o->paused, NULL, "SELECT COUNT(*) "
	    IN_DOMAIN "AND m.health_paused_until > ?", "ssi", domain, domain,
	    now)) != STORE_OK)
		return rc;
	return STORE_OK;
}

int
store_overview_days(struct store *st, const char *domain, int64_t now,
    struct store_overview *o)
{
	struct days	d = { o, clock_day(now) - STORE_OVERVIEW_DAYS + 1 };
	int		i;

	for (i = 0; i < STORE_OVERVIEW_DAYS; i++) {
		memset(&o->days[i], 0, sizeof(o->days[i]));
		o->days[i].day = d.first + i;
	}
	if (domain[0] == '\0')		/* no join: the day index alone */
		return store_sq(st, row_day, &d, NULL, "SELECT day, "
		    "SUM(submitted), SUM(delivered), SUM(deferred), "
		    "SUM(bounced) FROM health_day WHERE day >= ? GROUP BY day",
		    "i", d.first);
	return store_sq(st, row_day, &d, NULL, "SELECT h.day, "
	    "SUM(h.submitted), SUM(h.delivered), SUM(h.deferred), "
	    "SUM(h.bounced) FROM health_day h JOIN mailbox m ON m.id = "
	    "h.mailbox_id JOIN domain d ON d.id = m.domain_id WHERE "
	    "h.day >= ? AND (d.name = ? OR ? = '') GROUP BY h.day", "iss",
	    d.first, domain, domain);
}
