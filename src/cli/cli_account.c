/*
 * cli_account: `postern domain|mailbox|alias ...`, the account commands.
 * Output is an aligned table (or key: value lines for show) by default and
 * JSON with --json.  Every error names the object and the reason and
 * exits 1; a usage error first says what was wrong ("postern: mailbox
 * add: missing ADDRESS"), then shows the usage, and exits 2.  Passwords
 * are read from stdin or generated, never taken from the command line,
 * and no argument of a command that takes one is ever shown.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/passwd_file.h"
#include "cli/provision_fmt.h"
#include "core/config.h"
#include "core/password.h"
#include "core/smtp_parse.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

#define TABLE_COLS	8
#define FAILURES_SHOWN	20
#define PASSWORD_IN_MAX	1024

struct table {
	size_t	 ncols;
	size_t	 nrows;
	char	**cells;	/* nrows * ncols, row 0 is the header */
};

/*
 * A subcommand: min to max positional arguments after its name (--json
 * aside).  usage names them: upper-case words are placeholders, [...] is
 * optional, " | " separates alternatives for the last words.  fn returns
 * 2 after printing the reason of a usage error; run_cmd adds the usage.
 */
struct cmd {
	const char	*name;
	int		 min;
	int		 max;
	unsigned	 flags;
	const char	*usage;
	int		(*fn)(struct store *, char **, int);
};

/* flags */
#define CMD_SECRET	0x1	/* may hold a password: show no argument */

#define USAGE_WORDS	16
#define USAGE_ALTS	4

/* The required words of one alternative of a usage string. */
struct usage_alt {
	const char	*w[USAGE_WORDS];
	int		 len[USAGE_WORDS];
	int		 n;
};

static void	table_init(struct table *, size_t);
static int	table_row(struct table *, const char *const *);
static void	table_print(struct table *);
static void	table_free(struct table *);
static int	json_out(struct buf *, struct json *);
static int	list_finish(struct store *, const char *, int, struct table *,
		    struct json *, struct buf *);
static int	store_fail(struct store *, const char *, const char *, int);
static int	usage_error(const char *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	group_usage(const char *, const struct cmd *, size_t);
static int	usage_alts(const char *, struct usage_alt *, int);
static int	alt_fits(const struct usage_alt *, int, char **, int);
static int	say_missing(const char *, const struct cmd *, char **, int);
static int	usage_names(const char *, const char *, size_t);
static int	check_options(const char *, const struct cmd *, char **,
		    int);
static int	check_args(const char *, const struct cmd *, char **, int);
static int	run_cmd(const char *, const struct cmd *, size_t, const char *,
		    int, char **);
static int	password_how(const char *, const char *);
static int	new_password(const char *, const char *, char *, size_t,
		    char *, size_t);

static void
table_init(struct table *t, size_t ncols)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cells = NULL;
}

static int
table_row(struct table *t, const char *const *cells)
{
	char	**p;
	size_t	 i;

	p = reallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(*p));
	if (p == NULL)
		return -1;
	t->cells = p;
	for (i = 0; i < t->ncols; i++)
		if ((p[t->nrows * t->ncols + i] = strdup(cells[i])) == NULL)
			return -1;
	t->nrows++;
	return 0;
}

static void
table_print(struct table *t)
{
	size_t	w[TABLE_COLS] = { 0 }, r, c, n;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols && c < TABLE_COLS; c++)
			if ((n = strlen(t->cells[r * t->ncols + c])) > w[c])
				w[c] = n;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			printf("%-*s%s", c + 1 < t->ncols ? (int)w[c] : 0,
			    t->cells[r * t->ncols + c],
			    c + 1 < t->ncols ? "  " : "\n");
	}
}

static void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

static int
json_out(struct buf *b, struct json *j)
{
	int	rc = json_finish(j);

	if (rc == 0)
		printf("%s\n", buf_str(b));
	else
		fprintf(stderr, "postern: cannot format JSON output\n");
	buf_free(b);
	return rc == 0 ? 0 : 1;
}

/* End a list command: print the table or the JSON array, or the error. */
static int
list_finish(struct store *st, const char *what, int rc, struct table *t,
    struct json *j, struct buf *b)
{
	if (rc != STORE_OK) {
		table_free(t);
		if (j != NULL)
			buf_free(b);
		return store_fail(st, what, "list", rc);
	}
	if (j != NULL) {
		table_free(t);
		json_arr_end(j);
		return json_out(b, j);
	}
	table_print(t);
	table_free(t);
	return 0;
}

static int
store_fail(struct store *st, const char *what, const char *name, int rc)
{
	switch (rc) {
	case STORE_OK:
		return 0;
	case STORE_EXISTS:
		fprintf(stderr, "postern: %s %s: already exists\n", what, name);
		break;
	case STORE_NOTFOUND:
		fprintf(stderr, "postern: %s %s: %s\n", what, name,
		    strcmp(store_errmsg(st), "not an error") != 0 &&
		    *store_errmsg(st) ? store_errmsg(st) : "does not exist");
		break;
	default:
		fprintf(stderr, "postern: %s %s: %s\n", what, name,
		    store_errmsg(st));
		break;
	}
	return 1;
}

/* "postern: GROUP[ NAME]: REASON", the first line of a usage error; 2. */
static int
usage_error(const char *group, const char *name, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "postern: %s%s%s: ", group, name ? " " : "",
	    name ? name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void
group_usage(const char *group, const struct cmd *cmds, size_t ncmds)
{
	size_t	c;

	fprintf(stderr, "usage:\n");
	for (c = 0; c < ncmds; c++)
		fprintf(stderr, "  postern -d DIR %s %s %s\n", group,
		    cmds[c].name, cmds[c].usage);
}

/*
 * Split a usage string into its alternatives (at a lone "|") of required
 * words (outside [...]).  Returns how many alternatives, at least 1.
 */
static int
usage_alts(const char *u, struct usage_alt *alt, int max)
{
	size_t	n, i;
	int	na = 1, depth = 0;

	memset(alt, 0, sizeof(*alt) * (size_t)max);
	while (*u != '\0') {
		if ((n = strcspn(u, " ")) == 0) {
			u++;
			continue;
		}
		if (depth == 0 && n == 1 && *u == '|') {
			if (na == max)
				break;
			na++;
		} else if (depth == 0 && *u != '[' &&
		    alt[na - 1].n < USAGE_WORDS) {
			alt[na - 1].w[alt[na - 1].n] = u;
			alt[na - 1].len[alt[na - 1].n++] = (int)n;
		}
		for (i = 0; i < n; i++)
			depth += u[i] == '[' ? 1 : u[i] == ']' ? -1 : 0;
		u += n;
	}
	return na;
}

/*
 * 1 if the arguments before k match the literal words (lower case, no
 * '|') of an alternative whose first word is at position s.
 */
static int
alt_fits(const struct usage_alt *alt, int s, char **a, int k)
{
	const char	*w;
	int		 p, len, i, lit;

	for (p = s; p < k; p++) {
		w = alt->w[p - s];
		len = alt->len[p - s];
		for (i = 0, lit = 1; i < len && lit; i++)
			if (w[i] == '|' || (w[i] >= 'A' && w[i] <= 'Z'))
				lit = 0;
		if (lit && ((int)strlen(a[p]) != len ||
		    strncmp(a[p], w, (size_t)len) != 0))
			return 0;
	}
	return 1;
}

/*
 * "missing X": the word of the row's usage at position k.  Alternatives
 * end where the first one does (DOMAIN key VALUE | key VALUE); those the
 * arguments given rule out are not named, unless all are.
 */
static int
say_missing(const char *group, const struct cmd *c, char **a, int k)
{
	struct usage_alt	 alt[USAGE_ALTS];
	const char		*pick[USAGE_ALTS];
	int			 plen[USAGE_ALTS], na, np = 0, j, s, i, all;

	na = usage_alts(c->usage, alt, USAGE_ALTS);
	for (all = 0; all < 2 && np == 0; all++)
		for (j = 0; j < na; j++) {
			s = alt[0].n - alt[j].n;
			if (s < 0 || k < s || k >= s + alt[j].n ||
			    (!all && !alt_fits(&alt[j], s, a, k)))
				continue;
			for (i = 0; i < np; i++)
				if (plen[i] == alt[j].len[k - s] &&
				    strncmp(pick[i], alt[j].w[k - s],
				    (size_t)plen[i]) == 0)
					break;
			if (i == np) {
				pick[np] = alt[j].w[k - s];
				plen[np++] = alt[j].len[k - s];
			}
		}
	if (np == 0)
		return usage_error(group, c->name, "missing an argument");
	fprintf(stderr, "postern: %s %s: missing ", group, c->name);
	for (i = 0; i < np; i++)
		fprintf(stderr, "%s%.*s", i == 0 ? "" : i + 1 < np ? ", " :
		    " or ", plen[i], pick[i]);
	fputc('\n', stderr);
	return 2;
}

/* 1 if the usage has the option o (n bytes) as a word or alternative. */
static int
usage_names(const char *u, const char *o, size_t n)
{
	const char	*p;

	for (p = u; (p = strstr(p, o)) != NULL; p++)
		if ((p == u || strchr(" [|", p[-1]) != NULL) &&
		    (p[n] == '\0' || strchr(" ]|", p[n]) != NULL))
			return 1;
	return 0;
}

/*
 * An argument "--x" the row's usage does not name is an unknown option.
 * Shown up to any '=': what follows may be a password.
 */
static int
check_options(const char *group, const struct cmd *c, char **a, int n)
{
	char	name[64];
	size_t	len;
	int	i;

	for (i = 0; i < n; i++) {
		if (strncmp(a[i], "--", 2) != 0)
			continue;
		len = strcspn(a[i], "=");
		if (len < sizeof(name)) {
			memcpy(name, a[i], len);
			name[len] = '\0';
			if (a[i][len] == '\0' && usage_names(c->usage, name,
			    len))
				continue;
		}
		if ((c->flags & CMD_SECRET) && strncmp(a[i], "--password",
		    10) == 0 && (a[i][10] == '\0' || a[i][10] == '='))
			return usage_error(group, c->name, "there is no "
			    "--password: a password on the command line can "
			    "be read by other users (ps); use "
			    "--password-stdin or --generate");
		return usage_error(group, c->name, "unknown option '%.*s%s'",
		    (int)(len < 40 ? len : 40), a[i], a[i][len] == '=' ?
		    "=..." : len > 40 ? "..." : "");
	}
	return 0;
}

/* Unknown options, then too few or too many arguments: 0 or 2. */
static int
check_args(const char *group, const struct cmd *c, char **a, int n)
{
	if (check_options(group, c, a, n) != 0)
		return 2;
	if (n < c->min)
		return say_missing(group, c, a, n);
	if (n <= c->max)
		return 0;
	if (c->flags & CMD_SECRET)
		return usage_error(group, c->name, "too many arguments (not "
		    "shown: one may be a password)");
	if (n - c->max > 1)
		return usage_error(group, c->name, "too many arguments "
		    "('%.64s' and %d more)", a[c->max], n - c->max - 1);
	return usage_error(group, c->name, "too many arguments ('%.64s')",
	    a[c->max]);
}

/*
 * Parse "NAME ARGS... [--json]" against a table and run it with an open
 * store.  A usage error says what was wrong, then shows the usage: of the
 * whole group when found here, of the subcommand when found by it.
 */
static int
run_cmd(const char *datadir, const struct cmd *cmds, size_t ncmds,
    const char *group, int argc, char **argv)
{
	struct store	*st;
	int		 json = 0, i, n = argc, rc;
	size_t		 c;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(argc - i - 1) * sizeof(*argv));
			argv[--n] = NULL;
			break;
		}
	for (c = 0; n > 0 && c < ncmds; c++)
		if (strcmp(argv[0], cmds[c].name) == 0)
			break;
	if (n == 0 || c == ncmds) {
		if (n == 0)
			fprintf(stderr, "postern: %s: which subcommand? (",
			    group);
		else
			fprintf(stderr, "postern: %s: unknown subcommand "
			    "'%.64s' (", group, argv[0]);
		for (c = 0; c < ncmds; c++)
			fprintf(stderr, "%s%s", c ? ", " : "", cmds[c].name);
		fprintf(stderr, ")\n");
		group_usage(group, cmds, ncmds);
		return 2;
	}
	if (check_args(group, &cmds[c], argv + 1, n - 1) != 0) {
		group_usage(group, cmds, ncmds);
		return 2;
	}
	if ((st = cli_store(datadir, 0)) == NULL)
		return 1;
	rc = cmds[c].fn(st, argv + 1, json);
	store_close(st);
	if (rc == 2)
		fprintf(stderr, "usage: postern -d DIR %s %s %s\n", group,
		    cmds[c].name, cmds[c].usage);
	return rc;
}

/*
 * 0 if how is --password-stdin or --generate, else a usage error (2) that
 * does not show how: it may be the password itself.
 */
static int
password_how(const char *cmd, const char *how)
{
	if (strcmp(how, "--generate") == 0 ||
	    strcmp(how, "--password-stdin") == 0)
		return 0;
	return usage_error("mailbox", cmd, "a password is never taken from "
	    "the command line; use --password-stdin or --generate");
}

/* --password-stdin or --generate into pw, its hash into hash; 0, -1, -2. */
static int
new_password(const char *cmd, const char *how, char *pw, size_t pwsz,
    char *hash, size_t hashsz)
{
	if (password_how(cmd, how) != 0)
		return -2;
	if (strcmp(how, "--generate") == 0) {
		if (password_generate(pw, pwsz, PASSWORD_GEN_LEN) == -1)
			return -1;
	} else if (cli_read_password(pw, pwsz) == -1) {
		fprintf(stderr, "postern: no password on stdin (or longer "
		    "than %d bytes)\n", PASSWORD_IN_MAX);
		return -1;
	}
	if (password_hash(pw, strlen(pw), hash, hashsz) == -1) {
		fprintf(stderr, "postern: cannot hash password\n");
		explicit_bzero(pw, pwsz);
		return -1;
	}
	return 0;
}

/* --- domain ------------------------------------------------------------- */

static const char *
host_match_text(int v)
{
	return v == 1 ? "yes" : v == 0 ? "no" : "default";
}

/* --dkim rsa|ed25519|both|none: which keys a new domain gets. */
static const struct {
	const char	*name;
	const char	*algs[2];
} dkim_choices[] = {
	{ "rsa", { "rsa", NULL } },
	{ "ed25519", { "ed25519", NULL } },
	{ "both", { "rsa", "ed25519" } },
	{ "none", { NULL, NULL } },
};

/*
 * The domain and its DKIM keys in one transaction, so a domain never
 * exists half made.  A new domain has no keys, so each one is active.
 */
static int
domain_add(struct store *st, char **a, int json)
{
	struct store_dkim_key	k[2];
	const char		*choice = a[1] != NULL ? a[2] : "rsa";
	char			d[STORE_ADDR_MAX + 1];
	size_t			c, i;

	if (a[1] != NULL && strcmp(a[1], "--dkim") != 0)
		return usage_error("domain", "add", "too many arguments "
		    "('%.64s')", a[1]);
	if (choice == NULL)
		return usage_error("domain", "add", "--dkim needs a value "
		    "(rsa, ed25519, both, none)");
	for (c = 0; c < sizeof(dkim_choices) / sizeof(dkim_choices[0]); c++)
		if (strcmp(choice, dkim_choices[c].name) == 0)
			break;
	if (c == sizeof(dkim_choices) / sizeof(dkim_choices[0]))
		return usage_error("domain", "add", "--dkim '%.64s': not rsa, "
		    "ed25519, both or none", choice);
	if (!smtp_valid_domain(a[0]) ||
	    util_strlcpy(d, a[0], sizeof(d)) == -1) {
		fprintf(stderr, "postern: domain %s: not a valid domain name\n",
		    a[0]);
		return 1;
	}
	util_lower(d);
	if (store_begin(st) != STORE_OK)
		return store_fail(st, "domain", d, STORE_ERR);
	if (store_fail(st, "domain", d, store_domain_add(st, d)))
		goto fail;
	for (i = 0; i < 2 && dkim_choices[c].algs[i] != NULL; i++)
		if (cli_dkim_create(st, d, dkim_choices[c].algs[i], 0, NULL,
		    &k[i]) == -1)
			goto fail;
	if (store_commit(st) != STORE_OK) {
		store_fail(st, "domain", d, STORE_ERR);
		goto fail;
	}
	printf("postern: domain %s added\n", d);
	for (i = 0; i < 2 && dkim_choices[c].algs[i] != NULL; i++)
		printf("postern: DKIM key %s (%s) active; publish its TXT "
		    "record %s._domainkey.%s (see: postern dns %s)\n",
		    k[i].selector, k[i].algorithm, k[i].selector, d, d);
	return 0;
fail:
	store_rollback(st);
	return 1;
}

struct domain_list {
	struct table	 t;
	struct json	*j;
};

static int
domain_row(const struct store_domain *d, void *arg)
{
	struct domain_list	*l = arg;
	char			 nm[24], na[24], created[40];
	const char		*row[6];

	cli_time(d->created, created, sizeof(created));
	if (l->j != NULL) {
		json_obj_begin(l->j);
		json_kstr(l->j, "domain", d->name);
		json_kint(l->j, "mailboxes", d->nmailboxes);
		json_kint(l->j, "aliases", d->naliases);
		json_kstr(l->j, "sender_policy", d->sender_policy ==
		    STORE_SENDER_DOMAIN ? "domain" : "mailbox");
		json_kstr(l->j, "require_host_match",
		    host_match_text(d->host_match));
		json_kstr(l->j, "submission_host", d->submission_host);
		json_kint(l->j, "created", d->created);
		json_obj_end(l->j);
		return 0;
	}
	snprintf(nm, sizeof(nm), "%lld", (long long)d->nmailboxes);
	snprintf(na, sizeof(na), "%lld", (long long)d->naliases);
	row[0] = d->name;
	row[1] = nm;
	row[2] = na;
	row[3] = d->sender_policy == STORE_SENDER_DOMAIN ? "domain" :
	    "mailbox";
	row[4] = host_match_text(d->host_match);
	row[5] = created;
	return table_row(&l->t, row) == -1;
}

static int
domain_list(struct store *st, char **a, int json)
{
	static const char *head[] = { "DOMAIN", "MAILBOXES", "ALIASES",
	    "SENDER", "HOST-MATCH", "CREATED" };
	struct domain_list	 l;
	struct json		 j;
	struct buf		 b;
	int			 rc;

	table_init(&l.t, 6);
	l.j = NULL;
	if (json) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		l.j = &j;
	} else
		table_row(&l.t, head);
	rc = store_domain_list(st, domain_row, &l);
	return list_finish(st, "domain", rc, &l.t, json ? &j : NULL, &b);
}

static int
domain_show(struct store *st, char **a, int json)
{
	struct store_domain	 d;
	struct domain_list	 l;
	struct json		 j;
	struct buf		 b;
	char			 created[40];

	if (store_fail(st, "domain", a[0], store_domain_get(st, a[0], &d)))
		return 1;
	if (json) {
		buf_init(&b, 1024 * 1024);
		json_init(&j, &b);
		l.j = &j;
		domain_row(&d, &l);
		return json_out(&b, &j);
	}
	cli_time(d.created, created, sizeof(created));
	printf("domain:             %s\n", d.name);
	printf("mailboxes:          %lld\n", (long long)d.nmailboxes);
	printf("aliases:            %lld\n", (long long)d.naliases);
	printf("sender_policy:      %s\n", d.sender_policy ==
	    STORE_SENDER_DOMAIN ? "domain (any address of the domain)" :
	    "mailbox (own address and aliases)");
	printf("require_host_match: %s\n", host_match_text(d.host_match));
	printf("submission_host:    %s\n", d.submission_host[0] ?
	    d.submission_host : "(server hostname)");
	printf("created:            %s\n", created);
	return 0;
}

static int
domain_remove(struct store *st, char **a, int json)
{
	struct store_domain	d;

	if (a[1] != NULL && strcmp(a[1], "--force") != 0)
		return usage_error("domain", "remove", "too many arguments "
		    "('%.64s')", a[1]);
	if (store_fail(st, "domain", a[0], store_domain_get(st, a[0], &d)))
		return 1;
	if (d.nmailboxes > 0 && a[1] == NULL) {
		fprintf(stderr, "postern: domain %s: has %lld mailbox(es); "
		    "add --force to remove them too\n", d.name,
		    (long long)d.nmailboxes);
		return 1;
	}
	if (store_fail(st, "domain", d.name, store_domain_remove(st, d.name)))
		return 1;
	printf("postern: domain %s removed\n", d.name);
	return 0;
}

static int
domain_set(struct store *st, char **a, int json)
{
	if (strcmp(a[1], "submission_host") == 0 && a[2][0] != '\0' &&
	    !smtp_valid_domain(a[2])) {
		fprintf(stderr, "postern: domain %s: submission_host %s is "
		    "not a valid host name\n", a[0], a[2]);
		return 1;
	}
	if (store_fail(st, "domain", a[0], store_domain_set(st, a[0], a[1],
	    a[2])))
		return 1;
	printf("postern: domain %s: %s = %s\n", a[0], a[1], a[2]);
	return 0;
}

int
cli_domain(const char *datadir, int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", 1, 3, 0, "DOMAIN [--dkim rsa|ed25519|both|none]",
		    domain_add },
		{ "list", 0, 0, 0, "[--json]", domain_list },
		{ "show", 1, 1, 0, "DOMAIN [--json]", domain_show },
		{ "remove", 1, 2, 0, "DOMAIN [--force]", domain_remove },
		{ "set", 3, 3, 0, "DOMAIN sender_policy mailbox|domain | "
		    "require_host_match yes|no|default | submission_host HOST",
		    domain_set },
	};

	return run_cmd(datadir, cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "domain", argc, argv);
}

/* --- mailbox ------------------------------------------------------------ */

static int
mailbox_add(struct store *st, char **a, int json)
{
	char	addr[STORE_ADDR_MAX + 1], pw[PASSWORD_IN_MAX + 1];
	char	hash[PASSWORD_HASH_MAX + 1];
	int	rc;

	if (password_how("add", a[1]) != 0)
		return 2;
	if (cli_address(a[0], addr, sizeof(addr)) == -1) {
		fprintf(stderr, "postern: mailbox %s: not a valid address "
		    "(local@domain, ASCII)\n", a[0]);
		return 1;
	}
	if ((rc = new_password("add", a[1], pw, sizeof(pw), hash,
	    sizeof(hash))) < 0)
		return rc == -2 ? 2 : 1;
	rc = store_mailbox_add(st, addr, hash);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "postern: mailbox %s: domain %s is not "
		    "configured (postern domain add %s)\n", addr,
		    strrchr(addr, '@') + 1, strrchr(addr, '@') + 1);
		rc = 1;
	} else if ((rc = store_fail(st, "mailbox", addr, rc)) == 0) {
		printf("postern: mailbox %s added\n", addr);
		if (strcmp(a[1], "--generate") == 0)
			printf("password: %s\n", pw);
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

static int
mailbox_passwd(struct store *st, char **a, int json)
{
	char	pw[PASSWORD_IN_MAX + 1], hash[PASSWORD_HASH_MAX + 1];
	int	rc;

	if ((rc = new_password("passwd", a[1], pw, sizeof(pw), hash,
	    sizeof(hash))) < 0)
		return rc == -2 ? 2 : 1;
	rc = store_fail(st, "mailbox", a[0], store_mailbox_set_hash(st, a[0],
	    hash));
	if (rc == 0) {
		/* a new password is a fresh start: lift any lock */
		(void)store_lock_clear(st, a[0], util_now_ms() / 1000);
		printf("postern: mailbox %s: password changed\n", a[0]);
		if (strcmp(a[1], "--generate") == 0)
			printf("password: %s\n", pw);
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

struct mailbox_list {
	struct table	 t;
	struct json	*j;
	int64_t		 now;
};

static int
mailbox_row(const struct store_mailbox *mb, void *arg)
{
	struct mailbox_list	*l = arg;
	char			 limit[24], created[40], locked[48];
	const char		*row[4];
	int			 is_locked = mb->locked_until > l->now;

	if (l->j != NULL) {
		json_obj_begin(l->j);
		json_kstr(l->j, "address", mb->address);
		json_kint(l->j, "daily_limit", mb->daily_limit);
		json_kbool(l->j, "locked", is_locked);
		json_kint(l->j, "locked_until", is_locked ?
		    mb->locked_until : 0);
		json_kint(l->j, "created", mb->created);
		json_obj_end(l->j);
		return 0;
	}
	snprintf(limit, sizeof(limit), "%u", mb->daily_limit);
	cli_time(mb->created, created, sizeof(created));
	if (is_locked) {
		memcpy(locked, "until ", 7);
		cli_time(mb->locked_until, locked + 6, sizeof(locked) - 6);
	} else
		util_strlcpy(locked, "no", sizeof(locked));
	row[0] = mb->address;
	row[1] = mb->daily_limit ? limit : "none";
	row[2] = locked;
	row[3] = created;
	return table_row(&l->t, row) == -1;
}

static int
mailbox_list(struct store *st, char **a, int json)
{
	static const char *head[] = { "MAILBOX", "DAILY-LIMIT", "LOCKED",
	    "CREATED" };
	struct mailbox_list	 l;
	struct json		 j;
	struct buf		 b;
	int			 rc;

	table_init(&l.t, 4);
	l.j = NULL;
	l.now = (int64_t)(util_now_ms() / 1000);
	if (json) {
		buf_init(&b, 256 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		l.j = &j;
	} else
		table_row(&l.t, head);
	rc = store_mailbox_list(st, a[0], mailbox_row, &l);
	return list_finish(st, "mailbox", rc, &l.t, json ? &j : NULL, &b);
}

struct show_ctx {
	struct json	*j;
	size_t		 n;
	const char	*target;
};

/* DIR, for the postern.conf `mailbox show` reads the ports from. */
static const char	*show_datadir;

/*
 * How the mailbox connects, as the provisioning CSV says it: SMTP always,
 * IMAP when offered (provision_endpoints()), else null / "not offered".
 */
static void
show_endpoints(const struct provision_endpoints *e, const char *addr,
    struct json *j)
{
	if (j != NULL) {
		json_key(j, "smtp");
		json_obj_begin(j);
		json_kstr(j, "host", e->smtp_host);
		json_kint(j, "port", e->smtp_port);
		json_kstr(j, "security", PROVISION_SMTP_SECURITY);
		json_kstr(j, "username", addr);
		json_obj_end(j);
		json_key(j, "imap");
		if (e->imap_host == NULL) {
			json_null(j);
			return;
		}
		json_obj_begin(j);
		json_kstr(j, "host", e->imap_host);
		json_kint(j, "port", e->imap_port);
		json_kstr(j, "security", PROVISION_IMAP_SECURITY);
		json_kstr(j, "username", addr);
		json_kbool(j, "postern_accounts", e->imap_served);
		json_obj_end(j);
		return;
	}
	printf("smtp:           %s port %u, %s, username %s\n", e->smtp_host,
	    e->smtp_port, PROVISION_SMTP_SECURITY, addr);
	if (e->imap_host == NULL)
		printf("imap:           not offered (imap = none, or no "
		    "imap_listen/imaps_listen)\n");
	else
		printf("imap:           %s port %u, implicit TLS (%s), "
		    "username %s%s\n", e->imap_host, e->imap_port,
		    PROVISION_IMAP_SECURITY, addr, e->imap_served ? "" :
		    " (imap_host: another server's accounts)");
}

static int
failure_row(const struct store_failure *f, void *arg)
{
	struct show_ctx	*c = arg;
	char		 when[40];

	c->n++;
	if (c->j != NULL) {
		json_obj_begin(c->j);
		json_kint(c->j, "time", f->time);
		json_kstr(c->j, "protocol", f->protocol);
		json_kstr(c->j, "client", f->client);
		json_kstr(c->j, "reason", f->reason);
		json_obj_end(c->j);
		return 0;
	}
	cli_time(f->time, when, sizeof(when));
	printf("  %s  %-4s  %-15s  %s\n", when, f->protocol, f->client,
	    f->reason);
	return 0;
}

static int
alias_of_row(const struct store_alias *al, void *arg)
{
	struct show_ctx	*c = arg;

	if (strcmp(al->target, c->target) != 0)
		return 0;
	c->n++;
	if (c->j != NULL)
		json_str(c->j, al->address);
	else
		printf("%s%s", c->n > 1 ? ", " : "", al->address);
	return 0;
}

/* The familiar networks of a mailbox (at most STORE_FAMILIAR_MAX). */
struct familiar_set {
	struct store_familiar	f[STORE_FAMILIAR_MAX];
	size_t			n;
};

/* One locked source, for show_source_locks(). */
struct source_lock {
	const char	*source;	/* "all", "unfamiliar" or a network */
	int64_t		 until;
};

static int
familiar_row(const struct store_familiar *f, void *arg)
{
	struct familiar_set	*fs = arg;

	if (fs->n == STORE_FAMILIAR_MAX)
		return 1;
	fs->f[fs->n++] = *f;
	return 0;
}

/*
 * Which sources are locked, as a login is judged (store_auth.c): every
 * source (mailbox lock), the unfamiliar sources, each familiar network.
 * JSON: [{"source": "all" | "unfamiliar" | NETWORK, "locked_until"}];
 * text: one "SOURCE: locked until TIME" per line, or "none".
 */
static void
show_source_locks(const struct store_mailbox *mb,
    const struct familiar_set *fs, int64_t now, struct json *j)
{
	struct source_lock	locks[STORE_FAMILIAR_MAX + 2];
	char			when[40];
	size_t			n = 0, i;

	if (mb->all_locked_until > now)
		locks[n++] = (struct source_lock){ "all",
		    mb->all_locked_until };
	if (mb->locked_until > now &&
	    mb->locked_until > mb->all_locked_until)
		locks[n++] = (struct source_lock){ "unfamiliar",
		    mb->locked_until };
	for (i = 0; i < fs->n; i++)
		if (fs->f[i].locked_until > now)
			locks[n++] = (struct source_lock){ fs->f[i].network,
			    fs->f[i].locked_until };
	if (j != NULL) {
		json_key(j, "source_locks");
		json_arr_begin(j);
		for (i = 0; i < n; i++) {
			json_obj_begin(j);
			json_kstr(j, "source", locks[i].source);
			json_kint(j, "locked_until", locks[i].until);
			json_obj_end(j);
		}
		json_arr_end(j);
		return;
	}
	printf("source locks:   %s", n == 0 ? "none\n" : "");
	for (i = 0; i < n; i++) {
		cli_time(locks[i].until, when, sizeof(when));
		printf("%s%s: locked until %s%s\n", i > 0 ? "                " :
		    "", strcmp(locks[i].source, "all") == 0 ? "all sources" :
		    strcmp(locks[i].source, "unfamiliar") == 0 ?
		    "unfamiliar sources" : locks[i].source, when,
		    strcmp(locks[i].source, "all") == 0 ? " (mailbox lock)" :
		    "");
	}
}

/* The networks that logged in recently: they answer to their own lock. */
static void
show_familiar(const struct familiar_set *fs, unsigned days, struct json *j)
{
	char	when[40];
	size_t	i;

	if (j != NULL) {
		json_kint(j, "familiar_days", days);
		json_key(j, "familiar");
		json_arr_begin(j);
		for (i = 0; i < fs->n; i++) {
			json_obj_begin(j);
			json_kstr(j, "network", fs->f[i].network);
			json_kint(j, "last_login", fs->f[i].last_login);
			json_obj_end(j);
		}
		json_arr_end(j);
		return;
	}
	if (days == 0) {
		printf("familiar:       off (auth_familiar_days = 0: one lock "
		    "for every source)\n");
		return;
	}
	if (fs->n == 0)
		printf("familiar:       none yet (a successful login makes its "
		    "network familiar for %u days)\n", days);
	for (i = 0; i < fs->n; i++) {
		cli_time(fs->f[i].last_login, when, sizeof(when));
		printf("%s%s, last login %s\n", i > 0 ? "                " :
		    "familiar:       ", fs->f[i].network, when);
	}
}

/*
 * Everything about authentication for one mailbox: lock state, the
 * recent failures with their reasons, and what it may send as.
 */
static int
mailbox_show(struct store *st, char **a, int json)
{
	struct store_mailbox		 mb;
	struct store_domain		 d;
	struct show_ctx			 c;
	struct config			 cfg;
	struct provision_endpoints	 ep;
	struct familiar_set		 fs;
	struct json			 j;
	struct buf			 b;
	char				 t1[40], t2[40];
	uint64_t			 sent = 0;
	int64_t				 now = (int64_t)(util_now_ms() / 1000),
					 oldest;
	int				 locked;

	if (store_fail(st, "mailbox", a[0], store_mailbox_get(st, a[0], &mb)))
		return 1;
	if (store_domain_get(st, strrchr(mb.address, '@') + 1, &d) !=
	    STORE_OK)
		memset(&d, 0, sizeof(d));
	if (cli_load_config(show_datadir, &cfg) == -1)
		return 1;
	provision_endpoints(&cfg, d.submission_host, &ep);
	(void)store_sent_count(st, mb.address, now - 86400, &sent, &oldest);
	fs.n = 0;
	if (cfg.auth_familiar_days > 0)
		(void)store_familiar_list(st, mb.address, now -
		    (int64_t)cfg.auth_familiar_days * 86400, familiar_row, &fs);
	locked = mb.locked_until > now;
	memset(&c, 0, sizeof(c));
	c.target = mb.address;
	if (json) {
		buf_init(&b, 4 * 1024 * 1024);
		json_init(&j, &b);
		c.j = &j;
		json_obj_begin(&j);
		json_kstr(&j, "address", mb.address);
		json_kstr(&j, "password_scheme", password_scheme(mb.hash) ?
		    password_scheme(mb.hash) : "unsupported");
		json_kbool(&j, "locked", locked);
		json_kint(&j, "locked_until", locked ? mb.locked_until : 0);
		show_source_locks(&mb, &fs, now, &j);
		show_familiar(&fs, cfg.auth_familiar_days, &j);
		json_kint(&j, "daily_limit", mb.daily_limit);
		json_kint(&j, "sent_24h", (int64_t)sent);
		json_kstr(&j, "sender_policy", d.sender_policy ==
		    STORE_SENDER_DOMAIN ? "domain" : "mailbox");
		json_kint(&j, "created", mb.created);
		show_endpoints(&ep, mb.address, &j);
		json_key(&j, "aliases");
		json_arr_begin(&j);
		store_alias_list(st, strrchr(mb.address, '@') + 1,
		    alias_of_row, &c);
		json_arr_end(&j);
		json_key(&j, "recent_failures");
		json_arr_begin(&j);
		store_failure_list(st, mb.address, FAILURES_SHOWN,
		    failure_row, &c);
		json_arr_end(&j);
		json_obj_end(&j);
		return json_out(&b, &j);
	}
	cli_time(mb.created, t1, sizeof(t1));
	cli_time(mb.locked_until, t2, sizeof(t2));
	printf("mailbox:        %s\n", mb.address);
	printf("created:        %s\n", t1);
	printf("password:       %s hash\n", password_scheme(mb.hash) ?
	    password_scheme(mb.hash) : "UNSUPPORTED");
	printf("locked:         %s%s\n", locked ? "yes, until " : "no",
	    locked ? t2 : "");
	show_source_locks(&mb, &fs, now, NULL);
	show_familiar(&fs, cfg.auth_familiar_days, NULL);
	if (mb.daily_limit)
		printf("daily limit:    %u recipients (%llu sent in the last "
		    "24 h)\n", mb.daily_limit, (unsigned long long)sent);
	else
		printf("daily limit:    none (%llu sent in the last 24 h)\n",
		    (unsigned long long)sent);
	printf("may send as:    %s%s", d.sender_policy ==
	    STORE_SENDER_DOMAIN ? "any address @" : mb.address,
	    d.sender_policy == STORE_SENDER_DOMAIN ? d.name : "");
	printf("\naliases:        ");
	store_alias_list(st, strrchr(mb.address, '@') + 1, alias_of_row, &c);
	printf("%s\n", c.n == 0 ? "none" : "");
	show_endpoints(&ep, mb.address, NULL);
	printf("recent authentication failures (newest first):\n");
	c.n = 0;
	store_failure_list(st, mb.address, FAILURES_SHOWN, failure_row, &c);
	if (c.n == 0)
		printf("  none\n");
	return 0;
}

static int
mailbox_remove(struct store *st, char **a, int json)
{
	if (store_fail(st, "mailbox", a[0], store_mailbox_remove(st, a[0])))
		return 1;
	printf("postern: mailbox %s removed\n", a[0]);
	return 0;
}

/* Parse "30m", "2h", "1d" or plain seconds. */
static int
parse_span(const char *s, int64_t *out)
{
	char		*end;
	long long	 v = strtoll(s, &end, 10);
	int64_t		 mul = 1;

	if (end == s || v <= 0)
		return -1;
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end != '\0')
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	*out = (int64_t)v * mul;
	return 0;
}

static int
mailbox_lock(struct store *st, char **a, int json)
{
	struct store_mailbox	mb;
	struct config		cfg;
	int64_t			span = 0, now = util_now_ms() / 1000;
	char			when[40];

	config_defaults(&cfg);
	span = cfg.auth_lock_time_ms / 1000;
	if (a[1] != NULL && strcmp(a[1], "--for") != 0)
		return usage_error("mailbox", "lock", "too many arguments "
		    "('%.64s')", a[1]);
	if (a[1] != NULL && a[2] == NULL)
		return usage_error("mailbox", "lock", "--for needs a time "
		    "(30m, 2h, 7d or seconds)");
	if (a[1] != NULL && parse_span(a[2], &span) == -1)
		return usage_error("mailbox", "lock", "--for '%.64s': not a "
		    "time (30m, 2h, 7d or seconds)", a[2]);
	if (a[1] == NULL)
		span = 100LL * 365 * 86400;	/* until unlocked */
	if (store_fail(st, "mailbox", a[0], store_mailbox_get(st, a[0], &mb)) ||
	    store_fail(st, "mailbox", a[0], store_lock_set(st, mb.address,
	    now + span)))
		return 1;
	cli_time(now + span, when, sizeof(when));
	printf("postern: mailbox %s locked until %s, for every source "
	    "(familiar networks too)\n", mb.address, a[1] ? when :
	    "unlocked");
	return 0;
}

static int
mailbox_unlock(struct store *st, char **a, int json)
{
	struct store_mailbox	mb;

	if (store_fail(st, "mailbox", a[0], store_mailbox_get(st, a[0], &mb)) ||
	    store_fail(st, "mailbox", a[0], store_lock_clear(st, mb.address,
	    util_now_ms() / 1000)))
		return 1;
	printf("postern: mailbox %s unlocked\n", mb.address);
	return 0;
}

static int
mailbox_set(struct store *st, char **a, int json)
{
	char		*end;
	unsigned long	 v;

	if (strcmp(a[1], "daily_limit") != 0) {
		fprintf(stderr, "postern: mailbox %s: unknown setting %s "
		    "(daily_limit)\n", a[0], a[1]);
		return 1;
	}
	v = strtoul(a[2], &end, 10);
	if (end == a[2] || *end != '\0' || v > 10000000 || a[2][0] == '-') {
		fprintf(stderr, "postern: mailbox %s: daily_limit %s is not a "
		    "number (0 = no limit)\n", a[0], a[2]);
		return 1;
	}
	if (store_fail(st, "mailbox", a[0], store_mailbox_set_limit(st, a[0],
	    (uint32_t)v)))
		return 1;
	printf("postern: mailbox %s: daily_limit = %lu\n", a[0], v);
	return 0;
}

struct import_ctx {
	struct store	*st;
	const char	*path;
	const char	*domain;
	size_t		 added;
	size_t		 skipped;
};

static int
import_entry(const char *user, const char *hash, int lineno, void *arg)
{
	struct import_ctx	*c = arg;
	char			 full[STORE_ADDR_MAX + 1];
	char			 addr[STORE_ADDR_MAX + 1];
	int			 rc;

	if (strchr(user, '@') == NULL) {
		if (c->domain == NULL) {
			fprintf(stderr, "postern: %s:%d: user %s has no domain; "
			    "give one: mailbox import FILE DOMAIN\n", c->path,
			    lineno, user);
			return -1;
		}
		if (util_snprintf(full, sizeof(full), "%s@%s", user,
		    c->domain) == -1)
			goto bad;
		user = full;
	}
	if (cli_address(user, addr, sizeof(addr)) == -1)
		goto bad;
	if (password_scheme(hash) == NULL) {
		fprintf(stderr, "postern: %s:%d: %s: unsupported password "
		    "scheme (argon2, yescrypt, bcrypt, SHA-256/512-crypt)\n",
		    c->path, lineno, addr);
		return -1;
	}
	rc = store_mailbox_add(c->st, addr, hash);
	if (rc == STORE_EXISTS) {
		fprintf(stderr, "postern: %s:%d: %s already exists, "
		    "skipped\n", c->path, lineno, addr);
		c->skipped++;
		return 0;
	}
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "postern: %s:%d: %s: domain %s is not "
		    "configured\n", c->path, lineno, addr,
		    strrchr(addr, '@') + 1);
		return -1;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: %s:%d: %s: %s\n", c->path, lineno,
		    addr, store_errmsg(c->st));
		return -1;
	}
	c->added++;
	return 0;
bad:
	fprintf(stderr, "postern: %s:%d: %s is not a valid address\n",
	    c->path, lineno, user);
	return -1;
}

/* Dovecot passwd-file: all entries or none (one transaction). */
static int
mailbox_import(struct store *st, char **a, int json)
{
	struct import_ctx	c;
	char			err[512];

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.path = a[0];
	c.domain = a[1];
	if (store_begin(st) != STORE_OK)
		return store_fail(st, "import", a[0], STORE_ERR);
	if (passwd_file_read(a[0], import_entry, &c, err, sizeof(err)) == -1) {
		store_rollback(st);
		fprintf(stderr, "postern: %s; nothing imported\n", err);
		return 1;
	}
	if (store_commit(st) != STORE_OK) {
		store_rollback(st);
		return store_fail(st, "import", a[0], STORE_ERR);
	}
	printf("postern: imported %zu mailbox(es) from %s, %zu skipped\n",
	    c.added, a[0], c.skipped);
	return 0;
}

int
cli_mailbox(const char *datadir, int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", 2, 2, CMD_SECRET,
		    "ADDRESS --password-stdin|--generate", mailbox_add },
		{ "list", 0, 1, 0, "[DOMAIN] [--json]", mailbox_list },
		{ "show", 1, 1, 0, "ADDRESS [--json]", mailbox_show },
		{ "passwd", 2, 2, CMD_SECRET,
		    "ADDRESS --password-stdin|--generate", mailbox_passwd },
		{ "remove", 1, 1, 0, "ADDRESS", mailbox_remove },
		{ "lock", 1, 3, 0, "ADDRESS [--for 30m|2h|7d]", mailbox_lock },
		{ "unlock", 1, 1, 0, "ADDRESS", mailbox_unlock },
		{ "set", 3, 3, 0, "ADDRESS daily_limit N", mailbox_set },
		{ "import", 1, 2, 0, "DOVECOT-PASSWD-FILE [DOMAIN]",
		    mailbox_import },
	};

	show_datadir = datadir;
	return run_cmd(datadir, cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "mailbox", argc, argv);
}

/* --- alias -------------------------------------------------------------- */

static int
alias_add(struct store *st, char **a, int json)
{
	char	al[STORE_ADDR_MAX + 1];

	if (cli_address(a[0], al, sizeof(al)) == -1) {
		fprintf(stderr, "postern: alias %s: not a valid address\n",
		    a[0]);
		return 1;
	}
	if (store_fail(st, "alias", al, store_alias_add(st, al, a[1])))
		return 1;
	printf("postern: alias %s -> %s added\n", al, a[1]);
	return 0;
}

static int
alias_row(const struct store_alias *al, void *arg)
{
	struct show_ctx	*c = arg;

	if (c->j != NULL) {
		json_obj_begin(c->j);
		json_kstr(c->j, "alias", al->address);
		json_kstr(c->j, "mailbox", al->target);
		json_obj_end(c->j);
	} else
		printf("%s -> %s\n", al->address, al->target);
	return 0;
}

static int
alias_list(struct store *st, char **a, int json)
{
	struct show_ctx	c;
	struct json	j;
	struct buf	b;
	int		rc;

	memset(&c, 0, sizeof(c));
	if (json) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		c.j = &j;
	}
	rc = store_alias_list(st, a[0], alias_row, &c);
	if (json) {
		json_arr_end(&j);
		if (rc != STORE_OK) {
			buf_free(&b);
			return store_fail(st, "alias", "list", rc);
		}
		return json_out(&b, &j);
	}
	return store_fail(st, "alias", "list", rc);
}

static int
alias_remove(struct store *st, char **a, int json)
{
	if (store_fail(st, "alias", a[0], store_alias_remove(st, a[0])))
		return 1;
	printf("postern: alias %s removed\n", a[0]);
	return 0;
}

int
cli_alias(const char *datadir, int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", 2, 2, 0, "ALIAS MAILBOX", alias_add },
		{ "list", 0, 1, 0, "[DOMAIN] [--json]", alias_list },
		{ "remove", 1, 1, 0, "ALIAS", alias_remove },
	};

	return run_cmd(datadir, cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "alias", argc, argv);
}
