/*
 * cli_health: sending health in the CLI (store_health.c, core/health.h):
 * `postern stats [DOMAIN|ADDRESS] [--days N] [--json]`, the health lines
 * of `mailbox show` (the last 7 days) and `mailbox resume ADDRESS|DOMAIN`.
 *
 * Days are UTC days of lib/clock.h's clock, as the queue counts them;
 * every day of the span is shown, zeros included.  Counts are
 * recipients.  Complaints stay 0 until a feedback loop feeds them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/subcmd.h"
#include "core/health.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "store/store.h"

#define DAYS_MAX	STORE_HEALTH_DAYS
#define DAY_PROVIDERS	8	/* providers shown per day */

struct hday {
	struct store_health_day	d;
	struct {
		char		name[HEALTH_PROVIDER_MAX + 1];
		uint64_t	n;
	}			p[DAY_PROVIDERS];
	size_t			np;
};

/* One mailbox over the span: its days (dense, oldest first). */
struct hmb {
	char				address[STORE_ADDR_MAX + 1];
	struct store_health_pause	pause;
	int64_t				from;		/* first unix day */
	size_t				ndays;
	struct hday			days[DAYS_MAX];
	struct store_health_day		total;
};

struct stats_ctx {
	struct store	*st;
	int64_t		 now;
	size_t		 ndays;
	struct json	*j;
	struct subcmd_table t;
	int		 rc;
};

static int	hmb_load(struct store *, const char *, int64_t, size_t,
		    struct hmb *);
static int	day_row(const struct store_health_day *, void *);
static int	provider_row(int64_t, const char *, uint64_t, void *);
static void	day_date(int64_t, char *, size_t);
static void	counts_json(struct json *, const struct store_health_day *);
static void	hmb_json(struct json *, const struct hmb *, int64_t);
static void	pause_text(const struct hmb *, int64_t, char *, size_t);
static void	days_table(const struct hmb *);
static int	stats_one(struct stats_ctx *, const char *);
static int	stats_row(const struct store_mailbox *, void *);
static int	stats_usage(const char *);
static int	resume_row(const struct store_mailbox *, void *);

static void
day_date(int64_t day, char *out, size_t outsz)
{
	time_t		t = (time_t)(day * 86400);
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%d", &tm) == 0)
		snprintf(out, outsz, "day %lld", (long long)day);
}

static int
day_row(const struct store_health_day *d, void *arg)
{
	struct hmb	*h = arg;
	int64_t		 i = d->day - h->from;

	if (i >= 0 && (size_t)i < h->ndays)
		h->days[i].d = *d;
	return 0;
}

static int
provider_row(int64_t day, const char *provider, uint64_t n, void *arg)
{
	struct hmb	*h = arg;
	struct hday	*hd;
	int64_t		 i = day - h->from;

	if (i < 0 || (size_t)i >= h->ndays)
		return 0;
	hd = &h->days[i];
	if (hd->np < DAY_PROVIDERS) {
		snprintf(hd->p[hd->np].name, sizeof(hd->p[0].name), "%s",
		    provider);
		hd->p[hd->np++].n = n;
	}
	return 0;
}

/* The last ndays days of a mailbox up to now's, and its pause. */
static int
hmb_load(struct store *st, const char *addr, int64_t now, size_t ndays,
    struct hmb *h)
{
	size_t	i;
	int	rc;

	memset(h, 0, sizeof(*h));
	snprintf(h->address, sizeof(h->address), "%s", addr);
	h->ndays = ndays;
	h->from = clock_day(now) - (int64_t)ndays + 1;
	for (i = 0; i < ndays; i++)
		h->days[i].d.day = h->from + (int64_t)i;
	if ((rc = store_health_status(st, addr, now, &h->pause)) != STORE_OK ||
	    (rc = store_health_days(st, addr, h->from, day_row, h)) !=
	    STORE_OK ||
	    (rc = store_health_providers(st, addr, h->from, provider_row,
	    h)) != STORE_OK)
		return rc;
	for (i = 0; i < ndays; i++) {
		const struct store_health_day *d = &h->days[i].d;

		h->total.submitted += d->submitted;
		h->total.delivered += d->delivered;
		h->total.deferred += d->deferred;
		h->total.bounced += d->bounced;
		h->total.sender_fault += d->sender_fault;
		h->total.complaints += d->complaints;
	}
	return STORE_OK;
}

static void
counts_json(struct json *j, const struct store_health_day *d)
{
	json_kint(j, "submitted", (int64_t)d->submitted);
	json_kint(j, "delivered", (int64_t)d->delivered);
	json_kint(j, "deferred", (int64_t)d->deferred);
	json_kint(j, "bounced", (int64_t)d->bounced);
	json_kint(j, "sender_fault", (int64_t)d->sender_fault);
	json_kint(j, "complaints", (int64_t)d->complaints);
}

static void
hmb_json(struct json *j, const struct hmb *h, int64_t now)
{
	char	date[32];
	size_t	i, k;

	json_kbool(j, "paused", h->pause.paused);
	json_kint(j, "paused_until", h->pause.paused ?
	    h->pause.paused_until : 0);
	json_kstr(j, "reason", h->pause.paused ? h->pause.reason : "");
	json_kint(j, "pauses", h->pause.pauses);
	json_kbool(j, "domain_paused", h->pause.domain);
	json_kint(j, "domain_paused_until", h->pause.domain ?
	    h->pause.domain_until : 0);
	json_key(j, "totals");
	json_obj_begin(j);
	counts_json(j, &h->total);
	json_obj_end(j);
	json_key(j, "days");
	json_arr_begin(j);
	for (i = 0; i < h->ndays; i++) {
		json_obj_begin(j);
		day_date(h->days[i].d.day, date, sizeof(date));
		json_kstr(j, "date", date);
		counts_json(j, &h->days[i].d);
		json_key(j, "providers");
		json_obj_begin(j);
		for (k = 0; k < h->days[i].np; k++)
			json_kint(j, h->days[i].p[k].name,
			    (int64_t)h->days[i].p[k].n);
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* "ok", "paused until ...: why", "domain paused until ..." */
static void
pause_text(const struct hmb *h, int64_t now, char *out, size_t outsz)
{
	char	when[40];

	if (h->pause.paused) {
		cli_time(h->pause.paused_until, when, sizeof(when));
		snprintf(out, outsz, "paused until %s: %s", when,
		    h->pause.reason);
	} else if (h->pause.domain) {
		cli_time(h->pause.domain_until, when, sizeof(when));
		snprintf(out, outsz, "domain paused until %s: %u of %u "
		    "mailboxes paused", when, h->pause.dom_paused,
		    h->pause.dom_total);
	} else
		snprintf(out, outsz, "ok");
}

/* One line a day: the counts and who refused the sender. */
static void
days_table(const struct hmb *h)
{
	struct subcmd_table	 t;
	char			 c[8][128];
	const char		*row[8];
	size_t			 i, k, n;

	subcmd_table_init(&t, 8);
	for (k = 0; k < 8; k++)
		row[k] = c[k];
	(void)subcmd_table_row(&t, (const char *const[]){ "DATE",
	    "SUBMITTED", "DELIVERED", "DEFERRED", "BOUNCED", "SENDER-FAULT",
	    "COMPLAINTS", "BLOCKED-BY" });
	for (i = 0; i < h->ndays; i++) {
		const struct hday *d = &h->days[i];

		day_date(d->d.day, c[0], sizeof(c[0]));
		snprintf(c[1], sizeof(c[1]), "%llu",
		    (unsigned long long)d->d.submitted);
		snprintf(c[2], sizeof(c[2]), "%llu",
		    (unsigned long long)d->d.delivered);
		snprintf(c[3], sizeof(c[3]), "%llu",
		    (unsigned long long)d->d.deferred);
		snprintf(c[4], sizeof(c[4]), "%llu",
		    (unsigned long long)d->d.bounced);
		snprintf(c[5], sizeof(c[5]), "%llu",
		    (unsigned long long)d->d.sender_fault);
		snprintf(c[6], sizeof(c[6]), "%llu",
		    (unsigned long long)d->d.complaints);
		c[7][0] = '\0';
		for (k = 0, n = 0; k < d->np && n < sizeof(c[7]); k++)
			n += (size_t)snprintf(c[7] + n, sizeof(c[7]) - n,
			    "%s%s:%llu", k ? " " : "", d->p[k].name,
			    (unsigned long long)d->p[k].n);
		(void)subcmd_table_row(&t, row);
	}
	subcmd_table_print(&t);
	subcmd_table_free(&t);
}

/* The health lines of `mailbox show` (the last 7 days); with j, its
   "health" member. */
void
cli_health_show(struct store *st, const char *addr, struct json *j)
{
	struct hmb	*h;
	int64_t		 now = clock_now();
	char		 line[512];

	if ((h = malloc(sizeof(*h))) == NULL ||
	    hmb_load(st, addr, now, 7, h) != STORE_OK) {
		free(h);
		if (j != NULL) {
			json_key(j, "health");
			json_write_null(j);
		}
		return;
	}
	if (j != NULL) {
		json_key(j, "health");
		json_obj_begin(j);
		hmb_json(j, h, now);
		json_obj_end(j);
	} else {
		pause_text(h, now, line, sizeof(line));
		printf("health:         %s (%u pause(s) so far)\n", line,
		    h->pause.pauses);
		if (h->pause.paused)
			printf("                resume: postern mailbox resume "
			    "%s\n", addr);
		printf("last 7 days (recipients, UTC days):\n");
		days_table(h);
	}
	free(h);
}

/* One mailbox of `stats`: a JSON object or a totals row. */
static int
stats_one(struct stats_ctx *c, const char *addr)
{
	struct hmb	*h;
	char		 cell[7][32], status[512];
	const char	*row[8];
	int		 rc;

	if ((h = malloc(sizeof(*h))) == NULL)
		return c->rc = STORE_ERR;
	if ((rc = hmb_load(c->st, addr, c->now, c->ndays, h)) != STORE_OK) {
		free(h);
		return c->rc = rc;
	}
	if (c->j != NULL) {
		json_obj_begin(c->j);
		json_kstr(c->j, "address", h->address);
		hmb_json(c->j, h, c->now);
		json_obj_end(c->j);
	} else {
		snprintf(cell[0], sizeof(cell[0]), "%llu",
		    (unsigned long long)h->total.submitted);
		snprintf(cell[1], sizeof(cell[1]), "%llu",
		    (unsigned long long)h->total.delivered);
		snprintf(cell[2], sizeof(cell[2]), "%llu",
		    (unsigned long long)h->total.deferred);
		snprintf(cell[3], sizeof(cell[3]), "%llu",
		    (unsigned long long)h->total.bounced);
		snprintf(cell[4], sizeof(cell[4]), "%llu",
		    (unsigned long long)h->total.sender_fault);
		snprintf(cell[5], sizeof(cell[5]), "%llu",
		    (unsigned long long)h->total.complaints);
		pause_text(h, c->now, status, sizeof(status));
		row[0] = h->address;
		for (rc = 0; rc < 6; rc++)
			row[rc + 1] = cell[rc];
		row[7] = status;
		(void)subcmd_table_row(&c->t, row);
	}
	free(h);
	return 0;
}

static int
stats_row(const struct store_mailbox *mb, void *arg)
{
	return stats_one(arg, mb->address) != 0;
}

static int
stats_usage(const char *why)
{
	fprintf(stderr, "postern: stats: %s\nusage: postern -d DIR stats "
	    "[DOMAIN|ADDRESS] [--days N] [--json]\n", why);
	return 2;
}

static const char *const stats_head[] = { "MAILBOX", "SUBMITTED",
	"DELIVERED", "DEFERRED", "BOUNCED", "SENDER-FAULT", "COMPLAINTS",
	"STATUS" };

/* postern stats [DOMAIN|ADDRESS] [--days N] [--json] */
int
cli_stats(const char *datadir, int argc, char **argv)
{
	struct stats_ctx		 c;
	struct store_health_pause	 probe;
	struct json			 j;
	struct buf			 b;
	const char			*what = NULL;
	char				*end;
	long				 days = 7;
	int				 i, json = 0, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			days = strtol(argv[++i], &end, 10);
			if (*end != '\0' || days < 1 || days > DAYS_MAX)
				return stats_usage("--days takes 1 to 90");
		} else if (argv[i][0] != '-' && what == NULL)
			what = argv[i];
		else
			return stats_usage(argv[i][0] == '-' ?
			    "unknown option or missing value" :
			    "one DOMAIN or ADDRESS at most");
	}
	memset(&c, 0, sizeof(c));
	if ((c.st = cli_store(datadir, 0)) == NULL)
		return 1;
	c.now = clock_now();
	c.ndays = (size_t)days;
	rc = what == NULL ? STORE_OK : strchr(what, '@') != NULL ?
	    store_health_status(c.st, what, c.now, &probe) :
	    store_domain_exists(c.st, what);
	if (rc != STORE_OK) {
		subcmd_store_fail(c.st, strchr(what, '@') ? "mailbox" :
		    "domain", what, rc);
		store_close(c.st);
		return 1;
	}
	subcmd_table_init(&c.t, 8);
	if (!json)
		(void)subcmd_table_row(&c.t, stats_head);
	if (json) {
		buf_init(&b, 16 * 1024 * 1024);
		json_init(&j, &b);
		c.j = &j;
		json_arr_begin(&j);
	}
	if (what != NULL && strchr(what, '@') != NULL)
		rc = stats_one(&c, what);
	else
		rc = store_mailbox_list(c.st, what, stats_row, &c);
	if (rc == STORE_OK && c.rc != STORE_OK)
		rc = c.rc;
	rc = subcmd_list_finish(c.st, "stats", rc, &c.t, c.j, &b);
	if (rc == 0 && !json && what != NULL && strchr(what, '@') != NULL) {
		struct hmb	*h = malloc(sizeof(*h));

		if (h != NULL && hmb_load(c.st, what, c.now, c.ndays, h) ==
		    STORE_OK) {
			printf("\n");
			days_table(h);
		}
		free(h);
	}
	store_close(c.st);
	return rc;
}

static int
resume_row(const struct store_mailbox *mb, void *arg)
{
	struct stats_ctx	*c = arg;

	if (store_health_resume(c->st, mb->address) != STORE_OK)
		return c->rc = STORE_ERR;
	printf("postern: mailbox %s resumed\n", mb->address);
	return 0;
}

/* mailbox resume ADDRESS|DOMAIN: end the pause now (every mailbox of a
   domain, which ends the domain's pause too). */
int
cli_health_resume(struct store *st, char **a)
{
	struct stats_ctx	c;
	int			rc;

	if (strchr(a[0], '@') != NULL) {
		if (subcmd_store_fail(st, "mailbox", a[0],
		    store_health_resume(st, a[0])))
			return 1;
		printf("postern: mailbox %s resumed\n", a[0]);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.st = st;
	if (store_domain_exists(st, a[0]) != STORE_OK)
		return subcmd_store_fail(st, "domain", a[0], STORE_NOTFOUND);
	rc = store_mailbox_list(st, a[0], resume_row, &c);
	return subcmd_store_fail(st, "domain", a[0], rc != STORE_OK ? rc :
	    c.rc);
}
