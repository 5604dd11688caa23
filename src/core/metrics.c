/*
 * metrics: see metrics.h.  One struct metrics_page in a MAP_SHARED |
 * MAP_ANONYMOUS mapping; every field is an atomic 64-bit counter or
 * gauge, added to with relaxed ordering (each counter is independent;
 * a scrape may see one event's counters a moment apart, as Prometheus
 * allows).  Histogram buckets are stored per bucket and summed into the
 * cumulative "le" form when written.
 */
#include <sys/mman.h>

#include <stdatomic.h>
#include <string.h>

#include "core/metrics.h"
#include "core/proc.h"
#include "core/cred_check.h"
#include "lib/util.h"

#define CODE_SLOTS	200	/* reply codes 400-599 */
#define HTTP_SLOTS	500	/* HTTP status 100-599 */
#define PROV_OTHER	METRICS_PROVIDERS_MAX
#define PROV_LOCAL	(METRICS_PROVIDERS_MAX + 1)
#define PROV_SLOTS	(METRICS_PROVIDERS_MAX + 2)	/* + other, local */
#define HINTS		4	/* space, line break, invisible, host */

typedef _Atomic uint64_t counter;

/* Spool commit latency bucket bounds, microseconds (last: +Inf). */
static const uint64_t commit_le[] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000,
};
#define COMMIT_BUCKETS	(sizeof(commit_le) / sizeof(commit_le[0]) + 1)

struct metrics_page {
	counter		conn[METRICS_KINDS];
	counter		sess_end[METRICS_KINDS][MSE_COUNT];
	counter		auth[2][MA_COUNT];		/* smtp, imap */
	counter		hints[HINTS];
	counter		accepted[METRICS_KINDS];
	counter		refused[CODE_SLOTS];
	counter		delivery[PROV_SLOTS][MD_COUNT];
	counter		holds[PROV_SLOTS];
	counter		out_conn[PROV_SLOTS];
	counter		out_tx[PROV_SLOTS];
	counter		pauses;
	counter		warmup_limited;
	counter		dns_fail;
	counter		tls_fail[MT_COUNT];
	counter		commit[COMMIT_BUCKETS];
	counter		commit_us;
	counter		cache[2];			/* miss, hit */
	counter		http[HTTP_SLOTS];
	_Atomic int64_t	queue_messages;
	_Atomic int64_t	queue_oldest;
	_Atomic int64_t	cert_expiry;
	_Atomic int	nprov;
	_Atomic int	ready;
	char		prov[METRICS_PROVIDERS_MAX][32];
};

static struct metrics_page	*M;

static const char *kind_names[METRICS_KINDS] = {
	"submission", "smtps", "mx",
};
static const char *end_names[MSE_COUNT] = {
	"quit", "closed", "timeout", "refused", "tls_failed", "errors",
	"shutdown",
};
static const char *auth_names[MA_COUNT] = {
	"ok", "wrong_password", "unknown_user", "locked", "host_mismatch",
	"store_error", "malformed",
};
static const char *hint_names[HINTS] = {
	"space", "line_break", "invisible", "host",
};
static const char *delivery_names[MD_COUNT] = {
	"delivered", "deferred", "bounced",
};

#define ADD(f, n)	atomic_fetch_add_explicit(&(f), (n), \
			    memory_order_relaxed)
#define GET(f)		atomic_load_explicit(&(f), memory_order_relaxed)

static int	 kind_ok(int);
static int	 prov_slot(int);
static const char *prov_name(int, char *, size_t);
static int	 write_sessions(struct buf *);
static int	 write_auth(struct buf *);
static int	 write_messages(struct buf *);
static int	 write_delivery(struct buf *);
static int	 write_by_provider(struct buf *, const char *, counter *);
static int	 write_misc(struct buf *, int64_t);
static int	 write_commit(struct buf *);

int
metrics_open(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct metrics_page), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(struct metrics_page));
	M = p;
	return 0;
}

int
metrics_on(void)
{
	return M != NULL;
}

static int
kind_ok(int k)
{
	return M != NULL && k >= 0 && k < METRICS_KINDS;
}

static int
prov_slot(int p)
{
	if (p == METRICS_LOCAL)
		return PROV_LOCAL;
	return p >= 0 && p < METRICS_PROVIDERS_MAX ? p : PROV_OTHER;
}

void
metrics_connection(int kind)
{
	if (kind_ok(kind))
		ADD(M->conn[kind], 1);
}

void
metrics_session_end(int kind, enum metrics_session_end e)
{
	if (kind_ok(kind) && e < MSE_COUNT)
		ADD(M->sess_end[kind][e], 1);
}

void
metrics_auth(const char *proto, int result, const char *reason,
    unsigned hints)
{
	enum metrics_auth	a;
	int			p;

	if (M == NULL)
		return;
	p = strcmp(proto, "imap") == 0;
	if (result == AUTH_RES_OK)
		a = MA_OK;
	else if (result == AUTH_RES_LOCKED)
		a = MA_LOCKED;
	else if (result == AUTH_RES_TEMPFAIL)
		a = strncmp(reason, "malformed", 9) == 0 ? MA_MALFORMED :
		    MA_STORE_ERROR;
	else if (strncmp(reason, "unknown user", 12) == 0)
		a = MA_UNKNOWN_USER;
	else if (strncmp(reason, "host mismatch", 13) == 0)
		a = MA_HOST_MISMATCH;
	else
		a = MA_WRONG_PASSWORD;
	ADD(M->auth[p][a], 1);
	if (a == MA_OK)
		return;
	if (hints & CRED_HINT_SPACE)
		ADD(M->hints[0], 1);
	if (hints & CRED_HINT_LINE_BREAK)
		ADD(M->hints[1], 1);
	if (hints & CRED_HINT_INVISIBLE)
		ADD(M->hints[2], 1);
	if (a == MA_HOST_MISMATCH)
		ADD(M->hints[3], 1);
}

void
metrics_accepted(int kind)
{
	if (kind_ok(kind))
		ADD(M->accepted[kind], 1);
}

void
metrics_refused(int code)
{
	if (M != NULL && code >= 400 && code < 400 + CODE_SLOTS)
		ADD(M->refused[code - 400], 1);
}

void
metrics_delivery(int provider, enum metrics_delivery d)
{
	if (M != NULL && d < MD_COUNT)
		ADD(M->delivery[prov_slot(provider)][d], 1);
}

void
metrics_provider_name(int provider, const char *name)
{
	if (M == NULL || provider < 0 || provider >= METRICS_PROVIDERS_MAX)
		return;
	util_strlcpy(M->prov[provider], name, sizeof(M->prov[0]));
	if (atomic_load(&M->nprov) <= provider)
		atomic_store(&M->nprov, provider + 1);
}

void
metrics_hold(int provider)
{
	if (M != NULL)
		ADD(M->holds[prov_slot(provider)], 1);
}

void
metrics_outbound_connection(int provider)
{
	if (M != NULL)
		ADD(M->out_conn[prov_slot(provider)], 1);
}

void
metrics_outbound_transaction(int provider)
{
	if (M != NULL)
		ADD(M->out_tx[prov_slot(provider)], 1);
}

void
metrics_pause(void)
{
	if (M != NULL)
		ADD(M->pauses, 1);
}

void
metrics_warmup_limited(void)
{
	if (M != NULL)
		ADD(M->warmup_limited, 1);
}

void
metrics_dns_failure(void)
{
	if (M != NULL)
		ADD(M->dns_fail, 1);
}

void
metrics_tls_failure(enum metrics_tls t)
{
	if (M != NULL && t < MT_COUNT)
		ADD(M->tls_fail[t], 1);
}

void
metrics_commit(uint64_t us)
{
	size_t	i;

	if (M == NULL)
		return;
	for (i = 0; i < COMMIT_BUCKETS - 1 && us > commit_le[i]; i++)
		;
	ADD(M->commit[i], 1);
	ADD(M->commit_us, us);
}

void
metrics_authcache(int hit)
{
	if (M != NULL)
		ADD(M->cache[hit != 0], 1);
}

void
metrics_http(int status)
{
	if (M != NULL && status >= 100 && status < 100 + HTTP_SLOTS)
		ADD(M->http[status - 100], 1);
}

void
metrics_queue(int64_t messages, int64_t oldest)
{
	if (M == NULL)
		return;
	atomic_store_explicit(&M->queue_messages, messages,
	    memory_order_relaxed);
	atomic_store_explicit(&M->queue_oldest, oldest, memory_order_relaxed);
}

void
metrics_cert_expiry(int64_t t)
{
	if (M != NULL)
		atomic_store_explicit(&M->cert_expiry, t, memory_order_relaxed);
}

int64_t
metrics_cert_get(void)
{
	return M != NULL ? atomic_load(&M->cert_expiry) : 0;
}

void
metrics_queue_get(int64_t *messages, int64_t *oldest)
{
	*messages = M != NULL ? atomic_load(&M->queue_messages) : 0;
	*oldest = M != NULL ? atomic_load(&M->queue_oldest) : 0;
}

void
metrics_set_ready(int on)
{
	if (M != NULL)
		atomic_store(&M->ready, on);
}

int
metrics_ready(void)
{
	return M != NULL && atomic_load(&M->ready);
}

/* A provider's label value: its name, "other" past the slots. */
static const char *
prov_name(int slot, char *out, size_t outsz)
{
	size_t	i;

	if (slot == PROV_LOCAL)
		return "local";
	if (slot >= atomic_load(&M->nprov))
		return "other";
	/* only [a-z0-9_.-]: the name came from providers.conf */
	for (i = 0; i + 1 < outsz && M->prov[slot][i] != '\0'; i++)
		out[i] = (char)((M->prov[slot][i] >= 'a' &&
		    M->prov[slot][i] <= 'z') || (M->prov[slot][i] >= '0' &&
		    M->prov[slot][i] <= '9') || strchr("_.-",
		    M->prov[slot][i]) != NULL ? M->prov[slot][i] : '_');
	out[i] = '\0';
	return out;
}

#define HELP(b, name, type, help) \
	buf_appendf((b), "# HELP postern_" name " " help "\n" \
	    "# TYPE postern_" name " " type "\n")

static int
write_sessions(struct buf *b)
{
	int	k, e, rc = 0;

	rc |= HELP(b, "connections_total", "counter",
	    "Connections accepted, by listener.");
	for (k = 0; k < METRICS_KINDS; k++)
		rc |= buf_appendf(b, "postern_connections_total{listener=\"%s\"}"
		    " %lu\n", kind_names[k], (unsigned long)GET(M->conn[k]));
	rc |= HELP(b, "sessions_total", "counter",
	    "SMTP sessions ended, by listener and how they ended.");
	for (k = 0; k < METRICS_KINDS; k++)
		for (e = 0; e < MSE_COUNT; e++)
			rc |= buf_appendf(b, "postern_sessions_total{listener="
			    "\"%s\",outcome=\"%s\"} %lu\n", kind_names[k],
			    end_names[e], (unsigned long)GET(
			    M->sess_end[k][e]));
	return rc;
}

static int
write_auth(struct buf *b)
{
	int	p, a, rc = 0;

	rc |= HELP(b, "auth_total", "counter",
	    "Logins (SMTP AUTH, IMAP LOGIN), by protocol and result.");
	for (p = 0; p < 2; p++)
		for (a = 0; a < MA_COUNT; a++)
			rc |= buf_appendf(b, "postern_auth_total{protocol="
			    "\"%s\",result=\"%s\"} %lu\n", p ? "imap" : "smtp",
			    auth_names[a], (unsigned long)GET(M->auth[p][a]));
	rc |= HELP(b, "auth_hints_total", "counter",
	    "Failed logins whose credentials showed a likely cause.");
	for (a = 0; a < HINTS; a++)
		rc |= buf_appendf(b, "postern_auth_hints_total{class=\"%s\"} "
		    "%lu\n", hint_names[a], (unsigned long)GET(M->hints[a]));
	rc |= HELP(b, "auth_cache_total", "counter",
	    "Verified-credential cache lookups, by result.");
	rc |= buf_appendf(b, "postern_auth_cache_total{result=\"hit\"} %lu\n"
	    "postern_auth_cache_total{result=\"miss\"} %lu\n",
	    (unsigned long)GET(M->cache[1]), (unsigned long)GET(M->cache[0]));
	return rc;
}

static int
write_messages(struct buf *b)
{
	int	k, rc = 0;

	rc |= HELP(b, "messages_accepted_total", "counter",
	    "Messages acknowledged with 250 after DATA, by listener.");
	for (k = 0; k < METRICS_KINDS; k++)
		rc |= buf_appendf(b, "postern_messages_accepted_total{listener="
		    "\"%s\"} %lu\n", kind_names[k],
		    (unsigned long)GET(M->accepted[k]));
	rc |= HELP(b, "replies_refused_total", "counter",
	    "4xx and 5xx replies to MAIL, RCPT, DATA and end of data, by "
	    "code.");
	for (k = 0; k < CODE_SLOTS; k++)
		if (GET(M->refused[k]) > 0)
			rc |= buf_appendf(b, "postern_replies_refused_total{"
			    "code=\"%d\"} %lu\n", 400 + k,
			    (unsigned long)GET(M->refused[k]));
	return rc;
}

static int
write_delivery(struct buf *b)
{
	char	name[32];
	int	p, d, n = atomic_load(&M->nprov), rc = 0;

	rc |= HELP(b, "deliveries_total", "counter",
	    "Delivery attempts per recipient, by result and destination "
	    "provider.");
	for (p = 0; p < PROV_SLOTS; p++) {
		if (p >= n && p < PROV_OTHER)
			continue;
		for (d = 0; d < MD_COUNT; d++)
			rc |= buf_appendf(b, "postern_deliveries_total{result="
			    "\"%s\",provider=\"%s\"} %lu\n", delivery_names[d],
			    prov_name(p, name, sizeof(name)),
			    (unsigned long)GET(M->delivery[p][d]));
	}
	rc |= HELP(b, "holds_total", "counter",
	    "Provider holds started by a receiver's throttling reply.");
	rc |= write_by_provider(b, "holds_total", M->holds);
	rc |= HELP(b, "outbound_connections_total", "counter",
	    "Outbound SMTP connections made, by provider.");
	rc |= write_by_provider(b, "outbound_connections_total", M->out_conn);
	rc |= HELP(b, "outbound_transactions_total", "counter",
	    "Messages begun on outbound connections (MAIL sent), by "
	    "provider.");
	rc |= write_by_provider(b, "outbound_transactions_total", M->out_tx);
	return rc;
}

/* One sample per named provider, and "other". */
static int
write_by_provider(struct buf *b, const char *family, counter *c)
{
	char	name[32];
	int	p, n = atomic_load(&M->nprov), rc = 0;

	for (p = 0; p <= PROV_OTHER; p++)
		if (p < n || p == PROV_OTHER)
			rc |= buf_appendf(b, "postern_%s{provider=\"%s\"} "
			    "%lu\n", family, prov_name(p, name, sizeof(name)),
			    (unsigned long)GET(c[p]));
	return rc;
}

static int
write_commit(struct buf *b)
{
	uint64_t	cum = 0;
	size_t		i;
	int		rc = 0;

	rc |= HELP(b, "spool_commit_seconds", "histogram",
	    "Time to make an accepted message durable before its 250.");
	for (i = 0; i < COMMIT_BUCKETS; i++) {
		cum += GET(M->commit[i]);
		if (i < COMMIT_BUCKETS - 1)
			rc |= buf_appendf(b, "postern_spool_commit_seconds_bucket"
			    "{le=\"%g\"} %lu\n", (double)commit_le[i] / 1e6,
			    (unsigned long)cum);
		else
			rc |= buf_appendf(b, "postern_spool_commit_seconds_bucket"
			    "{le=\"+Inf\"} %lu\n", (unsigned long)cum);
	}
	rc |= buf_appendf(b, "postern_spool_commit_seconds_sum %.6f\n"
	    "postern_spool_commit_seconds_count %lu\n",
	    (double)GET(M->commit_us) / 1e6, (unsigned long)cum);
	return rc;
}

static int
write_misc(struct buf *b, int64_t now)
{
	int64_t	oldest = atomic_load(&M->queue_oldest);
	int	i, rc = 0;

	rc |= HELP(b, "queue_messages", "gauge", "Messages in the queue.");
	rc |= buf_appendf(b, "postern_queue_messages %ld\n",
	    (long)atomic_load(&M->queue_messages));
	rc |= HELP(b, "tls_certificate_expiry_timestamp_seconds", "gauge",
	    "When the first of the served certificates expires (0: none).");
	rc |= buf_appendf(b, "postern_tls_certificate_expiry_timestamp_seconds "
	    "%ld\n", (long)atomic_load(&M->cert_expiry));
	rc |= HELP(b, "queue_oldest_age_seconds", "gauge",
	    "Age of the oldest message in the queue (0: empty).");
	rc |= buf_appendf(b, "postern_queue_oldest_age_seconds %ld\n",
	    (long)(oldest > 0 && now > oldest ? now - oldest : 0));
	rc |= HELP(b, "mailbox_pauses_total", "counter",
	    "Mailboxes paused by their sending health.");
	rc |= buf_appendf(b, "postern_mailbox_pauses_total %lu\n",
	    (unsigned long)GET(M->pauses));
	rc |= HELP(b, "warmup_limited_total", "counter",
	    "Recipients refused by a warm-up ramp's daily allowance.");
	rc |= buf_appendf(b, "postern_warmup_limited_total %lu\n",
	    (unsigned long)GET(M->warmup_limited));
	rc |= HELP(b, "dns_failures_total", "counter",
	    "DNS lookups for delivery that failed (not \"no such name\").");
	rc |= buf_appendf(b, "postern_dns_failures_total %lu\n",
	    (unsigned long)GET(M->dns_fail));
	rc |= HELP(b, "tls_failures_total", "counter",
	    "TLS handshakes that failed, by direction.");
	rc |= buf_appendf(b, "postern_tls_failures_total{direction="
	    "\"inbound\"} %lu\npostern_tls_failures_total{direction="
	    "\"outbound\"} %lu\n", (unsigned long)GET(M->tls_fail[0]),
	    (unsigned long)GET(M->tls_fail[1]));
	rc |= HELP(b, "http_requests_total", "counter",
	    "Admin HTTP requests answered, by status.");
	for (i = 0; i < HTTP_SLOTS; i++)
		if (GET(M->http[i]) > 0)
			rc |= buf_appendf(b, "postern_http_requests_total{code="
			    "\"%d\"} %lu\n", 100 + i,
			    (unsigned long)GET(M->http[i]));
	return rc;
}

int
metrics_write(struct buf *b, int64_t now)
{
	if (M == NULL)
		return -1;
	if (write_sessions(b) || write_auth(b) || write_messages(b) ||
	    write_delivery(b) || write_commit(b) || write_misc(b, now))
		return -1;
	return 0;
}
