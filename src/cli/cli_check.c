/*
 * cli_check: the command line of `postern check` -- options, reading the
 * password (stdin or an environment variable, never the command line),
 * printing a check as text or JSON with its explanations; the bulk mode
 * over a provisioning CSV is in cli_check_bulk.c.  With --imap
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

#include "cli/cli_check_bulk.h"
#include "diag/check.h"
#include "diag/explain.h"
#include "diag/kb.h"
#include "lib/buf.h"
#include "lib/csv.h"
#include "lib/json.h"
#include "lib/util.h"

#define PASSWORD_MAX	1024

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

static const char *mode_name(enum check_mode);
static void	print_imap_text(const struct check_imap_result *);
static void	explain_step(const struct check_step_result *, int);
static int	read_password(const char *, const char *, char *, size_t,
		    size_t *);
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
	if (check_failed_step(r) != NULL)
		printf("result: FAILED at %s (exit status %d)\n",
		    check_failed_step(r), r->exit_status);
	else
		printf("result: ok\n");
}

static const char *
mode_name(enum check_mode mode)
{
	return mode == CHECK_TLS ? "implicit TLS" : mode == CHECK_PLAIN ?
	    "plain" : "STARTTLS";
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

void
check_print_json(const struct check_result *r)
{
	struct buf	b;

	buf_init(&b, 1024 * 1024);
	if (check_json(r, &b) == 0)
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
		if (parse_uint(val, CHECK_BULK_THREADS, &v) == -1)
			return usage_error("--concurrency '%s': not a number "
			    "from 1 to %d", val, CHECK_BULK_THREADS);
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
		return cli_check_bulk(&c.o, c.csvin, c.csvout, c.conc);
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
