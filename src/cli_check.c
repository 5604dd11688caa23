/*
 * cli_check: the command line of `postern check` -- options, reading the
 * password (stdin or an environment variable, never the command line),
 * printing a check as text or JSON with its explanations, and the bulk
 * mode over a provisioning CSV with bounded concurrency, which never
 * retries a failed AUTH so it cannot lock a mailbox out.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "csv.h"
#include "explain.h"
#include "json.h"
#include "kb.h"
#include "util.h"

#define PASSWORD_MAX	1024
#define BULK_MAX	100000
#define BULK_THREADS	32

static const char *state_tag[] = { "skip", "ok", "warn", "FAIL" };

static void	json_entry(struct json *, const char *, const struct kb_entry *);
static void	explain_step(const struct check_step_result *, int);
static int	read_password(const char *, const char *, char *, size_t,
		    size_t *);
static int	bulk(const struct check_opts *, const char *, const char *,
		    unsigned);

static void
explain_step(const struct check_step_result *sr, int verbose)
{
	struct kb_match	m;

	if (!sr->has_reply)
		return;
	kb_lookup(sr->reply.code, sr->reply.enhanced, sr->reply.text, &m);
	if (m.provider)
		explain_entry_text(stdout, 4, "Provider reply", m.provider);
	if (m.enhanced && (verbose || m.provider == NULL))
		explain_entry_text(stdout, 4, "Enhanced code", m.enhanced);
	if (m.basic && (verbose || (m.provider == NULL && m.enhanced == NULL)))
		explain_entry_text(stdout, 4, "Reply code", m.basic);
}

void
check_print_text(const struct check_result *r, int verbose)
{
	const struct check_step_result	*sr;
	int				 s;

	printf("postern check %s:%u (%s)\n", r->host, r->port,
	    r->mode == CHECK_TLS ? "implicit TLS" : r->mode == CHECK_PLAIN ?
	    "plain" : "STARTTLS");
	for (s = 0; s < STEP_COUNT; s++) {
		sr = &r->step[s];
		if (sr->state == STEP_SKIPPED)
			continue;
		printf("  %-4s %-12s %s (%llu ms)\n", state_tag[sr->state],
		    check_step_name((enum check_step)s), sr->detail,
		    (unsigned long long)sr->ms);
		if (sr->note[0])
			printf("      note: %s\n", sr->note);
		if (sr->state == STEP_FAILED)
			explain_step(sr, verbose);
	}
	if (r->banner_host[0])
		printf("answered by: %s (%s)\n", r->banner_host, r->software);
	if (r->failed >= 0)
		printf("result: FAILED at %s (exit status %d)\n",
		    check_step_name((enum check_step)r->failed),
		    r->exit_status);
	else
		printf("result: ok\n");
}

static void
json_entry(struct json *j, const char *k, const struct kb_entry *e)
{
	json_key(j, k);
	if (e == NULL)
		json_null(j);
	else
		explain_entry_json(j, k, e);
}

void
check_print_json(const struct check_result *r)
{
	const struct check_step_result	*sr;
	struct kb_match			 m;
	struct json			 j;
	struct buf			 b;
	int				 s;

	buf_init(&b, 1024 * 1024);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_kstr(&j, "host", r->host);
	json_kint(&j, "port", r->port);
	json_kstr(&j, "mode", r->mode == CHECK_TLS ? "tls" :
	    r->mode == CHECK_PLAIN ? "plain" : "starttls");
	json_kstr(&j, "address", r->addr);
	json_kstr(&j, "banner_host", r->banner_host);
	json_kstr(&j, "software", r->software);
	json_kstr(&j, "auth_before_tls", r->auth_before_tls);
	json_kstr(&j, "auth_after_tls", r->auth_after_tls);
	if (r->tls_active) {
		json_key(&j, "tls");
		json_obj_begin(&j);
		json_kstr(&j, "version", r->tls.version);
		json_kstr(&j, "cipher", r->tls.cipher);
		json_kstr(&j, "subject", r->tls.subject);
		json_kstr(&j, "san", r->tls.san);
		json_kstr(&j, "issuer", r->tls.issuer);
		json_kstr(&j, "not_after", r->tls.not_after);
		json_kbool(&j, "name_matches", r->tls.name_matches);
		json_kbool(&j, "verified", r->tls.verified);
		json_kstr(&j, "verify_error", r->tls.verify_error);
		json_obj_end(&j);
	}
	json_key(&j, "steps");
	json_arr_begin(&j);
	for (s = 0; s < STEP_COUNT; s++) {
		sr = &r->step[s];
		if (sr->state == STEP_SKIPPED)
			continue;
		json_obj_begin(&j);
		json_kstr(&j, "step", check_step_name((enum check_step)s));
		json_kstr(&j, "state", sr->state == STEP_OK ? "ok" :
		    sr->state == STEP_WARN ? "warn" : "failed");
		json_kint(&j, "ms", (int64_t)sr->ms);
		json_kstr(&j, "detail", sr->detail);
		json_kstr(&j, "note", sr->note);
		if (sr->has_reply) {
			json_key(&j, "reply");
			json_obj_begin(&j);
			json_kint(&j, "code", sr->reply.code);
			json_kstr(&j, "enhanced", sr->reply.enhanced);
			json_kstr(&j, "text", sr->reply.text);
			json_obj_end(&j);
			kb_lookup(sr->reply.code, sr->reply.enhanced,
			    sr->reply.text, &m);
			json_key(&j, "explanation");
			json_obj_begin(&j);
			json_entry(&j, "provider", m.provider);
			json_entry(&j, "enhanced", m.enhanced);
			json_entry(&j, "basic", m.basic);
			json_obj_end(&j);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_kstr(&j, "result", r->failed >= 0 ? "failed" : "ok");
	json_kstr(&j, "failed_step", r->failed >= 0 ?
	    check_step_name((enum check_step)r->failed) : "");
	json_kint(&j, "exit_status", r->exit_status);
	json_obj_end(&j);
	if (json_finish(&j) == 0)
		printf("%s\n", buf_str(&b));
	buf_free(&b);
}

/*
 * The password exactly as given: from stdin only the final LF is
 * removed (so a pasted CR or a second newline is still seen and
 * reported); from the environment nothing is removed.
 */
static int
read_password(const char *how, const char *env, char *pw, size_t pwsz,
    size_t *len)
{
	const char	*v;
	size_t		 n = 0;
	int		 c;

	if (how == NULL)
		return 0;
	if (strcmp(how, "env") == 0) {
		if ((v = getenv(env)) == NULL) {
			fprintf(stderr, "postern check: environment variable "
			    "%s is not set\n", env);
			return -1;
		}
		if ((n = strlen(v)) >= pwsz)
			return -1;
		memcpy(pw, v, n + 1);
	} else {
		while ((c = getchar()) != EOF) {
			if (n + 1 >= pwsz)
				return -1;
			pw[n++] = (char)c;
		}
		if (n > 0 && pw[n - 1] == '\n')
			n--;
		pw[n] = '\0';
	}
	*len = n;
	return 0;
}

int
cli_check(int argc, char **argv)
{
	struct check_opts	 o;
	struct check_result	*r;
	char			 pw[PASSWORD_MAX + 1], *end, *colon;
	const char		*how = NULL, *env = NULL, *csvin = NULL;
	const char		*csvout = NULL;
	unsigned long		 v;
	unsigned		 conc = 4;
	int			 i, json = 0, verbose = 0, rc;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 10000;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] :
		    NULL;

		if (strcmp(a, "--json") == 0)
			json = 1;
		else if (strcmp(a, "--verbose") == 0)
			verbose = 1;
		else if (strcmp(a, "--send") == 0)
			o.send = 1;
		else if (strcmp(a, "--clean") == 0)
			o.clean = 1;
		else if (strcmp(a, "--password-stdin") == 0)
			how = "stdin";
		else if (a[0] == '-' && val == NULL)
			goto usage;
		else if (strcmp(a, "--user") == 0)
			o.user = argv[++i];
		else if (strcmp(a, "--password-env") == 0) {
			how = "env";
			env = argv[++i];
		} else if (strcmp(a, "--from") == 0)
			o.from = argv[++i];
		else if (strcmp(a, "--to") == 0)
			o.to = argv[++i];
		else if (strcmp(a, "--ehlo") == 0)
			o.ehlo = argv[++i];
		else if (strcmp(a, "--cafile") == 0)
			o.cafile = argv[++i];
		else if (strcmp(a, "--connect-to") == 0)
			o.connect_to = argv[++i];
		else if (strcmp(a, "--csv") == 0)
			csvin = argv[++i];
		else if (strcmp(a, "--out") == 0)
			csvout = argv[++i];
		else if (strcmp(a, "--concurrency") == 0) {
			v = strtoul(argv[++i], &end, 10);
			if (*end || v == 0 || v > BULK_THREADS)
				goto usage;
			conc = (unsigned)v;
		} else if (strcmp(a, "--timeout") == 0) {
			v = strtoul(argv[++i], &end, 10);
			if (*end || v == 0 || v > 600)
				goto usage;
			o.timeout_ms = (unsigned)v * 1000;
		} else if (strcmp(a, "--mode") == 0) {
			val = argv[++i];
			if (strcmp(val, "auto") == 0)
				o.mode = CHECK_AUTO;
			else if (strcmp(val, "starttls") == 0)
				o.mode = CHECK_STARTTLS;
			else if (strcmp(val, "tls") == 0)
				o.mode = CHECK_TLS;
			else if (strcmp(val, "plain") == 0)
				o.mode = CHECK_PLAIN;
			else
				goto usage;
		} else if (a[0] == '-')
			goto usage;
		else if (o.host[0] == '\0') {
			if (util_strlcpy(o.host, a, sizeof(o.host)) == -1)
				goto usage;
			/* HOST:PORT; [v6]:PORT */
			if (o.host[0] == '[' && (end = strchr(o.host, ']'))) {
				memmove(o.host, o.host + 1, strlen(o.host));
				end--;
				*end = '\0';
				colon = end[1] == ':' ? end + 1 : NULL;
			} else if ((colon = strrchr(o.host, ':')) != NULL &&
			    strchr(o.host, ':') != colon)
				colon = NULL;	/* bare IPv6 */
			if (colon != NULL) {
				*colon = '\0';
				v = strtoul(colon + 1, &end, 10);
				if (*end || v == 0 || v > 65535)
					goto usage;
				o.port = (unsigned)v;
			}
		} else
			goto usage;
	}
	if (csvin != NULL)
		return bulk(&o, csvin, csvout, conc);
	if (read_password(how, env, pw, sizeof(pw), &o.passlen) == -1) {
		fprintf(stderr, "postern check: no usable password (at most "
		    "%d bytes)\n", PASSWORD_MAX);
		return 2;
	}
	if (how != NULL)
		o.password = pw;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return 1;
	check_run(&o, r);
	explicit_bzero(pw, sizeof(pw));
	if (json)
		check_print_json(r);
	else
		check_print_text(r, verbose);
	rc = r->exit_status;
	free(r);
	return rc;
usage:
	fprintf(stderr, "usage: postern check [HOST[:PORT]] [--user USER] "
	    "[--password-stdin | --password-env VAR]\n"
	    "         [--mode auto|starttls|tls|plain] [--from ADDR] [--to ADDR] "
	    "[--send] [--clean]\n"
	    "         [--timeout SECONDS] [--cafile FILE] [--ehlo NAME] "
	    "[--connect-to ADDR] [--json] [--verbose]\n"
	    "       postern check --csv ACCOUNTS.csv [--out RESULTS.csv] "
	    "[--concurrency N] [--timeout S]\n"
	    "exit status: 0 ok, 3 dns, 4 connect, 5 tls/starttls, 6 banner, "
	    "7 ehlo, 8 auth, 9 mail, 10 rcpt, 11 data, 2 usage\n");
	return 2;
}

/* --- bulk ------------------------------------------------------------------ */

struct bulk_row {
	char	user[256];
	char	pass[PASSWORD_MAX + 1];
	char	host[256];
	unsigned port;
	struct check_result *r;
};

struct bulk_ctx {
	const struct check_opts	*base;
	struct bulk_row		*rows;
	size_t			 n;
	size_t			 next;
	pthread_mutex_t		 lock;
};

static int
column(const struct csv_record *h, const char *const *names)
{
	size_t	i, k;

	for (k = 0; names[k] != NULL; k++)
		for (i = 0; i < h->nfields; i++)
			if (strcasecmp(h->field[i], names[k]) == 0)
				return (int)i;
	return -1;
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
		check_run(&o, row->r);
		explicit_bzero(row->pass, sizeof(row->pass));
	}
}

static int
bulk(const struct check_opts *base, const char *in, const char *out,
    unsigned conc)
{
	static const char *const user_cols[] = { "username", "smtp_username",
	    "smtp username", "user_name", "email", "from_email", NULL };
	static const char *const pass_cols[] = { "password", "smtp_password",
	    "smtp password", NULL };
	static const char *const host_cols[] = { "smtp_host", "smtp host",
	    "host", NULL };
	static const char *const port_cols[] = { "smtp_port", "smtp port",
	    "port", NULL };
	struct csv_reader	 rd;
	struct csv_record	 rec, head;
	struct bulk_ctx		 b;
	struct buf		 data, res;
	pthread_t		 t[BULK_THREADS];
	FILE			*f;
	char			 chunk[65536], explanation[600];
	size_t			 n, i, nt, ok = 0, by_step[STEP_COUNT] = { 0 };
	int			 cu, cp, ch, cport, rc, fd;

	buf_init(&data, 64 * 1024 * 1024);
	if ((f = fopen(in, "r")) == NULL) {
		fprintf(stderr, "postern check: %s: %s\n", in, strerror(errno));
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&data, chunk, n) == -1) {
			fprintf(stderr, "postern check: %s: too large\n", in);
			fclose(f);
			return 2;
		}
	fclose(f);
	csv_reader_init(&rd, data.data ? data.data : "", data.len);
	csv_record_init(&head);
	csv_record_init(&rec);
	if (csv_read(&rd, &head) != 1) {
		fprintf(stderr, "postern check: %s: no header row\n", in);
		return 2;
	}
	cu = column(&head, user_cols);
	cp = column(&head, pass_cols);
	ch = column(&head, host_cols);
	cport = column(&head, port_cols);
	if (cu < 0 || cp < 0) {
		fprintf(stderr, "postern check: %s: needs a username (or email) "
		    "and a password column (generic, instantly or smartlead "
		    "format)\n", in);
		return 2;
	}
	memset(&b, 0, sizeof(b));
	b.base = base;
	while ((rc = csv_read(&rd, &rec)) == 1) {
		struct bulk_row	*row;

		if (b.n == BULK_MAX || (row = reallocarray(b.rows, b.n + 1,
		    sizeof(*b.rows))) == NULL) {
			fprintf(stderr, "postern check: %s: too many rows\n",
			    in);
			return 2;
		}
		b.rows = row;
		row = &b.rows[b.n];
		memset(row, 0, sizeof(*row));
		if ((size_t)cu >= rec.nfields || (size_t)cp >= rec.nfields)
			continue;
		util_strlcpy(row->user, rec.field[cu], sizeof(row->user));
		util_strlcpy(row->pass, rec.field[cp], sizeof(row->pass));
		util_strlcpy(row->host, ch >= 0 && (size_t)ch < rec.nfields ?
		    rec.field[ch] : base->host, sizeof(row->host));
		row->port = cport >= 0 && (size_t)cport < rec.nfields ?
		    (unsigned)strtoul(rec.field[cport], NULL, 10) : base->port;
		if (base->host[0] != '\0')	/* command line wins */
			util_strlcpy(row->host, base->host, sizeof(row->host));
		if (base->port != 0)
			row->port = base->port;
		if ((row->r = calloc(1, sizeof(*row->r))) == NULL)
			return 1;
		b.n++;
	}
	if (rc == -1) {
		fprintf(stderr, "postern check: %s: %s\n", in, rd.err);
		return 2;
	}
	explicit_bzero(data.data, data.len);
	buf_free(&data);
	csv_record_free(&rec);
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
	buf_init(&res, 256 * 1024 * 1024);
	{
		const char *hdr[] = { "mailbox", "result", "failed_step",
		    "reply", "explanation" };

		csv_row(&res, hdr, 5);
	}
	for (i = 0; i < b.n; i++) {
		struct check_result	*r = b.rows[i].r;
		const struct check_step_result *sr = r->failed >= 0 ?
		    &r->step[r->failed] : NULL;
		struct kb_match		 m;
		char			 reply[REPLY_TEXT_MAX + 32] = "";
		const char		*cells[5];

		explanation[0] = '\0';
		if (sr != NULL && sr->has_reply) {
			snprintf(reply, sizeof(reply), "%d %s %s",
			    sr->reply.code, sr->reply.enhanced,
			    sr->reply.text);
			kb_lookup(sr->reply.code, sr->reply.enhanced,
			    sr->reply.text, &m);
			const struct kb_entry *e = m.provider ? m.provider :
			    m.enhanced ? m.enhanced : m.basic;
			if (e != NULL)
				snprintf(explanation, sizeof(explanation),
				    "%s: %s", e->title, e->meaning);
		} else if (sr != NULL)
			util_strlcpy(reply, sr->detail, sizeof(reply));
		if (sr != NULL && sr->note[0])
			snprintf(explanation + strlen(explanation),
			    sizeof(explanation) - strlen(explanation), "%s%s",
			    explanation[0] ? " " : "", sr->note);
		cells[0] = b.rows[i].user;
		cells[1] = r->failed >= 0 ? "failed" : "ok";
		cells[2] = r->failed >= 0 ?
		    check_step_name((enum check_step)r->failed) : "";
		cells[3] = reply;
		cells[4] = explanation;
		csv_row(&res, cells, 5);
		if (r->failed >= 0)
			by_step[r->failed]++;
		else
			ok++;
	}
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
	fprintf(out ? stdout : stderr, "checked %zu mailbox(es): %zu ok",
	    b.n, ok);
	for (i = 0; i < STEP_COUNT; i++)
		if (by_step[i])
			fprintf(out ? stdout : stderr, ", %zu failed at %s",
			    by_step[i], check_step_name((enum check_step)i));
	fprintf(out ? stdout : stderr, "\n");
	for (i = 0; i < b.n; i++)
		free(b.rows[i].r);
	free(b.rows);
	buf_free(&res);
	csv_record_free(&head);
	return ok == b.n ? 0 : 1;
}
