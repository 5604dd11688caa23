/*
 * resolve: see resolve.h.  One c-ares channel per resolver, driven by
 * poll(2) in the calling thread.  resolver_mx() asks for the MX set, then
 * asks AAAA and A of every chosen host at once, and merges the answers.
 *
 * Invariants:
 *  - Every name is checked by name_norm() (at most 253 octets, labels of
 *    1-63 letters, digits, '-' or '_', last label not all digits, so an
 *    unbracketed IP address is never looked up as a name) and lower-cased
 *    before it is queried or copied into a result, so result names and
 *    err are safe to log.
 *  - Queries go through ares_query(), which never applies search domains
 *    or reads /etc/hosts; the channel is also built with no search
 *    domains, lookups "b" and ARES_FLAG_NOALIASES (no HOSTALIASES).
 *  - At most RESOLVE_HOSTS_MAX hosts get address queries, and at most
 *    RESOLVE_ADDRS_MAX addresses of each family are taken from an answer.
 *
 * Verdicts.  "Definitive" answers are NXDOMAIN and NODATA (NOERROR with
 * no record of the type); recursive servers do not set AA, so the AA bit
 * is not consulted.  A bounce status (NULLMX, NXDOMAIN, NOHOST) is given
 * only when every answer it rests on was definitive; any SERVFAIL,
 * REFUSED, timeout or unreachable server makes it TEMPFAIL.  Hosts that
 * fail while others have addresses are dropped and named in err, and the
 * result is OK: RFC 5321 §5.1 lets the client go on to the next MX.
 *
 * Choices:
 *  - Null MX (RFC 7505): the MX set is only "." records.  A "." mixed
 *    with real hosts (which §3 forbids) is ignored.  The preference of
 *    the "." record is not checked: "." can never be a host anyway.
 *  - Addresses: IPv6 before IPv4 (family_pref 0).  When both families
 *    do not fit, each gets at least half of RESOLVE_ADDRS_MAX.
 *  - With one explicit server, ARES_FLAG_NOCHECKRESP is set so that
 *    SERVFAIL and REFUSED reach us as such (c-ares 1.18 reports them as
 *    ECONNREFUSED after trying all servers otherwise).  With the system
 *    configuration c-ares keeps failing over between servers instead.
 *
 * Failure: resolver_new() NULL with err; lookups -1 on ENOMEM, a bad
 * family_pref (EINVAL) or a poll(2) error; otherwise a status.  err is
 * for people and may be truncated at 255 bytes.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <ares.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/metrics.h"
#include "lib/util.h"
#include "queue/resolve.h"
#include "queue/resolve_int.h"

#define NAME_TEXT_MAX		253	/* no trailing dot */
#define LABEL_MAX		63
#define DEFAULT_TIMEOUT_MS	5000
#define DEFAULT_TRIES		2
#define TIMEOUT_MS_MAX		600000
#define TRIES_MAX		10
#define NOT_ASKED		(-1)	/* addr_query.code: no query sent */

enum kind {
	K_OK,
	K_NODATA,
	K_NXDOMAIN,
	K_TEMP,
	K_NOMEM,
};

struct addr_query {			/* one A or AAAA query */
	struct resolver	*r;
	int		 family;
	int		 code;		/* ARES_*, or NOT_ASKED */
	size_t		 n;
	unsigned char	 raw[RESOLVE_ADDRS_MAX][16];
};

struct host_lookup {
	char			name[NAME_TEXT_MAX + 1];
	uint16_t		pref;
	struct addr_query	q6;
	struct addr_query	q4;
};

struct mx_query {
	struct resolver		*r;
	int			 code;
	struct ares_mx_reply	*mx;	/* on ARES_SUCCESS, at least one */
};

struct mx_cand {
	const char	*host;
	uint16_t	 pref;
	uint64_t	 key;		/* random order among equal prefs */
};

static const struct {
	int		 code;
	enum kind	 kind;
	const char	*text;
} codes[] = {
	{ ARES_SUCCESS,		K_OK,		"ok" },
	{ ARES_ENODATA,		K_NODATA,	"NODATA" },
	{ ARES_ENOTFOUND,	K_NXDOMAIN,	"NXDOMAIN" },
	{ ARES_ESERVFAIL,	K_TEMP,		"SERVFAIL" },
	{ ARES_EREFUSED,	K_TEMP,		"REFUSED" },
	{ ARES_ETIMEOUT,	K_TEMP,		"timeout" },
	{ ARES_ECONNREFUSED,	K_TEMP,		"no answer (server failed, "
						"refused or unreachable)" },
	{ ARES_EFORMERR,	K_TEMP,		"FORMERR" },
	{ ARES_ENOTIMP,		K_TEMP,		"NOTIMP" },
	{ ARES_EBADRESP,	K_TEMP,		"bad response" },
	{ ARES_ENOMEM,		K_NOMEM,	"out of memory" },
};

static pthread_once_t	lib_once = PTHREAD_ONCE_INIT;
static int		lib_rc = ARES_ENOTINITIALIZED;
static char		lookups_b[] = "b";	/* DNS only, never a file */

static void	lib_init(void);
static int	server_parse(const char *, struct ares_addr_port_node *);
static int	port_parse(const char *, uint16_t *);
static enum kind code_kind(int);
static const char *code_text(int);
static int	name_norm(const char *, char *);
static int	literal_parse(const char *, int, int *, unsigned char *);
static int	family_ok(int, int);
static void	set_addr(struct resolve_host *, size_t, int,
		    const unsigned char *, uint16_t);
static void	err_add(struct resolve_result *, const char *, const char *);
static void	result_init(struct resolve_result *);
static int	literal_result(const char *, int, const unsigned char *,
		    uint16_t, int, struct resolve_result *);
static void	mx_cb(void *, int, int, unsigned char *, int);
static void	addr_cb(void *, int, int, unsigned char *, int);
static void	addr_ask(struct resolver *, struct host_lookup *, int);
static int	cand_cmp(const void *, const void *);
static int	mx_pick(struct mx_query *, struct host_lookup *, size_t *,
		    struct resolve_result *, const char *);
static enum kind host_kind(const struct host_lookup *, int *);
static int	addr_seen(const struct resolve_result *, size_t, int,
		    const unsigned char *);
static size_t	addr_unique(const struct resolve_result *,
		    const struct addr_query *, const unsigned char **);
static void	host_merge(struct resolve_result *, const struct host_lookup *,
		    uint16_t);
static void	hosts_finish(struct resolve_result *, struct host_lookup *,
		    size_t, uint16_t, int);
static int	lookup_hosts(struct resolver *, struct host_lookup *, size_t,
		    int, uint16_t, int, struct resolve_result *);

static void
lib_init(void)
{
	lib_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

/* "ADDR", "ADDR:PORT", "V6", "[V6]" or "[V6]:PORT"; numeric only. */
static int
server_parse(const char *s, struct ares_addr_port_node *n)
{
	char		 host[INET6_ADDRSTRLEN];
	const char	*start = s, *end, *port = NULL;
	uint16_t	 portnum = NS_DEFAULTPORT;
	int		 bracket = 0;

	memset(n, 0, sizeof(*n));
	if (s[0] == '[') {
		bracket = 1;
		start = s + 1;
		if ((end = strchr(start, ']')) == NULL)
			return -1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else if ((end = strchr(s, ':')) != NULL &&
	    strchr(end + 1, ':') == NULL)
		port = end + 1;		/* one colon: ADDR:PORT */
	else
		end = s + strlen(s);	/* ADDR or bare V6 */
	if (end == start || (size_t)(end - start) >= sizeof(host))
		return -1;
	memcpy(host, start, end - start);
	host[end - start] = '\0';
	if (!bracket && inet_pton(AF_INET, host, &n->addr.addr4) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &n->addr.addr6) == 1)
		n->family = AF_INET6;
	else
		return -1;
	if (port != NULL && port_parse(port, &portnum) == -1)
		return -1;
	n->udp_port = n->tcp_port = portnum;
	return 0;
}

static int
port_parse(const char *s, uint16_t *port)
{
	unsigned long	v = 0;
	size_t		i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static enum kind
code_kind(int code)
{
	size_t	i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].kind;
	return K_TEMP;
}

static const char *
code_text(int code)
{
	size_t	i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].text;
	return ares_strerror(code);
}

/*
 * Check a DNS name and copy it lower-cased, without a trailing dot, into
 * out (NAME_TEXT_MAX + 1 bytes).  -1 if it is no usable host name.
 */
static int
name_norm(const char *in, char *out)
{
	size_t	len, i, label = 0;
	int	digits = 1;
	char	c;

	len = strnlen(in, NAME_TEXT_MAX + 2);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > NAME_TEXT_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
			digits = 1;
			out[i] = c;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return -1;
		if (c < '0' || c > '9')
			digits = 0;
		if (++label > LABEL_MAX)
			return -1;
		out[i] = c;
	}
	if (label == 0 || digits)
		return -1;
	out[len] = '\0';
	return 0;
}

/*
 * An address literal: "[1.2.3.4]", "[IPv6:...]" (RFC 5321 §4.1.3) and,
 * when loose, also "[V6]", "1.2.3.4" and "V6".  1 with the address in
 * raw (16 bytes) and its family in *af; 0 if s is no literal (a name);
 * -1 if it is a malformed one.
 */
static int
literal_parse(const char *s, int loose, int *af, unsigned char *raw)
{
	char	inner[INET6_ADDRSTRLEN + 8];
	size_t	len;

	if (s[0] != '[') {
		if (!loose)
			return 0;
		if (inet_pton(AF_INET, s, raw) == 1)
			*af = AF_INET;
		else if (inet_pton(AF_INET6, s, raw) == 1)
			*af = AF_INET6;
		else
			return 0;
		return 1;
	}
	len = strnlen(s, sizeof(inner) + 2);
	if (len < 3 || len - 2 >= sizeof(inner) || s[len - 1] != ']')
		return -1;
	memcpy(inner, s + 1, len - 2);
	inner[len - 2] = '\0';
	if (strncasecmp(inner, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, inner + 5, raw) != 1)
			return -1;
		*af = AF_INET6;
	} else if (inet_pton(AF_INET, inner, raw) == 1)
		*af = AF_INET;
	else if (loose && inet_pton(AF_INET6, inner, raw) == 1)
		*af = AF_INET6;
	else
		return -1;
	return 1;
}

static int
family_ok(int family_pref, int af)
{
	return family_pref == 0 ||
	    (family_pref == 4 && af == AF_INET) ||
	    (family_pref == 6 && af == AF_INET6);
}

static void
set_addr(struct resolve_host *h, size_t i, int af, const unsigned char *raw,
    uint16_t port)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(&h->addr[i], 0, sizeof(h->addr[i]));
	if (af == AF_INET) {
		sin = (struct sockaddr_in *)&h->addr[i];
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, raw, 4);
		h->addrlen[i] = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&h->addr[i];
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, raw, 16);
		h->addrlen[i] = sizeof(*sin6);
	}
}

/* Append "name: text" to err; a full err is left truncated on purpose. */
static void
err_add(struct resolve_result *res, const char *name, const char *text)
{
	size_t	len = strlen(res->err);

	(void)util_snprintf(res->err + len, sizeof(res->err) - len, "%s%s: %s",
	    len > 0 ? "; " : "", name, text);
}

static void
result_init(struct resolve_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = RESOLVE_TEMPFAIL;
}

static int
literal_result(const char *name, int af, const unsigned char *raw,
    uint16_t port, int family_pref, struct resolve_result *res)
{
	struct resolve_host	*h = &res->host[0];

	if (util_strlcpy(h->name, name, sizeof(h->name)) == -1) {
		res->status = RESOLVE_NXDOMAIN;
		err_add(res, "address literal", "too long");
		return 0;
	}
	if (!family_ok(family_pref, af)) {
		res->status = RESOLVE_NOHOST;
		err_add(res, h->name, af == AF_INET ?
		    "IPv4 address, but only IPv6 is used" :
		    "IPv6 address, but only IPv4 is used");
		return 0;
	}
	set_addr(h, 0, af, raw, port);
	h->naddr = 1;
	res->nhost = 1;
	res->status = RESOLVE_OK;
	return 0;
}

struct resolver *
resolver_new(const char *server, unsigned timeout_ms, unsigned tries,
    char *err, size_t errsz)
{
	struct ares_addr_port_node	 node;
	struct ares_options		 opts;
	struct resolver			*r;
	int				 single, mask, rc;

	pthread_once(&lib_once, lib_init);
	if (lib_rc != ARES_SUCCESS) {
		util_snprintf(err, errsz, "c-ares: %s", ares_strerror(lib_rc));
		return NULL;
	}
	single = server != NULL && server[0] != '\0';
	if (single && server_parse(server, &node) == -1) {
		util_snprintf(err, errsz, "bad DNS server address (want ADDR, "
		    "ADDR:PORT or [IPV6]:PORT)");
		return NULL;
	}
	if (timeout_ms > TIMEOUT_MS_MAX || tries > TRIES_MAX) {
		util_snprintf(err, errsz, "DNS timeout or tries too large");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		util_snprintf(err, errsz, "out of memory");
		return NULL;
	}
	memset(&opts, 0, sizeof(opts));
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
	    (single ? ARES_FLAG_NOCHECKRESP : 0);
	opts.timeout = timeout_ms ? (int)timeout_ms : DEFAULT_TIMEOUT_MS;
	opts.tries = tries ? (int)tries : DEFAULT_TRIES;
	opts.lookups = lookups_b;
	opts.domains = NULL;
	opts.ndomains = 0;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS;
	if ((rc = ares_init_options(&r->chan, &opts, mask)) != ARES_SUCCESS) {
		util_snprintf(err, errsz, "c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (single && (rc = ares_set_servers_ports(r->chan, &node)) !=
	    ARES_SUCCESS) {
		util_snprintf(err, errsz, "c-ares: %s", ares_strerror(rc));
		resolver_free(r);
		return NULL;
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ares_destroy(r->chan);
	free(r);
}

int
resolve_drive(struct resolver *r)
{
	ares_socket_t	 socks[ARES_GETSOCK_MAXNUM];
	struct pollfd	 pfd[ARES_GETSOCK_MAXNUM];
	struct timeval	 tv, *tvp;
	long long	 ms;
	unsigned	 bits, rd, wr;
	int		 i, n, rc;

	while (r->pending > 0) {
		/*
		 * Not ARES_GETSOCK_WRITABLE(): for the 16th socket it
		 * shifts a signed 1 into the sign bit (undefined).
		 */
		bits = (unsigned)ares_getsock(r->chan, socks,
		    ARES_GETSOCK_MAXNUM);
		for (i = n = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			rd = bits & (1u << i);
			wr = bits & (1u << (i + ARES_GETSOCK_MAXNUM));
			if (!rd && !wr)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = (rd ? POLLIN : 0) | (wr ? POLLOUT : 0);
			pfd[n++].revents = 0;
		}
		tvp = ares_timeout(r->chan, NULL, &tv);
		if (n == 0 && tvp == NULL)
			goto fail;	/* queries but nothing to wait for */
		ms = tvp == NULL ? -1 : (long long)tvp->tv_sec * 1000 +
		    (tvp->tv_usec + 999) / 1000;
		rc = poll(pfd, (nfds_t)n, ms > INT_MAX ? INT_MAX : (int)ms);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1)
			goto fail;
		if (rc == 0) {
			ares_process_fd(r->chan, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				ares_process_fd(r->chan,
				    pfd[i].revents & (POLLIN | POLLERR |
				    POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
				    pfd[i].revents & POLLOUT ? pfd[i].fd :
				    ARES_SOCKET_BAD);
	}
	return 0;
fail:
	ares_cancel(r->chan);	/* calls every callback: pending drops to 0 */
	return -1;
}

static void
mx_cb(void *arg, int code, int timeouts, unsigned char *abuf, int alen)
{
	struct mx_query	*q = arg;

	q->r->pending--;
	if (code == ARES_SUCCESS) {
		code = ares_parse_mx_reply(abuf, alen, &q->mx);
		if (code == ARES_SUCCESS && q->mx == NULL)
			code = ARES_ENODATA;	/* e.g. only a CNAME */
	}
	q->code = code;
}

static void
addr_cb(void *arg, int code, int timeouts, unsigned char *abuf, int alen)
{
	struct addr_query	*q = arg;
	struct ares_addrttl	 a4[RESOLVE_ADDRS_MAX];
	struct ares_addr6ttl	 a6[RESOLVE_ADDRS_MAX];
	int			 n = RESOLVE_ADDRS_MAX, i;

	q->r->pending--;
	if (code == ARES_SUCCESS && q->family == AF_INET)
		code = ares_parse_a_reply(abuf, alen, NULL, a4, &n);
	else if (code == ARES_SUCCESS)
		code = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n);
	if (code == ARES_SUCCESS && n <= 0)
		code = ARES_ENODATA;
	q->code = code;
	if (code != ARES_SUCCESS)
		return;
	for (i = 0; i < n && i < RESOLVE_ADDRS_MAX; i++) {
		if (q->family == AF_INET)
			memcpy(q->raw[i], &a4[i].ipaddr, 4);
		else
			memcpy(q->raw[i], &a6[i].ip6addr, 16);
	}
	q->n = (size_t)i;
}

static void
addr_ask(struct resolver *r, struct host_lookup *hl, int family_pref)
{
	hl->q6.r = hl->q4.r = r;
	hl->q6.family = AF_INET6;
	hl->q4.family = AF_INET;
	hl->q6.code = hl->q4.code = NOT_ASKED;
	if (family_pref != 4) {
		r->pending++;
		ares_query(r->chan, hl->name, C_IN, T_AAAA, addr_cb, &hl->q6);
	}
	if (family_pref != 6) {
		r->pending++;
		ares_query(r->chan, hl->name, C_IN, T_A, addr_cb, &hl->q4);
	}
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct mx_cand	*x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return 0;
}

/*
 * From the MX set, the hosts to look up: sorted, shuffled, without
 * duplicates, at most RESOLVE_HOSTS_MAX.  Sets res->status and returns
 * 0 when no host is left (null MX, no valid name); -1 on ENOMEM.
 */
static int
mx_pick(struct mx_query *q, struct host_lookup *hl, size_t *nhl,
    struct resolve_result *res, const char *domain)
{
	struct ares_mx_reply	*m;
	struct mx_cand		*c;
	size_t			 n = 0, ndot = 0, nbad = 0, i, j;

	for (m = q->mx; m != NULL; m = m->next)
		n++;
	if ((c = calloc(n, sizeof(*c))) == NULL)
		return -1;
	for (n = 0, m = q->mx; m != NULL; m = m->next) {
		if (m->host[0] == '\0' || strcmp(m->host, ".") == 0) {
			ndot++;
			continue;
		}
		c[n].host = m->host;
		c[n].pref = m->priority;
		c[n++].key = util_random_u64();
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	*nhl = 0;
	for (i = 0; i < n && *nhl < RESOLVE_HOSTS_MAX; i++) {
		if (name_norm(c[i].host, hl[*nhl].name) == -1) {
			nbad++;
			continue;
		}
		for (j = 0; j < *nhl; j++)
			if (strcmp(hl[j].name, hl[*nhl].name) == 0)
				break;
		if (j < *nhl)
			continue;	/* duplicate: the lower pref stays */
		hl[(*nhl)++].pref = c[i].pref;
	}
	free(c);
	if (nbad > 0)
		err_add(res, domain, "MX host with a malformed name ignored");
	if (*nhl == 0 && n == 0 && ndot > 0) {
		res->status = RESOLVE_NULLMX;
		err_add(res, domain, "null MX: accepts no mail (RFC 7505)");
	} else if (*nhl == 0) {
		res->status = RESOLVE_NOHOST;
		err_add(res, domain, "no valid MX host");
	}
	return 0;
}

/* The verdict on one host without addresses; *code the worst answer. */
static enum kind
host_kind(const struct host_lookup *hl, int *code)
{
	const struct addr_query	*q[2] = { &hl->q6, &hl->q4 };
	enum kind		 k = K_NXDOMAIN, qk;
	size_t			 i;

	*code = ARES_ENOTFOUND;
	for (i = 0; i < 2; i++) {
		if (q[i]->code == NOT_ASKED)
			continue;
		qk = code_kind(q[i]->code);
		if (qk == K_NOMEM || qk == K_TEMP) {
			*code = q[i]->code;
			return qk;
		}
		if (qk != K_NXDOMAIN && k == K_NXDOMAIN) {
			k = K_NODATA;
			*code = q[i]->code;
		}
	}
	return k;
}

/* Is this address already in one of the first nhost hosts? */
static int
addr_seen(const struct resolve_result *res, size_t nhost, int af,
    const unsigned char *raw)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	size_t				 h, i;

	for (h = 0; h < nhost && h < RESOLVE_HOSTS_MAX; h++) {
		for (i = 0; i < res->host[h].naddr; i++) {
			if (res->host[h].addr[i].ss_family != af)
				continue;
			sin = (const struct sockaddr_in *)&res->host[h].addr[i];
			sin6 = (const struct sockaddr_in6 *)
			    &res->host[h].addr[i];
			if (af == AF_INET ?
			    memcmp(&sin->sin_addr, raw, 4) == 0 :
			    memcmp(&sin6->sin6_addr, raw, 16) == 0)
				return 1;
		}
	}
	return 0;
}

/* The addresses of q not yet in the result, into out. */
static size_t
addr_unique(const struct resolve_result *res, const struct addr_query *q,
    const unsigned char **out)
{
	size_t	i, j, n = 0;

	if (q->code != ARES_SUCCESS)
		return 0;
	for (i = 0; i < q->n; i++) {
		if (addr_seen(res, res->nhost, q->family, q->raw[i]))
			continue;
		for (j = 0; j < n; j++)
			if (memcmp(out[j], q->raw[i],
			    q->family == AF_INET ? 4 : 16) == 0)
				break;
		if (j == n)
			out[n++] = q->raw[i];
	}
	return n;
}

/* Add hl to the result if it brings an address not already there. */
static void
host_merge(struct resolve_result *res, const struct host_lookup *hl,
    uint16_t port)
{
	const unsigned char	*v6[RESOLVE_ADDRS_MAX], *v4[RESOLVE_ADDRS_MAX];
	struct resolve_host	*h = &res->host[res->nhost];
	size_t			 n6, n4, k6, k4, i;

	n6 = addr_unique(res, &hl->q6, v6);
	n4 = addr_unique(res, &hl->q4, v4);
	if (n6 + n4 == 0)
		return;
	k4 = n4 < RESOLVE_ADDRS_MAX / 2 ? n4 : RESOLVE_ADDRS_MAX / 2;
	k6 = n6 < RESOLVE_ADDRS_MAX - k4 ? n6 : RESOLVE_ADDRS_MAX - k4;
	k4 = n4 < RESOLVE_ADDRS_MAX - k6 ? n4 : RESOLVE_ADDRS_MAX - k6;
	memset(h, 0, sizeof(*h));
	memcpy(h->name, hl->name, sizeof(hl->name));
	h->pref = hl->pref;
	for (i = 0; i < k6; i++)
		set_addr(h, h->naddr++, AF_INET6, v6[i], port);
	for (i = 0; i < k4; i++)
		set_addr(h, h->naddr++, AF_INET, v4[i], port);
	res->nhost++;
}

/* Merge every looked-up host and set the status from what was found. */
static void
hosts_finish(struct resolve_result *res, struct host_lookup *hl, size_t n,
    uint16_t port, int host_mode)
{
	size_t		i;
	int		code, temp = 0, nx = 1;
	enum kind	k;
	char		text[64];

	for (i = 0; i < n; i++) {
		if (hl[i].q6.code == ARES_SUCCESS ||
		    hl[i].q4.code == ARES_SUCCESS) {
			host_merge(res, &hl[i], port);
			continue;
		}
		k = host_kind(&hl[i], &code);
		temp |= k == K_TEMP;
		nx &= k == K_NXDOMAIN;
		if (k == K_TEMP)
			err_add(res, hl[i].name, code_text(code));
		else {
			(void)util_snprintf(text, sizeof(text),
			    "no address (%s)", code_text(code));
			err_add(res, hl[i].name, text);
		}
	}
	if (res->nhost > 0)
		res->status = RESOLVE_OK;
	else if (temp) {
		res->status = RESOLVE_TEMPFAIL;
		metrics_dns_failure();
	}
	else if (nx && n == 1 && host_mode)
		res->status = RESOLVE_NXDOMAIN;	/* the relay host is gone */
	else
		res->status = RESOLVE_NOHOST;
}

/* host_mode: one relay host, whose NXDOMAIN is the verdict. */
static int
lookup_hosts(struct resolver *r, struct host_lookup *hl, size_t n,
    int family_pref, uint16_t port, int host_mode, struct resolve_result *res)
{
	size_t	i;

	for (i = 0; i < n; i++)
		addr_ask(r, &hl[i], family_pref);
	if (resolve_drive(r) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (hl[i].q6.code == ARES_ENOMEM ||
		    hl[i].q4.code == ARES_ENOMEM) {
			errno = ENOMEM;
			return -1;
		}
	hosts_finish(res, hl, n, port, host_mode);
	return 0;
}

int
resolver_mx(struct resolver *r, const char *domain, uint16_t port,
    int family_pref, struct resolve_result *res)
{
	struct host_lookup	*hl = NULL;
	struct mx_query		 q;
	char			 dom[NAME_TEXT_MAX + 1];
	unsigned char		 raw[16];
	size_t			 nhl = 0;
	int			 af, lit, rc = -1;

	result_init(res);
	memset(&q, 0, sizeof(q));
	q.r = r;
	if (family_pref != 0 && family_pref != 4 && family_pref != 6) {
		err_add(res, "resolver", "family_pref must be 0, 4 or 6");
		errno = EINVAL;
		return -1;
	}
	if ((lit = literal_parse(domain, 0, &af, raw)) == 1)
		return literal_result(domain, af, raw, port, family_pref, res);
	if ((hl = calloc(RESOLVE_HOSTS_MAX, sizeof(*hl))) == NULL)
		return -1;
	if (lit == -1 || name_norm(domain, dom) == -1) {
		res->status = RESOLVE_NXDOMAIN;
		err_add(res, lit == -1 ? "address literal" : "domain",
		    "malformed");
		rc = 0;
		goto done;
	}
	r->pending++;
	ares_query(r->chan, dom, C_IN, T_MX, mx_cb, &q);
	if (resolve_drive(r) == -1)
		goto done;
	switch (code_kind(q.code)) {
	case K_OK:
		if (mx_pick(&q, hl, &nhl, res, dom) == -1)
			goto done;
		break;
	case K_NODATA:
		res->implicit = 1;	/* RFC 5321 §5.1: the domain itself */
		memcpy(hl[0].name, dom, sizeof(dom));
		nhl = 1;
		break;
	case K_NXDOMAIN:
		res->status = RESOLVE_NXDOMAIN;
		err_add(res, dom, code_text(q.code));
		rc = 0;
		goto done;
	case K_TEMP:
		res->status = RESOLVE_TEMPFAIL;
		metrics_dns_failure();
		err_add(res, dom, code_text(q.code));
		rc = 0;
		goto done;
	case K_NOMEM:
		errno = ENOMEM;
		goto done;
	}
	rc = nhl == 0 ? 0 :
	    lookup_hosts(r, hl, nhl, family_pref, port, 0, res);
done:
	if (q.mx != NULL)
		ares_free_data(q.mx);
	free(hl);
	return rc;
}

int
resolver_host(struct resolver *r, const char *host, uint16_t port,
    int family_pref, struct resolve_result *res)
{
	struct host_lookup	*hl;
	unsigned char		 raw[16];
	int			 af, lit, rc;

	result_init(res);
	if (family_pref != 0 && family_pref != 4 && family_pref != 6) {
		err_add(res, "resolver", "family_pref must be 0, 4 or 6");
		errno = EINVAL;
		return -1;
	}
	if ((lit = literal_parse(host, 1, &af, raw)) == 1)
		return literal_result(host, af, raw, port, family_pref, res);
	if ((hl = calloc(1, sizeof(*hl))) == NULL)
		return -1;
	if (lit == -1 || name_norm(host, hl->name) == -1) {
		res->status = RESOLVE_NXDOMAIN;
		err_add(res, lit == -1 ? "address literal" : "host name",
		    "malformed");
		rc = 0;
	} else
		rc = lookup_hosts(r, hl, 1, family_pref, port, 1, res);
	free(hl);
	return rc;
}
