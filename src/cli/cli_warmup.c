/*
 * cli_warmup: the warm-up ramp in `postern mailbox` (docs/ACCOUNTS.md,
 * "Warm-up ramp"): `set ADDRESS warmup on|off`, `warmup_first N`,
 * `warmup_step N`; the ramp's lines of `show` (text and --json); and
 * `warmup-freeze ADDRESS [--days N]`, the store call the reputation
 * signals will make, so an operator (and the tests) can make it now.
 *
 * Times come from lib/clock.h like the server's, so `show` agrees with
 * what RCPT answers, under the test clock too.  Each command prints one
 * line saying what it did; errors name the mailbox and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/subcmd.h"
#include "core/config.h"
#include "core/warmup.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "store/store.h"

static int	warmup_number(const char *, const char *, const char *,
		    uint32_t *);

/* A number 1..1000000 for key, else a message and -1. */
static int
warmup_number(const char *addr, const char *key, const char *text,
    uint32_t *out)
{
	char		*end;
	unsigned long	 v;

	v = strtoul(text, &end, 10);
	if (end == text || *end != '\0' || text[0] == '-' || v == 0 ||
	    v > 1000000) {
		fprintf(stderr, "postern: mailbox %s: %s %s is not a number "
		    "from 1 to 1000000\n", addr, key, text);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int
cli_warmup_set(struct store *st, const char *addr, const char *key,
    const char *value)
{
	uint32_t	v;
	int		rc;

	if (strcmp(key, "warmup") == 0) {
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
			fprintf(stderr, "postern: mailbox %s: warmup %s: say "
			    "on or off\n", addr, value);
			return 1;
		}
		rc = value[1] == 'n' ? store_warmup_start(st, addr,
		    clock_now(), 0, 0) : store_warmup_stop(st, addr);
		if (subcmd_store_fail(st, "mailbox", addr, rc))
			return 1;
		printf("postern: mailbox %s: warmup = %s%s\n", addr, value,
		    value[1] == 'n' ? " (day 1 is today, UTC)" : "");
		return 0;
	}
	if (warmup_number(addr, key, value, &v) == -1)
		return 1;
	if (subcmd_store_fail(st, "mailbox", addr, store_warmup_param(st,
	    addr, strcmp(key, "warmup_first") == 0 ? "first" : "step", v)))
		return 1;
	printf("postern: mailbox %s: %s = %u\n", addr, key, v);
	return 0;
}

static void
warmup_show_json(const struct store_warmup_status *s, struct json *j)
{
	json_key(j, "warmup");
	if (!s->on) {
		json_write_null(j);
		return;
	}
	json_obj_begin(j);
	json_kbool(j, "active", s->active);
	json_kint(j, "day", s->day);
	json_kint(j, "days", s->total);
	json_kint(j, "allowance", s->allowance);
	json_kint(j, "sent_today", (int64_t)s->sent_today);
	json_kint(j, "target", s->target);
	json_kint(j, "first", s->w.first);
	json_kint(j, "step", s->w.step);
	json_kint(j, "start", s->w.start_day * 86400);
	json_kint(j, "frozen_until", s->frozen ? s->w.frozen_until : 0);
	json_kint(j, "step_downs", s->w.downs);
	json_obj_end(j);
}

/* The ramp's lines of `mailbox show`; with j, its "warmup" member. */
void
cli_warmup_show(struct store *st, const char *addr,
    const struct config *cfg, struct json *j)
{
	struct store_warmup_status	s;
	char				when[40];

	if (store_warmup_status(st, addr, clock_now(), cfg->warmup_target,
	    &s) != STORE_OK)
		memset(&s, 0, sizeof(s));
	if (j != NULL) {
		warmup_show_json(&s, j);
		return;
	}
	if (!s.on) {
		printf("warm-up:        off\n");
		return;
	}
	if (s.active)
		printf("warm-up:        day %lld of %lld: %u recipients "
		    "today (%llu sent), target %u\n", (long long)s.day,
		    (long long)s.total, s.allowance,
		    (unsigned long long)s.sent_today, s.target);
	else
		printf("warm-up:        done (day %lld, reached %u a day)\n",
		    (long long)s.day, s.target);
	printf("                %u on day 1, +%u a day", s.w.first,
	    s.w.step);
	if (s.frozen) {
		cli_time(s.w.frozen_until, when, sizeof(when));
		printf("; frozen until %s (step-downs: %u)", when,
		    s.w.downs);
	}
	printf("\n");
}

/* mailbox warmup-freeze ADDRESS [--days N] */
int
cli_warmup_freeze(struct store *st, const char *datadir, char **a)
{
	struct store_warmup_status	s;
	struct config			cfg;
	uint32_t			days = WARMUP_FREEZE_DAYS;
	char				when[40];

	if (a[1] != NULL && (strcmp(a[1], "--days") != 0 || a[2] == NULL))
		return subcmd_usage_error("mailbox", "warmup-freeze",
		    "expected --days N after the address");
	if (a[1] != NULL && warmup_number(a[0], "--days", a[2], &days) == -1)
		return 2;
	if (cli_load_config(datadir, &cfg) == -1)
		return 1;
	if (subcmd_store_fail(st, "mailbox", a[0], store_warmup_freeze(st,
	    a[0], clock_now(), (int64_t)days * 86400, cfg.warmup_target,
	    &s)))
		return 1;
	cli_time(s.w.frozen_until, when, sizeof(when));
	printf("postern: mailbox %s: warm-up frozen until %s at %u "
	    "recipients a day\n", a[0], when, s.allowance);
	return 0;
}
