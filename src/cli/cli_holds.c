/*
 * cli_holds: see cli_holds.h.  The state of a hold (paused, or how many
 * connections it allows now) is computed here from the file and
 * clock_now(), as the queue computes it; a hold past its end that the
 * queue has not yet removed (it does at its next delivery to that
 * provider) is shown as lifted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_holds.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/util.h"
#include "core/reply.h"
#include "queue/hold.h"
#include "queue/provider.h"

static void	hold_text(const struct hold *, int64_t);
static void	hold_json(struct json *, const struct hold *, int64_t);

/* When the last connection is added and the hold ends. */
static int64_t
hold_end_time(const struct hold *h)
{
	return h->until + (int64_t)(h->end - h->start) * h->step;
}

static void
hold_text(const struct hold *h, int64_t now)
{
	char	until[64], end[64], since[64];
	int	a = hold_allowed(h, now);

	util_time_utc(h->until, until, sizeof(until));
	util_time_utc(hold_end_time(h), end, sizeof(end));
	util_time_utc(h->since, since, sizeof(since));
	printf("%s %s=%s: ", h->provider, hold_kind_name(h->kind), h->value);
	if (a == 0)
		printf("no connection until %s, then %u", until, h->start);
	else if (a > 0)
		printf("%d connection%s now", a, a == 1 ? "" : "s");
	else
		printf("lifted\n");
	if (a >= 0)
		printf(", one more every %" PRId64 "s, lifted at %s\n"
		    "    since %s: %s\n", h->step, end, since, h->why);
}

static void
hold_json(struct json *j, const struct hold *h, int64_t now)
{
	json_obj_begin(j);
	json_kstr(j, "provider", h->provider);
	json_kstr(j, "scope", hold_kind_name(h->kind));
	json_kstr(j, "value", h->value);
	json_kint(j, "since", h->since);
	json_kint(j, "until", h->until);
	json_kint(j, "connections", hold_allowed(h, now));
	json_kint(j, "start", h->start);
	json_kint(j, "step", h->step);
	json_kint(j, "lifted_at", hold_end_time(h));
	json_kstr(j, "reason", h->why);
	json_obj_end(j);
}

int
cli_holds(const char *datadir, int json)
{
	static struct hold	 h[HOLD_MAX];
	struct buf		 b;
	struct json		 j;
	int64_t			 now = clock_now();
	size_t			 n, i;

	if (hold_read(datadir, h, HOLD_MAX, &n) == -1) {
		fprintf(stderr, "postern: queue holds: bad data directory\n");
		return 1;
	}
	if (!json) {
		for (i = 0; i < n; i++)
			hold_text(&h[i], now);
		printf("-- %zu hold%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	buf_init(&b, 4 * 1024 * 1024);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "holds");
	json_arr_begin(&j);
	for (i = 0; i < n; i++)
		hold_json(&j, &h[i], now);
	json_arr_end(&j);
	json_obj_end(&j);
	if (json_finish(&j) == 0)
		printf("%s\n", buf_str(&b));
	buf_free(&b);
	return 0;
}

void
cli_holds_footer(const char *datadir)
{
	static struct hold	 h[HOLD_MAX];
	size_t			 n = 0;

	if (hold_read(datadir, h, HOLD_MAX, &n) == 0 && n > 0)
		printf("-- %zu hold%s on providers (postern queue holds)\n", n,
		    n == 1 ? "" : "s");
}

/*
 * After `postern explain` of a reply: what postern's delivery does when
 * a provider answers it (the first rule of providers.conf and the
 * shipped table that matches, as the queue picks it), and the holds in
 * force now for that provider in DIR, if DIR is readable.
 */
void
cli_holds_explain(const char *datadir, const char *text)
{
	static struct hold		 h[HOLD_MAX];
	const struct provider_rule	*r;
	struct reply			 rp;
	size_t				 p, i, n = 0;
	int				 any = 0;

	if (reply_parse_text(&rp, text) == -1 || provider_load(datadir) == -1)
		return;
	for (p = 0; p < provider_count(); p++) {
		if ((r = provider_rule_match((int)p, rp.code, rp.enhanced,
		    rp.text)) == NULL || r->off)
			continue;
		printf("%sFrom %s, postern's delivery takes this reply as a "
		    "throttle: it holds %s for %" PRId64 " s, then allows %u "
		    "connection%s, one more every %" PRId64 " s "
		    "(docs/DELIVERABILITY.md).\n", any++ ? "" : "\n",
		    provider_get((int)p)->name, r->scope == RULE_SCOPE_IP ?
		    "the sending IP" : "the scope the text names (IP, DKIM "
		    "or SPF domain; all three if it names none)", r->pause,
		    r->start, r->start == 1 ? "" : "s", r->step);
		if (n == 0 && hold_read(datadir, h, HOLD_MAX, &n) == -1)
			n = 0;
		for (i = 0; i < n; i++)
			if (strcmp(h[i].provider, provider_get((int)p)->name) ==
			    0) {
				printf("  held now: ");
				hold_text(&h[i], clock_now());
			}
	}
}
