/*
 * subcmd: the frame of the account commands, see subcmd.h.
 *
 * A usage error says what was wrong ("postern: mailbox add: missing
 * ADDRESS"), then shows the usage: of the whole group when found here,
 * of the subcommand when found by it.  Arguments of a SUBCMD_SECRET
 * command are never shown: they may hold a password.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/subcmd.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

#define USAGE_WORDS	16
#define USAGE_ALTS	4

/* The required words of one alternative of a usage string. */
struct usage_alt {
	const char	*w[USAGE_WORDS];
	int		 len[USAGE_WORDS];
	int		 n;
};

static void	group_usage(const char *, const struct subcmd *, size_t);
static int	usage_alts(const char *, struct usage_alt *, int);
static int	alt_fits(const struct usage_alt *, int, char **, int);
static int	say_missing(const char *, const struct subcmd *, char **, int);
static int	usage_names(const char *, const char *, size_t);
static int	check_options(const char *, const struct subcmd *, char **,
		    int);
static int	check_args(const char *, const struct subcmd *, char **, int);

void
subcmd_table_init(struct subcmd_table *t, size_t ncols)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cells = NULL;
}

int
subcmd_table_row(struct subcmd_table *t, const char *const *cells)
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

void
subcmd_table_print(struct subcmd_table *t)
{
	size_t	w[SUBCMD_TABLE_COLS] = { 0 }, r, c, n;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols && c < SUBCMD_TABLE_COLS; c++)
			if ((n = strlen(t->cells[r * t->ncols + c])) > w[c])
				w[c] = n;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			printf("%-*s%s", c + 1 < t->ncols ? (int)w[c] : 0,
			    t->cells[r * t->ncols + c],
			    c + 1 < t->ncols ? "  " : "\n");
	}
}

void
subcmd_table_free(struct subcmd_table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

int
subcmd_json_out(struct buf *b, struct json *j)
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
int
subcmd_list_finish(struct store *st, const char *what, int rc,
    struct subcmd_table *t,
    struct json *j, struct buf *b)
{
	if (rc != STORE_OK) {
		subcmd_table_free(t);
		if (j != NULL)
			buf_free(b);
		return subcmd_store_fail(st, what, "list", rc);
	}
	if (j != NULL) {
		subcmd_table_free(t);
		json_arr_end(j);
		return subcmd_json_out(b, j);
	}
	subcmd_table_print(t);
	subcmd_table_free(t);
	return 0;
}

int
subcmd_store_fail(struct store *st, const char *what, const char *name, int rc)
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
int
subcmd_usage_error(const char *group, const char *name, const char *fmt, ...)
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
group_usage(const char *group, const struct subcmd *cmds, size_t ncmds)
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
say_missing(const char *group, const struct subcmd *c, char **a, int k)
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
		return subcmd_usage_error(group, c->name,
		    "missing an argument");
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
check_options(const char *group, const struct subcmd *c, char **a, int n)
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
		if ((c->flags & SUBCMD_SECRET) && strncmp(a[i], "--password",
		    10) == 0 && (a[i][10] == '\0' || a[i][10] == '='))
			return subcmd_usage_error(group, c->name, "there is no "
			    "--password: a password on the command line can "
			    "be read by other users (ps); use "
			    "--password-stdin or --generate");
		return subcmd_usage_error(group, c->name,
		    "unknown option '%.*s%s'",
		    (int)(len < 40 ? len : 40), a[i], a[i][len] == '=' ?
		    "=..." : len > 40 ? "..." : "");
	}
	return 0;
}

/* Unknown options, then too few or too many arguments: 0 or 2. */
static int
check_args(const char *group, const struct subcmd *c, char **a, int n)
{
	if (check_options(group, c, a, n) != 0)
		return 2;
	if (n < c->min)
		return say_missing(group, c, a, n);
	if (n <= c->max)
		return 0;
	if (c->flags & SUBCMD_SECRET)
		return subcmd_usage_error(group, c->name,
		    "too many arguments (not "
		    "shown: one may be a password)");
	if (n - c->max > 1)
		return subcmd_usage_error(group, c->name, "too many arguments "
		    "('%.64s' and %d more)", a[c->max], n - c->max - 1);
	return subcmd_usage_error(group, c->name,
	    "too many arguments ('%.64s')",
	    a[c->max]);
}

/*
 * Parse "NAME ARGS... [--json]" against a table and run it with an open
 * store.  A usage error says what was wrong, then shows the usage: of the
 * whole group when found here, of the subcommand when found by it.
 */
int
subcmd_run(const char *datadir, const struct subcmd *cmds, size_t ncmds,
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
