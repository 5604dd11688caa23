/*
 * cli_check: the command line of `postern check` -- options, reading the
 * password (stdin or an environment variable, never the command line),
 * printing a check as text or JSON with its explanations, and the bulk
 * mode over a provisioning CSV with bounded concurrency, which never
 * retries a failed AUTH so it cannot lock a mailbox out.  With --imap
 * (or IMAP columns in the CSV) the IMAP leg of check_imap.c runs too,
 * and the summary says when SMTP works but IMAP fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "diag/check.h"
#include "diag/explain.h"
#include "diag/kb.h"
#include "lib/buf.h"
#include "lib/csv.h"
#include "lib/json.h"
#include "lib/util.h"

#define PASSWORD_MAX	1024
#define BULK_MAX	100000
#define BULK_THREADS	32

static const char *state_tag[] = { "skip", "ok", "warn", "FAIL" };

/* The command line, parsed. */
struct check_cli {
	struct check_opts	 o;
	const char		*target;	/* HOST[:PORT] as given */
	const char		*how;		/* password: "stdin", "env" */
	const char		*env;
	const char		*csvin;
	const char		*csvout;
	unsigned		 conc;
	int			 json;
	int			 verbose;
};

struct bulk_row;
struct bulk_ctx;
struct bulk_cols;

static void	json_entry(struct json *, const char *, const struct kb_entry *);
static void	json_tls(struct json *, const struct sc_tls_info *);
static void	json_words(struct json *, const char *, const char *);
static void	json_imap_steps(struct json *,
		    const struct check_imap_result *);
static void	json_imap(struct json *, const struct check_imap_result *);
static const char *mode_name(enum check_mode);
static const char *failed_step_name(const struct check_result *);
static void	print_imap_text(const struct check_imap_result *);
static void	explain_step(const struct check_step_result *, int);
static int	read_password(const char *, const char *, char *, size_t,
		    size_t *);
static int	column(const struct csv_record *, const char *const *);
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
static int	bulk(const struct check_opts *, const char *, const char *,
		    unsigned);
static int	usage_error(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	parse_uint(const char *, unsigned long, unsigned long *);
static int	parse_mode(const char *, const char *, enum check_mode *);
static int	parse_target(struct check_cli *, const char *);
static int	parse_valued(struct check_cli *, const char *, const char *);
static int	parse_imap_valued(struct check_cli *, const char *,
		    const char *);
static int	is_valued(const char *);
static int	unknown_option(const char *);
static int	parse_args(struct check_cli *, int, char **);

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
	    r->tls_fallback ? "implicit TLS, found by auto mode" :
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
	if (r->imap.enabled) {
		print_imap_text(&r->imap);
		printf("summary: %s\n", check_summary(r));
	}
	if (failed_step_name(r) != NULL)
		printf("result: FAILED at %s (exit status %d)\n",
		    failed_step_name(r), r->exit_status);
	else
		printf("result: ok\n");
}

const char *
check_summary(const struct check_result *r)
{
	if (!r->imap.enabled)
		return NULL;
	if (r->failed < 0 && r->imap.failed >= 0)
		return "SMTP works but IMAP fails: replies will go undetected "
		    "(platforms call this a limited connection)";
	if (r->failed >= 0 && r->imap.failed < 0)
		return "IMAP works but SMTP fails: the mailbox cannot send";
	if (r->failed >= 0)
		return "both SMTP and IMAP fail";
	return "SMTP and IMAP both work";
}

static const char *
mode_name(enum check_mode mode)
{
	return mode == CHECK_TLS ? "implicit TLS" : mode == CHECK_PLAIN ?
	    "plain" : "STARTTLS";
}

/* The first failed step, SMTP's before IMAP's, or NULL. */
static const char *
failed_step_name(const struct check_result *r)
{
	if (r->failed >= 0)
		return check_step_name((enum check_step)r->failed);
	if (r->imap.enabled && r->imap.failed >= 0)
		return check_imap_step_name(
		    (enum check_imap_step)r->imap.failed);
	return NULL;
}

static void
print_imap_text(const struct check_imap_result *ir)
{
	const struct check_imap_step_result	*sr;
	struct kb_match				 m;
	int					 s;

	printf("IMAP %s:%u (%s)\n", ir->host, ir->port, mode_name(ir->mode));
	for (s = 0; s < ISTEP_COUNT; s++) {
		sr = &ir->step[s];
		if (sr->state == STEP_SKIPPED)
			continue;
		printf("  %-4s %-19s %s (%llu ms)\n", state_tag[sr->state],
		    check_imap_step_name((enum check_imap_step)s), sr->detail,
		    (unsigned long long)sr->ms);
		if (sr->note[0])
			printf("      note: %s\n", sr->note);
		if (sr->state != STEP_FAILED || sr->response[0] == '\0')
			continue;
		if (strstr(sr->detail, sr->response) == NULL)
			printf("      server said: %s\n", sr->response);
		kb_lookup(0, NULL, sr->response, &m);
		if (m.provider != NULL)
			explain_entry_text(stdout, 4, "IMAP reply", m.provider);
	}
	if (ir->software[0])
		printf("IMAP answered by: %s\n", ir->software);
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
	json_kbool(&j, "implicit_tls_fallback", r->tls_fallback);
	json_kstr(&j, "address", r->addr);
	json_kstr(&j, "banner_host", r->banner_host);
	json_kstr(&j, "software", r->software);
	json_kstr(&j, "auth_before_tls", r->auth_before_tls);
	json_kstr(&j, "auth_after_tls", r->auth_after_tls);
	if (r->tls_active)
		json_tls(&j, &r->tls);
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
	if (r->imap.enabled) {
		json_imap(&j, &r->imap);
		json_kstr(&j, "summary", check_summary(r));
	}
	json_kstr(&j, "result", failed_step_name(r) ? "failed" : "ok");
	json_kstr(&j, "failed_step", failed_step_name(r) ?
	    failed_step_name(r) : "");
	json_kint(&j, "exit_status", r->exit_status);
	json_obj_end(&j);
	if (json_finish(&j) == 0)
		printf("%s\n", buf_str(&b));
	buf_free(&b);
}

static void
json_tls(struct json *j, const struct sc_tls_info *t)
{
	json_key(j, "tls");
	json_obj_begin(j);
	json_kstr(j, "version", t->version);
	json_kstr(j, "cipher", t->cipher);
	json_kstr(j, "subject", t->subject);
	json_kstr(j, "san", t->san);
	json_kstr(j, "issuer", t->issuer);
	json_kstr(j, "not_after", t->not_after);
	json_kbool(j, "name_matches", t->name_matches);
	json_kbool(j, "verified", t->verified);
	json_kstr(j, "verify_error", t->verify_error);
	json_obj_end(j);
}

/* A space-separated list as an array. */
static void
json_words(struct json *j, const char *k, const char *list)
{
	char		 w[64];
	size_t		 n;

	json_key(j, k);
	json_arr_begin(j);
	while (*list != '\0') {
		n = strcspn(list, " ");
		if (n > 0 && n < sizeof(w)) {
			memcpy(w, list, n);
			w[n] = '\0';
			json_str(j, w);
		}
		list += n + (list[n] == ' ');
	}
	json_arr_end(j);
}

static void
json_imap_steps(struct json *j, const struct check_imap_result *ir)
{
	const struct check_imap_step_result	*sr;
	struct kb_match				 m;
	int					 s;

	json_key(j, "steps");
	json_arr_begin(j);
	for (s = 0; s < ISTEP_COUNT; s++) {
		sr = &ir->step[s];
		if (sr->state == STEP_SKIPPED)
			continue;
		json_obj_begin(j);
		json_kstr(j, "step", check_imap_step_name(
		    (enum check_imap_step)s));
		json_kstr(j, "state", sr->state == STEP_OK ? "ok" :
		    sr->state == STEP_WARN ? "warn" : "failed");
		json_kint(j, "ms", (int64_t)sr->ms);
		json_kstr(j, "detail", sr->detail);
		json_kstr(j, "note", sr->note);
		if (sr->response[0] != '\0') {
			json_kstr(j, "response", sr->response);
			kb_lookup(0, NULL, sr->response, &m);
			json_key(j, "explanation");
			json_obj_begin(j);
			json_entry(j, "provider", m.provider);
			json_obj_end(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
json_imap(struct json *j, const struct check_imap_result *ir)
{
	json_key(j, "imap");
	json_obj_begin(j);
	json_kstr(j, "host", ir->host);
	json_kint(j, "port", ir->port);
	json_kstr(j, "mode", ir->mode == CHECK_TLS ? "tls" :
	    ir->mode == CHECK_PLAIN ? "plain" : "starttls");
	json_kstr(j, "address", ir->addr);
	json_kstr(j, "software", ir->software);
	if (ir->tls_active)
		json_tls(j, &ir->tls);
	json_words(j, "missing_capabilities", ir->missing);
	json_kstr(j, "junk_folder", ir->junk);
	json_kstr(j, "junk_found_by", ir->junk_by);
	json_kint(j, "folders", ir->folders);
	json_kstr(j, "namespace_prefix", ir->prefix);
	json_imap_steps(j, ir);
	json_kstr(j, "result", ir->failed >= 0 ? "failed" : "ok");
	json_kstr(j, "failed_step", ir->failed >= 0 ? check_imap_step_name(
	    (enum check_imap_step)ir->failed) : "");
	json_kint(j, "exit_status", ir->exit_status);
	json_obj_end(j);
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
		if ((n = strlen(v)) >= pwsz) {
			fprintf(stderr, "postern check: the password in %s is "
			    "too long (at most %zu bytes)\n", env, pwsz - 1);
			return -1;
		}
		memcpy(pw, v, n + 1);
	} else {
		while ((c = getchar()) != EOF) {
			if (n + 1 >= pwsz) {
				explicit_bzero(pw, pwsz);
				fprintf(stderr, "postern check: the password "
				    "on stdin is too long (at most %zu "
				    "bytes)\n", pwsz - 1);
				return -1;
			}
			pw[n++] = (char)c;
		}
		if (n > 0 && pw[n - 1] == '\n')
			n--;
		pw[n] = '\0';
	}
	*len = n;
	return 0;
}

/* A usage error: say what was wrong, before the usage text. */
static int
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("postern: check: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* strtoul over the whole string, within [1, max]; 0 or -1. */
static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char	*end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return *end != '\0' || errno != 0 || *v == 0 || *v > max ? -1 : 0;
}

static int
parse_mode(const char *opt, const char *val, enum check_mode *mode)
{
	static const struct {
		const char	*name;
		enum check_mode	 mode;
	} modes[] = {
		{ "auto", CHECK_AUTO },
		{ "starttls", CHECK_STARTTLS },
		{ "tls", CHECK_TLS },
		{ "plain", CHECK_PLAIN },
	};
	size_t	i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(val, modes[i].name) == 0) {
			*mode = modes[i].mode;
			return 0;
		}
	return usage_error("%s '%s': the modes are auto, starttls, tls "
	    "and plain", opt, val);
}

/* HOST, HOST:PORT, [v6]:PORT or a bare IPv6 address. */
static int
parse_target(struct check_cli *c, const char *a)
{
	char		*colon, *end;
	unsigned long	 v;

	if (c->target != NULL)
		return usage_error("unexpected argument '%s': the host is "
		    "already '%s'", a, c->target);
	c->target = a;
	if (util_strlcpy(c->o.host, a, sizeof(c->o.host)) == -1)
		return usage_error("host '%.40s...' is too long (at most %zu "
		    "bytes)", a, sizeof(c->o.host) - 1);
	if (c->o.host[0] == '[') {
		if ((end = strchr(c->o.host, ']')) == NULL)
			return usage_error("'%s': no ']' after the IPv6 "
			    "address", a);
		if (end[1] != '\0' && end[1] != ':')
			return usage_error("'%s': after ']' only :PORT may "
			    "follow", a);
		colon = end[1] == ':' ? end + 1 : NULL;
		*end = '\0';
		/* the address moves left; the port stays where it is */
		memmove(c->o.host, c->o.host + 1, strlen(c->o.host));
	} else if ((colon = strrchr(c->o.host, ':')) != NULL &&
	    strchr(c->o.host, ':') != colon)
		colon = NULL;	/* bare IPv6 */
	if (colon == NULL)
		return 0;
	*colon = '\0';
	if (parse_uint(colon + 1, 65535, &v) == -1)
		return usage_error("'%s': the port '%s' is not a number from "
		    "1 to 65535", a, colon + 1);
	c->o.port = (unsigned)v;
	return 0;
}

/* An option with its value; 0, or -1 after saying what is wrong. */
static int
parse_valued(struct check_cli *c, const char *a, const char *val)
{
	unsigned long	v;

	if (strcmp(a, "--user") == 0)
		c->o.user = val;
	else if (strcmp(a, "--password-env") == 0) {
		c->how = "env";
		c->env = val;
	} else if (strcmp(a, "--from") == 0)
		c->o.from = val;
	else if (strcmp(a, "--to") == 0)
		c->o.to = val;
	else if (strcmp(a, "--ehlo") == 0)
		c->o.ehlo = val;
	else if (strcmp(a, "--cafile") == 0)
		c->o.cafile = val;
	else if (strcmp(a, "--connect-to") == 0)
		c->o.connect_to = val;
	else if (strcmp(a, "--csv") == 0)
		c->csvin = val;
	else if (strcmp(a, "--out") == 0)
		c->csvout = val;
	else if (strcmp(a, "--concurrency") == 0) {
		if (parse_uint(val, BULK_THREADS, &v) == -1)
			return usage_error("--concurrency '%s': not a number "
			    "from 1 to %d", val, BULK_THREADS);
		c->conc = (unsigned)v;
	} else if (strcmp(a, "--timeout") == 0) {
		if (parse_uint(val, 600, &v) == -1)
			return usage_error("--timeout '%s': not a whole number "
			    "of seconds from 1 to 600", val);
		c->o.timeout_ms = (unsigned)v * 1000;
	} else if (strcmp(a, "--mode") == 0)
		return parse_mode(a, val, &c->o.mode);
	else
		return parse_imap_valued(c, a, val);
	return 0;
}

/* The IMAP leg's options (check_imap.c). */
static int
parse_imap_valued(struct check_cli *c, const char *a, const char *val)
{
	unsigned long	v;

	c->o.imap = 1;
	if (strcmp(a, "--imap-mode") == 0)
		return parse_mode(a, val, &c->o.imap_mode);
	if (strcmp(a, "--imap-port") == 0) {
		if (parse_uint(val, 65535, &v) == -1)
			return usage_error("--imap-port '%s': not a number "
			    "from 1 to 65535", val);
		c->o.imap_port = (unsigned)v;
	} else if (util_strlcpy(c->o.imap_host, val, sizeof(c->o.imap_host))
	    == -1)
		return usage_error("--imap-host '%.40s...' is too long", val);
	return 0;
}

static int
is_valued(const char *a)
{
	static const char *const valued[] = { "--user", "--password-env",
	    "--from", "--to", "--ehlo", "--cafile", "--connect-to", "--csv",
	    "--out", "--concurrency", "--timeout", "--mode", "--imap-host",
	    "--imap-port", "--imap-mode", NULL };
	size_t	i;

	for (i = 0; valued[i] != NULL; i++)
		if (strcmp(a, valued[i]) == 0)
			return 1;
	return 0;
}

/* An option that is not ours.  Never echo what may hold a password. */
static int
unknown_option(const char *a)
{
	char	name[32];
	size_t	n = strcspn(a, "=");

	if (strncmp(a, "--password", 10) == 0 && (a[10] == '\0' ||
	    a[10] == '='))
		return usage_error("there is no --password: a password on "
		    "the command line can be read by other users (ps) and "
		    "stays in the shell history; use --password-stdin or "
		    "--password-env VAR");
	if (a[n] == '=' && n < sizeof(name)) {
		memcpy(name, a, n);
		name[n] = '\0';
		if (is_valued(name))
			return usage_error("write '%s VALUE', with a space, "
			    "not '%s=VALUE'", name, name);
	}
	return usage_error("unknown option '%.*s'", (int)n, a);
}

static int
parse_args(struct check_cli *c, int argc, char **argv)
{
	const char	*a;
	int		 i;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--json") == 0)
			c->json = 1;
		else if (strcmp(a, "--verbose") == 0)
			c->verbose = 1;
		else if (strcmp(a, "--send") == 0)
			c->o.send = 1;
		else if (strcmp(a, "--clean") == 0)
			c->o.clean = 1;
		else if (strcmp(a, "--imap") == 0)
			c->o.imap = 1;
		else if (strcmp(a, "--password-stdin") == 0)
			c->how = "stdin";
		else if (is_valued(a)) {
			if (i + 1 >= argc)
				return usage_error("%s needs a value", a);
			if (parse_valued(c, a, argv[++i]) == -1)
				return -1;
		} else if (a[0] == '-')
			return unknown_option(a);
		else if (parse_target(c, a) == -1)
			return -1;
	}
	return 0;
}

int
cli_check(int argc, char **argv)
{
	struct check_cli	 c;
	struct check_result	*r;
	char			 pw[PASSWORD_MAX + 1];
	int			 rc;

	/* a server that closes first must not kill us at SSL_write */
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.o.timeout_ms = 10000;
	c.conc = 4;
	if (parse_args(&c, argc, argv) == -1)
		goto usage;
	if (c.csvin != NULL)
		return bulk(&c.o, c.csvin, c.csvout, c.conc);
	if (read_password(c.how, c.env, pw, sizeof(pw), &c.o.passlen) == -1)
		return 2;
	if (c.how != NULL)
		c.o.password = pw;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return 1;
	check_run(&c.o, r);
	explicit_bzero(pw, sizeof(pw));
	if (c.json)
		check_print_json(r);
	else
		check_print_text(r, c.verbose);
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
	    "         [--imap] [--imap-host HOST] [--imap-port N] "
	    "[--imap-mode auto|tls|starttls|plain]\n"
	    "       postern check --csv ACCOUNTS.csv [--out RESULTS.csv] "
	    "[--concurrency N] [--timeout S]\n"
	    "exit status: 0 ok, 3 dns, 4 connect, 5 tls/starttls, 6 banner, "
	    "7 ehlo, 8 auth, 9 mail, 10 rcpt, 11 data,\n"
	    "             13 imap-connect, 14 imap-tls/starttls, 15 "
	    "imap-greeting/capability, 16 imap-login,\n"
	    "             17 imap-select/folders/namespace, 2 usage\n");
	return 2;
}

/* --- bulk ------------------------------------------------------------------ */

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

/* Column numbers (-1: absent) in the generic, instantly and smartlead
   formats (provision_fmt.c). */
struct bulk_cols {
	int	user, pass, host, port;
	int	iuser, ipass, ihost, iport, isec;
};

static const char *const user_cols[] = { "username", "smtp_username",
    "smtp username", "user_name", "email", "from_email", NULL };
static const char *const pass_cols[] = { "password", "smtp_password",
    "smtp password", NULL };
static const char *const host_cols[] = { "smtp_host", "smtp host", "host",
    NULL };
static const char *const port_cols[] = { "smtp_port", "smtp port", "port",
    NULL };
static const char *const iuser_cols[] = { "imap username",
    "imap_user_name", "imap_username", NULL };
static const char *const ipass_cols[] = { "imap password", "imap_password",
    NULL };
static const char *const ihost_cols[] = { "imap host", "imap_host", NULL };
static const char *const iport_cols[] = { "imap port", "imap_port", NULL };
static const char *const isec_cols[] = { "imap_security", "imap security",
    NULL };

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

static void
bulk_columns(const struct csv_record *h, struct bulk_cols *c)
{
	c->user = column(h, user_cols);
	c->pass = column(h, pass_cols);
	c->host = column(h, host_cols);
	c->port = column(h, port_cols);
	c->iuser = column(h, iuser_cols);
	c->ipass = column(h, ipass_cols);
	c->ihost = column(h, ihost_cols);
	c->iport = column(h, iport_cols);
	c->isec = column(h, isec_cols);
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
		    "and a password column (generic, instantly or smartlead "
		    "format)\n", in);
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

static int
bulk(const struct check_opts *base, const char *in, const char *out,
    unsigned conc)
{
	static const char *const hdr[] = { "mailbox", "result",
	    "failed_step", "reply", "explanation", "imap_result",
	    "imap_failed_step", "imap_reply", "imap_explanation", "summary" };
	struct bulk_ctx		 b;
	struct buf		 res;
	pthread_t		 t[BULK_THREADS];
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
