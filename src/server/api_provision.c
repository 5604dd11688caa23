/*
 * api_provision: POST /api/v1/provision (api.h), bulk creation of
 * mailboxes with the CSV a sending platform imports, the admin API's
 * `postern provision`.  The rows, passwords and CSV are the CLI's
 * (core/provision_fmt.h: provision_count_address(), provision_name_line(),
 * provision_hash_all(), the formats), so both give the same file.
 *
 * The body (JSON, up to 8 MiB, the route's AR_BIG_BODY) gives the rows
 * one of three ways: {"domain", "count", "prefix"?} (prefix01..),
 * {"domain", "csv"} (a names list, one local part or "First Last" a
 * line, or a CSV whose header has an email column, as any format of
 * provision_fmt.c or a platform's export writes it), or {"rows":
 * [{"address", "daily_limit"?}]}; and "dry_run", "format" (generic by
 * default), "daily_limit", "warmup".  Every row is checked first: a bad
 * address, a duplicate, a domain that is not local, an alias or a bad
 * limit makes the row "invalid" (with its error); an existing mailbox is
 * "exists" and left alone.  A dry run answers 200 with what would happen
 * and changes nothing.  A run with an invalid row answers 400 with the
 * rows and changes nothing.  Otherwise the new mailboxes are created in
 * one transaction, each audited, and the run too; the answer (201, or
 * 200 when all existed) carries each new password and the platform CSV,
 * in this answer only.
 *
 * Time: argon2id costs about 30 ms a password on one core here, and the
 * hashes are made on one thread per core before anything is written.  The
 * admin process gives up on a call after admin_timeout (15 s): past that
 * the passwords would be lost with the answer.  So hashing has a deadline
 * of HASH_SHARE of admin_timeout (half of a short one; and stops as soon as its pace shows it
 * cannot make it); such a run answers 422 with how many rows would fit,
 * and creates nothing.  Measured on this 2-core machine (shared, load
 * average about 6): 100 rows 3.0 s, 1,000 rows 14.5 s of hashing, 7 ms
 * of store writes (the audit rows go in the same transaction), so the
 * default 15 s admin_timeout takes about 600 rows a request here, and
 * postern provision has no such limit.  The auth process's admin thread
 * does one operation at a time, so a long run delays the other API calls
 * (never SMTP logins, which have their own workers).
 *
 * Idempotency-Key: the answer to a run that created mailboxes is kept
 * (store_idem.c) under the token's name and the key, with the SHA-256 of
 * the body, without passwords or CSV, for 24 h.  The same key and body
 * again gives that answer with "replayed": true and creates nothing; the
 * same key with another body gives 422.  Dry runs and refusals are not
 * kept: repeating them is harmless.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/config.h"
#include "core/provision_fmt.h"
#include "core/smtp_parse.h"
#include "lib/clock.h"
#include "lib/csv.h"
#include "lib/http_srv.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/api.h"

#define PROV_ROWS_MAX	5000
#define PROV_LIMIT_MAX	10000000
#define HASH_SHARE	70		/* % of admin_timeout for hashing */
#define IDEM_TTL	86400

enum row_status { ROW_NEW, ROW_EXISTS, ROW_INVALID };

struct prow {
	char		 address[STORE_ADDR_MAX + 1];
	char		 first[128];
	char		 last[128];
	json_int_t	 daily_limit;
	enum row_status	 status;
	char		 error[160];
	struct provision_secret	*sec;	/* new rows, once hashed */
};

struct prov {
	const struct api_call		*c;
	const struct provision_fmt	*fmt;
	char				 domain[STORE_ADDR_MAX + 1];
	const char			*prefix;
	json_int_t			 count;
	const char			*csv;
	json_t				*rows_in;
	int				 dry_run;
	json_int_t			 daily_limit;
	int				 warmup;	/* -1 unset, 0, 1 */
	struct prow			*rows;
	size_t				 n;
	size_t				 nnew, nexist, ninvalid;
	struct provision_secret		*sec;
	char				 request[65];	/* SHA-256 hex */
	uint64_t			 start;		/* util_monotonic_ms() */
};

static int	 prov_parse(struct prov *, json_t *, struct buf *);
static struct prow *prov_add(struct prov *);
static int	 prov_make_rows(struct prov *, struct buf *);
static int	 prov_csv_rows(struct prov *, struct buf *);
static int	 prov_csv_header(struct csv_reader *, struct csv_record *,
		    int *);
static void	 row_bad(struct prow *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 prov_check(struct store *, struct prov *, struct buf *);
static int	 prov_hash(struct prov *, struct buf *);
static int	 prov_commit(struct store *, struct prov *, struct buf *);
static int	 prov_answer(struct store *, struct prov *, int, int,
		    struct buf *);
static int	 prov_csv(struct store *, struct prov *, struct buf *);
static int	 prov_replay(struct store *, struct prov *, struct buf *,
		    int *);
static void	 prov_keep(struct store *, struct prov *, int);
static void	 prov_free(struct prov *);
static int	 prov_create(struct store *, struct prov *, struct buf *);
static int	 idem_row(const char *, int, const char *, void *);

static void
row_bad(struct prow *r, const char *fmt, ...)
{
	va_list	ap;

	r->status = ROW_INVALID;
	va_start(ap, fmt);
	(void)vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static struct prow *
prov_add(struct prov *p)
{
	struct prow	*r;

	if (p->n == PROV_ROWS_MAX)
		return NULL;
	if (p->n % 256 == 0 && (r = reallocarray(p->rows, p->n + 256,
	    sizeof(*r))) != NULL)
		p->rows = r;
	else if (p->n % 256 == 0)
		return NULL;
	r = &p->rows[p->n++];
	memset(r, 0, sizeof(*r));
	r->daily_limit = p->daily_limit;
	return r;
}

/* The body's fields.  200, or a problem. */
static int
prov_parse(struct prov *p, json_t *root, struct buf *out)
{
	const char	*domain = NULL, *format = "generic";
	json_t		*warmup = NULL;
	int		 ways;

	p->prefix = "sender";
	if (root == NULL || json_unpack(root, "{s?:s, s?:I, s?:s, s?:s, "
	    "s?:o, s?:b, s?:s, s?:I, s?:o}", "domain", &domain, "count",
	    &p->count, "prefix", &p->prefix, "csv", &p->csv, "rows",
	    &p->rows_in, "dry_run", &p->dry_run, "format", &format,
	    "daily_limit", &p->daily_limit, "warmup", &warmup) == -1 ||
	    (warmup != NULL && !json_is_boolean(warmup)) ||
	    (p->rows_in != NULL && !json_is_array(p->rows_in)))
		return http_problem(out, 400, "the body is JSON: {\"domain\", "
		    "\"count\"} or {\"domain\", \"csv\"} or {\"rows\": "
		    "[{\"address\", \"daily_limit\"?}]}, with \"dry_run\", "
		    "\"format\", \"daily_limit\", \"warmup\" optional",
		    "see docs/API.md, Provisioning");
	ways = (p->count != 0) + (p->csv != NULL) + (p->rows_in != NULL);
	if (ways != 1)
		return http_problem(out, 400, "give one of count, csv or rows",
		    NULL);
	if (p->count < 0 || p->count > PROV_ROWS_MAX ||
	    p->daily_limit < 0 || p->daily_limit > PROV_LIMIT_MAX)
		return http_problem(out, 400, "count is 1 to 5000, daily_limit "
		    "0 to 10000000", "split a larger run into several "
		    "requests");
	if ((p->fmt = provision_fmt_find(format)) == NULL)
		return http_problem(out, 400, "unknown format", "generic, "
		    "instantly, smartlead, ... (postern provision --help)");
	p->warmup = warmup == NULL ? -1 : json_is_true(warmup);
	if (domain != NULL && (util_strlcpy(p->domain, domain,
	    sizeof(p->domain)) == -1 || !smtp_valid_domain(p->domain)))
		return http_problem(out, 400, "domain is not a valid domain "
		    "name", NULL);
	util_lower(p->domain);
	if (p->rows_in == NULL && p->domain[0] == '\0' &&
	    (p->count != 0 || p->csv != NULL))
		return http_problem(out, 400, "count and csv need the domain",
		    NULL);
	return 200;
}

/* The rows of count or of the rows array.  200, or a problem. */
static int
prov_make_rows(struct prov *p, struct buf *out)
{
	struct prow	*r;
	json_t		*v;
	const char	*a;
	json_int_t	 lim;
	size_t		 i;

	if (p->csv != NULL)
		return prov_csv_rows(p, out);
	if (p->rows_in != NULL && (json_array_size(p->rows_in) == 0 ||
	    json_array_size(p->rows_in) > PROV_ROWS_MAX))
		return http_problem(out, 400, "rows holds 1 to 5000 rows", NULL);
	for (i = 0; i < (size_t)p->count; i++) {
		if ((r = prov_add(p)) == NULL)
			return http_problem(out, 500, "out of memory", NULL);
		if (provision_count_address(p->prefix, i, (size_t)p->count,
		    p->domain, r->address, sizeof(r->address)) == -1)
			return http_problem(out, 400, "the prefix does not make "
			    "valid addresses", NULL);
	}
	json_array_foreach(p->rows_in, i, v) {
		if ((r = prov_add(p)) == NULL)
			return http_problem(out, 500, "out of memory", NULL);
		a = NULL;
		lim = p->daily_limit;
		if (json_unpack(v, "{s:s, s?:I}", "address", &a,
		    "daily_limit", &lim) == -1)
			row_bad(r, "a row is {\"address\", \"daily_limit\"?}");
		else if (smtp_parse_mailbox(a, r->address,
		    sizeof(r->address)) == -1)
			row_bad(r, "not a valid address");
		else if (lim < 0 || lim > PROV_LIMIT_MAX)
			row_bad(r, "daily_limit is 0 to 10000000");
		r->daily_limit = lim;
		if (r->address[0] == '\0' && a != NULL)
			util_strlcpy(r->address, a, sizeof(r->address));
	}
	return 200;
}

/*
 * A header with an email column makes the text a CSV of addresses (with
 * names when it has them); otherwise it is a names list and the first
 * record is a name too.  *names: 1 for a names list.  0, or -1.
 */
static int
prov_csv_header(struct csv_reader *rd, struct csv_record *rec, int *names)
{
	int	map[PROVISION_V_COUNT];

	if (csv_read(rd, rec) != 1)
		return -1;
	(void)provision_fmt_columns(rec->field, rec->nfields, map);
	*names = map[PROVISION_V_EMAIL] < 0;
	return 0;
}

/* The rows of a names list or of a CSV with an email column.  200. */
static int
prov_csv_rows(struct prov *p, struct buf *out)
{
	struct csv_reader	 rd;
	struct csv_record	 rec;
	struct prow		*r;
	int			 map[PROVISION_V_COUNT], names, more, e, f, l;
	const char		*cell;

	csv_reader_init(&rd, p->csv, strlen(p->csv));
	csv_record_init(&rec);
	if (prov_csv_header(&rd, &rec, &names) == -1) {
		csv_record_free(&rec);
		return http_problem(out, 400, rd.err[0] ? rd.err : "csv is "
		    "empty", NULL);
	}
	(void)provision_fmt_columns(rec.field, rec.nfields, map);
	e = map[PROVISION_V_EMAIL];
	f = map[PROVISION_V_FIRST_NAME];
	l = map[PROVISION_V_LAST_NAME];
	for (more = names ? 1 : csv_read(&rd, &rec); more == 1;
	    more = csv_read(&rd, &rec)) {
		cell = names ? rec.field[0] : (size_t)e < rec.nfields ?
		    rec.field[e] : "";
		if (names && (cell[0] == '\0' || cell[0] == '#'))
			continue;
		if ((r = prov_add(p)) == NULL) {
			csv_record_free(&rec);
			return http_problem(out, 400, "csv holds more than 5000 "
			    "rows, or memory ran out", NULL);
		}
		if (names ? provision_name_line(cell, p->domain, r->address,
		    sizeof(r->address), r->first, sizeof(r->first), r->last,
		    sizeof(r->last)) == -1 : smtp_parse_mailbox(cell,
		    r->address, sizeof(r->address)) == -1) {
			row_bad(r, "line %zu: '%.64s' does not make a valid "
			    "address", rec.line, cell);
			(void)util_snprintf(r->address, sizeof(r->address),
			    "%.200s", cell);
			continue;
		}
		if (!names && f >= 0 && (size_t)f < rec.nfields)
			util_strlcpy(r->first, rec.field[f], sizeof(r->first));
		if (!names && l >= 0 && (size_t)l < rec.nfields)
			util_strlcpy(r->last, rec.field[l], sizeof(r->last));
		if (!names && p->domain[0] != '\0' && strcasecmp(strrchr(
		    r->address, '@') + 1, p->domain) != 0)
			row_bad(r, "not in %s", p->domain);
	}
	csv_record_free(&rec);
	if (more == -1)
		return http_problem(out, 400, rd.err, "csv is RFC 4180 text");
	if (p->n == 0)
		return http_problem(out, 400, "csv holds no names", NULL);
	return 200;
}

/*
 * Each row against the request and the store: duplicates, the token's
 * domain (403 for the whole run), local domains, existing mailboxes and
 * aliases.  200, or a problem.
 */
static int
prov_check(struct store *st, struct prov *p, struct buf *out)
{
	struct store_domain	 dom;
	struct store_mailbox	 mb;
	struct prow		*r;
	char			 last[STORE_ADDR_MAX + 1] = "";
	const char		*d;
	size_t			 i, k;
	int			 known = 0, rc;

	for (i = 0; i < p->n; i++) {
		r = &p->rows[i];
		if (r->status == ROW_INVALID)
			continue;
		d = strrchr(r->address, '@') + 1;
		if (!api_domain_ok(p->c, d))
			return http_problem(out, 403, "this token is limited to "
			    "another domain", NULL);
		for (k = 0; k < i; k++)
			if (strcmp(p->rows[k].address, r->address) == 0)
				break;
		if (k < i) {
			row_bad(r, "appears twice (row %zu)", k + 1);
			continue;
		}
		if (strcmp(d, last) != 0) {
			util_strlcpy(last, d, sizeof(last));
			if ((rc = store_domain_get(st, d, &dom)) == STORE_ERR)
				return http_problem(out, 503, "the account "
				    "store did not answer", NULL);
			known = rc == STORE_OK;
		}
		if (!known)
			row_bad(r, "%s is not a local domain (POST "
			    "/api/v1/domains)", d);
		else if (store_mailbox_get(st, r->address, &mb) == STORE_OK)
			r->status = ROW_EXISTS;
		else if (store_address_exists(st, r->address) == STORE_OK)
			row_bad(r, "an alias has this address");
	}
	for (i = 0; i < p->n; i++) {
		r = &p->rows[i];
		p->nnew += r->status == ROW_NEW;
		p->nexist += r->status == ROW_EXISTS;
		p->ninvalid += r->status == ROW_INVALID;
	}
	return 200;
}

/* The new rows' passwords, within the deadline.  200, or a problem. */
static int
prov_hash(struct prov *p, struct buf *out)
{
	uint64_t	 t0 = util_monotonic_ms(), budget, elapsed, left;
	char		 detail[256], fix[256];
	size_t		 i, k = 0, done = 0, fit;
	int		 rc;

	if (p->nnew == 0)
		return 200;
	if ((p->sec = calloc(p->nnew, sizeof(*p->sec))) == NULL)
		return http_problem(out, 500, "out of memory", NULL);
	for (i = 0; i < p->n; i++)
		if (p->rows[i].status == ROW_NEW)
			p->rows[i].sec = &p->sec[k++];
	/* leave the store, the answer and a hash in progress 2 s at least */
	budget = (uint64_t)api_cfg->admin_timeout_ms * HASH_SHARE / 100;
	if (api_cfg->admin_timeout_ms - budget < 2000)
		budget = api_cfg->admin_timeout_ms / 2;
	/* from the start of the operation: parsing and checking 5,000 rows
	   take their share of admin_timeout too */
	rc = provision_hash_all(p->sec, p->nnew, sizeof(*p->sec),
	    p->start + budget, &done);
	if (rc == -1)
		return http_problem(out, 500, "no password could be made", NULL);
	if (rc == -2) {
		/* how many fit the budget at the pace seen, less a tenth */
		elapsed = util_monotonic_ms() - t0;
		left = p->start + budget > t0 ? p->start + budget - t0 : 0;
		fit = elapsed > 0 ? (size_t)((uint64_t)done * left / elapsed *
		    9 / 10) : done;
		(void)util_snprintf(detail, sizeof(detail), "hashing %zu "
		    "passwords would take longer than this server's "
		    "admin_timeout allows (%zu done in %.1f s); nothing was "
		    "created", p->nnew, done, (double)elapsed / 1000);
		(void)util_snprintf(fix, sizeof(fix), "send at most %zu rows "
		    "a request, or raise admin_timeout in postern.conf, or run "
		    "postern provision on the server", fit > 0 ? fit : 1);
		return http_problem(out, 422, detail, fix);
	}
	return 200;
}

/* Every new mailbox in one transaction, each audited.  200. */
static int
prov_commit(struct store *st, struct prov *p, struct buf *out)
{
	struct prow	*r;
	size_t		 i;
	int		 rc = store_begin(st);

	for (i = 0; i < p->n && rc == STORE_OK; i++) {
		r = &p->rows[i];
		if (r->status != ROW_NEW)
			continue;
		rc = store_mailbox_add(st, r->address, r->sec->hash);
		if (rc == STORE_OK && r->daily_limit > 0)
			rc = store_mailbox_set_limit(st, r->address,
			    (uint32_t)r->daily_limit);
		if (rc == STORE_OK && p->warmup == 1)
			rc = store_warmup_start(st, r->address, clock_now(),
			    0, 0);
		/* in the transaction: one commit (and sync) for the run */
		if (rc == STORE_OK)
			api_audit(st, p->c, "mailbox.create", r->address,
			    "provision");
	}
	if (rc == STORE_OK)
		rc = store_commit(st);
	if (rc != STORE_OK) {
		store_rollback(st);
		return http_problem(out, 503, "the account store refused the "
		    "run; nothing was created", store_errmsg(st));
	}
	return 200;
}

/* The platform CSV of the new rows into b.  0 or -1. */
static int
prov_csv(struct store *st, struct prov *p, struct buf *b)
{
	struct provision_endpoints	 ep;
	struct provision_account	 pa;
	struct store_domain		 dom;
	struct prow			*r;
	size_t				 i;
	int				 hdr = 0;

	for (i = 0; i < p->n; i++) {
		r = &p->rows[i];
		if (r->status != ROW_NEW)
			continue;
		if (store_domain_get(st, strrchr(r->address, '@') + 1, &dom) !=
		    STORE_OK)
			dom.submission_host[0] = '\0';
		provision_endpoints(api_cfg, dom.submission_host, &ep);
		if (!hdr++ && provision_fmt_header(p->fmt, ep.imap_host != NULL,
		    b) == -1)
			return -1;
		if (r->first[0] == '\0' && r->last[0] == '\0')
			(void)provision_names_from_local(r->address, r->first,
			    sizeof(r->first), r->last, sizeof(r->last));
		memset(&pa, 0, sizeof(pa));
		pa.email = r->address;
		pa.first_name = r->first;
		pa.last_name = r->last;
		pa.password = r->sec->password;
		pa.smtp_host = ep.smtp_host;
		pa.smtp_port = ep.smtp_port;
		pa.imap_host = ep.imap_host;
		pa.imap_port = ep.imap_host != NULL ? ep.imap_port : 0;
		pa.daily_limit = (unsigned)r->daily_limit;
		pa.warmup = p->warmup == -1 ? PROVISION_WARMUP_DEFAULT :
		    p->warmup ? PROVISION_WARMUP_ON : PROVISION_WARMUP_OFF;
		if (provision_fmt_row(p->fmt, &pa, b) == -1)
			return -1;
	}
	return 0;
}

/*
 * The answer: status and, with secrets, the passwords and the CSV (never
 * kept: the stored answer is made without them).  status back, or 500.
 */
static int
prov_answer(struct store *st, struct prov *p, int status, int secrets,
    struct buf *out)
{
	static const char	*names[] = { "created", "exists", "invalid" };
	struct json		 j;
	struct buf		 csv;
	struct prow		*r;
	size_t			 i;
	int			 rc = 0;

	buf_init(&csv, 64 * 1024 * 1024);
	if (secrets && prov_csv(st, p, &csv) == -1)
		rc = -1;
	buf_reset(out);
	json_init(&j, out);
	json_obj_begin(&j);
	if (status >= 400) {		/* a problem, with the rows */
		json_kstr(&j, "type", "about:blank");
		json_kstr(&j, "title", http_reason(status));
		json_kint(&j, "status", status);
		json_kstr(&j, "detail", "some rows are invalid (see rows): "
		    "nothing was created");
		json_kstr(&j, "fix", "correct or drop them; a dry run "
		    "(\"dry_run\": true) says what would happen");
	}
	json_kbool(&j, "dry_run", p->dry_run);
	json_kint(&j, "created", p->dry_run || status >= 400 ? 0 :
	    (int64_t)p->nnew);
	json_kint(&j, "existing", (int64_t)p->nexist);
	json_kint(&j, "invalid", (int64_t)p->ninvalid);
	json_kstr(&j, "format", p->fmt->name);
	json_key(&j, "rows");
	json_arr_begin(&j);
	for (i = 0; i < p->n; i++) {
		r = &p->rows[i];
		json_obj_begin(&j);
		json_kstr(&j, "address", r->address);
		json_kstr(&j, "status", r->status == ROW_NEW &&
		    (p->dry_run || status >= 400) ? "would_create" :
		    names[r->status]);
		if (r->status == ROW_INVALID)
			json_kstr(&j, "error", r->error);
		if (secrets && r->sec != NULL)
			json_kstr(&j, "password", r->sec->password);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (secrets) {
		json_kstr(&j, "csv", buf_str(&csv));
		json_kstr(&j, "note", "the passwords are in this answer only: "
		    "the server keeps their hashes");
	}
	json_kbool(&j, "replayed", 0);
	json_obj_end(&j);
	if (csv.data != NULL)
		explicit_bzero(csv.data, csv.len);
	buf_free(&csv);
	return rc == 0 && json_finish(&j) == 0 ? status : 500;
}

/* What a stored answer says of the call (idem_row()). */
struct idem_hit {
	const char	*request;
	int		 same;
	int		 status;
	struct buf	*out;
};

static int
idem_row(const char *request, int status, const char *answer, void *arg)
{
	struct idem_hit	*h = arg;
	json_t		*root;
	char		*s = NULL;

	h->same = strcmp(request, h->request) == 0;
	h->status = status;
	if (!h->same)
		return 0;
	if ((root = json_loads(answer, 0, NULL)) == NULL ||
	    json_object_set_new(root, "replayed", json_true()) == -1 ||
	    (s = json_dumps(root, JSON_COMPACT)) == NULL ||
	    buf_appends(h->out, s) == -1)
		h->status = 500;
	free(s);
	json_decref(root);
	return 0;
}

/* A replay of an earlier run answered from the store: *done = 1. */
static int
prov_replay(struct store *st, struct prov *p, struct buf *out, int *done)
{
	struct idem_hit	h = { p->request, 0, 0, out };
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0, i;
	int		rc;

	*done = 0;
	if (p->c->r.idem_key[0] == '\0')
		return 200;
	if (EVP_Digest(p->c->r.body, p->c->r.body_len, md, &mdlen,
	    EVP_sha256(), NULL) != 1)
		return http_problem(out, 500, "no digest", NULL);
	for (i = 0; i < mdlen && i < 32; i++)
		(void)snprintf(p->request + 2 * i, 3, "%02x", md[i]);
	rc = store_idem_get(st, p->c->r.actor, p->c->r.idem_key,
	    p->c->now - IDEM_TTL, idem_row, &h);
	if (rc == STORE_NOTFOUND)
		return 200;
	*done = 1;
	if (rc != STORE_OK)
		return http_problem(out, 503, "the account store did not "
		    "answer", NULL);
	if (!h.same)
		return http_problem(out, 422, "this Idempotency-Key was used "
		    "with another body", "use a new key for a new run");
	return h.status;
}

/* Keep the answer without its secrets under the call's key. */
static void
prov_keep(struct store *st, struct prov *p, int status)
{
	struct buf	kept;

	if (p->c->r.idem_key[0] == '\0')
		return;
	buf_init(&kept, 8 * 1024 * 1024);
	if (prov_answer(st, p, status, 0, &kept) == status &&
	    store_idem_put(st, p->c->r.actor, p->c->r.idem_key, p->request,
	    p->c->now, status, buf_str(&kept)) != STORE_OK)
		log_warnx("api: provision: the answer for its Idempotency-Key "
		    "was not kept: %s", store_errmsg(st));
	buf_free(&kept);
}

static void
prov_free(struct prov *p)
{
	if (p->sec != NULL) {
		explicit_bzero(p->sec, p->nnew * sizeof(*p->sec));
		free(p->sec);
	}
	free(p->rows);
}

/* Hash, store, audit and answer a checked run.  An HTTP status. */
static int
prov_create(struct store *st, struct prov *p, struct buf *out)
{
	char		 detail[128];
	uint64_t	 t0 = util_monotonic_ms(), t1;
	int		 rc;

	if ((rc = prov_hash(p, out)) != 200)
		return rc;
	t1 = util_monotonic_ms();
	if ((rc = prov_commit(st, p, out)) != 200)
		return rc;
	log_info("api: provision by %s: %zu created (hashing %llu ms, store "
	    "%llu ms)", p->c->r.actor, p->nnew, (unsigned long long)(t1 - t0),
	    (unsigned long long)(util_monotonic_ms() - t1));
	(void)util_snprintf(detail, sizeof(detail), "%zu created, %zu existed, "
	    "format %s", p->nnew, p->nexist, p->fmt->name);
	api_audit(st, p->c, "provision", p->domain[0] ? p->domain : "rows",
	    detail);
	rc = p->nnew > 0 ? 201 : 200;
	prov_keep(st, p, rc);
	return prov_answer(st, p, rc, 1, out);
}

int
api_provision(struct store *st, const struct api_call *c, struct buf *out)
{
	struct prov	 p;
	json_t		*root;
	int		 rc, done = 0;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.start = util_monotonic_ms();
	/* root holds the strings p points to: it lives to the end */
	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	if ((rc = prov_parse(&p, root, out)) == 200)
		rc = prov_replay(st, &p, out, &done);
	if (rc == 200 && !done && (rc = prov_make_rows(&p, out)) == 200 &&
	    (rc = prov_check(st, &p, out)) == 200)
		rc = p.dry_run || p.ninvalid > 0 ? prov_answer(st, &p,
		    p.dry_run ? 200 : 400, 0, out) : prov_create(st, &p, out);
	json_decref(root);
	prov_free(&p);
	return rc;
}
