/*
 * resolve_rr: records of any common type as text (resolve.h,
 * resolver_rr()), for the admin API's live check of what a domain
 * publishes (server/api_domain.c).  Delivery never uses it.  Queries go
 * out together on the resolver's channel (no search domains, no
 * /etc/hosts: resolve.c's options) and are driven by resolve.c's loop,
 * so a check costs the slowest answer, bounded by the resolver's timeout
 * and tries.  Answers are bounded: RESOLVE_RR_MAX records per query,
 * RESOLVE_RR_TEXT bytes per record (longer TXT is cut, which a check
 * then reports as a mismatch).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "queue/resolve.h"
#include "queue/resolve_int.h"

static void	rr_cb(void *, int, int, unsigned char *, int);
static int	rr_parse(struct resolve_rr_query *, unsigned char *, int);
static void	rr_host(char *, size_t, const char *);
static void	rr_txt(struct resolve_rr_query *, unsigned char *, int);

/* A host name as text: lower case, no trailing dot. */
static void
rr_host(char *out, size_t outsz, const char *h)
{
	size_t	i;

	/* the root ("." in the zone) may come back as "" */
	util_strlcpy(out, h[0] != '\0' ? h : ".", outsz);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (i > 1 && out[i - 1] == '.')
		out[i - 1] = '\0';
}

static void
rr_txt(struct resolve_rr_query *q, unsigned char *abuf, int alen)
{
	struct ares_txt_ext	*t, *p;
	size_t			 len = 0, n;

	if (ares_parse_txt_reply_ext(abuf, alen, &t) != ARES_SUCCESS)
		return;
	for (p = t; p != NULL; p = p->next) {
		if (p->record_start) {
			if (q->n == RESOLVE_RR_MAX)
				break;
			q->rr[q->n++][0] = '\0';
			len = 0;
		}
		if (q->n == 0)
			continue;
		n = p->length;
		if (len + n >= RESOLVE_RR_TEXT)
			n = RESOLVE_RR_TEXT - 1 - len;
		memcpy(q->rr[q->n - 1] + len, p->txt, n);
		len += n;
		q->rr[q->n - 1][len] = '\0';
	}
	ares_free_data(t);
}

/* The answer's records into q.  An ARES_* code. */
static int
rr_parse(struct resolve_rr_query *q, unsigned char *abuf, int alen)
{
	struct ares_mx_reply	*mx, *m;
	struct ares_srv_reply	*srv, *s;
	struct ares_addrttl	 a4[RESOLVE_RR_MAX];
	struct ares_addr6ttl	 a6[RESOLVE_RR_MAX];
	char			 h[256];
	int			 n = RESOLVE_RR_MAX, i, rc = ARES_SUCCESS;

	switch (q->type) {
	case ns_t_mx:
		if ((rc = ares_parse_mx_reply(abuf, alen, &mx)) != ARES_SUCCESS)
			break;
		for (m = mx; m != NULL && q->n < RESOLVE_RR_MAX; m = m->next) {
			rr_host(h, sizeof(h), m->host);
			(void)snprintf(q->rr[q->n++], RESOLVE_RR_TEXT, "%u %s",
			    m->priority, h);
		}
		ares_free_data(mx);
		break;
	case ns_t_srv:
		if ((rc = ares_parse_srv_reply(abuf, alen, &srv)) !=
		    ARES_SUCCESS)
			break;
		for (s = srv; s != NULL && q->n < RESOLVE_RR_MAX; s = s->next) {
			rr_host(h, sizeof(h), s->host);
			(void)snprintf(q->rr[q->n++], RESOLVE_RR_TEXT,
			    "%u %u %u %s", s->priority, s->weight, s->port, h);
		}
		ares_free_data(srv);
		break;
	case ns_t_a:
		if ((rc = ares_parse_a_reply(abuf, alen, NULL, a4, &n)) ==
		    ARES_SUCCESS)
			for (i = 0; i < n; i++)
				inet_ntop(AF_INET, &a4[i].ipaddr,
				    q->rr[q->n++], RESOLVE_RR_TEXT);
		break;
	case ns_t_aaaa:
		if ((rc = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n)) ==
		    ARES_SUCCESS)
			for (i = 0; i < n; i++)
				inet_ntop(AF_INET6, &a6[i].ip6addr,
				    q->rr[q->n++], RESOLVE_RR_TEXT);
		break;
	case ns_t_txt:
		rr_txt(q, abuf, alen);
		break;
	}
	return rc;
}

static void
rr_cb(void *arg, int code, int timeouts, unsigned char *abuf, int alen)
{
	struct resolve_rr_query	*q = arg;

	(void)timeouts;
	q->r->pending--;
	if (code == ARES_SUCCESS)
		code = rr_parse(q, abuf, alen);
	if (code == ARES_SUCCESS || code == ARES_ENODATA) {
		q->status = RESOLVE_OK;
		q->err[0] = '\0';
		return;
	}
	q->n = 0;
	q->status = code == ARES_ENOTFOUND ? RESOLVE_NXDOMAIN :
	    RESOLVE_TEMPFAIL;
	util_strlcpy(q->err, code == ARES_ENOTFOUND ? "NXDOMAIN" :
	    ares_strerror(code), sizeof(q->err));
}

int
resolver_rr(struct resolver *r, struct resolve_rr_query *q, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		q[i].r = r;
		q[i].n = 0;
		q[i].status = RESOLVE_TEMPFAIL;
		util_strlcpy(q[i].err, "not answered", sizeof(q[i].err));
		r->pending++;
		ares_query(r->chan, q[i].name, ns_c_in, q[i].type, rr_cb,
		    &q[i]);
	}
	return resolve_drive(r);
}
