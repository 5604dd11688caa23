/*
 * hold: see hold.h.  A fixed table; a hold is found by (provider, kind,
 * value), a connection's slots by id, so a hold lifted while carried is
 * simply not found again at release.
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/metrics.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/hold.h"
#include "queue/provider.h"
#include "queue/spool.h"

static struct {
	pthread_mutex_t	 lock;
	struct hold	 h[HOLD_MAX];
	size_t		 n;
	unsigned	 next_id;
	uint64_t	 epoch;		/* hold_epoch() */
	char		 path[PATH_MAX];
} H = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_id = 1 };

static const char *const kinds[] = { "ip", "dkim", "spf" };

static void	hold_save(void);
static struct hold *hold_set(int, enum hold_kind, const char *,
		    const struct provider_rule *, const char *, int64_t);
static int	hold_parse(char *, struct hold *);
static int	slot_ok(struct hold *, const struct hold_ticket *, int64_t);
static void	hold_log_set(const struct hold *);
static int	ticket_has(const struct hold_ticket *, unsigned);

const char *
hold_kind_name(enum hold_kind k)
{
	return kinds[k];
}

int
hold_allowed(const struct hold *h, int64_t now)
{
	int64_t	a;

	if (now < h->until)
		return 0;
	a = (int64_t)h->start + (now - h->until) / (h->step > 0 ? h->step : 1);
	return a >= (int64_t)h->end ? -1 : (int)a;
}

/* One line: PROVIDER KIND VALUE SINCE UNTIL START STEP END WHY... */
static int
hold_parse(char *line, struct hold *h)
{
	char		 prov[32], kind[8], value[256];
	long long	 since, until, step;
	unsigned	 start, end;
	int		 off = 0;
	size_t		 k;

	memset(h, 0, sizeof(*h));
	line[strcspn(line, "\r\n")] = '\0';
	if (sscanf(line, "%31s %7s %255s %lld %lld %u %lld %u %n", prov, kind,
	    value, &since, &until, &start, &step, &end, &off) != 8 ||
	    off == 0)
		return -1;
	for (k = 0; k < 3 && strcmp(kinds[k], kind) != 0; k++)
		;
	if (k == 3)
		return -1;
	util_strlcpy(h->provider, prov, sizeof(h->provider));
	h->kind = (enum hold_kind)k;
	util_strlcpy(h->value, value, sizeof(h->value));
	h->since = since;
	h->until = until;
	h->start = start;
	h->step = step;
	h->end = end;
	util_strlcpy(h->why, line + off, sizeof(h->why));
	return 0;
}

int
hold_any(void)
{
	return __atomic_load_n(&H.n, __ATOMIC_RELAXED) != 0;
}

uint64_t
hold_epoch(void)
{
	return __atomic_load_n(&H.epoch, __ATOMIC_ACQUIRE);
}

/* A change that may let held mail go.  Locked. */
static void
hold_changed(void)
{
	__atomic_store_n(&H.epoch, H.epoch + 1, __ATOMIC_RELEASE);
}

int
hold_read(const char *datadir, struct hold *out, size_t max, size_t *n)
{
	char	 path[PATH_MAX], line[1024];
	FILE	*fp;

	*n = 0;
	if (util_snprintf(path, sizeof(path), "%s/%s", datadir,
	    HOLD_FILE) == -1)
		return -1;
	if ((fp = fopen(path, "re")) == NULL)
		return 0;	/* no holds */
	while (*n < max && fgets(line, sizeof(line), fp) != NULL)
		if (line[0] != '#' && hold_parse(line, &out[*n]) == 0)
			(*n)++;
	fclose(fp);
	return 0;
}

int
hold_load(const char *datadir)
{
	size_t	i;

	if (util_snprintf(H.path, sizeof(H.path), "%s/%s", datadir,
	    HOLD_FILE) == -1)
		return -1;
	pthread_mutex_lock(&H.lock);
	(void)hold_read(datadir, H.h, HOLD_MAX, &H.n);
	for (i = 0; i < H.n; i++) {
		H.h[i].id = H.next_id++;
		log_info("deliver: hold %s %s=%s kept from before the start",
		    H.h[i].provider, kinds[H.h[i].kind], H.h[i].value);
	}
	hold_changed();
	pthread_mutex_unlock(&H.lock);
	return 0;
}

/* The whole table, atomically.  Locked. */
static void
hold_save(void)
{
	struct buf	b;
	size_t		i;

	if (H.path[0] == '\0')
		return;
	buf_init(&b, 1024 * 1024);
	buf_appends(&b, "# postern holds: PROVIDER KIND VALUE SINCE UNTIL "
	    "START STEP END REPLY\n");
	for (i = 0; i < H.n; i++)
		buf_appendf(&b, "%s %s %s %" PRId64 " %" PRId64 " %u %" PRId64
		    " %u %s\n", H.h[i].provider, kinds[H.h[i].kind],
		    H.h[i].value, H.h[i].since, H.h[i].until, H.h[i].start,
		    H.h[i].step, H.h[i].end, H.h[i].why);
	if (util_write_file_atomic(H.path, b.data, b.len, 0600) == -1)
		log_warn("deliver: write %s (the holds stay in memory)",
		    H.path);
	buf_free(&b);
}

/* Is this hold's slot open to the ticket?  Lifts it when over.  Locked. */
static int
slot_ok(struct hold *h, const struct hold_ticket *t, int64_t now)
{
	size_t	k;
	int	a = hold_allowed(h, now);

	if (a > 0 && (unsigned)a != h->shown) {
		h->shown = (unsigned)a;
		log_info("deliver: hold %s %s=%s: %d connection%s now",
		    h->provider, kinds[h->kind], h->value, a, a > 1 ? "s" : "");
	}
	if (a <= 0)
		return a;	/* over, or paused: even for a holder */
	for (k = 0; t != NULL && k < t->n; k++)
		if (t->id[k] == h->id)
			return 1;
	return h->active < (unsigned)a;
}

static int
hold_applies(const struct hold *h, const char *prov, const char *dkim,
    const char *spf)
{
	if (strcmp(h->provider, prov) != 0)
		return 0;
	return h->kind == HOLD_IP ||
	    (h->kind == HOLD_DKIM && strcasecmp(h->value, dkim) == 0) ||
	    (h->kind == HOLD_SPF && strcasecmp(h->value, spf) == 0);
}

static int
ticket_has(const struct hold_ticket *t, unsigned id)
{
	size_t	k;

	for (k = 0; k < t->n; k++)
		if (t->id[k] == id)
			return 1;
	return 0;
}

int
hold_admit(int p, const char *dkim, const char *spf, int64_t now,
    struct hold_ticket *t)
{
	const struct provider	*pv = provider_get(p);
	struct hold		 gone;
	size_t			 i, need = 0;
	int			 ok = 1, r;

	if (pv == NULL)
		return 1;
	pthread_mutex_lock(&H.lock);
	for (i = 0; i < H.n; i++) {
		if (!hold_applies(&H.h[i], pv->name, dkim, spf))
			continue;
		if ((r = slot_ok(&H.h[i], t, now)) == -1) {
			/* saved, then said (rare: one write a lift) */
			gone = H.h[i];
			H.h[i--] = H.h[--H.n];
			hold_save();
			log_info("deliver: hold %s %s=%s lifted", pv->name,
			    kinds[gone.kind], gone.value);
			hold_changed();
		} else if (r == 0)
			ok = 0;
		else if (t != NULL && !ticket_has(t, H.h[i].id))
			need++;
	}
	/* a ticket with no room for a slot would let the message go
	   without taking it: past the hold's allowance.  Not on this
	   connection, then; a later one has a ticket of its own. */
	if (ok && t != NULL && t->n + need > HOLD_TICKET_MAX)
		ok = 0;
	for (i = 0; ok && t != NULL && i < H.n; i++)
		if (hold_applies(&H.h[i], pv->name, dkim, spf) &&
		    !ticket_has(t, H.h[i].id)) {
			t->id[t->n++] = H.h[i].id;
			H.h[i].active++;
		}
	pthread_mutex_unlock(&H.lock);
	return ok;
}

void
hold_release(struct hold_ticket *t)
{
	size_t	i, k;
	int64_t	now;
	int	a;

	pthread_mutex_lock(&H.lock);
	now = clock_now();
	for (k = 0; k < t->n; k++)
		for (i = 0; i < H.n; i++)
			if (H.h[i].id == t->id[k] && H.h[i].active > 0) {
				/* a full hold's slot frees: what it kept may
				   go (not at every close of its connections) */
				a = hold_allowed(&H.h[i], now);
				if (a > 0 && H.h[i].active >= (unsigned)a)
					hold_changed();
				H.h[i].active--;
			}
	pthread_mutex_unlock(&H.lock);
	t->n = 0;
}

/* Create or restart the hold (p, kind, value): the hold if it changed, else
   NULL.  Locked. */
static struct hold *
hold_set(int p, enum hold_kind kind, const char *value,
    const struct provider_rule *r, const char *why, int64_t now)
{
	const struct provider	*pv = provider_get(p);
	struct hold		*h = NULL;
	size_t			 i;

	for (i = 0; i < H.n && h == NULL; i++)
		if (strcmp(H.h[i].provider, pv->name) == 0 &&
		    H.h[i].kind == kind && strcasecmp(H.h[i].value, value) == 0)
			h = &H.h[i];
	if (h == NULL) {
		if (H.n == HOLD_MAX) {
			log_warnx("deliver: too many holds; %s %s=%s not held",
			    pv->name, kinds[kind], value);
			return NULL;
		}
		h = &H.h[H.n++];
		memset(h, 0, sizeof(*h));
		h->id = H.next_id++;
		util_strlcpy(h->provider, pv->name, sizeof(h->provider));
		h->kind = kind;
		util_strlcpy(h->value, value, sizeof(h->value));
		util_lower(h->value);
	} else if (h->since == now && h->until == now + r->pause)
		return NULL;	/* the same reply again, as for each RCPT */
	h->since = now;
	h->until = now + r->pause;
	metrics_hold(p);
	h->start = r->start;
	h->step = r->step;
	h->end = pv->max_conn > r->start ? pv->max_conn : r->start + 1;
	h->shown = 0;
	spool_printable(h->why, sizeof(h->why), why, strlen(why));
	return h;
}

/* Once on disk (tests and operators read the file when they see it). */
static void
hold_log_set(const struct hold *h)
{
	char	until[64];

	util_time_utc(h->until, until, sizeof(until));
	log_info("deliver: hold %s %s=%s until %s, then %u connection%s, one "
	    "more every %" PRId64 "s up to %u (%s)", h->provider,
	    kinds[h->kind], h->value, until, h->start,
	    h->start == 1 ? "" : "s", h->step, h->end, h->why);
}

/* The word after "name" in text (a domain), or "" if none. */
static void
named(const char *text, const char *name, char *out, size_t outsz)
{
	const char	*p = strcasestr(text, name);
	size_t		 n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	for (p += strlen(name); *p == ' ' || *p == '['; p++)
		;
	while ((isalnum((unsigned char)p[n]) || p[n] == '.' || p[n] == '-') &&
	    n + 1 < outsz)
		n++;
	while (n > 0 && p[n - 1] == '.')
		n--;
	memcpy(out, p, n);
	out[n] = '\0';
}

int
hold_observe(int p, int code, const char *enhanced, const char *text,
    const char *ip, const char *dkim, const char *spf, int64_t now)
{
	const struct provider_rule	*r;
	struct hold			*set[3];
	char				 why[600], d[256], s[256];
	size_t				 i, n = 0;
	int				 by_ip;

	if ((r = provider_rule_match(p, code, enhanced, text)) == NULL ||
	    r->off)
		return 0;
	(void)util_snprintf(why, sizeof(why), "%d %s %s", code, enhanced,
	    text);
	d[0] = s[0] = '\0';
	by_ip = r->scope == RULE_SCOPE_IP;
	if (r->scope == RULE_SCOPE_TEXT) {
		if (strcasestr(text, "DKIM domain") != NULL) {
			named(text, "DKIM domain", d, sizeof(d));
			util_strlcpy(d, d[0] ? d : dkim, sizeof(d));
		}
		if (strcasestr(text, "SPF domain") != NULL) {
			named(text, "SPF domain", s, sizeof(s));
			util_strlcpy(s, s[0] ? s : spf, sizeof(s));
		}
		by_ip = strcasestr(text, "your IP") != NULL ||
		    strcasestr(text, "IP address") != NULL ||
		    strcasestr(text, "IP netblock") != NULL;
		if (!by_ip && d[0] == '\0' && s[0] == '\0') {
			/* Google: "assume that all three are affected" */
			by_ip = 1;
			util_strlcpy(d, dkim, sizeof(d));
			util_strlcpy(s, spf, sizeof(s));
		}
	}
	pthread_mutex_lock(&H.lock);
	if (by_ip && (set[n] = hold_set(p, HOLD_IP, ip[0] ? ip : "*", r, why,
	    now)) != NULL)
		n++;
	if (d[0] && (set[n] = hold_set(p, HOLD_DKIM, d, r, why, now)) != NULL)
		n++;
	if (s[0] && (set[n] = hold_set(p, HOLD_SPF, s, r, why, now)) != NULL)
		n++;
	if (n > 0)
		hold_save();
	for (i = 0; i < n; i++)
		hold_log_set(set[i]);
	pthread_mutex_unlock(&H.lock);
	return 1;
}

void
hold_msg_spf(const char *sender, char *out, size_t outsz)
{
	const char	*at = strrchr(sender, '@');

	util_strlcpy(out, at ? at + 1 : "", outsz);
	util_lower(out);
}

void
hold_msg_dkim(const char *sig, size_t siglen, const char *sender, char *out,
    size_t outsz)
{
	const char	*p, *end = sig + siglen;
	size_t		 n;

	for (p = sig; sig != NULL && p + 2 < end; p++) {
		if (p[0] != 'd' || p[1] != '=' || (p > sig &&
		    p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t'))
			continue;
		p += 2;
		for (n = 0; p + n < end && n + 1 < outsz && p[n] != ';' &&
		    p[n] != ' ' && p[n] != '\r' && p[n] != '\n'; n++)
			;
		memcpy(out, p, n);
		out[n] = '\0';
		util_lower(out);
		return;
	}
	hold_msg_spf(sender, out, outsz);
}
