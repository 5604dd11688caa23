/*
 * api_domain: the domain operations of the admin API (api.h): create
 * ({"domain", "dkim"?}: with a DKIM key as `postern domain add` makes
 * it, RSA by default, in the same transaction), delete (refused with 409 while the domain still has
 * mailboxes or aliases, so a click cannot take hundreds of mailboxes with
 * it; `postern domain remove` is the tool for that), and the live DNS
 * check.  A token limited to a domain may touch that domain only (403
 * for any other, creating included).  Creating and deleting are audited.
 *
 * The check expects exactly what `postern dns DOMAIN --json` prints
 * (dnsexpect.h, dnsrec.h): MX, the host's A/AAAA, SPF, DKIM per active or
 * pending key, DMARC, and the RFC 6186 SRV records when IMAP is served.
 * It looks them up with the server's own resolver settings (dns_server,
 * else resolv.conf; c-ares, queue/resolve.h), every query at once, on
 * the auth process's admin thread (never the admin process's event
 * loop), bounded by CHECK_DNS_MS per try and two tries: at most about
 * 4.5 s, well under admin_timeout.  Each record says what was expected,
 * what was found, whether it is right, and the fix.  SPF is right when
 * exactly one v=spf1 record carries every mechanism of the expected one
 * (an operator may add their own); DMARC when exactly one v=DMARC1
 * record exists, whatever its policy; DKIM when a record carries the
 * key's p=.
 *
 * Failure: 400 for a bad name, 404 for an unknown domain, 503 when the
 * store or the resolver cannot be used; a lookup that fails is reported
 * in its record (ok false), not as an HTTP error.
 */
#include <arpa/nameser.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "core/config.h"
#include "core/smtp_parse.h"
#include "diag/dnsexpect.h"
#include "lib/http_srv.h"
#include "lib/json.h"
#include "lib/util.h"
#include "queue/dkim.h"
#include "queue/resolve.h"
#include "server/api.h"

#define CHECK_DNS_MS	1500
#define CHECK_RECS_MAX	48

/* One expected record and the query that answers it. */
struct exp_rec {
	const char		*kind;		/* MX, A, AAAA, SPF, DKIM, ... */
	const char		*type;		/* the DNS type */
	const char		*name;
	char			 expected[DNSREC_KEY_MAX + 512];
	const char		*value;
	struct resolve_rr_query	*q;
};

struct dns_check {
	struct dnsexpect_keys	 keys;
	struct exp_rec		 rec[CHECK_RECS_MAX];
	size_t			 nrec;
	struct resolve_rr_query	 q[CHECK_RECS_MAX];
	size_t			 nq;
};

static int	 domain_arg(const struct api_call *, char *, size_t,
		    struct buf *);
static int	 domain_dkim(struct store *, const char *, const char *,
		    int64_t, struct store_dkim_key *);
static int	 domain_add(struct store *, const char *, const char *,
		    int64_t, struct json *);
static int	 dkim_same(const char *, const char *);
static const char *rec_kind(const char *, const char *, const char *);
static int	 rec_type(const char *);
static int	 rec_found(const struct exp_rec *, const char *);
static int	 rec_ok(const struct exp_rec *);
static void	 rec_fix(const struct exp_rec *, char *, size_t);
static int	 spf_covers(const char *, const char *);
static const char *dkim_p(const char *, size_t *);
static int	 check_plan(struct dns_check *, json_t *);
static int	 check_lookup(struct dns_check *, struct buf *);
static void	 check_write(const struct dns_check *, const char *,
		    const char *, struct json *);
static int	 check_expected(struct store *, const struct api_call *,
		    const char *, struct dns_check *, char *, size_t,
		    struct buf *, struct buf *);

/* The path's domain, checked, lower case, within the token's.  200. */
static int
domain_arg(const struct api_call *c, char *d, size_t dsz, struct buf *out)
{
	if (util_strlcpy(d, c->r.arg, dsz) == -1 || !smtp_valid_domain(d))
		return http_problem(out, 400, "not a valid domain name", NULL);
	util_lower(d);
	if (!api_domain_ok(c, d))
		return http_problem(out, 403, "this token is limited to "
		    "another domain", NULL);
	return 200;
}

/*
 * A new domain's DKIM key of alg ("rsa-sha256", "ed25519-sha256"), as
 * `postern domain add` makes it: active (the domain has no other), the
 * selector "p" YYYYMMDD and the algorithm's letter, which cannot be
 * taken yet.  The selector into out.  A store status, or STORE_ERR.
 */
static int
domain_dkim(struct store *st, const char *d, const char *alg, int64_t now,
    struct store_dkim_key *k)
{
	char		err[256], day[16];
	time_t		t = (time_t)now;
	struct tm	tm;
	int		rc = STORE_ERR;

	memset(k, 0, sizeof(*k));
	if (gmtime_r(&t, &tm) != NULL &&
	    strftime(day, sizeof(day), "%Y%m%d", &tm) != 0 &&
	    util_snprintf(k->selector, sizeof(k->selector), "p%s%c", day,
	    alg[0] == 'r' ? 'r' : 'e') != -1 &&
	    dkim_keygen_str(alg, 0, k->private_key, sizeof(k->private_key),
	    k->public_key, sizeof(k->public_key), err, sizeof(err)) == 0) {
		util_strlcpy(k->domain, d, sizeof(k->domain));
		util_strlcpy(k->algorithm, alg, sizeof(k->algorithm));
		k->state = STORE_DKIM_ACTIVE;
		rc = store_dkim_add(st, k);
	}
	explicit_bzero(k->private_key, sizeof(k->private_key));
	return rc;
}

/* The domain and its keys in one transaction, as the CLI does. */
static int
domain_add(struct store *st, const char *d, const char *dkim, int64_t now,
    struct json *j)
{
	static const struct { const char *name, *algs[2]; } t[] = {
		{ "rsa", { "rsa-sha256", NULL } },
		{ "ed25519", { "ed25519-sha256", NULL } },
		{ "both", { "rsa-sha256", "ed25519-sha256" } },
		{ "none", { NULL, NULL } },
	};
	struct store_dkim_key	*k;
	size_t			 c, i;
	int			 rc;

	for (c = 0; c < 4 && strcmp(dkim, t[c].name) != 0; c++)
		;
	if (c == 4)
		return STORE_INVALID;
	if ((k = malloc(sizeof(*k))) == NULL)
		return STORE_ERR;
	if ((rc = store_begin(st)) == STORE_OK)
		rc = store_domain_add(st, d);
	json_key(j, "dkim");
	json_arr_begin(j);
	for (i = 0; i < 2 && t[c].algs[i] != NULL && rc == STORE_OK; i++)
		if ((rc = domain_dkim(st, d, t[c].algs[i], now, k)) ==
		    STORE_OK) {
			json_obj_begin(j);
			json_kstr(j, "selector", k->selector);
			json_kstr(j, "algorithm", k->algorithm);
			json_obj_end(j);
		}
	json_arr_end(j);
	free(k);
	if (rc == STORE_OK)
		rc = store_commit(st);
	if (rc != STORE_OK)
		store_rollback(st);
	return rc;
}

int
api_domain_create(struct store *st, const struct api_call *c,
    struct buf *out)
{
	json_t		*root;
	const char	*name = NULL, *dkim = "rsa";
	struct json	 j;
	char		 d[STORE_ADDR_MAX + 1];
	int		 rc;

	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	rc = root == NULL || json_unpack(root, "{s:s, s?:s}", "domain",
	    &name, "dkim", &dkim) == -1 ||
	    util_strlcpy(d, name, sizeof(d)) == -1 ||
	    !smtp_valid_domain(d) || strchr(d, '.') == NULL;
	if (rc) {
		json_decref(root);
		return http_problem(out, 400, "the body is {\"domain\": "
		    "\"example.com\", \"dkim\": \"rsa|ed25519|both|none\"} "
		    "(dkim optional, rsa by default), a valid domain name with "
		    "a dot", NULL);
	}
	util_lower(d);
	if (!api_domain_ok(c, d)) {
		json_decref(root);
		return http_problem(out, 403, "this token is limited to "
		    "another domain", "a token limited to a domain cannot add "
		    "others: use one without --domain");
	}
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "domain", d);
	json_kint(&j, "created", c->now);
	rc = domain_add(st, d, dkim, c->now, &j);
	if (rc == STORE_OK)
		api_audit(st, c, "domain.create", d, dkim);
	json_decref(root);		/* dkim was in it */
	if (rc == STORE_INVALID)
		return http_problem(out, 400, "dkim is rsa, ed25519, both or "
		    "none", NULL);
	if (rc == STORE_EXISTS)
		return http_problem(out, 409, "that domain exists", NULL);
	if (rc != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer, or no DKIM key could be made", NULL);
	json_kstr(&j, "next", "publish its DNS records: GET /api/v1/domains/"
	    "DOMAIN/check lists them and says which are missing");
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 201 : 500;
}

int
api_domain_delete(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct store_domain	dom;
	struct json		j;
	char			d[STORE_ADDR_MAX + 1], detail[128];
	int			rc;

	if ((rc = domain_arg(c, d, sizeof(d), out)) != 200)
		return rc;
	if ((rc = store_domain_get(st, d, &dom)) == STORE_NOTFOUND)
		return http_problem(out, 404, "no such domain", NULL);
	if (rc != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	if (dom.nmailboxes > 0 || dom.naliases > 0) {
		(void)util_snprintf(detail, sizeof(detail), "the domain still "
		    "has %lld mailbox(es) and %lld alias(es)",
		    (long long)dom.nmailboxes, (long long)dom.naliases);
		return http_problem(out, 409, detail, "delete its mailboxes "
		    "first (DELETE /api/v1/mailboxes/ADDRESS), or postern "
		    "domain remove on the server");
	}
	if ((rc = store_domain_remove_empty(st, d)) != STORE_OK)
		return rc == STORE_NOTFOUND ? http_problem(out, 404, "no such "
		    "domain", NULL) : rc == STORE_EXISTS ? http_problem(out,
		    409, "the domain got a mailbox or an alias meanwhile",
		    NULL) : http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	api_audit(st, c, "domain.delete", d, "");
	json_init(&j, out);
	json_obj_begin(&j);
	json_kstr(&j, "deleted", d);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

/* What the record is for people: SPF, DKIM and DMARC are TXT records. */
static const char *
rec_kind(const char *type, const char *name, const char *value)
{
	if (strcmp(type, "TXT") != 0)
		return type;
	if (strncasecmp(name, "_dmarc.", 7) == 0)
		return "DMARC";
	if (strstr(name, "._domainkey.") != NULL)
		return "DKIM";
	if (strncasecmp(value, "v=spf1", 6) == 0)
		return "SPF";
	return "TXT";
}

static int
rec_type(const char *type)
{
	return strcmp(type, "MX") == 0 ? ns_t_mx : strcmp(type, "A") == 0 ?
	    ns_t_a : strcmp(type, "AAAA") == 0 ? ns_t_aaaa :
	    strcmp(type, "SRV") == 0 ? ns_t_srv : strcmp(type, "TXT") == 0 ?
	    ns_t_txt : -1;
}

/* 1 if record text f belongs to this expectation (TXT: its kind). */
static int
rec_found(const struct exp_rec *e, const char *f)
{
	if (strcmp(e->kind, "SPF") == 0)
		return strncasecmp(f, "v=spf1", 6) == 0 &&
		    (f[6] == '\0' || f[6] == ' ');
	if (strcmp(e->kind, "DMARC") == 0)
		return strncasecmp(f, "v=DMARC1", 8) == 0;
	return 1;
}

/* The p= value of a DKIM record, white space included; *n its length. */
static const char *
dkim_p(const char *rec, size_t *n)
{
	const char	*p = rec;

	for (; (p = strstr(p, "p=")) != NULL; p += 2)
		if (p == rec || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t')
			break;
	if (p == NULL)
		return NULL;
	p += 2;
	*n = strcspn(p, ";");
	return p;
}

/* 1 if the p= of a and b agree, white space ignored. */
static int
dkim_same(const char *a, const char *b)
{
	const char	*pa, *pb;
	size_t		 na, nb, i = 0, k = 0;

	if ((pa = dkim_p(a, &na)) == NULL || (pb = dkim_p(b, &nb)) == NULL)
		return 0;
	for (;;) {
		while (i < na && (pa[i] == ' ' || pa[i] == '\t'))
			i++;
		while (k < nb && (pb[k] == ' ' || pb[k] == '\t'))
			k++;
		if (i == na || k == nb)
			return i == na && k == nb && na > 0;
		if (pa[i++] != pb[k++])
			return 0;
	}
}

/* 1 if SPF record have carries every mechanism of want but its "all". */
static int
spf_covers(const char *have, const char *want)
{
	char		 m[256], h[RESOLVE_RR_TEXT + 2];
	const char	*p = want;
	size_t		 n;

	(void)util_snprintf(h, sizeof(h), " %s ", have);
	for (; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		if (n + 3 > sizeof(m) || strncasecmp(p, "v=spf1", 6) == 0 ||
		    (n >= 3 && strncasecmp(p + n - 3, "all", 3) == 0))
			continue;
		(void)util_snprintf(m, sizeof(m), " %.*s ", (int)n, p);
		if (strcasestr(h, m) == NULL)
			return 0;
	}
	return 1;
}

static int
rec_ok(const struct exp_rec *e)
{
	const struct resolve_rr_query	*q = e->q;
	const char			*sp;
	size_t				 i, nf = 0;
	int				 hit = 0;

	if (q->status != RESOLVE_OK)
		return 0;
	for (i = 0; i < q->n; i++) {
		if (!rec_found(e, q->rr[i]))
			continue;
		nf++;
		if (strcmp(e->kind, "MX") == 0)
			hit |= (sp = strchr(q->rr[i], ' ')) != NULL &&
			    strcasecmp(sp + 1, e->value) == 0;
		else if (strcmp(e->kind, "SPF") == 0)
			hit |= spf_covers(q->rr[i], e->value);
		else if (strcmp(e->kind, "DKIM") == 0)
			hit |= dkim_same(q->rr[i], e->value);
		else if (strcmp(e->kind, "DMARC") == 0)
			hit = 1;
		else
			hit |= strcasecmp(q->rr[i], e->expected) == 0;
	}
	/* two SPF or two DMARC records void both (RFC 7208 §4.5) */
	if (strcmp(e->kind, "SPF") == 0 || strcmp(e->kind, "DMARC") == 0)
		return hit && nf == 1;
	return hit;
}

static void
rec_fix(const struct exp_rec *e, char *fix, size_t fixsz)
{
	const struct resolve_rr_query	*q = e->q;
	size_t				 i, nf = 0;

	for (i = 0; i < q->n; i++)
		nf += rec_found(e, q->rr[i]);
	if (q->status == RESOLVE_TEMPFAIL)
		(void)util_snprintf(fix, fixsz, "the lookup failed (%s): try "
		    "again; if it stays so, the domain's name servers do not "
		    "answer", q->err);
	else if (nf > 1 && (strcmp(e->kind, "SPF") == 0 ||
	    strcmp(e->kind, "DMARC") == 0))
		(void)util_snprintf(fix, fixsz, "%s has %zu %s records, which "
		    "voids them all: keep one, %s TXT \"%s\"", e->name, nf,
		    e->kind, e->name, e->expected);
	else if (strcmp(e->type, "TXT") == 0)
		(void)util_snprintf(fix, fixsz, "publish %s TXT \"%s\"%s",
		    e->name, e->expected, nf > 0 ? ", replacing the record "
		    "found" : "");
	else
		(void)util_snprintf(fix, fixsz, "publish %s %s %s", e->name,
		    e->type, e->expected);
}

/* The expected records of dnsrec's JSON, and one query per name and
   type.  0 or -1. */
static int
check_plan(struct dns_check *k, json_t *arr)
{
	struct exp_rec	*e;
	json_t		*r;
	const char	*type, *name, *value;
	json_int_t	 prio = 0, weight = 0, port = 0;
	size_t		 i, x;

	json_array_foreach(arr, i, r) {
		if (k->nrec == CHECK_RECS_MAX || json_unpack(r,
		    "{s:s, s:s, s:s, s?:I, s?:I, s?:I}", "type", &type,
		    "name", &name, "value", &value, "priority", &prio,
		    "weight", &weight, "port", &port) == -1 ||
		    rec_type(type) == -1)
			return -1;
		e = &k->rec[k->nrec++];
		e->type = type;
		e->name = name;
		e->value = value;
		e->kind = rec_kind(type, name, value);
		if (strcmp(type, "MX") == 0)
			(void)util_snprintf(e->expected, sizeof(e->expected),
			    "%lld %s", (long long)prio, value);
		else if (strcmp(type, "SRV") == 0)
			(void)util_snprintf(e->expected, sizeof(e->expected),
			    "%lld %lld %lld %s", (long long)prio,
			    (long long)weight, (long long)port, value);
		else
			util_strlcpy(e->expected, value, sizeof(e->expected));
		for (x = 0; x < k->nq; x++)
			if (strcasecmp(k->q[x].name, name) == 0 &&
			    k->q[x].type == rec_type(type))
				break;
		if (x == k->nq) {
			k->q[x].name = name;
			k->q[x].type = rec_type(type);
			k->nq++;
		}
		e->q = &k->q[x];
	}
	return 0;
}

/* Every query at once, with the server's resolver settings.  200. */
static int
check_lookup(struct dns_check *k, struct buf *out)
{
	struct resolver	*res;
	char		 err[256];

	if ((res = resolver_new(api_cfg->dns_server, CHECK_DNS_MS, 2, err,
	    sizeof(err))) == NULL)
		return http_problem(out, 503, "the resolver cannot be used",
		    err);
	(void)resolver_rr(res, k->q, k->nq);
	resolver_free(res);
	return 200;
}

static void
check_write(const struct dns_check *k, const char *domain, const char *host,
    struct json *j)
{
	const struct exp_rec	*e;
	char			 fix[DNSREC_KEY_MAX + 1024];
	size_t			 i, f;
	int			 ok, all = 1;

	json_obj_begin(j);
	json_kstr(j, "domain", domain);
	json_kstr(j, "host", host);
	json_key(j, "records");
	json_arr_begin(j);
	for (i = 0; i < k->nrec; i++) {
		e = &k->rec[i];
		ok = rec_ok(e);
		all &= ok;
		fix[0] = '\0';
		if (!ok)
			rec_fix(e, fix, sizeof(fix));
		json_obj_begin(j);
		json_kstr(j, "type", e->kind);
		json_kstr(j, "name", e->name);
		json_kstr(j, "expected", e->expected);
		json_key(j, "found");
		json_arr_begin(j);
		for (f = 0; f < e->q->n; f++)
			if (rec_found(e, e->q->rr[f]))
				json_str(j, e->q->rr[f]);
		json_arr_end(j);
		json_kbool(j, "ok", ok);
		json_kstr(j, "fix", fix);
		if (e->q->status != RESOLVE_OK)
			json_kstr(j, "error", e->q->err);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kbool(j, "ok", all);
	json_obj_end(j);
}

/* `postern dns DOMAIN --json`'s records into exp.  200 or a problem. */
static int
check_expected(struct store *st, const struct api_call *c, const char *d,
    struct dns_check *k, char *host, size_t hostsz, struct buf *exp,
    struct buf *out)
{
	struct store_domain	 dom;
	struct dnsrec_input	 in;
	struct dnsrec_srv	 srv;
	char			 addrs[DNSREC_MAX_ADDRS][64], err[DNSREC_ERR_MAX];
	const char		*ap[DNSREC_MAX_ADDRS], *h;
	size_t			 i, n;
	int			 rc, fallback;

	(void)c;
	if ((rc = store_domain_get(st, d, &dom)) == STORE_NOTFOUND)
		return http_problem(out, 404, "no such domain", NULL);
	if (rc != STORE_OK || dnsexpect_keys(st, dom.name, &k->keys) !=
	    STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	n = dnsexpect_addrs(api_cfg, addrs, DNSREC_MAX_ADDRS);
	for (i = 0; i < n; i++)
		ap[i] = addrs[i];
	h = dnsexpect_host(api_cfg, &dom, host, hostsz, &fallback);
	if (h != host)
		util_strlcpy(host, h, hostsz);
	dnsexpect_input(api_cfg, &dom, host, ap, n, &k->keys, &srv, &in);
	if (dnsrec_check(&in, err, sizeof(err)) == -1)
		return http_problem(out, 409, err, "set the domain's "
		    "submission_host or the server's hostname to the public "
		    "name of this server");
	if (dnsrec_for_domain(&in, NULL, exp) == -1)
		return http_problem(out, 500, "the records could not be made",
		    NULL);
	return 200;
}

int
api_domain_check(struct store *st, const struct api_call *c,
    struct buf *out)
{
	struct dns_check	*k;
	struct json		 j;
	struct buf		 exp;
	json_t			*arr = NULL;
	char			 d[STORE_ADDR_MAX + 1], host[256];
	int			 rc;

	if ((rc = domain_arg(c, d, sizeof(d), out)) != 200)
		return rc;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return http_problem(out, 500, "out of memory", NULL);
	buf_init(&exp, 1024 * 1024);
	rc = check_expected(st, c, d, k, host, sizeof(host), &exp, out);
	if (rc == 200 && ((arr = json_loadb(exp.data, exp.len, 0, NULL)) ==
	    NULL || check_plan(k, arr) == -1))
		rc = http_problem(out, 500, "the expected records could not "
		    "be read", NULL);
	if (rc == 200)
		rc = check_lookup(k, out);
	if (rc == 200) {
		json_init(&j, out);
		check_write(k, d, host, &j);
		rc = json_finish(&j) == 0 ? 200 : 500;
	}
	json_decref(arr);
	buf_free(&exp);
	free(k);
	return rc;
}
