/*
 * cli_suppress: `postern suppress list|add|remove`, the per-domain
 * suppression list (store_suppress.c).  An entry says: do not mail this
 * recipient from this local domain again.  Delivery adds entries when an
 * address hard-bounces (source "bounce"); the operator adds them by hand
 * (source "manual") and removes them once the address works again.  The
 * submission listeners refuse such recipients at RCPT with 550 5.1.1.
 *
 * Output is an aligned table by default and a JSON array with --json.
 * Every error names the entry or domain and the reason and exits 1; a
 * usage error first says what was wrong, then shows the usage, and exits
 * 2.  A reason must be printable ASCII: it is shown to mail clients in
 * the 550 reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

#define SUPPRESS_COLS		5
#define SUPPRESS_REASON_DEF	"added by hand"

struct suppress_args {
	const char	*pos[3];	/* DOMAIN, ADDRESS, the first extra */
	int		 npos;		/* at most 3 */
	const char	*reason;
	int		 json;
};

struct suppress_list {
	struct store_suppression	*rows;
	size_t				 n;
	struct json			*j;
};

static int	suppress_parse(const char *, int, char **,
		    struct suppress_args *);
static int	suppress_usage(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	suppress_fail(struct store *, const char *, const char *,
		    int);
static int	suppress_row(const struct store_suppression *, void *);
static void	suppress_print(const struct suppress_list *);
static int	suppress_list(struct store *, const struct suppress_args *);
static int	suppress_add(struct store *, const struct suppress_args *);
static int	suppress_remove(struct store *, const struct suppress_args *);
static int	suppress_reason_ok(const char *);

/*
 * A usage error: "postern: suppress[ SUBCOMMAND]: REASON", then the
 * usage; 2.
 */
static int
suppress_usage(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "postern: suppress%s%s: ", cmd ? " " : "",
	    cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage:\n"
	    "  postern -d DIR suppress list [DOMAIN] [--json]\n"
	    "  postern -d DIR suppress add DOMAIN ADDRESS [--reason TEXT]\n"
	    "  postern -d DIR suppress remove DOMAIN ADDRESS\n");
	return 2;
}

/*
 * Positional arguments after the subcommand, --json and --reason TEXT.
 * 0, or a usage error.
 */
static int
suppress_parse(const char *cmd, int argc, char **argv,
    struct suppress_args *a)
{
	int	i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 == argc)
			return suppress_usage(cmd, "--reason needs a value");
		else if (strcmp(argv[i], "--reason") == 0)
			a->reason = argv[++i];
		else if (argv[i][0] == '-')
			return suppress_usage(cmd, "unknown option '%.64s'",
			    argv[i]);
		else if (a->npos < 3)
			a->pos[a->npos++] = argv[i];
	}
	return 0;
}

/* Printable ASCII only, at most STORE_REASON_MAX: it goes into replies. */
static int
suppress_reason_ok(const char *r)
{
	size_t	i;

	for (i = 0; r[i] != '\0'; i++)
		if ((unsigned char)r[i] < 32 || (unsigned char)r[i] > 126)
			return 0;
	return i <= STORE_REASON_MAX;
}

static int
suppress_fail(struct store *st, const char *domain, const char *addr,
    int rc)
{
	switch (rc) {
	case STORE_OK:
		return 0;
	case STORE_NOTFOUND:
		if (store_domain_exists(st, domain) == STORE_NOTFOUND)
			fprintf(stderr, "postern: suppression %s %s: domain %s "
			    "is not configured (postern domain add %s)\n",
			    domain, addr, domain, domain);
		else
			fprintf(stderr, "postern: suppression %s %s: not "
			    "suppressed\n", domain, addr);
		break;
	default:
		fprintf(stderr, "postern: suppression %s %s: %s\n", domain,
		    addr, store_errmsg(st));
		break;
	}
	return 1;
}

static int
suppress_row(const struct store_suppression *s, void *arg)
{
	struct suppress_list	*l = arg;
	void			*p;

	if (l->j != NULL) {
		json_obj_begin(l->j);
		json_kstr(l->j, "domain", s->domain);
		json_kstr(l->j, "address", s->address);
		json_kstr(l->j, "source", s->source);
		json_kstr(l->j, "reason", s->reason);
		json_kint(l->j, "created", s->created);
		json_obj_end(l->j);
		return 0;
	}
	p = reallocarray(l->rows, l->n + 1, sizeof(*l->rows));
	if (p == NULL)
		return 1;
	l->rows = p;
	l->rows[l->n++] = *s;
	return 0;
}

static void
suppress_print(const struct suppress_list *l)
{
	static const char *head[SUPPRESS_COLS] = { "DOMAIN", "ADDRESS",
	    "SOURCE", "CREATED", "REASON" };
	const char	*cell[SUPPRESS_COLS];
	char		 created[40];
	size_t		 w[SUPPRESS_COLS], r, c, len;

	for (c = 0; c < SUPPRESS_COLS; c++)
		w[c] = strlen(head[c]);
	for (r = 0; r < l->n; r++) {
		if ((len = strlen(l->rows[r].domain)) > w[0])
			w[0] = len;
		if ((len = strlen(l->rows[r].address)) > w[1])
			w[1] = len;
		if ((len = strlen(l->rows[r].source)) > w[2])
			w[2] = len;
	}
	w[3] = strlen("2026-01-01 00:00:00 UTC");
	for (r = 0; r <= l->n; r++) {
		if (r == 0)
			memcpy(cell, head, sizeof(cell));
		else {
			cli_time(l->rows[r - 1].created, created,
			    sizeof(created));
			cell[0] = l->rows[r - 1].domain;
			cell[1] = l->rows[r - 1].address;
			cell[2] = l->rows[r - 1].source;
			cell[3] = created;
			cell[4] = l->rows[r - 1].reason;
		}
		for (c = 0; c < SUPPRESS_COLS; c++)
			printf("%-*s%s", c + 1 < SUPPRESS_COLS ? (int)w[c] : 0,
			    cell[c], c + 1 < SUPPRESS_COLS ? "  " : "\n");
	}
}

static int
suppress_list(struct store *st, const struct suppress_args *a)
{
	struct suppress_list	 l;
	struct json		 j;
	struct buf		 b;
	const char		*domain = a->npos > 0 ? a->pos[0] : NULL;
	int			 rc;

	if (domain != NULL &&
	    (rc = store_domain_exists(st, domain)) != STORE_OK) {
		fprintf(stderr, "postern: domain %s: %s\n", domain,
		    rc == STORE_NOTFOUND ? "does not exist" :
		    store_errmsg(st));
		return 1;
	}
	memset(&l, 0, sizeof(l));
	if (a->json) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		l.j = &j;
	}
	rc = store_suppress_list(st, domain, suppress_row, &l);
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: suppression list: %s\n",
		    store_errmsg(st));
		if (a->json)
			buf_free(&b);
		free(l.rows);
		return 1;
	}
	if (a->json) {
		json_arr_end(&j);
		rc = json_finish(&j);
		if (rc == 0)
			printf("%s\n", buf_str(&b));
		else
			fprintf(stderr, "postern: cannot format JSON output\n");
		buf_free(&b);
		return rc == 0 ? 0 : 1;
	}
	suppress_print(&l);
	free(l.rows);
	return 0;
}

static int
suppress_add(struct store *st, const struct suppress_args *a)
{
	char		 addr[STORE_ADDR_MAX + 1];
	const char	*reason = a->reason ? a->reason : SUPPRESS_REASON_DEF;

	if (cli_address(a->pos[1], addr, sizeof(addr)) == -1) {
		fprintf(stderr, "postern: suppression %s %s: not a valid "
		    "address (local@domain, ASCII)\n", a->pos[0], a->pos[1]);
		return 1;
	}
	if (!suppress_reason_ok(reason)) {
		fprintf(stderr, "postern: suppression %s %s: the reason must "
		    "be printable ASCII, at most %d characters\n", a->pos[0],
		    addr, STORE_REASON_MAX);
		return 1;
	}
	if (suppress_fail(st, a->pos[0], addr, store_suppress_add(st,
	    a->pos[0], addr, reason, "manual",
	    (int64_t)(util_now_ms() / 1000))))
		return 1;
	printf("postern: suppression %s %s added: mail from %s to %s is "
	    "refused\n", a->pos[0], addr, a->pos[0], addr);
	return 0;
}

static int
suppress_remove(struct store *st, const struct suppress_args *a)
{
	char	d[STORE_ADDR_MAX + 1], addr[STORE_ADDR_MAX + 1];

	/* any text: an entry is removable whatever it looks like */
	if (util_strlcpy(d, a->pos[0], sizeof(d)) == -1 ||
	    util_strlcpy(addr, a->pos[1], sizeof(addr)) == -1) {
		fprintf(stderr, "postern: suppression %s %s: name too long\n",
		    a->pos[0], a->pos[1]);
		return 1;
	}
	util_lower(d);
	util_lower(addr);
	if (suppress_fail(st, d, addr, store_suppress_remove(st, d, addr)))
		return 1;
	printf("postern: suppression %s %s removed\n", d, addr);
	return 0;
}

int
cli_suppress(const char *datadir, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		 minpos, maxpos;
		int		 json, reason;	/* options it takes */
		int		(*fn)(struct store *,
				    const struct suppress_args *);
	} cmds[] = {
		{ "list",	0, 1, 1, 0, suppress_list },
		{ "add",	2, 2, 0, 1, suppress_add },
		{ "remove",	2, 2, 0, 0, suppress_remove },
	};
	static const char *posname[] = { "DOMAIN", "ADDRESS" };
	struct suppress_args	 a;
	struct store		*st;
	size_t			 c;
	int			 rc;

	if (argc < 1)
		return suppress_usage(NULL, "which subcommand? (list, add, "
		    "remove)");
	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		if (strcmp(argv[0], cmds[c].name) == 0)
			break;
	if (c == sizeof(cmds) / sizeof(cmds[0]))
		return suppress_usage(NULL, "unknown subcommand '%.64s' (list, "
		    "add, remove)", argv[0]);
	if ((rc = suppress_parse(argv[0], argc - 1, argv + 1, &a)) != 0)
		return rc;
	if (a.json && !cmds[c].json)
		return suppress_usage(argv[0], "does not take --json");
	if (a.reason != NULL && !cmds[c].reason)
		return suppress_usage(argv[0], "does not take --reason");
	if (a.npos < cmds[c].minpos)
		return suppress_usage(argv[0], "missing %s", posname[a.npos]);
	if (a.npos > cmds[c].maxpos)
		return suppress_usage(argv[0], "too many arguments ('%.64s')",
		    a.pos[cmds[c].maxpos]);
	if ((st = cli_store(datadir, 0)) == NULL)
		return 1;
	rc = cmds[c].fn(st, &a);
	store_close(st);
	return rc;
}
