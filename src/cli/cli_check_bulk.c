/*
 * cli_check_bulk: `postern check --csv`, see cli_check_bulk.h.  The
 * columns are found by name with provision_fmt_columns() (the header
 * texts of every format `postern provision` writes, and the platforms'
 * own), rows run on at most CHECK_BULK_THREADS threads, and with
 * IMAP columns the IMAP leg runs too, so the summary says when SMTP
 * works but IMAP fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli_check_bulk.h"
#include "core/provision_fmt.h"
#include "diag/check.h"
#include "diag/explain.h"
#include "diag/kb.h"
#include "lib/buf.h"
#include "lib/csv.h"
#include "lib/util.h"

#define PASSWORD_MAX	1024
#define BULK_MAX	100000

struct bulk_row;
struct bulk_ctx;
struct bulk_cols;

static void	bulk_columns(const struct csv_record *, struct bulk_cols *);
static const char *cell(const struct csv_record *, int);
static enum check_mode security_mode(const char *);
static void	bulk_fill(struct bulk_row *, const struct csv_record *,
		    const struct bulk_cols *, const struct check_opts *);
static void	*bulk_worker(void *);
static int	bulk_read(const char *, const struct check_opts *,
		    struct bulk_ctx *);
static void	smtp_cells(const struct check_result *, char *, size_t,
		    char *, size_t);
static void	imap_cells(const struct check_imap_result *, char *, size_t,
		    char *, size_t);
static void	bulk_result(struct buf *, const struct bulk_row *, int);
static int	bulk_summary(FILE *, const struct bulk_ctx *);

struct bulk_row {
	char	user[256];
	char	pass[PASSWORD_MAX + 1];
	char	host[256];
	unsigned port;
	int	imap;			/* the row has IMAP settings */
	enum check_mode imap_mode;	/* from an imap_security column */
	char	imap_user[256];		/* "" = the SMTP user */
	char	imap_pass[PASSWORD_MAX + 1];
	char	imap_host[256];
	unsigned imap_port;
	struct check_result *r;
};

struct bulk_ctx {
	const struct check_opts	*base;
	struct bulk_row		*rows;
	size_t			 n;
	size_t			 next;
	pthread_mutex_t		 lock;
};

/* Column numbers (-1: absent), from provision_fmt_columns(). */
struct bulk_cols {
	int	user, pass, host, port;
	int	iuser, ipass, ihost, iport, isec;
};

/*
 * The login is the SMTP username column, else the address column (the
 * username is the full address in every format, and some exports carry
 * only the address).
 */
static void
bulk_columns(const struct csv_record *h, struct bulk_cols *c)
{
	int	map[PROVISION_V_COUNT];

	provision_fmt_columns((const char *const *)h->field, h->nfields,
	    map);
	c->user = map[PROVISION_V_SMTP_USER] >= 0 ?
	    map[PROVISION_V_SMTP_USER] : map[PROVISION_V_EMAIL];
	c->pass = map[PROVISION_V_SMTP_PASS];
	c->host = map[PROVISION_V_SMTP_HOST];
	c->port = map[PROVISION_V_SMTP_PORT];
	c->iuser = map[PROVISION_V_IMAP_USER];
	c->ipass = map[PROVISION_V_IMAP_PASS];
	c->ihost = map[PROVISION_V_IMAP_HOST];
	c->iport = map[PROVISION_V_IMAP_PORT];
	c->isec = map[PROVISION_V_IMAP_SECURITY];
}

/* "SSL/TLS", "STARTTLS", "none" (provision_fmt.c) as a mode. */
static enum check_mode
security_mode(const char *v)
{
	if (strcasestr(v, "starttls") != NULL)
		return CHECK_STARTTLS;
	if (strcasestr(v, "ssl") != NULL || strcasestr(v, "tls") != NULL)
		return CHECK_TLS;
	if (strcasecmp(v, "none") == 0 || strcasecmp(v, "plain") == 0)
		return CHECK_PLAIN;
	return CHECK_AUTO;
}

/* Field col of rec, "" if absent. */
static const char *
cell(const struct csv_record *rec, int col)
{
	return col >= 0 && (size_t)col < rec->nfields ? rec->field[col] : "";
}

/* One CSV row; the command line's host and ports win. */
static void
bulk_fill(struct bulk_row *row, const struct csv_record *rec,
    const struct bulk_cols *c, const struct check_opts *base)
{
	util_strlcpy(row->user, cell(rec, c->user), sizeof(row->user));
	util_strlcpy(row->pass, cell(rec, c->pass), sizeof(row->pass));
	util_strlcpy(row->host, c->host >= 0 ? cell(rec, c->host) :
	    base->host, sizeof(row->host));
	row->port = c->port >= 0 ? (unsigned)strtoul(cell(rec, c->port), NULL,
	    10) : base->port;
	if (base->host[0] != '\0')
		util_strlcpy(row->host, base->host, sizeof(row->host));
	if (base->port != 0)
		row->port = base->port;
	/* IMAP cells (empty when provisioned without IMAP) */
	util_strlcpy(row->imap_host, cell(rec, c->ihost),
	    sizeof(row->imap_host));
	row->imap_port = (unsigned)strtoul(cell(rec, c->iport), NULL, 10);
	row->imap = base->imap || row->imap_host[0] != '\0' ||
	    row->imap_port != 0;
	row->imap_mode = base->imap_mode != CHECK_AUTO ? base->imap_mode :
	    security_mode(cell(rec, c->isec));
	util_strlcpy(row->imap_user, cell(rec, c->iuser),
	    sizeof(row->imap_user));
	util_strlcpy(row->imap_pass, cell(rec, c->ipass),
	    sizeof(row->imap_pass));
}

static void *
bulk_worker(void *arg)
{
	struct bulk_ctx		*b = arg;
	struct check_opts	 o;
	struct bulk_row		*row;
	size_t			 i;

	for (;;) {
		pthread_mutex_lock(&b->lock);
		i = b->next++;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->n)
			return NULL;
		row = &b->rows[i];
		o = *b->base;
		util_strlcpy(o.host, row->host, sizeof(o.host));
		o.port = row->port;
		o.mode = CHECK_AUTO;
		o.user = row->user;
		o.password = row->pass;
		o.passlen = strlen(row->pass);
		o.no_retry = 1;		/* never risk a lockout */
		o.clean = 0;
		o.send = 0;
		o.to = NULL;
		o.imap = row->imap;
		o.imap_mode = row->imap_mode;
		if (b->base->imap_host[0] == '\0')
			util_strlcpy(o.imap_host, row->imap_host,
			    sizeof(o.imap_host));
		if (b->base->imap_port == 0)
			o.imap_port = row->imap_port;
		o.imap_user = row->imap_user[0] ? row->imap_user : NULL;
		o.imap_password = row->imap_pass[0] ? row->imap_pass : NULL;
		o.imap_passlen = strlen(row->imap_pass);
		check_run(&o, row->r);
		explicit_bzero(row->pass, sizeof(row->pass));
		explicit_bzero(row->imap_pass, sizeof(row->imap_pass));
	}
}

/* Read the CSV into b; 0, or the exit status after saying why. */
static int
bulk_read(const char *in, const struct check_opts *base, struct bulk_ctx *b)
{
	struct csv_reader	 rd;
	struct csv_record	 rec, head;
	struct bulk_cols	 cols;
	struct bulk_row		*row;
	struct buf		 data;
	FILE			*f;
	char			 chunk[65536];
	size_t			 n;
	int			 rc = 2;

	buf_init(&data, 64 * 1024 * 1024);
	csv_record_init(&head);
	csv_record_init(&rec);
	if ((f = fopen(in, "r")) == NULL) {
		fprintf(stderr, "postern check: %s: %s\n", in, strerror(errno));
		goto done;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&data, chunk, n) == -1) {
			fprintf(stderr, "postern check: %s: too large\n", in);
			fclose(f);
			goto done;
		}
	fclose(f);
	csv_reader_init(&rd, data.data ? data.data : "", data.len);
	if (csv_read(&rd, &head) != 1) {
		fprintf(stderr, "postern check: %s: no header row\n", in);
		goto done;
	}
	bulk_columns(&head, &cols);
	if (cols.user < 0 || cols.pass < 0) {
		fprintf(stderr, "postern check: %s: needs a username (or email) "
		    "and a password column (any format of postern provision "
		    "--format)\n", in);
		goto done;
	}
	while ((rc = csv_read(&rd, &rec)) == 1) {
		if ((size_t)cols.user >= rec.nfields ||
		    (size_t)cols.pass >= rec.nfields)
			continue;
		if (b->n == BULK_MAX || (row = reallocarray(b->rows, b->n + 1,
		    sizeof(*b->rows))) == NULL) {
			fprintf(stderr, "postern check: %s: too many rows\n",
			    in);
			rc = 2;
			goto done;
		}
		b->rows = row;
		row = &b->rows[b->n];
		memset(row, 0, sizeof(*row));
		bulk_fill(row, &rec, &cols, base);
		if ((row->r = calloc(1, sizeof(*row->r))) == NULL) {
			rc = 1;
			goto done;
		}
		b->n++;
	}
	if (rc == -1)
		fprintf(stderr, "postern check: %s: %s\n", in, rd.err);
	rc = rc == -1 ? 2 : 0;
done:
	if (data.data != NULL)
		explicit_bzero(data.data, data.len);
	buf_free(&data);
	csv_record_free(&rec);
	csv_record_free(&head);
	return rc;
}

/* The reply and explanation cells of an SMTP failure. */
static void
smtp_cells(const struct check_result *r, char *reply, size_t replysz,
    char *expl, size_t explsz)
{
	const struct check_step_result	*sr = &r->step[r->failed];
	const struct kb_entry		*e;
	struct kb_match			 m;

	if (sr->has_reply) {
		snprintf(reply, replysz, "%d %s %s", sr->reply.code,
		    sr->reply.enhanced, sr->reply.text);
		kb_lookup(sr->reply.code, sr->reply.enhanced, sr->reply.text,
		    &m);
		e = m.provider ? m.provider : m.enhanced ? m.enhanced :
		    m.basic;
		if (e != NULL)
			snprintf(expl, explsz, "%s: %s", e->title, e->meaning);
	} else
		util_strlcpy(reply, sr->detail, replysz);
	if (sr->note[0])
		snprintf(expl + strlen(expl), explsz - strlen(expl), "%s%s",
		    expl[0] ? " " : "", sr->note);
}

/* The same for an IMAP failure. */
static void
imap_cells(const struct check_imap_result *ir, char *reply, size_t replysz,
    char *expl, size_t explsz)
{
	const struct check_imap_step_result	*sr = &ir->step[ir->failed];
	struct kb_match				 m;

	util_strlcpy(reply, sr->response[0] ? sr->response : sr->detail,
	    replysz);
	if (sr->response[0] != '\0') {
		kb_lookup(0, NULL, sr->response, &m);
		if (m.provider != NULL)
			snprintf(expl, explsz, "%s: %s", m.provider->title,
			    m.provider->meaning);
	}
	if (sr->note[0])
		snprintf(expl + strlen(expl), explsz - strlen(expl), "%s%s",
		    expl[0] ? " " : "", sr->note);
}

/* One result row: SMTP's five cells, then IMAP's and the summary. */
static void
bulk_result(struct buf *res, const struct bulk_row *row, int imap)
{
	const struct check_result	*r = row->r;
	const struct check_imap_result	*ir = &r->imap;
	char				 reply[2][REPLY_TEXT_MAX + 32];
	char				 expl[2][800];
	const char			*cells[10];

	memset(reply, 0, sizeof(reply));
	memset(expl, 0, sizeof(expl));
	if (r->failed >= 0)
		smtp_cells(r, reply[0], sizeof(reply[0]), expl[0],
		    sizeof(expl[0]));
	if (ir->enabled && ir->failed >= 0)
		imap_cells(ir, reply[1], sizeof(reply[1]), expl[1],
		    sizeof(expl[1]));
	cells[0] = row->user;
	cells[1] = r->failed >= 0 ? "failed" : "ok";
	cells[2] = r->failed >= 0 ?
	    check_step_name((enum check_step)r->failed) : "";
	cells[3] = reply[0];
	cells[4] = expl[0];
	cells[5] = !ir->enabled ? "" : ir->failed >= 0 ? "failed" : "ok";
	cells[6] = ir->enabled && ir->failed >= 0 ? check_imap_step_name(
	    (enum check_imap_step)ir->failed) : "";
	cells[7] = reply[1];
	cells[8] = expl[1];
	cells[9] = ir->enabled ? check_summary(r) : "";
	csv_row(res, cells, imap ? 10 : 5);
}

/* "checked N mailbox(es): ..." on out; 1 if every check passed. */
static int
bulk_summary(FILE *out, const struct bulk_ctx *b)
{
	size_t	by[STEP_COUNT] = { 0 }, iby[ISTEP_COUNT] = { 0 };
	size_t	i, ok = 0, iok = 0, ichecked = 0, limited = 0;
	const struct check_result *r;

	for (i = 0; i < b->n; i++) {
		r = b->rows[i].r;
		if (r->failed >= 0)
			by[r->failed]++;
		else
			ok++;
		if (!r->imap.enabled)
			continue;
		ichecked++;
		if (r->imap.failed >= 0)
			iby[r->imap.failed]++;
		else
			iok++;
		limited += r->failed < 0 && r->imap.failed >= 0;
	}
	fprintf(out, "checked %zu mailbox(es): %zu ok", b->n, ok);
	for (i = 0; i < STEP_COUNT; i++)
		if (by[i])
			fprintf(out, ", %zu failed at %s", by[i],
			    check_step_name((enum check_step)i));
	if (ichecked > 0)
		fprintf(out, "; IMAP of %zu: %zu ok", ichecked, iok);
	for (i = 0; i < ISTEP_COUNT; i++)
		if (iby[i])
			fprintf(out, ", %zu failed at %s", iby[i],
			    check_imap_step_name((enum check_imap_step)i));
	if (limited > 0)
		fprintf(out, "; %zu limited connection(s): SMTP works but IMAP "
		    "fails, so replies will go undetected", limited);
	fprintf(out, "\n");
	return ok == b->n && iok == ichecked;
}

int
cli_check_bulk(const struct check_opts *base, const char *in, const char *out,
    unsigned conc)
{
	static const char *const hdr[] = { "mailbox", "result",
	    "failed_step", "reply", "explanation", "imap_result",
	    "imap_failed_step", "imap_reply", "imap_explanation", "summary" };
	struct bulk_ctx		 b;
	struct buf		 res;
	pthread_t		 t[CHECK_BULK_THREADS];
	size_t			 i, nt;
	int			 rc, fd, imap = 0;

	memset(&b, 0, sizeof(b));
	b.base = base;
	if ((rc = bulk_read(in, base, &b)) != 0)
		return rc;
	pthread_mutex_init(&b.lock, NULL);
	nt = conc < b.n ? conc : b.n;
	for (i = 0; i < nt; i++)
		if (pthread_create(&t[i], NULL, bulk_worker, &b) != 0)
			break;
	nt = i;
	if (nt == 0)
		bulk_worker(&b);
	for (i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < b.n; i++)
		imap |= b.rows[i].imap;
	buf_init(&res, 256 * 1024 * 1024);
	csv_row(&res, hdr, imap ? 10 : 5);
	for (i = 0; i < b.n; i++)
		bulk_result(&res, &b.rows[i], imap);
	if (out != NULL) {
		if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600)) == -1 || util_write_all(fd, res.data, res.len) ==
		    -1 || close(fd) == -1) {
			fprintf(stderr, "postern check: %s: %s\n", out,
			    strerror(errno));
			return 1;
		}
	} else
		fwrite(res.data, 1, res.len, stdout);
	rc = bulk_summary(out ? stdout : stderr, &b) ? 0 : 1;
	for (i = 0; i < b.n; i++)
		free(b.rows[i].r);
	free(b.rows);
	buf_free(&res);
	return rc;
}
