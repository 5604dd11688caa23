/*
 * cli_token: `postern token create|list|revoke`, the API tokens of the
 * admin listener (core/token.h, store_token.c, docs/API.md "Tokens").
 *
 * create prints what the token may do, then the token alone on the last
 * line of stdout, so a script takes it with `tail -n 1`; it is shown this
 * once and only its SHA-256 is kept.  list never shows a secret.  Every
 * create and revoke is written to the audit log (actor "cli").  Errors
 * name the token and the reason and exit 1; usage errors exit 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/token.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

struct token_args {
	const char	*name;
	const char	*scope;
	const char	*domain;
	const char	*from;
	const char	*expires;
	int		 json;
};

static int	 token_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 token_parse_args(int, char **, struct token_args *);
static int	 token_duration(const char *, int64_t *);
static int	 token_create(struct store *, const struct token_args *);
static int	 token_list(struct store *, const struct token_args *);
static int	 token_revoke(struct store *, const struct token_args *);
static int	 token_row(const struct store_token *, void *);
static void	 token_time(int64_t, char *, size_t);

static int
token_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "postern: token: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage:\n"
	    "  postern -d DIR token create NAME --scope SCOPE[,SCOPE...] "
	    "[--domain DOMAIN]\n"
	    "                 [--from CIDR[,CIDR...]] [--expires 30d|12h|"
	    "never]\n"
	    "  postern -d DIR token list [--json]\n"
	    "  postern -d DIR token revoke NAME\n"
	    "scopes: read mailboxes domains queue provision metrics admin\n");
	return 2;
}

static int
token_parse_args(int argc, char **argv, struct token_args *a)
{
	const char	**opt;
	int		  i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		opt = strcmp(argv[i], "--scope") == 0 ? &a->scope :
		    strcmp(argv[i], "--domain") == 0 ? &a->domain :
		    strcmp(argv[i], "--from") == 0 ? &a->from :
		    strcmp(argv[i], "--expires") == 0 ? &a->expires : NULL;
		if (opt != NULL) {
			if (i + 1 == argc)
				return token_usage("%s needs a value",
				    argv[i]);
			*opt = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (argv[i][0] == '-')
			return token_usage("unknown option '%.64s'", argv[i]);
		else if (a->name == NULL)
			a->name = argv[i];
		else
			return token_usage("too many arguments ('%.64s')",
			    argv[i]);
	}
	return 0;
}

/* "never" is 0, else a duration as postern.conf writes it, in seconds,
   1 s to 10 years.  0 or -1. */
static int
token_duration(const char *s, int64_t *secs)
{
	uint64_t	ms;

	if (strcmp(s, "never") == 0) {
		*secs = 0;
		return 0;
	}
	if (config_duration(s, &ms) == -1 || ms < 1000 ||
	    ms > 3650ULL * 86400 * 1000)
		return -1;
	*secs = (int64_t)(ms / 1000);
	return 0;
}

/* One audit row for a change made here (actor "cli"); cli.h. */
void
cli_audit(struct store *st, const char *action, const char *target,
    const char *detail)
{
	struct store_audit	a;

	memset(&a, 0, sizeof(a));
	a.time = (int64_t)time(NULL);
	util_strlcpy(a.actor, "cli", sizeof(a.actor));
	util_strlcpy(a.client, "local", sizeof(a.client));
	util_strlcpy(a.action, action, sizeof(a.action));
	util_strlcpy(a.target, target, sizeof(a.target));
	util_strlcpy(a.detail, detail, sizeof(a.detail));
	if (store_audit_add(st, &a) != STORE_OK)
		fprintf(stderr, "postern: audit log: %s\n",
		    store_errmsg(st));
}

static int
token_create(struct store *st, const struct token_args *a)
{
	struct store_token_spec	 sp;
	struct store_token	 t;
	char			 text[TOKEN_TEXT_LEN + 1], detail[256];
	const char		*why;
	int64_t			 life = 0;
	int			 rc;

	if (a->scope == NULL)
		return token_usage("create: --scope is required");
	if (a->expires != NULL && token_duration(a->expires, &life) == -1)
		return token_usage("create: --expires '%.64s' is not a "
		    "duration such as 30d, 12h or never", a->expires);
	memset(&sp, 0, sizeof(sp));
	sp.name = a->name;
	sp.scopes = a->scope;
	sp.domain = a->domain;
	sp.cidrs = a->from;
	sp.life = life;
	sp.now = (int64_t)time(NULL);
	rc = store_token_issue(st, &sp, &t, text, &why);
	if (rc == STORE_INVALID)
		return token_usage("create: %s", why);
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: token create %s: %s\n", a->name,
		    rc == STORE_EXISTS ? "a token has that name (revoke it "
		    "first)" : rc == STORE_NOTFOUND ? "that domain is not "
		    "configured here" : store_errmsg(st));
		return 1;
	}
	(void)util_snprintf(detail, sizeof(detail), "scopes=%s domain=%s "
	    "from=%s", t.scopes, t.domain[0] ? t.domain : "*",
	    t.cidrs[0] ? t.cidrs : "*");
	cli_audit(st, "token.create", t.name, detail);
	printf("token %s: scopes %s; domain %s; from %s; expires %s\n",
	    t.name, t.scopes, t.domain[0] ? t.domain : "all",
	    t.cidrs[0] ? t.cidrs : "anywhere", a->expires != NULL &&
	    life > 0 ? a->expires : "never");
	printf("Shown this once (only its hash is kept); send it as "
	    "Authorization: Bearer TOKEN\n%s\n", text);
	explicit_bzero(text, sizeof(text));
	return 0;
}

static void
token_time(int64_t t, char *out, size_t outsz)
{
	if (t == 0)
		util_strlcpy(out, "-", outsz);
	else
		util_time_utc(t, out, outsz);
}

static int
token_row(const struct store_token *t, void *arg)
{
	struct json	*j = *(struct json **)arg;
	char		 c[64], e[64], u[64];

	if (j != NULL) {
		store_token_json(j, t);
		return 0;
	}
	token_time(t->created, c, sizeof(c));
	token_time(t->expires, e, sizeof(e));
	token_time(t->last_used, u, sizeof(u));
	printf("%-20s %-12s %-28s %-20s created %s expires %s last used %s\n",
	    t->name, t->id, t->scopes, t->domain[0] ? t->domain : "*", c, e,
	    u);
	return 0;
}

static int
token_list(struct store *st, const struct token_args *a)
{
	struct buf	 b;
	struct json	 j, *jp = NULL;
	int		 rc;

	if (!a->json)
		return store_token_list(st, token_row, &jp) == STORE_OK ? 0 :
		    (fprintf(stderr, "postern: token list: %s\n",
		    store_errmsg(st)), 1);
	buf_init(&b, 16 * 1024 * 1024);
	json_init(&j, &b);
	json_arr_begin(&j);
	jp = &j;
	rc = store_token_list(st, token_row, &jp);
	json_arr_end(&j);
	if (rc != STORE_OK || json_finish(&j) == -1) {
		fprintf(stderr, "postern: token list: %s\n", store_errmsg(st));
		buf_free(&b);
		return 1;
	}
	printf("%s\n", buf_str(&b));
	buf_free(&b);
	return 0;
}

static int
token_revoke(struct store *st, const struct token_args *a)
{
	if (store_token_revoke(st, a->name) != STORE_OK) {
		fprintf(stderr, "postern: token revoke %.64s: %s\n", a->name,
		    store_errmsg(st));
		return 1;
	}
	cli_audit(st, "token.revoke", a->name, "");
	printf("token %s revoked\n", a->name);
	return 0;
}

int
cli_token(const char *datadir, int argc, char **argv)
{
	struct token_args	 a;
	struct store		*st;
	int			 rc, (*fn)(struct store *,
				    const struct token_args *);

	if (argc < 1)
		return token_usage("which subcommand? (create, list, revoke)");
	fn = strcmp(argv[0], "create") == 0 ? token_create :
	    strcmp(argv[0], "list") == 0 ? token_list :
	    strcmp(argv[0], "revoke") == 0 ? token_revoke : NULL;
	if (fn == NULL)
		return token_usage("unknown subcommand '%.64s' (create, list, "
		    "revoke)", argv[0]);
	if ((rc = token_parse_args(argc - 1, argv + 1, &a)) != 0)
		return rc;
	if ((fn == token_list) != (a.name == NULL))
		return token_usage("%s: %s", argv[0], a.name == NULL ?
		    "missing NAME" : "takes no NAME");
	if ((st = cli_store(datadir, 0)) == NULL)
		return 1;
	rc = fn(st, &a);
	store_close(st);
	return rc;
}
