/*
 * resolve: see resolve.h.  Each query copies its answer out of the
 * c-ares callback and is parsed with c-ares' own parsers; every count is
 * bounded by RESOLVE_HOSTS_MAX / RESOLVE_ADDRS_MAX and names are checked
 * before they are asked for or copied.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "util.h"

struct resolver {
	ares_channel	ch;
};

struct answer {
	int		 done;
	int		 status;	/* ARES_* */
	unsigned char	*buf;
	int		 len;
};

enum rq { RQ_OK, RQ_NONE, RQ_NX, RQ_TEMP };	/* one query's verdict */

static pthread_once_t	resolve_once = PTHREAD_ONCE_INIT;
static int		resolve_lib_ok;

static void
resolve_lib_init(void)
{
	resolve_lib_ok = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS;
}

struct resolver *
resolver_new(const char *server, unsigned timeout_ms, unsigned tries,
    char *err, size_t errsz)
{
	struct ares_options	 o;
	struct resolver		*r;
	int			 rc;

	pthread_once(&resolve_once, resolve_lib_init);
	if (!resolve_lib_ok) {
		snprintf(err, errsz, "c-ares: library initialisation failed");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.timeout = (int)timeout_ms;
	o.tries = (int)(tries ? tries : 1);
	o.lookups = (char *)"b";	/* DNS only, never /etc/hosts */
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	rc = ares_init_options(&r->ch, &o, ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES | ARES_OPT_LOOKUPS | ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errsz, "c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (server != NULL && *server != '\0' &&
	    (rc = ares_set_servers_ports_csv(r->ch, server)) != ARES_SUCCESS) {
		snprintf(err, errsz, "dns_server %s: %s", server,
		    ares_strerror(rc));
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
	ares_destroy(r->ch);
	free(r);
}

static void
answer_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct answer	*a = arg;

	a->done = 1;
	a->status = status;
	if (status == ARES_SUCCESS && abuf != NULL && alen > 0 &&
	    (a->buf = malloc((size_t)alen)) != NULL) {
		memcpy(a->buf, abuf, (size_t)alen);
		a->len = alen;
	}
}

/* Drive the channel until the query is answered (c-ares times out). */
static void
resolve_wait(struct resolver *r, struct answer *a)
{
	ares_socket_t	 socks[ARES_GETSOCK_MAXNUM];
	struct pollfd	 pfd[ARES_GETSOCK_MAXNUM];
	struct timeval	 tv, *tvp;
	unsigned	 bits, rd, wr;
	int		 n, i, ms;

	while (!a->done) {
		/* the ARES_GETSOCK_* macros shift a signed 1 into bit 31 */
		bits = (unsigned)ares_getsock(r->ch, socks,
		    ARES_GETSOCK_MAXNUM);
		for (n = i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			rd = bits & (1u << i);
			wr = bits & (1u << (i + ARES_GETSOCK_MAXNUM));
			if (!rd && !wr)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = (rd ? POLLIN : 0) | (wr ? POLLOUT : 0);
			pfd[n++].revents = 0;
		}
		tvp = ares_timeout(r->ch, NULL, &tv);
		ms = tvp ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) :
		    1000;
		if (poll(pfd, (nfds_t)n, ms) <= 0) {
			ares_process_fd(r->ch, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < n; i++)
			ares_process_fd(r->ch, pfd[i].revents &
			    (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd :
			    ARES_SOCKET_BAD, pfd[i].revents & POLLOUT ?
			    pfd[i].fd : ARES_SOCKET_BAD);
	}
}

static enum rq
rq_of(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return RQ_OK;
	case ARES_ENODATA:
		return RQ_NONE;
	case ARES_ENOTFOUND:
		return RQ_NX;
	default:
		return RQ_TEMP;
	}
}

static enum rq
resolve_query(struct resolver *r, const char *name, int type,
    struct answer *a)
{
	memset(a, 0, sizeof(*a));
	ares_query(r->ch, name, ns_c_in, type, answer_cb, a);
	resolve_wait(r, a);
	if (a->status == ARES_SUCCESS && a->buf == NULL)
		a->status = ARES_ENOMEM;
	return rq_of(a->status);
}

/* Letters, digits, '-', '_' and dots; 1..253 octets; no empty label. */
static int
name_ok(const char *s)
{
	size_t	len = strlen(s);

	return len > 0 && len <= 253 && strstr(s, "..") == NULL &&
	    s[0] != '.' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

static void
add_addr(struct resolve_host *h, int family, const void *ip, uint16_t port)
{
	struct sockaddr_in	*s4;
	struct sockaddr_in6	*s6;

	if (h->naddr >= RESOLVE_ADDRS_MAX)
		return;
	memset(&h->addr[h->naddr], 0, sizeof(h->addr[0]));
	if (family == AF_INET) {
		s4 = (struct sockaddr_in *)&h->addr[h->naddr];
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip, sizeof(s4->sin_addr));
		h->addrlen[h->naddr++] = sizeof(*s4);
	} else {
		s6 = (struct sockaddr_in6 *)&h->addr[h->naddr];
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip, sizeof(s6->sin6_addr));
		h->addrlen[h->naddr++] = sizeof(*s6);
	}
}

/* One address family of a host.  The verdict of that query. */
static enum rq
host_family(struct resolver *r, struct resolve_host *h, int type,
    uint16_t port)
{
	struct ares_addrttl	v4[RESOLVE_ADDRS_MAX];
	struct ares_addr6ttl	v6[RESOLVE_ADDRS_MAX];
	struct answer		a;
	enum rq			q;
	int			n = RESOLVE_ADDRS_MAX, i, rc;

	if ((q = resolve_query(r, h->name, type, &a)) != RQ_OK)
		return q;
	if (type == ns_t_a)
		rc = ares_parse_a_reply(a.buf, a.len, NULL, v4, &n);
	else
		rc = ares_parse_aaaa_reply(a.buf, a.len, NULL, v6, &n);
	free(a.buf);
	if (rc != ARES_SUCCESS)
		return rq_of(rc);
	for (i = 0; i < n; i++)
		add_addr(h, type == ns_t_a ? AF_INET : AF_INET6,
		    type == ns_t_a ? (const void *)&v4[i].ipaddr :
		    (const void *)&v6[i].ip6addr, port);
	return RQ_OK;
}

/* A and/or AAAA of h->name: RQ_OK with addresses, else why not. */
static enum rq
host_addrs(struct resolver *r, struct resolve_host *h, uint16_t port,
    int family_pref)
{
	enum rq	q6 = RQ_NONE, q4 = RQ_NONE;

	h->naddr = 0;
	if (family_pref != 4)
		q6 = host_family(r, h, ns_t_aaaa, port);
	if (family_pref != 6)
		q4 = host_family(r, h, ns_t_a, port);
	if (h->naddr > 0)
		return RQ_OK;
	if (q6 == RQ_TEMP || q4 == RQ_TEMP)
		return RQ_TEMP;
	return q6 == RQ_NX || q4 == RQ_NX ? RQ_NX : RQ_NONE;
}

/* "[1.2.3.4]", "[IPv6:::1]", or a bare numeric address. */
static int
literal(const char *s, uint16_t port, struct resolve_host *h)
{
	char		buf[64];
	const char	*p = s;
	size_t		len = strlen(s);
	unsigned char	ip[16];

	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']' || len - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		p = buf;
		if (strncasecmp(p, "IPv6:", 5) == 0)
			p += 5;
	}
	memset(h, 0, sizeof(*h));
	util_strlcpy(h->name, s, sizeof(h->name));
	if (inet_pton(AF_INET, p, ip) == 1)
		add_addr(h, AF_INET, ip, port);
	else if (inet_pton(AF_INET6, p, ip) == 1)
		add_addr(h, AF_INET6, ip, port);
	return h->naddr > 0;
}

static void
fail(struct resolve_result *res, enum resolve_status st, const char *name,
    const char *why)
{
	res->status = st;
	(void)util_snprintf(res->err, sizeof(res->err), "%s: %s", name, why);
}

static int
mx_cmp(const void *a, const void *b)
{
	const struct ares_mx_reply *const *x = a, *const *y = b;

	return (int)(*x)->priority - (int)(*y)->priority;
}

/* Sorted by preference; equal preferences in random order (§5.1). */
static size_t
mx_order(struct ares_mx_reply *list, struct ares_mx_reply **v, size_t max)
{
	struct ares_mx_reply	*m, *t;
	size_t			 n = 0, i, j, k;

	for (m = list; m != NULL && n < max; m = m->next)
		v[n++] = m;
	qsort(v, n, sizeof(*v), mx_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j]->priority == v[i]->priority; j++)
			;
		for (k = j - 1; k > i; k--) {
			size_t pick = i + util_random_u64() % (k - i + 1);

			t = v[k];
			v[k] = v[pick];
			v[pick] = t;
		}
	}
	return n;
}

static void
mx_hosts(struct resolver *r, struct ares_mx_reply *list, uint16_t port,
    int family_pref, struct resolve_result *res)
{
	struct ares_mx_reply	*v[RESOLVE_HOSTS_MAX * 2];
	struct resolve_host	*h;
	size_t			 n = mx_order(list, v, RESOLVE_HOSTS_MAX * 2);
	size_t			 i, d;
	int			 temp = 0, dup;

	for (i = 0; i < n && res->nhost < RESOLVE_HOSTS_MAX; i++) {
		for (dup = 0, d = 0; d < res->nhost; d++)
			dup |= strcasecmp(res->host[d].name, v[i]->host) == 0;
		if (dup || !name_ok(v[i]->host))
			continue;
		h = &res->host[res->nhost];
		memset(h, 0, sizeof(*h));
		util_strlcpy(h->name, v[i]->host, sizeof(h->name));
		h->pref = v[i]->priority;
		switch (host_addrs(r, h, port, family_pref)) {
		case RQ_OK:
			res->nhost++;
			break;
		case RQ_TEMP:
			temp = 1;
			fail(res, RESOLVE_TEMPFAIL, h->name, "address lookup "
			    "failed (SERVFAIL or timeout)");
			break;
		default:
			break;
		}
	}
	if (res->nhost > 0)
		res->status = RESOLVE_OK;
	else if (!temp)
		fail(res, RESOLVE_NOHOST, n ? v[0]->host : "?",
		    "no MX host has an address");
}

/* No MX: the domain's own addresses (RFC 5321 §5.1). */
static void
implicit_mx(struct resolver *r, const char *domain, uint16_t port,
    int family_pref, struct resolve_result *res)
{
	struct resolve_host	*h = &res->host[0];

	res->implicit = 1;
	memset(h, 0, sizeof(*h));
	util_strlcpy(h->name, domain, sizeof(h->name));
	switch (host_addrs(r, h, port, family_pref)) {
	case RQ_OK:
		res->nhost = 1;
		res->status = RESOLVE_OK;
		break;
	case RQ_TEMP:
		fail(res, RESOLVE_TEMPFAIL, domain, "address lookup failed");
		break;
	case RQ_NX:
		fail(res, RESOLVE_NXDOMAIN, domain, "no such domain");
		break;
	default:
		fail(res, RESOLVE_NOHOST, domain, "no MX and no address "
		    "records");
		break;
	}
}

int
resolver_mx(struct resolver *r, const char *domain, uint16_t port,
    int family_pref, struct resolve_result *res)
{
	struct ares_mx_reply	*list = NULL;
	struct answer		 a;
	int			 rc;

	memset(res, 0, sizeof(*res));
	if (literal(domain, port, &res->host[0]) && domain[0] == '[') {
		res->nhost = 1;
		return 0;
	}
	if (!name_ok(domain)) {
		fail(res, RESOLVE_NXDOMAIN, domain, "not a valid domain name");
		return 0;
	}
	switch (resolve_query(r, domain, ns_t_mx, &a)) {
	case RQ_NONE:
		implicit_mx(r, domain, port, family_pref, res);
		return 0;
	case RQ_NX:
		fail(res, RESOLVE_NXDOMAIN, domain, "no such domain "
		    "(NXDOMAIN)");
		return 0;
	case RQ_TEMP:
		fail(res, RESOLVE_TEMPFAIL, domain, ares_strerror(a.status));
		return 0;
	case RQ_OK:
		break;
	}
	rc = ares_parse_mx_reply(a.buf, a.len, &list);
	free(a.buf);
	if (rc == ARES_ENODATA) {
		implicit_mx(r, domain, port, family_pref, res);
		return 0;
	}
	if (rc != ARES_SUCCESS) {
		fail(res, RESOLVE_TEMPFAIL, domain, ares_strerror(rc));
		return rc == ARES_ENOMEM ? -1 : 0;
	}
	if (list->next == NULL && list->priority == 0 &&
	    (list->host[0] == '\0' || strcmp(list->host, ".") == 0))
		fail(res, RESOLVE_NULLMX, domain, "null MX (RFC 7505)");
	else
		mx_hosts(r, list, port, family_pref, res);
	ares_free_data(list);
	return 0;
}

int
resolver_host(struct resolver *r, const char *host, uint16_t port,
    int family_pref, struct resolve_result *res)
{
	memset(res, 0, sizeof(*res));
	if (literal(host, port, &res->host[0])) {
		res->nhost = 1;
		return 0;
	}
	if (!name_ok(host)) {
		fail(res, RESOLVE_NXDOMAIN, host, "not a valid host name");
		return 0;
	}
	implicit_mx(r, host, port, family_pref, res);
	res->implicit = 0;
	return 0;
}
