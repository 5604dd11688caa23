/*
 * provider: see provider.h.  The shipped tables are data, parsed like
 * the operator's file (one code path); providers.conf's rules are put
 * before the shipped ones, so the first match is the operator's.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/util.h"
#include "queue/provider.h"

/*
 * KumoMTA's assets/policy-extras/shaping.toml: Google 5 connections and
 * 50 messages a connection, Outlook 5 and 50, Yahoo 20 a connection
 * (its connections unpublished: KumoMTA's default 10), iCloud 10 and 5.
 * The rules: docs/DELIVERABILITY.md says where each number comes from.
 */
static const char *const shipped[] = {
	"provider default connections=0 per_connection=100 rate=0",
	"provider google suffix=google.com,googlemail.com connections=5 "
	    "per_connection=50",
	"provider microsoft suffix=outlook.com,protection.outlook.com,"
	    "mx.microsoft connections=5 per_connection=50",
	"provider yahoo suffix=yahoodns.net connections=10 per_connection=20",
	"provider apple suffix=icloud.com,mail.me.com connections=10 "
	    "per_connection=5",
	"rule google 421 4.7.28 scope=text pause=10m start=1 step=5m",
	"rule microsoft 421 RP-001 scope=ip pause=15m start=1 step=15m",
	"rule microsoft 421 RP-002 scope=ip pause=0 start=1 step=10m",
	"rule microsoft 421 RP-003 scope=ip pause=0 start=1 step=10m",
	"rule microsoft 451 4.7.650 scope=ip pause=1h start=1 step=30m",
	"rule yahoo 421 TSS04 scope=ip pause=2h start=1 step=30m",
	NULL
};

static struct {
	pthread_mutex_t		lock;
	struct provider		p[PROVIDER_MAX];
	size_t			np;
	struct provider_rule	r[PROVIDER_RULE_MAX];
	size_t			nr, nshipped_rules;
	unsigned		active[PROVIDER_MAX];
	uint64_t		window[PROVIDER_MAX];	/* minute, ms/60000 */
	unsigned		sent[PROVIDER_MAX];	/* in that minute */
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int	parse_line(char *, int, char *, size_t);
static int	parse_provider(char **, size_t, char *, size_t);
static int	parse_rule(char **, size_t, int, char *, size_t);
static int	parse_dur(const char *, int64_t *);
static int	parse_uint(const char *, unsigned *);
static int	find_name(const char *);

static int
parse_uint(const char *s, unsigned *out)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > 100000 ||
	    *s == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* N, Ns, Nm or Nh, in seconds. */
static int
parse_dur(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *s == '-' || errno != 0 || v > 86400 * 30)
		return -1;
	if (*end == 'h')
		v *= 3600, end++;
	else if (*end == 'm')
		v *= 60, end++;
	else if (*end == 's')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
find_name(const char *name)
{
	size_t	i;

	for (i = 0; i < P.np; i++)
		if (strcmp(P.p[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
parse_suffixes(struct provider *p, char *list)
{
	char	*s, *save = NULL;

	p->nsuffix = 0;
	for (s = strtok_r(list, ",", &save); s != NULL;
	    s = strtok_r(NULL, ",", &save)) {
		if (p->nsuffix == PROVIDER_SUFFIX_MAX ||
		    util_strlcpy(p->suffix[p->nsuffix], s,
		    sizeof(p->suffix[0])) == -1)
			return -1;
		util_lower(p->suffix[p->nsuffix++]);
	}
	return p->nsuffix > 0 ? 0 : -1;
}

/* provider NAME [suffix=A,B] [connections=N] [per_connection=N] [rate=N] */
static int
parse_provider(char **tok, size_t n, char *err, size_t errsz)
{
	struct provider	*p;
	size_t		 i;
	int		 idx, rc = 0;
	char		*v;

	if (n < 2 || strlen(tok[1]) >= PROVIDER_NAME_MAX) {
		util_snprintf(err, errsz, "provider: a name is needed");
		return -1;
	}
	if ((idx = find_name(tok[1])) == -1) {
		if (P.np == PROVIDER_MAX) {
			util_snprintf(err, errsz, "too many providers");
			return -1;
		}
		idx = (int)P.np;
		memset(&P.p[idx], 0, sizeof(P.p[idx]));
		util_strlcpy(P.p[idx].name, tok[1], sizeof(P.p[idx].name));
	}
	p = &P.p[idx];
	for (i = 2; i < n && rc == 0; i++) {
		if ((v = strchr(tok[i], '=')) == NULL) {
			rc = -1;
			break;
		}
		*v++ = '\0';
		if (strcmp(tok[i], "suffix") == 0)
			rc = parse_suffixes(p, v);
		else if (strcmp(tok[i], "connections") == 0)
			rc = parse_uint(v, &p->max_conn);
		else if (strcmp(tok[i], "per_connection") == 0)
			rc = parse_uint(v, &p->per_conn);
		else if (strcmp(tok[i], "rate") == 0)
			rc = parse_uint(v, &p->rate);
		else
			rc = -1;
	}
	if (rc == 0 && idx != PROVIDER_DEFAULT && p->nsuffix == 0)
		rc = -1;
	if (rc == -1) {
		util_snprintf(err, errsz, "provider %s: bad or missing "
		    "setting (suffix=, connections=, per_connection=, rate=)",
		    tok[1]);
		return -1;
	}
	if ((size_t)idx == P.np)
		P.np++;
	return 0;
}

static int
rule_setting(struct provider_rule *r, char *kv)
{
	char	*v;

	if (strcmp(kv, "off") == 0) {
		r->off = 1;
		return 0;
	}
	if ((v = strchr(kv, '=')) == NULL)
		return -1;
	*v++ = '\0';
	if (strcmp(kv, "scope") == 0) {
		if (strcmp(v, "text") == 0)
			r->scope = RULE_SCOPE_TEXT;
		else if (strcmp(v, "ip") == 0)
			r->scope = RULE_SCOPE_IP;
		else
			return -1;
		return 0;
	}
	if (strcmp(kv, "pause") == 0)
		return parse_dur(v, &r->pause);
	if (strcmp(kv, "step") == 0)
		return parse_dur(v, &r->step);
	if (strcmp(kv, "start") == 0)
		return parse_uint(v, &r->start);
	return -1;
}

/* rule PROVIDER CODE PATTERN [scope=text|ip] [pause=D] [start=N] [step=D]
   or rule PROVIDER CODE PATTERN off.  first: put before the others. */
static int
parse_rule(char **tok, size_t n, int first, char *err, size_t errsz)
{
	struct provider_rule	r;
	unsigned		code;
	size_t			i;

	memset(&r, 0, sizeof(r));
	r.start = 1;
	r.step = 300;
	if (n < 4 || find_name(tok[1]) == -1 ||
	    parse_uint(tok[2], &code) == -1 ||
	    !(code == 4 || code == 5 || (code >= 400 && code < 600)) ||
	    util_strlcpy(r.pattern, tok[3], sizeof(r.pattern)) == -1) {
		util_snprintf(err, errsz, "rule: PROVIDER (a known one) CODE "
		    "PATTERN [scope= pause= start= step=] expected");
		return -1;
	}
	util_strlcpy(r.provider, tok[1], sizeof(r.provider));
	r.code = (int)code;
	for (i = 4; i < n; i++)
		if (rule_setting(&r, tok[i]) == -1) {
			util_snprintf(err, errsz, "rule %s %s: bad setting "
			    "%s", tok[1], tok[3], tok[i]);
			return -1;
		}
	if (r.step <= 0)
		r.step = 1;
	if (P.nr == PROVIDER_RULE_MAX) {
		util_snprintf(err, errsz, "too many rules");
		return -1;
	}
	if (first) {
		/* after the operator's earlier rules, before the shipped */
		size_t at = P.nr - P.nshipped_rules;

		memmove(&P.r[at + 1], &P.r[at], P.nshipped_rules *
		    sizeof(P.r[0]));
		P.r[at] = r;
	} else
		P.r[P.nr] = r;
	P.nr++;
	return 0;
}

/* One line, shipped (first = 0) or the operator's (first = 1). */
static int
parse_line(char *line, int first, char *err, size_t errsz)
{
	char	*tok[16], *save = NULL, *t;
	size_t	 n = 0;

	line[strcspn(line, "#")] = '\0';
	for (t = strtok_r(line, " \t\r\n", &save); t != NULL && n < 16;
	    t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	if (n == 0)
		return 0;
	if (t != NULL) {
		util_snprintf(err, errsz, "too many words");
		return -1;
	}
	if (strcmp(tok[0], "provider") == 0)
		return parse_provider(tok, n, err, errsz);
	if (strcmp(tok[0], "rule") == 0)
		return parse_rule(tok, n, first, err, errsz);
	util_snprintf(err, errsz, "unknown line \"%s\" (provider or rule)",
	    tok[0]);
	return -1;
}

int
provider_load(const char *datadir)
{
	char	 path[PATH_MAX], line[1024], err[256];
	FILE	*fp;
	size_t	 i;
	int	 no = 0;

	P.np = P.nr = 0;
	for (i = 0; shipped[i] != NULL; i++) {
		util_strlcpy(line, shipped[i], sizeof(line));
		if (parse_line(line, 0, err, sizeof(err)) == -1) {
			log_warnx("deliver: shipped provider table: %s", err);
			return -1;
		}
	}
	P.nshipped_rules = P.nr;
	if (util_snprintf(path, sizeof(path), "%s/providers.conf",
	    datadir) == -1)
		return -1;
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : (log_warn("deliver: %s", path), -1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		no++;
		if (parse_line(line, 1, err, sizeof(err)) == -1) {
			log_warnx("deliver: %s line %d: %s", path, no, err);
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	log_info("deliver: %s: %zu providers, %zu rules", path, P.np, P.nr);
	return 0;
}

int
provider_find(const char *mxhost)
{
	char	 host[256];
	size_t	 i, k, hl, sl;

	util_strlcpy(host, mxhost, sizeof(host));
	util_lower(host);
	hl = strlen(host);
	if (hl > 0 && host[hl - 1] == '.')
		host[--hl] = '\0';
	for (i = 1; i < P.np; i++)
		for (k = 0; k < P.p[i].nsuffix; k++) {
			sl = strlen(P.p[i].suffix[k]);
			if (hl >= sl && strcmp(host + hl - sl,
			    P.p[i].suffix[k]) == 0 &&
			    (hl == sl || host[hl - sl - 1] == '.'))
				return (int)i;
		}
	return PROVIDER_DEFAULT;
}

const struct provider *
provider_get(int p)
{
	return p >= 0 && (size_t)p < P.np ? &P.p[p] : NULL;
}

size_t
provider_count(void)
{
	return P.np;
}

const struct provider_rule *
provider_rule(size_t i)
{
	return i < P.nr ? &P.r[i] : NULL;
}

size_t
provider_rule_count(void)
{
	return P.nr;
}

const struct provider_rule *
provider_rule_match(int p, int code, const char *enhanced, const char *text)
{
	char	 all[1200];
	size_t	 i;

	if (p < 0 || (size_t)p >= P.np)
		return NULL;
	util_snprintf(all, sizeof(all), "%d %s %s", code, enhanced, text);
	for (i = 0; i < P.nr; i++) {
		const struct provider_rule *r = &P.r[i];

		if (strcmp(r->provider, P.p[p].name) != 0)
			continue;
		if (r->code < 10 ? code / 100 != r->code : code != r->code)
			continue;
		if (strcasestr(all, r->pattern) != NULL)
			return r;
	}
	return NULL;
}

int
provider_room(int p)
{
	int	room;

	if (p <= PROVIDER_DEFAULT || (size_t)p >= P.np)
		return 1;
	pthread_mutex_lock(&P.lock);
	room = P.p[p].max_conn == 0 || P.active[p] < P.p[p].max_conn;
	pthread_mutex_unlock(&P.lock);
	return room;
}

int
provider_conn_take(int p)
{
	int	rc = 0;

	if (p <= PROVIDER_DEFAULT || (size_t)p >= P.np)
		return 0;
	pthread_mutex_lock(&P.lock);
	if (P.p[p].max_conn != 0 && P.active[p] >= P.p[p].max_conn)
		rc = -1;
	else
		P.active[p]++;
	pthread_mutex_unlock(&P.lock);
	return rc;
}

void
provider_conn_drop(int p)
{
	if (p <= PROVIDER_DEFAULT || (size_t)p >= P.np)
		return;
	pthread_mutex_lock(&P.lock);
	if (P.active[p] > 0)
		P.active[p]--;
	pthread_mutex_unlock(&P.lock);
}

/* A fixed window of one minute: simple, and never above the rate. */
int
provider_msg_take(int p)
{
	uint64_t	minute = util_monotonic_ms() / 60000;
	int		ok = 1;

	if (p < 0 || (size_t)p >= P.np || P.p[p].rate == 0)
		return 1;
	pthread_mutex_lock(&P.lock);
	if (P.window[p] != minute) {
		P.window[p] = minute;
		P.sent[p] = 0;
	}
	if (P.sent[p] >= P.p[p].rate)
		ok = 0;
	else
		P.sent[p]++;
	pthread_mutex_unlock(&P.lock);
	return ok;
}
